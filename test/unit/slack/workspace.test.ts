import { describe, expect, it } from 'vitest';
import { isOwnWorkspace } from '../../../src/surfaces/slack/workspace.js';

describe('isOwnWorkspace', () => {
  const workspaceInstall = { teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: false };
  const orgInstall = { teamId: 'E1', enterpriseId: 'E1', isEnterpriseInstall: true };

  it('accepts the bot token’s own workspace', () => {
    expect(isOwnWorkspace(workspaceInstall, { teamId: 'T1', enterpriseId: 'E1' })).toBe(true);
    expect(isOwnWorkspace({ ...workspaceInstall, enterpriseId: null }, { teamId: 'T1' })).toBe(true);
  });

  it('refuses another workspace, even one of the same Enterprise Grid', () => {
    expect(isOwnWorkspace(workspaceInstall, { teamId: 'T2', enterpriseId: 'E1' })).toBe(false);
    expect(isOwnWorkspace(workspaceInstall, { teamId: 'T2' })).toBe(false);
  });

  it('refuses a request that names no workspace', () => {
    expect(isOwnWorkspace(workspaceInstall, {})).toBe(false);
  });

  it('refuses everything when auth.test named no workspace (fail closed)', () => {
    expect(isOwnWorkspace({ teamId: null, enterpriseId: null, isEnterpriseInstall: false }, {})).toBe(false);
  });

  it('accepts every workspace of its enterprise for an org-wide install, and nothing outside it', () => {
    expect(isOwnWorkspace(orgInstall, { teamId: 'T7', enterpriseId: 'E1' })).toBe(true);
    expect(isOwnWorkspace(orgInstall, { enterpriseId: 'E1' })).toBe(true);
    expect(isOwnWorkspace(orgInstall, { teamId: 'T7', enterpriseId: 'E2' })).toBe(false);
    expect(isOwnWorkspace(orgInstall, { teamId: 'E1' })).toBe(false);
  });
});
