/**
 * The Teams card: an Adaptive Card 1.5 built purely from the shared CardModel, so Teams says exactly what
 * Slack says. Buttons are `Action.Execute` with the public interaction ids as verbs and the call id in
 * their data. A claimed call carries a `refresh` naming its claimer, so Teams shows the claimer their
 * controls (Release, Call back, Resolve) while everyone else sees "Claimed by Ana".
 */
import { cardFacts } from '../../chat/cardFacts.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { CardModel } from '../../domain/cardModel.js';
import { callbackInputs } from './callbackInputs.js';
import { type ReassignOffer, reassignCardParts } from './reassignCard.js';

/** Not a public interaction id: the verb Teams clients send to fetch their own view of a card. */
export const REFRESH_VERB = 'ringback.refresh';
/** The id of the outcome input; Teams merges it into the Resolve action's data. */
export const OUTCOME_INPUT_ID = 'outcome';
export const CARD_VERSION = '1.5';
/** Teams refreshes automatically for at most 60 listed users. */
export const MAX_REFRESH_USERS = 60;

export type AdaptiveCardJson = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

/**
 * Who the card is drawn for. `everyone` is the message in the channel; the others are answers to one
 * person's click or refresh: the claimer gets their controls, a manager gets Release and Resolve.
 */
export type CardViewer = 'everyone' | 'claimer' | 'manager';

export interface TeamsCardOptions {
  viewer: CardViewer;
  /** Teams user ids whose clients fetch their own view automatically (the claimer, when known). */
  refreshUserIds?: string[];
  /** A line for this viewer only, above the card (why a click changed nothing). */
  notice?: string | null;
  /** The zone the card's times are in, said once at the bottom. */
  timezone?: string;
  /**
   * For clients that cannot refresh a card (the local Agents Playground): everyone's view of a held call
   * keeps the claimer's controls, as Slack's card does; a click by anyone else is refused privately.
   */
  heldControlsForEveryone?: boolean;
  /** The people a held call can be handed to (`ringback.reassign`); absent: no Hand over control. */
  reassign?: ReassignOffer;
}

interface Controls {
  claim: boolean;
  release: boolean;
  callback: boolean;
  resolve: boolean;
}

/** Which controls a viewer gets. While a call is held only its claimer (or a manager) can move it on. */
export function controlsFor(model: CardModel, viewer: CardViewer, heldControlsForEveryone = false): Controls {
  const { actions } = model;
  const held = model.state === 'claimed' || model.state === 'calling';
  if (!held || viewer === 'claimer' || (viewer === 'everyone' && heldControlsForEveryone)) {
    return {
      claim: actions.claim,
      release: actions.release,
      callback: actions.callback,
      resolve: actions.resolve,
    };
  }
  if (viewer === 'manager')
    return { claim: false, release: actions.release, callback: false, resolve: actions.resolve };
  return { claim: false, release: false, callback: false, resolve: false };
}

/**
 * Adaptive Card TextBlocks and Teams messages render a Markdown subset (and Teams messages some HTML): keep
 * names, numbers and anything people typed from being read as formatting, links, mentions or tags, yet
 * shown as typed ("call me on <+33 6 12 34 56 78>" must keep its number).
 * `<` and `>` become `&lt;`/`&gt;`: Adaptive Cards renderers decode these few entities (`&lt; &gt; &amp;
 * &quot; &nbsp;`, shared model since AdaptiveCards PR #4000) and Teams messages are HTML underneath, so the
 * reader sees `<` while no tag, `<at>` mention or blockquote can form. A backslash alone is not enough there:
 * HTML-aware rendering would still read `\<b>` as a tag. An `&` that would start an entity is written `&amp;`
 * so a typed "&lt;" stays "&lt;"; a lone `&` ("AT&T") is left alone. Every other character Markdown gives a
 * meaning is backslash-escaped.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&(?=#?[a-z0-9]+;)/gi, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#~])/g, '\\$1');
}

/** Only https links are shown as links: a stored URL may be anything a webhook sent. */
export function httpsUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

function link(url: string, label: string): string {
  return `[${escapeMarkdown(label)}](${url.replace(/[()\s<>]/g, encodeURIComponent)})`;
}

/**
 * The card model without the caller: no name, number, voicemail, transcript or ticket requester, and no
 * controls. What someone who is not an agent may see of a call (design: caller data only to agents).
 */
export function withoutCallerData(model: CardModel): CardModel {
  return {
    ...model,
    title: 'Missed call',
    fallbackText: `Missed call on ${model.lineName} · ${model.statusText}`,
    caller: { name: null, numberDisplay: null, telUri: null, withheld: false },
    voicemail: null,
    transcriptExcerpt: null,
    ticket: model.ticket ? { ...model.ticket, requesterName: null } : null,
    actions: {
      claim: false,
      release: false,
      callback: false,
      resolve: false,
      openTicket: false,
      snooze: false,
    },
    // They may name the number to call back on.
    callbackLines: [],
    snoozeOptions: [],
    // The pre-brief is about the caller (organization, tickets, local time).
    prebriefLines: [],
    prebriefTicket: null,
  };
}

