/**
 * Real processes, real kill -9: a job whose worker dies mid-run is taken again after its lease expires
 * and finishes exactly once; and two processes racing to claim one call on PostgreSQL get one winner.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_MS } from '../../../src/jobs/runner.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { episode, T0 } from '../../helpers/episodes.js';
import { type Child, spawnWorker } from '../../helpers/processes/spawn.js';

const kinds = await databaseKinds();

async function waitFor<T>(
  read: () => Promise<T | null | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function useChildren(): Child[] {
  const children: Child[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
      await child.exited;
    }
  });
  return children;
}

describe.each(kinds)('jobs across processes on $name', (kind) => {
  const { store: storeOf, database: databaseOf } = useStore(kind);
  const children = useChildren();

  describe('when a worker is killed with -9 in the middle of a job', () => {
    it('runs the job again after the lease expires, and finishes it once', async () => {
      const store = storeOf();
      const database = databaseOf();
      await store.enqueue([{ kind: 'test.crashable', payload: { n: 1 } }], Date.now());
      const doomed = spawnWorker({ DATABASE_URL: database.url, MODE: 'hang', LEASE_MS: '1500' });
      children.push(doomed);
      await doomed.waitForLine('ready');
      const [job] = await store.jobs.list({ kind: 'test.crashable' });
      await waitFor(
        () => store.cursors.get(`started:${job!.id}:hang-${doomed.process.pid}`),
        'the job to start',
      );
      doomed.process.kill('SIGKILL');
      await doomed.exited;

      const survivor = spawnWorker({ DATABASE_URL: database.url, MODE: 'finish', LEASE_MS: '1500' });
      children.push(survivor);
      await waitFor(
        () => store.cursors.get(`finished:${job!.id}:finish-${survivor.process.pid}`),
        'the job to finish',
      );
      // Completed: deleted, after exactly two runs (the killed one and the survivor's).
      await waitFor(async () => (await store.jobs.list()).length === 0, 'the job to be deleted');
      expect(await store.cursors.get(`started:${job!.id}:finish-${survivor.process.pid}`)).not.toBeNull();
      expect(await store.cursors.get(`finished:${job!.id}:hang-${doomed.process.pid}`)).toBeNull();
    });
  });
});

// With the production lease, in real time: one database is enough (the lease logic is the same SQL).
describe('jobs across processes with the default lease', () => {
  const sqlite = kinds.find((k) => k.name === 'sqlite')!;
  const { store: storeOf, database: databaseOf } = useStore(sqlite);
  const children = useChildren();

  it('leaves a running job to its live worker past its lease, and hands it over within 20 s of a kill -9', async () => {
    const store = storeOf();
    const database = databaseOf();
    const lease = String(DEFAULT_LEASE_MS);
    await store.enqueue([{ kind: 'test.crashable', payload: { n: 1 } }], Date.now());
    const doomed = spawnWorker({ DATABASE_URL: database.url, MODE: 'hang', LEASE_MS: lease });
    children.push(doomed);
    await doomed.waitForLine('ready');
    const [job] = await store.jobs.list({ kind: 'test.crashable' });
    await waitFor(
      () => store.cursors.get(`started:${job!.id}:hang-${doomed.process.pid}`),
      'the job to start',
    );
    const survivor = spawnWorker({ DATABASE_URL: database.url, MODE: 'finish', LEASE_MS: lease });
    children.push(survivor);
    await survivor.waitForLine('ready');
    // Longer than one lease: the live worker renews it, so the other never takes the job.
    await new Promise((r) => setTimeout(r, DEFAULT_LEASE_MS + 2_000));
    const [held] = await store.jobs.list({ kind: 'test.crashable' });
    expect(held).toMatchObject({ status: 'running', attempts: 1 });

    doomed.process.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();
    await waitFor(
      () => store.cursors.get(`finished:${job!.id}:finish-${survivor.process.pid}`),
      'the job to finish',
    );
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    await waitFor(async () => (await store.jobs.list()).length === 0, 'the job to be deleted');
    expect(await store.cursors.get(`finished:${job!.id}:finish-${survivor.process.pid}`)).not.toBeNull();
  }, 60_000);
});

// The same race inside one process is in store.test.ts for both databases; across processes it is the
// PostgreSQL deployment (several replicas) that matters.
describe('claims from two processes on postgres', () => {
  const postgres = kinds.find((k) => k.name === 'postgres')!;
  const { store: storeOf, database: databaseOf } = useStore(postgres);
  const children = useChildren();

  it('have exactly one winner among 50', async () => {
    const store = storeOf();
    const database = databaseOf();
    await store.episodes.insert(episode({ id: 'race' }), {}, T0);
    const startAt = String(Date.now() + 2500);
    const racers = [1, 2].map(() =>
      spawnWorker({
        DATABASE_URL: database.url,
        MODE: 'claim',
        START_AT: startAt,
        CLAIMS: '25',
        EPISODE_ID: 'race',
      }),
    );
    children.push(...racers);
    const codes = await Promise.all(racers.map((r) => r.exited));
    expect(codes).toEqual([0, 0]);
    const statuses = racers.flatMap(
      (r) => JSON.parse(r.output().trim().split('\n').pop() ?? '[]') as string[],
    );
    expect(statuses).toHaveLength(50);
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'refused')).toHaveLength(49);
    expect((await store.audit.listForEpisode('race')).filter((a) => a.type === 'claimed')).toHaveLength(1);
  });
});
