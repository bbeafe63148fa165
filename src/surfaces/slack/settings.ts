/** Slack's pacing and lane settings (tests shorten them; the defaults fit Slack's published limits). */
import { DEFAULT_LANE_OPTIONS, type LaneOptions } from './lane.js';

export interface SenderOptions {
  /** Minimum time between two posts in one channel (Slack: about one message per second). */
  postIntervalMs: number;
  /**
   * Posts a channel may take at once after a quiet spell, still averaging one per `postIntervalMs` ("short
   * bursts allowed", Slack's rate-limit page). Without it a channel fed at exactly its limit never catches up
   * after one late post: every later card stays a second behind.
   */
  postBurst: number;
  /** Longest a handler waits in place for its slot; longer waits go back to the jobs table. */
  maxInlineWaitMs: number;
  /** How long one lane run keeps posting before it hands its runner slot back. */
  laneRunMs: number;
  /**
   * Longest a lane waits in place for its channel's next post slot. Short: a lane sleeping a second per
   * card holds a runner slot for nothing, so 20 busy channels on 8 slots (half of them a saturated
   * Zendesk's) came out at 4 cards a second. Longer waits go back to the jobs table.
   */
  laneInlineWaitMs: number;
  /**
   * How often every channel with queued cards gets its lane woken, whatever woke it before. On PostgreSQL a
   * wake-up folded into one already waiting can be taken by another replica's lane before the card it was
   * for is committed: that lane finds nothing, and the card would wait for the channel's next call.
   */
  laneSweepMs: number;
  lane: LaneOptions;
  /** chat.update per workspace (Tier 3 is 50+/min): burst and sustained rate we allow ourselves. */
  updateBurst: number;
  updatesPerMinute: number;
  /**
   * Of those, the part kept for the storm queue messages: card updates (claims, escalations) booked ahead
   * cannot take it, so a queue message is brought up to date within seconds however many of them wait. Card
   * updates still borrow it while no queue message needs it.
   */
  queueUpdateBurst: number;
  queueUpdatesPerMinute: number;
  /** chat.postEphemeral per workspace (Tier 4 is 100+/min). */
  ephemeralBurst: number;
  ephemeralsPerMinute: number;
}

export const DEFAULT_SENDER_OPTIONS: SenderOptions = {
  postIntervalMs: 1_000,
  postBurst: 3,
  maxInlineWaitMs: 1_500,
  laneRunMs: 5_000,
  laneInlineWaitMs: 100,
  laneSweepMs: 30_000,
  lane: DEFAULT_LANE_OPTIONS,
  updateBurst: 10,
  updatesPerMinute: 45,
  // One storming channel's message every 4 s at worst (it is checked every 3 s), within the 10 s promised.
  queueUpdateBurst: 2,
  queueUpdatesPerMinute: 15,
  ephemeralBurst: 50,
  ephemeralsPerMinute: 90,
};

/** Bucket names of Slack's workspace-wide method tiers. */
export const SLACK_BUCKETS = { update: 'chat.update', ephemeral: 'chat.postEphemeral' } as const;
