/** Who may post to POST /api/messages, and what a bad request gets back. */
import { afterEach, describe, expect, it } from 'vitest';
import { teamsAdapter } from '../../../src/surfaces/teams/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { FakeTeams, TENANT_ID, USERS } from '../../mocks/fakeTeams.js';

const OTHER_TENANT = '0b0b0b0b-0000-0000-0000-000000000002';

import { TEAMS_ROUTING_YAML } from './harness.js';

let db: TestDatabase | null = null;
let ringback: StartedRingback | null = null;

afterEach(async () => {
  await ringback?.stop();
  await db?.drop();
  ringback = null;
  db = null;
});

async function start(env: Record<string, string>, routingYaml = TEAMS_ROUTING_YAML) {
  db = sqliteDatabase();
  const config = testConfig({ database: db, routingYaml, env });
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

  describe('without MicrosoftAppId and without the playground switch', () => {
    it('is not there at all: a 404 that says Teams is off, and the fake Teams hears nothing', async () => {
      const teams = await FakeTeams.start();
      try {
        // With the read API on, the request must not fall through to it and get its 401 instead.
        const { ringback: rb, lines } = await start({
          RINGBACK_API_TOKEN: 'a-read-api-token-of-some-length',
        });
        const answer = await post(rb.baseUrl, teams.personalMessage(USERS.ana, 'help'));
        expect(answer).toEqual({
          status: 404,
          body: {
            error: 'teams_off',
            detail: 'Microsoft Teams is not set up on this Ringback: see its startup log',
          },
        });
        expect(lines()).toContainEqual(expect.stringContaining('teams: an activity came while Teams is off'));
        expect(teams.requests).toEqual([]);
        expect(lines()).toContainEqual(expect.stringContaining('teams: off (MicrosoftAppId is unset'));
        expect(lines().some((l) => l.includes('UNAUTHENTICATED'))).toBe(false);
      } finally {
        await teams.close();
      }
    });
  });

  describe('off, with the adapters a real process plugs in', () => {
    it('answers 404 teams_off without loading Teams, not the read API’s 401', async () => {
      db = sqliteDatabase();
      const config = testConfig({
        database: db,
        routingYaml: TEAMS_ROUTING_YAML,
        env: { RINGBACK_API_TOKEN: 'a-read-api-token-of-some-length' },
      });
      const log = memoryLogger(config.secrets);
      // No `adapters` option: the production list (src/adapters/index.ts).
      ringback = await startRingback(config, { logger: log.logger });
      expect(await post(ringback.baseUrl, activity())).toEqual({
        status: 404,
        body: {
          error: 'teams_off',
          detail: 'Microsoft Teams is not set up on this Ringback: see its startup log',
        },
      });
    });
  });

  describe('in local playground mode (RINGBACK_TEAMS_PLAYGROUND=1)', () => {
    const PLAYGROUND = { RINGBACK_TEAMS_PLAYGROUND: '1' };

    it('warns at startup that it is open, for a local playground only', async () => {
      const { lines } = await start(PLAYGROUND);
      const warning = lines().find((l) => l.includes('accepts UNAUTHENTICATED requests'));
      expect(warning).toBeDefined();
      expect(JSON.parse(warning as string).level).toBe('warn');
      expect(lines()).toContainEqual(expect.stringContaining('teams: on (local Agents Playground mode'));
    });

    it('answers an activity from a loopback serviceUrl', async () => {
      const teams = await FakeTeams.start();
      try {
        const { ringback: rb } = await start(PLAYGROUND);
        const answer = await post(rb.baseUrl, teams.personalMessage(USERS.ana, 'help'));
        expect(answer.status).toBe(200);
        expect(teams.messagesIn(`a:personal-${USERS.ana.id}`)).toHaveLength(1);
      } finally {
        await teams.close();
      }
    });

    it('refuses a forged activity whose serviceUrl is not loopback, and sends nothing to it', async () => {
      // 0.0.0.0 is not loopback by name but reaches this machine's loopback servers on Linux: if the bot
      // called it, this fake would record the call.
      const teams = await FakeTeams.start();
      try {
        const { ringback: rb, lines } = await start(PLAYGROUND);
        const forged = {
          ...teams.personalMessage(USERS.mia, 'summary today'),
          serviceUrl: teams.serviceUrl.replace('127.0.0.1', '0.0.0.0'),
        };
        const answer = await post(rb.baseUrl, forged);
        expect(answer.status).toBe(403);
        expect(answer.body).toMatchObject({
          error: 'forbidden',
          detail: expect.stringContaining('loopback'),
        });
        expect(teams.requests).toEqual([]);
        expect(lines()).toContainEqual(expect.stringContaining('teams: activity refused before the bot'));
        // Nor does it get remembered as a member for later proactive sends.
        expect(await post(rb.baseUrl, { ...forged, serviceUrl: 'http://169.254.169.254/' })).toMatchObject({
          status: 403,
        });
      } finally {
        await teams.close();
      }
    });

    it('answers a body that is not an activity with a 400 and says what it expected', async () => {
      const { ringback: rb } = await start(PLAYGROUND);
      expect(await post(rb.baseUrl, { hello: 'world' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_activity' },
      });
      expect(await post(rb.baseUrl, '{not json')).toMatchObject({
        status: 400,
        body: { error: 'invalid_json' },
      });
      // Fields the handlers read, of the wrong type: refused before the turn, not thrown inside it.
      for (const wrong of [{ text: ['summary'] }, { entities: 'mention' }, { value: 'claim' }]) {
        expect(await post(rb.baseUrl, { ...activity(), ...wrong })).toMatchObject({
          status: 400,
          body: { error: 'invalid_activity', detail: expect.stringContaining(Object.keys(wrong)[0] ?? '') },
        });
      }
    });

    it('answers a 400 naming the field, not an empty 200, for mentions, names and types of the wrong shape', async () => {
      const { ringback: rb } = await start(PLAYGROUND);
      const base = activity() as Record<string, unknown> & {
        conversation: Record<string, unknown>;
        from: Record<string, unknown>;
      };
      const cases: [Record<string, unknown>, string][] = [
        [{ entities: [{ type: 'mention', text: 5, mentioned: null }] }, 'entities.0.text'],
        [
          { entities: [{ type: 'mention', text: '<at>Ringback</at>', mentioned: {} }] },
          'entities.0.mentioned.id',
        ],
        [{ conversation: { ...base.conversation, conversationType: 5 } }, 'conversation.conversationType'],
        [{ from: { ...base.from, name: {} } }, 'from.name'],
        [{ from: { ...base.from, aadObjectId: 5 } }, 'from.aadObjectId'],
      ];
      for (const [wrong, field] of cases) {
        expect(await post(rb.baseUrl, { ...base, ...wrong })).toMatchObject({
          status: 400,
          body: { error: 'invalid_activity', detail: expect.stringContaining(field) },
        });
      }
      // Other entities (clientInfo and the like) pass as they are; a well-formed mention too.
      const fine = {
        ...base,
        entities: [
          { type: 'clientInfo', locale: 'fr-FR' },
          { type: 'mention', text: '<at>Ringback</at>', mentioned: { id: 'x', name: 'Ringback' } },
        ],
      };
      expect((await post(rb.baseUrl, fine)).status).not.toBe(400);
    });

    it('is refused in production: Teams stays off and the startup log says why, as an error', async () => {
      const { ringback: rb, lines } = await start({ ...PLAYGROUND, NODE_ENV: 'production' });
      expect((await post(rb.baseUrl, activity())).status).toBe(404);
      const said = lines().filter((l) =>
        l.includes('RINGBACK_TEAMS_PLAYGROUND=1 is refused with NODE_ENV=production'),
      );
      expect(said.map((l) => JSON.parse(l).level)).toContain('error');
      expect(lines().some((l) => l.includes('UNAUTHENTICATED'))).toBe(false);
    });
  });

  describe('without MicrosoftAppId in production', () => {
    it('is not there at all, and the startup log says why', async () => {
      const { ringback: rb, lines } = await start({ NODE_ENV: 'production' });
      expect((await post(rb.baseUrl, activity())).status).toBe(404);
      expect(lines()).toContainEqual(expect.stringContaining('teams: off (MicrosoftAppId is unset'));
    });
  });

  describe('with Bot Framework authentication', () => {
    const BOT = {
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'MultiTenant',
    };

    it('refuses an activity from another tenant before anything else', async () => {
      const { ringback: rb, lines } = await start({ ...BOT, MicrosoftAppTenantId: OTHER_TENANT });
      const answer = await post(rb.baseUrl, activity());
      expect(answer).toEqual({
        status: 403,
        body: { error: 'forbidden_tenant', detail: 'this Microsoft 365 tenant is not one Ringback serves' },
      });
      expect(lines()).toContainEqual(expect.stringContaining('the tenant is not configured'));
    });

    it('takes the tenants of the routing file too', async () => {
      const { ringback: rb } = await start(
        BOT,
        `${TEAMS_ROUTING_YAML}teams: { tenants: ["${TENANT_ID}"] }\n`,
      );
      // The tenant passes; the missing token does not.
      expect((await post(rb.baseUrl, activity())).status).toBe(401);
    });

    it('refuses the bot’s Web Chat and Direct Line channels, where the client writes who is speaking', async () => {
      const { ringback: rb, lines } = await start({ ...BOT, MicrosoftAppTenantId: TENANT_ID });
      const answer = await post(rb.baseUrl, { ...activity(), channelId: 'directline' });
      expect(answer).toEqual({
        status: 403,
        body: { error: 'forbidden_channel', detail: 'Ringback accepts activities from Microsoft Teams only' },
      });
      expect(lines()).toContainEqual(expect.stringContaining('the directline channel, not Teams'));
      // The same activity from Teams passes the gate and meets the token check.
      expect((await post(rb.baseUrl, activity())).status).toBe(401);
    });

    it('with no tenant configured at all, refuses everything and says at startup to set one', async () => {
      const { ringback: rb, lines } = await start(BOT);
      expect(await post(rb.baseUrl, activity())).toMatchObject({
        status: 403,
        body: { error: 'tenant_not_configured' },
      });
      const error = lines().find((l) => l.includes('no tenant is configured'));
      expect(error).toContain('MicrosoftAppTenantId or teams.tenants');
      expect(JSON.parse(error as string).level).toBe('error');
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
