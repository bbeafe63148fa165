/**
 * Ringback as a process for the failure drills: src/main.ts's composition with the production adapters,
 * but with test-sized clocks so a drill that kills a process sees its work taken over at once: job leases
 * (DRILL_LEASE_MS, default 1.5 s; production 15 s, renewed while a job runs), quick polls and backoff,
 * and a short Slack lane run (its lease is six runs). Everything else is the product as shipped.
 */

import { runMain } from '../../../src/process.js';
import { registerProviders } from '../../../src/providers/register.js';
import { createSlackAdapter } from '../../../src/surfaces/slack/register.js';
import { runSplitProcess } from '../../../src/threads/split.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';

runMain('ringback drill entry', async () => {
  const leaseMs = Number(process.env.DRILL_LEASE_MS ?? 1_500);
  // Split like `npm start`: this file is loaded again as the jobs thread.
  await runSplitProcess(import.meta.url, {
    runner: { leaseMs, pollIntervalMs: 50, baseBackoffMs: 100, maxBackoffMs: 1_000 },
    adapters: [
      registerEscalation,
      registerProviders,
      createSlackAdapter({ sender: { laneRunMs: 500 } }),
      createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
    ],
  });
});
