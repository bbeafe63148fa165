/**
 * The mark that a "create ticket" may have reached Zendesk (zendesk_links.ticket_create_started_at, migration
 * 017): set, read and forgotten per episode, alongside the episode's other links; and an upgraded deployment
 * counts every episode still without a ticket as marked, since an older version may have sent its create.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds, useOlderDatabase, useStore } from '../../helpers/databases.js';
import { episode, insertOlderEpisode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('ticket create marks on $name', (kind) => {
  const { store } = useStore(kind);

  it('are set before a create, forgotten when Zendesk did nothing, and leave the other links alone', async () => {
    const links = store().zendeskLinks;
    expect(await links.ticketCreateStarted('ep-1')).toBe(false);

    await links.setAssignee('ep-1', 9001, T0);
    expect(await links.ticketCreateStarted('ep-1')).toBe(false);

    await links.markTicketCreateStarted('ep-1', T0 + 1);
    expect(await links.ticketCreateStarted('ep-1')).toBe(true);
    expect(await links.ticketCreateStarted('ep-2')).toBe(false);
    expect(await links.assignee('ep-1')).toBe(9001);

    await links.forgetTicketCreate('ep-1', T0 + 2);
    expect(await links.ticketCreateStarted('ep-1')).toBe(false);
    expect(await links.assignee('ep-1')).toBe(9001);

    // Other links written later do not clear it.
    await links.markTicketCreateStarted('ep-2', T0 + 3);
    await links.markTicketTagged('ep-2', 456, T0 + 4);
    expect(await links.ticketCreateStarted('ep-2')).toBe(true);
  });
});

describe.each(kinds)('migration 017_ticket_create_started on $name', (kind) => {
  const older = useOlderDatabase(kind, '016_budget_ledger');

  it('marks the episodes an older version may still create a ticket for, and no others', async () => {
    const upgraded = older.store();
    const caller = (number: string) => ({ number, name: null });
    const ticketless = episode({ id: 'ep-no-ticket', caller: caller('+33100000001') });
    const linkedAlready = episode({ id: 'ep-linked', caller: caller('+33100000002'), zendeskTicketId: 456 });
    const ticketlessWithLinks = episode({ id: 'ep-assigned', caller: caller('+33100000003') });
    for (const e of [ticketless, linkedAlready, ticketlessWithLinks])
      await insertOlderEpisode(older.handle().db, e);
    await older
      .handle()
      .db.insertInto('zendesk_links')
      .values({
        episode_id: 'ep-assigned',
        tagged_ticket_id: null,
        side_conversation_id: null,
        side_conversation_ticket_id: null,
        assignee_id: 9001,
        updated_at: T0,
        // biome-ignore lint/suspicious/noExplicitAny: the table as it was before migration 017
      } as any)
      .execute();

    expect(await upgraded.migrate()).toEqual([
      '017_ticket_create_started',
      '018_audit_erasure',
      '019_first_claimed_at',
      '020_lookup_indexes',
      '021_short_lived_keys',
      '022_resolved_caller_index',
      '023_escalation_step',
    ]);
    expect(await upgraded.zendeskLinks.ticketCreateStarted('ep-no-ticket')).toBe(true);
    expect(await upgraded.zendeskLinks.ticketCreateStarted('ep-assigned')).toBe(true);
    expect(await upgraded.zendeskLinks.assignee('ep-assigned')).toBe(9001);
    expect(await upgraded.zendeskLinks.ticketCreateStarted('ep-linked')).toBe(false);
    // Episodes after the upgrade start unmarked.
    expect(await upgraded.zendeskLinks.ticketCreateStarted('ep-new')).toBe(false);
  });
});
