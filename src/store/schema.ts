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
  first_claimed_at: number | null;
  attempts: number;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  outcome: string | null;
  resolved_at: number | null;
  resolved_by: string | null; // Actor JSON
  auto_resolved: number;
  escalation_level: number;
  /** Migration 023: see Episode.escalationStep. */
  escalation_step: Generated<number>;
  escalated_at: number | null;
  zendesk_ticket_id: number | null;
  /** Provider details for the card (legs, voicemail, reason, transcript) as JSON. */
  details: string;
  version: number;
  created_at: number;
  updated_at: number;
  /** When caller data was erased past the routing file's `retention` (src/app/retention.ts); null until then. */
  erased_at: number | null;
  /** Migration 010 (callbacks): see Episode in src/domain/types.ts for each meaning. */
  callback_requested: Generated<number>;
  callback_requested_at: number | null;
  callback_number: string | null;
  auto_callback: string | null;
  due_at: number | null;
  snoozed_at: number | null;
  due_reminded_at: number | null;
  /** AttemptEntry[] as JSON. */
  attempt_log: Generated<string>;
  follow_up: string | null;
  /** Migration 011 (priority, suggestion): `normal` | `high`, the matched rule, SuggestedOwner JSON. */
  priority: Generated<string>;
  priority_rule: string | null;
  suggested_owner: string | null;
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
  /** Digest of what the card shows (chat/cardDigest.ts), when the surface can tell; null: unknown. */
  shown_digest: string | null;
  created_at: number;
  updated_at: number;
}

/** A card to post in a channel of a surface, until it is posted (then `posts` has it) or refused for good. */
export interface CardQueueTable {
  id: Generated<number>;
  episode_id: string;
  surface: string;
  channel: string;
  queued_at: number;
  /** Set when the surface refused the card for good (e.g. invalid blocks), with its words. */
  failed_at: number | null;
  failure: string | null;
  /**
   * When the surface was last asked to post the card (migration 013), committed before the call: set on a
   * queued row, the card may already be posted (a process killed before storing the post).
   */
  attempted_at: number | null;
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
  /** Jobs sharing one run one at a time, oldest first (null: no queue). */
  queue_key: string | null;
}

/** Dedupe keys of jobs, kept after their job finished and was deleted: "once ever" outlives the row. */
export interface JobKeysTable {
  key: string;
  created_at: number;
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

/** Microsoft Teams channels the bot was added to (src/store/teams.ts). */
export interface TeamsChannelsTable {
  channel_id: string;
  team_id: string;
  team_name: string | null;
  channel_name: string | null;
  tenant_id: string | null;
  service_url: string;
  bot_id: string;
  bot_name: string | null;
  updated_at: number;
}

/** People seen in Microsoft Teams (src/store/teams.ts). */
export interface TeamsMembersTable {
  /** The Entra (AAD) object id when Teams gave one, else the Teams user id. */
  user_key: string;
  /** The Teams user id (`29:…`): what `refresh.userIds` and 1:1 conversations need. */
  mri: string;
  aad_object_id: string | null;
  name: string;
  /** Lower case. */
  email: string | null;
  tenant_id: string | null;
  service_url: string;
  bot_id: string;
  personal_conversation_id: string | null;
  /** When the roster (TeamsInfo.getMember) was last asked about this person. */
  roster_checked_at: number | null;
  updated_at: number;
}

/**
 * What Ringback linked in Zendesk for an episode (src/store/zendeskLinks.ts). The ticket itself is
 * episodes.zendesk_ticket_id.
 */
export interface ZendeskLinksTable {
  episode_id: string;
  /** Set once Ringback tagged the episode's ticket (one Zendesk Talk made) as its own. */
  tagged_ticket_id: number | null;
  /** The side conversation the episode's thread is copied to, and the ticket it is on. */
  side_conversation_id: string | null;
  side_conversation_ticket_id: number | null;
  /**
   * The Zendesk user Ringback assigned (or may have assigned: stored before the write) the ticket to on a
   * claim; null when none, or released.
   */
  assignee_id: number | null;
  /**
   * When Ringback last sent a "create ticket" for the episode that may have reached Zendesk (migration
   * 017); 0 for episodes of earlier versions, null when it never did.
   */
  ticket_create_started_at: number | null;
  updated_at: number;
}

/** Who is available to take calls now, per phone system (migration 011, src/store/availability.ts). */
export interface AgentAvailabilityTable {
  provider: string;
  user_id: string;
  email: string | null;
  name: string;
  /** 1 available, 0 not, null unknown. */
  available: number | null;
  /** When the phone system said so (an older event never overwrites a newer one). */
  changed_at: number;
  updated_at: number;
}

/** SQLite's vendor budgets across restarts (migration 016). */
export interface BudgetLedgerTable {
  budget: string;
  /** `sent`: a request granted at `at`; `paused`: the vendor said to wait until `at`. */
  entry: 'sent' | 'paused';
  at: number;
}

export interface Database {
  episodes: EpisodesTable;
  provider_calls: ProviderCallsTable;
  posts: PostsTable;
  card_queue: CardQueueTable;
  audit: AuditTable;
  jobs: JobsTable;
  job_keys: JobKeysTable;
  cursors: CursorsTable;
  identities: IdentitiesTable;
  deliveries: DeliveriesTable;
  leases: LeasesTable;
  signatures: SignaturesTable;
  agent_identities: AgentIdentitiesTable;
  teams_channels: TeamsChannelsTable;
  teams_members: TeamsMembersTable;
  zendesk_links: ZendeskLinksTable;
  agent_availability: AgentAvailabilityTable;
  budget_ledger: BudgetLedgerTable;
}
