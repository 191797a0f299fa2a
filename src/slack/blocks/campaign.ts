import type { CampaignState, TargetState } from '../../domain/states.js';
import { TARGET_STATES } from '../../domain/states.js';
import type { RootView } from '../../domain/notifications.js';
import { abortRootLine, abortSummaryLines, abortedBy, byWhom, type AbortSummaryInput } from './abort.js';
import { ACTION, encodeValue } from './action-ids.js';
import {
  LIMITS,
  actions,
  button,
  context,
  escapeKeepingMentions,
  escapeText,
  fallback,
  fields,
  formatDuration,
  header,
  link,
  mention,
  packLines,
  plural,
  progressBar,
  section,
  type Block,
  type Button,
  type SlackMessage,
} from './text.js';
import { failureLine, moreFailuresLine, teamFailureBlocks, type FailureLine, type TeamFailuresInput } from './failures.js';

const STATE_EMOJI: Record<CampaignState, string> = {
  draft: ':memo:',
  running: ':arrows_counterclockwise:',
  paused: ':double_vertical_bar:',
  'awaiting-approval': ':raised_hand:',
  halted: ':octagonal_sign:',
  'rolling-back': ':rewind:',
  completed: ':white_check_mark:',
  aborted: ':x:',
};

export interface WaveProgress {
  index: number;
  total: number;
  /** Work finished: succeeded, failed, reverted, skipped; not the targets an abort stopped. */
  done: number;
  failed: number;
  /** Targets an abort stopped (not done). */
  stopped?: number;
}

export interface RootMessageInput {
  campaignId: string;
  name: string;
  state: CampaignState;
  stateReason?: string;
  owner: string;
  currentWave: number;
  waves: WaveProgress[];
  counts: Partial<Record<TargetState, number>>;
  /** Campaign confidence 0–100, once computed. */
  confidence: number | null;
  openGate: { id: number; wave: number; kind: 'wave' | 'rollback' } | null;
  /** The global freeze is on. */
  frozen?: boolean;
  /** On an aborted campaign: who aborted, what had merged, how the closes stand. */
  abort?: RootView['abort'];
}

function formatCounts(counts: Partial<Record<TargetState, number>>): string {
  const parts = TARGET_STATES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s} *${counts[s]}*`);
  return parts.length ? parts.join(' · ') : 'no targets yet';
}

function campaignButtons(campaignId: string, state: CampaignState): Button[] {
  const value = encodeValue({ c: campaignId });
  const buttons: Button[] = [];
  if (state === 'running' || state === 'awaiting-approval') buttons.push(button({ text: 'Pause', actionId: ACTION.pause, value }));
  if (state === 'paused' || state === 'halted') buttons.push(button({ text: 'Resume', actionId: ACTION.resume, value, style: 'primary' }));
  if (state !== 'completed' && state !== 'aborted') buttons.push(button({ text: 'Abort', actionId: ACTION.abort, value, style: 'danger' }));
  return buttons;
}

/**
 * The campaign's root message, updated in place as the campaign moves: state, progress per wave,
 * counts per state, confidence, the open gate, and the buttons that fit the state.
 *
 * @example rootMessage({ campaignId: 'c-1', name: 'bump-lodash', state: 'running', owner: 'U1',
 *   currentWave: 0, waves: [{ index: 0, total: 3, done: 1, failed: 0 }], counts: { running: 2 },
 *   confidence: null, openGate: null })
 */
export function rootMessage(input: RootMessageInput): SlackMessage {
  const name = escapeText(input.name);
  const total = input.waves.reduce((n, w) => n + w.total, 0);
  const done = input.waves.reduce((n, w) => n + w.done, 0);
  const stopped = input.waves.reduce((n, w) => n + (w.stopped ?? 0), 0);
  // An abort names who aborted with a mention; other reasons are the engine's words.
  const reason = input.state === 'aborted' && input.abort ? ` ${byWhom(input.abort.by, input.abort.note)}` : input.stateReason ? ` — ${escapeKeepingMentions(input.stateReason)}` : '';
  const blocks: Block[] = [
    header(`Fleet campaign: ${input.name}`),
    section(
      `${STATE_EMOJI[input.state]} *${input.state}*${reason}\n` +
        `Owner ${mention(input.owner)} · id \`${escapeText(input.campaignId)}\` · wave ${input.currentWave + 1} of ${Math.max(1, input.waves.length)}`,
    ),
  ];
  if (input.frozen) blocks.push(section(':ice_cube: *The global freeze is on*: no step runs anywhere until an admin turns it off.'));
  if (input.abort) blocks.push(section(abortRootLine(input.abort)));
  blocks.push(section(`*Overall* \`${progressBar(done, total)}\` ${done}/${total} done${stopped > 0 ? ` · ${stopped} stopped by the abort` : ''}`));
  // One line per wave, packed into as few sections as fit; a campaign has a handful of waves.
  const waveLines = input.waves.map((w) => {
    const marker = w.index === input.currentWave ? '▶' : ' ';
    const failed = w.failed > 0 ? ` · ${w.failed} failed` : '';
    const waveStopped = w.stopped ? ` · ${w.stopped} stopped` : '';
    return `${marker} Wave ${w.index + 1} \`${progressBar(w.done, w.total, 12)}\` ${w.done}/${w.total}${failed}${waveStopped}`;
  });
  blocks.push(...packLines(waveLines, 5, 'waves'));
  blocks.push(section(`*Targets* ${formatCounts(input.counts)}`));
  const confidence = input.confidence === null ? 'not yet measured' : `*${Math.round(input.confidence)}/100*`;
  const gate = input.openGate
    ? ` · :raised_hand: ${input.openGate.kind === 'rollback' ? 'rollback offer' : 'gate'} open at wave ${input.openGate.wave + 1} (see thread)`
    : '';
  blocks.push(context([`Confidence ${confidence}${gate}`]));
  const buttons = campaignButtons(input.campaignId, input.state);
  if (buttons.length) blocks.push(actions(buttons, `campaign:${input.campaignId}`));
  return { text: fallback(`Fleet campaign ${name}: ${input.state}, ${done} of ${plural(total, 'target')} done`), blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}

