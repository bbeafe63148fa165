/** The adapters a Ringback process plugs in, in order. Each one turns itself off when its credentials are absent. */

import { registerTriage } from '../app/triage.js';
import { registerProviders } from '../providers/register.js';
import { registerRetention } from '../retention/register.js';
import { registerSlack } from '../surfaces/slack/register.js';
import { registerTeams } from '../surfaces/teams/register.js';
import { registerEscalation } from '../timers/register.js';
import { registerZendesk } from '../zendesk/register.js';
import type { RegisterAdapter } from './context.js';

export const adapters: RegisterAdapter[] = [
  registerEscalation,
  registerTriage,
  registerProviders,
  registerSlack,
  registerTeams,
  registerZendesk,
  registerRetention,
];
