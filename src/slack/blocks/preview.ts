import { clockText } from '../../domain/clock.js';
import { ACTION, encodeValue, type LaunchValue } from './action-ids.js';
import { actions, button, context, escapeText, fallback, fields, moreOf, plural, section, truncate, type Block, type SlackMessage } from './text.js';

export interface PreviewInput {
  name: string;
  targets: number;
  /** How many targets the change was run on for the preview (all of them in a small fleet). */
  sampled: number;
  /** Of the sampled, how many need no change. */
  noChange: number;
  /** Of the sampled, those the change fails on, with its sentence. */
  failed?: { repo: string; reason: string }[];
  /** When the preview was made (epoch ms): its Launch button is refused ten minutes later. */
  at?: number;
  waves: { index: number; repos: string[] }[];
  sampleRepo: string | null;
  sampleDiff: string;
  /** Each sampled target that needs the change, with its diff; when there are several, each is shown (else the one sample diff). */
  diffs?: { repo: string; diff: string }[];
  /** Why the sampling stopped early (a time budget, GitHub's rate limit). */
  stoppedBy?: string;
  /** Repositories the targets select that planning left out, needing no change, with why. */
  dropped?: { repo: string; reason: string }[];
  /** Why the check that drops them stopped early (the rest were kept). */
  droppedStoppedBy?: string;
  github: { requests: number; contentRequests: number; remaining: number | null };
  estimate: { minutes: number; explanation: string };
  /** When given, a Launch button starts exactly this spec. */
  launch?: LaunchValue;
}

/** Room for the diff inside one 3,000-character section, fences and a header line included. */
const DIFF_ROOM = 2700;
/** At most this many diffs and failures each, so the message stays within Slack's blocks and reads as a sample. */
const SHOWN_PER_LIST = 10;
/** Room per diff when several are shown (a whole message stays well inside what Slack takes). */
const DIFF_ROOM_EACH = 1200;
/** Room for a failure's sentence and the output lines it carries. */
const FAILURE_ROOM = 1000;

/**
 * Puts a diff in a code block, cut on a line boundary so no fence or multi-byte character is
 * split; triple backticks inside the diff are defused so they cannot close the block early.
 */
export function codeBlock(diff: string, room = DIFF_ROOM): string {
  let body = diff.replace(/```/g, '`\u200b``');
  body = escapeText(body);
  if (body.length > room) {
    const cut = truncate(body, room);
    const lastNewline = cut.lastIndexOf('\n');
    const kept = lastNewline > room / 2 ? cut.slice(0, lastNewline) : cut.replace(/&[a-z]{0,4}…$/, '…');
    const hiddenLines = diff.split('\n').length - kept.split('\n').length;
    body = `${kept}\n… (${moreOf(hiddenLines, 'lines')})`;
  }
  return `\`\`\`${body || '(no change)'}\`\`\``;
}

function verb(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/**
 * The preview's count of what needs the change, true to what was read: exact when the whole fleet
 * was sampled, "of N sampled" otherwise, never a guess for the rest.
 *
 * @example changeCountText({ targets: 48, sampled: 48, noChange: 3, failed: 0 }) // '48 targets: 45 need the change, 3 need no change.'
 * @example changeCountText({ targets: 48, sampled: 10, noChange: 0, failed: 0 }) // '48 targets. Of 10 sampled, all 10 need the change; the other 38 are read when their wave runs.'
 */
export function changeCountText(input: { targets: number; sampled: number; noChange: number; failed: number }): string {
  const { targets, sampled, noChange, failed } = input;
  const needs = sampled - noChange - failed;
  const head = `${targets} ${verb(targets, 'target', 'targets')}`;
  if (targets === 0) return 'No targets.';
  if (sampled === 0) return `${head}; none could be read for the preview, so which need the change is not known yet.`;
  const parts: string[] = [];
  if (noChange === 0 && failed === 0) {
    if (sampled === 1) return sampled >= targets ? `${head}: it needs the change.` : `${head}. The one sampled needs the change; the other ${targets - 1} ${verb(targets - 1, 'is', 'are')} read when ${verb(targets - 1, 'its', 'their')} wave runs.`;
    parts.push(`all ${sampled} need the change`);
  } else {
    if (needs > 0) parts.push(`${needs} ${verb(needs, 'needs', 'need')} the change`);
    if (noChange > 0) parts.push(`${noChange} ${verb(noChange, 'needs', 'need')} no change`);
    if (failed > 0) parts.push(`the change fails on ${failed}`);
  }
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  if (sampled >= targets) return `${head}: ${list}.`;
  const rest = targets - sampled;
  return `${head}. Of ${sampled} sampled, ${list}; the other ${rest} ${verb(rest, 'is', 'are')} read when ${verb(rest, 'its', 'their')} wave runs.`;
}

/** Each failure on its own line, the output a failed command left (after its sentence's first line) in a code block. */
function failureBlocks(failed: readonly { repo: string; reason: string }[]): Block[] {
  if (failed.length === 0) return [];
  const blocks = failed.slice(0, SHOWN_PER_LIST).map((f) => {
    const [first, ...rest] = f.reason.split('\n');
    const output = rest.join('\n').trim();
    return section(`:x: The change fails on \`${escapeText(f.repo)}\`: ${escapeText(truncate(first ?? '', 500))}${output ? `\n${codeBlock(output.length > FAILURE_ROOM ? `…${output.slice(-FAILURE_ROOM)}` : output, FAILURE_ROOM + 200)}` : ''}`);
  });
  if (failed.length > SHOWN_PER_LIST) blocks.push(section(`… and ${failed.length - SHOWN_PER_LIST} more`));
  return blocks;
}

/**
 * What planning left out before making waves, grouped by reason: repositories that need no change
 * are not targets, so the canary wave is made of repositories that will change.
 *
 * @example droppedBlocks([{ repo: 'acme/a', reason: 'lodash is already at 4.17.21 in its package.json' }])
 * // one section: ':scissors: Left out before planning, 1 repository that needs no change: lodash is already at 4.17.21 in its package.json: `acme/a`'
 */
export function droppedBlocks(dropped: readonly { repo: string; reason: string }[], stoppedBy?: string): Block[] {
  const blocks: Block[] = [];
  if (dropped.length > 0) {
    const byReason = new Map<string, string[]>();
    for (const d of dropped) byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d.repo]);
    const lines = [...byReason].slice(0, SHOWN_PER_LIST).map(([reason, repos]) => {
      const shown = repos.slice(0, 5).map((r) => `\`${escapeText(r)}\``).join(', ');
      return `• ${escapeText(truncate(reason, 300))}: ${shown}${repos.length > 5 ? `, +${repos.length - 5}` : ''}`;
    });
    if (byReason.size > SHOWN_PER_LIST) lines.push(`… and ${byReason.size - SHOWN_PER_LIST} more reasons`);
    const head = `:scissors: Left out before planning, ${plural(dropped.length, 'repository that needs', 'repositories that need')} no change:`;
    blocks.push(section(lines.length === 1 ? `${head} ${lines[0].slice(2)}` : `${head}\n${lines.join('\n')}`));
  }
  if (stoppedBy) blocks.push(section(`:hourglass: The check for repositories that need no change stopped early: ${escapeText(stoppedBy)}`));
  return blocks;
}

