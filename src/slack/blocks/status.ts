import type { CampaignState, TargetState } from '../../domain/states.js';
import { TARGET_STATES } from '../../domain/states.js';
import { ACTION, encodeValue } from './action-ids.js';
import { actions, button, context, escapeKeepingMentions, escapeText, fallback, link, mention, packLines, plural, progressBar, section, type Block, type SlackMessage } from './text.js';
import { failureLine, shortReason, stateWords } from './failures.js';

export interface StatusInput {
  id: string;
  name: string;
  state: CampaignState;
  stateReason: string;
  owner: string;
  /** Who started the campaign; shown beside the owner. */
  launchedBy?: string;
  currentWave: number;
  waveCount: number;
  counts: Partial<Record<TargetState, number>>;
  /** Done work as the service counts it (not the targets an abort stopped); else every final target. */
  done?: number;
  confidence: number | null;
  openGate: { id: number; wave: number } | null;
  needsAttention: { repo: string; reason: string; prUrl: string | null }[];
  /** Which targets the reply lists: those that need attention (default), the failures, or all. */
  view?: 'attention' | 'failed' | 'all';
  /** The targets of the `failed` or `all` view, in the order to show them. */
  targets?: { repo: string; wave: number; state: TargetState; reason: string; prUrl: string | null }[];
}

/** How many targets one reply lists; Slack's 50 blocks of 3,000 characters hold about this many lines with reasons. */
export const STATUS_TARGETS_SHOWN = 100;

const FINAL: TargetState[] = ['succeeded', 'failed', 'skipped', 'reverted'];

function totals(counts: Partial<Record<TargetState, number>>, given?: number): { done: number; total: number } {
  const total = TARGET_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const done = given ?? FINAL.reduce((n, s) => n + (counts[s] ?? 0), 0);
  return { done, total };
}

/**
 * `/fleet status <id>`: one campaign in detail, with what needs a person.
 *
 * @example statusMessage({ id: 'c-1', name: 'bump', state: 'running', stateReason: '', owner: 'U1', currentWave: 0,
 *   waveCount: 4, counts: { running: 3 }, confidence: null, openGate: null, needsAttention: [] })
 */
export function statusMessage(s: StatusInput): SlackMessage {
  const { done, total } = totals(s.counts, s.done);
  const counts = TARGET_STATES.filter((t) => (s.counts[t] ?? 0) > 0).map((t) => `${t} *${s.counts[t]}*`).join(' · ') || 'no targets';
  const blocks: Block[] = [
    section(
      `*${escapeText(s.name)}* \`${escapeText(s.id)}\` · *${s.state}*${s.stateReason ? ` — ${escapeKeepingMentions(s.stateReason)}` : ''}\n` +
        `Owner ${mention(s.owner)}${s.launchedBy ? ` · launched by ${mention(s.launchedBy)}` : ''} · wave ${s.currentWave + 1} of ${Math.max(1, s.waveCount)} · \`${progressBar(done, total)}\` ${done}/${total}\n${counts}`,
    ),
    context([`Confidence ${s.confidence === null ? 'not yet measured' : `${Math.round(s.confidence)}/100`}${s.openGate ? ` · gate open at wave ${s.openGate.wave + 1}: \`/fleet approve ${escapeText(s.id)}\`` : ''}`]),
  ];
  const view = s.view ?? 'attention';
  if (view === 'attention' && s.needsAttention.length) {
    const lines = s.needsAttention.map((t) => `• ${link(t.prUrl, t.repo)}: ${escapeKeepingMentions(t.reason)} — \`/fleet retry ${escapeText(s.id)} ${escapeText(t.repo)}\``);
    blocks.push(section(`*Needs attention (${s.needsAttention.length})*`), ...packLines(lines, 6, 'targets'));
  }
  if (view !== 'attention') blocks.push(...targetList(s.id, view, s.targets ?? []));
  return { text: fallback(`${escapeText(s.name)} (${s.id}): ${s.state}, ${done}/${total} done`), blocks };
}

/** The `failed` or `all` list: the first STATUS_TARGETS_SHOWN targets, and how many more there are. */
function targetList(id: string, view: 'failed' | 'all', targets: NonNullable<StatusInput['targets']>): Block[] {
  if (targets.length === 0) return [section(view === 'failed' ? 'No target has failed or needs a person.' : 'This campaign has no targets.')];
  const shown = targets.slice(0, STATUS_TARGETS_SHOWN);
  const lines =
    view === 'failed'
      ? shown.map((t) => `${failureLine(t)} — \`/fleet retry ${escapeText(id)} ${escapeText(t.repo)}\``)
      : shown.map((t) => `• ${link(t.prUrl, t.repo)} · wave ${t.wave + 1} · ${stateWords(t.state)}${t.reason.trim() && t.state !== 'succeeded' ? `: ${shortReason(t.reason)}` : ''}`);
  const title = view === 'failed' ? `*Failed or needing a person (${targets.length}), worst first*` : `*Every target (${targets.length}), by wave*`;
  const blocks: Block[] = [section(title), ...packLines(lines, 40, 'targets')];
  if (targets.length > shown.length) {
    const hint = view === 'all' ? ` \`/fleet status ${escapeText(id)} failed\` lists the ones that failed.` : '';
    blocks.push(context([`Showing the first ${shown.length} of ${targets.length} targets.${hint}`]));
  }
  return blocks;
}

export interface ListEntry {
  id: string;
  name: string;
  state: CampaignState;
  owner: string;
  channel: string;
  counts: Partial<Record<TargetState, number>>;
  /** Done work as the service counts it; else every final target. */
  done?: number;
}

/** `/fleet list`: every campaign, newest activity first as given. */
export function listMessage(entries: ListEntry[]): SlackMessage {
  if (entries.length === 0) return { text: 'No campaigns yet.', blocks: [section('No campaigns yet. Start one with `/fleet start`.')] };
  const lines = entries.map((e) => {
    const { done, total } = totals(e.counts, e.done);
    return `• \`${escapeText(e.id)}\` *${escapeText(e.name)}* · ${e.state} · ${done}/${total} · ${mention(e.owner)} in <#${e.channel}>`;
  });
  return { text: fallback(plural(entries.length, 'campaign')), blocks: packLines(lines, 20, 'campaigns') };
}

/**
 * The confirmation asked before an abort, saying what the abort does to open PRs: the spec's
 * `onAbort` (default `close`) decides whether Fleet closes them or leaves them to people.
 *
 * @example abortConfirmation('c-1', 'bump-lodash', 'close') // '… No new step will run; Fleet closes the campaign\'s open PRs …'
 */
export function abortConfirmation(campaignId: string, name: string, onAbort: 'close' | 'leave' = 'close'): SlackMessage {
  const value = encodeValue({ c: campaignId });
  const prs =
    onAbort === 'leave'
      ? "open PRs stay open for you to close, as the spec's `onAbort: leave` asks"
      : "Fleet closes the campaign's open PRs and deletes their branches";
  return {
    text: fallback(`Abort ${escapeText(name)}?`),
    blocks: [
      section(`:warning: Abort *${escapeText(name)}* (\`${escapeText(campaignId)}\`)? No new step will run; ${prs}; what has merged stays merged. This cannot be undone.`),
      actions([
        button({ text: 'Abort campaign', actionId: ACTION.abortConfirm, value, style: 'danger' }),
        button({ text: 'Keep it running', actionId: ACTION.cancel, value: 'cancel' }),
      ]),
    ],
  };
}