export interface WaveStartedInput {
  campaignId: string;
  wave: number;
  waveCount: number;
  repos: string[];
}

/** Thread post when a wave starts: its size and the first repositories. */
export function waveStarted(input: WaveStartedInput): SlackMessage {
  const shown = input.repos.slice(0, 20).map((r) => `\`${escapeText(r)}\``);
  const more = input.repos.length > shown.length ? ` and ${input.repos.length - shown.length} more` : '';
  return {
    text: fallback(`Wave ${input.wave + 1} of ${input.waveCount} started: ${plural(input.repos.length, 'repository', 'repositories')}`),
    blocks: [section(`:rocket: *Wave ${input.wave + 1} of ${input.waveCount}*${input.wave === 0 ? ' (the canary wave)' : ''} started with *${input.repos.length}* ${input.repos.length === 1 ? 'repository' : 'repositories'}: ${shown.join(', ')}${more}`)],
  };
}

export interface WaveFinishedInput {
  campaignId: string;
  wave: number;
  waveCount: number;
  succeeded: number;
  failed: number;
  skipped: number;
  needsAttention: number;
  durationMs: number;
  meanScore: number | null;
  /** The wave's failed and needing-attention targets, worst first (at most ten). */
  failures?: FailureLine[];
  /** How many more than `failures` shows: behind `/fleet status <id> failed`. */
  moreFailures?: number;
}

/**
 * The wave's end: its counts, then its failed targets with their reasons, the ten worst inline
 * and "and N more: `/fleet status <id> failed`" for the rest.
 */
export function waveFinished(input: WaveFinishedInput): SlackMessage {
  const score = input.meanScore === null ? 'n/a' : `${Math.round(input.meanScore)}/100`;
  const failures = input.failures ?? [];
  const failureBlocks: Block[] = [];
  if (failures.length) {
    const more = input.moreFailures ?? 0;
    const parts = [input.failed > 0 ? `${input.failed} failed` : '', input.needsAttention > 0 ? `${input.needsAttention} ${input.needsAttention === 1 ? 'needs' : 'need'} a person` : ''].filter(Boolean);
    const lines = [`*${parts.join(', ')}${failures.length + more > 1 ? ', worst first' : ''}:*`, ...failures.map(failureLine)];
    const rest = moreFailuresLine(more, input.campaignId);
    if (rest) lines.push(rest);
    failureBlocks.push(...packLines(lines, 4, 'failed targets'));
  }
  return {
    text: fallback(`Wave ${input.wave + 1} of ${input.waveCount} finished: ${input.succeeded} succeeded, ${input.failed} failed`),
    blocks: [
      section(`:checkered_flag: *Wave ${input.wave + 1} of ${input.waveCount}* finished in ${formatDuration(input.durationMs)}`),
      fields([
        `*Succeeded*\n${input.succeeded}`,
        `*Failed*\n${input.failed}`,
        `*Skipped*\n${input.skipped}`,
        `*Needs attention*\n${input.needsAttention}`,
        `*Mean target score*\n${score}`,
      ]),
      ...failureBlocks,
    ],
  };
}

export interface NeedsAttentionInput {
  campaignId: string;
  repo: string;
  reason: string;
  prUrl: string | null;
  step?: string;
  /** People to mention (repository owners, the campaign owner). */
  notify?: string[];
}

