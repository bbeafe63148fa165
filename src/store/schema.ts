/** Row types of every table, as Kysely sees them. Times are epoch milliseconds (BIGINT). */
import type { Generated } from 'kysely';

export interface EpisodesTable {
  id: string;
  line: string;
  state: string;
  caller_number: string | null;
  caller_name: string | null;
  call_count: number;
  missed_at: number;
  last_call_at: number;
  claimed_by: string | null; // Actor JSON
  claimed_at: number | null;
  attempts: number;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  outcome: string | null;
  resolved_at: number | null;
  resolved_by: string | null; // Actor JSON
  auto_resolved: number;
  escalation_level: number;
  escalated_at: number | null;
  zendesk_ticket_id: number | null;
  /** Provider details for the card (legs, voicemail, reason, transcript) as JSON. */
  details: string;
  version: number;
  created_at: number;
  updated_at: number;
  /** When caller data was erased past the routing file's `retention` (src/app/retention.ts); null until then. */
  erased_at: number | null;
}

export interface ProviderCallsTable {
  /** `aircall:123`, `zendesk:456`, `generic:twilio:CA…` */
  key: string;
  provider: string;
  provider_call_id: string;
  episode_id: string | null;
  direction: string;
  from_number: string | null;
  line: string | null;
  started_at: number | null;
  ended_at: number | null;
  answered: number | null;
  missed_reason: string | null;
  /** Merged normalized event data as JSON. */
  data: string;
  updated_at: number;
  /** When the caller's number and name were erased past `retention`; null until then. */
  erased_at: number | null;
}

export interface PostsTable {
  episode_id: string;
  surface: string;
  channel: string;
  /** Slack message ts / Teams activity id. */
  ref: string;
  /** Where the thread lives (Slack: same ts; Teams: the `;messageid=` conversation id). */
  thread_ref: string | null;
  created_at: number;
  updated_at: number;
}

export interface AuditTable {
  id: Generated<number>;
  episode_id: string;
  type: string;
  actor: string | null; // Actor JSON
  surface: string;
  at: number;
  data: string;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: string;
  /** Unique forever: a job with this key is enqueued once, ever. */
  dedupe_key: string | null;
  /** Unique while pending: enqueueing again before it runs is a no-op. */
  coalesce_key: string | null;
  status: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface CursorsTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface IdentitiesTable {
  key: string;
  data: string;
  expires_at: number;
}

export interface DeliveriesTable {
  key: string;
  provider: string;
  received_at: number;
}

/** Request signatures inside their time window (src/store/signatures.ts). */
export interface SignaturesTable {
  /** `slack:<sha256 of the signature>`, `zendesk:…`. */
  key: string;
  source: string;
  expires_at: number;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** Who is an agent, as each system last said (src/store/agentIdentities.ts). */
export interface AgentIdentitiesTable {
  /** `zendesk`, `aircall`. */
  system: string;
  /** Lower-cased. */
  email: string;
  /** AgentRecord JSON, or null: that system has no agent with this e-mail. */
  agent: string | null;
  checked_at: number;
  fresh_until: number;
  usable_until: number;
}

export interface Database {
  episodes: EpisodesTable;
  provider_calls: ProviderCallsTable;
  posts: PostsTable;
  audit: AuditTable;
  jobs: JobsTable;
  cursors: CursorsTable;
  identities: IdentitiesTable;
  deliveries: DeliveriesTable;
  leases: LeasesTable;
  signatures: SignaturesTable;
  agent_identities: AgentIdentitiesTable;
}
