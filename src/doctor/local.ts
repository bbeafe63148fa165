/** What is on this side: the routing file, the database, the HTTP port and that someone manages. */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { postingFindings } from '../config/posting.js';
import { HEALTHZ_SERVICE } from '../http/server.js';
import { openDatabase } from '../store/db.js';
import { Store } from '../store/store.js';
import type { DoctorContext } from './context.js';
import { type Check, fail, GUIDE, ok, reason, skip, warn, withTimeout } from './types.js';

export function routingChecks(
  config: Pick<Config, 'routingSource' | 'doctorWarnings'>,
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
  // e.g. an escalation step to managers when none are set: startup said it, and it was missing here.
  for (const warning of config.doctorWarnings)
    checks.push(
      warn(
        'routing',
        'config',
        warning,
        `edit ${context.env.RINGBACK_CONFIG}: the warning names what is missing`,
        GUIDE.routing,
      ),
    );
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

/** Lines whose cards go nowhere, as warnings: a catch-all line may be meant to store calls only. */
function postingChecks(context: DoctorContext): Check[] {
  return postingFindings(context.routing, context.env).map((finding) =>
    warn(
      'routing',
      finding.name,
      finding.message,
      finding.fix,
      finding.name.endsWith('on a surface that is off') ? GUIDE.setup : GUIDE.routing,
    ),
  );
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

/** How long a listener on PORT has to say it is Ringback: it answers /healthz in about a millisecond. */
const PORT_PROBE_MS = 2_000;

/** True when GET /healthz on loopback `port` answers as Ringback does. */
async function ringbackAnswers(port: number, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { service?: unknown };
    return body.service === HEALTHZ_SERVICE;
  } catch {
    return false;
  }
}

/**
 * Whether the server can have PORT: free (the doctor runs before the server), or held by Ringback itself
 * (README says to run the doctor after every step, so it is often already running). Fails only for another
 * listener.
 */
export async function portCheck(port: number, timeoutMs = PORT_PROBE_MS): Promise<Check> {
  if (port === 0) return skip('server', 'port', 'PORT=0: the server takes any free port');
  const free = await new Promise<boolean | string>((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'EADDRINUSE' ? false : (error.code ?? error.message)),
    );
    probe.listen(port, () => probe.close(() => done(true)));
  });
  if (free === true) return ok('server', `port ${port}`, `PORT ${port} is free`);
  if (free === false && (await ringbackAnswers(port, timeoutMs)))
    return ok('server', `port ${port}`, `Ringback is serving on PORT ${port}`);
  return fail(
    'server',
    `port ${port}`,
    free === false
      ? `PORT ${port} is already in use by something that is not Ringback (GET /healthz did not answer as Ringback)`
      : `PORT ${port} cannot be used: ${free}`,
    'stop what listens there, or set PORT to a free port (and point the webhooks and Slack/Teams at it)',
    GUIDE.environment,
  );
}
