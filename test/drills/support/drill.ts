/**
 * What the process-level drills share: the drill entry built once per file (plain node, like production),
 * and a bench world (loopback fakes with the vendors' rate limits, a fresh database, the bench routing).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseRuntime, REPO_ROOT, type Runtime } from '../../bench/lib/build.js';
import { type BenchContext, startWorld, type World } from '../../bench/lib/context.js';
import type { DatabaseName } from '../../bench/lib/database.js';

const ENTRY = fileURLToPath(new URL('./entry.ts', import.meta.url));
export const DRILL_OUTPUT = join(REPO_ROOT, 'test-results', 'drills');

export interface Drill {
  ctx: BenchContext;
  runtime: Runtime;
  world(name: string, kind: DatabaseName): Promise<World>;
  cleanup(): void;
}

export async function prepareDrill(seed: number): Promise<Drill> {
  const outRoot = join(DRILL_OUTPUT, `build-${process.pid}-${randomBytes(3).toString('hex')}`);
  const runtime = await chooseRuntime('built', { outRoot, entry: ENTRY });
  const ctx: BenchContext = { runtime, outDir: DRILL_OUTPUT, seed, log: () => undefined };
  return {
    ctx,
    runtime,
    world: (name, kind) => startWorld(ctx, `${name}-${process.pid}`, kind),
    cleanup: () => rmSync(outRoot, { recursive: true, force: true }),
  };
}

/** Zendesk off: these drills are about calls and cards (Zendesk has a drill of its own). */
export const WITHOUT_ZENDESK = { ZENDESK_URL: '', ZENDESK_API_TOKEN: '', ZENDESK_EMAIL: '' };
