import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_ENV_KEYS } from '../../../src/config/env.js';
import { TSX_IMPORT } from '../../helpers/processes/tsx.js';
import { MANIFEST_SCOPES } from '../../mocks/fakeSlack.js';
import {
  AIRCALL_NUMBER,
  MANAGER,
  PRIVATE_CHANNEL,
  ROUTING_YAML,
  SUPPORT_CHANNEL,
  startWorld,
  TEAMS_CHANNEL,
  type World,
} from './world.js';

const CLI = fileURLToPath(new URL('../../../src/doctor/cli.ts', import.meta.url));

/** Lines of the report that failed, with their fix and guide lines. */
function failures(text: string): string {
  return text
    .split('\n')
    .filter(
      (line, i, all) =>
        line.startsWith('FAIL') ||
        (/^\s+(fix|see):/.test(line) &&
          all
            .slice(0, i)
            .reverse()
            .find((l) => !/^\s/.test(l))
            ?.startsWith('FAIL')),
    )
    .join('\n');
}

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

describe('npm run doctor against the vendors (fakes)', () => {
  it('reports every configured integration working when everything is right', async () => {
    const { healthy, text } = await world.doctor();
    expect(failures(text)).toBe('');
    expect(healthy).toBe(true);
    expect(text).toMatch(/^ok {3}slack token: SLACK_BOT_TOKEN works/m);
    expect(text).toMatch(/^ok {3}slack scopes:/m);
    expect(text).toContain(`ok   slack channel ${SUPPORT_CHANNEL}`);
    expect(text).toContain(`ok   slack channel ${PRIVATE_CHANNEL}`);
    expect(text).toContain(`ok   slack manager ${MANAGER}`);
    expect(text).toMatch(/^ok {3}teams credentials:/m);
    expect(text).toContain(`ok   teams channel ${TEAMS_CHANNEL}`);
    expect(text).toMatch(/^ok {3}zendesk credentials:/m);
    expect(text).toContain(`ok   aircall number ${AIRCALL_NUMBER}`);
    expect(text).toContain('ok   aircall agent ana@example.com: known to Slack and Zendesk');
    expect(text).toMatch(/^ok {3}database connection:/m);
    expect(text).toContain('everything configured works');
    // Every request the doctor sent is one the vendors' specs know.
    expect(world.slack.errors).toEqual([]);
    expect(world.zendesk.specProblems).toEqual([]);
    expect(world.teams.invalidRequests).toEqual([]);
  });

  it('names ZENDESK_API_TOKEN when Zendesk refuses the token', async () => {
    const { healthy, text } = await world.doctor({ ZENDESK_API_TOKEN: 'not-the-right-zendesk-token' });
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(/FAIL zendesk credentials: 401 .*ZENDESK_API_TOKEN/);
    expect(failures(text)).toContain('see: docs/zendesk-setup.md#1-api-token');
  });

  it('names a scope of the manifest that the token was not granted, and how to add it', async () => {
    const narrow = await startWorld({
      slackScopes: [
        ...MANIFEST_SCOPES.filter((s) => s !== 'users:read.email'),
        'channels:read',
        'groups:read',
      ],
    });
    try {
      const { healthy, text } = await narrow.doctor();
      expect(healthy).toBe(false);
      expect(failures(text)).toMatch(/FAIL slack scopes: missing scope: users:read\.email/);
      expect(failures(text)).toMatch(/fix: .*Bot Token Scopes add users:read\.email.*reinstall/);
    } finally {
      await narrow.close();
    }
  });

  it('names a routed channel the bot cannot see (channel_not_found)', async () => {
    const routing = ROUTING_YAML.replace(`channel: ${PRIVATE_CHANNEL}`, 'channel: G0NOTINVITE1');
    const { healthy, text } = await world.doctor({}, routing);
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(
      /FAIL slack channel G0NOTINVITE1: channel_not_found: G0NOTINVITE1 \(line "VIP"\)/,
    );
    expect(failures(text)).toContain('/invite @Ringback');
  });

  it('names an Aircall number the account does not have', async () => {
    const routing = ROUTING_YAML.replace(AIRCALL_NUMBER, '+33 1 99 99 99 99');
    const { healthy, text } = await world.doctor({}, routing);
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(
      /FAIL aircall number \+33 1 99 99 99 99: .*not a number of this Aircall account/,
    );
    expect(failures(text)).toContain(AIRCALL_NUMBER);
  });

  it('names a manager id that Slack does not know', async () => {
    const routing = ROUTING_YAML.replace(`slack: [${MANAGER}]`, 'slack: [U0NOBODY0001]');
    const { healthy, text } = await world.doctor({}, routing);
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(/FAIL slack manager U0NOBODY0001: user_not_found/);
    expect(failures(text)).toContain('managers.slack');
  });

  it('names an Aircall agent whose e-mail Slack and Zendesk do not know', async () => {
    world.aircall.users.push({ id: 12, name: 'Ben', email: 'ben.personal@example.org' });
    world.aircall.numbers[0]?.userIds?.push(12);
    try {
      const { healthy, text } = await world.doctor();
      expect(healthy).toBe(false);
      expect(failures(text)).toMatch(
        /FAIL aircall agent ben\.personal@example\.org: .*unknown to Slack and Zendesk/,
      );
    } finally {
      world.aircall.users.pop();
      world.aircall.numbers[0]?.userIds?.pop();
    }
  });

  it('names MicrosoftAppPassword when Entra ID refuses the secret, and a Teams channel never seen', async () => {
    const routing = ROUTING_YAML.replace(TEAMS_CHANNEL, '19:unseen@thread.tacv2');
    const { healthy, text } = await world.doctor(
      { MicrosoftAppPassword: 'an-expired-teams-secret' },
      routing,
    );
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(/FAIL teams credentials: invalid_client.*\n.*MicrosoftAppPassword/);
    expect(failures(text)).toMatch(/FAIL teams channel 19:unseen@thread\.tacv2: the bot has never seen/);
  });

  it('says the Teams playground is on instead of checking credentials, and refuses it in production', async () => {
    const noApp = {
      MicrosoftAppId: '',
      MicrosoftAppPassword: '',
      MicrosoftAppType: '',
      MicrosoftAppTenantId: '',
    };
    const local = await world.doctor({ ...noApp, RINGBACK_TEAMS_PLAYGROUND: '1' });
    expect(local.text).toMatch(/^WARN teams mode: PLAYGROUND/m);
    expect(local.healthy).toBe(true);
    const production = await world.doctor({
      ...noApp,
      RINGBACK_TEAMS_PLAYGROUND: '1',
      NODE_ENV: 'production',
    });
    expect(production.healthy).toBe(false);
    expect(failures(production.text)).toMatch(/FAIL teams mode: RINGBACK_TEAMS_PLAYGROUND=1 is refused/);
  });

  it('fails when the Teams bot accepts no tenant, as the server then refuses every activity', async () => {
    const { healthy, text } = await world.doctor({
      MicrosoftAppType: 'MultiTenant',
      MicrosoftAppTenantId: '',
    });
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(/FAIL teams tenants: no tenant is accepted/);
  });

  it('refuses the playground with NODE_ENV in any case, as the server does', async () => {
    const { healthy, text } = await world.doctor({
      MicrosoftAppId: '',
      MicrosoftAppPassword: '',
      MicrosoftAppType: '',
      MicrosoftAppTenantId: '',
      RINGBACK_TEAMS_PLAYGROUND: '1',
      NODE_ENV: 'Production',
    });
    expect(healthy).toBe(false);
    expect(failures(text)).toMatch(/FAIL teams mode: RINGBACK_TEAMS_PLAYGROUND=1 is refused/);
  });

  it('checks the channels that priority rules post to', async () => {
    const routing = `${ROUTING_YAML}priority:\n  - { name: Callback requests, when: { callbackRequested: true }, level: high, slack: { channel: C0NOSUCH999 } }\n`;
    const { healthy, text } = await world.doctor({}, routing);
    expect(healthy).toBe(false);
    expect(text).toMatch(/FAIL slack channel C0NOSUCH999.*priority "Callback requests"/);
  });

  it('fails naming the scopes, and warns that it cannot check channels, for an app installed from an older manifest', async () => {
    const olderInstall = await startWorld({
      slackScopes: MANIFEST_SCOPES.filter((s) => s !== 'channels:read' && s !== 'groups:read'),
    });
    try {
      const { healthy, text } = await olderInstall.doctor();
      expect(healthy).toBe(false);
      expect(failures(text)).toMatch(/FAIL slack scopes: missing scopes: channels:read, groups:read/);
      expect(text).toMatch(
        new RegExp(`^WARN slack channel ${SUPPORT_CHANNEL}: not checked .*channels:read`, 'm'),
      );
    } finally {
      await olderInstall.close();
    }
  });

  it('never prints a secret of the environment, even when every credential is wrong', async () => {
    const wrong = {
      SLACK_BOT_TOKEN: 'xoxb-wrong-but-secret-1',
      MicrosoftAppPassword: 'wrong-but-secret-2',
      ZENDESK_API_TOKEN: 'wrong-but-secret-3',
      AIRCALL_API_TOKEN: 'wrong-but-secret-4',
    };
    for (const overrides of [{}, wrong]) {
      const { text, config } = await world.doctor(overrides);
      const secrets = SECRET_ENV_KEYS.map((key) => config.env[key]).filter((v): v is string => Boolean(v));
      expect(secrets.length).toBeGreaterThanOrEqual(9);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  it('exits 0 as a real process when everything works, and 1 naming the fix when not', async () => {
    const routingPath = join(world.dir, 'cli-ringback.yaml');
    writeFileSync(routingPath, ROUTING_YAML);
    const run = (overrides: Record<string, string>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', TSX_IMPORT, CLI], {
          cwd: world.dir,
          env: {
            PATH: process.env.PATH ?? '',
            ...world.env,
            RINGBACK_CONFIG: routingPath,
            RINGBACK_TEAMS_TOKEN_URL: world.teams.tokenUrl,
            ...overrides,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on('exit', (code) => resolve({ code, output }));
      });
    const good = await run({});
    expect(good.output).toContain('everything configured works');
    expect(good.code).toBe(0);
    const bad = await run({ ZENDESK_API_TOKEN: 'not-the-right-zendesk-token' });
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('ZENDESK_API_TOKEN');
    expect(bad.output).not.toContain('not-the-right-zendesk-token');
  }, 120_000);
});
