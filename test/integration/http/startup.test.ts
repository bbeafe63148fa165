/** The real entry point as a child process: what a newcomer sees on `npm start` with nothing configured. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AIRCALL_TOKEN, aircallBody, callerNumber } from '../../bench/lib/calls.js';
import { TSX_IMPORT } from '../../helpers/processes/tsx.js';

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));

function start(
  cwd: string,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  let output = '';
  // Only what a bare shell has: no inherited Ringback variables.
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output, exit: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function waitFor<T>(check: () => T | null | Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const match = await check();
    if (match) return match;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm start', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  describe('with no environment and no routing file', () => {
    it('starts on SQLite, answers /healthz, says what is off and why, and stops on SIGTERM', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'ringback-start-'));
      const run = start(cwd);
      children.push(run.child);
      const [, port] = await waitFor(() => run.output().match(/listening on port (\d+)/));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', service: 'ringback' });

      const messages = run
        .output()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain(`store: SQLite ${join(cwd, 'data/ringback.db')} ready`);
      expect(messages.some((m) => m.startsWith('config: no routing file'))).toBe(true);
      for (const feature of ['slack', 'zendesk', 'aircall webhook', 'generic webhook', 'read api']) {
        expect(messages.filter((m) => m.startsWith(`${feature}: off (`))).toHaveLength(1);
      }

      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      expect(run.output()).toContain('"msg":"stopped"');
    });
  });

  describe('when it cannot start', () => {
    it('says in one line that PORT is taken, without a stack, and exits 1', async () => {
      const holder = createServer();
      await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
      const port = (holder.address() as AddressInfo).port;
      try {
        const run = start(mkdtempSync(join(tmpdir(), 'ringback-start-')), { PORT: String(port) });
        children.push(run.child);
        expect(await run.exit).toBe(1);
        const errors = run
          .output()
          .split('\n')
          .filter((line) => line.startsWith('ringback: '));
        expect(errors).toEqual([
          `ringback: failed to start: PORT ${port} is already in use (is Ringback already running?): stop what listens there, or set PORT to a free port`,
        ]);
        expect(run.output()).not.toMatch(/^\s+at /m);
      } finally {
        await new Promise((done) => holder.close(done));
      }
    });

    it('names DATABASE_URL without its password when the database refuses, and shows the stack at debug', async () => {
      const env = { DATABASE_URL: 'postgres://ringback:s3cret-pw@127.0.0.1:1/ringback' };
      const run = start(mkdtempSync(join(tmpdir(), 'ringback-start-')), env);
      children.push(run.child);
      expect(await run.exit).toBe(1);
      expect(run.output()).toContain(
        'ringback: failed to start: the database at DATABASE_URL postgres://ringback:***@127.0.0.1:1/ringback could not be reached (ECONNREFUSED)',
      );
      expect(run.output()).not.toContain('s3cret-pw');
      expect(run.output()).not.toMatch(/^\s+at /m);

      const debug = start(mkdtempSync(join(tmpdir(), 'ringback-start-')), { ...env, LOG_LEVEL: 'debug' });
      children.push(debug.child);
      expect(await debug.exit).toBe(1);
      expect(debug.output()).toMatch(/^\s+at /m);
    });
  });

  describe('with RINGBACK_THREADS=2', () => {
    it('starts its jobs thread, ingests a webhook through the inbox, and stops both threads', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'ringback-start-'));
      const run = start(cwd, {
        RINGBACK_THREADS: '2',
        AIRCALL_WEBHOOK_TOKEN: AIRCALL_TOKEN,
        RINGBACK_API_TOKEN: 'startup-test-api-token-0123456789',
      });
      children.push(run.child);
      const [, port] = await waitFor(() => run.output().match(/listening on port (\d+)/));
      const base = `http://127.0.0.1:${port}`;
      // (That /readyz answers 503 until then is tested in test/integration/threads/split.test.ts.)
      await waitFor(() => (run.output().includes('jobs: running on their own thread') ? true : null));
      let ready = 0;
      for (let i = 0; i < 40 && ready !== 200; i++) {
        ready = (await fetch(`${base}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).toBe(200);

      const caller = callerNumber(7);
      const body = aircallBody(
        {
          id: 91_000_001,
          caller,
          line: '+15550000001',
          direction: 'inbound',
          answered: false,
          startedAt: Math.floor(Date.now() / 1000) - 60,
          durationSeconds: 20,
        },
        'call.ended',
      );
      const post = () =>
        fetch(`${base}/webhooks/aircall`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        });
      expect((await post()).status).toBe(200);
      expect(existsSync(join(cwd, 'data/ringback.db.inbox'))).toBe(true);
      const stored = await waitFor(async () => {
        const answer = await fetch(`${base}/api/calls`, {
          headers: { authorization: 'Bearer startup-test-api-token-0123456789' },
        });
        const { calls } = (await answer.json()) as { calls: { caller: { number: string } }[] };
        return calls.length > 0 ? calls : null;
      });
      expect(stored.map((call) => call.caller.number)).toEqual([caller]);
      // The same delivery again is a duplicate, answered at once from the inbox.
      const again = await post();
      expect(again.status).toBe(200);

      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      const stops = run
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"stopped"'));
      expect(stops).toHaveLength(2);
      expect(stops.filter((line) => line.includes('"thread":"jobs"'))).toHaveLength(1);
    });
  });

  describe('with a broken routing file', () => {
    it('exits with code 2 and one line per problem', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'ringback-start-'));
      writeFileSync(
        join(cwd, 'ringback.yaml'),
        'timezone: Nowhere/Else\nlines: [{ name: A, match: "*", slack: { channel: general } }]\n',
      );
      const run = start(cwd);
      children.push(run.child);
      expect(await run.exit).toBe(2);
      expect(run.output()).toContain('ringback.yaml timezone: expected an IANA time zone');
      expect(run.output()).toContain(
        'ringback.yaml lines[0].slack.channel: expected a Slack channel id like C0123456789',
      );
    });

    it('exits with code 2 and one line, not a stack trace, for a .env it cannot read', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'ringback-start-'));
      mkdirSync(join(cwd, '.env'));
      const run = start(cwd);
      children.push(run.child);
      expect(await run.exit).toBe(2);
      expect(run.output()).toMatch(/^ringback: \.env: /);
      expect(run.output()).not.toContain('    at ');
    });
  });
});
