import { describe, expect, it } from 'vitest';
import { planFromReactions } from '../../../src/app/intents.js';
import type { Pace } from '../../../src/chat/pacing.js';
import { chatExternalTextPlanner, chatNoticePlanner, chatTranslator } from '../../../src/chat/planner.js';
import { parseRouting } from '../../../src/config/load.js';
import type { RoutingConfig } from '../../../src/config/routing.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Summary } from '../../../src/domain/summary.js';
import { OUTCOMES } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { Store } from '../../../src/store/store.js';
import type { SlackApi } from '../../../src/surfaces/slack/api.js';
import { DEFAULT_SENDER_OPTIONS } from '../../../src/surfaces/slack/settings.js';
import { summaryMessage } from '../../../src/surfaces/slack/summaryBlocks.js';
import { SlackChatSurface, slackChannelsFor } from '../../../src/surfaces/slack/surface.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { blockProblems } from '../../mocks/fakeSlack.js';

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Teams only
    match: { genericLine: teams }
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
managers: { slack: [U0MANAGER1, U0MANAGER2], slackChannel: C0MANAGERS1 }
`,
  'test',
);
const clock = new ManualClock(T0);

/** Messages the Slack surface sent, as the Web API would have received them. */
interface Sent {
  channel: string;
  text: string;
  threadTs?: string;
}

/** Slack as a chat surface, over a Web API that records what it is asked to send (planning sends nothing). */
function slackSurface(config: RoutingConfig = routing): { surface: SlackChatSurface; sent: Sent[] } {
  const sent: Sent[] = [];
  const api = {
    postMessage: async (post: Sent) => {
      sent.push(post);
      return `${1_700_000_000 + sent.length}.000100`;
    },
  } as unknown as SlackApi;
  const surface = new SlackChatSurface({
    api,
    store: {} as Store,
    clock,
    logger: createLogger({ level: 'silent', secrets: [] }),
    routing: config,
    env: {} as never,
    options: DEFAULT_SENDER_OPTIONS,
  });
  return { surface, sent };
}

/** The shared planner over the Slack surface, for a routing file. */
function plannerFor(config: RoutingConfig) {
  const { surface } = slackSurface(config);
  return planFromReactions(config, () => [chatTranslator(surface, config)]);
}

const { surface } = slackSurface();
const plan = plannerFor(routing);
/** A pace that sends at once (pacing has its own tests). */
const atOnce: Pace = {
  send: (_key, send) => send(),
  token: async () => undefined,
  bucketLimited: async () => undefined,
};

describe('the shared planner, for Slack', () => {
  it('finds the line’s Slack channel, or none', () => {
    expect(slackChannelsFor(routing, 'Support FR')).toEqual(['C0123456789']);
    expect(slackChannelsFor(routing, 'Teams only')).toEqual([]);
  });

  describe('when a first missed call opens an episode', () => {
    const jobs = plan({
      episode: episode(),
      previous: null,
      events: [{ type: 'opened', at: T0, providerCallKey: 'a:1' }],
    });

    it('queues the card for the channel and wakes the channel’s lane, which posts it', () => {
      expect(jobs).toEqual([
        {
          kind: 'slack.lane',
          payload: { channel: 'C0123456789' },
          coalesceKey: 'slack.lane:C0123456789',
          maxAttempts: 1000,
          queueKey: 'slack:C0123456789',
          queuesCard: { episodeId: 'ep-1', surface: 'slack', channel: 'C0123456789' },
        },
      ]);
    });
  });

  describe('when someone claims', () => {
    const claimed = episode({ state: 'claimed', claimedBy: ana, claimedAt: T0, version: 2 });
    const jobs = plan({
      episode: claimed,
      previous: episode(),
      events: [{ type: 'claimed', actor: ana, at: T0, implicit: false }],
    });

    it('re-renders every copy once, however many changes pile up', () => {
      expect(jobs).toContainEqual({
        kind: 'slack.update_card',
        payload: { episodeId: 'ep-1' },
        coalesceKey: 'slack.update:ep-1',
        // A change folding into a waiting update holds it until committed (PostgreSQL).
        foldedUnderLock: true,
        // One at a time per card across replicas.
        queueKey: 'slack.card:ep-1',
      });
    });

    it('adds one line to the card’s thread', () => {
      expect(jobs).toContainEqual({
        kind: 'slack.thread_post',
        payload: { episodeId: 'ep-1', channel: 'C0123456789', text: '10:32 · Claimed by *Ana*' },
        dedupeKey: 'slack.line:ep-1:C0123456789:v2',
        // The card's lines in one channel go out one at a time, in order, across replicas.
        queueKey: 'slack.thread:ep-1:C0123456789',
      });
    });
  });

  it('only re-renders the card when details change', () => {
    const jobs = plan({
      episode: episode(),
      previous: episode(),
      events: [{ type: 'details_changed', at: T0, fields: ['voicemail'] }],
    });
    expect(jobs.map((j) => j.kind)).toEqual(['slack.update_card']);
  });

  it('plans nothing for a line without Slack', () => {
    expect(
      plan({
        episode: episode({ line: 'Teams only' }),
        previous: null,
        events: [{ type: 'opened', at: T0, providerCallKey: 'a' }],
      }),
    ).toEqual([]);
  });
});

describe('outside text (a Zendesk reply)', () => {
  it('goes to every Slack thread of the episode, once, escaped', () => {
    const jobs = chatExternalTextPlanner(
      surface,
      routing,
    )({
      episodeId: 'ep-1',
      authorLabel: 'Marie <via Zendesk>',
      text: 'Thanks! <!channel>',
      sourceRef: 'evt-1',
      source: 'zendesk',
    });
    expect(jobs).toEqual([
      {
        kind: 'slack.thread_post',
        payload: { episodeId: 'ep-1', text: '*Marie &lt;via Zendesk&gt;:*\nThanks! &lt;!channel&gt;' },
        dedupeKey: 'slack.external:zendesk:evt-1',
      },
    ]);
  });
});

describe('notices', () => {
  const notices = chatNoticePlanner(surface, routing, clock);

  it('pings the card’s thread, and Slack says the routing file’s mention when it sends', async () => {
    const jobs = notices({
      kind: 'thread',
      episodeId: 'ep-1',
      text: 'Still unclaimed <after> 15m',
      mention: '@here',
    });
    expect(jobs).toEqual([
      {
        kind: 'slack.thread_post',
        payload: { episodeId: 'ep-1', text: 'Still unclaimed &lt;after&gt; 15m', mention: '@here' },
      },
    ]);
    const { surface: sending, sent } = slackSurface();
    const post = {
      episodeId: 'ep-1',
      surface: 'slack',
      channel: 'C0123456789',
      ref: '1.1',
      threadRef: '1.1',
      shownDigest: null,
    };
    await sending.replyInThread(post, 'Still unclaimed after 15m', '@here', atOnce);
    await sending.replyInThread(post, 'Escalated', '<!subteam^S0123>', atOnce);
    expect(sent).toEqual([
      { channel: 'C0123456789', text: '<!here> Still unclaimed after 15m', threadTs: '1.1' },
      { channel: 'C0123456789', text: '<!subteam^S0123> Escalated', threadTs: '1.1' },
    ]);
  });

  it('posts to the managers’ channel', () => {
    expect(
      notices({ kind: 'managers', text: 'Unclaimed for 30m', mention: '@channel', episodeId: 'ep-1' }),
    ).toEqual([
      {
        kind: 'slack.message',
        payload: {
          to: { kind: 'channel', channel: 'C0MANAGERS1' },
          text: 'Unclaimed for 30m',
          mention: '@channel',
          episodeId: 'ep-1',
        },
      },
    ]);
  });

  it('messages the managers, or Slack actors, privately, one message each', () => {
    expect(
      notices({ kind: 'dm', to: 'managers', text: 'Heads up', episodeId: null }).map((j) => j.payload),
    ).toEqual([
      { to: { kind: 'people', people: ['U0MANAGER1'] }, text: 'Heads up', mention: null, episodeId: null },
      { to: { kind: 'people', people: ['U0MANAGER2'] }, text: 'Heads up', mention: null, episodeId: null },
    ]);
    const teamsActor = { id: 'teams:abc', name: 'T', email: null, surface: 'teams' as const };
    const slackActor = { id: 'slack:U0AGENT01', name: 'A', email: null, surface: 'slack' as const };
    expect(
      notices({ kind: 'dm', to: [teamsActor, slackActor], text: 'Reminder', episodeId: 'ep-1' }),
    ).toEqual([
      {
        kind: 'slack.message',
        payload: {
          to: { kind: 'people', people: ['U0AGENT01'] },
          text: 'Reminder',
          mention: null,
          episodeId: 'ep-1',
        },
      },
    ]);
  });

  it('renders a Slack summary into its channel, and leaves Teams summaries alone', () => {
    const summary = sampleSummary();
    const slack = notices({
      kind: 'summary',
      surface: 'slack',
      channel: 'C0REPORTS1',
      summary,
      timezone: 'Europe/Paris',
      title: 'Daily missed calls',
    });
    expect(slack).toHaveLength(1);
    expect(slack[0]?.payload).toMatchObject({
      to: { kind: 'channel', channel: 'C0REPORTS1' },
      rich: summaryMessage(summary, { timezone: 'Europe/Paris', title: 'Daily missed calls', now: T0 })
        .blocks,
    });
    expect(
      notices({
        kind: 'summary',
        surface: 'teams',
        channel: '19:x@thread.tacv2',
        summary,
        timezone: 'UTC',
        title: 't',
      }),
    ).toEqual([]);
  });
});

function figures(missed: number) {
  return {
    missedCalls: missed,
    returnedCalls: 2,
    episodes: missed,
    uniqueCallers: missed - 1,
    claimed: 3,
    calledBack: 2,
    resolved: 2,
    autoResolved: 1,
    byOutcome: {
      ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])),
      reached: 2,
    } as Summary['totals']['byOutcome'],
    timeToClaim: { count: 3, medianMs: 240_000, p90Ms: 720_000 },
    timeToFirstCallback: { count: 2, medianMs: 540_000, p90Ms: 1_500_000 },
    slaBreaches: { claim: 1, resolve: 0 },
  };
}

function sampleSummary(): Summary {
  return {
    window: { start: T0, end: T0 + 86_400_000, label: 'today' },
    totals: figures(5),
    lines: { 'Support FR': figures(5) },
    agents: [
      {
        actorId: 'ana@example.com',
        name: 'Ana',
        claimed: 3,
        calledBack: 2,
        resolved: 2,
        timeToClaim: { count: 3, medianMs: 240_000, p90Ms: 720_000 },
        timeToFirstCallback: { count: 0, medianMs: null, p90Ms: null },
      },
    ],
    openNow: {
      count: 1,
      oldest: { id: 'ep-1', line: 'Support FR', missedAt: T0 - 3_600_000, callerNumber: '+33612345678' },
    },
  };
}

describe('summary blocks', () => {
  const message = summaryMessage(sampleSummary(), {
    timezone: 'Europe/Paris',
    title: 'Missed calls, today',
    now: T0,
    lineCountry: 'FR',
  });
  const text = JSON.stringify(message.blocks);

  it('gives missed calls and unique callers, claimed, called back, resolved by outcome and auto-resolved', () => {
    expect(text).toContain('*Missed calls:* 5 from 4 unique callers · 2 returned');
    expect(text).toContain(
      '*Claimed:* 3 · *Called back:* 2 · *Resolved:* 2 (1 automatically: the caller got through)',
    );
    expect(text).toContain('*Resolved by outcome:* Reached the caller: 2');
  });

  it('gives median and p90 times to claim and to first call back, and SLA breaches', () => {
    expect(text).toContain('*Time to claim:* median 4m, p90 12m');
    expect(text).toContain('*Time to first call back:* median 9m, p90 25m');
    expect(text).toContain('*SLA breaches:* 1 not claimed in time · 0 not resolved in time');
  });

  it('says what is open now and the oldest, per line and per agent', () => {
    expect(text).toContain(
      '*Open now:* 1 · oldest: Support FR, 06 12 34 56 78, missed Today 09:32 (1h 00m ago)',
    );
    expect(text).toContain('*Support FR:* 5 missed');
    expect(text).toContain(
      '*Ana:* 3 claimed · 2 called back · 2 resolved · claim median 4m, p90 12m · first call back none yet',
    );
  });

  it('has a fallback line and stays within Block Kit limits', () => {
    expect(message.text).toBe('Missed calls, today: 5 missed calls, 2 called back, 2 resolved, 1 open now');
    expect(blockProblems(message.blocks)).toEqual([]);
  });
});

describe('a line that holds out-of-hours cards', () => {
  const held = parseRouting(
    `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
    businessHours: { mon-fri: "09:00-18:00" }
    outOfHours: { mode: hold }
