/** Reads the environment and the routing YAML once at startup; every problem is reported with its path. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { type DatabaseTarget, parseDatabaseUrl } from '../store/db.js';
import { teamsAuth } from '../surfaces/teams/auth.js';
import { type Env, envSchema, SECRET_ENV_KEYS } from './env.js';
import { postingFindings } from './posting.js';
import {
  DEFAULT_ROUTING_YAML,
  type RoutingConfig,
  routingSchema,
  unreachableManagerSteps,
} from './routing.js';

export interface Config {
  env: Env;
  routing: RoutingConfig;
  database: DatabaseTarget;
  /** Where the routing came from, for the startup log. */
  routingSource: string;
  /** Values never to be logged. */
  secrets: string[];
  warnings: string[];
  /**
   * The warnings no check of the doctor says in its own words (the routing file, Teams and posting checks
   * do): the doctor reports these as they are, so nothing said at startup is missing from its report.
   */
  doctorWarnings: string[];
}

/** A configuration that cannot run; `problems` are one line each, naming the path. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * A union's "Invalid input" replaced by what went wrong inside the one alternative the value has the shape
 * of: `match: { aircallNumber: +33176360695 }` (a number to YAML) said only "lines[0].match: Invalid input".
 * A value of no alternative's shape keeps the union's own message.
 */
function insideUnions(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  // Issues with a path are about a field inside: the value itself had this alternative's type.
  const shaped = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  const [only] = shaped;
  if (shaped.length !== 1 || !only) return [issue];
  return only.flatMap((inner) => insideUnions({ ...inner, path: [...issue.path, ...inner.path] }));
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.flatMap(insideUnions).map((issue) => {
    const path = formatPath(issue.path);
    const where = prefix && path ? `${prefix}${path}` : prefix.replace(/\.$/, '') || path || '(root)';
    return `${where}: ${issue.message}`;
  });
}

export function parseRouting(text: string, source: string): RoutingConfig {
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([`${source}: not valid YAML: ${detail}`]);
  }
  const parsed = routingSchema.safeParse(document);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues).map((p) => `${source} ${p}`));
  return parsed.data;
}

/** A routing file of hundreds of lines is a few tens of kB. */
const MAX_ROUTING_FILE_BYTES = 1_048_576;

/**
 * The environment read again without the variables that failed, so one bad value does not hide the
 * others' checks: with every variable defaulted, a bad PORT made the loader check ./ringback.yaml instead of
 * the admin's RINGBACK_CONFIG.
 */
function envWithout(environment: NodeJS.ProcessEnv, issues: readonly z.core.$ZodIssue[]): Env {
  const failed = new Set(issues.map((issue) => issue.path[0]));
  const rest = Object.fromEntries(Object.entries(environment).filter(([key]) => !failed.has(key)));
  const reread = envSchema.safeParse(rest);
  return reread.success ? reread.data : envSchema.parse({});
}

export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  options: { cwd?: string } = {},
): Config {
  const problems: string[] = [];
  const warnings: string[] = [];

  const envResult = envSchema.safeParse(environment);
  if (!envResult.success) problems.push(...formatIssues(envResult.error.issues));
  const env = envResult.success ? envResult.data : envWithout(environment, envResult.error.issues);

  // Read from the raw variable so a bad PORT does not hide a bad DATABASE_URL.
  const rawDatabaseUrl = environment.DATABASE_URL?.trim() || undefined;
  const database = parseDatabaseUrl(rawDatabaseUrl);
  if (typeof database === 'string') problems.push(`DATABASE_URL: ${database}`);

  let routing: RoutingConfig | null = null;
  let routingSource = env.RINGBACK_CONFIG;
  try {
    const routingPath = resolve(options.cwd ?? process.cwd(), env.RINGBACK_CONFIG);
    if (existsSync(routingPath)) {
      const file = statSync(routingPath);
      if (!file.isFile()) {
        throw new ConfigError([`RINGBACK_CONFIG: ${env.RINGBACK_CONFIG} is not a file (a directory?)`]);
      }
      // Read whole and parsed in memory: a 10 MB file took 1.4 GB and killed a small host without a word.
      if (file.size > MAX_ROUTING_FILE_BYTES) {
        throw new ConfigError([
          `RINGBACK_CONFIG: ${env.RINGBACK_CONFIG} is ${(file.size / 1_048_576).toFixed(1)} MB; expected a routing file under 1 MB`,
        ]);
      }
      routing = parseRouting(readFileSync(routingPath, 'utf8'), env.RINGBACK_CONFIG);
    } else if (environment.RINGBACK_CONFIG?.trim()) {
      problems.push(`RINGBACK_CONFIG: no file at ${env.RINGBACK_CONFIG}`);
    } else {
      routingSource = 'built-in default';
      routing = parseRouting(DEFAULT_ROUTING_YAML, routingSource);
      warnings.push(
        `no routing file at ${env.RINGBACK_CONFIG}: calls are stored but posted nowhere (copy ringback.example.yaml to ringback.yaml)`,
      );
    }
  } catch (error) {
    if (error instanceof ConfigError) problems.push(...error.problems);
    else throw error;
  }

  if (env.SLACK_API_URL && !env.SLACK_API_URL.endsWith('/')) {
    problems.push('SLACK_API_URL: must end with a slash, e.g. https://slack.com/api/');
  }
  if (env.MicrosoftAppId) {
    // Fail closed (Teams stays off), but loudly: a typo in MicrosoftAppType is otherwise one info line.
    const teams = teamsAuth(env);
    if (teams.mode === 'off') warnings.push(`MicrosoftAppId is set but Teams is off: ${teams.why}`);
  }

  // Said at startup too: the doctor is optional, and a Slack with no signing secret was one info line.
  if (routing && routingSource !== 'built-in default')
    warnings.push(...postingFindings(routing, env).map((finding) => `${finding.message} (${finding.fix})`));
  const doctorWarnings = routing ? unreachableManagerSteps(routing) : [];
  warnings.push(...doctorWarnings);

  if (problems.length > 0 || routing === null || typeof database === 'string')
    throw new ConfigError(problems);

  const secrets = SECRET_ENV_KEYS.map((key) => env[key]).filter((v): v is string => typeof v === 'string');
  if (database.dialect === 'postgres') {
    try {
      const password = new URL(database.url).password;
      if (password) secrets.push(decodeURIComponent(password));
    } catch {
      // an unparsable URL has no password to hide; pg reports the URL problem itself
    }
  }
  return { env, routing, database, routingSource, secrets, warnings, doctorWarnings };
}
