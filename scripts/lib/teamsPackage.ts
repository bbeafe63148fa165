/**
 * The Teams app package: manifests/teams/manifest.json with this deployment's ids, and the two icons,
 * validated offline against the manifest schema bundled in @microsoft/app-manifest.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppManifestUtils, type TeamsManifestV1D19 } from '@microsoft/app-manifest';
import { zip } from './zip.js';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MANIFEST_DIR = join(root, 'manifests', 'teams');

/** The manifest version manifests/teams/manifest.json is written in. */
export type TeamsManifest = TeamsManifestV1D19.TeamsManifestV1D19;

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

/** The schema of a manifest version, from the package (never fetched: the validation runs offline). */
export function bundledSchema(manifestVersion: string): object {
  const dir = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  const path = join(
    dir,
    'build',
    'json-schemas',
    'teams',
    `v${manifestVersion}`,
    'MicrosoftTeams.schema.json',
  );
  return JSON.parse(readFileSync(path, 'utf8')) as object;
}

/** A stable app id for a bot: the same bot always gets the same Teams app (so updates replace it). */
export function appIdFor(botId: string): string {
  const hex = createHash('sha1').update(`ringback-teams-app:${botId.toLowerCase()}`).digest('hex');
  // RFC 4122 layout, version 5 (name-based, SHA-1).
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** Width and height from a PNG's IHDR, or null when it is not a PNG. */
export function pngSize(data: Buffer): { width: number; height: number } | null {
  const signature = '89504e470d0a1a0a';
  if (data.length < 24 || data.subarray(0, 8).toString('hex') !== signature) return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

export interface PackageInput {
  /** MicrosoftAppId: the Azure Bot's app id. */
  botId: string | undefined;
  /** TEAMS_APP_ID; default derived from the bot id. */
  appId?: string | undefined;
  version: string;
  developer?: Partial<Record<'name' | 'websiteUrl' | 'privacyUrl' | 'termsOfUseUrl', string | undefined>>;
  manifestDir?: string;
}

export type PackageResult =
  | { ok: true; manifest: TeamsManifest; zip: Buffer }
  | { ok: false; problems: string[] };

export async function buildTeamsPackage(input: PackageInput): Promise<PackageResult> {
  const dir = input.manifestDir ?? MANIFEST_DIR;
  const problems: string[] = [];
  if (!input.botId || !GUID.test(input.botId)) {
    problems.push(
      "MicrosoftAppId must be the Azure Bot's app id (a GUID like 11111111-2222-3333-4444-555555555555)",
    );
  }
  if (input.appId && !GUID.test(input.appId)) problems.push('TEAMS_APP_ID must be a GUID');
  if (problems.length > 0) return { ok: false, problems };
  const botId = input.botId as string;

  const template = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as TeamsManifest;
  const developer = { ...template.developer };
  for (const [key, value] of Object.entries(input.developer ?? {})) {
    if (value) (developer as Record<string, string>)[key] = value;
  }
  const manifest: TeamsManifest = {
    ...template,
    id: input.appId ?? appIdFor(botId),
    version: input.version,
    developer,
    bots: (template.bots ?? []).map((bot) => ({ ...bot, botId })),
    ...(template.webApplicationInfo
      ? { webApplicationInfo: { ...template.webApplicationInfo, id: botId } }
      : {}),
  };

  const failures = await AppManifestUtils.validateAgainstSchema(
    manifest,
    bundledSchema(manifest.manifestVersion) as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1],
  );
  problems.push(...failures.map((f) => `manifest.json${f}`));

  const icons: [string, string, number][] = [
    ['color', manifest.icons.color, 192],
    ['outline', manifest.icons.outline, 32],
  ];
  const files: { name: string; data: Buffer }[] = [];
  for (const [kind, name, size] of icons) {
    const data = readFileSync(join(dir, name));
    const actual = pngSize(data);
    if (!actual || actual.width !== size || actual.height !== size) {
      problems.push(`${name}: the ${kind} icon must be a ${size}×${size} PNG`);
    }
    files.push({ name, data });
  }
  if (problems.length > 0) return { ok: false, problems };

  const manifestJson = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  // Files at the root of the zip, no folder: the layout Teams expects.
  return { ok: true, manifest, zip: zip([{ name: 'manifest.json', data: manifestJson }, ...files]) };
}
