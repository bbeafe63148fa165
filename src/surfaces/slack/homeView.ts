/**
 * The Ringback App Home (a `home` view): "My callbacks" (claimed by the viewer, due times, Call back and
 * Resolve), "Open in my lines" (the work-list order, Claim) and today's figures. Pure: the same content as
 * `/ringback mine` and `/ringback open`, with the card's action ids so the same handlers take the clicks.
 * A Home holds at most 100 blocks; each call takes two, so each list is capped and says how many more.
 */
import type { ListedCall } from '../../chat/commands.js';
import { ACTION_IDS } from '../../domain/actions.js';
import { outcomesFor } from '../../domain/cardModel.js';
import { OUTCOME_LABELS } from '../../domain/types.js';
import { type Block, LIMITS, resolveOptionValue } from './blocks.js';
import { escapeMrkdwn, truncate } from './mrkdwn.js';

export const HOME_CALLBACK_ID = 'ringback.home';
/** Slack's limit for a Home tab. */
export const HOME_MAX_BLOCKS = 100;
/** Two blocks per call: 2 × (20 + 20) leaves room for the headings and figures. */
export const HOME_MAX_PER_LIST = 20;

export interface HomeFigures {
  /** The team's, today. */
  missedCalls: number;
  calledBack: number;
  resolved: number;
  openNow: number;
  /** The viewer's, today. */
  mineClaimed: number;
  mineCalledBack: number;
}

export interface HomeContent {
  /** The Slack user the Home belongs to (kept in the view: a click is checked against it). */
  user: string;
  mine: { total: number; calls: ListedCall[] };
  open: { total: number; calls: ListedCall[] };
  today: HomeFigures;
  /** "Thu 26 Nov, 10:42 (Europe/Paris)". */
  asOf: string;
  /** Why the lists are not shown (the person is not an agent): they name callers. Null for agents. */
  refusal: string | null;
}

export interface HomeView {
  type: 'home';
  callback_id: string;
  private_metadata: string;
  blocks: Block[];
}

/** Callers' words are in these texts: `verbatim`, so a name that is a URL or a #channel stays text. */
function section(text: string): Block {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText), verbatim: true },
  } as Block;
}

function button(text: string, actionId: string, value: string, primary = false): Record<string, unknown> {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: false },
    action_id: actionId,
    value,
    ...(primary ? { style: 'primary' } : {}),
  };
}

function callText(call: ListedCall): string {
  const due = call.due ? ` · *${escapeMrkdwn(call.due)}*` : '';
  return `*${escapeMrkdwn(call.who)}* · ${escapeMrkdwn(call.line)} · missed ${escapeMrkdwn(call.when)} · ${escapeMrkdwn(call.state)}${due}`;
}

function workBlocks(call: ListedCall): Block[] {
  return [
    section(callText(call)),
    {
      type: 'actions',
      // The card's block id: the resolve handler reads the call id from it as well as from the option.
      block_id: `ringback.actions:${call.episodeId}`,
      elements: [
        ...(call.callable === false ? [] : [button('Call back', ACTION_IDS.callback, call.episodeId, true)]),
        {
          type: 'static_select',
          action_id: ACTION_IDS.resolve,
          placeholder: { type: 'plain_text', text: 'Resolve: outcome…', emoji: false },
          options: outcomesFor(call.callable !== false).map((outcome) => ({
            text: { type: 'plain_text', text: OUTCOME_LABELS[outcome], emoji: false },
            value: resolveOptionValue(outcome, call.episodeId),
          })),
        },
      ],
    } as unknown as Block,
  ];
}

function claimBlocks(call: ListedCall): Block[] {
  return [
    section(callText(call)),
    {
      type: 'actions',
      block_id: `ringback.home.claim:${call.episodeId}`,
      elements: [button('Claim', ACTION_IDS.claim, call.episodeId, true)],
    } as unknown as Block,
  ];
}

function more(total: number, shown: number, command: string): Block[] {
  if (total <= shown) return [];
  return [
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${total - shown} more: \`${command}\` lists them.` }],
    } as unknown as Block,
  ];
}

export function homeView(content: HomeContent): HomeView {
  const { today, mine, open } = content;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Ringback', emoji: false } },
    section(
      `*Today:* ${today.missedCalls} missed calls · ${today.calledBack} called back · ${today.resolved} resolved · ${today.openNow} open now\n*You today:* ${today.mineClaimed} claimed · ${today.mineCalledBack} called back`,
    ),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `As of ${escapeMrkdwn(content.asOf)}` }],
    } as unknown as Block,
    { type: 'divider' },
  ];
  if (content.refusal !== null) {
    blocks.push(section(escapeMrkdwn(content.refusal)));
    return { type: 'home', callback_id: HOME_CALLBACK_ID, private_metadata: content.user, blocks };
  }
  blocks.push({
    type: 'header',
    text: { type: 'plain_text', text: `My callbacks (${mine.total})`, emoji: false },
  });
  const mineShown = mine.calls.slice(0, HOME_MAX_PER_LIST);
  const openShown = open.calls.slice(0, HOME_MAX_PER_LIST);
  if (mineShown.length === 0) {
    // "Claim one below" only when there is one below to claim.
    blocks.push(section(`No calls claimed by you.${openShown.length > 0 ? ' Claim one below.' : ''}`));
  }
  for (const call of mineShown) blocks.push(...workBlocks(call));
  blocks.push(...more(mine.total, mineShown.length, '/ringback mine'));
  blocks.push({ type: 'divider' });
  blocks.push({
    type: 'header',
    text: { type: 'plain_text', text: `Open in my lines (${open.total})`, emoji: false },
  });
  if (openShown.length === 0) blocks.push(section('Nothing waiting for a callback.'));
  for (const call of openShown) blocks.push(...claimBlocks(call));
  blocks.push(...more(open.total, openShown.length, '/ringback open'));
  return {
    type: 'home',
    callback_id: HOME_CALLBACK_ID,
    private_metadata: content.user,
    blocks: blocks.slice(0, HOME_MAX_BLOCKS),
  };
}
