/**
 * What Ringback remembers about Microsoft Teams: the channels of every team the bot was added to (a card can
 * only be posted proactively where the bot knows the service URL and tenant) and the people it has seen
 * (their Teams id, Entra object id, e-mail and personal chat). Tables from migration 002_teams; a repository
 * like the others, so its writes can join a transaction.
 */
import type { Kysely } from 'kysely';
import type { Database, TeamsChannelsTable, TeamsMembersTable } from './schema.js';

const MARK_USED_EVERY_MS = 24 * 60 * 60 * 1000;

export interface TeamsChannel {
  channelId: string;
  teamId: string;
  teamName: string | null;
  channelName: string | null;
  tenantId: string | null;
  serviceUrl: string;
  botId: string;
  botName: string | null;
}

export interface TeamsMember {
  userKey: string;
  mri: string;
  aadObjectId: string | null;
  name: string;
  email: string | null;
  tenantId: string | null;
  serviceUrl: string;
  botId: string;
  personalConversationId: string | null;
  rosterCheckedAt: number | null;
}

function channelFromRow(row: TeamsChannelsTable): TeamsChannel {
  return {
    channelId: row.channel_id,
    teamId: row.team_id,
    teamName: row.team_name,
    channelName: row.channel_name,
    tenantId: row.tenant_id,
    serviceUrl: row.service_url,
    botId: row.bot_id,
    botName: row.bot_name,
  };
}

function memberFromRow(row: TeamsMembersTable): TeamsMember {
  return {
    userKey: row.user_key,
    mri: row.mri,
    aadObjectId: row.aad_object_id,
    name: row.name,
    email: row.email,
    tenantId: row.tenant_id,
    serviceUrl: row.service_url,
    botId: row.bot_id,
    personalConversationId: row.personal_conversation_id,
    rosterCheckedAt: row.roster_checked_at === null ? null : Number(row.roster_checked_at),
  };
}

