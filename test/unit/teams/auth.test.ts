import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../src/config/env.js';
import { describeFeatures } from '../../../src/features.js';
import { teamsAuth } from '../../../src/surfaces/teams/auth.js';

const env = (values: Record<string, string>) => envSchema.parse(values);
const teamsLine = (values: Record<string, string>) =>
  describeFeatures(env(values)).find((f) => f.name === 'teams');

describe('Teams authentication', () => {
  it('checks Bot Framework tokens when MicrosoftAppId is set', () => {
    const values = {
      MicrosoftAppId: 'app',
      MicrosoftAppPassword: 'secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: 'tenant',
    };
    expect(teamsAuth(env(values))).toEqual({
      mode: 'bot_framework',
      appId: 'app',
      password: 'secret',
      appType: 'SingleTenant',
      tenantId: 'tenant',
    });
    expect(teamsLine(values)).toEqual({
      name: 'teams',
      on: true,
      why: 'Bot Framework (SingleTenant) at POST /api/messages',
    });
  });

  it('is off without MicrosoftAppId, naming the switch for the local playground', () => {
    expect(teamsAuth(env({}))).toEqual({
      mode: 'off',
      why: 'MicrosoftAppId is unset (RINGBACK_TEAMS_PLAYGROUND=1 opens it to a local Agents Playground instead)',
    });
    expect(teamsLine({})?.on).toBe(false);
    expect(teamsLine({ NODE_ENV: 'development' })?.on).toBe(false);
  });

  it('is open to a local playground only with RINGBACK_TEAMS_PLAYGROUND=1, and says so', () => {
    expect(teamsAuth(env({ RINGBACK_TEAMS_PLAYGROUND: '1' }))).toEqual({ mode: 'playground' });
    const line = teamsLine({ RINGBACK_TEAMS_PLAYGROUND: '1' });
    expect(line?.on).toBe(true);
    expect(line?.why).toContain('local Agents Playground mode');
    expect(line?.why).toContain('loopback serviceUrl only');
  });

  it('takes only the exact value 1 as the switch', () => {
    for (const value of ['true', 'yes', '0', 'on']) {
      expect(teamsAuth(env({ RINGBACK_TEAMS_PLAYGROUND: value })).mode).toBe('off');
    }
  });

  it('refuses the playground switch in production', () => {
    const auth = teamsAuth(env({ RINGBACK_TEAMS_PLAYGROUND: '1', NODE_ENV: 'production' }));
    expect(auth).toEqual({
      mode: 'off',
      why: 'RINGBACK_TEAMS_PLAYGROUND=1 is refused with NODE_ENV=production: set MicrosoftAppId (Bot Framework) instead',
      refused: true,
    });
  });

  it('prefers Bot Framework when MicrosoftAppId is set, even with the playground switch', () => {
    const values = {
      MicrosoftAppId: 'app',
      MicrosoftAppPassword: 'secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: 'tenant',
      RINGBACK_TEAMS_PLAYGROUND: '1',
    };
    expect(teamsAuth(env(values)).mode).toBe('bot_framework');
  });

  it('is off, naming what is missing, when the registration is incomplete', () => {
    expect(teamsAuth(env({ MicrosoftAppId: 'app', MicrosoftAppType: 'UserAssignedMSI' }))).toEqual({
      mode: 'off',
      why: 'MicrosoftAppType UserAssignedMSI needs MicrosoftAppTenantId',
    });
    expect(teamsAuth(env({ MicrosoftAppId: 'app' }))).toEqual({
      mode: 'off',
      why: 'MicrosoftAppType MultiTenant needs MicrosoftAppPassword',
    });
    expect(
      teamsAuth(env({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'x', MicrosoftAppType: 'Weird' })).mode,
    ).toBe('off');
  });
});
