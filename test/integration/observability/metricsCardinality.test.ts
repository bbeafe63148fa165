/**
 * /metrics stays bounded whatever senders put in their bodies: 1,000 distinct unknown Aircall event names,
 * 1,000 distinct generic-webhook providers and 1,000 distinct unknown job kinds add no series; what is not
 * on a label's closed list shows as `other`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNKNOWN_KIND_GRACE_MS } from '../../../src/jobs/runner.js';
import { signGenericBody } from '../../../src/providers/generic/webhook.js';
import { registerProviders } from '../../../src/providers/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { fixture } from '../ingest/support.js';

const AIRCALL_TOKEN = 'aircall-token-for-cardinality';
const GENERIC_SECRET = 'generic-secret-for-cardinality';
const N = 1_000;

/** Runs `count` requests, `width` at a time. */
async function inBatches(count: number, width: number, send: (index: number) => Promise<Response>) {
  const statuses: number[] = [];
  for (let start = 0; start < count; start += width) {
    const batch = Array.from({ length: Math.min(width, count - start) }, (_, i) => send(start + i));
    for (const answer of await Promise.all(batch)) {
      statuses.push(answer.status);
      await answer.arrayBuffer();
    }
  }
  return statuses;
}

const seriesOf = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));
/** A series without its value: `name{labels}`. */
const seriesKey = (line: string) => line.slice(0, line.lastIndexOf(' '));

describe('metric label cardinality', () => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let before: string[];
  let after: string;

  beforeAll(async () => {
    database = sqliteDatabase();
    const config = testConfig({
      database,
      env: { AIRCALL_WEBHOOK_TOKEN: AIRCALL_TOKEN, RINGBACK_WEBHOOK_SECRET: GENERIC_SECRET },
    });
    ringback = await startRingback(config, { adapters: [registerProviders], manualJobs: true });
    const metrics = () => fetch(`${ringback.baseUrl}/metrics`).then((r) => r.text());

    // One of each kind of request first, so every series a normal delivery makes already exists.
    const missed = fixture('aircall', 'missed-call/06-call.ended.json').body;
    const twilio = fixture('generic', 'twilio-missed.json').body;
    const postAircall = (event: string, data: unknown) =>
      fetch(`${ringback.baseUrl}/webhooks/aircall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...missed, token: AIRCALL_TOKEN, event, data }),
      });
    const postGeneric = (provider: string, index: number) => {
      const body = JSON.stringify({ ...twilio, provider, callId: `cardinality-${index}` });
      return fetch(`${ringback.baseUrl}/webhooks/calls`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ringback-signature': signGenericBody(GENERIC_SECRET, body),
        },
        body,
      });
    };
    expect((await postAircall('call.ended', missed.data)).status).toBe(200);
    expect((await postAircall('unknown.seed', {})).status).toBe(200);
    expect((await postGeneric('twilio', -1)).status).toBe(200);
    await ringback.runner.drain();
    await metrics();
    before = seriesOf(await metrics());

    const statuses = [
      ...(await inBatches(N, 50, (i) => postAircall(`unknown.event_${i}`, {}))),
      ...(await inBatches(N, 50, (i) => postGeneric(`sender${i}`, i))),
    ];
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Queued over an hour ago, so the runner calls them dead at once instead of leaving them to a newer replica.
    await ringback.store.enqueue(
      Array.from({ length: N }, (_, i) => ({ kind: `made.up_kind_${i}`, payload: {} })),
      ringback.clock.now() - UNKNOWN_KIND_GRACE_MS - 1,
    );
    await ringback.runner.drain();
    after = await metrics();
  }, 120_000);

  afterAll(async () => {
    await ringback?.stop();
    await database?.drop();
  });

  it('adds no series for unknown event names, providers or job kinds', () => {
    // The process's own metrics (garbage collection kinds …) are prom-client's, not fed by requests.
    const ours = (lines: string[]) =>
      lines.map(seriesKey).filter((key) => !/^ringback_(nodejs|process)_/.test(key));
    const known = new Set(ours(before));
    const grown = ours(seriesOf(after)).filter((key) => !known.has(key));
    // 3,000 distinct names may add a few outcomes (a call joined, an update) and the one `other` series
    // of the unknown kinds with its duration buckets; never a series per name.
    expect(grown.length).toBeLessThan(30);
    expect(after).not.toMatch(/unknown\.event_|sender\d|made\.up_kind_/);
  });

  it('counts what is not on a closed list as other', () => {
    expect(after).toMatch(/ringback_jobs_total\{kind="other",result="dead"\} 100[01]/);
    expect(after).toContain('ringback_ingest_events_total{provider="generic",outcome="opened"}');
  });
});
