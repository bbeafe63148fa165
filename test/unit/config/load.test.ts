import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { parseDatabaseUrl } from '../../../src/store/db.js';

function missingFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'rb-')), 'absent.yaml');
}

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  describe('with no environment and no routing file', () => {
    it('starts on SQLite with one line that posts nowhere, and warns', () => {
      const dir = mkdtempSync(join(tmpdir(), 'rb-'));
      const config = loadConfig({}, { cwd: dir });
      expect(config.database).toEqual({ dialect: 'sqlite', path: './data/ringback.db' });
      expect(config.env.PORT).toBe(3000);
      expect(config.routing.lines).toEqual([expect.objectContaining({ name: 'Default', match: '*' })]);
      expect(config.routing.lines[0]?.slack).toBeUndefined();
      expect(config.warnings[0]).toContain('calls are stored but posted nowhere');
    });
  });

  it('warns about an escalation step to the managers when no manager can be reached, and only then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const ladder = `lines:\n  - name: Support\n    match: "*"\n    escalate: [ { after: 15m, notify: "@here", to: managers } ]\n`;
    writeFileSync(join(dir, 'ringback.yaml'), ladder);
    const managerWarnings = () =>
      loadConfig({}, { cwd: dir }).warnings.filter((warning) => warning.includes('managers'));
    expect(managerWarnings()).toEqual([
      expect.stringContaining('lines "Support" escalate step 1 goes to the managers, but none are set'),
    ]);
    writeFileSync(join(dir, 'ringback.yaml'), `${ladder}managers: { slackChannel: C0MANAGERS1 }\n`);
    expect(managerWarnings()).toEqual([]);
  });

  describe('warns at startup about cards that would go nowhere', () => {
    const routed = 'lines: [{ name: Support, match: "*", slack: { channel: C0123456789 } }]\n';
    function warningsOf(yaml: string, env: Record<string, string>): string[] {
      const dir = mkdtempSync(join(tmpdir(), 'rb-'));
      writeFileSync(join(dir, 'ringback.yaml'), yaml);
      return loadConfig(env, { cwd: dir }).warnings;
    }

    it('when lines post in Slack but Slack is off for want of its signing secret', () => {
      expect(warningsOf(routed, { SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
        expect.stringMatching(
          /^line "Support" posts only where Ringback does not: Slack is off \(SLACK_SIGNING_SECRET is unset\), so its cards go nowhere/,
        ),
      ]);
      expect(warningsOf(routed, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual([]);
    });

    it('once per line whose only surface is off, and for a line that also posts where Slack is off', () => {
      expect(
        warningsOf(
          'lines: [{ name: Teams only, match: "*", teams: { channel: "19:a@thread.tacv2" } }]\n',
          {},
        ),
      ).toEqual([
        expect.stringMatching(
          /^line "Teams only" posts only where Ringback does not: Teams is off \(MicrosoftAppId is unset/,
        ),
      ]);
      const both =
        'lines: [{ name: Both, match: "*", slack: { channel: C0123456789 }, teams: { channel: "19:a@thread.tacv2" } }]\n';
      expect(warningsOf(both, { SLACK_BOT_TOKEN: 'xoxb-1', RINGBACK_TEAMS_PLAYGROUND: '1' })).toEqual([
        expect.stringMatching(
          /^line "Both" also posts in Slack, but Slack is off \(SLACK_SIGNING_SECRET is unset\): only its Teams cards are posted/,
        ),
      ]);
    });

    it('when there are no lines, or no line has a channel', () => {
      expect(warningsOf('lines: []\n', {})).toEqual([
        expect.stringMatching(/^no lines: every call is stored but posted nowhere/),
      ]);
      expect(warningsOf('lines: [{ name: Calls, match: "*" }]\n', {})).toEqual([
        expect.stringMatching(/^line "Calls" has neither a slack nor a teams channel/),
      ]);
    });
  });

  it('fails when a named routing file does not exist', () => {
    const path = missingFile();
    expect(problems({ RINGBACK_CONFIG: path })).toEqual([`RINGBACK_CONFIG: no file at ${path}`]);
  });

  it('fails naming RINGBACK_CONFIG when it names a directory, instead of crashing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    expect(problems({ RINGBACK_CONFIG: dir })).toEqual([
      `RINGBACK_CONFIG: ${dir} is not a file (a directory?)`,
    ]);
  });

  it('refuses a routing file over 1 MB before reading it (parsing 10 MB took 1.4 GB)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const path = join(dir, 'big.yaml');
    writeFileSync(path, `lines: []\n${'#'.repeat(1_100_000)}\n`);
    expect(problems({ RINGBACK_CONFIG: path })).toEqual([
      `RINGBACK_CONFIG: ${path} is 1.0 MB; expected a routing file under 1 MB`,
    ]);
  });

  it('reads blank PORT and RINGBACK_CONFIG as unset, like every other variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const config = loadConfig({ PORT: '', RINGBACK_CONFIG: '  ' }, { cwd: dir });
    expect(config.env.PORT).toBe(3000);
    expect(config.env.RINGBACK_CONFIG).toBe('./ringback.yaml');
    expect(config.warnings[0]).toContain('calls are stored but posted nowhere');
  });

  it('reads blank LOG_LEVEL, RINGBACK_THREADS and API URLs as unset, as the README says, instead of refusing to start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const config = loadConfig(
      { LOG_LEVEL: '', RINGBACK_THREADS: ' ', SLACK_API_URL: ' ', ZENDESK_URL: '', AIRCALL_API_URL: '\t' },
      { cwd: dir },
    );
    expect(config.env).toMatchObject({ LOG_LEVEL: 'info', RINGBACK_THREADS: '1' });
    expect(config.env.SLACK_API_URL).toBeUndefined();
    expect(config.env.ZENDESK_URL).toBeUndefined();
    expect(config.env.AIRCALL_API_URL).toBeUndefined();
  });

  it('warns when a Teams registration is set but unusable, so Teams stays off loudly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const config = loadConfig(
      {
        MicrosoftAppId: 'app',
        MicrosoftAppPassword: 'x',
        MicrosoftAppType: 'Single Tenant',
        MicrosoftAppTenantId: 't',
      },
      { cwd: dir },
    );
    expect(config.warnings).toContainEqual(
      expect.stringMatching(
        /^MicrosoftAppId is set but Teams is off: MicrosoftAppType "Single Tenant" is not one of/,
      ),
    );
  });

  it('reports bad environment values with the variable name', () => {
    const found = problems({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      RINGBACK_CONFIG: missingFile(),
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^LOG_LEVEL: /),
        expect.stringMatching(/^DATABASE_URL: expected postgres:/),
      ]),
    );
  });

  it("checks the admin's RINGBACK_CONFIG, not ./ringback.yaml, when another variable is bad", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    writeFileSync(join(dir, 'ringback.yaml'), 'lines: [ { name: Cwd, match: nope } ]\n');
    const custom = join(dir, 'custom.yaml');
    writeFileSync(custom, 'timezone: Mars/Olympus\nlines: []\n');
    let found: string[] = [];
    try {
      loadConfig(
        { PORT: 'abc', RINGBACK_CONFIG: custom, SLACK_API_URL: 'http://127.0.0.1:9/api' },
        { cwd: dir },
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      found = error.problems;
    }
    expect(found).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/\/custom\.yaml timezone: /),
      'SLACK_API_URL: must end with a slash, e.g. https://slack.com/api/',
    ]);
  });

  it('insists on the trailing slash of SLACK_API_URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const file = join(dir, 'r.yaml');
    writeFileSync(file, 'lines: []');
    expect(problems({ RINGBACK_CONFIG: file, SLACK_API_URL: 'http://127.0.0.1:9/api' })).toEqual([
      'SLACK_API_URL: must end with a slash, e.g. https://slack.com/api/',
    ]);
  });

  it('collects every secret so the logger can hide them, including a database password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-'));
    const file = join(dir, 'r.yaml');
    writeFileSync(file, 'lines: []');
    const config = loadConfig({
      RINGBACK_CONFIG: file,
      SLACK_BOT_TOKEN: 'xoxb-secret-1',
      ZENDESK_API_TOKEN: 'zd-secret-2',
      DATABASE_URL: 'postgres://app:p%40ss-word@db:5432/ringback',
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['xoxb-secret-1', 'zd-secret-2', 'p@ss-word']));
  });
});

