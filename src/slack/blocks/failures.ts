import type { TargetState } from '../../domain/states.js';
import { LIMITS, escapeText, joinWithin, link, section, truncate, type Block } from './text.js';

/**
 * Failed targets as lines for people: the repository (linked to its PR), what happened and why.
 * Shared by the wave's end, the final summary, the digest and `/fleet status <id> failed`.
 */

export interface FailureLine {
  repo: string;
  state: TargetState;
  reason: string;
  prUrl: string | null;
}

export interface TeamFailuresInput {
  team: string;
  total: number;
  failures: FailureLine[];
}

/** A reason long enough to say what happened, short enough that ten fit in one or two sections. */
const REASON_CHARS = 280;

const STATE_WORDS: Partial<Record<TargetState, string>> = {
  failed: 'failed',
  'needs-attention': 'needs attention',
  skipped: 'skipped',
  succeeded: 'succeeded',
  reverted: 'reverted',
  pending: 'pending',
  running: 'running',
  waiting: 'waiting',
};

/** A target state in words: "needs attention" rather than `needs-attention`. */
export function stateWords(state: TargetState): string {
  return STATE_WORDS[state] ?? state;
}

/**
 * "The change breaks build" on one line, cut to a readable length; escaped, but a Slack mention
 * the reason carries ("skipped by <@U123>") stays a mention.
 */
export function shortReason(reason: string, max = REASON_CHARS): string {
  return escapeText(truncate(reason.replace(/\s+/g, ' ').trim(), max))
    .replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>')
    .replace(/&lt;!subteam\^(S[A-Z0-9]+)&gt;/g, '<!subteam^$1>');
}

/**
 * @example failureLine({ repo: 'acme/api', state: 'failed', reason: 'The change breaks build', prUrl: null })
 * // '• acme/api failed: The change breaks build'
 */
export function failureLine(f: FailureLine): string {
  const reason = f.reason.trim() ? `: ${shortReason(f.reason)}` : '';
  return `• ${link(f.prUrl, f.repo)} ${stateWords(f.state)}${reason}`;
}

/** "and 5 more: `/fleet status c-1 failed`", or nothing when all are shown. */
export function moreFailuresLine(more: number, campaignId: string): string {
  return more > 0 ? `_and ${more} more: \`/fleet status ${escapeText(campaignId)} failed\`_` : '';
}

function teamName(team: string): string {
  // "@acme/payments" reads as a GitHub team, not a Slack mention: shown as code.
  return team.startsWith('@') ? `\`${escapeText(team)}\`` : `_${escapeText(team)}_`;
}

/** One line per team for the digest: "• `@acme/payments` 3 failed: acme/api (The change breaks build), …". */
export function teamSummaryLine(t: TeamFailuresInput, shown = 3): string {
  // The digest holds many teams in one section: a reason's first words, the rest is a click away.
  const names = t.failures.slice(0, shown).map((f) => `${link(f.prUrl, f.repo)} (${shortReason(f.reason, 80) || 'no reason recorded'})`);
  const more = t.total > names.length ? ` and ${t.total - names.length} more` : '';
  return `• ${teamName(t.team)} ${t.total} failed: ${names.join(', ')}${more}`;
}

/**
 * The final summary's failures per team, one section a team (the worst first), within Slack's
 * limits; `moreTeams` and each team's remainder point to `/fleet status <id> failed`.
 */
export function teamFailureBlocks(teams: readonly TeamFailuresInput[], moreTeams: number, campaignId: string): Block[] {
  if (teams.length === 0) return [];
  const blocks: Block[] = [section('*Failed targets, by team*')];
  for (const t of teams) {
    const lines = [`${teamName(t.team)}: ${t.total} failed`, ...t.failures.map(failureLine)];
    const rest = moreFailuresLine(t.total - t.failures.length, campaignId);
    if (rest) lines.push(rest);
    blocks.push(section(joinWithin(lines, LIMITS.sectionText, 'of theirs')));
  }
  if (moreTeams > 0) blocks.push(section(`_and ${moreTeams} more team${moreTeams === 1 ? '' : 's'} with failures: \`/fleet status ${escapeText(campaignId)} failed\`_`));
  return blocks;
}
