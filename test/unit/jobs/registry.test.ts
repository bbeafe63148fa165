import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob, jobOf } from '../../../src/jobs/registry.js';

const cardPost = defineJob(
  'test.card_post',
  z.object({ channel: z.string().min(1), episodeId: z.string(), attempt: z.number().default(1) }),
  { queueKey: ({ channel }) => `chat:${channel}` },
);
const note = defineJob('test.note', z.object({ text: z.string().min(1) }));

describe('jobOf', () => {
  it('stores the parsed payload, the kind’s queue key and the options given', () => {
    expect(
      jobOf(cardPost, { channel: 'C1', episodeId: 'ep-1' }, { dedupeKey: 'post:ep-1', runAt: 5 }),
    ).toEqual({
      kind: 'test.card_post',
      payload: { channel: 'C1', episodeId: 'ep-1', attempt: 1 },
      queueKey: 'chat:C1',
      dedupeKey: 'post:ep-1',
      runAt: 5,
    });
  });

  it('gives a job of a kind without a queue key none', () => {
    expect(jobOf(note, { text: 'hello' })).toEqual({ kind: 'test.note', payload: { text: 'hello' } });
  });

  it('refuses a payload its kind would refuse when it runs, at once', () => {
    expect(() => jobOf(note, { text: '' })).toThrow(/too_small|at least 1|>=1/);
  });
});
