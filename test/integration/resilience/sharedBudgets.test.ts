/**
 * Two replicas on one PostgreSQL database draw from one budget: together they never get more than one
 * window's points, and a 429 seen by one holds the other back.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Pacing } from '../../../src/chat/pacing.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import { type BudgetSource, pointsPerWindow, postgresBudgets } from '../../../src/resilience/budgets.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';

const postgres = (await databaseKinds()).find((kind) => kind.name === 'postgres');

/** A TCP proxy on loopback to `port` that refuses (and cuts) connections while told to. */
async function refusingProxy(port: number) {
  let refusing = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    refuse(on: boolean) {
      refusing = on;
      if (on) for (const socket of sockets) socket.destroy();
      if (on) sockets.clear();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('request budgets shared by replicas through PostgreSQL', () => {
  let database: TestDatabase | null = null;
  const sources: BudgetSource[] = [];

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await database?.drop();
    database = null;
  });

  async function twoReplicas(): Promise<[BudgetSource, BudgetSource]> {
    if (!postgres || postgres.skipReason) throw new Error('unreachable');
    database = await postgres.create();
    const a = await postgresBudgets({ url: database.url });
    const b = await postgresBudgets({ url: database.url });
    sources.push(a, b);
    return [a, b];
  }

  it.skipIf(!postgres || postgres.skipReason)(
    'grants two replicas hammering one budget no more than one budget together',
    async () => {
      const [a, b] = await twoReplicas();
      const perMinute = 50;
      const replicaA = a.budget('zendesk:acme', perMinute);
      const replicaB = b.budget('zendesk:acme', perMinute);
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? replicaA : replicaB).take()),
      );
      const granted = outcomes.filter((wait) => wait === 0).length;
      // Within one fixed window exactly its points; if the burst straddled a window edge, two windows' worth.
      expect(granted).toBeGreaterThanOrEqual(pointsPerWindow(perMinute));
      expect(granted).toBeLessThanOrEqual(2 * pointsPerWindow(perMinute));
      expect(granted).toBeLessThan(perMinute);
      const refused = outcomes.filter((wait) => wait > 0);
      expect(refused.length).toBe(60 - granted);
      // A refusal says when to come back: within one window.
      for (const wait of refused) expect(wait).toBeLessThanOrEqual(15_000);
      // Another account's budget is its own.
      expect(await a.budget('zendesk:other', perMinute).take()).toBe(0);
    },
  );

  it.skipIf(!postgres || postgres.skipReason)(
    'lets a 429 seen by one replica hold the other back',
    async () => {
      const [a, b] = await twoReplicas();
      await a.budget('aircall:company', 3_000).pause(3_000);
      const wait = await b.budget('aircall:company', 3_000).take();
      expect(wait).toBeGreaterThan(1_000);
      expect(wait).toBeLessThanOrEqual(3_000);
    },
  );

  it.skipIf(!postgres || postgres.skipReason)(
    'keeps the longer of two pauses, and a pause does not refill a spent window',
    async () => {
      const [a, b] = await twoReplicas();
      // Replica A is told to wait a minute, then B a second: nobody sends before A's minute is over.
      await a.budget('zendesk:acme', 200).pause(60_000);
      await b.budget('zendesk:acme', 200).pause(1_000);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await a.budget('zendesk:acme', 200).take()).toBeGreaterThan(50_000);
      // A window spent, then a 1 s pause (Aircall's "0 remaining" until a reset 1 s away): after the pause
      // the window is still spent.
      const aircall = a.budget('aircall:company', 60);
      for (let i = 0; i < pointsPerWindow(60); i++) expect(await aircall.take()).toBe(0);
      expect(await aircall.take()).toBeGreaterThan(0);
      await aircall.pause(1_000);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await aircall.take()).toBeGreaterThan(0);
    },
  );

  it.skipIf(!postgres || postgres.skipReason)(
    'keeps the longer of two pauses that two replicas write at the same moment',
    async () => {
      const [a, b] = await twoReplicas();
      // Both replicas get a 429 at once, with different Retry-Afters. Unlocked, both read "no pause" and the
      // last write won: the 2 s pause replaced the minute in about half the runs.
      const kept: number[] = [];
      for (let run = 0; run < 20; run++) {
        const name = `zendesk:race${run}`;
        // Either replica may be the one told to wait the minute.
        const [long, short] = run % 2 === 0 ? [a, b] : [b, a];
        await Promise.all([long.budget(name, 200).pause(60_000), short.budget(name, 200).pause(2_000)]);
        kept.push(await a.budget(name, 200).take());
      }
      expect(kept.filter((wait) => wait <= 50_000)).toEqual([]);
    },
  );

  it.skipIf(!postgres || postgres.skipReason)(
    'makes a budget whose database was away when it was first asked for, once the database is back',
    async () => {
      if (!postgres || postgres.skipReason) throw new Error('unreachable');
      database = await postgres.create();
      const proxy = await refusingProxy(5432);
      try {
        const source = await postgresBudgets({
          url: database.url.replace(':5432/', `:${proxy.port}/`),
          timeoutMs: 500,
        });
        sources.push(source);
        proxy.refuse(true);
        // As ZendeskClient's constructor asks for it, once, at startup.
        const zendesk = source.budget('zendesk:acme.zendesk.com', 200);
        expect(await zendesk.take()).toBeGreaterThan(0);
        proxy.refuse(false);
        expect(await zendesk.take()).toBe(0);
      } finally {
        proxy.close();
      }
    },
    20_000,
  );

  it.skipIf(!postgres || postgres.skipReason)(
    'fails closed when the database cannot be reached',
    async () => {
      const unreachable = await postgresBudgets({
        url: 'postgres://postgres@127.0.0.1:1/none',
        timeoutMs: 300,
      }).catch((error: unknown) => error);
      // Creating the table needs the database: startup fails loudly rather than sending without a budget.
      expect(unreachable).toBeInstanceOf(Error);
    },
  );
});

describe('a chat surface’s workspace-wide tier shared by replicas through PostgreSQL', () => {
  let database: TestDatabase | null = null;
  const sources: BudgetSource[] = [];

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await database?.drop();
    database = null;
  });

  it.skipIf(!postgres || postgres.skipReason)(
    'lets two replicas’ pacing spend one chat.update tier between them, not one each',
    async () => {
      if (!postgres || postgres.skipReason) throw new Error('unreachable');
      database = await postgres.create();
      const table = { windows: [], buckets: { 'chat.update': { burst: 10, perMinute: 45 } } };
      const replicas = await Promise.all(
        [0, 1].map(async () => {
          const budgets = await postgresBudgets({ url: (database as TestDatabase).url });
          sources.push(budgets);
          return new Pacing(table, {
            maxInlineWaitMs: 0,
            now: () => Date.now(),
            cluster: { budgets, prefix: 'slack' },
          });
        }),
      );
      // Each replica alone could burst 10 updates from its own bucket; together they get one burst.
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (replicas[i % 2] as Pacing)
            .forJob(i)
            .token('chat.update')
            .then(
              () => 'sent',
              (error: unknown) => (error instanceof RetryAfter ? 'later' : 'failed'),
            ),
        ),
      );
      const sent = outcomes.filter((o) => o === 'sent').length;
      expect(outcomes).not.toContain('failed');
      // The shared window opens at the first draw, so one burst gets exactly one burst: not 10 per replica.
      expect(sent).toBe(10);
      // A refused token went back to the replica's own bucket: it is not lost for a later send.
      expect(outcomes.filter((o) => o === 'later').length).toBe(40 - sent);
    },
  );
});
