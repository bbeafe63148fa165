/**
 * Writes what Zendesk taught us back onto the episode, in one transaction: its ticket (the `link_ticket`
 * command, so every card re-renders with the ticket link) and the ticket's requester (a `details_changed`).
 * For a requester Ringback created just now, their (empty) pre-brief too: reading it from Zendesk would
 * cost two requests of the account's budget per new caller and tell nothing (the kill drill: 6.1 → 4.1
 * Zendesk requests per missed call).
 */
import { applyCommandIn, auditEntries } from '../app/commands.js';
import { parseDetails } from '../domain/details.js';
import type { DomainEvent } from '../domain/episode.js';
import { prebriefOfNewRequester } from '../domain/prebrief.js';
import { RetryTransaction } from '../store/store.js';
import type { ZendeskDeps } from './deps.js';
import { prebriefFetch } from './prebrief.js';
import type { Requester } from './requester.js';

export async function linkTicket(
  deps: Pick<ZendeskDeps, 'store' | 'clock' | 'planEffects'>,
  episodeId: string,
  ticketId: number,
  requester: Requester | null,
  options: { newRequester?: boolean; followUpOf?: number } = {},
): Promise<void> {
  await deps.store.transaction(async (repos) => {
    const now = deps.clock.now();
    const linked = await applyCommandIn(repos, deps, episodeId, {
      type: 'link_ticket',
      at: now,
      ticketId,
      ...(options.followUpOf !== undefined ? { followUpOf: options.followUpOf } : {}),
    });
    if (linked.status === 'not_found') return;
    const raw = await repos.episodes.getDetails(episodeId);
    const stored = raw.requester as { id?: unknown } | null | undefined;
    const changed = requester !== null && stored?.id !== requester.id;
    const briefedHere = changed && options.newRequester === true;
    // Otherwise the requester is known from here on: the card's pre-brief can be read (its own job). A
    // follow-up ticket has the requester of the closed one, whose pre-brief the card already has.
    const briefed = briefedHere || (options.followUpOf !== undefined && !changed);
    if (!briefed) await repos.enqueue([prebriefFetch(episodeId)], now);
    if (!changed) return;

    // The version moves even for a details-only change, so a concurrent writer of the details retries.
    const episode = linked.episode;
    const next = { ...episode, version: episode.version + 1 };
    if (!(await repos.episodes.updateIfVersion(next, episode.version, now))) {
      throw new RetryTransaction(`episode ${episodeId} changed while setting its requester`);
    }
    const prebrief = briefedHere ? prebriefOfNewRequester(now, parseDetails(raw).callerCountry) : null;
    await repos.episodes.setDetails(episodeId, { ...raw, requester, ...(prebrief ? { prebrief } : {}) }, now);
    const events: DomainEvent[] = [
      { type: 'details_changed', at: now, fields: prebrief ? ['requester', 'prebrief'] : ['requester'] },
    ];
    await repos.audit.append(auditEntries(episodeId, events, 'zendesk'));
    await repos.enqueue(deps.planEffects({ episode: next, previous: episode, events }), now);
  });
}
