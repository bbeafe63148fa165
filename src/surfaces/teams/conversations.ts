/**
 * Where the bot is: when it is added to a team (or installed there), every channel of the team is
 * remembered with the team's service URL and tenant, so cards can later be posted there without a message
 * to answer; channel events keep the list current. Admins read it back with `@Ringback channels`.
 */
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../observability/logger.js';
import { vendorPolicies } from '../../resilience/vendorPolicy.js';
import type { TeamsChannel, TeamsRepository } from '../../store/teams.js';
import { channelOfConversation } from './connector.js';

interface TeamsChannelData {
  eventType?: string;
  team?: { id?: string; name?: string };
  channel?: { id?: string; name?: string };
  tenant?: { id?: string };
}

function channelData(context: TurnContext): TeamsChannelData {
  const data = context.activity.channelData;
  return data && typeof data === 'object' ? (data as TeamsChannelData) : {};
}

export class TeamsConversations {
  constructor(private readonly deps: { teams: TeamsRepository; clock: Clock; logger: Logger }) {}

  private base(context: TurnContext, teamId: string, teamName: string | null) {
    const activity = context.activity;
    return {
      teamId,
      teamName,
      tenantId: activity.conversation?.tenantId ?? channelData(context).tenant?.id ?? null,
      serviceUrl: activity.serviceUrl,
      botId: activity.recipient.id,
      botName: activity.recipient.name ?? null,
    };
  }

  /** Remembers every channel of the activity's team; true when the team was not known before. */
  async rememberTeam(context: TurnContext): Promise<boolean> {
    const { teams, clock, logger } = this.deps;
    const data = channelData(context);
    const teamId = data.team?.id;
    if (!teamId) return false;
    const base = this.base(context, teamId, data.team?.name ?? null);
    const isNew = await teams.addTeam({ ...base, channelId: teamId, channelName: 'General' }, clock.now());
    let channels: TeamsChannel[];
    try {
      const listed = await vendorPolicies
        .get('teams')
        .request('getTeamChannels', () => TeamsInfo.getTeamChannels(context, teamId));
      channels = listed
        .filter((c): c is typeof c & { id: string } => typeof c.id === 'string' && c.id !== '')
        // The General channel has no name in the list; its id is the team's.
        .map((c) => ({
          ...base,
          channelId: c.id,
          channelName: c.name || (c.id === teamId ? 'General' : null),
        }));
    } catch (error) {
      logger.warn(
        { err: error, team: teamId },
        "teams: could not list the team's channels; remembering this one",
      );
      channels = [];
    }
    const here = channelOfConversation(context.activity.conversation.id);
    if (!channels.some((c) => c.channelId === here)) {
      channels.push({
        ...base,
        channelId: here,
        channelName: data.channel?.name ?? (here === teamId ? 'General' : null),
      });
    }
    await teams.saveChannels(channels, clock.now());
    if (isNew)
      logger.info(
        { team: teamId, channels: channels.length },
        `teams: added to team ${base.teamName ?? teamId}`,
      );
    return isNew;
  }

  /** Keeps the channel an activity came from (a message, a click) known, with the latest service URL. */
  async rememberChannelOf(context: TurnContext): Promise<void> {
    const data = channelData(context);
    const teamId = data.team?.id;
    if (context.activity.conversation?.conversationType !== 'channel' || !teamId) return;
    const channelId = data.channel?.id ?? channelOfConversation(context.activity.conversation.id);
    const base = this.base(context, teamId, data.team?.name ?? null);
    // Every channel message comes here (with the channel-messages permission): write only what changed.
    const known = await this.deps.teams.getChannel(channelId);
    if (
      known &&
      known.serviceUrl === base.serviceUrl &&
      known.teamId === teamId &&
      known.botId === base.botId
    )
      return;
    await this.deps.teams.saveChannels(
      [{ ...base, channelId, channelName: data.channel?.name ?? null }],
      this.deps.clock.now(),
    );
  }

  /** conversationUpdate: the bot joined or left a team, a channel came or went. Returns true for a new team. */
  async onConversationUpdate(context: TurnContext): Promise<boolean> {
    const { teams, logger } = this.deps;
    const activity = context.activity;
    const data = channelData(context);
    const botId = activity.recipient.id;
    if (activity.membersRemoved?.some((m) => m.id === botId) && data.team?.id) {
      await teams.forgetChannels({ teamId: data.team.id });
      logger.info({ team: data.team.id }, 'teams: removed from a team; its channels are forgotten');
      return false;
    }
    switch (data.eventType) {
      case 'channelDeleted':
        if (data.channel?.id) await teams.forgetChannels({ channelId: data.channel.id });
        return false;
      case 'teamDeleted':
      case 'teamHardDeleted':
        if (data.team?.id) await teams.forgetChannels({ teamId: data.team.id });
        return false;
      case 'channelCreated':
      case 'channelRenamed':
      case 'channelRestored':
        if (data.team?.id && data.channel?.id) {
          await teams.saveChannels(
            [
              {
                ...this.base(context, data.team.id, data.team.name ?? null),
                channelId: data.channel.id,
                channelName: data.channel.name ?? null,
              },
            ],
            this.deps.clock.now(),
          );
        }
        return false;
    }
    if (activity.membersAdded?.some((m) => m.id === botId)) return this.rememberTeam(context);
    return false;
  }

  /** installationUpdate: the app was added to (or removed from) a team. */
  async onInstallationUpdate(context: TurnContext): Promise<boolean> {
    const action = String(context.activity.action ?? '');
    const teamId = channelData(context).team?.id;
    if (!teamId) return false;
    if (action.startsWith('remove')) {
      await this.deps.teams.forgetChannels({ teamId });
      return false;
    }
    return this.rememberTeam(context);
  }
}
