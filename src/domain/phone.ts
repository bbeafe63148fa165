/**
 * Phone numbers as the providers send them ("+33 1 76 36 06 95", "06 12 34 56 78", "anonymous") turned
 * into E.164, the only form Ringback keys on. Pure: libphonenumber-js carries its own metadata.
 */
import parsePhoneNumber, { type CountryCode } from 'libphonenumber-js/max';

/** What providers write when the caller hid the number (Aircall `anonymous`, Twilio `+266696687`, …). */
const WITHHELD_WORDS = new Set([
  'anonymous',
  'withheld',
  'private',
  'restricted',
  'unavailable',
  'unknown',
  'hidden',
  'blocked',
  'no caller id',
  'nocallerid',
  // Twilio's placeholders: the words spelled on a phone keypad (ANONYMOUS, UNAVAILABLE, BLOCKED, UNKNOWN,
  // RESTRICTED), listed in its support article "Why am I getting calls from these strange numbers?".
  // RingCentral and others use the words above.
  '+266696687',
  '266696687',
  '+86282452253',
  '86282452253',
  '+2562533',
  '2562533',
  '+8656696',
  '8656696',
  // Without its "+" this is also a real US number, (737) 874-2833: only Twilio's E.164 form counts.
  '+7378742833',
]);

export interface NormalizedNumber {
  /** `+33176360695`. */
  e164: string;
  /** ISO 3166 alpha-2 when the number is valid for a country; null for invalid or non-geographic ones. */
  country: string | null;
  /**
   * Strict validity by the full metadata. Only for display: test and toll-free numbers such as
   * `+1 800-123-4567` are invalid here yet real callers, so they are kept.
   */
  valid: boolean;
}

/** True when the provider says the caller withheld the number (or sent nothing at all). */
export function isWithheld(raw: string | null | undefined): boolean {
  if (raw === null || raw === undefined) return true;
  const text = raw.trim().toLowerCase();
  // Digits that are all zeros (`0000000000`, `+000`) are a placeholder some systems send for "no number".
  return text === '' || WITHHELD_WORDS.has(text) || /^\+?0[0\s-]*$/.test(text);
}

function asCountry(code: string | undefined): CountryCode | undefined {
  return code && /^[A-Z]{2}$/.test(code) ? (code as CountryCode) : undefined;
}

/**
 * Reads a number written in any usual way; `defaultCountry` (the line's country) reads national forms.
 * Null for withheld callers and for text that is no phone number (an internal extension such as `1001`).
 */
export function normalizeNumber(
  raw: string | null | undefined,
  defaultCountry?: string | null,
): NormalizedNumber | null {
  // Routing compares the same few line numbers on every event: parsing is the costly part, so remember it.
  const key = `${defaultCountry ?? ''}|${raw ?? ''}`;
  const known = PARSED.get(key);
  if (known !== undefined) return known;
  const result = parseNumber(raw, defaultCountry);
  if (PARSED.size >= PARSED_CAPACITY) PARSED.delete(PARSED.keys().next().value as string);
  PARSED.set(key, result);
  return result;
}

const PARSED_CAPACITY = 10_000;
const PARSED = new Map<string, Readonly<NormalizedNumber> | null>();

function parseNumber(
  raw: string | null | undefined,
  defaultCountry?: string | null,
): NormalizedNumber | null {
  if (isWithheld(raw)) return null;
  // A leading 00 is the international prefix of most of the world, written by phone systems everywhere;
  // libphonenumber strips it only when it is the default country's own prefix (not on a US line), and an
  // all-zero placeholder then parsed as a French number shared by every withheld caller.
  // Separators may follow the 00 (`00 44 20…`, `00-33-6…`). When that reading is no valid number, the line
  // country's own longer prefix may be meant (Australia's `0011 44…`, Thailand's `001 247…`): libphonenumber
  // reads that one. The 00 reading comes first: on a line whose prefixes are 00 and a carrier digit, `0033 6…`
  // read as 003 + 3 6… would be Hungary.
  const country = asCountry(defaultCountry ?? undefined);
  const trimmed = (raw ?? '').trim();
  const text = trimmed.replace(/^00[\s.\-()]*(?=[1-9])/, '+');
  let parsed = parsePhoneNumber(text, country);
  if (text !== trimmed && country && !parsed?.isValid()) {
    const byOwnPrefix = parsePhoneNumber(trimmed, country);
    if (byOwnPrefix?.isValid()) parsed = byOwnPrefix;
  }
  if (!parsed) return null;
  const explicitlyInternational = text.startsWith('+');
  // A short local string forced into the default country (`1001` → `+331001`) is not a caller to call back.
  if (!parsed.isPossible() && !explicitlyInternational) return null;
  const valid = parsed.isValid();
  return { e164: parsed.number, country: valid ? (parsed.country ?? null) : null, valid };
}

/**
 * A number to dial: E.164 only when libphonenumber finds it valid, else null. Stricter than `toE164`, which
 * keeps possible-but-invalid numbers for display: a fragment (`+1 415 55`) would send an agent's phone to a
 * stranger.
 */
export function callableNumber(
  raw: string | null | undefined,
  defaultCountry?: string | null,
): string | null {
  const parsed = normalizeNumber(raw, defaultCountry);
  return parsed?.valid ? parsed.e164 : null;
}

/** E.164 or null; the common case. */
export function toE164(raw: string | null | undefined, defaultCountry?: string | null): string | null {
  return normalizeNumber(raw, defaultCountry)?.e164 ?? null;
}

/** Two numbers written differently are the same line or caller ("+33 1 76 36 06 95" vs "+33176360695"). */
export function sameNumber(a: string, b: string, defaultCountry?: string | null): boolean {
  const left = toE164(a, defaultCountry);
  const right = toE164(b, defaultCountry);
  if (left !== null && right !== null) return left === right;
  const digits = (s: string) => s.replace(/\D/g, '');
  return digits(a) !== '' && digits(a) === digits(b);
}

/** For people: national format when the number is from the line's country, else international. */
export function formatNumber(e164: string | null, lineCountry?: string | null): string | null {
  if (!e164) return null;
  const parsed = parsePhoneNumber(e164);
  if (!parsed) return e164;
  return lineCountry && parsed.country === lineCountry
    ? parsed.formatNational()
    : parsed.formatInternational();
}
