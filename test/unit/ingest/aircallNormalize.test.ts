import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import { normalizeAircallCall, normalizeAircallInsight } from '../../../src/providers/aircall/normalize.js';
import {
  aircallCallSchema,
  aircallEnvelopeSchema,
  aircallInsightSchema,
  isInterestingEvent,
  parseAircallData,
} from '../../../src/providers/aircall/schema.js';
import { fixture, fixtures } from '../../integration/ingest/support.js';

const routing = parseRouting(
  'lines: [{ name: Support FR, match: { aircallNumber: "+33 1 76 36 06 95" }, country: FR }]',
  'test',
);

function normalize(path: string) {
  const { body } = fixture('aircall', path);
  return normalizeAircallCall(
    body.event as string,
    body.timestamp as number,
    aircallCallSchema.parse(body.data),
    routing,
  );
}

describe('Aircall fixtures', () => {
  it('all match the webhook envelope and, for the events Ringback uses, the resource schema', () => {
    const folders = [
      'missed-call',
      'missed-call-again',
      'answered-call',
      'voicemail',
      'ivr-abandon',
      'short-abandoned',
      'anonymous',
      'callback-request',
      'outbound-answered',
    ];
    for (const folder of folders) {
      for (const { name, body } of fixtures('aircall', folder)) {
        const envelope = aircallEnvelopeSchema.parse(body);
        expect(isInterestingEvent(envelope.event), name).toBe(true);
        expect(parseAircallData(envelope.event, envelope.data).kind, name).not.toBe('error');
      }
    }
  });
});

describe('normalizeAircallCall', () => {
  it('decides the miss on call.ended: inbound, never answered, with the reason kept', () => {
    expect(normalize('missed-call/06-call.ended.json')).toMatchObject({
      provider: 'aircall',
      providerCallId: '1873200101',
      direction: 'inbound',
      ended: true,
      answered: false,
      externalNumber: '+33612345678',
      externalName: 'Marie Dupont',
      line: { aircallNumber: '+33 1 76 36 06 95' },
      startedAt: Date.parse('2026-11-20T09:32:10Z'),
      endedAt: Date.parse('2026-11-20T09:32:55Z'),
      missedReason: 'agents_did_not_answer',
      agent: null,
    });
  });

  it('treats call.hungup as not final yet', () => {
    expect(normalize('missed-call/05-call.hungup.json')).toMatchObject({ ended: false, answered: null });
  });

  it('turns ringing and declined events into legs, not into the agent who took the call', () => {
    expect(normalize('missed-call/02-call.ringing_on_agent.ana.json')).toMatchObject({
      legs: [{ agentName: 'Ana Lopez', agentEmail: 'ana@example.com', result: 'ringing' }],
      agent: null,
    });
    expect(normalize('missed-call/04-call.agent_declined.ben.json').legs[0]?.result).toBe('declined');
  });

  it('names the agent who answered', () => {
    expect(normalize('answered-call/05-call.answered.json')).toMatchObject({
      answered: true,
      agent: { name: 'Ana Lopez', email: 'ana@example.com' },
    });
  });

  it('names the agent who placed an outbound call', () => {
    expect(normalize('outbound-answered/02-call.answered.json')).toMatchObject({
      direction: 'outbound',
      answered: true,
      externalNumber: '+33612345678',
      agent: { name: 'Ana Lopez' },
    });
  });

  it('links a voicemail to the lasting asset page rather than the expiring MP3', () => {
    expect(normalize('voicemail/03-call.voicemail_left.json').voicemail?.url).toContain('aircall-voicemails');
    expect(normalize('voicemail/06-call.comm_assets_generated.json').voicemail?.url).toBe(
      'https://assets.aircall.io/calls/1873200303/voicemail',
    );
  });

  it('has no number for an anonymous caller', () => {
    expect(normalize('anonymous/01-call.ended.json')).toMatchObject({
      externalNumber: null,
      externalNumberRaw: 'anonymous',
    });
  });
});

describe('normalizeAircallInsight', () => {
  it('reads the utterances of a transcription', () => {
    const { body } = fixture('aircall', 'voicemail/07-transcription.created.json');
    const event = normalizeAircallInsight('transcription.created', 1, aircallInsightSchema.parse(body.data));
    expect(event).toMatchObject({ providerCallId: '1873200303', startedAt: null, summary: null });
    expect(event?.transcript).toMatch(/^Caller: Hi, this is Tom/);
  });

  it('reads a summary', () => {
    const { body } = fixture('aircall', 'voicemail/08-summary.created.json');
    const event = normalizeAircallInsight('summary.created', 1, aircallInsightSchema.parse(body.data));
    expect(event?.summary).toContain('order 4411');
  });

  it('gives nothing for an insight without text', () => {
    expect(
      normalizeAircallInsight('summary.created', 1, aircallInsightSchema.parse({ call_id: 5 })),
    ).toBeNull();
  });
});

describe('Aircall text that is too long or carries control characters', () => {
  it('is cut and cleaned, not refused: the call is still a missed call', () => {
    const { body } = fixture('aircall', 'missed-call/06-call.ended.json');
    const data = body.data as Record<string, unknown>;
    const contact = { first_name: `Marie\u0000\u0007${'é'.repeat(5_000)}`, last_name: 'Dupont\u001b[31m' };
    const parsed = aircallCallSchema.parse({ ...data, contact, missed_call_reason: 'x'.repeat(10_000) });
    expect(parsed.contact?.first_name).toHaveLength(200);
    expect(parsed.contact?.first_name?.startsWith('Marieé')).toBe(true);
    expect(parsed.contact?.last_name).toBe('Dupont[31m');
    expect(parsed.missed_call_reason).toHaveLength(100);
  });

  it('is cut between characters, never inside an emoji', () => {
    const { body } = fixture('aircall', 'missed-call/06-call.ended.json');
    const data = body.data as Record<string, unknown>;
    const parsed = aircallCallSchema.parse({
      ...data,
      contact: { first_name: `a${'😀'.repeat(150)}`, last_name: null },
    });
    const name = parsed.contact?.first_name ?? '';
    // A lone half of an emoji would not survive UTF-8.
    expect(Buffer.from(name, 'utf8').toString('utf8')).toBe(name);
    expect(name).toBe(`a${'😀'.repeat(99)}`);
  });
});
