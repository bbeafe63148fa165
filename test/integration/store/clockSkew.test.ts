/**
 * A replica whose clock is seconds away from the database's follows the database's clock (leases and due
 * jobs are compared across replicas) and says so at startup, where it can be fixed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../helpers/config.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';

const postgres = (await databaseKinds()).find((kind) => kind.name === 'postgres');

describe.skipIf(postgres?.skipReason)('a replica’s clock against the database’s', () => {
  let database: TestDatabase | null = null;
  let ringback: StartedRingback | null = null;

  afterEach(async () => {
    await ringback?.stop();
    await database?.drop();
    ringback = null;
    database = null;
  });

  async function startWith(clockOffsetMs: number, followDatabaseClock = false): Promise<string[]> {
    database = (await postgres?.create()) ?? null;
    if (!database) throw new Error('no database');
    const config = testConfig({ database });
    const log = memoryLogger(config.secrets);
    ringback = await startRingback(config, {
      adapters: [],
      logger: log.logger,
      // A clock that runs, set off from the machine's (which the database server shares here).
      clock: { now: () => Date.now() + clockOffsetMs },
      followDatabaseClock,
    });
    return log.lines().filter((line) => line.includes('clock: this replica'));
  }

  it('warns when it is seconds ahead, and says by how much', async () => {
    const said = await startWith(5_000);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/clock is (49\d\d|50\d\d) ms ahead of the database's/);
  });

  it('follows the database’s clock when it is seconds off, so its leases and due times mean the same', async () => {
    const said = await startWith(5_000, true);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /clock is (49\d\d|50\d\d) ms ahead of the database's; Ringback follows the database's clock/,
    );
    // The database server runs on this machine: its clock is the machine's.
    expect(Math.abs((ringback?.clock.now() ?? 0) - Date.now())).toBeLessThan(250);
  });

  it('keeps a test’s clock as it is unless told to follow', async () => {
    await startWith(5_000);
    expect((ringback?.clock.now() ?? 0) - Date.now()).toBeGreaterThan(4_500);
  });

  it('says nothing when they agree', async () => {
    expect(await startWith(0)).toEqual([]);
  });
});
