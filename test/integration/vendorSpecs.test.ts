/**
 * The vendor OpenAPI specs are outside this repository. When they are configured (as .ci/run does), the
 * fakes check every request against them: this test proves the checker really rejects what the spec does
 * not document. Without them it is skipped, and says why.
 */
import { describe, expect, it } from 'vitest';
import { startFakeSlack } from '../mocks/fakeSlack.js';
import { vendorSpecPath, vendorSpecVariable } from '../mocks/vendorSpecs.js';
import { checkAgainstSpec } from '../mocks/zendeskOpenApi.js';

describe("requests are checked against the vendors' OpenAPI specs", () => {
  it('rejects a Zendesk request body that the Support spec does not allow', (ctx) => {
    if (!vendorSpecPath('zendesk'))
      ctx.skip(`${vendorSpecVariable('zendesk')} is unset: no Zendesk spec to check against`);
    const good = checkAgainstSpec('PUT', '/api/v2/tickets/1.json', new URLSearchParams(), {
      ticket: { status: 'solved' },
    });
    const bad = checkAgainstSpec('PUT', '/api/v2/tickets/1.json', new URLSearchParams('bogus=1'), {
      ticket: { status: 42 },
    });
    expect(good).toMatchObject({ covered: true, problems: [] });
    expect(bad.covered).toBe(true);
    expect(bad.covered && bad.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('answers a Slack method that the Web API spec does not document with an error', async (ctx) => {
    if (!vendorSpecPath('slack'))
      ctx.skip(`${vendorSpecVariable('slack')} is unset: no Slack spec to check against`);
    const slack = await startFakeSlack();
    try {
      const response = await fetch(`${slack.url}chat.teleport`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer xoxb-test-token',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'channel=C0123456789',
      });
      const body = (await response.json()) as { ok: boolean };
      expect(body.ok).toBe(false);
      expect(slack.errors).toContain('unknown method chat.teleport');
    } finally {
      await slack.close();
    }
  });
});
