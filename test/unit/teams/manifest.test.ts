/** The Teams app package: a valid manifest (checked offline against the bundled schema) and its icons. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { describe, expect, it } from 'vitest';
import {
  appIdFor,
  buildTeamsPackage,
  bundledSchema,
  MANIFEST_DIR,
  type TeamsManifest,
} from '../../../scripts/lib/teamsPackage.js';

const BOT_ID = '11111111-2222-3333-4444-555555555555';

/** Reads a ZIP's central directory and inflates each entry, checking its CRC. */
function unzipEntries(data: Buffer): Map<string, Buffer> {
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(data.readUInt32LE(at)).toBe(0x02014b50);
    const method = data.readUInt16LE(at + 10);
    const crc = data.readUInt32LE(at + 16);
    const size = data.readUInt32LE(at + 20);
    const nameLength = data.readUInt16LE(at + 28);
    const extra = data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    const local = data.readUInt32LE(at + 42);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const raw = data.subarray(start, start + size);
    const content = method === 8 ? inflateRawSync(raw) : raw;
    expect(crc32(content)).toBe(crc);
    entries.set(name, content);
    at += 46 + nameLength + extra;
  }
  return entries;
}

/** Decodes an 8-bit RGBA PNG (any row filter) to its pixels. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect([png[24], png[25]]).toEqual([8, 6]);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = rows[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const raw = rows[y * (stride + 1) + 1 + x] as number;
      const a = x >= 4 ? (pixels[y * stride + x - 4] as number) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] as number) : 0;
      const c = x >= 4 && y > 0 ? (pixels[(y - 1) * stride + x - 4] as number) : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter as number] as number;
      pixels[y * stride + x] = (raw + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

describe('the Teams app manifest', () => {
  const template = JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8')) as TeamsManifest;

  it('is version 1.17 or later and valid against its schema, offline', async () => {
    expect(Number(template.manifestVersion)).toBeGreaterThanOrEqual(1.17);
    const schema = bundledSchema(template.manifestVersion) as Parameters<
      typeof AppManifestUtils.validateAgainstSchema
    >[1];
    expect(await AppManifestUtils.validateAgainstSchema(template, schema)).toEqual([]);
  });

  it('offers the bot in teams, chats and personal scope, with its commands', () => {
    const [bot] = template.bots ?? [];
    expect(bot?.scopes).toEqual(['team', 'personal', 'groupChat']);
    expect(bot?.commandLists?.[0]?.commands.map((c) => c.title)).toEqual([
      'summary',
      'open',
      'mine',
      'export',
      'channels',
      'help',
    ]);
  });

  it('asks to read its channels’ messages, so replies under a card reach it without an @mention', () => {
    expect(template.authorization?.permissions?.resourceSpecific).toContainEqual({
      name: 'ChannelMessage.Read.Group',
      type: 'Application',
    });
  });
});

describe('the icons', () => {
  it('are a 192×192 full-colour PNG and a 32×32 white-on-transparent PNG', () => {
    const color = decodePng(readFileSync(join(MANIFEST_DIR, 'color.png')));
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = decodePng(readFileSync(join(MANIFEST_DIR, 'outline.png')));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let opaque = 0;
    for (let i = 0; i < outline.pixels.length; i += 4) {
      const [r, g, b, a] = [...outline.pixels.subarray(i, i + 4)] as [number, number, number, number];
      if (a > 0) {
        opaque++;
        expect([r, g, b]).toEqual([255, 255, 255]);
      }
    }
    expect(opaque).toBeGreaterThan(0);
    expect(opaque).toBeLessThan(32 * 32);
  });
});

describe('npm run package:teams', () => {
  it('puts this deployment’s ids in a valid manifest, zipped at the root with both icons', async () => {
    const result = await buildTeamsPackage({
      botId: BOT_ID,
      version: '1.2.3',
      developer: { name: 'Acme Support' },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const entries = unzipEntries(result.zip);
    expect([...entries.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const manifest = JSON.parse((entries.get('manifest.json') as Buffer).toString('utf8')) as TeamsManifest;
    expect(manifest.id).toBe(appIdFor(BOT_ID));
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.developer.name).toBe('Acme Support');
    expect(manifest.bots?.[0]?.botId).toBe(BOT_ID);
    expect(manifest.webApplicationInfo?.id).toBe(BOT_ID);
    const schema = bundledSchema(manifest.manifestVersion) as Parameters<
      typeof AppManifestUtils.validateAgainstSchema
    >[1];
    expect(await AppManifestUtils.validateAgainstSchema(manifest, schema)).toEqual([]);
    expect(entries.get('color.png')).toEqual(readFileSync(join(MANIFEST_DIR, 'color.png')));
  });

  it('writes a zip that the system’s unzip accepts too', async (ctx) => {
    if (!existsSync('/usr/bin/unzip')) ctx.skip('unzip is not installed');
    const result = await buildTeamsPackage({ botId: BOT_ID, version: '1.0.0' });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const path = join(mkdtempSync(join(tmpdir(), 'ringback-zip-')), 'app.zip');
    writeFileSync(path, result.zip);
    expect(execFileSync('/usr/bin/unzip', ['-t', path]).toString()).toContain('No errors detected');
  });

  it('keeps the same Teams app id for the same bot, so a new package updates the app', () => {
    expect(appIdFor(BOT_ID)).toBe(appIdFor(BOT_ID.toUpperCase()));
    expect(appIdFor(BOT_ID)).not.toBe(appIdFor('99999999-2222-3333-4444-555555555555'));
    expect(appIdFor(BOT_ID)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses to build without the bot’s app id', async () => {
    expect(await buildTeamsPackage({ botId: undefined, version: '1.0.0' })).toEqual({
      ok: false,
      problems: [expect.stringContaining('MicrosoftAppId must be the Azure Bot')],
    });
  });
});
