import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commentSchema, talkCallSchema, talkLegSchema, ticketSchema } from '../../../src/zendesk/schemas.js';
import {
  judgeTalkCall,
  talkCallToEvent,
  talkLegToCallLeg,
  voiceTicketToEvent,
} from '../../../src/zendesk/talk/normalize.js';

function fixture(name: string): Record<string, unknown[] | unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/zendesk/${name}`, import.meta.url), 'utf8'));
}

const calls = (fixture('talk-calls-export.json').calls as unknown[]).map((c) => talkCallSchema.parse(c));
const legs = (fixture('talk-legs-export.json').legs as unknown[]).map((l) => talkLegSchema.parse(l));
const voice = fixture('voice-ticket-voicemail.json');
const voiceTicket = ticketSchema.parse(voice.ticket);
const voiceComments = (voice.comments as unknown[]).map((c) => commentSchema.parse(c));
const NOW = Date.parse('2026-11-20T12:00:00Z');
const marie = { number: '+33176360695', raw: '+33176360695', name: 'Marie Dupont' };

describe('judging a Talk call', () => {
  it.each([
    ['abandoned_in_queue', false, false, 'abandoned_in_queue'],
    ['abandoned_in_ivr', false, false, 'abandoned_in_ivr'],
    ['abandoned_on_hold', false, false, 'abandoned_on_hold'],
    ['abandoned_in_voicemail', false, true, 'abandoned_in_voicemail'],
  ])('calls %s a missed call', (status, answered, voicemail, reason) => {
    const verdict = judgeTalkCall({
      completion_status: status,
      voicemail: false,
      agent_id: null,
      talk_time: 0,
      direction: 'inbound',
    });
    expect(verdict).toMatchObject({ answered, voicemail, reason, ended: true, knownStatus: true });
  });

  it('calls a completed call with a voicemail a missed call', () => {
    expect(judgeTalkCall(calls[1] as (typeof calls)[number])).toMatchObject({
      answered: false,
      voicemail: true,
      reason: 'voicemail',
    });
  });

  it('keeps a voicemail still being recorded open until the export says it ended', () => {
    const verdict = judgeTalkCall({
      completion_status: 'pending_voicemail',
      voicemail: true,
      agent_id: null,
      talk_time: 0,
      direction: 'inbound',
    });
    expect(verdict).toMatchObject({ answered: false, ended: false });
  });

  it('calls a completed call an agent took an answered call', () => {
    expect(judgeTalkCall(calls[2] as (typeof calls)[number])).toMatchObject({ answered: true, ended: true });
  });

  it('tolerates an unknown status: neither missed nor answered, and says it is unknown', () => {
    expect(judgeTalkCall(calls[3] as (typeof calls)[number])).toMatchObject({
      answered: null,
      knownStatus: false,
    });
  });

  it('does not call "not answered" a missed call (only abandoned or voicemail are)', () => {
    const verdict = judgeTalkCall({
      completion_status: 'not_answered',
      voicemail: false,
      agent_id: null,
      talk_time: 0,
      direction: 'inbound',
    });
    expect(verdict.answered).toBeNull();
  });
});

describe('a Talk export call as a CallEvent', () => {
  it('carries the Talk call id, the line id, the caller and why it was missed', () => {
    const event = talkCallToEvent(
      calls[0] as (typeof calls)[number],
      { caller: marie, legs: [], agent: null },
      NOW,
    );
    expect(event).toMatchObject({
      provider: 'zendesk',
      providerCallId: '360116020134',
      eventName: 'talk_export',
      direction: 'inbound',
      ended: true,
      answered: false,
      externalNumber: '+33176360695',
      externalName: 'Marie Dupont',
      line: { zendeskPhoneNumberId: '360001', number: '+33176360600' },
      startedAt: Date.parse('2026-11-20T09:32:10Z'),
      endedAt: Date.parse('2026-11-20T09:33:02Z'),
      missedReason: 'abandoned_in_queue',
      voicemail: null,
      zendeskTicketId: null,
      occurredAt: Date.parse('2026-11-20T09:33:02Z'),
    });
  });

  it('names the voicemail and keeps the ticket Talk made', () => {
    const event = talkCallToEvent(
      calls[1] as (typeof calls)[number],
      { caller: marie, legs: [], agent: null },
      NOW,
    );
    expect(event).toMatchObject({
      answered: false,
      missedReason: 'voicemail',
      voicemail: { url: null, durationSeconds: 41 },
      zendeskTicketId: 880,
    });
  });

  it('gives an answered outbound call its agent, so it can resolve the caller’s episode', () => {
    const agent = { name: 'Ana Lopez', email: 'ana@example.com' };
    const event = talkCallToEvent(
      calls[2] as (typeof calls)[number],
      { caller: marie, legs: [], agent },
      NOW,
    );
    expect(event).toMatchObject({ direction: 'outbound', answered: true, agent, missedReason: null });
    expect(event.answeredAt).toBe(Date.parse('2026-11-20T10:05:08Z'));
  });
});

describe('Talk legs', () => {
  const ana = { name: 'Ana Lopez', email: 'ana@example.com' };

  it('turns agent_missed and agent_declined into missed and declined legs', () => {
    expect(talkLegToCallLeg(legs[0] as (typeof legs)[number], ana)).toEqual({
      agentName: 'Ana Lopez',
      agentEmail: 'ana@example.com',
      result: 'missed',
      at: Date.parse('2026-11-20T09:32:40Z'),
    });
    expect(talkLegToCallLeg(legs[1] as (typeof legs)[number], ana)?.result).toBe('declined');
  });

  it('ignores customer legs and legs whose agent is unknown', () => {
    expect(talkLegToCallLeg(legs[2] as (typeof legs)[number], ana)).toBeNull();
    expect(talkLegToCallLeg(legs[0] as (typeof legs)[number], null)).toBeNull();
  });
});

describe('a voice ticket as a CallEvent', () => {
  it('takes the Talk call id from the voice comment, the caller from via.source and the voicemail details', () => {
    const facts = voiceTicketToEvent(
      voiceTicket,
      voiceComments,
      { knownCallId: null, phoneNumberId: '360001', callerName: null },
      NOW,
    );
    expect(facts.skipped).toBeNull();
    expect(facts.event).toMatchObject({
      provider: 'zendesk',
      providerCallId: '360116020135',
      eventName: 'voice_ticket',
      direction: 'inbound',
      ended: true,
      answered: false,
      externalNumber: '+33176360695',
      line: { zendeskPhoneNumberId: '360001', number: '+33176360600' },
      missedReason: 'abandoned_in_voicemail',
      voicemail: {
        url: 'https://acme.zendesk.com/api/v2/channels/voice/calls/CA123/twilio/recording',
        durationSeconds: 41,
      },
      transcript: "Bonjour, c'est Marie, rappelez-moi s'il vous plaît.",
      zendeskTicketId: 880,
      startedAt: Date.parse('2026-11-20T09:40:00Z'),
    });
  });

  it('falls back to the call id the export poller recorded for the ticket', () => {
    const bare = voiceComments.map((c) => ({ ...c, data: { ...c.data, call_id: undefined } }));
    const facts = voiceTicketToEvent(
      voiceTicket,
      bare,
      { knownCallId: '42', phoneNumberId: null, callerName: null },
      NOW,
    );
    expect(facts.event?.providerCallId).toBe('42');
  });

  it('leaves a ticket without any call id to the export poller', () => {
    const facts = voiceTicketToEvent(
      voiceTicket,
      [],
      { knownCallId: null, phoneNumberId: null, callerName: null },
      NOW,
    );
    expect(facts).toMatchObject({ event: null, skipped: 'no Talk call id on the ticket yet' });
  });

  it('ignores tickets that did not come from a call', () => {
    const email = { ...voiceTicket, via: { channel: 'email', source: null } };
    expect(
      voiceTicketToEvent(
        email,
        voiceComments,
        { knownCallId: null, phoneNumberId: null, callerName: null },
        NOW,
      ).skipped,
    ).toBe('not a voice ticket');
  });

  it('reads an answered call as answered, so it can resolve the episode', () => {
    const answered = {
      ...voiceTicket,
      tags: [],
      via: { ...voiceTicket.via, source: { ...voiceTicket.via?.source, rel: 'inbound' } },
    };
    const comments = voiceComments.map((c) => ({ ...c, data: { ...c.data, answered_by_id: 7001 } }));
    const facts = voiceTicketToEvent(
      answered,
      comments,
      { knownCallId: null, phoneNumberId: '360001', callerName: null },
      NOW,
    );
    expect(facts.event).toMatchObject({ answered: true, voicemail: null, missedReason: null });
  });
});
