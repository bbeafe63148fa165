import { describe, expect, it } from 'vitest';
import { checkSignature, signZendesk, verifySignature } from '../../../src/zendesk/signature.js';

// Vectors from the reference (Zendesk's docs example and its official Node example's test secret).
const TIMESTAMP = '2021-07-25T10:00:00Z';
const BODY = Buffer.from('{"say": "hello"}');
const TEST_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const DOCS_SECRET = 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=';

describe('Zendesk webhook signatures', () => {
  it('match the reference test vector (timestamp + body, secret used as-is)', () => {
    expect(signZendesk(TEST_SECRET, TIMESTAMP, BODY)).toBe('gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=');
    expect(
      verifySignature(TEST_SECRET, TIMESTAMP, BODY, 'gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0='),
    ).toBe(true);
    expect(signZendesk(DOCS_SECRET, TIMESTAMP, BODY)).toBe('Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=');
  });

  it('also accept the body + timestamp order of the older docs example', () => {
    expect(
      verifySignature(DOCS_SECRET, TIMESTAMP, BODY, 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw='),
    ).toBe(true);
    expect(
      verifySignature(TEST_SECRET, TIMESTAMP, BODY, 'KDyYXCgcqHWHg4pTMI/kHQZSKTKWsZUsEa3ayobIPXk='),
    ).toBe(true);
  });

  it('refuse another secret, another body or another timestamp', () => {
    const good = 'gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=';
    expect(verifySignature(DOCS_SECRET, TIMESTAMP, BODY, good)).toBe(false);
    expect(verifySignature(TEST_SECRET, TIMESTAMP, Buffer.from('{"say": "hellO"}'), good)).toBe(false);
    expect(verifySignature(TEST_SECRET, '2021-07-25T10:00:01Z', BODY, good)).toBe(false);
    expect(verifySignature(TEST_SECRET, TIMESTAMP, BODY, 'not base64 at all')).toBe(false);
  });

  describe('checked at a given time', () => {
    const signed = {
      secret: TEST_SECRET,
      raw: BODY,
      signature: signZendesk(TEST_SECRET, TIMESTAMP, BODY),
      timestamp: TIMESTAMP,
    };

    it('pass within five minutes of the timestamp', () => {
      expect(checkSignature({ ...signed, now: Date.parse(TIMESTAMP) + 4 * 60_000 })).toMatchObject({
        ok: true,
      });
    });

    it('are stale older than five minutes, or further ahead than that', () => {
      expect(checkSignature({ ...signed, now: Date.parse(TIMESTAMP) + 5 * 60_000 + 1 })).toEqual({
        ok: false,
        reason: 'stale',
      });
      expect(checkSignature({ ...signed, now: Date.parse(TIMESTAMP) - 6 * 60_000 })).toEqual({
        ok: false,
        reason: 'stale',
      });
    });

    it('are missing without either header, and a mismatch with a bad signature', () => {
      const now = Date.parse(TIMESTAMP);
      expect(checkSignature({ ...signed, signature: undefined, now })).toEqual({
        ok: false,
        reason: 'missing',
      });
      expect(checkSignature({ ...signed, timestamp: undefined, now })).toEqual({
        ok: false,
        reason: 'missing',
      });
      expect(checkSignature({ ...signed, signature: signZendesk('other', TIMESTAMP, BODY), now })).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    });
  });
});
