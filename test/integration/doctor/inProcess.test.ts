/** The doctor inside a running process: GET /readyz?verbose=1 and `/ringback doctor`, vendors cached a minute. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentDirectory } from '../../../src/app/directory.js';
import type { Config } from '../../../src/config/load.js';
import { DoctorService } from '../../../src/doctor/service.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Actor } from '../../../src/domain/types.js';
import { createHttpApp, listen, type RunningServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { answerCommand, parseRingbackCommand } from '../../../src/surfaces/slack/command.js';
import { MANAGER, startWorld, type World } from './world.js';

let world: World;
let config: Config;
let store: Store;
let clock: ManualClock;
let doctor: DoctorService;
let http: RunningServer;

beforeAll(async () => {
  world = await startWorld();
  config = world.config();
  const database = config.database;
  if (database.dialect !== 'sqlite') throw new Error('the world runs on SQLite');
  store = new Store(openDatabase(database));
  clock = new ManualClock(Date.now());
  const logger = createLogger({ level: 'silent', secrets: config.secrets });
  const metrics = new Metrics();
  doctor = new DoctorService({
    config,
    store,
    clock,
    logger,
    metrics,
    timeoutMs: 15_000,
    teamsTokenUrl: world.teams.tokenUrl,
  });
  const app = createHttpApp({
    store,
    clock,
    routing: config.routing,
    logger,
    metrics,
    token: API_TOKEN,
    mounts: [],
    isAcceptingTraffic: () => true,
    doctor,
  });
  http = await listen(app, 0, '127.0.0.1');
});

afterAll(async () => {
  await http?.close();
  await store?.close();
  await world?.close();
});

const API_TOKEN = 'doctor-api-token';

const readyz = async (query: string, token: string | null = API_TOKEN) => {
  const port = (http.server.address() as AddressInfo).port;
  const response = await fetch(`http://127.0.0.1:${port}/readyz${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, text: await response.text() };
};

describe('the doctor in a running Ringback', () => {
  it('asks the vendors at most once a minute however often it is asked', async () => {
    const before = world.slack.callsTo('auth.test').length;
    await doctor.report();
    await Promise.all([doctor.report(), doctor.report()]);
    expect(world.slack.callsTo('auth.test').length - before).toBe(1);
    clock.advance(61_000);
    await doctor.report();
    expect(world.slack.callsTo('auth.test').length - before).toBe(2);
  });

  it('answers GET /readyz?verbose=1 with every check and no secret; plain /readyz is unchanged', async () => {
    const verbose = await readyz('?verbose=1');
    expect(verbose.status).toBe(200);
    const body = JSON.parse(verbose.text) as { status: string; healthy: boolean; checks: { area: string }[] };
    expect(body.status).toBe('ready');
    expect(body.healthy).toBe(true);
    expect(new Set(body.checks.map((c) => c.area))).toEqual(
      new Set(['routing', 'database', 'slack', 'teams', 'zendesk', 'aircall']),
    );
    for (const secret of config.secrets) expect(verbose.text).not.toContain(secret);

    const plain = await readyz('', null);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.text)).not.toHaveProperty('checks');
  });

  it('gives the verbose report only with the API token: it names channels, managers and the Zendesk account', async () => {
    for (const token of [null, 'wrong-token']) {
      const refused = await readyz('?verbose=1', token);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text)).toMatchObject({ error: 'unauthorized' });
      expect(refused.text).not.toContain('checks');
    }
    // Without RINGBACK_API_TOKEN the verbose report is off altogether; the plain probe still answers.
    const logger = createLogger({ level: 'silent', secrets: config.secrets });
    const base = { store, clock, routing: config.routing, logger, metrics: new Metrics(), mounts: [] };
    const tokenless = await listen(
      createHttpApp({ ...base, token: undefined, isAcceptingTraffic: () => true, doctor }),
      0,
      '127.0.0.1',
    );
    try {
      const url = `http://127.0.0.1:${(tokenless.server.address() as AddressInfo).port}/readyz`;
      const off = await fetch(`${url}?verbose=1`);
      expect(off.status).toBe(404);
      expect(await off.json()).toMatchObject({ error: 'verbose_off' });
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await tokenless.close();
    }
  });

  it('gives a manager the report privately with /ringback doctor, and refuses anyone else', async () => {
    const directory = {
      isManager: async (actor: Actor) => actor.id === `slack:${MANAGER}`,
    } as unknown as AgentDirectory;
    const deps = { store, clock, routing: config.routing, directory, doctor };
    const command = parseRingbackCommand('doctor');
    expect(command).toEqual({ kind: 'doctor' });

    const manager: Actor = {
      id: `slack:${MANAGER}`,
      name: 'Mia',
      email: 'mia@example.com',
      surface: 'slack',
    };
    const answer = await answerCommand(deps, command, manager, null);
    expect(answer.public).toBe(false);
    expect(answer.message.text).toContain('Ringback doctor: everything configured works');
    expect(answer.message.text).toContain('slack token');
    for (const secret of config.secrets) expect(answer.message.text).not.toContain(secret);

    const agent: Actor = { id: 'slack:U0ANA000001', name: 'Ana', email: 'ana@example.com', surface: 'slack' };
    const refused = await answerCommand(deps, command, agent, null);
    expect(refused.public).toBe(false);
    expect(refused.message.text).toMatch(/for managers/);
    expect(refused.message.text).not.toContain('slack token');
  });
});
