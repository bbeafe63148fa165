import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../src/config/env.js';
import { loadConfig, parseRouting } from '../../../src/config/load.js';
import { DEFAULT_ROUTING_YAML } from '../../../src/config/routing.js';
import type { DoctorContext } from '../../../src/doctor/context.js';
import { routingChecks } from '../../../src/doctor/local.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';

const SLACK_ON = { SLACK_BOT_TOKEN: 'xoxb-doctor', SLACK_SIGNING_SECRET: 'signing-secret' };
const TEAMS_ON = {
  MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
  MicrosoftAppPassword: 'teams-password',
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: '00000000-0000-0000-0000-000000000002',
};

function checksOf(
  yaml: string,
  environment: Record<string, string> = { ...SLACK_ON, ...TEAMS_ON },
  routingSource = 'ringback.yaml',
) {
  const context: DoctorContext = {
    env: envSchema.parse(environment),
    routing: parseRouting(yaml, routingSource),
    timeoutMs: 1_000,
    teamsTokenUrl: 'http://127.0.0.1:1/token',
    logger: createLogger({ level: 'silent', secrets: [] }),
    metrics: new Metrics({ defaultMetrics: false }),
  };
  return routingChecks({ routingSource, doctorWarnings: [] }, context);
}

const MANAGERS = 'managers: { slack: [U0123456789] }\n';

