/**
 * Where the routing file's cards go, judged against the surfaces that are on: said at startup and by the
 * doctor, from this one place so the two cannot disagree.
 */
import { describeFeatures } from '../features.js';
import type { Env } from './env.js';
import type { LineConfig, RoutingConfig } from './routing.js';

export interface PostingFinding {
  /** The doctor's check name. */
  name:
    | 'lines'
    | 'lines without a channel'
    | 'lines on a surface that is off'
    | 'lines partly on a surface that is off';
  message: string;
  fix: string;
}

const quoted = (names: string[]) => names.map((name) => `"${name}"`).join(', ');

/**
 * How many of a line's calls a priority rule posts in its own channel on a surface that is on: `all` when
 * the first rule to hold for every call of the line (no condition but `line`) is such a `high` rule and no
 * rule before it can take a call elsewhere; `some` when such a rule may hold for some calls; else `none`.
 * Mirrors matchPriority (first match wins, a `normal` rule stops later ones) and ruleHolds (`line` names the
 * line as written), and channelsFor (a rule's channel only takes the calls it makes high).
 */
function ruleReach(
  routing: Pick<RoutingConfig, 'priority'>,
  line: LineConfig,
  on: { slack: boolean; teams: boolean },
): 'all' | 'some' | 'none' {
  let some = false;
  let leaks = false;
  for (const rule of routing.priority) {
    if (rule.when.line !== undefined && !rule.when.line.includes(line.name)) continue;
    const posts = rule.level === 'high' && ((!!rule.slack && on.slack) || (!!rule.teams && on.teams));
    const everyCall = Object.entries(rule.when).every(
      ([key, value]) => key === 'line' || value === undefined,
    );
    if (everyCall) return posts ? (leaks ? 'some' : 'all') : some ? 'some' : 'none';
    if (posts) some = true;
    else leaks = true;
  }
  return some ? 'some' : 'none';
}

/** Said of the lines in `names` whose high calls still reach a priority rule's channel (`partial`). */
function ruleClause(names: string[], partial: string[]): string {
  if (partial.length === 0) return '';
  const which = partial.length === names.length ? '' : `for ${quoted(partial)}, `;
  return ` (but ${which}in a priority rule’s channel, for the calls it makes high)`;
}

/**
 * Lines whose cards go nowhere: none at all, lines with neither a Slack nor a Teams channel, and lines whose
 * channels are all on a surface that is off (its calls are stored, ticketed and escalated, but nobody sees a
 * card). Warnings, not failures: a catch-all line may be meant to store calls only. A line whose every call a
 * priority rule makes high and posts in a channel on a surface that is on is fine; one whose calls a rule
 * may post only in part is still named, with that said.
 */
export function postingFindings(routing: RoutingConfig, env: Env): PostingFinding[] {
  const file = env.RINGBACK_CONFIG;
  if (routing.lines.length === 0)
    return [
      {
        name: 'lines',
        message: 'no lines: every call is stored but posted nowhere',
        fix: `add lines to ${file}, each with a match and slack: { channel } or teams: { channel }`,
      },
    ];
  const findings: PostingFinding[] = [];
  const features = describeFeatures(env);
  const slack = features.find((f) => f.name === 'slack');
  const teams = features.find((f) => f.name === 'teams');
  const on = { slack: slack?.on === true, teams: teams?.on === true };
  const reach = new Map(routing.lines.map((line) => [line, ruleReach(routing, line, on)]));
  const partly = (lines: LineConfig[]) =>
    lines.filter((line) => reach.get(line) === 'some').map((line) => line.name);
  const bareLines = routing.lines.filter((line) => !line.slack && !line.teams && reach.get(line) !== 'all');
  if (bareLines.length > 0) {
    const bare = bareLines.map((line) => line.name);
    findings.push({
      name: 'lines without a channel',
      message: `${bare.length === 1 ? 'line' : 'lines'} ${quoted(bare)} ${bare.length === 1 ? 'has' : 'have'} neither a slack nor a teams channel: ${bare.length === 1 ? 'its' : 'their'} calls are stored but no card is posted${ruleClause(bare, partly(bareLines))}`,
      fix: `give ${bare.length === 1 ? 'it' : 'each'} slack: { channel } or teams: { channel } in ${file}, unless storing those calls is all you want`,
    });
  }
  const stranded = routing.lines.filter(
    (line) =>
      (line.slack || line.teams) &&
      !(line.slack && on.slack) &&
      !(line.teams && on.teams) &&
      reach.get(line) !== 'all',
  );
  if (stranded.length > 0) {
    const off = [
      stranded.some((line) => line.slack) && slack && !slack.on ? `Slack is off (${slack.why})` : null,
      stranded.some((line) => line.teams) && teams && !teams.on ? `Teams is off (${teams.why})` : null,
    ].filter((why): why is string => why !== null);
    const names = stranded.map((line) => line.name);
    findings.push({
      name: 'lines on a surface that is off',
      message: `${names.length === 1 ? 'line' : 'lines'} ${quoted(names)} ${names.length === 1 ? 'posts' : 'post'} only where Ringback does not: ${off.join('; ')}, so ${names.length === 1 ? 'its' : 'their'} cards go nowhere${ruleClause(names, partly(stranded))}`,
      fix: 'turn that surface on (see its guide), or give the line a channel on a surface that is on',
    });
  }
  // Cards still reach the surface that is on, so the team may not notice the other channel stays empty.
  const partlyOff = routing.lines.filter((line) => line.slack && line.teams && on.slack !== on.teams);
  const offSurface = !on.slack
    ? { name: 'Slack', other: 'Teams', why: slack?.why }
    : { name: 'Teams', other: 'Slack', why: teams?.why };
  if (partlyOff.length > 0) {
    const names = partlyOff.map((line) => line.name);
    findings.push({
      name: 'lines partly on a surface that is off',
      message: `${names.length === 1 ? 'line' : 'lines'} ${quoted(names)} also ${names.length === 1 ? 'posts' : 'post'} in ${offSurface.name}, but ${offSurface.name} is off (${offSurface.why}): only ${names.length === 1 ? 'its' : 'their'} ${offSurface.other} cards are posted`,
      fix: `turn ${offSurface.name} on (see its guide), or remove the line's ${offSurface.name.toLowerCase()} channel`,
    });
  }
  return findings;
}
