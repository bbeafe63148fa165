/**
 * A fresh database per scenario (a SQLite file, or a PostgreSQL database on the local server), and a
 * second connection the bench reads it through while Ringback runs (WAL lets SQLite readers in).
 */
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import {
  postgresDatabase,
  postgresReachable,
  sqliteDatabase,
  type TestDatabase,
} from '../../helpers/databases.js';

export type DatabaseName = 'sqlite' | 'postgres';

export async function createDatabase(kind: DatabaseName): Promise<TestDatabase> {
  return kind === 'sqlite' ? sqliteDatabase() : postgresDatabase();
}

export { postgresReachable };

/** A store on the scenario's database, migrated (Ringback would migrate it too; doing it first is harmless). */
export async function inspector(database: TestDatabase): Promise<Store> {
  const store = new Store(openDatabase(database.target, { poolSize: 2, onConnectionError: () => undefined }));
  await store.migrate();
  return store;
}

/** Jobs of these kinds not finished yet (pending or running). */
export async function backlog(store: Store, kinds: string[]): Promise<number> {
  const rows = await store.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['pending', 'running'])
    .where('kind', 'in', kinds)
    .executeTakeFirst();
  return Number(rows?.n ?? 0);
}

export interface JobCounts {
  pending: number;
  running: number;
  done: number;
  dead: number;
}

/**
 * Jobs of these kinds by status. A job that completed is deleted, so `done` is derived: every delivery
 * job carries a dedupe key starting with `keyPrefix` (kept in job_keys after its job is gone), and what
 * was ever queued minus what is still in the jobs table has finished.
 */
export async function jobCounts(store: Store, kinds: string[], keyPrefix: string): Promise<JobCounts> {
  const rows = await store.db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('kind', 'in', kinds)
    .groupBy('status')
    .execute();
  const out: JobCounts = { pending: 0, running: 0, done: 0, dead: 0 };
  for (const row of rows) {
    if (row.status in out) out[row.status as keyof JobCounts] = Number(row.n);
  }
  const queued = await store.db
    .selectFrom('job_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', 'like', `${keyPrefix}%`)
    .executeTakeFirst();
  out.done = Math.max(0, Number(queued?.n ?? 0) - out.pending - out.running - out.dead);
  return out;
}

export async function tableCount(
  store: Store,
  table: 'episodes' | 'provider_calls' | 'posts',
): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Unfinished jobs by kind and status (`slack.update_card/running: 8`): where a backlog sits. */
export async function openJobs(store: Store): Promise<Record<string, number>> {
  const rows = await store.db
    .selectFrom('jobs')
    .select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'running', 'dead'])
    .groupBy(['kind', 'status'])
    .execute();
  const out: Record<string, number> = {};
  for (const row of rows) out[`${row.kind}/${row.status}`] = Number(row.n);
  return out;
}
