/**
 * A correctly wired installation against the fakes: Slack, Teams (Entra ID token endpoint), Zendesk and
 * Aircall agree with the routing file, and the database has seen the routed Teams channel. Each test breaks
 * one thing and reads the doctor's report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../../src/config/load.js';
import { formatReport, runDoctor } from '../../../src/doctor/run.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { type FakeAircall, startFakeAircall } from '../../mocks/fakeAircall.js';
import { type FakeSlack, MANIFEST_SCOPES, startFakeSlack } from '../../mocks/fakeSlack.js';
import { FakeTeams } from '../../mocks/fakeTeams.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

export const SUPPORT_CHANNEL = 'C0SUPPORT01';
export const PRIVATE_CHANNEL = 'G0PRIVATE01';
export const TEAMS_CHANNEL = '19:callbacks@thread.tacv2';
export const MANAGER = 'U0MANAGER01';
export const AIRCALL_NUMBER = '+33 1 76 36 06 95';

export const ROUTING_YAML = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "${AIRCALL_NUMBER}" }
    slack: { channel: ${SUPPORT_CHANNEL} }
    teams: { channel: "${TEAMS_CHANNEL}" }
  - name: VIP
    match: { number: "+33 1 00 00 00 00" }
    slack: { channel: ${PRIVATE_CHANNEL} }
managers: { slack: [${MANAGER}] }
`;

export interface World {
  slack: FakeSlack;
  teams: FakeTeams;
  zendesk: FakeZendesk;
  aircall: FakeAircall;
  dir: string;
  /** The environment of a correct installation (secrets included). */
  env: Record<string, string>;
  config(overrides?: Record<string, string>, routingYaml?: string): Config;
  doctor(
    overrides?: Record<string, string>,
    routingYaml?: string,
  ): Promise<{ healthy: boolean; text: string; config: Config }>;
  close(): Promise<void>;
}

export async function startWorld(options: { slackScopes?: string[] } = {}): Promise<World> {
  const slack = await startFakeSlack({
    token: 'xoxb-doctor-secret-token',
    scopes: options.slackScopes ?? MANIFEST_SCOPES,
    knownUsersOnly: true,
  });
  slack.addChannel({ id: SUPPORT_CHANNEL, name: 'support-fr' });
  slack.addChannel({ id: PRIVATE_CHANNEL, name: 'vip', isPrivate: true });
  slack.addUser({ id: MANAGER, name: 'mia', realName: 'Mia Chen', email: 'mia@example.com' });
  slack.addUser({ id: 'U0ANA000001', name: 'ana', realName: 'Ana Lima', email: 'ana@example.com' });

  const teams = await FakeTeams.start();
  teams.botCredentials = { appId: 'doctor-app-id', password: 'doctor-app-secret-value' };

  const zendesk = await new FakeZendesk({ token: 'zendesk-doctor-secret' }).start();
  zendesk.addAgent('Ana Lima', 'ana@example.com');

  const aircall = await startFakeAircall({
    apiId: 'aircall-doctor-id',
    apiToken: 'aircall-doctor-secret',
    users: [{ id: 11, name: 'Ana Lima', email: 'ana@example.com' }],
    numbers: [{ id: 501, name: 'Support FR', digits: AIRCALL_NUMBER, userIds: [11] }],
  });

  const dir = mkdtempSync(join(tmpdir(), 'ringback-doctor-'));
  const databaseUrl = `sqlite:${join(dir, 'ringback.db')}`;
  const store = new Store(openDatabase({ dialect: 'sqlite', path: join(dir, 'ringback.db') }));
  await store.migrate();
  await store.teams.saveChannels(
    [
      {
        channelId: TEAMS_CHANNEL,
        teamId: '19:team@thread.tacv2',
        teamName: 'Support',
        channelName: 'Callbacks',
        tenantId: 'tenant-1',
        serviceUrl: teams.serviceUrl,
        botId: '28:doctor-app-id',
        botName: 'Ringback',
      },
    ],
    Date.now(),
  );
  await store.close();

  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: 'slack-doctor-signing-secret',
    SLACK_API_URL: slack.url,
    MicrosoftAppId: 'doctor-app-id',
    MicrosoftAppPassword: 'doctor-app-secret-value',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: 'tenant-1',
    ZENDESK_URL: zendesk.url,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.token,
    ZENDESK_WEBHOOK_SECRET: 'zendesk-doctor-webhook-secret',
    AIRCALL_API_ID: aircall.apiId,
    AIRCALL_API_TOKEN: aircall.apiToken,
    AIRCALL_WEBHOOK_TOKEN: 'aircall-doctor-webhook-token',
    AIRCALL_API_URL: aircall.url,
    RINGBACK_WEBHOOK_SECRET: 'generic-doctor-webhook-secret-long-and-random',
    RINGBACK_API_TOKEN: 'read-api-doctor-token-long-enough-to-pass',
  };

  const config = (overrides: Record<string, string> = {}, routingYaml = ROUTING_YAML): Config => {
    const routingPath = join(dir, `ringback-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(routingPath, routingYaml);
    return loadConfig({ ...env, RINGBACK_CONFIG: routingPath, ...overrides });
  };

  return {
    slack,
    teams,
    zendesk,
    aircall,
    dir,
    env,
    config,
    async doctor(overrides, routingYaml) {
      const built = config(overrides, routingYaml);
      const report = await runDoctor(built, {
        logger: createLogger({ level: 'silent', secrets: built.secrets }),
        metrics: new Metrics(),
        timeoutMs: 15_000,
        teamsTokenUrl: teams.tokenUrl,
      });
      return { healthy: report.healthy, text: formatReport(report), config: built };
    },
    async close() {
      await Promise.all([slack.close(), teams.close(), zendesk.stop(), aircall.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
