import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('zendesk links on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  it('knows nothing of an episode Ringback linked nothing for', async () => {
    expect(await store.zendeskLinks.taggedTicket('e1')).toBeNull();
    expect(await store.zendeskLinks.assignee('e1')).toBeNull();
    expect(await store.zendeskLinks.sideConversationOf('e1')).toBeNull();
    expect(await store.zendeskLinks.episodeOfSideConversation('sc-1')).toBeNull();
    expect(await store.zendeskLinks.sideConversationsOnTicket(456)).toEqual([]);
  });

  it('remembers the tagged ticket, the assignee and the side conversation of an episode side by side', async () => {
    await store.zendeskLinks.markTicketTagged('e1', 456, T0);
    await store.zendeskLinks.setAssignee('e1', 9001, T0 + 1);
    await store.zendeskLinks.linkSideConversation('e1', { ticketId: 456, id: 'sc-1' }, T0 + 2);

    expect(await store.zendeskLinks.taggedTicket('e1')).toBe(456);
    expect(await store.zendeskLinks.assignee('e1')).toBe(9001);
    expect(await store.zendeskLinks.sideConversationOf('e1')).toEqual({ ticketId: 456, id: 'sc-1' });
  });

  it('forgets the assignee on release and keeps the other links', async () => {
    await store.zendeskLinks.markTicketTagged('e1', 456, T0);
    await store.zendeskLinks.setAssignee('e1', 9001, T0);
    await store.zendeskLinks.setAssignee('e1', null, T0 + 1);

    expect(await store.zendeskLinks.assignee('e1')).toBeNull();
    expect(await store.zendeskLinks.taggedTicket('e1')).toBe(456);
  });

  it('finds the episode of a side conversation, and the side conversations of a ticket', async () => {
    await store.zendeskLinks.linkSideConversation('e1', { ticketId: 456, id: 'sc-1' }, T0);
    await store.zendeskLinks.linkSideConversation('e2', { ticketId: 456, id: 'sc-2' }, T0);
    await store.zendeskLinks.linkSideConversation('e3', { ticketId: 789, id: 'sc-3' }, T0);
    await store.zendeskLinks.setAssignee('e4', 9001, T0);

    expect(await store.zendeskLinks.episodeOfSideConversation('sc-2')).toBe('e2');
    expect(await store.zendeskLinks.sideConversationsOnTicket(456)).toEqual(['sc-1', 'sc-2']);
    expect(await store.zendeskLinks.sideConversationsOnTicket(789)).toEqual(['sc-3']);
  });

  it('keeps ids beyond 32 bits exactly', async () => {
    const big = 2 ** 40 + 7;
    await store.zendeskLinks.markTicketTagged('e1', big, T0);
    await store.zendeskLinks.setAssignee('e1', big + 1, T0);
    expect(await store.zendeskLinks.taggedTicket('e1')).toBe(big);
    expect(await store.zendeskLinks.assignee('e1')).toBe(big + 1);
  });

  it('writes inside a transaction and is undone with it', async () => {
    await expect(
      store.transaction(async (repos) => {
        await repos.zendeskLinks.setAssignee('e1', 9001, T0);
        await repos.zendeskLinks.linkSideConversation('e1', { ticketId: 456, id: 'sc-1' }, T0);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await store.zendeskLinks.assignee('e1')).toBeNull();
    expect(await store.zendeskLinks.episodeOfSideConversation('sc-1')).toBeNull();

    await store.transaction(async (repos) => {
      await repos.zendeskLinks.setAssignee('e1', 9001, T0);
    });
    expect(await store.zendeskLinks.assignee('e1')).toBe(9001);
  });
});
