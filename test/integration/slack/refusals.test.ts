/**
 * What each Slack refusal means for the job that met it: a channel or message Slack will never take is final
 * (the card is stored as failed, the lane goes on), a refused token waits for someone to fix the install
 * (no card is blamed), and a code of no known meaning is retried and counted against the message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentFailure } from '../../../src/jobs/errors.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { VendorPolicy } from '../../../src/resilience/vendorPolicy.js';
import { SlackApi, SlackRefused } from '../../../src/surfaces/slack/api.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { type FakeSlack, startFakeSlack } from '../../mocks/fakeSlack.js';

// A channel per post: the fake keeps Slack's one post a second per channel.
let channels = 0;
let fake: FakeSlack;
let api: SlackApi;
const log = memoryLogger();

beforeAll(async () => {
  fake = await startFakeSlack();
  api = new SlackApi({
    token: fake.token,
    apiUrl: fake.url,
    retries: 0,
    logger: log.logger,
    metrics: new Metrics({ defaultMetrics: false }),
    policy: new VendorPolicy('slack', { timeoutMs: 5_000 }),
  });
});

afterAll(async () => {
  await fake?.close();
});

const post = () =>
  api.postMessage({ channel: `C01234567${String(++channels).padStart(2, '0')}`, text: 'a card' });
const refuseOnce = (error: string) => fake.refuseNext((method) => method === 'chat.postMessage', error);

describe('a post Slack refuses', () => {
  it.each([
    'restricted_action_read_only_channel',
    'restricted_action_thread_only_channel',
    'ekm_access_denied',
    'too_many_attachments',
  ])('is final when the channel or the message can never take it (%s)', async (code) => {
    refuseOnce(code);
    const error = await post().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentFailure);
    expect(String(error)).toContain(code);
  });

  it.each(['token_revoked', 'invalid_auth', 'account_inactive'])(
    'waits for the token to be fixed without blaming the message (%s), and says what to do',
    async (code) => {
      refuseOnce(code);
      const error = await post().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(PermanentFailure);
      expect(error).not.toBeInstanceOf(SlackRefused);
      expect(log.lines()).toContainEqual(
        expect.stringContaining(`${code}: Slack refuses Ringback's bot token`),
      );
    },
  );

  it('is retried and counted against the message for a code of no known meaning', async () => {
    refuseOnce('fatal_error');
    const error = await post().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackRefused);
    expect(error).toMatchObject({ code: 'fatal_error', method: 'chat.postMessage' });
  });
});
