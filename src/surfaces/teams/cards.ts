/**
 * Renders a stored episode's Teams card: the view for everyone (what the channel message shows) and the
 * view for one person (the answer to their click or refresh). The refresh list names the claimer and the
 * managers Teams knows, so their clients fetch their own view (Release, Call back, Resolve) by themselves.
 */

// The card model's inputs (line zone, country, SLA, Zendesk link) are the same on every surface.
import { cardModelFor } from '../../app/card.js';
import type { AgentDirectory } from '../../app/directory.js';
import { timezoneOf } from '../../app/routing.js';
import type { Env } from '../../config/env.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import { parseDetails } from '../../domain/details.js';
import { sameActor } from '../../domain/episode.js';
import type { Actor, Episode } from '../../domain/types.js';
import type { Store } from '../../store/store.js';
import type { TeamsRepository } from '../../store/teams.js';
import {
  type AdaptiveCardJson,
  type CardViewer,
  MAX_REFRESH_USERS,
  teamsCard,
  withoutCallerData,
} from './card.js';
import { reassignChoicesFor } from './reassign.js';
import { teamsChannelFor } from './surface.js';

export interface TeamsCardsDeps {
  store: Store;
  teams: TeamsRepository;
  routing: RoutingConfig;
  env: Env;
  clock: Clock;
  directory: AgentDirectory;
  /** Teams clients here cannot refresh cards (see TeamsCardOptions.heldControlsForEveryone). */
  heldControlsForEveryone?: boolean;
}

/** What a person who is not an agent is told instead of the caller's details. */
export const CALLER_DATA_FOR_AGENTS =
  'Caller details are shown to agents only. Ask an admin to add your e-mail to the help desk or phone system.';

export class TeamsCards {
  constructor(private readonly deps: TeamsCardsDeps) {}

  /** Teams user ids of the claimer and of the managers, as far as Teams has seen them. */
  async refreshUserIds(episode: Episode): Promise<string[]> {
    const { teams, routing } = this.deps;
    const claimer = episode.claimedBy;
    if (!claimer || (episode.state !== 'claimed' && episode.state !== 'calling')) return [];
    const ids: string[] = [];
    const claimerMember =
      claimer.surface === 'teams'
        ? await teams.getMember(claimer.id.replace(/^teams:/, ''))
        : claimer.email
          ? await teams.findByEmail(claimer.email)
          : null;
    if (claimerMember) ids.push(claimerMember.mri);
    const managers = await teams.findMembers([...routing.managers.teams, ...routing.managers.emails]);
    for (const manager of managers) ids.push(manager.mri);
    return [...new Set(ids)].slice(0, MAX_REFRESH_USERS);
  }

  private async render(
    episode: Episode,
    viewer: CardViewer,
    notice: string | null,
    callerData = true,
  ): Promise<AdaptiveCardJson> {
    const { store, routing, env, clock } = this.deps;
    const details = parseDetails(await store.episodes.getDetails(episode.id));
    const full = cardModelFor({ routing, env }, episode, details, clock.now());
    const model = callerData ? full : withoutCallerData(full);
    return teamsCard(model, {
      viewer,
      refreshUserIds: await this.refreshUserIds(episode),
      notice,
      timezone: timezoneOf(routing, episode.line),
      heldControlsForEveryone: this.deps.heldControlsForEveryone ?? false,
      // Only views with the holder's controls can hand the call over.
      ...(callerData && (viewer !== 'everyone' || this.deps.heldControlsForEveryone)
        ? { reassign: { choices: await reassignChoicesFor(store, episode, await this.tenantOf(episode)) } }
        : {}),
    });
  }

  /** The tenant of the channel the line's cards go to, once Ringback has seen that channel. */
  private async tenantOf(episode: Episode): Promise<string | null> {
    const channelId = teamsChannelFor(this.deps.routing, episode.line);
    return channelId ? ((await this.deps.store.teams.getChannel(channelId))?.tenantId ?? null) : null;
  }

  /** The message in the channel. */
  forEveryone(episode: Episode): Promise<AdaptiveCardJson> {
    return this.render(episode, 'everyone', null);
  }

  /**
   * What one person sees: their controls when they hold the call or are a manager, and a private notice.
   * Someone who is not an agent (the same check as a claim) gets the card without the caller's details.
   */
  async forViewer(episode: Episode, viewer: Actor, notice: string | null = null): Promise<AdaptiveCardJson> {
    if (!(await this.deps.directory.mayAct(viewer)))
      return this.render(episode, 'everyone', notice ?? CALLER_DATA_FOR_AGENTS, false);
    let kind: CardViewer = 'everyone';
    if (episode.claimedBy && sameActor(episode.claimedBy, viewer)) kind = 'claimer';
    else if (await this.deps.directory.isManager(viewer)) kind = 'manager';
    return this.render(episode, kind, notice);
  }
}
