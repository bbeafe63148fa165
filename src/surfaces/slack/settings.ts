/** Slack's pacing and lane settings (tests shorten them; the defaults fit Slack's published limits). */
import { DEFAULT_LANE_OPTIONS, type LaneOptions } from './lane.js';

export interface SenderOptions {
  /** Minimum time between two posts in one channel (Slack: about one message per second). */
  postIntervalMs: number;
  /** Longest a handler waits in place for its slot; longer waits go back to the jobs table. */
  maxInlineWaitMs: number;
  /** How long one lane run keeps posting before it hands its runner slot back. */
  laneRunMs: number;
  lane: LaneOptions;
  /** chat.update per workspace (Tier 3 is 50+/min): burst and sustained rate we allow ourselves. */
  updateBurst: number;
  updatesPerMinute: number;
  /** chat.postEphemeral per workspace (Tier 4 is 100+/min). */
  ephemeralBurst: number;
  ephemeralsPerMinute: number;
}

export const DEFAULT_SENDER_OPTIONS: SenderOptions = {
  postIntervalMs: 1_000,
  maxInlineWaitMs: 1_500,
  laneRunMs: 5_000,
  lane: DEFAULT_LANE_OPTIONS,
  updateBurst: 10,
  updatesPerMinute: 45,
  ephemeralBurst: 50,
  ephemeralsPerMinute: 90,
};

/** Bucket names of Slack's workspace-wide method tiers. */
export const SLACK_BUCKETS = { update: 'chat.update', ephemeral: 'chat.postEphemeral' } as const;
