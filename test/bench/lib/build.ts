/**
 * Builds Ringback the way `npm start` runs it (plain JavaScript, no loader), so the bench and the drills
 * run the production process rather than tsx's on-the-fly compilation. esbuild (installed with tsx)
 * transpiles file by file in well under a second; type checking is `npm run typecheck`'s job. The output
 * stays inside the repository (test-results/), so it resolves node_modules like dist/ does.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TSX_IMPORT } from '../../helpers/processes/tsx.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const BENCH_OUTPUT = join(REPO_ROOT, 'test-results', 'bench');
export const OFFLINE_GUARD = join(REPO_ROOT, 'scripts', 'lib', 'offline-guard.cjs');
const MAIN = join(REPO_ROOT, 'src', 'main.ts');

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Transpiles src/ (and `entries`, TypeScript files elsewhere in the repository) under `outRoot`. */
export async function buildTree(outRoot: string, entries: string[] = []): Promise<void> {
  rmSync(outRoot, { recursive: true, force: true });
  const result = await build({
    entryPoints: [...typescriptFiles(join(REPO_ROOT, 'src')), ...entries],
    outdir: outRoot,
    outbase: REPO_ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    sourcemap: false,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) {
    throw new Error(`could not build Ringback: ${result.errors.map((e) => e.text).join('; ')}`);
  }
}

/** Where a repository TypeScript file lands in a built tree. */
export function builtPath(outRoot: string, source: string): string {
  return join(outRoot, relative(REPO_ROOT, source)).replace(/\.ts$/, '.js');
}

export interface Runtime {
  /** The entry file Ringback is started from. */
  main: string;
  /** `--import` loader (tsx) when the entry is TypeScript. */
  loader?: string;
  /** Node's own flags from `npm start` (the V8 heap settings), so the bench runs the process users run. */
  nodeArgs: string[];
  /** Said in reports: what ran, and why when it is not the plain built JavaScript. */
  description: string;
}

/**
 * The built JavaScript of `entry` (default src/main.ts) when it loads under plain node, else the
 * TypeScript through tsx (with the reason). The probe points RINGBACK_CONFIG at a missing file: an
 * entry whose imports load stops there with exit 2.
 */
export async function chooseRuntime(
  preference: 'built' | 'tsx' = 'built',
  options: { outRoot?: string; entry?: string } = {},
): Promise<Runtime> {
  const entry = options.entry ?? MAIN;
  const nodeArgs = startScriptNodeArgs();
  const tsx: Runtime = {
    main: entry,
    loader: TSX_IMPORT,
    nodeArgs,
    description: `node + tsx loader (${relative(REPO_ROOT, entry)})`,
  };
  if (preference === 'tsx') return tsx;
  const outRoot = options.outRoot ?? join(BENCH_OUTPUT, 'build');
  await buildTree(outRoot, entry === MAIN ? [] : [entry]);
  const main = builtPath(outRoot, entry);
  const first = probeLoads(main);
  if (first === null) {
    return {
      main,
      nodeArgs,
      description: `node ${nodeArgs.join(' ')} on the built JavaScript (as npm start)`,
    };
  }
  // Known defect (reported): a named import from the CommonJS package node-zendesk, which node's ESM
  // loader cannot see. Rewritten in this built copy only, and said wherever results are reported.
  const shimmed = shimCommonJsNamedImports(join(outRoot, 'src'), ['node-zendesk']);
  const second = shimmed.length > 0 ? probeLoads(main) : first;
  if (second === null) {
    return {
      main,
      nodeArgs,
      description: `node on the built JavaScript, with a default-import shim for node-zendesk in ${shimmed.join(', ')} (unshimmed, it fails: ${first})`,
    };
  }
  return { ...tsx, description: `node + tsx loader, because the built JavaScript does not load: ${second}` };
}

/**
 * The flags between `node` and `dist/main.js` in package.json's start script. A start script of another
 * shape stops the bench: measuring a process users do not run would make every figure meaningless.
 */
export function startScriptNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') {
    throw new Error(`package.json's start script is not "node [flags] dist/main.js": ${pkg.scripts?.start}`);
  }
  return words.slice(1, -1);
}

/** Null when the entry's imports load (it then stops at the missing config with exit 2), else the error line. */
function probeLoads(main: string): string | null {
  const probe = spawnSync(process.execPath, ['--require', OFFLINE_GUARD, main], {
    env: { PATH: process.env.PATH ?? '', RINGBACK_CONFIG: '/nonexistent/ringback.yaml', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.status === 2) return null;
  return (`${probe.stderr}`.split('\n').find((line) => /Error/.test(line)) ?? `exit ${probe.status}`).trim();
}

/** `import { a, b as c } from "pkg"` → a default import and destructuring, in every built file that has one. */
function shimCommonJsNamedImports(dir: string, packages: string[]): string[] {
  const changed: string[] = [];
  for (const file of javascriptFiles(dir)) {
    let text = readFileSync(file, 'utf8');
    let touched = false;
    packages.forEach((pkg, n) => {
      const escaped = pkg.replace(/[-/.]/g, (c) => `\\${c}`);
      const pattern = new RegExp(`import \\{([^}]+)\\} from "${escaped}";`);
      const match = pattern.exec(text);
      if (!match?.[1]) return;
      const names = match[1].replace(/\s+as\s+/g, ': ');
      text = text.replace(pattern, `import __cjs${n} from "${pkg}";\nconst {${names}} = __cjs${n};`);
      touched = true;
    });
    if (touched) {
      writeFileSync(file, text);
      changed.push(relative(dir, file));
    }
  }
  return changed;
}

function javascriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return javascriptFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}
