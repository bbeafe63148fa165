import { createRequire } from 'node:module';
import { AuthenticationError } from 'botframework-connector';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../src/config/env.js';
import { describeFeatures } from '../../../src/features.js';
import { teamsAuth } from '../../../src/surfaces/teams/auth.js';
import { isAuthenticationError } from '../../../src/surfaces/teams/register.js';

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

  it('refuses the playground switch in production however NODE_ENV is spelled', () => {
    for (const NODE_ENV of ['Production', 'PRODUCTION', ' production ']) {
      expect(teamsAuth(env({ RINGBACK_TEAMS_PLAYGROUND: '1', NODE_ENV }))).toMatchObject({
        mode: 'off',
        refused: true,
      });
    }
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

describe('a token the Bot Framework check refuses', () => {
  // jsonwebtoken as botframework-connector resolves it: the errors it passes on as they are.
  const jwt = createRequire(createRequire(import.meta.url).resolve('botframework-connector'))(
    'jsonwebtoken',
  ) as {
    sign(payload: object, key: string, options?: object): string;
    verify(token: string, key: string, options?: object): unknown;
  };
  const refusal = (token: string, options: object = {}) => {
    try {
      jwt.verify(token, 'the-real-key', options);
    } catch (error) {
      return error;
    }
    throw new Error('the token was accepted');
  };

  it('is a 401 whether the Bot Framework or jsonwebtoken refused it', () => {
    const forged = jwt.sign({ iss: 'https://api.botframework.com' }, 'not-the-key');
    const early = jwt.sign({ nbf: Math.floor(Date.now() / 1000) + 3600 }, 'the-real-key');
    expect(isAuthenticationError(refusal(forged))).toBe(true);
    expect(isAuthenticationError(refusal(early))).toBe(true);
    expect(isAuthenticationError(refusal('not.a.token'))).toBe(true);
    expect(isAuthenticationError(new AuthenticationError('no token', 401))).toBe(true);
  });

  it('is not a 401 when something else failed', () => {
    expect(isAuthenticationError(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(isAuthenticationError(new TypeError('x is undefined'))).toBe(false);
  });
});
