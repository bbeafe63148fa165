import { describe, expect, it } from 'vitest';
import { normalizeGenericCall } from '../../../src/providers/generic/normalize.js';
import { genericCallSchema } from '../../../src/providers/generic/schema.js';
import { fixture, testRouting } from '../../integration/ingest/support.js';

/** A line with no `country` in the routing file: the dialled number still says which country it is in. */
const routing = testRouting(`
timezone: America/Los_Angeles
lines:
  - name: Everything
    match: "*"
`);

describe('a national caller number on the generic webhook', () => {
  it('is read in the country of the number dialled when the line names no country', () => {
    const call = genericCallSchema.parse({
      ...fixture('generic', 'twilio-missed.json').body,
      from: '(415) 555-0134',
      line: '+1 415 555 0100',
    });
    expect(normalizeGenericCall(call, Date.now(), routing).externalNumber).toBe('+14155550134');
  });

  it('stays unread when nothing says the country (a line given by name)', () => {
    const call = genericCallSchema.parse({
      ...fixture('generic', 'twilio-missed.json').body,
      from: '(415) 555-0134',
      line: 'US Sales',
    });
    expect(normalizeGenericCall(call, Date.now(), routing).externalNumber).toBeNull();
  });
});