/** A target that needs a person: why, the PR, and Retry / Skip. */
export function needsAttention(input: NeedsAttentionInput): SlackMessage {
  const value = encodeValue({ c: input.campaignId, r: input.repo });
  const pr = input.prUrl ? ` · ${link(input.prUrl, 'pull request')}` : '';
  const step = input.step ? ` at step \`${escapeText(input.step)}\`` : '';
  const who = input.notify?.length ? `\n${input.notify.slice(0, 20).map(mention).join(' ')}` : '';
  return {
    text: fallback(`${input.repo} needs attention: ${escapeKeepingMentions(input.reason)}`),
    blocks: [
      section(`:warning: *${escapeText(input.repo)}* needs attention${step}${pr}\n>${escapeKeepingMentions(input.reason).replace(/\n/g, '\n>')}${who}`),
      actions(
        [
          button({ text: 'Retry', actionId: ACTION.retry, value, style: 'primary' }),
          button({ text: 'Skip', actionId: ACTION.skip, value }),
        ],
        `target:${input.campaignId}:${input.repo}`,
      ),
    ],
  };
}

export interface RollbackOfferInput {
  campaignId: string;
  wave: number;
  reason: string;
  mergedCount: number;
}

/** After a failure following a merge: offers to revert the wave's merged changes. */
export function rollbackOffer(input: RollbackOfferInput): SlackMessage {
  return {
    text: fallback(`Wave ${input.wave + 1} may need reverting: ${escapeKeepingMentions(input.reason)}`),
    blocks: [
      section(
        `:rewind: *Wave ${input.wave + 1}* failed after merge: ${escapeKeepingMentions(input.reason)}\n` +
          (input.mergedCount === 1 ? 'Reverting opens a revert PR for the *1* merged repository.' : `Reverting opens a revert PR for each of the *${input.mergedCount}* merged repositories.`),
      ),
      actions(
        [
          button({
            text: 'Revert wave',
            actionId: ACTION.revertWave,
            value: encodeValue({ c: input.campaignId, w: input.wave }),
            style: 'danger',
            confirm: { title: 'Revert this wave?', text: `Open ${plural(input.mergedCount, 'revert PR')} for wave ${input.wave + 1}.`, confirm: 'Revert', deny: 'Cancel' },
          }),
        ],
        `rollback:${input.campaignId}:${input.wave}`,
      ),
    ],
  };
}

export interface FinalSummaryInput {
  campaignId: string;
  name: string;
  state: 'completed' | 'aborted';
  reason?: string;
  counts: Partial<Record<TargetState, number>>;
  durationMs: number;
  /** Targets a person had to act on, and all targets (the share Fleet tries to cut). */
  humanTouched: number;
  total: number;
  approvals: number;
  /** Work finished (an abort's stopped targets are not done); absent on older records. */
  done?: number;
  /** On an abort: who, what had merged, which PRs it closes or leaves, what it stopped. */
  abort?: AbortSummaryInput;
  /** The failed targets per team (see `engine/failures.ts` for what a team is). */
  failedByTeam?: TeamFailuresInput[];
  moreTeams?: number;
}

function approvalsText(n: number): string {
  return `${n} approval${n === 1 ? '' : 's'}`;
}

export function finalSummary(input: FinalSummaryInput): SlackMessage {
  const icon = input.state === 'completed' ? ':tada:' : ':x:';
  const after = `after ${formatDuration(input.durationMs)}`;
  if (input.state === 'aborted' && input.abort) {
    const a = input.abort;
    const done = input.done ?? input.total - a.stoppedCount;
    const touched = `${input.humanTouched} ${input.humanTouched === 1 ? 'target' : 'targets'} needed a person before the abort`;
    return {
      text: fallback(`Campaign ${escapeText(input.name)} ${abortedBy(a.by, a.note)} ${after}: ${done} of ${input.total} targets done`),
      blocks: [
        section(`${icon} *${escapeText(input.name)}* ${abortedBy(a.by, a.note)} ${after}.`),
        ...packLines(abortSummaryLines(a), 4, 'lines'),
        section(`*Targets* ${formatCounts(input.counts)}`),
        context([`${done} of ${input.total} targets done · ${touched} · ${approvalsText(input.approvals)}`]),
      ],
    };
  }
  const share = input.total > 0 ? Math.round((100 * input.humanTouched) / input.total) : 0;
  return {
    text: fallback(`Campaign ${escapeText(input.name)} ${input.state} ${after}`),
    blocks: [
      section(`${icon} *${escapeText(input.name)}* ${input.state} ${after}${input.reason ? `: ${escapeKeepingMentions(input.reason)}` : ''}`),
      section(`*Targets* ${formatCounts(input.counts)}`),
      context([`${input.humanTouched} of ${plural(input.total, 'target')} needed a person (${share}%) · ${approvalsText(input.approvals)}`]),
      ...teamFailureBlocks(input.failedByTeam ?? [], input.moreTeams ?? 0, input.campaignId),
    ],
  };
}
