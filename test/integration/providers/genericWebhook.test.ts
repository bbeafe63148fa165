import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDetails } from '../../../src/domain/details.js';
import { signGenericBody } from '../../../src/providers/generic/webhook.js';
import { registerProviders } from '../../../src/providers/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { fixture } from '../ingest/support.js';

const SECRET = 'generic-webhook-secret-for-tests';
const API_TOKEN = 'generic-webhook-api-token-for-tests';
const ROUTING = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95", genericLine: "Support FR" }
    country: FR
  - name: US Sales
    match: { number: "+1 415 555 0100" }
    country: US
  - name: Everything else
    match: "*"
`;

describe('the generic call webhook', () => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let log: ReturnType<typeof memoryLogger>;

  beforeEach(async () => {
    database = sqliteDatabase();
    const config = testConfig({
      database,
      env: { RINGBACK_WEBHOOK_SECRET: SECRET, RINGBACK_API_TOKEN: API_TOKEN },
      routingYaml: ROUTING,
    });
    log = memoryLogger(config.secrets);
    ringback = await startRingback(config, {
      adapters: [registerProviders],
      manualJobs: true,
      logger: log.logger,
    });
  });

  afterEach(async () => {
    await ringback.stop();
    await database.drop();
  });

  const post = (body: string, signature: string | null = signGenericBody(SECRET, body)) =>
    fetch(`${ringback.baseUrl}/webhooks/calls`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-ringback-signature': signature } : {}),
      },
      body,
    });

  const text = (name: string) => fixture('generic', name).text;

  const counter = async (outcome: string): Promise<number> => {
    const metrics = await (await fetch(`${ringback.baseUrl}/metrics`)).text();
    const line = metrics
      .split('\n')
      .find((l) =>
        l.startsWith(`ringback_webhook_requests_total{route="/webhooks/calls",outcome="${outcome}"}`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  describe('with a good signature', () => {
    it('keeps no control characters from a call (a NUL made PostgreSQL refuse the whole ingest)', async () => {
      const body = JSON.stringify({
        ...JSON.parse(text('twilio-missed.json')),
        callerName: 'Eve\u0000\u0007\u001b[31m',
        transcript: 'Hello\u0000,\ncall me back',
      });
      expect((await post(body)).status).toBe(200);
      await ringback.runner.drain();
      const [episode] = await ringback.store.episodes.list();
      expect(episode?.caller.name).toBe('Eve[31m');
      const details = parseDetails(await ringback.store.episodes.getDetails(episode?.id ?? ''));
      expect(JSON.stringify(details)).not.toMatch(/\\u000[07]|\\u001b/);
      expect(JSON.stringify(details)).toContain('Hello,\\ncall me back');
    });

    it('accepts a missed call and opens its episode on the line the number names', async () => {
      const response = await post(text('twilio-missed.json'));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'accepted' });
      await ringback.runner.drain();

      const [episode] = await ringback.store.episodes.list();
      expect(episode).toMatchObject({
        line: 'US Sales',
        caller: { number: '+14155550134', name: 'Jordan Lee' },
        callCount: 1,
        missedAt: Date.parse('2026-11-20T17:05:00Z'),
      });
      const details = parseDetails(await ringback.store.episodes.getDetails(episode?.id ?? ''));
      expect(details).toMatchObject({
        rang: ['Ana Lopez', 'Ben Martin'],
        calls: [
          {
            key: 'generic:twilio:CA5f0a3e1b9c8d7e6f5a4b3c2d1e0f9a8b',
            reason: 'no-answer',
            waitedSeconds: 41,
          },
        ],
        lineNumber: '(415) 555-0100',
      });
      expect(await counter('accepted')).toBe(1);
    });

    it('keeps a missed call whose optional extras are odd: long text is cut, an odd e-mail dropped, not refused', async () => {
      const call = JSON.parse(text('twilio-missed.json')) as Record<string, unknown>;
      const odd = {
        ...call,
        callerName: `Jordan ${'😀'.repeat(150)}`,
        missedReason: 'x'.repeat(150),
        voicemailUrl: `https://storage.example.com/vm.mp3?${'s'.repeat(3_000)}`,
        agent: { name: 'Ana Lopez', email: 'ana@localhost' },
        legs: [
          { agent: 'Ana Lopez', email: '', result: 'missed' },
          { agent: 'Anaïs Roux', email: 'anaïs@exemple.fr', result: 'missed' },
        ],
      };
      const response = await post(JSON.stringify(odd));
      expect(response.status).toBe(200);
      await ringback.runner.drain();
      const [episode] = await ringback.store.episodes.list();
      // A lone half of an emoji would not survive UTF-8.
      const name = episode?.caller.name ?? '';
      expect(Buffer.from(name, 'utf8').toString('utf8')).toBe(name);
      expect(episode?.caller.name?.length).toBeLessThanOrEqual(200);
      const details = parseDetails(await ringback.store.episodes.getDetails(episode?.id ?? ''));
      expect(details.calls[0]?.reason).toHaveLength(100);
      expect(details.rang).toEqual(['Ana Lopez', 'Anaïs Roux']);
    });

    it('recognises the same delivery sent again', async () => {
      await post(text('twilio-missed.json'));
      const again = await post(text('twilio-missed.json'));
      expect(await again.json()).toEqual({ status: 'duplicate' });
      await ringback.runner.drain();
      expect(await ringback.store.episodes.count()).toBe(1);
    });

    it('keeps a voicemail and its transcript, and a later answered call from another provider resolves it', async () => {
      await post(text('dialpad-voicemail.json'));
      await ringback.runner.drain();
      const [open] = await ringback.store.episodes.list();
      const details = parseDetails(await ringback.store.episodes.getDetails(open?.id ?? ''));
      expect(details.voicemail).toMatchObject({
        url: 'https://dialpad.com/shared/voicemail/6583920174635008',
        durationSeconds: 38,
      });
      expect(details.transcript).toContain('commande 4411');
      expect(open?.line).toBe('Support FR');

      await post(text('ringcentral-answered-outbound.json'));
      await ringback.runner.drain();
      expect(await ringback.store.episodes.get(open?.id ?? '')).toMatchObject({
        state: 'resolved',
        outcome: 'reached',
        autoResolved: true,
        resolvedBy: { name: 'Ben Martin', email: 'ben@example.com', surface: 'system' },
      });
    });

    it.each([
      'javascript:alert(document.cookie)',
      'http://dialpad.example.com/voicemail/1',
      'data:text/html,<script>alert(1)</script>',
      '/voicemail/1.mp3',
    ])('accepts a call whose voicemail link is %s but never stores the link', async (link) => {
      const body = JSON.stringify({ ...JSON.parse(text('dialpad-voicemail.json')), voicemailUrl: link });
      expect((await post(body)).status).toBe(200);
      await ringback.runner.drain();
      const [open] = await ringback.store.episodes.list();
      const details = parseDetails(await ringback.store.episodes.getDetails(open?.id ?? ''));
      expect(details.voicemail).toMatchObject({ url: null, durationSeconds: 38 });
      const stored = JSON.stringify(
        await ringback.store.db.selectFrom('provider_calls').select('data').execute(),
      );
      expect(stored).not.toContain(link.slice(0, 12));
      const metrics = await (await fetch(`${ringback.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /ringback_unsafe_links_dropped_total\{provider="generic",field="voicemail",kind="\w+"\} 1/,
      );
    });

    it('names the caller when a later delivery of the same call brings the name, as GET /api/calls/:id shows', async () => {
      const call = {
        provider: 'audit',
        callId: 'a1',
        direction: 'inbound',
        from: '+14155550134',
        line: '+1 415 555 0100',
        startedAt: '2026-11-20T17:05:00Z',
        endedAt: '2026-11-20T17:05:41Z',
        answered: false,
        missedReason: 'no-answer',
      };
      const view = async (id: string) => {
        const response = await fetch(`${ringback.baseUrl}/api/calls/${id}`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { caller: unknown; providerCallIds: string[] };
      };

      expect(await (await post(JSON.stringify(call))).json()).toEqual({ status: 'accepted' });
      await ringback.runner.drain();
      const [opened] = await ringback.store.episodes.list();
      expect((await view(opened?.id ?? '')).caller).toEqual({ number: '+14155550134', name: null });

      const named = JSON.stringify({ ...call, callerName: 'Zoe Test' });
      expect(await (await post(named)).json()).toEqual({ status: 'accepted' });
      await ringback.runner.drain();
      expect(await ringback.store.episodes.count()).toBe(1);
      expect(await view(opened?.id ?? '')).toMatchObject({
        caller: { number: '+14155550134', name: 'Zoe Test' },
        providerCallIds: ['generic:audit:a1'],
      });
    });

    it('takes a call dated in 2099 (a sender with a wrong clock) as made when received, says so, and lets the call back resolve it', async () => {
      const body = JSON.stringify({
        ...JSON.parse(text('twilio-missed.json')),
        startedAt: '2099-01-01T09:00:00Z',
        endedAt: '2099-01-01T09:00:41Z',
        legs: [],
      });
      const before = Date.now();
      expect(await (await post(body)).json()).toEqual({ status: 'accepted' });
      const after = Date.now();
      await ringback.runner.drain();

      const [episode] = await ringback.store.episodes.list();
      expect(episode?.state).toBe('open');
      expect(episode?.missedAt).toBeGreaterThanOrEqual(before);
      expect(episode?.missedAt).toBeLessThanOrEqual(after);
      const warning = log.lines().find((line) => line.includes('is dated'));
      expect(JSON.parse(warning ?? '{}')).toMatchObject({
        level: 'warn',
        provider: 'generic:twilio',
        callId: 'CA5f0a3e1b9c8d7e6f5a4b3c2d1e0f9a8b',
        msg: expect.stringMatching(/delivery \d+ .* is dated \d+ d after it was received/),
      });

      // The agent's call back, from a phone system with a right clock.
      const callBack = {
        provider: 'ringcentral',
        callId: 'back-1',
        direction: 'outbound',
        from: '+14155550134',
        line: '+1 415 555 0100',
        startedAt: new Date(after + 1_000).toISOString(),
        endedAt: new Date(after + 2_000).toISOString(),
        answered: true,
      };
      await post(JSON.stringify(callBack));
      await ringback.runner.drain();
      expect(await ringback.store.episodes.get(episode?.id ?? '')).toMatchObject({
        state: 'resolved',
        outcome: 'reached',
      });
    });

    it('gives a withheld caller an episode without a number', async () => {
      await post(text('withheld.json'));
      await ringback.runner.drain();
      expect((await ringback.store.episodes.list())[0]?.caller).toEqual({ number: null, name: null });
    });

    it('records a call still ringing without opening anything', async () => {
      await post(text('in-progress.json'));
      await ringback.runner.drain();
      expect(await ringback.store.episodes.count()).toBe(0);
      expect(
        await ringback.store.providerCalls.get('generic:twilio:CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b'),
      ).not.toBeNull();
    });
  });

  describe('authentication', () => {
    it('refuses a bad signature with 401 and stores nothing', async () => {
      const response = await post(
        text('twilio-missed.json'),
        signGenericBody('another-secret', text('twilio-missed.json')),
      );
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthorized' });
      expect(await ringback.store.jobs.list()).toEqual([]);
      expect(await counter('unauthorized')).toBe(1);
    });

    it('refuses a missing signature with 401', async () => {
      const response = await post(text('twilio-missed.json'), null);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { detail: string }).detail).toContain('X-Ringback-Signature');
    });

    it('refuses a signature of a different body', async () => {
      const response = await post(text('withheld.json'), signGenericBody(SECRET, text('twilio-missed.json')));
      expect(response.status).toBe(401);
    });
  });

  describe('bad input', () => {
    it('answers 400 to a signed body that is not JSON', async () => {
      const response = await post('{"provider": "twilio",');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_json' });
      expect(await counter('invalid_json')).toBe(1);
    });

    it('answers 422 naming the failing path', async () => {
      const body = { ...fixture('generic', 'twilio-missed.json').body, direction: 'sideways' };
      const response = await post(JSON.stringify(body));
      expect(response.status).toBe(422);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/^direction: /);
    });

    it('names a nested path', async () => {
      const original = fixture('generic', 'twilio-missed.json').body;
      const body = { ...original, legs: [{ agent: 'Ana', result: 'maybe' }] };
      const response = await post(JSON.stringify(body));
      expect(response.status).toBe(422);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/^legs\[0\]\.result: /);
      expect(await counter('invalid_schema')).toBe(1);
    });

    it('names a missing required field', async () => {
      const { callId: _callId, ...body } = fixture('generic', 'twilio-missed.json').body;
      const response = await post(JSON.stringify(body));
      expect(((await response.json()) as { detail: string }).detail).toMatch(/^callId: /);
    });
  });
});