function textBlock(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function facts(model: CardModel): { title: string; value: string }[] {
  const caller = model.caller;
  let number: string | null = null;
  if (caller.withheld) number = 'Withheld';
  else if (caller.numberDisplay)
    number = caller.telUri ? link(caller.telUri, caller.numberDisplay) : escapeMarkdown(caller.numberDisplay);
  const list: [string, string | null][] = [
    ['Caller', caller.name ? escapeMarkdown(caller.name) : null],
    ['Number', number],
    ...cardFacts(model, escapeMarkdown),
  ];
  return list.filter((f): f is [string, string] => f[1] !== null).map(([title, value]) => ({ title, value }));
}

function statusColor(model: CardModel): string {
  switch (model.state) {
    case 'open':
      return 'Warning';
    case 'resolved':
      return 'Good';
    default:
      return 'Accent';
  }
}

function executeAction(title: string, verb: string, callId: string, extra: Record<string, unknown> = {}) {
  return { type: 'Action.Execute', title, verb, data: { callId }, ...extra };
}

/** The whole card for one state of the episode, as one viewer sees it. */
export function teamsCard(model: CardModel, options: TeamsCardOptions): AdaptiveCardJson {
  const id = model.episodeId;
  const controls = controlsFor(model, options.viewer, options.heldControlsForEveryone);
  const body: Record<string, unknown>[] = [
    textBlock(escapeMarkdown(model.title), { size: 'Medium', weight: 'Bolder', style: 'heading' }),
  ];
  if (options.notice)
    body.push(textBlock(escapeMarkdown(options.notice), { color: 'Attention', weight: 'Bolder' }));
  if (model.priorityText)
    body.push(textBlock(`**${escapeMarkdown(model.priorityText)}**`, { color: 'Attention' }));
  body.push({ type: 'FactSet', facts: facts(model) });
  if (model.voicemail) {
    const url = httpsUrl(model.voicemail.url);
    const label = url ? link(url, `Listen: ${model.voicemail.label}`) : escapeMarkdown(model.voicemail.label);
    body.push(textBlock(`**Voicemail:** ${label}`));
  }
  if (model.transcriptExcerpt) {
    body.push(textBlock(`**Transcript:** ${escapeMarkdown(model.transcriptExcerpt)}`, { isSubtle: true }));
  }
  if (model.ticket) {
    const label = `#${model.ticket.id}`;
    const ticket = model.ticket.url ? link(model.ticket.url, label) : label;
    const requester = model.ticket.requesterName
      ? ` · requester ${escapeMarkdown(model.ticket.requesterName)}`
      : '';
    body.push(textBlock(`**Zendesk ticket:** ${ticket}${requester}`));
  }
  body.push(
    textBlock(`**Status:** ${escapeMarkdown(model.statusText)}`, {
      color: statusColor(model),
      spacing: 'Medium',
    }),
  );
  if (model.escalationText)
    body.push(textBlock(`**Escalation:** ${escapeMarkdown(model.escalationText)}`, { color: 'Attention' }));
  for (const line of model.callbackLines) body.push(textBlock(escapeMarkdown(line)));
  if (model.suggestionText) body.push(textBlock(escapeMarkdown(model.suggestionText), { isSubtle: true }));
  if (model.prebriefLines.length > 0) {
    body.push(textBlock('**Before you call back**', { spacing: 'Medium' }));
    for (const line of model.prebriefLines) body.push(textBlock(escapeMarkdown(line), { spacing: 'None' }));
  }

  const resolveOffered = controls.resolve && model.outcomes.length > 0;
  if (resolveOffered) {
    body.push({
      type: 'Input.ChoiceSet',
      id: OUTCOME_INPUT_ID,
      label: 'Outcome',
      style: 'compact',
      placeholder: 'Choose an outcome…',
      choices: model.outcomes.map((o) => ({ title: o.label, value: o.code })),
    });
  }
  // Whoever may release a held call may also hand it over (the use case checks it again).
  const reassign = reassignCardParts(options.reassign, controls.release, id);
  body.push(...reassign.inputs);
  body.push(...callbackInputs(model, controls.resolve));
  if (options.timezone)
    body.push(textBlock(`Times in ${escapeMarkdown(options.timezone)}`, { size: 'Small', isSubtle: true }));

  // Only Resolve reads the outcome; the other buttons must work whatever the input holds.
  const noInputs = { associatedInputs: 'none' };
  const actions: Record<string, unknown>[] = [];
  if (controls.claim) actions.push(executeAction('Claim', ACTION_IDS.claim, id, noInputs));
  if (controls.callback) actions.push(executeAction('Call back', ACTION_IDS.callback, id, noInputs));
  if (controls.release) actions.push(executeAction('Release', ACTION_IDS.release, id, noInputs));
  if (resolveOffered)
    actions.push(executeAction('Resolve', ACTION_IDS.resolve, id, { associatedInputs: 'auto' }));
  actions.push(...reassign.actions);
  if (model.actions.openTicket && model.ticket?.url) {
    actions.push({ type: 'Action.OpenUrl', title: `Open ticket #${model.ticket.id}`, url: model.ticket.url });
  }

  const card: AdaptiveCardJson = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    fallbackText: model.fallbackText,
    speak: model.fallbackText,
    body,
  };
  if (actions.length > 0) card.actions = actions;
  if (model.state === 'claimed' || model.state === 'calling') {
    // Every view of a held call stays refreshable, so whoever opens it later gets their own controls.
    card.refresh = {
      action: { type: 'Action.Execute', title: 'Refresh', verb: REFRESH_VERB, data: { callId: id } },
      userIds: [...new Set(options.refreshUserIds ?? [])].slice(0, MAX_REFRESH_USERS),
    };
  }
  return card;
}

/** A plain text card (command answers, notices) with an optional title. */
export function textCard(text: string, title?: string): AdaptiveCardJson {
  const body: Record<string, unknown>[] = [];
  if (title)
    body.push(textBlock(escapeMarkdown(title), { weight: 'Bolder', size: 'Medium', style: 'heading' }));
  body.push(textBlock(text));
  return { type: 'AdaptiveCard', version: CARD_VERSION, body };
}
