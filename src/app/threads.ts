/**
 * A card's thread is one conversation seen from several places: the Slack thread, the Teams reply chain
 * and the Zendesk side conversation. Surfaces report human messages here; mirrors (Zendesk) plan jobs to
 * copy them; text from a mirror (a Zendesk-side reply) is planned into every surface's thread.
 * Planners only return jobs: they run inside the caller's transaction (transactional outbox).
 */
import type { Actor } from '../domain/types.js';
import type { NewJob } from '../store/jobs.js';

/** A message a person wrote in a card's thread on a surface. */
export interface ThreadMessage {
  episodeId: string;
  author: Actor;
  text: string;
  /** The surface's own id of the message (Slack ts, Teams activity id), for echo suppression. */
  messageRef: string;
  at: number;
}

/** Text from outside the chat (a Zendesk-side reply) to show in every thread of the episode. */
export interface ExternalThreadText {
  episodeId: string;
  /** Who wrote it, as the mirror knows them ("Marie Dupont via Zendesk"). */
  authorLabel: string;
  text: string;
  /** The mirror's id of the message (side-conversation event id), for echo suppression. */
  sourceRef: string;
  source: string;
}

export type ThreadMessagePlanner = (message: ThreadMessage) => NewJob[];
export type ExternalTextPlanner = (text: ExternalThreadText) => NewJob[];

export class ThreadHub {
  private readonly mirrors: ThreadMessagePlanner[] = [];
  private readonly surfaces: ExternalTextPlanner[] = [];

  /** A mirror (Zendesk) wants to copy human thread messages. */
  addMirror(planner: ThreadMessagePlanner): void {
    this.mirrors.push(planner);
  }

  /** A surface (Slack, Teams) can post outside text into its thread. */
  addSurface(planner: ExternalTextPlanner): void {
    this.surfaces.push(planner);
  }

  planHumanMessage(message: ThreadMessage): NewJob[] {
    return this.mirrors.flatMap((plan) => plan(message));
  }

  planExternalText(text: ExternalThreadText): NewJob[] {
    return this.surfaces.flatMap((plan) => plan(text));
  }
}
