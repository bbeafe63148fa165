import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { RequestBudget } from '../../../src/zendesk/budget.js';
import { parseRetryAfter, zendeskBaseUrl } from '../../../src/zendesk/client.js';

describe('the request budget', () => {
  it('grants up to the limit in a sliding minute, then says when the oldest slot frees up', () => {
    const clock = new ManualClock(0);
    const budget = new RequestBudget(clock, 3);
    expect([budget.take(), budget.take()]).toEqual([0, 0]);
    clock.advance(10_000);
    expect(budget.take()).toBe(0);
    expect(budget.take()).toBe(50_000);
    clock.advance(50_000);
    expect(budget.take()).toBe(0);
  });

  it('holds every request back while a Retry-After runs', () => {
    const clock = new ManualClock(0);
    const budget = new RequestBudget(clock, 100);
    budget.pause(2_000);
    expect(budget.take()).toBe(2_000);
    clock.advance(2_000);
    expect(budget.take()).toBe(0);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, never less than a second, and defaults when absent', () => {
    expect(parseRetryAfter('7', 0)).toBe(7_000);
    expect(parseRetryAfter('0', 0)).toBe(1_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:30 GMT', 0)).toBe(30_000);
    expect(parseRetryAfter(null, 0)).toBe(10_000);
    expect(parseRetryAfter('soon', 0)).toBe(10_000);
  });
});

describe('the Zendesk base URL', () => {
  it('is ZENDESK_URL when set, else the subdomain’s', () => {
    expect(zendeskBaseUrl({ ZENDESK_URL: 'http://127.0.0.1:4010/', ZENDESK_SUBDOMAIN: 'acme' })).toBe(
      'http://127.0.0.1:4010',
    );
    expect(zendeskBaseUrl({ ZENDESK_URL: undefined, ZENDESK_SUBDOMAIN: 'acme' })).toBe(
      'https://acme.zendesk.com',
    );
    expect(zendeskBaseUrl({ ZENDESK_URL: undefined, ZENDESK_SUBDOMAIN: undefined })).toBeNull();
  });
});
