/**
 * `npm run package:teams`: writes the Teams app package (manifest.json with this deployment's ids,
 * color.png, outline.png) to dist/teams/ringback-teams.zip, ready for "Upload a custom app" in Teams.
 *
 * Environment: MicrosoftAppId (required, the Azure Bot's app id); TEAMS_APP_ID (optional, default derived
 * from the bot id so every package of one bot is the same app); TEAMS_DEVELOPER_NAME, TEAMS_WEBSITE_URL,
 * TEAMS_PRIVACY_URL, TEAMS_TERMS_URL (optional, shown on the app's page). `--out PATH` writes elsewhere.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTeamsPackage } from './lib/teamsPackage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The same .env the server reads (variables already set win), so MicrosoftAppId need not be typed twice.
if (existsSync('.env')) process.loadEnvFile('.env');
const outFlag = process.argv.indexOf('--out');
const out = resolve(
  outFlag > 0 && process.argv[outFlag + 1]
    ? (process.argv[outFlag + 1] as string)
    : join(root, 'dist', 'teams', 'ringback-teams.zip'),
);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const result = await buildTeamsPackage({
  botId: process.env.MicrosoftAppId,
  appId: process.env.TEAMS_APP_ID || undefined,
  version,
  developer: {
    name: process.env.TEAMS_DEVELOPER_NAME,
    websiteUrl: process.env.TEAMS_WEBSITE_URL,
    privacyUrl: process.env.TEAMS_PRIVACY_URL,
    termsOfUseUrl: process.env.TEAMS_TERMS_URL,
  },
});

if (!result.ok) {
  process.stderr.write(
    `package:teams: cannot build the Teams app package:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, result.zip);
process.stdout.write(
  `package:teams: wrote ${out}\n  Teams app id ${result.manifest.id}, bot ${result.manifest.bots?.[0]?.botId}, version ${result.manifest.version}\n` +
    '  Upload it in Teams: Apps › Manage your apps › Upload an app (or the Teams admin center for the whole organisation).\n',
);
