/** Builds a validated Config for tests from an env object and routing YAML, exactly as startup does. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/load.js';
import type { TestDatabase } from './databases.js';

export const TEST_ROUTING_YAML = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    slack: { channel: C0123456789 }
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
  - name: Everything else
    match: "*"
    slack: { channel: C0999999999 }
`;

export function testConfig(options: {
  database: TestDatabase;
  env?: Record<string, string>;
  routingYaml?: string;
}): Config {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-config-'));
  const routingPath = join(dir, 'ringback.yaml');
  writeFileSync(routingPath, options.routingYaml ?? TEST_ROUTING_YAML);
  return loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: options.database.url,
    RINGBACK_CONFIG: routingPath,
    ...options.env,
  });
}
