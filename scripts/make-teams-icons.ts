/**
 * Draws the Teams app icons (manifests/teams/color.png 192×192, outline.png 32×32 white on transparent):
 * a "call back" arrow going round, on Ringback's blue. Pure Node (zlib) so anyone can redraw them:
 * `npx tsx scripts/make-teams-icons.ts`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

const BLUE: Rgba = [0x44, 0x64, 0xee, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA PNG (colour type 6, 8 bits). */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    rows[row] = 0; // no filter
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Is the point (in a 0..1 square) on the glyph: a ring with a gap, an arrowhead, a dot in the middle? */
function onGlyph(u: number, v: number): boolean {
  const dx = u - 0.5;
  const dy = v - 0.5;
  const r = Math.hypot(dx, dy);
  const angle = Math.atan2(dy, dx); // 0 = right, -π/2 = up (y grows downwards)
  const inGap = angle > -Math.PI / 2 && angle < -Math.PI / 8;
  if (r > 0.255 && r < 0.335 && !inGap) return true;
  // Arrowhead at the top of the ring, pointing right (clockwise: the call going back out).
  const ax = u - 0.5;
  const ay = v - (0.5 - 0.295);
  if (ax >= -0.02 && ax <= 0.14 && Math.abs(ay) <= 0.13 * (1 - (ax + 0.02) / 0.16)) return true;
  return r < 0.085;
}

function roundedSquare(u: number, v: number, radius: number): boolean {
  const cx = Math.min(Math.max(u, radius), 1 - radius);
  const cy = Math.min(Math.max(v, radius), 1 - radius);
  return Math.hypot(u - cx, v - cy) <= radius;
}

/** Supersampled so edges are smooth: `paint` answers the colour of a point, coverage blends it. */
function draw(size: number, paint: (u: number, v: number) => Rgba): Buffer {
  const samples = 4;
  return encodePng(size, size, (x, y) => {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < samples; sy++) {
      for (let sx = 0; sx < samples; sx++) {
        const color = paint((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size);
        const alpha = color[3] / 255;
        for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (color[c] ?? 0) * alpha;
        sum[3] = (sum[3] ?? 0) + color[3];
      }
    }
    const n = samples * samples;
    const alpha = (sum[3] ?? 0) / n;
    if (alpha === 0) return CLEAR;
    const a = alpha / 255;
    return [
      Math.round((sum[0] ?? 0) / n / a),
      Math.round((sum[1] ?? 0) / n / a),
      Math.round((sum[2] ?? 0) / n / a),
      Math.round(alpha),
    ];
  });
}

export function colorIcon(): Buffer {
  // Full colour, 192×192: the glyph in white on a blue rounded square (Teams crops it into a tile).
  return draw(192, (u, v) => {
    if (!roundedSquare(u, v, 0.18)) return CLEAR;
    const g = (u - 0.5) / 0.72 + 0.5;
    const h = (v - 0.5) / 0.72 + 0.5;
    return onGlyph(g, h) ? WHITE : BLUE;
  });
}

export function outlineIcon(): Buffer {
  // 32×32, white on transparent (Teams tints it).
  return draw(32, (u, v) => (onGlyph((u - 0.5) / 0.92 + 0.5, (v - 0.5) / 0.92 + 0.5) ? WHITE : CLEAR));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'manifests', 'teams');
  writeFileSync(join(dir, 'color.png'), colorIcon());
  writeFileSync(join(dir, 'outline.png'), outlineIcon());
  process.stdout.write(`wrote ${join(dir, 'color.png')} and ${join(dir, 'outline.png')}\n`);
}
