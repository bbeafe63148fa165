/** What is on this side: the routing file, the database, the HTTP port and that someone manages. */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import type { LineConfig, RoutingConfig } from '../config/routing.js';
import { describeFeatures } from '../features.js';
import { openDatabase } from '../store/db.js';
import { Store } from '../store/store.js';
import type { DoctorContext } from './context.js';
import { type Check, fail, GUIDE, ok, reason, skip, warn, withTimeout } from './types.js';

export function routingChecks(
  config: Pick<Config, 'routingSource' | 'warnings'>,
  context: DoctorContext,
): Check[] {
  const { routing } = context;
  const checks: Check[] = [];
  const posting = routing.lines.filter((l) => l.slack || l.teams).length;
  checks.push(
    config.routingSource === 'built-in default'
      ? warn(
          'routing',
          'file',
          `no routing file at ${context.env.RINGBACK_CONFIG}: calls are stored but posted nowhere`,
          'copy ringback.example.yaml to ringback.yaml (or set RINGBACK_CONFIG) and route each line to a channel',
          GUIDE.routing,
        )
      : ok(
          'routing',
          'file',
          `${config.routingSource}: ${routing.lines.length} line(s), ${posting} posting to a channel`,
        ),
  );
  if (config.routingSource !== 'built-in default') checks.push(...postingChecks(context));
  const { managers } = routing;
  if (
    config.routingSource !== 'built-in default' &&
    managers.slack.length + managers.teams.length + managers.emails.length + managers.zendeskRoles.length ===
      0
  )
    checks.push(
      warn(
        'routing',
        'managers',
        'no managers: nobody can ask for summaries or release other people’s claims',
        `add managers.slack (member ids), managers.emails or managers.zendeskRoles to ${context.env.RINGBACK_CONFIG}`,
        GUIDE.routing,
      ),
    );
  return checks;
}

const quoted = (names: string[]) => names.map((name) => `"${name}"`).join(', ');

/**
 * How many of a line's calls a priority rule posts in its own channel on a surface that is on: `all` when
 * the first rule to hold for every call of the line (no condition but `line`) is such a `high` rule and no
 * rule before it can take a call elsewhere; `some` when such a rule may hold for some calls; else `none`.
 * Mirrors matchPriority (first match wins, a `normal` rule stops later ones) and ruleHolds (`line` names the
 * line as written), and channelsFor (a rule's channel only takes the calls it makes high).
 */
function ruleReach(
  routing: Pick<RoutingConfig, 'priority'>,
  line: LineConfig,
  on: { slack: boolean; teams: boolean },
): 'all' | 'some' | 'none' {
  let some = false;
  let leaks = false;
  for (const rule of routing.priority) {
    if (rule.when.line !== undefined && !rule.when.line.includes(line.name)) continue;
    const posts = rule.level === 'high' && ((!!rule.slack && on.slack) || (!!rule.teams && on.teams));
    const everyCall = Object.entries(rule.when).every(
      ([key, value]) => key === 'line' || value === undefined,
    );
    if (everyCall) return posts ? (leaks ? 'some' : 'all') : some ? 'some' : 'none';
    if (posts) some = true;
    else leaks = true;
  }
  return some ? 'some' : 'none';
}

/** Said of the lines in `names` whose high calls still reach a priority rule's channel (`partial`). */
function ruleClause(names: string[], partial: string[]): string {
  if (partial.length === 0) return '';
  const which = partial.length === names.length ? '' : `for ${quoted(partial)}, `;
  return ` (but ${which}in a priority rule’s channel, for the calls it makes high)`;
}

/**
 * Lines whose cards go nowhere: none at all, lines with neither a Slack nor a Teams channel, and lines whose
 * channels are all on a surface that is off (its calls are stored, ticketed and escalated, but nobody sees a
 * card). Warnings, not failures: a catch-all line may be meant to store calls only. A line whose every call a
 * priority rule makes high and posts in a channel on a surface that is on is fine; one whose calls a rule
 * may post only in part is still named, with that said.
 */
