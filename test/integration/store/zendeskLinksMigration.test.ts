import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

/** What a deployment before 007 kept in `cursors` for its Zendesk links, plus unrelated entries. */
const OLD_CURSORS: Array<[string, string]> = [
  ['zendesk.side_conversation:e1', JSON.stringify({ ticketId: 456, id: 'sc-1' })],
  ['zendesk.side_conversation.episode:sc-1', 'e1'],
  ['zendesk.side_conversation.ticket:456', JSON.stringify(['sc-1', 'sc-2'])],
  // The forward entry of e2 is missing: the reverse one and the ticket list still say where it is.
  ['zendesk.side_conversation.episode:sc-2', 'e2'],
  ['zendesk.assigned:e1', '9001'],
  ['zendesk.assigned:e2', ''],
  ['zendesk.ticket_tagged:e1', '456'],
  // Not links: they stay.
  ['zendesk.side_conversation.events', '1700000000'],
  ['zendesk.talk.calls', '{"cursor":"abc"}'],
  ['zendesk.side_conversation:broken', 'not json'],
];

describe.each(kinds)('migration 007_zendesk_links on $name', (kind) => {
  const older = useOlderDatabase(kind, '006_jobs');

  /** A database as the version before 007 left it, holding `cursors` rows; then upgraded. */
  async function upgradedFrom(
    cursors: Array<[string, string]>,
  ): Promise<{ store: Store; applied: string[] }> {
    if (cursors.length > 0) {
      await older
        .handle()
        .db.insertInto('cursors')
        .values(cursors.map(([name, value], i) => ({ name, value, updated_at: T0 + i })))
        .execute();
    }
    const store = older.store();
    return { store, applied: await store.migrate() };
  }

  it('copies the links an older version kept in cursors, so an upgraded deployment keeps them', async () => {
    const { store, applied } = await upgradedFrom(OLD_CURSORS);
    // 007 first; later migrations follow it in the same upgrade.
    expect(applied[0]).toBe('007_zendesk_links');

    expect(await store.zendeskLinks.sideConversationOf('e1')).toEqual({ ticketId: 456, id: 'sc-1' });
    expect(await store.zendeskLinks.episodeOfSideConversation('sc-1')).toBe('e1');
    expect(await store.zendeskLinks.sideConversationOf('e2')).toEqual({ ticketId: 456, id: 'sc-2' });
    expect(await store.zendeskLinks.episodeOfSideConversation('sc-2')).toBe('e2');
    expect(await store.zendeskLinks.sideConversationsOnTicket(456)).toEqual(['sc-1', 'sc-2']);
    expect(await store.zendeskLinks.assignee('e1')).toBe(9001);
    expect(await store.zendeskLinks.assignee('e2')).toBeNull();
    expect(await store.zendeskLinks.taggedTicket('e1')).toBe(456);
    expect(await store.zendeskLinks.taggedTicket('e2')).toBeNull();
  });

  it('removes the copied entries from cursors and keeps every other one', async () => {
    const { store } = await upgradedFrom(OLD_CURSORS);
    const left = await store.db.selectFrom('cursors').select(['name', 'value']).orderBy('name').execute();
    expect(left).toEqual([
      { name: 'zendesk.side_conversation.events', value: '1700000000' },
      { name: 'zendesk.side_conversation:broken', value: 'not json' },
      { name: 'zendesk.talk.calls', value: '{"cursor":"abc"}' },
    ]);
  });

  it('copies a backlog larger than one insert batch', async () => {
    const many: Array<[string, string]> = [];
    for (let i = 0; i < 1_200; i++) many.push([`zendesk.assigned:e${i}`, String(1000 + i)]);
    const { store } = await upgradedFrom(many);
    expect(await store.zendeskLinks.assignee('e0')).toBe(1000);
    expect(await store.zendeskLinks.assignee('e1199')).toBe(2199);
    const left = await store.db.selectFrom('cursors').select('name').execute();
    expect(left).toEqual([]);
  });

  it('upgrades a database with no Zendesk links at all', async () => {
    const { store, applied } = await upgradedFrom([]);
    // 007 first; later migrations follow it in the same upgrade.
    expect(applied[0]).toBe('007_zendesk_links');
    expect(await store.zendeskLinks.sideConversationsOnTicket(456)).toEqual([]);
  });
});
