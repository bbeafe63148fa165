import { describe, expect, it } from 'vitest';
import { planFromReactions } from '../../../src/app/intents.js';
import { chatExternalTextPlanner, chatNoticePlanner, chatTranslator } from '../../../src/chat/planner.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import { createLogger } from '../../../src/observability/logger.js';
import { TeamsChatSurface, teamsRecipients } from '../../../src/surfaces/teams/surface.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Slack only
    match: { genericLine: slack }
    slack: { channel: C0123456789 }
  - name: Support FR
    match: "*"
    teams: { channel: "19:callbacks@thread.tacv2" }
managers: { teams: [aad-mia], teamsChannel: "19:managers@thread.tacv2" }
`,
  'test.yaml',
);
/** Teams as a chat surface; planning reads only the routing file, so nothing here talks to Teams. */
const surface = new TeamsChatSurface({
  teams: {} as never,
  cards: {} as never,
  connector: () => Promise.reject(new Error('planning sends nothing')),
  deliveries: {} as never,
  routing,
  clock: new ManualClock(T0),
  logger: createLogger({ level: 'silent', secrets: [] }),
});
const plan = planFromReactions(routing, () => [chatTranslator(surface, routing)]);
const opened: DomainEvent = { type: 'opened', at: T0, providerCallKey: 'generic:x:1' };
const claimed: DomainEvent = { type: 'claimed', actor: ana, at: T0 + 60_000, implicit: false };

describe('the Teams planner', () => {
  describe('when a call opens an episode', () => {
    it('queues the card once, in the line’s channel, and nothing else', () => {
      const jobs = plan({ episode: episode(), previous: null, events: [opened] });
      expect(jobs).toEqual([
        {
          kind: 'teams.post_card',
          payload: { episodeId: 'ep-1', channel: '19:callbacks@thread.tacv2' },
          dedupeKey: 'teams.post:ep-1:19:callbacks@thread.tacv2',
          queuesCard: { episodeId: 'ep-1', surface: 'teams', channel: '19:callbacks@thread.tacv2' },
        },
      ]);
    });
  });

  describe('when the episode changes', () => {
    it('updates every copy for everyone and adds the line to the reply chain', () => {
      const next = episode({ state: 'claimed', claimedBy: ana, claimedAt: T0 + 60_000, version: 2 });
      const jobs = plan({ episode: next, previous: episode(), events: [claimed] });
      expect(jobs.map((j) => j.kind)).toEqual(['teams.update_card', 'teams.thread_post']);
      expect(jobs[0]?.coalesceKey).toBe('teams.update:ep-1');
      expect(jobs[1]).toMatchObject({
        dedupeKey: 'teams.line:ep-1:19:callbacks@thread.tacv2:v2',
        payload: {
          channel: '19:callbacks@thread.tacv2',
          text: expect.stringContaining('Claimed by **Ana**'),
        },
      });
    });
  });

  describe('when the card was held back until the line opens', () => {
    it('posts it when out-of-hours releases it', () => {
      const jobs = plan({
        episode: episode(),
        previous: episode(),
        events: [{ type: 'card_released', at: T0 }],
      });
      expect(jobs.map((j) => j.kind)).toContain('teams.post_card');
    });
  });

  describe('for a line without a Teams channel', () => {
    it('plans nothing', () => {
      expect(
        plan({ episode: episode({ line: 'Slack only' }), previous: null, events: [opened, claimed] }),
      ).toEqual([]);
    });
  });
});

describe('text from outside the chat', () => {
  it('is one reply per source message, whoever plans it twice', () => {
    const jobs = chatExternalTextPlanner(
      surface,
      routing,
    )({
      episodeId: 'ep-1',
      authorLabel: 'Marie Dupont via Zendesk',
      text: 'Call me *after* 2pm',
      sourceRef: 'evt-9',
      source: 'zendesk',
    });
    expect(jobs).toEqual([
      {
        kind: 'teams.thread_post',
        payload: { episodeId: 'ep-1', text: '**Marie Dupont via Zendesk:** Call me \\*after\\* 2pm' },
        dedupeKey: 'teams.external:zendesk:evt-9',
      },
    ]);
  });
});

describe('notices', () => {
  const notices = chatNoticePlanner(surface, routing, new ManualClock(T0));

  it('sends manager escalations to the managers’ Teams channel', () => {
    expect(notices({ kind: 'managers', text: 'Still waiting', mention: '@here', episodeId: 'ep-1' })).toEqual(
      [
        {
          kind: 'teams.message',
          payload: {
            to: { kind: 'channel', channel: '19:managers@thread.tacv2' },
            text: 'Still waiting',
            mention: '@here',
            episodeId: 'ep-1',
          },
        },
      ],
    );
  });

  it('messages Teams people and people known by e-mail, but leaves Slack people to Slack', () => {
    expect(
      teamsRecipients([
        { id: 'teams:aad-ana', name: 'Ana', email: 'ana@example.com', surface: 'teams' },
        { id: 'slack:UBEN', name: 'Ben', email: 'ben@example.com', surface: 'slack' },
        { id: 'email:mia@example.com', name: 'mia@example.com', email: 'Mia@Example.com', surface: 'system' },
      ]),
    ).toEqual(['aad-ana', 'mia@example.com']);
  });

  it('leaves summaries meant for Slack to Slack', () => {
    const summary = {
      kind: 'summary',
      surface: 'slack',
      channel: 'C0123456789',
      timezone: 'UTC',
      title: 't',
    } as const;
    expect(notices({ ...summary, summary: {} as never })).toEqual([]);
  });
});
