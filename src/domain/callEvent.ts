/**
 * The one normalized shape every telephony provider's payload becomes. Providers deliver at least once
 * and out of order; each CallEvent carries what that delivery knew, and ingest merges them per call.
 */

/** What happened to one agent the call rang. */
export interface CallLeg {
  /** Agent name as the provider knows it ("Ana Lopez"). */
  agentName: string;
  agentEmail: string | null;
  result: 'ringing' | 'missed' | 'declined' | 'answered';
  /** Epoch ms. */
  at: number | null;
}

/** The agent who answered or placed the call, when known. */
export interface CallAgent {
  name: string;
  email: string | null;
}

export interface CallEvent {
  /** `aircall`, `zendesk`, or `generic:<provider>` for the generic webhook. */
  provider: string;
  /** Unique per provider; with `provider` the upsert key. */
  providerCallId: string;
  /** The provider's event name (`call.ended`, `export`, `voice_ticket`, …), for logs and metrics. */
  eventName: string;
  direction: 'inbound' | 'outbound';
  /** True when the provider says the whole call is over and its data final. */
  ended: boolean;
  /** True/false once known; null when this delivery does not say. */
  answered: boolean | null;
  /** The other party (caller for inbound, callee for outbound), E.164; null when withheld or unknown. */
  externalNumber: string | null;
  /** The raw text of the number as the provider sent it (for "withheld" vs "unknown" decisions). */
  externalNumberRaw: string | null;
  externalName: string | null;
  /** What identifies the line the call came in on; routing matches on these. */
  line: {
    aircallNumber?: string;
    zendeskPhoneNumberId?: string;
    number?: string;
    genericLine?: string;
  };
  /** Epoch ms. */
  startedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  /** Provider reason code (`short_abandoned`, `abandoned_in_queue`, …); unknown codes are kept. */
  missedReason: string | null;
  voicemail: { url: string | null; durationSeconds: number | null } | null;
  transcript: string | null;
  summary: string | null;
  legs: CallLeg[];
  /** Who answered (inbound) or called (outbound): the actor of an automatic resolve. */
  agent: CallAgent | null;
  /** Ticket the provider already made for this call (Zendesk Talk). */
  zendeskTicketId: number | null;
  /** Epoch ms when the provider built this event; later events win on conflicting fields. */
  occurredAt: number;
  /** What this delivery says about a callback request; absent when it says nothing about one. */
  callback?: CallbackSignal;
}

/** A provider's word on callbacks, normalized (Aircall tags and linked calls, Talk `callback`, generic fields). */
export interface CallbackSignal {
  /** True when the caller asked to be called back; null when this delivery does not say. */
  requested: boolean | null;
  /** Where to call back (E.164) when the provider gives a number; null when it does not. */
  number: string | null;
  /** The provider's word for where the request came from (`queue`, `web widget`, `tag`…), for logs. */
  source: string | null;
  /** The provider says the callback was done (Aircall "Callback done" tag). */
  done: boolean;
  /** This call is the provider's automated callback of that call (its providerCallId, same provider). */
  automaticCallbackOf: string | null;
}
