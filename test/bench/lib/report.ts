/** One row per figure of design.md: what we aimed for, what we measured, pass or fail. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FigureResult {
  scenario: string;
  figure: string;
  target: string;
  measured: string;
  pass: boolean;
  /** Raw numbers for the JSON file. */
  data?: Record<string, unknown>;
}

export function printTable(results: FigureResult[]): string {
  const header = ['scenario', 'figure', 'target', 'measured', 'result'];
  const rows = results.map((r) => [r.scenario, r.figure, r.target, r.measured, r.pass ? 'PASS' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const text = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join(
    '\n',
  );
  return text;
}

export function writeJson(path: string, results: FigureResult[], meta: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...meta, results }, null, 2)}\n`);
}