export class TeamsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async saveChannels(channels: TeamsChannel[], now: number): Promise<void> {
    for (const channel of channels) {
      const values = {
        team_id: channel.teamId,
        team_name: channel.teamName,
        channel_name: channel.channelName,
        tenant_id: channel.tenantId,
        service_url: channel.serviceUrl,
        bot_id: channel.botId,
        bot_name: channel.botName,
        updated_at: now,
      };
      await this.db
        .insertInto('teams_channels')
        .values({ channel_id: channel.channelId, ...values })
        .onConflict((oc) =>
          oc.column('channel_id').doUpdateSet({
            ...values,
            // An event that does not name the team or channel keeps the names already known.
            team_name: (eb) => eb.fn.coalesce(eb.val(channel.teamName), eb.ref('teams_channels.team_name')),
            channel_name: (eb) =>
              eb.fn.coalesce(eb.val(channel.channelName), eb.ref('teams_channels.channel_name')),
          }),
        )
        .execute();
    }
  }

  /**
   * Makes a team known: saves its General channel (whose id is the team's) unless a channel of that team is
   * known already. True only for the one caller whose insert did it. Teams sends conversationUpdate and
   * installationUpdate together when the app is added, handled at once (maybe on two replicas): reading the
   * list then writing let both say "new team", and both welcomed. One statement, and the General channel's
   * primary key, decide instead: the loser's insert meets the winner's row and does nothing, on SQLite and
   * PostgreSQL alike.
   */
  async addTeam(general: TeamsChannel, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('teams_channels')
      .columns([
        'channel_id',
        'team_id',
        'team_name',
        'channel_name',
        'tenant_id',
        'service_url',
        'bot_id',
        'bot_name',
        'updated_at',
      ])
      .expression(
        this.db
          .selectNoFrom((eb) => [
            eb.val(general.teamId).as('channel_id'),
            eb.val(general.teamId).as('team_id'),
            eb.val(general.teamName).as('team_name'),
            eb.val(general.channelName).as('channel_name'),
            eb.val(general.tenantId).as('tenant_id'),
            eb.val(general.serviceUrl).as('service_url'),
            eb.val(general.botId).as('bot_id'),
            eb.val(general.botName).as('bot_name'),
            eb.val(now).as('updated_at'),
          ])
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(selectFrom('teams_channels').select('channel_id').where('team_id', '=', general.teamId)),
            ),
          ),
      )
      .onConflict((oc) => oc.column('channel_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getChannel(channelId: string): Promise<TeamsChannel | null> {
    const row = await this.db
      .selectFrom('teams_channels')
      .selectAll()
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return row ? channelFromRow(row) : null;
  }

  async listChannels(): Promise<TeamsChannel[]> {
    const rows = await this.db
      .selectFrom('teams_channels')
      .selectAll()
      .orderBy('team_name')
      .orderBy('channel_name')
      .execute();
    return rows.map(channelFromRow);
  }

  /** The bot was removed from a team, or a channel was deleted. */
  async forgetChannels(filter: { teamId: string } | { channelId: string }): Promise<void> {
    let query = this.db.deleteFrom('teams_channels');
    query =
      'teamId' in filter
        ? query.where('team_id', '=', filter.teamId)
        : query.where('channel_id', '=', filter.channelId);
    await query.execute();
  }

  /**
   * Remembers a person as last seen. Fields left null keep what was known (an activity without the
   * roster's e-mail must not erase it).
   */
  async saveMember(
    member: Omit<TeamsMember, 'personalConversationId' | 'rosterCheckedAt'> & {
      personalConversationId?: string | null;
      rosterCheckedAt?: number | null;
    },
    now: number,
  ): Promise<void> {
    const values = {
      mri: member.mri,
      aad_object_id: member.aadObjectId,
      name: member.name,
      email: member.email?.toLowerCase() ?? null,
      tenant_id: member.tenantId,
      service_url: member.serviceUrl,
      bot_id: member.botId,
      personal_conversation_id: member.personalConversationId ?? null,
      roster_checked_at: member.rosterCheckedAt ?? null,
      updated_at: now,
    };
    await this.db
      .insertInto('teams_members')
      .values({ user_key: member.userKey, ...values })
      .onConflict((oc) =>
        oc.column('user_key').doUpdateSet({
          mri: values.mri,
          name: values.name,
          service_url: values.service_url,
          bot_id: values.bot_id,
          updated_at: now,
          aad_object_id: (eb) =>
            eb.fn.coalesce(eb.val(values.aad_object_id), eb.ref('teams_members.aad_object_id')),
          email: (eb) => eb.fn.coalesce(eb.val(values.email), eb.ref('teams_members.email')),
          tenant_id: (eb) => eb.fn.coalesce(eb.val(values.tenant_id), eb.ref('teams_members.tenant_id')),
          personal_conversation_id: (eb) =>
            eb.fn.coalesce(
              eb.val(values.personal_conversation_id),
              eb.ref('teams_members.personal_conversation_id'),
            ),
          roster_checked_at: (eb) =>
            eb.fn.coalesce(eb.val(values.roster_checked_at), eb.ref('teams_members.roster_checked_at')),
        }),
      )
      .execute();
  }

  /**
   * People Ringback is still using the row of (mentioned on a card, messaged privately) count as met, so the
   * retention keeps them. At most one write per person a day: a busy channel's cards need no write each.
   */
  async markUsed(userKeys: string[], now: number): Promise<void> {
    if (userKeys.length === 0) return;
    await this.db
      .updateTable('teams_members')
      .set({ updated_at: now })
      .where('user_key', 'in', [...new Set(userKeys)])
      .where('updated_at', '<', now - MARK_USED_EVERY_MS)
      .execute();
  }

  /**
   * Forgets people Ringback has not met since `before`: `updated_at` is the last time they acted in Teams
   * (every activity saves its sender), were looked up in a roster, had a personal chat opened, or were
   * mentioned or messaged (markUsed). Someone who comes back is remembered again from their next activity,
   * and someone to message is found again in the roster, so only people gone for the retention lose their
   * row (ids, name, e-mail). One batch of `limit`.
   */
  async purgeNotSeenSince(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('teams_members')
      .where(
        'user_key',
        'in',
        this.db.selectFrom('teams_members').select('user_key').where('updated_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async getMember(userKey: string): Promise<TeamsMember | null> {
    const row = await this.db
      .selectFrom('teams_members')
      .selectAll()
      .where('user_key', '=', userKey)
      .executeTakeFirst();
    return row ? memberFromRow(row) : null;
  }

  /** People by Entra object id, Teams id or e-mail (routing `managers.teams` holds ids or e-mails). */
  async findMembers(keys: string[]): Promise<TeamsMember[]> {
    if (keys.length === 0) return [];
    const lower = keys.map((k) => k.toLowerCase());
    const rows = await this.db
      .selectFrom('teams_members')
      .selectAll()
      .where((eb) => eb.or([eb('user_key', 'in', keys), eb('mri', 'in', keys), eb('email', 'in', lower)]))
      .execute();
    return rows.map(memberFromRow);
  }

  async findByEmail(email: string): Promise<TeamsMember | null> {
    const row = await this.db
      .selectFrom('teams_members')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .orderBy('updated_at', 'desc')
      .executeTakeFirst();
    return row ? memberFromRow(row) : null;
  }
}