function postingChecks(context: DoctorContext): Check[] {
  const { routing } = context;
  const file = context.env.RINGBACK_CONFIG;
  if (routing.lines.length === 0)
    return [
      warn(
        'routing',
        'lines',
        'no lines: every call is stored but posted nowhere',
        `add lines to ${file}, each with a match and slack: { channel } or teams: { channel }`,
        GUIDE.routing,
      ),
    ];
  const checks: Check[] = [];
  const features = describeFeatures(context.env);
  const slack = features.find((f) => f.name === 'slack');
  const teams = features.find((f) => f.name === 'teams');
  const on = { slack: slack?.on === true, teams: teams?.on === true };
  const reach = new Map(routing.lines.map((line) => [line, ruleReach(routing, line, on)]));
  const partly = (lines: LineConfig[]) =>
    lines.filter((line) => reach.get(line) === 'some').map((line) => line.name);
  const bareLines = routing.lines.filter((line) => !line.slack && !line.teams && reach.get(line) !== 'all');
  if (bareLines.length > 0) {
    const bare = bareLines.map((line) => line.name);
    checks.push(
      warn(
        'routing',
        'lines without a channel',
        `${bare.length === 1 ? 'line' : 'lines'} ${quoted(bare)} ${bare.length === 1 ? 'has' : 'have'} neither a slack nor a teams channel: ${bare.length === 1 ? 'its' : 'their'} calls are stored but no card is posted${ruleClause(bare, partly(bareLines))}`,
        `give ${bare.length === 1 ? 'it' : 'each'} slack: { channel } or teams: { channel } in ${file}, unless storing those calls is all you want`,
        GUIDE.routing,
      ),
    );
  }
  const stranded = routing.lines.filter(
    (line) =>
      (line.slack || line.teams) &&
      !(line.slack && on.slack) &&
      !(line.teams && on.teams) &&
      reach.get(line) !== 'all',
  );
  if (stranded.length > 0) {
    const off = [
      stranded.some((line) => line.slack) && slack && !slack.on ? `Slack is off (${slack.why})` : null,
      stranded.some((line) => line.teams) && teams && !teams.on ? `Teams is off (${teams.why})` : null,
    ].filter((why): why is string => why !== null);
    const names = stranded.map((line) => line.name);
    checks.push(
      warn(
        'routing',
        'lines on a surface that is off',
        `${names.length === 1 ? 'line' : 'lines'} ${quoted(names)} ${names.length === 1 ? 'posts' : 'post'} only where Ringback does not: ${off.join('; ')}, so ${names.length === 1 ? 'its' : 'their'} cards go nowhere${ruleClause(names, partly(stranded))}`,
        'turn that surface on (see its guide), or give the line a channel on a surface that is on',
        GUIDE.setup,
      ),
    );
  }
  return checks;
}

/** Shorter than this, a secret we chose ourselves can be guessed faster than anyone would notice. */
export const MIN_SECRET_CHARS = 32;

/**
 * The secrets callers must present (the read API's token, the generic webhook's signing secret): set ones
 * must be long and random, since nothing limits how often a wrong one may be tried. Aircall issues its
 * webhook token itself, so it is not judged here.
 */
export function secretChecks(
  env: Pick<Config['env'], 'RINGBACK_API_TOKEN' | 'RINGBACK_WEBHOOK_SECRET'>,
): Check[] {
  const named = [
    ['RINGBACK_API_TOKEN', env.RINGBACK_API_TOKEN],
    ['RINGBACK_WEBHOOK_SECRET', env.RINGBACK_WEBHOOK_SECRET],
  ] as const;
  return named.flatMap(([name, value]) =>
    value !== undefined && value.length < MIN_SECRET_CHARS
      ? [
          warn(
            'secrets',
            name,
            `${name} is ${value.length} characters long: short enough to guess`,
            `use at least ${MIN_SECRET_CHARS} random characters, e.g. openssl rand -hex 32`,
            GUIDE.environment,
          ),
        ]
      : [],
  );
}

/** Opens the configured database without creating it, and checks that it answers within the timeout. */
export async function openAndPing(
  config: Pick<Config, 'database'>,
  context: DoctorContext,
): Promise<{ check: Check; store: Store | null }> {
  const target = config.database;
  if (target.dialect === 'sqlite' && target.path !== ':memory:' && !existsSync(resolve(target.path)))
    return {
      check: skip(
        'database',
        'connection',
        `no SQLite file yet at ${target.path}: Ringback creates it at its first start`,
      ),
      store: null,
    };
  let store: Store | null = null;
  try {
    store = new Store(openDatabase(target));
    await withTimeout(store.ping(), context.timeoutMs, 'the database');
    return { check: ok('database', 'connection', `${store.description} answers`), store };
  } catch (error) {
    await store?.close().catch(() => undefined);
    return {
      check: fail(
        'database',
        'connection',
        `the database did not answer: ${reason(error)}`,
        'check DATABASE_URL (host, port, user, database name) and that the server accepts connections from here',
        GUIDE.environment,
      ),
      store: null,
    };
  }
}

/** A check of an already open store (the server's own, for /readyz?verbose=1). */
export async function pingCheck(store: Store, context: DoctorContext): Promise<Check> {
  try {
    await withTimeout(store.ping(), context.timeoutMs, 'the database');
    return ok('database', 'connection', `${store.description} answers`);
  } catch (error) {
    return fail(
      'database',
      'connection',
      `the database did not answer: ${reason(error)}`,
      'check DATABASE_URL and the database server',
      GUIDE.environment,
    );
  }
}

/** True when nothing listens on `port` yet (the doctor runs before the server, or beside it). */
export async function portCheck(port: number): Promise<Check> {
  if (port === 0) return skip('server', 'port', 'PORT=0: the server takes any free port');
  const free = await new Promise<boolean | string>((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'EADDRINUSE' ? false : (error.code ?? error.message)),
    );
    probe.listen(port, () => probe.close(() => done(true)));
  });
  if (free === true) return ok('server', `port ${port}`, `PORT ${port} is free`);
  return fail(
    'server',
    `port ${port}`,
    free === false
      ? `PORT ${port} is already in use (is Ringback already running?)`
      : `PORT ${port} cannot be used: ${free}`,
    'stop what listens there, or set PORT to a free port (and point the webhooks and Slack/Teams at it)',
    GUIDE.environment,
  );
}
