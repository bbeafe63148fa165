/**
 * A vendor refusing Ringback's own credentials (a rotated or revoked token) says nothing about the job that
 * met it: the job is retried, so a rotation fixed within the retries loses no ticket or card. A refusal of
 * the request itself stays final.
 */
import { describe, expect, it } from 'vitest';
import { PermanentFailure, RetryAfter } from '../../../src/jobs/errors.js';
import { TeamsApiError } from '../../../src/surfaces/teams/connector.js';
import { PRECONDITION_RETRY_MS, toTeams } from '../../../src/surfaces/teams/surface.js';
import { forJobRunner, ZendeskApiError } from '../../../src/zendesk/errors.js';

const zendesk = (status: number) => new ZendeskApiError(status, 'POST', '/api/v2/tickets', { error: 'x' });
const teamsFails = (status: number) => () =>
  Promise.reject(new TeamsApiError('postToChannel', status, null, 'refused', null));

describe('Zendesk', () => {
  it('retries a 401 (the API token) as it retries an outage', () => {
    const error = forJobRunner(zendesk(401));
    expect(error).toBeInstanceOf(ZendeskApiError);
    expect(error).not.toBeInstanceOf(PermanentFailure);
  });

  it.each([400, 403, 404, 422])('gives up on a %i, which is about the request', (status) => {
    expect(forJobRunner(zendesk(status))).toBeInstanceOf(PermanentFailure);
  });
});

describe('Teams', () => {
  it('retries a 401 (the bot’s client secret)', async () => {
    const error = await toTeams(teamsFails(401)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamsApiError);
    expect(error).not.toBeInstanceOf(PermanentFailure);
  });

  it.each([400, 403, 404, 413])(
    'gives up on a %i, which is about this conversation or message',
    async (status) => {
      await expect(toTeams(teamsFails(status))).rejects.toBeInstanceOf(PermanentFailure);
    },
  );

  it('retries a 412 (PreconditionFailed) after a jittered wait, as Microsoft asks', async () => {
    const waits = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const error = await toTeams(teamsFails(412)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryAfter);
      const { delayMs } = error as RetryAfter;
      expect(delayMs).toBeGreaterThanOrEqual(PRECONDITION_RETRY_MS);
      expect(delayMs).toBeLessThan(2 * PRECONDITION_RETRY_MS);
      waits.add(delayMs);
    }
    expect(waits.size).toBeGreaterThan(1);
  });

  it('waits as told on a 429', async () => {
    await expect(toTeams(teamsFails(429))).rejects.toBeInstanceOf(RetryAfter);
  });
});
