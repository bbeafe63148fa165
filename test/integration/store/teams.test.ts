import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { TeamsChannel, TeamsMember } from '../../../src/store/teams.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

function channel(overrides: Partial<TeamsChannel> = {}): TeamsChannel {
  return {
    channelId: '19:callbacks@thread.tacv2',
    teamId: '19:team@thread.tacv2',
    teamName: 'Support',
    channelName: 'Callbacks',
    tenantId: 'tenant-1',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    botId: '28:app-id',
    botName: 'Ringback',
    ...overrides,
  };
}

function member(overrides: Partial<TeamsMember> = {}): TeamsMember {
  return {
    userKey: 'aad-ana',
    mri: '29:ana',
    aadObjectId: 'aad-ana',
    name: 'Ana',
    email: 'Ana@Example.com',
    tenantId: 'tenant-1',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    botId: '28:app-id',
    personalConversationId: null,
    rosterCheckedAt: null,
    ...overrides,
  };
}

describe.each(kinds)('teams repository on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  describe('channels', () => {
    it('saves channels and lists them by team and channel name', async () => {
      await store.teams.saveChannels(
        [
          channel({ channelId: '19:b', channelName: 'Billing' }),
          channel({ channelId: '19:a', channelName: 'Accounts' }),
        ],
        T0,
      );
      expect(await store.teams.getChannel('19:b')).toEqual(
        channel({ channelId: '19:b', channelName: 'Billing' }),
      );
      expect((await store.teams.listChannels()).map((c) => c.channelName)).toEqual(['Accounts', 'Billing']);
    });

    it('keeps known names when a later event does not name the team or channel', async () => {
      await store.teams.saveChannels([channel()], T0);
      await store.teams.saveChannels(
        [channel({ teamName: null, channelName: null, serviceUrl: 'https://smba.example/amer/' })],
        T0 + 1,
      );
      const saved = await store.teams.getChannel(channel().channelId);
      expect(saved?.teamName).toBe('Support');
      expect(saved?.channelName).toBe('Callbacks');
      expect(saved?.serviceUrl).toBe('https://smba.example/amer/');
    });

    it('makes a team known once, however many ask at the same moment', async () => {
      const general = channel({ channelId: '19:team@thread.tacv2', channelName: 'General' });
      const answers = await Promise.all(Array.from({ length: 5 }, () => store.teams.addTeam(general, T0)));
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(await store.teams.getChannel('19:team@thread.tacv2')).toEqual(general);
      expect(await store.teams.addTeam(general, T0 + 1)).toBe(false);
      // Removed from the team, then added again: a new team once more.
      await store.teams.forgetChannels({ teamId: general.teamId });
      expect(await store.teams.addTeam(general, T0 + 2)).toBe(true);
    });

    it('does not count a team as new when one of its other channels is known', async () => {
      await store.teams.saveChannels([channel()], T0);
      const general = channel({ channelId: '19:team@thread.tacv2', channelName: 'General' });
      expect(await store.teams.addTeam(general, T0)).toBe(false);
      expect(await store.teams.getChannel('19:team@thread.tacv2')).toBeNull();
    });

    it('forgets one channel, or every channel of a team', async () => {
      await store.teams.saveChannels(
        [
          channel({ channelId: '19:a' }),
          channel({ channelId: '19:b' }),
          channel({ channelId: '19:c', teamId: '19:other' }),
        ],
        T0,
      );
      await store.teams.forgetChannels({ channelId: '19:a' });
      expect(await store.teams.getChannel('19:a')).toBeNull();
      await store.teams.forgetChannels({ teamId: '19:team@thread.tacv2' });
      expect((await store.teams.listChannels()).map((c) => c.channelId)).toEqual(['19:c']);
    });
  });

  describe('members', () => {
    it('stores e-mails in lower case and finds people by key, Teams id or e-mail', async () => {
      await store.teams.saveMember(member(), T0);
      await store.teams.saveMember(
        member({
          userKey: 'aad-ben',
          mri: '29:ben',
          aadObjectId: 'aad-ben',
          name: 'Ben',
          email: 'ben@example.com',
        }),
        T0,
      );

      expect((await store.teams.getMember('aad-ana'))?.email).toBe('ana@example.com');
      expect((await store.teams.findByEmail('ANA@example.com'))?.userKey).toBe('aad-ana');
      const found = await store.teams.findMembers(['29:ana', 'BEN@example.com']);
      expect(found.map((m) => m.name).sort()).toEqual(['Ana', 'Ben']);
      expect(await store.teams.findMembers([])).toEqual([]);
    });

    it('keeps what was known when a later sighting leaves a field empty', async () => {
      await store.teams.saveMember(
        member({ personalConversationId: 'a:1-personal', rosterCheckedAt: T0 }),
        T0,
      );
      await store.teams.saveMember(member({ email: null, tenantId: null, name: 'Ana Lopez' }), T0 + 1);

      const saved = await store.teams.getMember('aad-ana');
      expect(saved).toMatchObject({
        name: 'Ana Lopez',
        email: 'ana@example.com',
        tenantId: 'tenant-1',
        personalConversationId: 'a:1-personal',
        rosterCheckedAt: T0,
      });
    });
  });

  it('writes inside a transaction and is undone with it', async () => {
    await expect(
      store.transaction(async (repos) => {
        await repos.teams.saveChannels([channel()], T0);
        await repos.teams.saveMember(member(), T0);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await store.teams.getChannel(channel().channelId)).toBeNull();
    expect(await store.teams.getMember('aad-ana')).toBeNull();

    await store.transaction(async (repos) => {
      await repos.teams.saveMember(member(), T0);
    });
    expect((await store.teams.getMember('aad-ana'))?.name).toBe('Ana');
  });
});
