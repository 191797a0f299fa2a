import type { StepDefinition } from '../domain/spec.js';
import { CloseOptions } from '../domain/step-options.js';
import type { StepResult } from '../steps/types.js';
import type { Store, TargetRecord } from '../store/store.js';
import { readAbortRecord, readCloseProgress } from './abort-report.js';
import { closeSlotOf, readSteps } from './campaign-spec.js';
import { buildStateNotice } from './notifications.js';
import { backoffDelay, LEASE_GRACE_MS, runLeasedStep, type Claimed, type LeasedOutcome } from './run-step.js';
import { bump, type TickInput, type TickReport } from './tick-types.js';

/** Why a target's PR is closed, for the comment the close brick leaves on it. */
export interface CloseRequest {
  cause: 'skip' | 'abort';
  /** A Slack user id, or 'engine' when a step found nothing to change. */
  actor: string;
  reason: string;
  /** `onAbort: leave`: the PR stays open; the close brick only marks the target's deployment inactive. */
  leavePr?: boolean;
}

/**
 * Records, in the caller's transaction, that a skipped target's PR is to be closed: a `close`
 * step row past the path, pending. The tick's close pass runs the close brick for it afterwards,
 * outside any transaction (GitHub is called there), and marks the row done. A target with no PR
 * and no branch needs nothing (a person's action asks `mayHavePr` of the target as it was, and
 * passes `force`). Returns whether a close was recorded.
 *
 * @example
 * recordCloseNeed(store, target, steps.length, { cause: 'abort', actor: 'U024BE7LH', reason: 'superseded' }, now);
 */
export function recordCloseNeed(store: Store, target: TargetRecord, pathLength: number, request: CloseRequest, now: number, force = false): boolean {
  if (!force && target.prNumber === null && target.branch === null) return false;
  store.steps.save({ targetId: target.id, stepIndex: closeSlotOf(pathLength), kind: 'close', status: 'pending', data: { ...request }, now });
  return true;
}

/**
 * Whether the target may have a PR or a branch of Fleet's: it recorded one, or its path has begun.
 * A target aborted while its open-pr step runs has no PR number yet, but the step may be opening the
 * PR at that moment; the close brick then finds it by branch and marker.
 */
export function mayHavePr(target: Pick<TargetRecord, 'prNumber' | 'branch' | 'state' | 'stepIndex' | 'attempts'>): boolean {
  if (target.prNumber !== null || target.branch !== null) return true;
  return !(target.state === 'pending' && target.stepIndex === 0 && target.attempts === 0);
}

/**
 * The tick's close pass, first half: leases the skipped targets whose PR is to be closed and that
 * are due (only when the registry has the close brick).
 *
 * @example
 * const jobs = claimCloses(input, start, budgetRetryAt, report);
 */
export function claimCloses<Deps>(input: Required<TickInput<Deps>>, start: number, budgetRetryAt: number | undefined, report: TickReport): Claimed[] {
  const { store, limits } = input;
  if (!input.registry.has('close') || budgetRetryAt !== undefined) return [];
  const jobs: Claimed[] = [];
  for (const target of store.targets.closesDue(start, limits.maxTargets)) {
    const campaign = store.campaigns.get(target.campaignId);
    if (!campaign) continue;
    const steps = readSteps(campaign);
    report.picked += 1;
    // The lease keeps the target skipped: closing is an effect of the skip, not a state of its own.
    const lease = store.targets.update(target.id, target.version, { dueAt: start + limits.stepTimeoutMs + LEASE_GRACE_MS }, start);
    if (!lease) {
      bump(report, 'lost-race');
      continue;
    }
    const defined = steps.find((s) => s.kind === 'close');
    const step: StepDefinition = { kind: 'close', options: defined?.options ?? CloseOptions.parse({}) };
    jobs.push({ target: lease, before: target.state, campaign, step, stepIndex: closeSlotOf(steps.length), pathLength: steps.length });
  }
  return jobs;
}

/**
 * Runs the close brick for a skipped target and writes what it did. The brick is idempotent (a
 * closed PR is left alone, a merged one is never closed, its comment is posted once), so a crash
 * before this write only makes it run again.
 *
 * @example
 * const outcome = await runClose(input, job); // { outcome: 'closed' }
 */
