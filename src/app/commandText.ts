/** The words of `/ringback …` (Slack) and `@Ringback …` (Teams): one grammar for both surfaces. */
import type { Actor } from '../domain/types.js';
import type { AgentCheck, AgentDirectory } from './directory.js';

export type RingbackCommand =
  /** `agents`: the fair agent report (legs and callbacks per agent) instead of the whole summary. */
  | { kind: 'summary'; period: string; line: string | null; public: boolean; agents?: true }
  /** The period's calls as a CSV file, sent privately to the manager who asked. */
  | { kind: 'export'; period: string; line: string | null }
  | { kind: 'open'; line: string | null }
  | { kind: 'mine' }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string };

const PERIOD = /^(today|yesterday|week|month|\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?)$/i;

export function parseRingbackCommand(text: string): RingbackCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  switch (first?.toLowerCase()) {
    case undefined:
    case 'help':
      return { kind: 'help' };
    case 'mine':
      return { kind: 'mine' };
    case 'open': {
      const line = rest.join(' ').trim();
      return { kind: 'open', line: line || null };
    }
    case 'summary': {
      const others = [...rest];
      let period: string | undefined;
      let isPublic = false;
      let agents = false;
      const isKeyword = (word: string | undefined) =>
        word === undefined || PERIOD.test(word) || ['public', 'agents'].includes(word.toLowerCase());
      // The period and `agents` come before the line's name; `public` ends the text (as the help shows it) or
      // stands among them. Followed by a word that is not one of them, it starts a name ("Public Sector").
      for (;;) {
        const word = others[0]?.toLowerCase();
        if (word === undefined) break;
        if (period === undefined && PERIOD.test(word)) period = word;
        else if (!isPublic && word === 'public' && isKeyword(others[1])) isPublic = true;
        else if (!agents && word === 'agents') agents = true;
        else break;
        others.shift();
      }
      if (!isPublic && others.length > 0 && others.at(-1)?.toLowerCase() === 'public') {
        others.pop();
        isPublic = true;
      }
      const line = others.join(' ').trim();
      return {
        kind: 'summary',
        period: period ?? 'today',
        line: line || null,
        public: isPublic,
        ...(agents ? { agents: true as const } : {}),
      };
    }
    case 'export': {
      const others = [...rest];
      const period = others[0] && PERIOD.test(others[0]) ? others.shift()?.toLowerCase() : undefined;
      const line = others.join(' ').trim();
      return { kind: 'export', period: period ?? 'today', line: line || null };
    }
    default:
      return { kind: 'unknown', text: text.trim() };
  }
}

/** Commands whose answer shows callers (numbers, names, transcripts): only for agents, like a claim. */
export function showsCallerData(command: RingbackCommand): boolean {
  return (
    command.kind === 'open' ||
    command.kind === 'mine' ||
    command.kind === 'summary' ||
    command.kind === 'export'
  );
}

/**
 * The gate of `/ringback …` (Slack) and `@Ringback …` (Teams), before anything is read: a command that
 * shows callers gets the same agent check as a claim; help and unknown words are for everyone.
 */
export async function checkCommandAllowed(
  directory: Pick<AgentDirectory, 'checkAgent'>,
  command: RingbackCommand,
  actor: Actor,
): Promise<AgentCheck> {
  return showsCallerData(command) ? directory.checkAgent(actor) : { ok: true };
}
