/**
 * `npm run bench`: builds Ringback, runs each load profile of design.md ("Figures to reach") against a
 * separate Ringback process and loopback fakes that enforce the vendors' rate limits, then prints one
 * table (figure, target, measured, PASS/FAIL) and writes test-results/bench.json.
 *
 *   npm run bench                       every scenario (about 9 minutes on 2 cores)
 *   npm run bench -- --only=storm,size  some of them
 *   BENCH_SEED=7 npm run bench          another seed for the random parts (kill points, event mixes)
 *   npm run bench -- --profile          also write a CPU profile of each Ringback process
 *                                       (test-results/bench/profiles, open in Chrome DevTools)
 *   npm run bench -- --runtime=tsx      run src/main.ts through tsx instead of the built JavaScript
 *
 * Measured honestly: a missed target is a FAIL with its number, never a tuned measurement.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_OUTPUT, chooseRuntime, REPO_ROOT } from './lib/build.js';
import type { BenchContext, Scenario } from './lib/context.js';
import { seedFrom } from './lib/random.js';
import { type FigureResult, printTable, writeJson } from './lib/report.js';
import { ack } from './scenarios/ack.js';
import { budget } from './scenarios/budget.js';
import { claimRace } from './scenarios/claim.js';
import { ingest } from './scenarios/ingest.js';
import { killNine } from './scenarios/kill.js';
import { size } from './scenarios/size.js';
import { steady } from './scenarios/steady.js';
import { storm } from './scenarios/storm.js';

const SCENARIOS: Record<string, Scenario> = {
  steady,
  ack,
  ingest,
  storm,
  claim: claimRace,
  size,
  kill: killNine,
  budget,
};

function selected(): string[] {
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  if (!only) return Object.keys(SCENARIOS);
  const names = only.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  }
  return names;
}

async function main(): Promise<void> {
  const names = selected();
  const started = Date.now();
  const seed = seedFrom('BENCH_SEED', 20261121);
  const log = (line: string) =>
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  const preference = process.argv.includes('--runtime=tsx') ? 'tsx' : 'built';
  const runtime = await chooseRuntime(preference);
  log(`Ringback runs as: ${runtime.description}; seed ${seed}`);
  const profile = process.argv.includes('--profile');
  const ctx: BenchContext = {
    runtime,
    outDir: BENCH_OUTPUT,
    seed,
    log,
    ...(profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(BENCH_OUTPUT, 'profiles')}`] } : {}),
  };

  const results: FigureResult[] = [];
  const loads: Record<string, string> = {};
  for (const name of names) {
    const scenario = SCENARIOS[name] as Scenario;
    const at = Date.now();
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    loads[name] = load;
    log(`── ${name} (load average before: ${load}; other work on this machine skews the numbers)`);
    try {
      const rows = await scenario(ctx);
      results.push(...rows);
      for (const row of rows) log(`${row.pass ? 'PASS' : 'FAIL'} ${row.figure}: ${row.measured}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`ERROR in ${name}: ${message}`);
      results.push({
        scenario: name,
        figure: 'scenario ran',
        target: 'completes',
        measured: `error: ${message.split('\n')[0]}`,
        pass: false,
      });
    }
    log(`${name} took ${((Date.now() - at) / 1000).toFixed(0)} s`);
  }

  const seconds = (Date.now() - started) / 1000;
  const table = printTable(results);
  process.stdout.write(`\n${table}\n\n`);
  const path = join(REPO_ROOT, 'test-results', 'bench.json');
  writeJson(path, results, {
    generatedAt: new Date().toISOString(),
    seconds: Math.round(seconds),
    seed,
    scenarios: names,
    runtime: runtime.description,
    loadAverageBeforeScenario: loads,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
  });
  const failed = results.filter((r) => !r.pass).length;
  process.stdout.write(
    `${results.length - failed}/${results.length} figures met in ${seconds.toFixed(0)} s; results in ${path}\n`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 2;
});
