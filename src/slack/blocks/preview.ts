import { ACTION, encodeValue, type LaunchValue } from './action-ids.js';
import { actions, agree, button, context, escapeText, fallback, fields, moreOf, plural, section, truncate, type Block, type SlackMessage } from './text.js';

export interface PreviewInput {
  name: string;
  targets: number;
  noChange: number;
  waves: { index: number; repos: string[] }[];
  sampleRepo: string | null;
  sampleDiff: string;
  github: { requests: number; contentRequests: number; remaining: number | null };
  estimate: { minutes: number; explanation: string };
  /** When given, a Launch button starts exactly this spec. */
  launch?: LaunchValue;
}

/** Room for the diff inside one 3,000-character section, fences and a header line included. */
const DIFF_ROOM = 2700;

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

function formatMinutes(minutes: number): string {
  if (minutes < 90) return plural(Math.round(minutes), 'minute');
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} hours`;
  return `${(minutes / 1440).toFixed(1)} days`;
}

/**
 * The dry-run preview: waves, a sample diff, the GitHub budget and a time estimate, with a
 * Launch button when the preview came from `/fleet start`.
 *
 * @example previewMessage({ name: 'bump-lodash', targets: 12, noChange: 0, waves: [{ index: 0, repos: ['o/a'] }],
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
  const blocks: Block[] = [
    section(`:mag: *Dry run of ${escapeText(input.name)}*: ${plural(input.targets, 'target')}${input.noChange ? `, ${input.noChange} ${agree(input.noChange, 'needs', 'need')} no change` : ''}. Nothing has been changed.`),
    section(waveLines.join('\n') || 'No waves: no target matched.'),
    section(`Sample diff for \`${escapeText(input.sampleRepo ?? 'none')}\`:\n${codeBlock(input.sampleDiff)}`),
    fields([
      `*GitHub requests*\n~${input.github.requests} (${input.github.contentRequests} content-creating)`,
      `*Budget remaining*\n${remaining}`,
      `*Estimate*\n${formatMinutes(input.estimate.minutes)}`,
    ]),
    context([escapeText(input.estimate.explanation)]),
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
