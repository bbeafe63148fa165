/**
 * A day on Support FR (2026-11-20, Paris), as Aircall delivers it, built from the recorded fixtures:
 * - 10:32 `answered-call`: Ben declines, Ana answers;
 * - 09:32 `missed-call`: it rings Ana and Ben, Ben declines, nobody answers (a missed call);
 * - 12:32 a call that rings Ana, Ben, Chloé and David one after the other before Eve answers (the
 *   `answered-call` deliveries with other agents, another caller and another call id).
 */
import { fixtures } from '../ingest/support.js';

export const DAY = '2026-11-20';

type Body = Record<string, unknown> & { event: string; timestamp: number; data: Record<string, unknown> };

const clone = (body: Record<string, unknown>): Body => structuredClone(body) as Body;

function user(id: number, name: string, email: string): Record<string, unknown> {
  return {
    id,
    direct_link: `https://api.aircall.io/v1/users/${id}`,
    name,
    email,
    available: true,
    availability_status: 'available',
    created_at: '2024-03-11T08:20:00.000Z',
    time_zone: 'Europe/Paris',
    language: 'fr-FR',
  };
}

export const AGENTS = {
  ana: user(456001, 'Ana Lopez', 'ana@example.com'),
  ben: user(456002, 'Ben Martin', 'ben@example.com'),
  chloe: user(456003, 'Chloé Durand', 'chloe@example.com'),
  david: user(456004, 'David Petit', 'david@example.com'),
  eve: user(456005, 'Eve Bernard', 'eve@example.com'),
};

/** The 12:32 call: four agents rang out, the fifth answered. */
function servedByTheFifth(): Body[] {
  const [created, ringing, , , answered, hungup, ended] = fixtures('aircall', 'answered-call').map((f) =>
    clone(f.body),
  );
  if (!created || !ringing || !answered || !hungup || !ended)
    throw new Error('answered-call fixture changed');
  const shift = 2 * 3600;
  const id = 1873200303;
  const restamp = (body: Body, at: number, agent: Record<string, unknown> | null): Body => {
    const data = body.data;
    for (const field of ['started_at', 'answered_at', 'ended_at'] as const) {
      if (typeof data[field] === 'number') data[field] = (data[field] as number) + shift;
    }
    return {
      ...body,
      timestamp: at + shift,
      data: {
        ...data,
        id,
        direct_link: `https://api.aircall.io/v1/calls/${id}`,
        call_uuid: 'CAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03',
        raw_digits: '+33 6 11 22 33 44',
        participants: [{ phone_number: '+33 6 11 22 33 44', type: 'external' }],
        user: agent,
      },
    };
  };
  const rang = [AGENTS.ana, AGENTS.ben, AGENTS.chloe, AGENTS.david].map((agent, i) =>
    restamp(clone(ringing), ringing.timestamp + i * 20, agent),
  );
  return [
    restamp(created, created.timestamp, null),
    ...rang,
    restamp(answered, answered.timestamp + 80, AGENTS.eve),
    restamp(hungup, hungup.timestamp, AGENTS.eve),
    restamp(ended, ended.timestamp, AGENTS.eve),
  ];
}

/** Every delivery of the day, in the order Aircall sent them. */
export function fixtureDay(): Body[] {
  return [
    ...fixtures('aircall', 'missed-call').map((f) => clone(f.body)),
    ...fixtures('aircall', 'answered-call').map((f) => clone(f.body)),
    ...servedByTheFifth(),
  ];
}
