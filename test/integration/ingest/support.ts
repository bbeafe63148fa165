/** Shared by the ingest and provider tests: fixtures, a recording effect planner, CallEvent factories. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EffectContext, EffectPlanner } from '../../../src/app/effects.js';
import type { IngestDeps } from '../../../src/app/ingest.js';
import { parseRouting } from '../../../src/config/load.js';
import type { RoutingConfig } from '../../../src/config/routing.js';
import type { CallEvent } from '../../../src/domain/callEvent.js';
import type { Clock } from '../../../src/domain/clock.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { AircallJob } from '../../../src/providers/aircall/schema.js';
import { createIngestMetrics, type IngestMetrics } from '../../../src/providers/metrics.js';
import type { Store } from '../../../src/store/store.js';
import { TEST_ROUTING_YAML } from '../../helpers/config.js';
import { memoryLogger } from '../../helpers/ringback.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures');
export const AIRCALL_FIXTURE_TOKEN = 'fixture-aircall-webhook-token';

export interface Fixture {
  name: string;
  text: string;
  body: Record<string, unknown>;
}

/** The files of one fixture folder, in their numbered order. */
export function fixtures(provider: 'aircall' | 'generic', folder: string): Fixture[] {
  const dir = join(FIXTURES, provider, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      return { name, text, body: JSON.parse(text) as Record<string, unknown> };
    });
}

export function fixture(provider: 'aircall' | 'generic', path: string): Fixture {
  const text = readFileSync(join(FIXTURES, provider, path), 'utf8');
  return { name: path, text, body: JSON.parse(text) as Record<string, unknown> };
}

/** What the route queues for an Aircall fixture. */
export function aircallJob(body: Record<string, unknown>, receivedAt = 0): AircallJob {
  return {
    receivedAt,
    event: body.event as string,
    timestamp: body.timestamp as number,
    data: body.data as Record<string, unknown>,
  };
}

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A planner that queues one 'test.effect' job per change and remembers every context it saw. */
export function recordingPlanner(): {
  planner: EffectPlanner;
  contexts: EffectContext[];
  eventTypes: () => string[];
} {
  const contexts: EffectContext[] = [];
  return {
    contexts,
    eventTypes: () => contexts.flatMap((c) => c.events.map((e) => e.type)),
    planner: (context) => {
      contexts.push(context);
      return [
        {
          kind: 'test.effect',
          payload: { episodeId: context.episode.id, events: context.events.map((e) => e.type) },
        },
      ];
    },
  };
}

export function testRouting(yaml = TEST_ROUTING_YAML): RoutingConfig {
  return parseRouting(yaml, 'test routing');
}

export function ingestDeps(
  store: Store,
  clock: Clock,
  planner: EffectPlanner,
  routing = testRouting(),
): IngestDeps {
  return { store, clock, planEffects: planner, routing, logger: memoryLogger().logger };
}

export function ingestMetrics(): IngestMetrics {
  return createIngestMetrics(new Metrics({ defaultMetrics: false }));
}

export const T0 = Date.parse('2026-11-20T09:32:10Z');
export const SUPPORT_FR_NUMBER = '+33 1 76 36 06 95';

/** A normalized call event; by default the end of a missed inbound call on Support FR. */
export function callEvent(overrides: Partial<CallEvent> = {}): CallEvent {
  return {
    provider: 'generic:test',
    providerCallId: 'call-1',
    eventName: 'test.ended',
    direction: 'inbound',
    ended: true,
    answered: false,
    externalNumber: '+33612345678',
    externalNumberRaw: '+33 6 12 34 56 78',
    externalName: null,
    line: { aircallNumber: SUPPORT_FR_NUMBER },
    startedAt: T0,
    answeredAt: null,
    endedAt: T0 + 30_000,
    missedReason: 'agents_did_not_answer',
    voicemail: null,
    transcript: null,
    summary: null,
    legs: [],
    agent: null,
    zendeskTicketId: null,
    occurredAt: T0 + 30_000,
    ...overrides,
  };
}
