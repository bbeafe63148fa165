/**
 * The pre-brief from Zendesk: once the episode's requester is known (its ticket linked), one job reads
 * the requester (organization, tags, time zone), their organization and their requested tickets, and
 * writes what an agent wants before calling back onto the episode's details. The card was posted long
 * before; this refreshes it in place (a `details_changed` of `prebrief`), and the triage job then reads
 * the same facts for priority rules and `ticketAssignee`.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { auditEntries } from '../app/commands.js';
import { parseDetails } from '../domain/details.js';
import type { DomainEvent } from '../domain/episode.js';
import { type Prebrief, prebriefOfNewRequester, zoneOfCountry } from '../domain/prebrief.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';
import { PermanentFailure } from '../jobs/runner.js';
import { RetryTransaction } from '../store/store.js';
import type { ZendeskDeps } from './deps.js';
import { forJobRunner, isZendeskStatus } from './errors.js';
import type { ZendeskOrganization, ZendeskTicketSummary } from './schemas.js';

const UNSOLVED = new Set(['new', 'open', 'pending', 'hold']);
const PRIORITY_RANK: Record<string, number> = { low: 0, normal: 1, high: 2, urgent: 3 };
/** A subject longer than this is cut: the card has room for one line of it. */
const SUBJECT_MAX = 120;

export const prebriefJob = defineJob('zendesk.prebrief', z.object({ episodeId: z.string().min(1) }));

/** The pre-brief read of an episode; reads asked for while one is pending fold into it. */
export function prebriefFetch(episodeId: string) {
  return jobOf(
    prebriefJob,
    { episodeId },
    { coalesceKey: `zendesk.prebrief:${episodeId}`, foldedUnderLock: true },
  );
}

function stamp(text: string | null): number {
  const ms = text ? Date.parse(text) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

function cut(text: string | null): string | null {
  if (text === null) return null;
  return text.length > SUBJECT_MAX ? `${text.slice(0, SUBJECT_MAX - 1).trimEnd()}…` : text;
}

function highestPriority(tickets: ZendeskTicketSummary[]): string | null {
  let best: string | null = null;
  for (const ticket of tickets) {
    const priority = ticket.priority?.toLowerCase() ?? null;
    if (priority === null || !(priority in PRIORITY_RANK)) continue;
    if (best === null || (PRIORITY_RANK[priority] ?? 0) > (PRIORITY_RANK[best] ?? 0)) best = priority;
  }
  return best;
}

/** The pre-brief without its time of reading: what decides whether the card must change. */
function sameBrief(a: Prebrief | null, b: Prebrief): boolean {
  if (a === null) return false;
  return JSON.stringify({ ...a, fetchedAt: 0 }) === JSON.stringify({ ...b, fetchedAt: 0 });
}

export class Prebriefs {
  constructor(private readonly deps: ZendeskDeps) {}

  /** Reads the pre-brief of the episode's requester and stores it; nothing without a requester. */
  async fetch(episodeId: string): Promise<'stored' | 'unchanged' | 'no_requester'> {
    const { store, client, agents, clock } = this.deps;
    const episode = await store.episodes.get(episodeId);
    if (!episode) throw new PermanentFailure(`episode ${episodeId} does not exist`);
    const details = parseDetails(await store.episodes.getDetails(episodeId));
    const requesterId = details.requester?.id ?? null;
    if (requesterId === null) return 'no_requester';
    if (episode.caller.number === null) {
      // Every withheld caller shares one "Withheld number" requester: its tickets are other people's, and
      // would give this caller their priority, tags and suggested owner.
      const empty = prebriefOfNewRequester(clock.now(), details.callerCountry);
      if (sameBrief(details.prebrief ?? null, empty)) return 'unchanged';
      await this.store(episodeId, empty);
      return 'stored';
    }

    const [profile, tickets] = await Promise.all([
      client.showUserProfile(requesterId),
      client.requestedTickets(requesterId),
    ]);
    let organization: ZendeskOrganization | null = null;
    if (profile.organization_id !== null) {
      try {
        organization = await client.showOrganization(profile.organization_id);
      } catch (error) {
        // Gone, or not ours to see: the rest of the pre-brief still helps.
        if (!isZendeskStatus(error, 403, 404)) throw error;
      }
    }
    // The missed call's own ticket is neither an open issue of the caller nor a past contact.
    const others = tickets
      .filter((t) => t.id !== episode.zendeskTicketId)
      .sort((a, b) => stamp(b.updated_at) - stamp(a.updated_at));
    const open = others.filter((t) => UNSOLVED.has(t.status));
    const latest = open[0] ?? null;
    const assigned = open.find((t) => t.assignee_id !== null) ?? null;
    const assignee = assigned?.assignee_id ? await agents.user(assigned.assignee_id) : null;
    const last = others[0] ?? null;
    const lastAgent = last?.assignee_id ? await agents.user(last.assignee_id) : null;
    const zone =
      profile.iana_time_zone && IANAZone.isValidZone(profile.iana_time_zone) ? profile.iana_time_zone : null;

    const prebrief: Prebrief = {
      fetchedAt: clock.now(),
      organization: organization?.name || null,
      tags: [...new Set([...profile.tags, ...(organization?.tags ?? [])].map((t) => t.toLowerCase()))],
      openTickets: {
        count: open.length,
        highestPriority: highestPriority(open),
        latest: latest ? { id: latest.id, subject: cut(latest.subject), priority: latest.priority } : null,
      },
      lastContact: last
        ? {
            at: stamp(last.updated_at),
            channel:
              last.via?.channel === undefined || last.via?.channel === null ? null : String(last.via.channel),
            agent: lastAgent?.name ?? null,
          }
        : null,
      timeZone: zone ?? zoneOfCountry(details.callerCountry),
      assignee:
        assigned && assignee ? { name: assignee.name, email: assignee.email, ticketId: assigned.id } : null,
    };
    if (sameBrief(details.prebrief ?? null, prebrief)) return 'unchanged';
    await this.store(episodeId, prebrief);
    return 'stored';
  }

  /** Writes the pre-brief and announces it, in one transaction (the card refresh and triage follow). */
  private async store(episodeId: string, prebrief: Prebrief): Promise<void> {
    const { store, clock, planEffects } = this.deps;
    await store.transaction(async (repos) => {
      const episode = await repos.episodes.get(episodeId);
      if (!episode) return;
      const now = clock.now();
      // The version moves even for a details-only change, so a concurrent writer of the details retries.
      const next = { ...episode, version: episode.version + 1 };
      if (!(await repos.episodes.updateIfVersion(next, episode.version, now))) {
        throw new RetryTransaction(`episode ${episodeId} changed while storing its pre-brief`);
      }
      const raw = await repos.episodes.getDetails(episodeId);
      await repos.episodes.setDetails(episodeId, { ...raw, prebrief }, now);
      const events: DomainEvent[] = [{ type: 'details_changed', at: now, fields: ['prebrief'] }];
      await repos.audit.append(auditEntries(episodeId, events, 'zendesk'));
      await repos.enqueue(planEffects({ episode: next, previous: episode, events }), now);
    });
  }
}

export function prebriefHandler(prebriefs: Prebriefs): TypedJobHandler<typeof prebriefJob.schema> {
  return async ({ episodeId }) => {
    try {
      await prebriefs.fetch(episodeId);
    } catch (error) {
      throw forJobRunner(error);
    }
  };
}
