/**
 * Writes what Zendesk taught us back onto the episode — its ticket id and the ticket's requester — and
 * says so with a `details_changed` event, in one transaction, so every card re-renders with the ticket link.
 */
import { auditEntries } from '../app/commands.js';
import type { DomainEvent } from '../domain/episode.js';
import { RetryTransaction } from '../store/store.js';
import type { ZendeskDeps } from './deps.js';
import type { Requester } from './requester.js';

export async function linkTicket(
  deps: Pick<ZendeskDeps, 'store' | 'clock' | 'planEffects'>,
  episodeId: string,
  ticketId: number,
  requester: Requester | null,
): Promise<void> {
  await deps.store.transaction(async (repos) => {
    const episode = await repos.episodes.get(episodeId);
    if (!episode) return;
    const now = deps.clock.now();
    const fields: string[] = [];
    const ticketChanges = episode.zendeskTicketId === null;
    if (ticketChanges) fields.push('zendeskTicketId');
    const raw = await repos.episodes.getDetails(episodeId);
    const stored = raw.requester as { id?: unknown } | null | undefined;
    const requesterChanges = requester !== null && stored?.id !== requester.id;
    if (requesterChanges) fields.push('requester');
    if (fields.length === 0) return;

    // The version moves even for a details-only change, so a concurrent writer of the details retries.
    const next = {
      ...episode,
      zendeskTicketId: episode.zendeskTicketId ?? ticketId,
      version: episode.version + 1,
    };
    if (!(await repos.episodes.updateIfVersion(next, episode.version, now))) {
      throw new RetryTransaction(`episode ${episodeId} changed while linking its ticket`);
    }
    if (requesterChanges) await repos.episodes.setDetails(episodeId, { ...raw, requester }, now);
    const events: DomainEvent[] = [{ type: 'details_changed', at: now, fields }];
    await repos.audit.append(auditEntries(episodeId, events, 'zendesk'));
    await repos.enqueue(deps.planEffects({ episode: next, previous: episode, events }), now);
  });
}
