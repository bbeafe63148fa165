/** Counters a surface registers: once per registry, however many Ringbacks a process (a test) starts. */
import { Counter, type Registry } from 'prom-client';

export function counterOnce<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name) as Counter<L> | undefined;
  return existing ?? new Counter({ name, help, labelNames, registers: [registry] });
}
