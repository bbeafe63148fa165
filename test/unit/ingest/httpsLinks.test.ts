/**
 * Voicemail and recording links end up as links on chat cards: only absolute https: URLs survive
 * normalization, for every provider, and every dropped link is reported (to be counted and logged once).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { normalizeAircallCall } from '../../../src/providers/aircall/normalize.js';
import { aircallCallSchema } from '../../../src/providers/aircall/schema.js';
import { normalizeGenericCall } from '../../../src/providers/generic/normalize.js';
import { genericCallSchema } from '../../../src/providers/generic/schema.js';
import {
  httpsLink,
  type LinkField,
  type UnsafeLinkKind,
  unsafeLinkReporter,
} from '../../../src/providers/links.js';
import { commentSchema, ticketSchema } from '../../../src/zendesk/schemas.js';
import { voiceTicketToEvent } from '../../../src/zendesk/talk/normalize.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { fixture } from '../../integration/ingest/support.js';

const routing = parseRouting('lines: [{ name: Support FR, match: "*", country: FR }]', 'test');

const UNSAFE: [string, UnsafeLinkKind][] = [
  ['javascript:alert(document.cookie)', 'javascript'],
  ['JavaScript:alert(1)', 'javascript'],
  ['http://voicemails.example.com/v/1.mp3', 'http'],
  ['data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'data'],
  ['/voicemails/1.mp3', 'relative'],
  ['voicemails/1.mp3', 'relative'],
  ['//evil.example.com/1.mp3', 'relative'],
  ['https:evil.example.com/1.mp3', 'other'],
  ['ftp://files.example.com/1.mp3', 'other'],
];
const SAFE = 'https://voicemails.example.com/v/1.mp3';

function collector() {
  const heard: { field: LinkField; kind: UnsafeLinkKind }[] = [];
  return { heard, sink: (field: LinkField, kind: UnsafeLinkKind) => heard.push({ field, kind }) };
}

describe('httpsLink', () => {
  it.each(UNSAFE)('drops %s and says it was %s', (link, kind) => {
    const { heard, sink } = collector();
    expect(httpsLink(link, 'voicemail', sink)).toBeNull();
    expect(heard).toEqual([{ field: 'voicemail', kind }]);
  });

  it('keeps an absolute https URL, and says nothing about an absent one', () => {
    const { heard, sink } = collector();
    expect(httpsLink(SAFE, 'voicemail', sink)).toBe(SAFE);
    expect(httpsLink(null, 'voicemail', sink)).toBeNull();
    expect(httpsLink('  ', 'voicemail', sink)).toBeNull();
    expect(heard).toEqual([]);
  });
});

describe('Aircall voicemail links', () => {
  const ended = fixture('aircall', 'voicemail/05-call.ended.json').body;
  const normalize = (links: Record<string, string | null>, sink?: ReturnType<typeof collector>['sink']) =>
    normalizeAircallCall(
      'call.ended',
      ended.timestamp as number,
      aircallCallSchema.parse({ ...(ended.data as object), ...links }),
      routing,
      sink,
    );

  it.each(UNSAFE)('never stores %s', (link, kind) => {
    const { heard, sink } = collector();
    const event = normalize({ asset: link, voicemail_short_url: null, voicemail: link }, sink);
    expect(event.voicemail).toEqual({ url: null, durationSeconds: null });
    expect(heard).toEqual([
      { field: 'voicemail', kind },
      { field: 'voicemail', kind },
    ]);
  });

  it('falls back to the next link when the preferred one is unsafe', () => {
    const { heard, sink } = collector();
    const event = normalize(
      { asset: 'javascript:alert(1)', voicemail_short_url: SAFE, voicemail: null },
      sink,
    );
    expect(event.voicemail?.url).toBe(SAFE);
    expect(heard).toEqual([{ field: 'voicemail', kind: 'javascript' }]);
  });
});

describe('generic webhook voicemail links', () => {
  const base = fixture('generic', 'dialpad-voicemail.json').body;

  it.each(UNSAFE)('accepts the call but never stores %s', (link, kind) => {
    const { heard, sink } = collector();
    const call = genericCallSchema.parse({ ...base, voicemailUrl: link });
    const event = normalizeGenericCall(call, Date.now(), routing, sink);
    expect(event.answered).toBe(false);
    expect(event.voicemail).toEqual({ url: null, durationSeconds: 38 });
    expect(heard).toEqual([{ field: 'voicemail', kind }]);
  });

  it('keeps an https link', () => {
    const event = normalizeGenericCall(genericCallSchema.parse(base), Date.now(), routing);
    expect(event.voicemail?.url).toBe('https://dialpad.com/shared/voicemail/6583920174635008');
  });
});

describe('Zendesk Talk recording links', () => {
  const voice = JSON.parse(
    readFileSync(new URL('../../fixtures/zendesk/voice-ticket-voicemail.json', import.meta.url), 'utf8'),
  ) as { ticket: unknown; comments: unknown[] };
  const ticket = ticketSchema.parse(voice.ticket);

  it.each(UNSAFE)('keeps the voicemail but never stores %s', (link, kind) => {
    const { heard, sink } = collector();
    const comments = voice.comments
      .map((c) => commentSchema.parse(c))
      .map((c) => (c.data ? { ...c, data: { ...c.data, recording_url: link } } : c));
    const facts = voiceTicketToEvent(
      ticket,
      comments,
      { knownCallId: null, phoneNumberId: null, callerName: null },
      Date.now(),
      sink,
    );
    expect(facts.event?.answered).toBe(false);
    expect(facts.event?.voicemail).toEqual({ url: null, durationSeconds: 41 });
    expect(heard).toEqual([{ field: 'recording', kind }]);
  });
});

describe('unsafeLinkReporter', () => {
  it('counts every dropped link and logs each kind once, without the link', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const { logger, lines } = memoryLogger();
    const report = unsafeLinkReporter('generic', metrics, logger);
    for (let i = 0; i < 5; i++) report('voicemail', 'javascript');
    report('voicemail', 'http');
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'ringback_unsafe_links_dropped_total{provider="generic",field="voicemail",kind="javascript"} 5',
    );
    expect(text).toContain(
      'ringback_unsafe_links_dropped_total{provider="generic",field="voicemail",kind="http"} 1',
    );
    expect(lines()).toHaveLength(2);
    expect(lines().join('\n')).not.toContain('alert');
  });
});
