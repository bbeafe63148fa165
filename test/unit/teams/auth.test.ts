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

  it('is open for the local playground only when MicrosoftAppId is unset outside production', () => {
    expect(teamsAuth(env({}))).toEqual({ mode: 'unauthenticated' });
    expect(teamsLine({})?.why).toContain('UNAUTHENTICATED');
  });

  it('is off in production without MicrosoftAppId', () => {
    expect(teamsLine({ NODE_ENV: 'production' })).toEqual({
      name: 'teams',
      on: false,
      why: 'MicrosoftAppId is unset (required in production)',
    });
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
