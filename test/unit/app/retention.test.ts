import { describe, expect, it } from 'vitest';
import { type Purger, purgeRound } from '../../../src/app/retention.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { callRecordWithoutCallerData, detailsWithoutCallerData } from '../../../src/domain/erasure.js';
import { memoryLogger } from '../../helpers/ringback.js';

const clock = new ManualClock(1_000);

function counting(name: string, answers: number[]): Purger & { calls: number } {
  const purger = {
    name,
    calls: 0,
    run: async () => answers[purger.calls++] ?? 0,
  };
  return purger;
}

describe('purgeRound', () => {
  it('calls a purger again while it fills batches, and stops at the first short one', async () => {
    const jobs = counting('jobs_done', [3, 3, 1, 3]);
    const result = await purgeRound([jobs], { clock, logger: memoryLogger().logger, batchSize: 3 });
    expect(jobs.calls).toBe(3);
    expect(result).toEqual({ purged: { jobs_done: 7 }, more: false });
  });

  it('leaves the rest of a backlog for the next round once its budget is spent', async () => {
    const endless = counting('episodes', Array(1_000).fill(3));
    const after = counting('deliveries', [0]);
    const result = await purgeRound([endless, after], {
      clock,
      logger: memoryLogger().logger,
      batchSize: 3,
      budgetMs: 0,
    });
    expect(endless.calls).toBe(1);
    expect(after.calls).toBe(1);
    expect(result).toEqual({ purged: { episodes: 3, deliveries: 0 }, more: true });
  });

  it('runs the other purgers when one fails, and logs the failure', async () => {
    const { logger, lines } = memoryLogger();
    const failing: Purger = {
      name: 'jobs_dead',
      run: async () => {
        throw new Error('database went away');
      },
    };
    const after = counting('deliveries', [2]);
    const result = await purgeRound([failing, after], { clock, logger, batchSize: 500 });
    expect(result.purged).toEqual({ jobs_dead: 0, deliveries: 2 });
    expect(lines().join('\n')).toContain('retention: purging jobs_dead failed');
  });
});

describe('erasure of caller data', () => {
  it('keeps what summaries and cards need from episode details and drops everything else', () => {
    const erased = detailsWithoutCallerData({
      lineNumber: '+33 1 76 36 06 95',
      callerCountry: 'FR',
      calls: [{ key: 'aircall:1', at: 5, reason: 'no_available_agent', waitedSeconds: 12 }],
      rang: ['Ana'],
      voicemail: { url: 'https://vm.example.com/1.mp3', durationSeconds: 20, at: 6 },
      transcript: 'call me on 0612345678',
      summary: 'wants a refund',
      requester: { id: 1, name: 'Marie Dupont' },
      outOfHours: true,
      callbackNumber: '+33612345678',
    });
    expect(erased).toEqual({
      lineNumber: '+33 1 76 36 06 95',
      callerCountry: 'FR',
      calls: [{ key: 'aircall:1', at: 5, reason: 'no_available_agent', waitedSeconds: 12 }],
      rang: ['Ana'],
      voicemail: { url: null, durationSeconds: 20, at: 6 },
      transcript: null,
      summary: null,
      requester: null,
      outOfHours: true,
    });
  });

  it('keeps a provider call record whole in shape but without the caller', () => {
    const erased = callRecordWithoutCallerData({
      provider: 'aircall',
      providerCallId: '1',
      externalNumber: '+33612345678',
      externalNumberRaw: '06 12 34 56 78',
      externalName: 'Marie',
      voicemail: { url: 'https://vm.example.com/1.mp3', durationSeconds: 20 },
      transcript: 'hello',
      summary: 'x',
      endedAt: 9,
      callbackNumber: '+33699999999',
    });
    expect(erased).toEqual({
      provider: 'aircall',
      providerCallId: '1',
      endedAt: 9,
      externalNumber: null,
      externalNumberRaw: null,
      externalName: null,
      voicemail: null,
      transcript: null,
      summary: null,
    });
  });
});