describe('parseDatabaseUrl', () => {
  it.each([
    [undefined, { dialect: 'sqlite', path: './data/ringback.db' }],
    ['sqlite:./x.db', { dialect: 'sqlite', path: './x.db' }],
    ['sqlite:///tmp/x.db', { dialect: 'sqlite', path: '/tmp/x.db' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
    ['postgres://u@h/db', { dialect: 'postgres', url: 'postgres://u@h/db' }],
    ['postgresql://u@h/db', { dialect: 'postgres', url: 'postgresql://u@h/db' }],
    ['postgres://u:p@ss@h/db', { dialect: 'postgres', url: 'postgres://u:p@ss@h/db' }],
  ])('reads %s', (url, target) => {
    expect(parseDatabaseUrl(url)).toEqual(target);
  });

  it('explains what it accepts', () => {
    expect(parseDatabaseUrl('mysql://x')).toMatch(/expected postgres/);
    expect(parseDatabaseUrl('sqlite:')).toMatch(/expected sqlite:PATH/);
  });

  it('refuses a URL the driver cannot read, saying how to write the password, instead of a stack trace later', () => {
    for (const url of ['postgres://u:pa#ss@127.0.0.1:1/db', 'postgres://u:pa/ss@127.0.0.1:1/db']) {
      expect(parseDatabaseUrl(url)).toMatch(/not a valid URL; percent-encode .*# → %23/);
    }
  });
});
