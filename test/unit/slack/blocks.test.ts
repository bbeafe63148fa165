import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { buildCardModel, type CardContext } from '../../../src/domain/cardModel.js';
import { type EpisodeDetails, emptyDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import {
  type Block,
  cardBlocks,
  cardMessage,
  parseResolveOptionValue,
  resolveOptionValue,
} from '../../../src/surfaces/slack/blocks.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { blockProblems } from '../../mocks/fakeSlack.js';

const MIN = 60_000;

function render(
  overrides: Partial<Episode> = {},
  details: Partial<EpisodeDetails> = {},
  context: Partial<CardContext> = {},
) {
  const model = buildCardModel({
    episode: episode(overrides),
    details: { ...emptyDetails(), ...details },
    timezone: 'Europe/Paris',
    now: T0 + 5 * MIN,
    lineCountry: 'FR',
    claimDueAt: T0 + 15 * MIN,
    zendeskBaseUrl: 'https://acme.zendesk.com',
    ...context,
  });
  return { model, blocks: cardBlocks(model, { timezone: 'Europe/Paris' }), message: cardMessage(model) };
}

function byType(blocks: Block[], type: string) {
  return blocks.filter((b) => b.type === type);
}

function actionIds(blocks: Block[]): string[] {
  const actions = blocks.find((b) => b.type === 'actions') as
    | { elements: { action_id?: string }[] }
    | undefined;
  return actions ? actions.elements.map((e) => e.action_id ?? '') : [];
}

function status(blocks: Block[]): string {
  const block = blocks.find((b) => b.block_id?.startsWith('ringback.status:')) as { text: { text: string } };
  return block.text.text;
}

function allText(blocks: Block[]): string {
  return JSON.stringify(blocks);
}

describe('card blocks', () => {
  describe('for an open call', () => {
    const { blocks, message } = render();

    it('titles the card with the caller name', () => {
      expect(blocks[0]).toEqual({
        type: 'header',
        block_id: 'ringback.title:ep-1',
        text: { type: 'plain_text', text: 'Missed call from Marie Dupont', emoji: false },
      });
    });

    it('shows the number in the line country format as a tel: link, the line and when', () => {
      const facts = blocks[1] as { fields: { text: string }[] };
      expect(facts.fields.map((f) => f.text)).toEqual([
        '*Caller*\nMarie Dupont\n<tel:+33176360695|01 76 36 06 95>',
        '*Line*\nSupport FR',
        '*When*\nFri 20 Nov 10:32',
      ]);
    });

    it('says in words that it is unclaimed and by when it should be claimed', () => {
      expect(status(blocks)).toBe('*Status:* Unclaimed · claim by 10:47');
    });

    it('names moments, not countdowns, so a card read days later is still true', () => {
      const nextMorning = T0 + 3 * 24 * 60 * MIN - 78 * MIN;
      expect(status(render({}, {}, { claimDueAt: nextMorning }).blocks)).toBe(
        '*Status:* Unclaimed · claim by Mon 23 Nov 09:14',
      );
      expect(status(render({}, {}, { claimDueAt: T0 + 3 * MIN }).blocks)).toBe(
        '*Status:* Unclaimed · claim SLA missed at 10:35',
      );
    });

    it('offers Claim, Call back and the resolve menu, each carrying the call id', () => {
      expect(actionIds(blocks)).toEqual([ACTION_IDS.claim, ACTION_IDS.callback, ACTION_IDS.resolve]);
      const actions = blocks.find((b) => b.type === 'actions') as {
        block_id: string;
        elements: { value?: string; options?: { value: string; text: { text: string } }[] }[];
      };
      expect(actions.block_id).toBe('ringback.actions:ep-1');
      expect(actions.elements[0]?.value).toBe('ep-1');
      expect(actions.elements[1]?.value).toBe('ep-1');
      expect(actions.elements[2]?.options?.map((o) => o.value)).toEqual([
        'reached:ep-1',
        'voicemail:ep-1',
        'no_answer:ep-1',
        'wrong_number:ep-1',
        'not_needed:ep-1',
      ]);
      expect(actions.elements[2]?.options?.[0]?.text.text).toBe('Reached the caller');
    });

    it('has a plain-text fallback for notifications', () => {
      expect(message.text).toBe('Missed call from Marie Dupont on Support FR · Unclaimed · claim by 10:47');
    });

    it('says which time zone the times are in', () => {
      expect(byType(blocks, 'context')).toHaveLength(1);
      expect(allText(byType(blocks, 'context'))).toContain('Times in Europe/Paris');
    });
  });

  describe('for a claimed call', () => {
    const { blocks } = render({ state: 'claimed', claimedBy: ana, claimedAt: T0 + 2 * MIN });

    it('names the claimer and when', () => {
      expect(status(blocks)).toBe('*Status:* Claimed by Ana at 10:34');
    });

    it('offers Release instead of Claim, and the hand-over picker', () => {
      expect(actionIds(blocks)).toEqual([
        ACTION_IDS.release,
        ACTION_IDS.callback,
        ACTION_IDS.resolve,
        ACTION_IDS.reassign,
      ]);
    });
  });

  describe('while calling back', () => {
    const { blocks } = render({
      state: 'calling',
      claimedBy: ana,
      claimedAt: T0 + MIN,
      attempts: 2,
      firstAttemptAt: T0 + 2 * MIN,
      lastAttemptAt: T0 + 4 * MIN,
    });

    it('says calling, with the attempt number', () => {
      expect(status(blocks)).toBe('*Status:* Calling back · attempt 2 by Ana');
    });

    it('still lets the agent call again, release, resolve or hand it over', () => {
      expect(actionIds(blocks)).toEqual([
        ACTION_IDS.release,
        ACTION_IDS.callback,
        ACTION_IDS.resolve,
        ACTION_IDS.reassign,
      ]);
    });
  });

  describe('once resolved', () => {
    const { blocks } = render(
      {
        state: 'resolved',
        claimedBy: ana,
        claimedAt: T0 + MIN,
        attempts: 1,
        firstAttemptAt: T0 + 3 * MIN,
        lastAttemptAt: T0 + 3 * MIN,
        outcome: 'no_answer',
        resolvedAt: T0 + 4 * MIN,
        resolvedBy: ana,
        zendeskTicketId: 456,
      },
      { requester: { id: 9, name: 'Marie Dupont' } },
    );

    it('shows who resolved it, the outcome and the time to callback', () => {
      expect(status(blocks)).toBe('*Status:* Resolved by Ana · No answer · called back after 3m');
    });

    it('keeps only the ticket link button', () => {
      expect(actionIds(blocks)).toEqual([ACTION_IDS.openTicket]);
      const actions = blocks.find((b) => b.type === 'actions') as {
        elements: { url?: string; text: { text: string } }[];
      };
      expect(actions.elements[0]).toMatchObject({
        url: 'https://acme.zendesk.com/agent/tickets/456',
        text: { text: 'Open ticket #456' },
      });
    });

    it('names the ticket and its requester', () => {
      expect(allText(blocks)).toContain(
        '*Zendesk ticket:* <https://acme.zendesk.com/agent/tickets/456|#456> · requester Marie Dupont',
      );
    });
  });

  describe('once resolved automatically', () => {
    const { blocks } = render({
      state: 'resolved',
      outcome: 'reached',
      resolvedAt: T0 + 7 * MIN,
      resolvedBy: { id: 'aircall:ben', name: 'Ben', email: null, surface: 'aircall' },
      autoResolved: true,
    });

    it('says the caller got through, with whom and when', () => {
      expect(status(blocks)).toBe(
        '*Status:* Resolved automatically · the caller got through with Ben at 10:39',
      );
    });

    it('offers no buttons', () => {
      expect(actionIds(blocks)).toEqual([]);
      expect(byType(blocks, 'actions')).toHaveLength(0);
    });
  });

  describe('for a withheld number', () => {
    const { blocks, message } = render({ caller: { number: null, name: null } });

    it('says so in the title and the caller field', () => {
      expect((blocks[0] as { text: { text: string } }).text.text).toBe('Missed call from a withheld number');
      expect((blocks[1] as { fields: { text: string }[] }).fields[0]?.text).toBe('*Caller*\nNumber withheld');
      expect(message.text).toContain('withheld number');
    });

    it('offers no Call back button (there is no number), but can be claimed and resolved', () => {
      expect(actionIds(blocks)).toEqual([ACTION_IDS.claim, ACTION_IDS.resolve]);
    });
  });

  describe('with every detail', () => {
    const { blocks } = render(
      { callCount: 3, lastCallAt: T0 + 20 * MIN, escalationLevel: 1, escalatedAt: T0 + 15 * MIN },
      {
        calls: [{ key: 'a', at: T0, reason: 'agents_did_not_answer', waitedSeconds: 45 }],
        rang: ['Ana', 'Ben', 'Chloé'],
        voicemail: { url: 'https://voicemail.example.com/v/1.mp3', durationSeconds: 65, at: T0 },
        transcript: 'Hello, I need help with my order',
      },
    );
    const facts = (blocks[1] as { fields: { text: string }[] }).fields.map((f) => f.text);

    it('says how long they waited, why it was missed, who it rang and how many calls', () => {
      expect(facts).toContain('*Waited*\n45s');
      expect(facts).toContain('*Why missed*\nNo agent answered');
      expect(facts).toContain('*Rang*\nAna, Ben and Chloé');
      expect(facts).toContain('*Calls*\n3 calls in 20m');
    });

    it('links the voicemail and quotes the transcript', () => {
      expect(allText(blocks)).toContain('<https://voicemail.example.com/v/1.mp3|Listen: Voicemail (1m)>');
      expect(allText(blocks)).toContain('>Hello, I need help with my order');
    });

    it('says the call was escalated, in words', () => {
      expect(status(blocks)).toBe(
        '*Status:* Unclaimed · claim by 10:47\n*Escalation:* Escalated (step 1) at 10:47',
      );
    });
  });

  describe('with hostile text from outside', () => {
    const { blocks, message } = render(
      { caller: { number: '+33176360695', name: '<!channel> & co' } },
      { transcript: '<@U0123> call me' },
    );

    it('escapes it in mrkdwn so it cannot mention anyone (plain_text is never parsed for mentions)', () => {
      const mrkdwnTexts: string[] = [];
      JSON.stringify(blocks, (_key, value: unknown) => {
        const v = value as { type?: string; text?: unknown };
        if (v && v.type === 'mrkdwn' && typeof v.text === 'string') mrkdwnTexts.push(v.text);
        return value;
      });
      const text = mrkdwnTexts.join('\n');
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<@U0123>');
      expect(text).toContain('&lt;!channel&gt; &amp; co');
      expect(text).toContain('&lt;@U0123&gt; call me');
      expect(message.text).not.toContain('<!channel>');
    });
  });

  it('stays within Block Kit limits in every state', () => {
    const states: Partial<Episode>[] = [
      {},
      { state: 'claimed', claimedBy: ana, claimedAt: T0 },
      { state: 'calling', claimedBy: ana, claimedAt: T0, attempts: 1, firstAttemptAt: T0 },
      { state: 'resolved', outcome: 'reached', resolvedAt: T0, resolvedBy: ana, zendeskTicketId: 1 },
      { caller: { number: null, name: 'x'.repeat(400) } },
    ];
    for (const overrides of states) {
      const { blocks } = render(overrides, {
        transcript: 'y'.repeat(5000),
        rang: Array.from({ length: 300 }, (_, i) => `Agent ${i}`),
      });
      expect(blockProblems(blocks)).toEqual([]);
    }
  });
});

describe('resolve option values', () => {
  it('carry the outcome and the call id, and read back', () => {
    const value = resolveOptionValue('no_answer', 'ep:with:colons');
    expect(parseResolveOptionValue(value)).toEqual({ outcome: 'no_answer', episodeId: 'ep:with:colons' });
  });

  it('refuse values without both parts', () => {
    expect(parseResolveOptionValue('reached')).toBeNull();
    expect(parseResolveOptionValue(':ep')).toBeNull();
  });
});
