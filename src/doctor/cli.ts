/**
 * `npm run doctor`: checks every configured integration against its live API with this machine's
 * environment and routing file, prints one line per check, and exits 0 when everything configured works,
 * 1 when something must be fixed, 2 when the configuration itself is invalid. Nothing is changed on the
 * vendors' side. RINGBACK_TEAMS_TOKEN_URL points the Teams token check at a fake in tests.
 */
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { loadConfigOrExit, runMain } from '../process.js';
import { formatReport, runDoctor } from './run.js';

runMain('ringback doctor', async () => {
  const config = loadConfigOrExit();
  const tokenUrl = process.env.RINGBACK_TEAMS_TOKEN_URL?.trim();
  const report = await runDoctor(config, {
    // The report is the output; client warnings would only interleave with it.
    logger: createLogger({ level: 'silent', secrets: config.secrets }),
    metrics: new Metrics(),
    ...(tokenUrl ? { teamsTokenUrl: tokenUrl } : {}),
  });
  const code = report.healthy ? 0 : 1;
  // Exit explicitly: keep-alive sockets of the HTTP clients would otherwise hold the process a while.
  process.stdout.write(`${formatReport(report)}\n`, () => process.exit(code));
});