/** The sampled targets' diffs: each one's when several need the change, else the one sample diff. */
function diffBlocks(input: PreviewInput): Block[] {
  const diffs = input.diffs ?? [];
  if (diffs.length <= 1) return [section(`Sample diff for \`${escapeText(input.sampleRepo ?? 'none')}\`:\n${codeBlock(input.sampleDiff)}`)];
  const blocks = diffs.slice(0, SHOWN_PER_LIST).map((d) => section(`Diff for \`${escapeText(d.repo)}\`:\n${codeBlock(d.diff, DIFF_ROOM_EACH)}`));
  if (diffs.length > SHOWN_PER_LIST) blocks.push(section(`… ${moreOf(diffs.length - SHOWN_PER_LIST, 'diffs')}`));
  return blocks;
}

function formatMinutes(minutes: number): string {
  if (minutes < 90) return plural(Math.round(minutes), 'minute');
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} hours`;
  return `${(minutes / 1440).toFixed(1)} days`;
}

/**
 * The dry-run preview: waves, a sample diff, the GitHub budget and a time estimate, with a
 * Launch button when the preview came from `/fleet start`.
 *
 * @example previewMessage({ name: 'bump-lodash', targets: 12, sampled: 10, noChange: 0, waves: [{ index: 0, repos: ['o/a'] }],
 *   sampleRepo: 'o/a', sampleDiff: '-1\n+2', github: { requests: 40, contentRequests: 12, remaining: 4900 },
 *   estimate: { minutes: 90, explanation: '4 waves' } })
 */
export function previewMessage(input: PreviewInput): SlackMessage {
  const waveLines = input.waves.slice(0, 10).map((w) => {
    const sample = w.repos.slice(0, 3).map((r) => `\`${escapeText(r)}\``).join(', ');
    const more = w.repos.length > 3 ? `, +${w.repos.length - 3}` : '';
    return `Wave ${w.index + 1}: *${w.repos.length}* (${sample}${more})`;
  });
  if (input.waves.length > 10) waveLines.push(`… ${moreOf(input.waves.length - 10, 'waves')}`);
  const remaining = input.github.remaining === null ? 'unknown' : String(input.github.remaining);
  const failed = input.failed ?? [];
  const made = input.at === undefined ? [] : [`Preview made at ${clockText(input.at, input.at)}${input.launch ? '; its Launch button works for 10 minutes' : ''}.`];
  const blocks: Block[] = [
    section(`:mag: *Dry run of ${escapeText(input.name)}*: ${changeCountText({ targets: input.targets, sampled: input.sampled, noChange: input.noChange, failed: failed.length })} Nothing has been changed.`),
    section(waveLines.join('\n') || 'No waves: no target matched.'),
    ...droppedBlocks(input.dropped ?? [], input.droppedStoppedBy),
    ...failureBlocks(failed),
    ...diffBlocks(input),
    ...(input.stoppedBy ? [section(`:hourglass: Sampling stopped early: ${escapeText(input.stoppedBy)}.`)] : []),
    fields([
      `*GitHub requests*\n~${input.github.requests} (${input.github.contentRequests} content-creating)`,
      `*Budget remaining*\n${remaining}`,
      `*Estimate*\n${formatMinutes(input.estimate.minutes)}`,
    ]),
    context([escapeText(input.estimate.explanation), ...made]),
  ];
  if (input.launch) {
    blocks.push(
      actions([
        button({ text: 'Launch', actionId: ACTION.launch, value: encodeValue(input.launch), style: 'primary' }),
        button({ text: 'Cancel', actionId: ACTION.cancel, value: 'cancel' }),
      ]),
    );
  }
  return { text: fallback(`Dry run of ${escapeText(input.name)}: ${plural(input.targets, 'target')} in ${plural(input.waves.length, 'wave')}`), blocks };
}