export async function runClose<Deps>(input: Required<TickInput<Deps>>, job: Claimed): Promise<LeasedOutcome> {
  const { store } = input;
  const { state, ran, now } = await runLeasedStep(input, job);
  if (ran.kind === 'budget') {
    const updated = store.targets.update(job.target.id, job.target.version, { dueAt: ran.retryAt }, now);
    return { outcome: updated ? 'budget' : 'lost-race', kind: 'budget', retryAt: ran.retryAt };
  }
  const result: StepResult = ran.kind === 'timeout' ? { kind: 'failed', retryable: true, reason: `closing the PR took longer than ${Math.round(input.limits.stepTimeoutMs / 1000)} s` } : ran.result;
  const attempts = job.target.attempts + 1;
  const retry = result.kind === 'wait' || (result.kind === 'failed' && result.retryable && attempts < (input.limits.maxAttempts ?? 5));
  const written = store.transaction(() => {
    const base = { campaignId: job.campaign.id, targetId: job.target.id, at: now, actor: 'engine' };
    if (result.kind === 'done') {
      // The brick may have marked the target's deployment inactive on the way.
      const deployment = result.patch?.deployment !== undefined ? { deployment: result.patch.deployment } : {};
      if (!store.targets.update(job.target.id, job.target.version, { attempts: 0, ...deployment }, now)) return false;
      store.steps.save({ targetId: job.target.id, stepIndex: job.stepIndex, kind: 'close', status: 'done', data: { ...state, ...result.data }, now, finished: true });
      for (const e of result.events ?? []) store.events.append({ ...base, ...e });
      noticeClosesDone(store, job.campaign.id, job.target.id, now);
      return true;
    }
    if (retry) {
      const delay = backoffDelay(input.limits, attempts);
      const dueAt = result.kind === 'wait' ? result.until : now + delay;
      if (!store.targets.update(job.target.id, job.target.version, { dueAt, attempts: result.kind === 'wait' ? 0 : attempts }, now)) return false;
      store.steps.save({ targetId: job.target.id, stepIndex: job.stepIndex, kind: 'close', status: 'waiting', data: { ...state, ...result.data }, reason: result.reason, now });
      return true;
    }
    // Given up: the target stays skipped and the event says the PR is still open.
    if (!store.targets.update(job.target.id, job.target.version, { attempts: 0 }, now)) return false;
    store.steps.save({ targetId: job.target.id, stepIndex: job.stepIndex, kind: 'close', status: 'failed', data: { ...state, ...result.data }, reason: result.reason, now, finished: true });
    store.events.append({ ...base, kind: 'pr.close-failed', data: { prNumber: job.target.prNumber, reason: result.reason, attempts } });
    noticeClosesDone(store, job.campaign.id, job.target.id, now);
    return true;
  });
  if (!written) return { outcome: 'lost-race' };
  // A close that finished changes what an aborted campaign's root message says about its closes.
  return { outcome: result.kind === 'done' ? 'closed' : retry ? 'retry' : 'failed', changed: !retry };
}

function plainText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * After the last of an abort's closes finished (in the transaction that wrote it): one line in the
 * thread saying how they went, so the summary's "closing N open PRs" is followed by what happened.
 */
function noticeClosesDone(store: Store, campaignId: string, targetId: number, now: number): void {
  const campaign = store.campaigns.get(campaignId);
  if (!campaign || campaign.state !== 'aborted') return;
  const record = readAbortRecord(store, campaign);
  if (!record || !record.closing.includes(targetId) || store.targets.pendingCloses(campaignId) > 0) return;
  const p = readCloseProgress(store, campaign, record);
  if (p.pending > 0) return;
  const parts = p.closed > 0 || p.failed.length > 0 ? [`${p.closed} ${p.closed === 1 ? 'PR' : 'PRs'} closed`] : p.mergedMeanwhile > 0 ? [] : ['no PR was left open to close'];
  if (p.mergedMeanwhile > 0) parts.push(`${p.mergedMeanwhile} had merged meanwhile and ${p.mergedMeanwhile === 1 ? 'stays' : 'stay'} merged`);
  let text = `The abort's closes are done: ${parts.join('; ')}.`;
  if (p.failed.length > 0) {
    const named = p.failed.slice(0, 10).map((f) => `\`${plainText(f.repo)}\`${f.prNumber === null ? '' : ` (PR #${f.prNumber})`}${f.reason ? `: ${plainText(f.reason)}` : ''}`);
    const more = p.failed.length > named.length ? ` and ${p.failed.length - named.length} more` : '';
    text += ` ${p.failed.length} could not be closed, close ${p.failed.length === 1 ? 'it' : 'them'} by hand: ${named.join('; ')}${more}.`;
  }
  store.outbox.enqueue(buildStateNotice(campaign, text, now));
}