`,
    'test',
  );
  const planHeld = plannerFor(held);
  // Friday 20 November 2026, 22:00 in Paris: closed until Monday 09:00.
  const night = Date.parse('2026-11-20T21:00:00Z');
  const nightCall = episode({ missedAt: night, lastCallAt: night });

  it('posts no card for a call missed while closed', () => {
    const jobs = planHeld({
      episode: nightCall,
      previous: null,
      events: [{ type: 'opened', at: night, providerCallKey: 'a' }],
    });
    expect(jobs.filter((j) => j.kind === 'slack.lane')).toEqual([]);
  });

  it('posts the card when the line opens and releases it', () => {
    const jobs = planHeld({
      episode: nightCall,
      previous: nightCall,
      events: [{ type: 'card_released', at: night + 3 * 86_400_000 }],
    });
    expect(jobs.map((j) => j.kind)).toEqual(['slack.lane', 'slack.update_card']);
  });

  it('posts at once for a call missed while open', () => {
    const day = Date.parse('2026-11-20T10:00:00Z');
    const jobs = planHeld({
      episode: episode({ missedAt: day, lastCallAt: day }),
      previous: null,
      events: [{ type: 'opened', at: day, providerCallKey: 'a' }],
    });
    expect(jobs.map((j) => j.kind)).toEqual(['slack.lane']);
  });
});

describe('a call that dropped back from high to normal', () => {
  const withVip = parseRouting(
    `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
priority:
  - name: VIP
    when: { zendeskTag: vip }
    level: high
    slack: { channel: C0VIP00000 }
`,
    'test',
  );
  const planVip = plannerFor(withVip);

  it('still gets its thread lines in the rule’s channel, where its copy was posted while it was high', () => {
    const claimed = episode({ priority: 'normal', state: 'claimed', claimedBy: ana, claimedAt: T0 + 60_000 });
    const jobs = planVip({
      episode: claimed,
      previous: episode({ priority: 'normal' }),
      events: [{ type: 'claimed', actor: ana, at: T0 + 60_000, implicit: false }],
    });
    const lines = jobs.filter((job) => job.kind === 'slack.thread_post');
    expect(lines.map((job) => (job.payload as { channel: string }).channel).sort()).toEqual([
      'C0123456789',
      'C0VIP00000',
    ]);
  });
});
