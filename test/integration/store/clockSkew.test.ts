/** A replica whose clock is seconds away from the database's says so at startup, where it can be fixed. */
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

  async function startWith(clockOffsetMs: number): Promise<string[]> {
    database = (await postgres?.create()) ?? null;
    if (!database) throw new Error('no database');
    const config = testConfig({ database });
    const log = memoryLogger(config.secrets);
    ringback = await startRingback(config, {
      adapters: [],
      logger: log.logger,
      // A clock that runs, set off from the machine's (which the database server shares here).
      clock: { now: () => Date.now() + clockOffsetMs },
    });
    return log.lines().filter((line) => line.includes('clock: this replica'));
  }

  it('warns when it is seconds ahead, and says by how much', async () => {
    const said = await startWith(5_000);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/clock is (49\d\d|50\d\d) ms ahead of the database's/);
  });

  it('says nothing when they agree', async () => {
    expect(await startWith(0)).toEqual([]);
  });
});
