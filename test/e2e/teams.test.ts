/**
 * Teams in a real browser: Ringback and the Microsoft 365 Agents Playground (a local Teams) on loopback,
 * Debian's chromium-headless-shell driven by playwright-core. A missed call arrives through the generic
 * webhook → its card shows in the team's channel → Claim → "Claimed by Alex Wilber" → pick an outcome and
 * Resolve → the card shows the final state. Screenshots go to test-results/teams/; the last one also to
 * docs/img/teams-demo.png for the README when it is missing or UPDATE_SCREENSHOTS=1.
 *
 * Nothing leaves the machine: the browser aborts every request that is not to 127.0.0.1/localhost and
 * resolves no other host name; the playground runs with its offline guard (scripts/lib/offline-guard.cjs).
 * Without the browser the test is skipped loudly; REQUIRE_BROWSER=1 (CI) makes that a failure.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CALLS, type DemoRingback, startDemoRingback } from '../../scripts/lib/demoRingback.js';
import { PLAYGROUND, type RunningPlayground, startPlayground } from '../../scripts/lib/teamsPlayground.js';
import { memoryLogger } from '../helpers/ringback.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(root, 'test-results', 'teams');
const BROWSER = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** Flags that keep Chromium from calling home; requests to other hosts are also aborted per page. */
const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-sync',
  '--metrics-recording-only',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

const haveBrowser = existsSync(BROWSER);
if (!haveBrowser) {
  if (process.env.REQUIRE_BROWSER === '1') {
    throw new Error(
      `REQUIRE_BROWSER=1 but there is no browser at ${BROWSER} (apt-get install chromium-headless-shell)`,
    );
  }
  console.warn(
    `\n!!! No browser at ${BROWSER}: the Teams browser test is SKIPPED.\n` +
      '!!! apt-get install chromium-headless-shell (or set CHROMIUM_PATH); CI sets REQUIRE_BROWSER=1 so it cannot skip there.\n',
  );
}

describe.skipIf(!haveBrowser)('Teams in a browser (Agents Playground)', () => {
  let demo: DemoRingback;
  let playground: RunningPlayground;
  let browser: Browser;
  let page: Page;
  const log = memoryLogger();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    demo = await startDemoRingback({ logger: log.logger });
    playground = await startPlayground({ botEndpoint: demo.botEndpoint });
    browser = await chromium.launch({ executablePath: BROWSER, args: BROWSER_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      // The playground's page asks Microsoft's CDN for fonts and icons: it renders without them.
      return LOCAL_HOSTS.has(url.hostname) ? route.continue() : route.abort();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
    await demo?.stop();
  });

  it('shows a missed call’s card in the channel, then claim, outcome and resolve', async () => {
    try {
      await flow();
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'failed.png') }).catch(() => undefined);
      console.error(
        `Ringback's log:\n${log.lines().join('\n')}\nThe playground's output:\n${playground.output()}`,
      );
      throw error;
    }
  }, 90_000);

  async function flow(): Promise<void> {
    // The app is added to the team (Ringback learns its channels), and Alex opens the Callbacks channel.
    await playground.addBotToTeam();
    await page.goto(playground.url);
    await page.getByText(PLAYGROUND.channel.name, { exact: true }).first().click();
    await page.getByText('Start a new post').waitFor();

    const [call] = DEMO_CALLS;
    if (!call) throw new Error('no demo call');
    await demo.sendCall(call);

    const card = page
      .locator('.ac-adaptiveCard')
      .filter({ hasText: 'Missed call from Marie Dupont' })
      .first();
    await card.waitFor({ timeout: 20_000 });
    await expect.poll(() => card.textContent()).toContain('Unclaimed');
    await page.screenshot({ path: join(SHOTS, '1-missed-call.png') });

    await card.getByRole('button', { name: 'Claim', exact: true }).click();
    await card.getByText('Claimed by Alex Wilber', { exact: false }).waitFor({ timeout: 20_000 });
    await card.getByRole('button', { name: 'Release', exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, '2-claimed.png') });

    // The playground draws a compact ChoiceSet as a Fluent combobox: open it, then pick the outcome.
    await card.getByRole('combobox', { name: 'Outcome' }).click();
    await page.getByRole('option', { name: 'Reached the caller' }).click();
    await card.getByRole('button', { name: 'Resolve', exact: true }).click();
    await card.getByText('Resolved by Alex Wilber · Reached the caller').waitFor({ timeout: 20_000 });
    await expect.poll(() => card.getByRole('button', { name: 'Claim', exact: true }).count()).toBe(0);
    const final = join(SHOTS, '3-resolved.png');
    await page.screenshot({ path: final });
    // The README's picture: refreshed on demand, so a test run does not change a tracked file.
    const readmeShot = join(root, 'docs', 'img', 'teams-demo.png');
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(readmeShot)) {
      mkdirSync(dirname(readmeShot), { recursive: true });
      copyFileSync(final, readmeShot);
    }

    const [episode] = await demo.ringback.store.episodes.list({ limit: 1 });
    expect(episode).toMatchObject({ state: 'resolved', outcome: 'reached' });
    expect(episode?.resolvedBy).toMatchObject({
      name: 'Alex Wilber',
      email: PLAYGROUND.user.email,
      surface: 'teams',
    });
  }
});
