import { describe, expect, it } from 'vitest';
import { parseRetryAfter, zendeskBaseUrl } from '../../../src/zendesk/client.js';

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
