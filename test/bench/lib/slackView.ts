/**
 * What people in the channel saw, from the fake Slack's record of accepted calls: for each caller number,
 * when it first appeared (its card, or a line of the storm queue message: both carry a `tel:` link) and how
 * many cards were posted for it. Times are the fake's receive times (epoch ms, same clock as the bench).
 */
import type { FakeSlack } from '../../mocks/fakeSlack.js';

export interface Sighting {
  /** First accepted postMessage/update that showed the number. */
  firstSeenAt: number;
  /** First accepted top-level card for it. */
  firstCardAt: number | null;
  /** Top-level cards posted for it (more than one is a duplicate post). */
  cards: number;
}

const TEL = /tel:(\+\d{6,15})\|/g;

export function sightings(slack: FakeSlack, channels?: ReadonlySet<string>): Map<string, Sighting> {
  const seen = new Map<string, Sighting>();
  for (const call of slack.calls) {
    if (!call.ok || (call.method !== 'chat.postMessage' && call.method !== 'chat.update')) continue;
    const channel = typeof call.args.channel === 'string' ? call.args.channel : '';
    if (channels && !channels.has(channel)) continue;
    const blocks = call.args.blocks === undefined ? '' : JSON.stringify(call.args.blocks);
    const text = `${typeof call.args.text === 'string' ? call.args.text : ''}\n${blocks}`;
    const isCard =
      call.method === 'chat.postMessage' &&
      call.args.thread_ts === undefined &&
      blocks.includes('ringback.title:');
    const numbers = new Set([...text.matchAll(TEL)].map((m) => m[1] as string));
    for (const number of numbers) {
      const known = seen.get(number) ?? { firstSeenAt: call.at, firstCardAt: null, cards: 0 };
      known.firstSeenAt = Math.min(known.firstSeenAt, call.at);
      if (isCard) {
        known.cards += 1;
        known.firstCardAt = known.firstCardAt === null ? call.at : Math.min(known.firstCardAt, call.at);
      }
      seen.set(number, known);
    }
  }
  return seen;
}

/**
 * Every accepted post or update of a storm queue message that still offered Claim next: when, and the newest
 * queued time it counts (its actions block id, `ringback.queue:<epoch ms>`). Every call queued by then is
 * claimable from that moment: counted in the message, or its card already out.
 */
export function claimNextOffers(slack: FakeSlack, channel: string): { at: number; through: number }[] {
  const offers: { at: number; through: number }[] = [];
  for (const call of slack.calls) {
    if (!call.ok || (call.method !== 'chat.postMessage' && call.method !== 'chat.update')) continue;
    if (call.args.channel !== channel || !Array.isArray(call.args.blocks)) continue;
    for (const block of call.args.blocks as { block_id?: unknown; elements?: { action_id?: unknown }[] }[]) {
      const id = typeof block.block_id === 'string' ? block.block_id : '';
      if (!id.startsWith(QUEUE_BLOCK_PREFIX)) continue;
      if (!(block.elements ?? []).some((e) => e.action_id === 'ringback.claim_next')) continue;
      const through = Number(id.slice(QUEUE_BLOCK_PREFIX.length));
      if (Number.isFinite(through)) offers.push({ at: call.at, through });
    }
  }
  return offers.sort((a, b) => a.at - b.at);
}

const QUEUE_BLOCK_PREFIX = 'ringback.queue:';

/** 429s the fake answered, by method. */
export function rateLimitedBy(slack: FakeSlack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const hit of slack.rateLimited) out[hit.method] = (out[hit.method] ?? 0) + 1;
  return out;
}

/** Epoch milliseconds with sub-millisecond precision (the fakes stamp with Date.now()). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Whether every one of these callers has had a card posted in these channels. */
export function everyCallerHasACard(
  slack: FakeSlack,
  channels: ReadonlySet<string>,
  callers: readonly string[],
): boolean {
  const seen = sightings(slack, channels);
  return callers.every((caller) => (seen.get(caller)?.cards ?? 0) > 0);
}
