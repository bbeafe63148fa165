/**
 * The Microsoft 365 Agents Playground as a local Microsoft Teams, for `npm run demo` and the browser test:
 * a mock tenant with a "Support" team and a "Callbacks" channel, a mock Bot Connector the bot replies to,
 * and a web UI. It runs offline: telemetry flags, no browser of its own, and a preloaded guard that refuses
 * every non-loopback connection and binds its server to 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const PLAYGROUND = {
  tenantId: '00000000-0000-0000-0000-0000000000001',
  bot: { id: '00000000-0000-0000-0000-00000000000011', name: 'Ringback' },
  team: { id: '19:ringback-support@thread.tacv2', name: 'Support' },
  channel: { id: '19:ringback-callbacks@thread.tacv2', name: 'Callbacks' },
  user: {
    id: 'user-id-0',
    name: 'Alex Wilber',
    email: 'alexw@example.com',
    aadObjectId: '00000000-0000-0000-0000-0000000000020',
  },
} as const;

const PEOPLE = [
  ['Megan Bowen', 'meganb'],
  ['Adele Vance', 'adelev'],
  ['Isaiah Langer', 'isaiahl'],
  ['Patti Fernandez', 'pattif'],
  ['Lynne Robbins', 'lynner'],
] as const;

/** The mock Teams context (schema https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json). */
export function playgroundConfigYaml(): string {
  const person = (id: string, name: string, alias: string, object: string) => {
    const [given, surname] = name.split(' ');
    return [
      `  - id: ${id}`,
      `    name: ${name}`,
      `    userPrincipleName: ${alias}@example.com`,
      `    aadObjectId: ${object}`,
      `    givenName: ${given}`,
      `    surname: ${surname}`,
      `    email: ${alias}@example.com`,
    ].join('\n');
  };
  return [
    'version: "0.1.1"',
    `tenantId: ${PLAYGROUND.tenantId}`,
    'bot:',
    `  id: ${PLAYGROUND.bot.id}`,
    `  name: ${PLAYGROUND.bot.name}`,
    'currentUser:',
    `  id: ${PLAYGROUND.user.id}`,
    `  name: ${PLAYGROUND.user.name}`,
    `  userPrincipleName: ${PLAYGROUND.user.email}`,
    `  aadObjectId: ${PLAYGROUND.user.aadObjectId}`,
    '  givenName: Alex',
    '  surname: Wilber',
    `  email: ${PLAYGROUND.user.email}`,
    'users:',
    ...PEOPLE.map(([name, alias], i) =>
      person(`user-id-${i + 1}`, name, alias, `00000000-0000-0000-0000-00000000002${i + 1}`),
    ),
    'personalChat:',
    '  id: ringback-personal-chat',
    'groupChat:',
    '  id: ringback-group-chat',
    '  name: Group Chat',
    'team:',
    `  id: "${PLAYGROUND.team.id}"`,
    `  name: ${PLAYGROUND.team.name}`,
    '  aadGroupId: 00000000-0000-0000-0000-000000000031',
    '  channels:',
    `    - id: "${PLAYGROUND.channel.id}"`,
    `      name: ${PLAYGROUND.channel.name}`,
    '',
  ].join('\n');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningPlayground {
  url: string;
  port: number;
  /** Where the bot sends its replies (the mock Bot Connector). */
  serviceUrl: string;
  /** Everything the playground printed, for error reports. */
  output(): string;
  /** Sends the bot the activity Teams sends when the app is added to the team. */
  addBotToTeam(): Promise<void>;
  /** A message as the current user; `mention` @mentions the bot (channel messages need it). */
  say(conversationId: string, text: string, options?: { mention?: boolean }): Promise<{ messageId: string }>;
  stop(): Promise<void>;
}

async function waitForPing(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the Agents Playground exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/_debug/ping`);
      if (res.ok && (await res.text()).includes('pong')) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the Agents Playground did not answer within ${timeoutMs} ms:\n${output()}`);
}

export async function startPlayground(options: {
  botEndpoint: string;
  port?: number;
  /** Print the playground's own output (the demo); tests keep it for error reports only. */
  echo?: boolean;
  timeoutMs?: number;
}): Promise<RunningPlayground> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'ringback-playground-'));
  const configPath = join(dir, 'playground.yml');
  writeFileSync(configPath, playgroundConfigYaml());
  const url = `http://127.0.0.1:${port}`;
  const serviceUrl = `${url}/_connector`;
  const cli = join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
  const guard = join(here, 'offline-guard.cjs');
  const child = spawn(
    process.execPath,
    [
      cli,
      '--app-endpoint',
      options.botEndpoint,
      '--port',
      String(port),
      '--service-url',
      serviceUrl,
      '--disable-telemetry',
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        APPLICATION_INSIGHTS_NO_STATSBEAT: '1',
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
        M365_AGENTS_PLAYGROUND_LOGFILE: join(dir, 'playground.log'),
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${guard}`.trim(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let printed = '';
  const collect = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-20_000);
    if (options.echo) process.stdout.write(`[playground] ${chunk.toString()}`);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const output = () => printed;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForPing(url, child, output, options.timeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`playground ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  return {
    url,
    port,
    serviceUrl,
    output,
    stop,
    async addBotToTeam() {
      const query = new URLSearchParams({ type: 'botAdded', conversationId: PLAYGROUND.team.id });
      const res = await fetch(`${url}/_internal/v1/customActivities/template?${query}`);
      if (!res.ok) throw new Error(`playground template: ${res.status} ${await res.text()}`);
      await post('/_internal/v1/customActivities', await res.json());
    },
    async say(conversationId, text, sayOptions = {}) {
      const mention = `<at>${PLAYGROUND.bot.name}</at>`;
      const body = sayOptions.mention
        ? {
            from: { id: PLAYGROUND.user.id },
            text: `${mention} ${text}`,
            textFormat: 'xml',
            mentions: [{ mentioned: { id: PLAYGROUND.bot.id, name: PLAYGROUND.bot.name }, text: mention }],
          }
        : { from: { id: PLAYGROUND.user.id }, text, textFormat: 'plain' };
      const res = await post(
        `/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
        body,
      );
      return (await res.json()) as { messageId: string };
    },
  };
}
