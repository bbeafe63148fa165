/**
 * Card post attempts (migration 013): `markAttempt` records, before the surface is asked, that a card may be
 * posted; `get` says so, and a row never attempted says nothing. On SQLite and PostgreSQL, including a
 * database that had cards queued before the migration.
 */
import { describe, expect, it } from 'vitest';
import type { CardSpot } from '../../../src/store/cardQueue.js';
import { databaseKinds, useOlderDatabase, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

const spot = (episodeId: string, channel = 'C1'): CardSpot => ({ episodeId, surface: 'slack', channel });

describe.each(kinds)('card attempts on $name', (kind) => {
  const { store } = useStore(kind);

  it('are recorded per card and read back; a card never attempted has none', async () => {
    await store().cardQueue.queue([spot('ep-1'), spot('ep-2'), spot('ep-1', 'C2')], T0);
    expect(await store().cardQueue.get(spot('ep-1'))).toEqual({
      queuedAt: T0,
      failedAt: null,
      failure: null,
    });
    expect((await store().cardQueue.get(spot('ep-1')))?.attemptedAt).toBeUndefined();

    await store().cardQueue.markAttempt(spot('ep-1'), T0 + 1_000);
    expect(await store().cardQueue.get(spot('ep-1'))).toEqual({
      queuedAt: T0,
      failedAt: null,
      failure: null,
      attemptedAt: T0 + 1_000,
    });
    // Other cards, and the same card in another channel, are untouched.
    expect((await store().cardQueue.get(spot('ep-2')))?.attemptedAt).toBeUndefined();
    expect((await store().cardQueue.get(spot('ep-1', 'C2')))?.attemptedAt).toBeUndefined();

    // A later attempt moves it on; a card refused afterwards keeps it with its failure.
    await store().cardQueue.markAttempt(spot('ep-1'), T0 + 5_000);
    await store().cardQueue.fail(spot('ep-1'), 'invalid_blocks', T0 + 6_000);
    expect(await store().cardQueue.get(spot('ep-1'))).toEqual({
      queuedAt: T0,
      failedAt: T0 + 6_000,
      failure: 'invalid_blocks',
      attemptedAt: T0 + 5_000,
    });
  });

  it('of a card no longer queued change nothing, and leave with the row', async () => {
    await store().cardQueue.markAttempt(spot('ep-gone'), T0);
    expect(await store().cardQueue.get(spot('ep-gone'))).toBeNull();

    await store().cardQueue.queue([spot('ep-1')], T0);
    await store().cardQueue.markAttempt(spot('ep-1'), T0 + 1);
    await store().cardQueue.remove(spot('ep-1'));
    expect(await store().cardQueue.get(spot('ep-1'))).toBeNull();
    // Queued again later, the card starts without an attempt.
    await store().cardQueue.queue([spot('ep-1')], T0 + 2);
    expect((await store().cardQueue.get(spot('ep-1')))?.attemptedAt).toBeUndefined();
  });

  it('keep a queued card in the lane: an attempted card still waits until its post is stored', async () => {
    await store().cardQueue.queue([spot('ep-1'), spot('ep-2')], T0);
    await store().cardQueue.markAttempt(spot('ep-1'), T0 + 1);
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual([
      'ep-1',
      'ep-2',
    ]);
  });
});

describe.each(kinds)('migration 013_card_attempts on $name', (kind) => {
  const older = useOlderDatabase(kind, '012_call_time_index');

  it('keeps the cards queued before it, as never attempted', async () => {
    await older
      .handle()
      .db.insertInto('card_queue')
      // biome-ignore lint/suspicious/noExplicitAny: the table as it was before migration 013
      .values({ episode_id: 'ep-old', surface: 'slack', channel: 'C1', queued_at: T0 } as any)
      .execute();
    const upgraded = older.store();
    expect(await upgraded.migrate()).toEqual([
      '013_card_attempts',
      '014_shown_digest',
      '015_take_order_index',
      '016_budget_ledger',
      '017_ticket_create_started',
      '018_audit_erasure',
      '019_first_claimed_at',
      '020_lookup_indexes',
      '021_short_lived_keys',
      '022_resolved_caller_index',
      '023_escalation_step',
    ]);
    expect(await upgraded.cardQueue.get(spot('ep-old'))).toEqual({
      queuedAt: T0,
      failedAt: null,
      failure: null,
    });
    await upgraded.cardQueue.markAttempt(spot('ep-old'), T0 + 1);
    expect((await upgraded.cardQueue.get(spot('ep-old')))?.attemptedAt).toBe(T0 + 1);
  });
});
