/** Who may post to POST /api/messages, and what a bad request gets back. */
import { afterEach, describe, expect, it } from 'vitest';
import { teamsAdapter } from '../../../src/surfaces/teams/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { FakeTeams } from '../../mocks/fakeTeams.js';
import { TEAMS_ROUTING_YAML } from './harness.js';

let db: TestDatabase | null = null;
let ringback: StartedRingback | null = null;

afterEach(async () => {
  await ringback?.stop();
  await db?.drop();
  ringback = null;
  db = null;
});

async function start(env: Record<string, string>) {
  db = sqliteDatabase();
  const config = testConfig({ database: db, routingYaml: TEAMS_ROUTING_YAML, env });
  const log = memoryLogger(config.secrets);
  ringback = await startRingback(config, { logger: log.logger, adapters: [teamsAdapter()] });
  return { ringback, lines: log.lines };
}

// A well-formed activity; it never reaches a bot that refuses it, so nothing is sent anywhere.
const fake = new FakeTeams();
fake.serviceUrl = 'http://127.0.0.1:9/';
const activity = () =>
  fake.personalMessage({ id: '29:1x', name: 'X', aadObjectId: 'aad-x', email: 'x@example.com' }, 'help');

async function post(base: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
}

describe('POST /api/messages', () => {
  describe('with MicrosoftAppId set', () => {
    it('refuses a request without a Bot Framework token, in JSON', async () => {
      const { ringback: rb, lines } = await start({
        MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
        MicrosoftAppPassword: 'not-a-real-secret',
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppTenantId: '72f988bf-0000-0000-0000-000000000001',
      });
      const answer = await post(rb.baseUrl, activity());
      expect(answer).toEqual({
        status: 401,
        body: { error: 'unauthorized', detail: 'a valid Bot Framework token is required' },
      });
      expect(lines().some((l) => l.includes('UNAUTHENTICATED'))).toBe(false);
    });
  });

  describe('without MicrosoftAppId outside production', () => {
    it('warns at startup that it is open, for the local playground only', async () => {
      const { lines } = await start({});
      const warning = lines().find((l) => l.includes('accepts UNAUTHENTICATED requests'));
      expect(warning).toBeDefined();
      expect(JSON.parse(warning as string).level).toBe('warn');
    });

    it('answers a body that is not an activity with a 400 and says what it expected', async () => {
      const { ringback: rb } = await start({});
      expect(await post(rb.baseUrl, { hello: 'world' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_activity' },
      });
      expect(await post(rb.baseUrl, '{not json')).toMatchObject({
        status: 400,
        body: { error: 'invalid_json' },
      });
    });
  });

  describe('without MicrosoftAppId in production', () => {
    it('is not there at all, and the startup log says why', async () => {
      const { ringback: rb, lines } = await start({ NODE_ENV: 'production' });
      expect((await post(rb.baseUrl, activity())).status).toBe(404);
      expect(lines()).toContainEqual(
        expect.stringContaining('teams: off (MicrosoftAppId is unset (required in production))'),
      );
    });
  });

  describe('with an incomplete Bot Framework registration', () => {
    it('stays off and names what is missing', async () => {
      const { ringback: rb, lines } = await start({
        MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
        MicrosoftAppPassword: 'x',
        MicrosoftAppType: 'SingleTenant',
      });
      expect((await post(rb.baseUrl, activity())).status).toBe(404);
      expect(lines()).toContainEqual(
        expect.stringContaining('MicrosoftAppType SingleTenant needs MicrosoftAppTenantId'),
      );
    });
  });
});
