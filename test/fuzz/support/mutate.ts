/**
 * Hostile payloads from a seeded PRNG: random JSON, structural mutations of valid payloads (missing,
 * retyped, oversized, prototype-polluting, deeply nested fields) and byte-level damage (truncation, bad
 * UTF-8, garbage). The same seed gives the same cases, so a failure names a seed and a case number.
 */
import type { Random } from '../../bench/lib/random.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\uffff',
  '🙂📞',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  "'; drop table episodes; --",
  '%00%ff',
  '+33 1 76 36 06 95',
  '+',
  'anonymous',
  '2026-02-30T25:61:61Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  'x'.repeat(10_000),
  '٣٤٥',
  'ringback.claim',
  'C0123456789',
  'U0123456789',
];

const NASTY_NUMBERS = [
  0,
  -1,
  1,
  2 ** 31,
  2 ** 53 + 1,
  -(2 ** 63),
  1e308,
  -1e-308,
  0.5,
  Number.MAX_SAFE_INTEGER,
  1_795_167_207_000,
];

/** An own, enumerable key even when it is `__proto__` (plain assignment would set the prototype). */
function setOwn(target: object, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A random JSON value, at most `depth` levels deep. */
export function randomJson(random: Random, depth = 3): Json {
  const roll = random.int(0, depth > 0 ? 7 : 4);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return random.bool();
    case 2:
      return random.pick(NASTY_NUMBERS);
    case 3:
      return random.pick(NASTY_STRINGS);
    case 4:
      return random.int(-1000, 1000);
    case 5:
      return Array.from({ length: random.int(0, 4) }, () => randomJson(random, depth - 1));
    default: {
      const out: { [key: string]: Json } = {};
      const keys = random.int(0, 5);
      for (let i = 0; i < keys; i++) {
        const key = random.pick([
          'id',
          'data',
          'event',
          'type',
          'token',
          'user',
          'call',
          'x',
          '__proto__',
          'constructor',
          `k${i}`,
        ]);
        setOwn(out, key, randomJson(random, depth - 1));
      }
      return out;
    }
  }
}

function deepNest(levels: number): Json {
  let value: Json = 'bottom';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { nested: value };
  return value;
}

/** A replacement for a value: something of another type, a nasty edge, or a huge one. */
function nastyValue(random: Random, original: Json): Json {
  switch (random.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return random.pick(NASTY_STRINGS);
    case 2:
      return random.pick(NASTY_NUMBERS);
    case 3:
      return typeof original === 'number'
        ? String(original)
        : typeof original === 'string'
          ? Number(original) || 7
          : [];
    case 4:
      return Array.isArray(original) ? {} : [original];
    case 5:
      return deepNest(random.int(20, 400));
    case 6:
      return Array.from({ length: random.int(100, 2000) }, (_, i) => ({ agent: `A${i}`, result: 'missed' }));
    case 7:
      // Own keys named __proto__ and constructor, as a JSON body carries them (a literal would set the prototype).
      return JSON.parse(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      ) as Json;
    case 8:
      return randomJson(random, 3);
    default:
      return !original;
  }
}

/** Paths of every value in a JSON document (object keys and array indexes). */
function paths(
  value: Json,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (value && typeof value === 'object') {
    const entries: [string | number, Json][] = Array.isArray(value)
      ? value.map((v, i) => [i, v] as [number, Json])
      : Object.entries(value);
    for (const [key, child] of entries) {
      const path = [...prefix, key];
      out.push(path);
      paths(child, path, out);
    }
  }
  return out;
}

function parentOf(root: Json, path: (string | number)[]): { parent: Json; key: string | number } | null {
  let parent: Json = root;
  for (const key of path.slice(0, -1)) {
    if (!parent || typeof parent !== 'object') return null;
    parent = (parent as Record<string | number, Json>)[key] ?? null;
  }
  const key = path[path.length - 1];
  return parent && typeof parent === 'object' && key !== undefined ? { parent, key } : null;
}

export interface MutateOptions {
  /** Top-level keys left alone (e.g. the Aircall `token`, so most cases get past authentication). */
  keep?: string[];
}

/** 1–4 structural mutations of a copy of `valid`. */
export function mutateJson(random: Random, valid: Json, options: MutateOptions = {}): Json {
  const doc = structuredClone(valid);
  const times = random.int(1, 4);
  for (let n = 0; n < times; n++) {
    const candidates = paths(doc).filter((p) => !(p.length === 1 && options.keep?.includes(String(p[0]))));
    if (candidates.length === 0) break;
    const path = random.pick(candidates);
    const target = parentOf(doc, path);
    if (!target) continue;
    const container = target.parent as Record<string | number, Json>;
    const roll = random.int(0, 5);
    if (roll === 0 && !Array.isArray(container)) delete container[target.key];
    else if (roll === 1 && !Array.isArray(container)) {
      setOwn(
        container,
        random.pick(['__proto__', 'constructor', 'extra', 'x'.repeat(300)]),
        randomJson(random, 2),
      );
    } else container[target.key] = nastyValue(random, container[target.key] ?? null);
  }
  return doc;
}

/** Byte-level damage of a serialized body. */
export function damageBytes(random: Random, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  switch (random.int(0, 5)) {
    case 0:
      return bytes.subarray(0, random.int(0, bytes.length));
    case 1: {
      const copy = Buffer.from(bytes);
      for (let i = 0; i < random.int(1, 8); i++)
        copy[random.int(0, Math.max(0, copy.length - 1))] = random.int(0, 255);
      return copy;
    }
    case 2:
      return Buffer.concat([bytes, Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff])]);
    case 3:
      return Buffer.from(Array.from({ length: random.int(0, 2048) }, () => random.int(0, 255)));
    case 4:
      return Buffer.from(`${text}${text}`);
    default:
      return Buffer.from(`\ufeff${text}`);
  }
}

export type { Json };
