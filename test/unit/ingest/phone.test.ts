import { describe, expect, it } from 'vitest';
import { formatNumber, isWithheld, normalizeNumber, sameNumber, toE164 } from '../../../src/domain/phone.js';

describe('phone numbers', () => {
  describe('normalizeNumber', () => {
    it('reads the formatted numbers Aircall sends as E.164', () => {
      expect(normalizeNumber('+33 1 76 36 06 95')).toEqual({
        e164: '+33176360695',
        country: 'FR',
        valid: true,
      });
    });

    it('reads national numbers with the line country', () => {
      expect(toE164('06 12 34 56 78', 'FR')).toBe('+33612345678');
      expect(toE164('(213) 373-4253', 'US')).toBe('+12133734253');
    });

    it('reads the 00 international prefix, whatever the line’s country', () => {
      expect(toE164('0033 1 76 36 06 95', 'FR')).toBe('+33176360695');
      // 011 is the US prefix, but phone systems write 00 everywhere.
      expect(toE164('0044 20 7946 0958', 'US')).toBe('+442079460958');
      // With a separator after the 00 too, on a line of any country or none.
      expect(toE164('00 44 20 7946 0958', 'US')).toBe('+442079460958');
      expect(toE164('00-33-6-12-34-56-78', 'US')).toBe('+33612345678');
      expect(toE164('00 44 20 7946 0958')).toBe('+442079460958');
    });

    it('reads a line country’s own longer prefix (Australia’s 0011), and 00 there too', () => {
      expect(toE164('0011 44 20 7946 0958', 'AU')).toBe('+442079460958');
      expect(toE164('00 44 20 7946 0958', 'AU')).toBe('+442079460958');
      expect(toE164('011 44 20 7946 0958', 'US')).toBe('+442079460958');
    });

    it('reads 00 as 00 and a country code on lines whose prefixes are 00 and a carrier digit', () => {
      // Read with the line's prefixes, 003 + 3 6 12… is Hungary and 003 + 4 61… Sweden.
      expect(toE164('0033 6 12 34 56 78', 'TH')).toBe('+33612345678');
      expect(toE164('0034612345678', 'SG')).toBe('+34612345678');
      expect(toE164('004915123456789', 'KH')).toBe('+4915123456789');
      expect(toE164('00376312345', 'JP')).toBe('+376312345');
    });

    it('reads a line country’s own 00-and-a-digit prefix when 00 and a country code gives no number', () => {
      expect(toE164('001 247 40123', 'TH')).toBe('+24740123');
      expect(toE164('002 247 40123', 'KR')).toBe('+24740123');
    });

    it('gives nothing for all-zero placeholders, so withheld callers do not share one episode', () => {
      for (const raw of ['0000000000', '00', '000']) expect(toE164(raw, 'FR')).toBeNull();
    });

    it('keeps numbers the full metadata calls invalid, such as +1 800 test numbers', () => {
      expect(normalizeNumber('+1 800-123-4567')).toEqual({
        e164: '+18001234567',
        country: null,
        valid: false,
      });
    });

    it('gives nothing for internal extensions', () => {
      expect(toE164('1001', 'FR')).toBeNull();
    });
  });

  describe('withheld callers', () => {
    it.each(['anonymous', 'Anonymous', 'withheld', 'private', 'unknown', '+266696687', '', null, undefined])(
      'recognises %s',
      (raw) => {
        expect(isWithheld(raw)).toBe(true);
        expect(toE164(raw, 'FR')).toBeNull();
      },
    );

    it.each(['+86282452253', '+2562533', '+8656696', '+7378742833'])(
      'recognises Twilio’s keypad placeholder %s, so withheld callers do not share one episode',
      (raw) => {
        expect(isWithheld(raw)).toBe(true);
        expect(toE164(raw, 'US')).toBeNull();
      },
    );

    it('does not take a real number for a withheld one', () => {
      expect(isWithheld('+33 6 12 34 56 78')).toBe(false);
      // Twilio's RESTRICTED without its "+" reads as an Austin number.
      expect(isWithheld('7378742833')).toBe(false);
    });
  });

  describe('sameNumber', () => {
    it('compares numbers written differently', () => {
      expect(sameNumber('+33 1 76 36 06 95', '+33176360695')).toBe(true);
      expect(sameNumber('01 76 36 06 95', '+33 1 76 36 06 95', 'FR')).toBe(true);
      expect(sameNumber('+33 1 76 36 06 95', '+33 1 76 36 06 96')).toBe(false);
    });
  });

  describe('formatNumber', () => {
    it('shows numbers of the line country in national form, others internationally', () => {
      expect(formatNumber('+33176360695', 'FR')).toBe('01 76 36 06 95');
      expect(formatNumber('+442079460958', 'FR')).toBe('+44 20 7946 0958');
      expect(formatNumber(null, 'FR')).toBeNull();
    });
  });
});
