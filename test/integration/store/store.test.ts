import { beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { ana, ben, episode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('store on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;
  const clock = new ManualClock(T0);

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  describe('migrations', () => {
    it('are applied once and are a no-op the second time', async () => {
      expect(await store.migrate()).toEqual([]);
    });
  });

  describe('episodes', () => {
    it('round-trips every field', async () => {
      const original = episode({
        claimedBy: ana,
        claimedAt: T0 + 1000,
        state: 'claimed',
        zendeskTicketId: 456,
      });
      await store.episodes.insert(original, { legs: ['Ana'] }, T0);
      expect(await store.episodes.get(original.id)).toEqual(original);
      expect(await store.episodes.getDetails(original.id)).toEqual({ legs: ['Ana'] });
    });

    it('refuses a second unresolved episode for the same caller and line', async () => {
      await store.episodes.insert(episode({ id: 'a' }), {}, T0);
      await expect(store.episodes.insert(episode({ id: 'b' }), {}, T0)).rejects.toThrow();
    });

    it('allows a new episode once the previous one is resolved', async () => {
      await store.episodes.insert(
        episode({ id: 'a', state: 'resolved', outcome: 'reached', resolvedAt: T0 }),
        {},
        T0,
      );
      await store.episodes.insert(episode({ id: 'b' }), {}, T0);
      expect((await store.episodes.findUnresolvedByCaller('Support FR', '+33176360695'))?.id).toBe('b');
    });

    it('lets withheld callers have as many open episodes as calls', async () => {
      await store.episodes.insert(episode({ id: 'a', caller: { number: null, name: null } }), {}, T0);
      await store.episodes.insert(episode({ id: 'b', caller: { number: null, name: null } }), {}, T0);
      expect(await store.episodes.count()).toBe(2);
    });

    it('updates only from the expected version', async () => {
      const original = episode();
      await store.episodes.insert(original, {}, T0);
      const next = { ...original, state: 'claimed' as const, version: 2 };
      expect(await store.episodes.updateIfVersion(next, 1, T0)).toBe(true);
      expect(await store.episodes.updateIfVersion({ ...next, version: 3 }, 1, T0)).toBe(false);
      expect((await store.episodes.get(original.id))?.version).toBe(2);
    });

    it('lists by state, time and line, newest first', async () => {
      await store.episodes.insert(
        episode({ id: 'old', missedAt: T0 - 60_000, caller: { number: '+1', name: null } }),
        {},
        T0,
      );
      await store.episodes.insert(
        episode({ id: 'new', missedAt: T0, caller: { number: '+2', name: null } }),
        {},
        T0,
      );
      await store.episodes.insert(
        episode({ id: 'done', state: 'resolved', missedAt: T0, caller: { number: '+3', name: null } }),
        {},
        T0,
      );
      expect((await store.episodes.list({ states: ['open'] })).map((e) => e.id)).toEqual(['new', 'old']);
      expect((await store.episodes.list({ since: T0 - 1 })).map((e) => e.id).sort()).toEqual(['done', 'new']);
      expect(await store.episodes.list({ line: 'nowhere' })).toEqual([]);
    });
  });

  describe('claim race', () => {
    it('has exactly one winner among 50 concurrent claims', async () => {
      await store.episodes.insert(episode(), {}, T0);
      const deps = { store, clock, planEffects: () => [{ kind: 'card.update', payload: { id: 'ep-1' } }] };
      const claimers = Array.from({ length: 50 }, (_, i) => ({
        ...ana,
        id: `slack:U${i}`,
        name: `Agent ${i}`,
        email: `a${i}@example.com`,
      }));
      const results = await Promise.all(
        claimers.map((who) => runCommand(deps, 'ep-1', { type: 'claim', actor: who, at: T0 })),
      );
      const winners = results.filter((r) => r.status === 'accepted');
      expect(winners).toHaveLength(1);
      const refusals = results.filter((r) => r.status === 'refused');
      expect(refusals).toHaveLength(49);
      const winner = winners[0]?.status === 'accepted' ? winners[0].episode.claimedBy : null;
      for (const refusal of refusals) {
        expect(refusal.status === 'refused' && refusal.refusal).toMatchObject({
          kind: 'AlreadyClaimed',
          by: winner,
        });
      }
      // One transition audited, one effect queued: the losers left no trace.
      expect((await store.audit.listForEpisode('ep-1')).map((a) => a.type)).toEqual(['claimed']);
      expect(await store.jobs.list({ kind: 'card.update' })).toHaveLength(1);
    });
  });

  describe('audit', () => {
    it('records actor, surface and time of each transition in order', async () => {
      await store.episodes.insert(episode(), {}, T0);
      const deps = { store, clock, planEffects: () => [] };
      await runCommand(deps, 'ep-1', { type: 'claim', actor: ana, at: T0 + 1 });
      await runCommand(deps, 'ep-1', { type: 'release', actor: ben, at: T0 + 2, asManager: true });
      await runCommand(deps, 'ep-1', {
        type: 'resolve',
        actor: ben,
        at: T0 + 3,
        outcome: 'voicemail',
        asManager: false,
      });
      const audit = await store.audit.listForEpisode('ep-1');
      expect(audit.map((a) => [a.type, a.actor?.name, a.surface, a.at])).toEqual([
        ['claimed', 'Ana', 'slack', T0 + 1],
        ['released', 'Ben', 'slack', T0 + 2],
        ['claimed', 'Ben', 'slack', T0 + 3],
        ['resolved', 'Ben', 'slack', T0 + 3],
      ]);
      expect(audit[1]?.data).toMatchObject({ previous: { name: 'Ana' } });
    });
  });

  describe('jobs', () => {
    it('enqueues a dedupe key once, ever', async () => {
      expect(await store.jobs.enqueue([{ kind: 'k', payload: 1, dedupeKey: 'once' }], T0)).toBe(1);
      const [job] = await store.jobs.take('w', 10, 1000, T0);
      await store.jobs.complete(job!.id, 'w');
      expect(await store.jobs.enqueue([{ kind: 'k', payload: 2, dedupeKey: 'once' }], T0)).toBe(0);
    });

    it('folds a coalesce key while pending, and accepts it again once running', async () => {
      expect(await store.jobs.enqueue([{ kind: 'k', payload: 1, coalesceKey: 'render:1' }], T0)).toBe(1);
      expect(await store.jobs.enqueue([{ kind: 'k', payload: 1, coalesceKey: 'render:1' }], T0)).toBe(0);
      await store.jobs.take('w', 10, 1000, T0);
      expect(await store.jobs.enqueue([{ kind: 'k', payload: 1, coalesceKey: 'render:1' }], T0)).toBe(1);
    });

    it('takes due jobs only, in run order, and not twice', async () => {
      await store.jobs.enqueue(
        [
          { kind: 'later', payload: null, runAt: T0 + 60_000 },
          { kind: 'second', payload: null, runAt: T0 - 1 },
          { kind: 'first', payload: null, runAt: T0 - 2 },
        ],
        T0,
      );
      const taken = await store.jobs.take('w1', 10, 30_000, T0);
      expect(taken.map((j) => j.kind)).toEqual(['first', 'second']);
      expect(await store.jobs.take('w2', 10, 30_000, T0)).toEqual([]);
    });

    it('gives an expired lease to another worker, counting the attempt', async () => {
      await store.jobs.enqueue([{ kind: 'k', payload: { a: 1 } }], T0);
      const [first] = await store.jobs.take('w1', 1, 1_000, T0);
      expect(first?.attempts).toBe(1);
      expect(await store.jobs.take('w2', 1, 1_000, T0 + 500)).toEqual([]);
      const [second] = await store.jobs.take('w2', 1, 1_000, T0 + 1_001);
      expect(second).toMatchObject({ id: first?.id, attempts: 2, payload: { a: 1 } });
      // The first worker lost its lease: its late completion does not count.
      expect(await store.jobs.complete(first!.id, 'w1')).toBe(false);
      expect(await store.jobs.complete(first!.id, 'w2')).toBe(true);
    });

    it('leaves the kinds it is told to, whatever they are, with its own worker, lease and limit each time', async () => {
      await store.jobs.enqueue(
        ['zendesk.a', 'slack.b', 'zendesk.a', 'local.c', 'slack.b', 'local.c'].map((kind, i) => ({
          kind,
          payload: i,
          runAt: T0 - 10 + i,
        })),
        T0,
      );
      const first = await store.jobs.take('w1', 1, 1_000, T0, ['zendesk.a']);
      expect(first.map((j) => [j.kind, j.payload])).toEqual([['slack.b', 1]]);
      const second = await store.jobs.take('w2', 5, 2_000, T0 + 1, ['slack.b', 'local.c']);
      expect(second.map((j) => [j.kind, j.payload])).toEqual([
        ['zendesk.a', 0],
        ['zendesk.a', 2],
      ]);
      const third = await store.jobs.take('w3', 2, 3_000, T0 + 2, ['zendesk.a']);
      expect(third.map((j) => [j.kind, j.payload])).toEqual([
        ['local.c', 3],
        ['slack.b', 4],
      ]);
      // Each take wrote its own worker and lease: only w2 may complete its jobs, and w1's lease ends first.
      expect(await store.jobs.complete(second[0]!.id, 'w1')).toBe(false);
      expect(await store.jobs.complete(second[0]!.id, 'w2')).toBe(true);
      const expired = await store.jobs.take('w4', 10, 1_000, T0 + 1_500, []);
      expect(expired.map((j) => [j.kind, j.payload])).toEqual([
        ['slack.b', 1],
        ['local.c', 5],
      ]);
    });

    it('shares work between concurrent takers without overlap', async () => {
      await store.jobs.enqueue(
        Array.from({ length: 40 }, (_, i) => ({ kind: 'k', payload: i })),
        T0,
      );
      const batches = await Promise.all(['a', 'b', 'c', 'd'].map((w) => store.jobs.take(w, 15, 30_000, T0)));
      const ids = batches.flat().map((j) => j.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(40);
    });
  });

  describe('key-value tables', () => {
    it('keeps cursors', async () => {
      expect(await store.cursors.get('talk')).toBeNull();
      await store.cursors.set('talk', '123', T0);
      await store.cursors.set('talk', '456', T0);
      expect(await store.cursors.get('talk')).toBe('456');
    });

    it('expires identities', async () => {
      await store.identities.put('slack:U1', { email: 'a@example.com' }, T0 + 1000);
      expect(await store.identities.get('slack:U1', T0)).toEqual({ email: 'a@example.com' });
      expect(await store.identities.get('slack:U1', T0 + 1000)).toBeNull();
    });

    it('recognises a delivery the second time', async () => {
      expect(await store.deliveries.recordOnce('aircall', 'x', T0)).toBe(true);
      expect(await store.deliveries.recordOnce('aircall', 'x', T0)).toBe(false);
    });

    it('gives a lease to one holder until it expires', async () => {
      expect(await store.leases.acquire('poller', 'a', 1000, T0)).toBe(true);
      expect(await store.leases.acquire('poller', 'b', 1000, T0 + 500)).toBe(false);
      expect(await store.leases.acquire('poller', 'a', 1000, T0 + 900)).toBe(true);
      expect(await store.leases.acquire('poller', 'b', 1000, T0 + 2000)).toBe(true);
    });
  });
});
