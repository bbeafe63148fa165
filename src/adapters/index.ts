/** The adapters a Ringback process plugs in, in order. Each one turns itself off when its credentials are absent. */

import { registerTriage } from '../app/triage.js';
import { registerProviders } from '../providers/register.js';
import { registerRetention } from '../retention/register.js';
import { registerSlack } from '../surfaces/slack/register.js';
import { teamsAuth } from '../surfaces/teams/auth.js';
import { mountTeamsOff } from '../surfaces/teams/off.js';
import { registerEscalation } from '../timers/register.js';
import { registerZendesk } from '../zendesk/register.js';
import type { RegisterAdapter } from './context.js';

/**
 * Teams' SDKs (teams-ai and botbuilder: some 50 MB of heap, in each of a process's two threads) are loaded
 * only when Teams is on, or when its module must say why it refuses to start.
 */
const registerTeams: RegisterAdapter = async (ctx) => {
  const auth = teamsAuth(ctx.config.env);
  if (auth.mode === 'off' && !auth.refused) {
    mountTeamsOff(ctx, auth.why);
    return;
  }
  const { registerTeams: register } = await import('../surfaces/teams/register.js');
  await register(ctx);
};

export const adapters: RegisterAdapter[] = [
  registerEscalation,
  registerTriage,
  registerProviders,
  registerSlack,
  registerTeams,
  registerZendesk,
  registerRetention,
];
