/** Which activities reach the Teams bot at all (src/surfaces/teams/gate.ts). */
import { describe, expect, it } from 'vitest';
import {
  acceptedTenants,
  admitActivity,
  isLoopbackAddress,
  isLoopbackUrl,
  tenantOf,
} from '../../../src/surfaces/teams/gate.js';

/** Where a connection comes from: this machine, or Bot Framework's service in Azure. */
const LOCAL = '127.0.0.1';
const AZURE = '52.112.0.10';

const TENANT = '72f988bf-0000-0000-0000-000000000001';

function activity(serviceUrl: string, tenant: string | null = TENANT) {
  return {
    serviceUrl,
    channelId: 'msteams',
    conversation: tenant ? { id: 'c', tenantId: tenant } : { id: 'c' },
    channelData: tenant ? { tenant: { id: tenant } } : {},
  };
}

describe('a loopback serviceUrl', () => {
  it.each([
    'http://127.0.0.1:56150/_connector',
    'http://127.1:3978/',
    'http://2130706433/',
    'https://127.200.3.4/',
    'http://localhost:56150/',
    'http://LOCALHOST/',
    'http://[::1]:56150/',
  ])('%s is loopback', (url) => {
    expect(isLoopbackUrl(url)).toBe(true);
  });

  it.each([
    'https://smba.trafficmanager.net/emea/',
    'http://0.0.0.0:56150/',
    'http://127.0.0.1.evil.example/',
    'http://localhost.evil.example/',
    'http://evil.example/?127.0.0.1',
    'http://127.0.0.1@evil.example/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.1/',
    'http://169.254.169.254/metadata',
    'file:///etc/passwd',
    'not a url',
  ])('%s is not', (url) => {
    expect(isLoopbackUrl(url)).toBe(false);
  });
});

describe('a connection from this machine', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });
  it.each(['10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', '', undefined])('%s is not', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });
});

describe('in playground mode', () => {
  it('refuses a loopback serviceUrl sent over a connection from another machine', () => {
    expect(admitActivity({ mode: 'playground' }, activity('http://127.0.0.1:1/'), '10.0.0.5')).toMatchObject({
      ok: false,
      status: 403,
      reason: 'the connection is not from this machine',
    });
  });

  it('lets a loopback activity through, whatever tenant it names', () => {
    expect(admitActivity({ mode: 'playground' }, activity('http://127.0.0.1:1/', 'anything'), LOCAL)).toEqual(
      {
        ok: true,
      },
    );
  });

  it('refuses any other serviceUrl with a 403', () => {
    expect(admitActivity({ mode: 'playground' }, activity('https://attacker.example/'), LOCAL)).toMatchObject(
      {
        ok: false,
        status: 403,
        error: 'forbidden',
      },
    );
  });
});

describe('in Bot Framework mode', () => {
  const policy = { mode: 'bot_framework' as const, tenants: [TENANT] };

  it('lets the configured tenant through', () => {
    expect(admitActivity(policy, activity('https://smba.trafficmanager.net/emea/'), AZURE)).toEqual({
      ok: true,
    });
  });

  it('refuses another tenant, or an activity that names none or two', () => {
    const url = 'https://smba.trafficmanager.net/emea/';
    expect(admitActivity(policy, activity(url, 'another-tenant'), AZURE)).toMatchObject({
      ok: false,
      status: 403,
      error: 'forbidden_tenant',
    });
    expect(admitActivity(policy, activity(url, null), AZURE)).toMatchObject({
      ok: false,
      error: 'forbidden_tenant',
    });
    const mixed = { ...activity(url), conversation: { id: 'c', tenantId: 'another-tenant' } };
    expect(tenantOf(mixed)).toBeNull();
    expect(admitActivity(policy, mixed, AZURE)).toMatchObject({ ok: false, error: 'forbidden_tenant' });
  });

  it('refuses the bot’s other channels (Web Chat, Direct Line), where the client writes the sender and tenant', () => {
    for (const channelId of ['webchat', 'directline', undefined]) {
      const from = { ...activity('https://directline.botframework.com/'), channelId };
      expect(admitActivity(policy, from, AZURE)).toMatchObject({
        ok: false,
        status: 403,
        error: 'forbidden_channel',
      });
    }
  });

  it('refuses everything when no tenant is configured (fails closed)', () => {
    expect(
      admitActivity(
        { mode: 'bot_framework', tenants: [] },
        activity('https://smba.trafficmanager.net/'),
        AZURE,
      ),
    ).toMatchObject({ ok: false, status: 403, error: 'tenant_not_configured' });
  });

  it('accepts MicrosoftAppTenantId and the routing file’s tenants, in any case', () => {
    expect(acceptedTenants('ABC', ['def', 'abc'])).toEqual(['abc', 'def']);
    expect(acceptedTenants(undefined, [])).toEqual([]);
  });
});
