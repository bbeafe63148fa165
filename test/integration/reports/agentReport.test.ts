/**
 * `summary <day> agents` from a day of recorded Aircall deliveries, as Slack and Teams word it: the call
 * that rang four agents before the fifth answered shows four missed legs on calls a colleague answered,
 * never a missed call; the one missed call of the day is one missed call however many legs it had.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRingbackCommand } from '../../../src/app/commandText.js';
import { answerRingbackCommand, type CommandResult } from '../../../src/chat/commands.js';
import type { Actor } from '../../../src/domain/types.js';
import { registerProviders } from '../../../src/providers/register.js';
import { slackAnswer } from '../../../src/surfaces/slack/command.js';
import { teamsAnswer } from '../../../src/surfaces/teams/commands.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { blockProblems } from '../../mocks/fakeSlack.js';
import { AIRCALL_FIXTURE_TOKEN } from '../ingest/support.js';
import { blocksText } from '../slack/harness.js';
import { cardText } from '../teams/harness.js';
import { DAY, fixtureDay } from './fixtureDay.js';

const MIA: Actor = { id: 'slack:UMIA', name: 'Mia', email: 'mia@example.com', surface: 'slack' };

let database: TestDatabase;
let ringback: StartedRingback;

beforeAll(async () => {
  database = sqliteDatabase();
  const config = testConfig({ database, env: { AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN } });
  ringback = await startRingback(config, { adapters: [registerProviders], manualJobs: true });
  for (const body of fixtureDay()) {
    const response = await fetch(`${ringback.baseUrl}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
  }
  await ringback.runner.drain();
});

afterAll(async () => {
  await ringback?.stop();
  await database?.drop();
});

async function ask(text: string, asManager = true): Promise<CommandResult> {
  return answerRingbackCommand(
    {
      store: ringback.store,
      clock: ringback.clock,
      routing: ringback.config.routing,
      directory: { checkAgent: async () => ({ ok: true }), isManager: async () => asManager },
    },
    parseRingbackCommand(text),
    MIA,
  );
}

/** Each agent's lines, by name, from a rendered report. */
function agentBlock(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.replace(/[*\\]/g, '') === name);
  return lines
    .slice(start, start + 5)
    .join('\n')
    .replace(/\\(.)/g, '$1');
}

describe('summary <day> agents', () => {
  it('reads `agents` after the period, before a line', () => {
    expect(parseRingbackCommand('summary week agents Support FR')).toEqual({
      kind: 'summary',
      period: 'week',
      line: 'Support FR',
      public: false,
      agents: true,
    });
    expect(parseRingbackCommand('export 2026-11-16..2026-11-22 Support FR')).toEqual({
      kind: 'export',
      period: '2026-11-16..2026-11-22',
      line: 'Support FR',
    });
  });

  it('carries when an export or a week’s charts were asked, for the job that builds them later', async () => {
    const before = ringback.clock.now();
    const exported = await ask('export week');
    const summary = await ask('summary week');
    const after = ringback.clock.now();
    const askedThen = expect.toSatisfy((at: number) => at >= before && at <= after);
    expect(exported).toMatchObject({ kind: 'export', period: 'week', asOf: askedThen });
    expect(summary).toMatchObject({ kind: 'summary', charts: { period: 'week', asOf: askedThen } });
  });

  it('in Slack: four missed legs on the call Eve answered, and the day’s one missed call counted once', async () => {
    const result = await ask(`summary ${DAY} agents`);
    expect(result.kind).toBe('agent_report');
    const message = slackAnswer(result, null);
    const blocks = message.rich as unknown[];
    expect(blockProblems(blocks)).toEqual([]);
    const text = blocksText({ text: message.text, blocks });
    expect(text).toContain(
      'Team:* 3 inbound calls rang agents 9 times: 2 answered, 7 missed legs (5 on calls a colleague answered, 2 on calls nobody answered) · 1 missed call',
    );
    for (const name of ['Chloé Durand', 'David Petit']) {
      const block = agentBlock(text, name);
      expect(block).toContain('Legs: 1 offered · 0 answered · 1 rang out · 0 declined (1 missed leg)');
      expect(block).toContain('Missed legs on calls a colleague answered: 1 (not missed calls)');
      expect(block).toContain('Missed calls: 0 claimed · 0 called back · 0 reached');
    }
    expect(agentBlock(text, 'Eve Bernard')).toContain(
      'Legs: 1 offered · 1 answered · 0 rang out · 0 declined (0 missed legs)',
    );
    expect(agentBlock(text, 'Ben Martin')).toContain(
      'Legs: 3 offered · 0 answered · 1 rang out · 2 declined (3 missed legs)',
    );
  });

  it('in Teams: the same figures, in the same words', async () => {
    const result = await ask(`summary ${DAY} agents`);
    const text = cardText(teamsAnswer(result).card).replace(/\\(.)/g, '$1');
    expect(text).toContain('3 inbound calls rang agents 9 times: 2 answered, 7 missed legs');
    expect(agentBlock(text, 'Chloé Durand')).toContain(
      'Missed legs on calls a colleague answered: 1 (not missed calls)',
    );
    expect(agentBlock(text, 'Ben Martin')).toContain(
      'Legs: 3 offered · 0 answered · 1 rang out · 2 declined (3 missed legs)',
    );
  });

  it('is for managers only', async () => {
    expect((await ask(`summary ${DAY} agents`, false)).kind).toBe('managers_only');
    expect((await ask('export week', false)).kind).toBe('managers_only');
  });
});
