import type { TargetState } from '../domain/states.js';
import type { CampaignRecord, Store, TargetRecord } from '../store/store.js';
import { closeSlotOf, readSteps } from './campaign-spec.js';

/**
 * What an abort did, and the one rule for "done work" every progress bar follows (root message,
 * per-wave lines, App Home, digest).
 *
 * **Done** is work Fleet finished with: succeeded, failed, reverted, and skipped by a person or
 * because the repository needed no change. A target an abort stopped is **not done**: nothing
 * was carried out for it. So an aborted campaign of 48 targets with 2 merged shows 2/48, not 48/48.
 */

/** One target's PR, as the abort report names it. */
export interface AbortPr {
  repo: string;
  prNumber: number | null;
  prUrl: string | null;
}

/** What the abort found and did, recorded on its `campaign.aborted` event (`data.report`). */
export interface AbortRecord {
  /** The Slack user who aborted. */
  by: string;
  /** Their reason, when they gave one. */
  note: string | null;
  /** The spec's `onAbort: leave`: the open PRs stay open. */
  leavePrs: boolean;
  /** Targets whose change had merged before the abort. */
  merged: number[];
  /** Targets the abort stopped (moved to skipped). */
  stopped: number[];
  /** Stopped targets whose PR (or branch) the close pass closes. */
  closing: number[];
}

/** Done work, from a campaign's (or wave's) counts and how many of its targets an abort stopped. */
export function countDone(counts: Record<TargetState, number> | Partial<Record<TargetState, number>>, stopped = 0): number {
  const c = (s: TargetState) => counts[s] ?? 0;
  return Math.max(0, c('succeeded') + c('failed') + c('reverted') + c('skipped') - stopped);
}

/**
 * Sorts a campaign's targets, in the abort's transaction before they move, into what the abort
 * report says: merged, stopped, and whose PR is to be closed (`closing` is filled by the caller
 * as the close needs are recorded).
 */
export function classifyForAbort(targets: readonly TargetRecord[], stoppable: (t: TargetRecord) => boolean): { merged: TargetRecord[]; stopped: TargetRecord[] } {
  return {
    merged: targets.filter((t) => t.mergedSha !== null && t.state !== 'reverted'),
    stopped: targets.filter(stoppable),
  };
}

/** The abort's record, read back from its event; null when the campaign is not aborted. */
export function readAbortRecord(store: Store, campaign: CampaignRecord): AbortRecord | null {
  if (campaign.state !== 'aborted') return null;
  const event = store.events.list({ campaignId: campaign.id, kinds: ['campaign.aborted'] }).at(-1);
  if (!event) return null;
  const report = event.data.report as Partial<AbortRecord> | undefined;
  const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);
  if (report && typeof report.by === 'string') {
    return { by: report.by, note: typeof report.note === 'string' ? report.note : null, leavePrs: report.leavePrs === true, merged: ids(report.merged), stopped: ids(report.stopped), closing: ids(report.closing) };
  }
  // An abort recorded before the report existed: its stopped targets carry the campaign's reason.
  const targets = store.targets.list(campaign.id);
  return {
    by: event.actor,
    note: null,
    leavePrs: false,
    merged: targets.filter((t) => t.mergedSha !== null && t.state !== 'reverted').map((t) => t.id),
    stopped: targets.filter((t) => t.state === 'skipped' && t.stateReason === campaign.stateReason).map((t) => t.id),
    closing: [],
  };
}

/** How the abort's closes stand: closed, could not be closed, still to do. */
export interface CloseProgress {
  closing: number;
  closed: number;
  failed: { repo: string; prNumber: number | null; reason: string }[];
  /** Closes that found the PR merged meanwhile (it stays merged). */
  mergedMeanwhile: number;
  pending: number;
}

export function readCloseProgress(store: Store, campaign: CampaignRecord, record: AbortRecord): CloseProgress {
  const closing = new Set(record.closing);
  const progress: CloseProgress = { closing: closing.size, closed: 0, failed: [], mergedMeanwhile: 0, pending: 0 };
  if (closing.size === 0) return progress;
  const slot = closeSlotOf(readSteps(campaign).length);
  const repos = new Map(store.targets.list(campaign.id).map((t) => [t.id, t]));
  for (const id of closing) {
    const step = store.steps.get(id, slot);
    if (!step || step.status === 'pending' || step.status === 'waiting' || step.status === 'running') progress.pending += 1;
  }
  for (const e of store.events.list({ campaignId: campaign.id, kinds: ['pr.closed', 'pr.close-skipped', 'pr.close-failed'] })) {
    if (e.targetId === null || e.targetId === undefined || !closing.has(e.targetId)) continue;
    if (e.kind === 'pr.closed') progress.closed += 1;
    else if (e.kind === 'pr.close-skipped') progress.mergedMeanwhile += 1;
    else {
      const t = repos.get(e.targetId);
      progress.failed.push({ repo: t?.repo ?? 'a repository', prNumber: t?.prNumber ?? null, reason: typeof e.data.reason === 'string' ? e.data.reason : '' });
    }
  }
  return progress;
}

/** Per wave (and in all), how many targets the abort stopped; zeros when it was not aborted. */
export function countStopped(store: Store, campaign: CampaignRecord, record: AbortRecord | null): { total: number; perWave: number[] } {
  const perWave = Array.from({ length: campaign.waveCount }, () => 0);
  if (!record || record.stopped.length === 0) return { total: 0, perWave };
  const stopped = new Set(record.stopped);
  let total = 0;
  for (const t of store.targets.list(campaign.id)) {
    if (!stopped.has(t.id)) continue;
    total += 1;
    if (t.wave < perWave.length) perWave[t.wave] += 1;
  }
  return { total, perWave };
}

/** The PRs of the given targets, as the summary lists them. */
export function prsOf(targets: readonly TargetRecord[]): AbortPr[] {
  return targets.map((t) => ({ repo: t.repo, prNumber: t.prNumber, prUrl: t.prUrl }));
}
