/**
 * Realistic Aircall traffic for the ack and ingest loads: whole call lifecycles (4–5 deliveries each),
 * most answered, some missed, interleaved the way a busy call centre's webhooks arrive.
 */
import { aircallLifecycle, type BenchCall, callerNumber } from './calls.js';
import type { Random } from './random.js';

export interface Traffic {
  bodies: string[];
  /** For each body, the index in `calls` of the call it belongs to. */
  owners: number[];
  /** How many deliveries each call has. */
  deliveries: number[];
  calls: BenchCall[];
  missed: number;
}

export interface TrafficOptions {
  /** Stop once this many deliveries are planned. */
  events: number;
  line: string;
  /** Share of calls nobody answered. */
  missedShare: number;
  /** Number block for callers (keeps loads apart); with `callerPool`, callers repeat. */
  block: number;
  callerPool?: number;
  firstId: number;
}

/**
 * Deliveries of many calls, each call's deliveries in order, calls overlapping: at any moment `overlap`
 * calls are in progress and each delivery comes from one of them at random.
 */
export function aircallTraffic(random: Random, options: TrafficOptions, overlap = 40): Traffic {
  const bodies: string[] = [];
  const owners: number[] = [];
  const deliveries: number[] = [];
  const calls: BenchCall[] = [];
  const now = Math.floor(Date.now() / 1000);
  let missed = 0;
  const active: { owner: number; bodies: string[] }[] = [];
  const newCall = () => {
    const index = calls.length;
    const answered = !random.bool(options.missedShare);
    if (!answered) missed += 1;
    const call: BenchCall = {
      id: options.firstId + index,
      caller: callerNumber(options.callerPool ? random.int(0, options.callerPool - 1) : index, options.block),
      line: options.line,
      direction: 'inbound',
      answered,
      startedAt: now - 300 + Math.floor(index / 10),
      durationSeconds: random.int(20, 240),
      ...(answered ? { agent: { id: 501, name: 'Ana Lopez', email: 'ana@example.com' } } : {}),
    };
    calls.push(call);
    const lifecycle = aircallLifecycle(call);
    deliveries.push(lifecycle.length);
    active.push({ owner: index, bodies: lifecycle });
  };
  while (bodies.length < options.events) {
    while (active.length < overlap) newCall();
    const slot = random.int(0, active.length - 1);
    const call = active[slot] as { owner: number; bodies: string[] };
    bodies.push(call.bodies.shift() as string);
    owners.push(call.owner);
    if (call.bodies.length === 0) active.splice(slot, 1);
  }
  // Finish the calls still in progress so none is left half-told.
  for (const call of active) {
    for (const body of call.bodies) {
      bodies.push(body);
      owners.push(call.owner);
    }
  }
  return { bodies, owners, deliveries, calls, missed };
}
