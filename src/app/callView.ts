/** The read API's Call object (GET /api/calls, README "HTTP routes"). Field meanings are a public contract. */
import type { Episode } from '../domain/types.js';
import type { Post } from '../store/posts.js';

export interface CallView {
  id: string;
  state: Episode['state'];
  line: string;
  caller: { number: string | null; name: string | null };
  callCount: number;
  missedAt: string;
  lastCallAt: string;
  providerCallIds: string[];
  claimedBy: { name: string; email: string | null; surface: string } | null;
  claimedAt: string | null;
  attempts: number;
  outcome: Episode['outcome'];
  resolvedAt: string | null;
  resolvedBy: { name: string; email: string | null; surface: string } | null;
  autoResolved: boolean;
  escalationLevel: number;
  zendeskTicketId: number | null;
  posts: { surface: string; channel: string; ref: string }[];
  /** The caller asked to be called back (Aircall "Callback request", Zendesk Talk `callback`, generic). */
  callbackRequested: boolean;
  /** Where to call back when not `caller.number` (E.164), else null. */
  callbackNumber: string | null;
  /** Snoozed or scheduled until (ISO time), else null. */
  dueAt: string | null;
  /** Every call-back attempt, oldest first. */
  attemptLog: { at: string; by: { name: string; email: string | null; surface: string }; result: string }[];
  /** `high` when a routing `priority` rule matched, else `normal`. */
  priority: Episode['priority'];
  /** Who should take the call and why (routing `assign.suggest`), else null. */
  suggestedOwner: { name: string; email: string | null; why: string } | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toCallView(episode: Episode, providerCallIds: string[], posts: Post[]): CallView {
  const person = (actor: Episode['claimedBy']) =>
    actor ? { name: actor.name, email: actor.email, surface: actor.surface } : null;
  return {
    id: episode.id,
    state: episode.state,
    line: episode.line,
    caller: { number: episode.caller.number, name: episode.caller.name },
    callCount: episode.callCount,
    missedAt: new Date(episode.missedAt).toISOString(),
    lastCallAt: new Date(episode.lastCallAt).toISOString(),
    providerCallIds,
    claimedBy: person(episode.claimedBy),
    claimedAt: iso(episode.claimedAt),
    attempts: episode.attempts,
    outcome: episode.outcome,
    resolvedAt: iso(episode.resolvedAt),
    resolvedBy: person(episode.resolvedBy),
    autoResolved: episode.autoResolved,
    escalationLevel: episode.escalationLevel,
    zendeskTicketId: episode.zendeskTicketId,
    posts: posts.map((p) => ({ surface: p.surface, channel: p.channel, ref: p.ref })),
    callbackRequested: episode.callbackRequested,
    callbackNumber:
      episode.callbackNumber !== null && episode.callbackNumber !== episode.caller.number
        ? episode.callbackNumber
        : null,
    dueAt: iso(episode.dueAt),
    attemptLog: episode.attemptLog.map((a) => ({
      at: new Date(a.at).toISOString(),
      by: { name: a.by.name, email: a.by.email, surface: a.by.surface },
      result: a.result,
    })),
    priority: episode.priority,
    suggestedOwner: episode.suggestedOwner
      ? {
          name: episode.suggestedOwner.name,
          email: episode.suggestedOwner.email,
          why: episode.suggestedOwner.why,
        }
      : null,
  };
}
