import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJson } from '../../../src/providers/webhook.js';

const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

describe('the JSON depth limit of webhook bodies', () => {
  it('counts a scalar as depth 0 and each object or array as one level', () => {
    expect(jsonDepthExceeds(7, 0)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
    expect(jsonDepthExceeds({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(jsonDepthExceeds({ a: [1, { b: 2 }] }, 2)).toBe(true);
  });

  it('accepts a body exactly at the limit and refuses one a level deeper, naming the limit', () => {
    expect(parseJson(Buffer.from(nested(MAX_JSON_DEPTH)))).toMatchObject({ ok: true });
    const refused = parseJson(Buffer.from(nested(MAX_JSON_DEPTH + 1)));
    expect(refused).toEqual({
      ok: false,
      detail: `the request body nests deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });

  it('walks a body nested a hundred thousand levels without overflowing the stack', () => {
    const refused = parseJson(Buffer.from(nested(100_000)));
    expect(refused.ok).toBe(false);
  });

  it('still tells a body that is not JSON apart', () => {
    expect(parseJson(Buffer.from('{"event": '))).toEqual({
      ok: false,
      detail: 'the request body is not valid JSON',
    });
  });
});
