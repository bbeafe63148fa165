/** Missed-call reason codes from every provider, in words. Unknown codes are shown as they are. */
const REASONS: Record<string, string> = {
  // Aircall `missed_call_reason`
  short_abandoned: 'Hung up within 10 seconds',
  out_of_opening_hours: 'Called outside opening hours',
  no_available_agent: 'No agent was available',
  agents_did_not_answer: 'No agent answered',
  abandoned_in_ivr: 'Hung up in the phone menu',
  abandoned_in_classic: 'Hung up before being answered',
  abandoned: 'Hung up before being answered',
  // Zendesk Talk `completion_status`
  abandoned_in_queue: 'Hung up while waiting in the queue',
  abandoned_on_hold: 'Hung up while on hold',
  abandoned_in_voicemail: 'Hung up in voicemail',
  not_answered: 'Not answered',
  voicemail: 'Left a voicemail',
  failed: 'The call failed',
  // A Talk callback request no agent has returned yet (Ringback's own code)
  callback_requested: 'Asked to be called back',
  // Generic webhook conventions (Twilio/Dialpad/RingCentral statuses)
  'no-answer': 'Not answered',
  busy: 'Line was busy',
  canceled: 'Caller hung up before being answered',
  missed: 'Not answered',
};

export function describeReason(code: string | null | undefined): string | null {
  if (!code) return null;
  return REASONS[code] ?? code.replace(/[_-]+/g, ' ');
}