describe('the doctor on where the routing file posts', () => {
  it('says ok, and nothing else, when every line has a channel on a surface that is on', () => {
    const checks = checksOf(`
lines:
  - { name: Support FR, match: { aircallNumber: "+33 1 76 36 06 95" }, slack: { channel: C0123456789 } }
  - { name: Everything else, match: "*", teams: { channel: "19:abc@thread.tacv2" } }
${MANAGERS}`);
    expect(checks.map((c) => [c.status, c.name, c.detail])).toEqual([
      ['ok', 'file', 'ringback.yaml: 2 line(s), 2 posting to a channel'],
    ]);
  });

  it('warns, naming them, about lines with neither a slack nor a teams channel', () => {
    const checks = checksOf(`
lines:
  - { name: Support FR, match: { aircallNumber: "+33 1 76 36 06 95" }, slack: { channel: C0123456789 } }
  - { name: Back office, match: { genericLine: back-office } }
  - { name: Everything else, match: "*" }
${MANAGERS}`);
    const warning = checks.find((c) => c.name === 'lines without a channel');
    expect(warning).toMatchObject({
      status: 'warn',
      detail:
        'lines "Back office", "Everything else" have neither a slack nor a teams channel: their calls are stored but no card is posted',
      docs: 'README.md#routing-file',
    });
    expect(checks.some((c) => c.status === 'fail')).toBe(false);
  });

  it('says a priority rule’s channel still gets the high calls of a line without one', () => {
    const checks = checksOf(`
lines: [{ name: Everything else, match: "*" }]
priority: [{ when: { callbackRequested: true }, level: high, slack: { channel: C0VIP000000 } }]
${MANAGERS}`);
    expect(checks.find((c) => c.name === 'lines without a channel')?.detail).toBe(
      'line "Everything else" has neither a slack nor a teams channel: its calls are stored but no card is posted (but in a priority rule’s channel, for the calls it makes high)',
    );
  });

  it('says nothing of a line whose every call a high rule posts in its channel', () => {
    const checks = checksOf(
      `
lines: [{ name: VIP, match: { genericLine: vip } }]
priority: [{ when: { line: VIP }, level: high, slack: { channel: C0999999999 } }]
${MANAGERS}`,
      SLACK_ON,
    );
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    // A rule naming the line among others does as much, on the other surface.
    const everyLine = checksOf(`
lines:
  - { name: Support FR, match: { genericLine: fr }, slack: { channel: C0123456789 } }
  - { name: VIP, match: { genericLine: vip } }
priority: [{ when: { line: [Support FR, VIP] }, level: high, teams: { channel: "19:abc@thread.tacv2" } }]
${MANAGERS}`);
    expect(everyLine.filter((c) => c.status !== 'ok')).toEqual([]);
  });

  it('says a rule’s channel gets a line’s high calls only where a high rule on a surface that is on may hold', () => {
    const bare = (priority: string) =>
      checksOf(
        `
lines:
  - { name: Support FR, match: { genericLine: fr }, slack: { channel: C0123456789 } }
  - { name: Archive, match: { genericLine: archive } }
priority: [${priority}]
${MANAGERS}`,
        SLACK_ON,
      ).find((c) => c.name === 'lines without a channel')?.detail;
    const plain =
      'line "Archive" has neither a slack nor a teams channel: its calls are stored but no card is posted';
    const partial = `${plain} (but in a priority rule’s channel, for the calls it makes high)`;
    // Another line's rule, a normal rule, a rule on a surface that is off, a rule never reached.
    expect(bare('{ when: { line: Support FR }, level: high, slack: { channel: C0999999999 } }')).toBe(plain);
    expect(
      bare('{ when: { callbackRequested: false }, level: normal, slack: { channel: C0999999999 } }'),
    ).toBe(plain);
    expect(bare('{ when: { line: Archive }, level: high, teams: { channel: "19:abc@thread.tacv2" } }')).toBe(
      plain,
    );
    expect(
      bare(`{ when: { line: Archive }, level: normal },
  { when: { line: Archive, callbackRequested: true }, level: high, slack: { channel: C0999999999 } }`),
    ).toBe(plain);
    // Some calls: a rule with another condition, or one after a rule that may take some calls first.
    expect(
      bare(
        '{ when: { line: Archive, callbackRequested: true }, level: high, slack: { channel: C0999999999 } }',
      ),
    ).toBe(partial);
    expect(
      bare(`{ when: { zendeskTag: vip }, level: normal },
  { when: { line: Archive }, level: high, slack: { channel: C0999999999 } }`),
    ).toBe(partial);
  });

  it('names only the lines a rule’s channel reaches in part among several without a channel', () => {
    const checks = checksOf(`
lines:
  - { name: Archive, match: { genericLine: archive } }
  - { name: VIP, match: { genericLine: vip } }
priority: [{ when: { line: VIP, repeatCalls: { atLeast: 2 } }, level: high, slack: { channel: C0999999999 } }]
${MANAGERS}`);
    expect(checks.find((c) => c.name === 'lines without a channel')?.detail).toBe(
      'lines "Archive", "VIP" have neither a slack nor a teams channel: their calls are stored but no card is posted (but for "VIP", in a priority rule’s channel, for the calls it makes high)',
    );
  });

  it('warns when the routing file has no lines at all', () => {
    const checks = checksOf(MANAGERS);
    expect(checks.find((c) => c.name === 'lines')).toMatchObject({
      status: 'warn',
      detail: 'no lines: every call is stored but posted nowhere',
    });
  });

  it('warns that the cards of a line go nowhere when its only channel is on a surface that is off', () => {
    const yaml = `
lines:
  - { name: Slack only, match: { genericLine: a }, slack: { channel: C0123456789 } }
  - { name: Teams only, match: { genericLine: b }, teams: { channel: "19:abc@thread.tacv2" } }
  - { name: Both, match: "*", slack: { channel: C0123456789 }, teams: { channel: "19:abc@thread.tacv2" } }
${MANAGERS}`;
    const teamsOff = checksOf(yaml, SLACK_ON).find((c) => c.name === 'lines on a surface that is off');
    expect(teamsOff).toMatchObject({ status: 'warn' });
    expect(teamsOff?.detail).toMatch(
      /^line "Teams only" posts only where Ringback does not: Teams is off \(MicrosoftAppId is unset.*\), so its cards go nowhere$/,
    );
    const bothOff = checksOf(yaml, {}).find((c) => c.name === 'lines on a surface that is off');
    expect(bothOff?.detail).toMatch(
      /^lines "Slack only", "Teams only", "Both" post only where Ringback does not: Slack is off \(SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET are unset\); Teams is off/,
    );
    expect(checksOf(yaml).some((c) => c.name === 'lines on a surface that is off')).toBe(false);
  });

  it('counts a high rule’s channel on a surface that is on for a line whose own channel is on one that is off', () => {
    const vip = (priority: string) =>
      checksOf(
        `
lines: [{ name: VIP, match: { genericLine: vip }, slack: { channel: C0123456789 } }]
priority: [${priority}]
${MANAGERS}`,
        TEAMS_ON,
      ).find((c) => c.name === 'lines on a surface that is off')?.detail;
    expect(
      vip('{ when: { line: VIP }, level: high, teams: { channel: "19:abc@thread.tacv2" } }'),
    ).toBeUndefined();
    expect(
      vip(
        '{ when: { line: VIP, callbackRequested: true }, level: high, teams: { channel: "19:abc@thread.tacv2" } }',
      ),
    ).toMatch(
      /^line "VIP" posts only where Ringback does not: Slack is off \(.*\), so its cards go nowhere \(but in a priority rule’s channel, for the calls it makes high\)$/,
    );
    expect(vip('{ when: { line: VIP }, level: high, slack: { channel: C0999999999 } }')).toMatch(
      /^line "VIP" posts only where Ringback does not: Slack is off \(.*\), so its cards go nowhere$/,
    );
  });

  it('does not repeat the missing routing file’s warning for its built-in line', () => {
    const checks = checksOf(DEFAULT_ROUTING_YAML, {}, 'built-in default');
    expect(checks.map((c) => [c.status, c.name])).toEqual([['warn', 'file']]);
  });
});

describe('the doctor on what startup warns about', () => {
  it('reports an escalation step to the managers when none are set, as startup does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const file = join(dir, 'ringback.yaml');
    writeFileSync(
      file,
      'lines:\n  - { name: Support, match: "*", slack: { channel: C0123456789 }, escalate: [ { after: 15m, notify: "@here", to: managers } ] }\n',
    );
    const config = loadConfig({ ...SLACK_ON, RINGBACK_CONFIG: file });
    const context: DoctorContext = {
      env: config.env,
      routing: config.routing,
      timeoutMs: 1_000,
      teamsTokenUrl: 'http://127.0.0.1:1/token',
      logger: createLogger({ level: 'silent', secrets: [] }),
      metrics: new Metrics({ defaultMetrics: false }),
    };
    const warnings = routingChecks(config, context).filter((check) => check.status === 'warn');
    expect(warnings.map((check) => check.detail)).toEqual([
      expect.stringMatching(
        /^lines "Support" escalate step 1 goes to the managers, but none are set .*: it will tell nobody$/,
      ),
      'no managers: nobody can ask for summaries or release other people’s claims',
    ]);
  });
});
