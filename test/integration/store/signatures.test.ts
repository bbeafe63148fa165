/** The signature memory behind replay refusal, on both databases: atomic first sighting, expiry and purge. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const kinds = await databaseKinds();
const T0 = Date.parse('2026-11-21T09:00:00Z');

describe.each(kinds)('signatures on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  it('says true the first time a signature is seen and false for every later sighting', async () => {
    expect(await store.signatures.rememberOnce('slack', 'v0=abc', T0 + 360_000)).toBe(true);
    expect(await store.signatures.rememberOnce('slack', 'v0=abc', T0 + 360_000)).toBe(false);
    expect(await store.signatures.rememberOnce('slack', 'v0=abc', T0 + 999_000)).toBe(false);
  });

  it('keeps each source apart', async () => {
    expect(await store.signatures.rememberOnce('slack', 'same', T0)).toBe(true);
    expect(await store.signatures.rememberOnce('zendesk', 'same', T0)).toBe(true);
  });

  it('lets exactly one of many simultaneous sightings win', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => store.signatures.rememberOnce('zendesk', 'raced', T0 + 360_000)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a signature on request, so the sender may send it again', async () => {
    await store.signatures.rememberOnce('zendesk', 'failed-to-store', T0);
    await store.signatures.forget('zendesk', 'failed-to-store');
    expect(await store.signatures.rememberOnce('zendesk', 'failed-to-store', T0)).toBe(true);
  });

  it('purges only signatures whose window has closed, and says how many', async () => {
    await store.signatures.rememberOnce('slack', 'early', T0 + 1_000);
    await store.signatures.rememberOnce('slack', 'on-time', T0 + 2_000);
    await store.signatures.rememberOnce('slack', 'late', T0 + 3_000);
    expect(await store.signatures.purgeExpired(T0)).toBe(0);
    expect(await store.signatures.purgeExpired(T0 + 2_000)).toBe(2);
    expect(await store.signatures.rememberOnce('slack', 'late', T0 + 3_000)).toBe(false);
    expect(await store.signatures.rememberOnce('slack', 'early', T0 + 9_000)).toBe(true);
  });

  it('stores a digest, never the signature itself', async () => {
    await store.signatures.rememberOnce('slack', 'v0=plain-signature', T0);
    const rows = await store.db.selectFrom('signatures').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('plain-signature');
    expect(Number(rows[0]?.expires_at)).toBe(T0);
  });
});
