import { plural } from '../domain/words.js';
import { FleetError } from '../errors.js';
import type { StepResult } from '../steps/types.js';
import type { CampaignRecord, NewEvent, NewOutboxMessage, StepStatus, Store, TargetPatch, TargetRecord } from '../store/store.js';
import { readSpec, readSteps, resolveStepAt } from './campaign-spec.js';
import { claimCloses, recordCloseNeed, runClose } from './close-targets.js';
import type { ConfidenceModel } from './confidence-model.js';
import { createConfidenceModel } from './confidence.js';
import { buildNeedsAttention, buildRollbackOffer, enqueueRootUpdate } from './notifications.js';
import { buildDeployNotice } from './deploy-notices.js';
import { transitionTarget, type TargetEvent } from './machines.js';
import { findNextWindowOpen, isInWindow } from './schedule.js';
import { applyTargetEffects, type AppliedTargetEffects } from './target-effects.js';
import { hasEffect, moveCampaign } from './move-campaign.js';
import { backoffDelay, LEASE_GRACE_MS, runLeasedStep, stepTimeLimit, type Claimed, type LeasedOutcome } from './run-step.js';
import { bump, type TargetOutcome, type TickInput, type TickLimits, type TickReport } from './tick-types.js';
import { advanceWaves } from './waves.js';

export type { TargetOutcome, TickInput, TickLimits, TickReport } from './tick-types.js';

const OPEN_PR_RECHECK_MS = 60_000;

/**
 * One pass of the engine: runs the current step of every due target (bounded concurrency, a time
 * limit per step), writes each target's outcome in one transaction, then moves waves and gates.
 * Safe to run from several workers at once: a target is claimed with its version before its step
 * runs, so no step runs twice for one due time.
 *
 * @example
 * const report = await runTick({ store, registry, deps, now: Date.now, confidence,
 *   limits: { maxTargets: 200, concurrency: 8, stepTimeoutMs: 60_000 } });
 */
export async function runTick<Deps>(tickInput: TickInput<Deps>): Promise<TickReport> {
  const input = { ...tickInput, confidence: tickInput.confidence ?? createConfidenceModel(tickInput.store) };
  const { store, limits } = input;
  const report: TickReport = { frozen: false, picked: 0, ran: 0, outcomes: {}, deferred: { window: 0, openPrs: 0, budget: 0 }, waves: { decisions: [] } };
  if (store.settings.isFrozen()) {
    report.frozen = true;
    return report;
  }
  const start = input.now();
  const due = [...store.targets.due(start, limits.maxTargets), ...findRevertsDue(store, start, limits.maxTargets)];
  report.picked = due.length;

  const campaigns = new Map<string, CampaignRecord>();
  const openPrs = new Map<string, number>();
  const touched = new Set<string>();
  let budgetRetryAt: number | undefined;
  const claimed: Claimed[] = [];

  for (const target of due) {
    let campaign = campaigns.get(target.campaignId);
    if (!campaign) {
      campaign = store.campaigns.get(target.campaignId);
      if (!campaign) continue;
      campaigns.set(campaign.id, campaign);
    }
    const spec = readSpec(campaign);
    const steps = readSteps(campaign);
    const step = resolveStepAt(steps, target.stepIndex);
    const deferral = findDeferral();
    if (deferral) {
      const updated = store.targets.update(target.id, target.version, { dueAt: deferral.until, stateReason: deferral.reason }, start);
      if (updated) report.deferred[deferral.kind] += 1;
      bump(report, 'deferred');
      continue;
    }
    const started = transitionTarget(target.state, { type: 'start' });
    if (!started.ok) continue;
    const lease = store.targets.update(target.id, target.version, { ...applyTargetEffects(started.state, started.effects, target, start).patch, dueAt: start + stepTimeLimit(limits, step, spec.change) + LEASE_GRACE_MS }, start);
    if (!lease) {
      bump(report, 'lost-race');
      continue;
    }
    if (step.kind === 'open-pr' && target.prNumber === null) openPrs.set(campaign.id, (openPrs.get(campaign.id) ?? 0) + 1);
    claimed.push({ target: lease, before: target.state, campaign, step, stepIndex: target.stepIndex, pathLength: steps.length });

    function findDeferral(): { kind: 'window' | 'openPrs' | 'budget'; until: number; reason: string } | undefined {
      if (budgetRetryAt !== undefined) return { kind: 'budget', until: budgetRetryAt, reason: 'waiting for the GitHub budget' };
      const schedule = spec.policy.schedule;
      if (!isInWindow(schedule, start)) {
        const opens = findNextWindowOpen(schedule, start) ?? start + 86_400_000;
        return { kind: 'window', until: opens, reason: 'outside the campaign schedule window' };
      }
      if (step.kind === 'open-pr' && target.prNumber === null) {
        const open = openPrs.get(campaign!.id) ?? store.targets.openPrCount(campaign!.id);
        openPrs.set(campaign!.id, open);
        if (open >= spec.policy.maxOpenPrs) {
          return { kind: 'openPrs', until: start + OPEN_PR_RECHECK_MS, reason: `waiting: ${plural(open, 'PR')} open, the campaign allows ${spec.policy.maxOpenPrs}` };
        }
      }
      return undefined;
    }
  }

  /** Runs leased jobs; once one finds the GitHub budget spent, the rest wait for it instead of running. */
  const runLeased = (jobs: Claimed[], deferred: (job: Claimed, retryAt: number) => TargetPatch, run: (job: Claimed) => Promise<LeasedOutcome>) =>
    runPool(jobs, limits.concurrency, async (job) => {
      if (budgetRetryAt !== undefined) {
        store.targets.update(job.target.id, job.target.version, deferred(job, budgetRetryAt), input.now());
        report.deferred.budget += 1;
        bump(report, 'budget');
        return;
      }
      const outcome = await run(job);
      report.ran += 1;
      if (outcome.kind === 'budget') budgetRetryAt = outcome.retryAt;
      bump(report, outcome.outcome);
      // Root updates only when counts move; a repeated wait changes nothing a person sees.
      if (outcome.changed) touched.add(job.campaign.id);
    });

  await runLeased(claimed, (job, retryAt) => waitPatch(retryAt, 'waiting for the GitHub budget', job.target), (job) => runClaimed(input, job));
  // A close keeps its target skipped: only its due time moves.
  await runLeased(claimCloses(input, start, budgetRetryAt, report), (_job, retryAt) => ({ dueAt: retryAt }), (job) => runClose(input, job));

  const end = input.now();
  for (const id of touched) {
    const campaign = store.campaigns.get(id);
    if (campaign) enqueueRootUpdate(store, campaign, end);
  }
  report.waves = advanceWaves({ store, now: end, confidence: input.confidence });
  return report;
}

/** Targets of campaigns rolling back that are reverting (past the end of the path) and due. */
function findRevertsDue(store: Store, now: number, limit: number): TargetRecord[] {
  const found: TargetRecord[] = [];
  for (const campaign of store.campaigns.list({ states: ['rolling-back'] })) {
    const pathLength = readSteps(campaign).length;
    for (const t of store.targets.list(campaign.id)) {
      if (found.length >= limit) return found;
      if (t.stepIndex >= pathLength && (t.state === 'running' || t.state === 'waiting' || t.state === 'pending') && t.dueAt <= now) found.push(t);
    }
  }
  return found;
}

async function runPool<T>(items: readonly T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await worker(item);
    }
  });
  await Promise.all(lanes);
}

async function runClaimed<Deps>(input: Required<TickInput<Deps>>, job: Claimed): Promise<LeasedOutcome> {
  const { store } = input;
  const { state, previousStatus, ran, now } = await runLeasedStep(input, job);
  if (ran.kind === 'budget') {
    const updated = store.targets.update(job.target.id, job.target.version, waitPatch(ran.retryAt, ran.reason, job.target), now);
    return { outcome: updated ? 'budget' : 'lost-race', changed: false, kind: 'budget', retryAt: ran.retryAt };
  }
  const result: StepResult =
    ran.kind === 'timeout'
      ? { kind: 'failed', retryable: true, reason: `the ${job.step.kind} step took longer than ${Math.round(stepTimeLimit(input.limits, job.step, readSpec(job.campaign).change) / 1000)} s` }
      : ran.result;
  const plan = planOutcome(job, result, previousStatus, now, { ...input.limits, attempts: job.target.attempts });
  const gathered = result.patch?.signals ? { ...job.target.signals, ...result.patch.signals } : job.target.signals;
  const signals = withHistory(input.confidence, job, gathered);
  const score = input.confidence.scoreTarget(signals);

  const written = store.transaction(() => {
    const patch: TargetPatch = { ...plan.patch, ...factsOf(result), signals, score };
    const updated = store.targets.update(job.target.id, job.target.version, patch, now);
    if (!updated) return undefined;
    store.steps.save({ targetId: job.target.id, stepIndex: job.stepIndex, kind: job.step.kind, status: plan.stepStatus, data: result.data ?? state, reason: plan.reason, now, finished: plan.stepFinished });
    const events: NewEvent[] = (result.events ?? []).map((e) => ({ ...e, campaignId: job.campaign.id, targetId: job.target.id, at: now, actor: 'engine' }));
    if (plan.event) events.push({ campaignId: job.campaign.id, targetId: job.target.id, at: now, actor: 'engine', kind: plan.event, data: { step: job.step.kind, stepIndex: job.stepIndex, reason: plan.reason, attempts: plan.patch.attempts ?? job.target.attempts } });
    for (const e of events) store.events.append(e);
    const messages: NewOutboxMessage[] = [];
    const campaign = store.campaigns.get(job.campaign.id) ?? job.campaign;
    for (const e of result.events ?? []) {
      const notice = buildDeployNotice(campaign, updated, e, now);
      if (notice) messages.push(notice);
    }
    if (plan.applied.notify.length > 0) messages.push(buildNeedsAttention(campaign, updated, plan.reason, job.step.kind, now));
    if (plan.applied.countFailure && (result.data?.rollback === true || job.target.mergedSha !== null)) offerRollback(store, campaign, updated, plan.reason, now, messages);
    for (const m of messages) store.outbox.enqueue(m);
    if (plan.applied.closePr) recordCloseNeed(store, updated, job.pathLength, { cause: 'skip', actor: 'engine', reason: plan.reason }, now);
    return updated;
  });
  return { outcome: written ? plan.outcome : 'lost-race', changed: written !== undefined && (written.state !== job.before || plan.applied.updateRoot) };
}

/** A target that must wait (for the GitHub budget) as the machine moves it. */
function waitPatch(until: number, reason: string, target: TargetRecord): TargetPatch {
  const waited = transitionTarget('running', { type: 'wait', until, reason });
  if (!waited.ok) return { dueAt: until, stateReason: reason };
  return { ...applyTargetEffects(waited.state, waited.effects, target, until).patch, stateReason: reason };
}

/**
 * Adds the repository's history of past campaigns of this change kind to a target's signals, the
 * first time they are gathered: it is the record as the campaign found it, and this campaign's own
 * outcomes (recorded when it ends) do not feed back into its scores.
 */
function withHistory(confidence: ConfidenceModel, job: Claimed, signals: Record<string, unknown>): Record<string, unknown> {
  if (signals.history !== undefined) return signals;
  const history = confidence.repoHistory(job.target.repo, job.campaign.changeKind);
  return history ? { ...signals, history } : signals;
}

/** A failure after merge: pause the campaign and offer to revert the wave (once per wave). */
function offerRollback(store: Store, campaign: CampaignRecord, target: TargetRecord, reason: string, now: number, messages: NewOutboxMessage[]): void {
  const existing = store.gates.find(campaign.id, target.wave, 'rollback');
  if (existing) return;
  store.gates.open({ campaignId: campaign.id, wave: target.wave, kind: 'rollback', decision: 'review', confidence: { repo: target.repo, reason }, now });
  if (campaign.state === 'running' || campaign.state === 'awaiting-approval') {
    const moved = moveCampaign(store, campaign, { type: 'pause', reason }, `${target.repo} failed after merge: ${reason}`, now);
    // Paused while a person was asked, as a person's pause does: the request is set aside and asked again on resume.
    if (moved && hasEffect(moved.effects, 'cancel-gate')) {
      const gate = store.gates.find(campaign.id, campaign.currentWave, 'wave');
      if (gate?.state === 'open') store.gates.decide(gate.id, 'expired', 'engine', now);
    }
  }
  store.events.append({ campaignId: campaign.id, targetId: target.id, at: now, actor: 'engine', kind: 'rollback.offered', data: { wave: target.wave, repo: target.repo, reason } });
  const merged = store.targets.list(campaign.id, target.wave).filter((t) => t.mergedSha !== null).length;
  messages.push(buildRollbackOffer(campaign, target.wave, Math.max(1, merged), `${target.repo}: ${reason}`, now));
}

function factsOf(result: StepResult): TargetPatch {
  const p = result.patch;
  if (!p) return {};
  const facts: TargetPatch = {};
  if (p.prNumber !== undefined) facts.prNumber = p.prNumber;
  if (p.prUrl !== undefined) facts.prUrl = p.prUrl;
  if (p.branch !== undefined) facts.branch = p.branch;
  if (p.headSha !== undefined) facts.headSha = p.headSha;
  if (p.mergedSha !== undefined) facts.mergedSha = p.mergedSha;
  if (p.deployment !== undefined) facts.deployment = p.deployment;
  return facts;
}

export interface OutcomePlan {
  outcome: TargetOutcome;
  /** The state machine's event for this result. */
  targetEvent: TargetEvent;
  /** The effects of the machine's transition, as they land on the target. */
  applied: AppliedTargetEffects;
  /** The machine's state and effects, with the bookkeeping (reason, attempts) of the result. */
  patch: TargetPatch;
  stepStatus: StepStatus;
  stepFinished: boolean;
  reason: string;
  /** The engine event to record, or none (a repeated wait is not news). */
  event: string | null;
}

type ResultMapping = Omit<OutcomePlan, 'applied' | 'patch'> & { bookkeeping: TargetPatch };

/**
 * What a step's result means for its target: the result becomes an event of the target machine
 * (transitionTarget decides the next state and its effects), plus what is not a transition: the
 * reason and attempts on the row, the step's status and the engine event to record.
 * Pure; exported for tests.
 */
export function planOutcome(
  job: Pick<Claimed, 'stepIndex' | 'pathLength'>,
  result: StepResult,
  previousStatus: StepStatus | undefined,
  now: number,
  limits: Pick<TickLimits, 'maxAttempts' | 'backoffBaseMs' | 'backoffCapMs'> & { attempts?: number },
): OutcomePlan {
  const mapped = mapResult(job, result, previousStatus, now, limits);
  // The lease moved the target to running: step results arrive only there.
  const moved = transitionTarget('running', mapped.targetEvent);
  if (!moved.ok) throw new FleetError('internal', `The ${mapped.targetEvent.type} of a step was refused: ${moved.reason}`);
  const { bookkeeping, ...plan } = mapped;
  const applied = applyTargetEffects(moved.state, moved.effects, job, now);
  return { ...plan, applied, patch: { ...bookkeeping, ...applied.patch } };
}

function mapResult(
  job: Pick<Claimed, 'stepIndex' | 'pathLength'>,
  result: StepResult,
  previousStatus: StepStatus | undefined,
  now: number,
  limits: Pick<TickLimits, 'maxAttempts' | 'backoffBaseMs' | 'backoffCapMs'> & { attempts?: number },
): ResultMapping {
  const reverting = job.stepIndex >= job.pathLength;
  switch (result.kind) {
    case 'done': {
      if (result.skipTarget !== undefined) {
        const reason = result.skipTarget;
        return { outcome: 'skipped', targetEvent: { type: 'skip', reason, byStep: true }, bookkeeping: { stateReason: reason, attempts: 0 }, stepStatus: 'done', stepFinished: true, reason, event: 'target.skipped' };
      }
      if (reverting) {
        return { outcome: 'succeeded', targetEvent: { type: 'last-step-done', reverted: true }, bookkeeping: { stateReason: 'the change was reverted', attempts: 0 }, stepStatus: 'done', stepFinished: true, reason: '', event: 'target.reverted' };
      }
      if (job.stepIndex + 1 >= job.pathLength) {
        // The index moves past the path: a finished target is not at any step.
        return { outcome: 'succeeded', targetEvent: { type: 'last-step-done' }, bookkeeping: { stateReason: '', stepIndex: job.stepIndex + 1, attempts: 0 }, stepStatus: 'done', stepFinished: true, reason: '', event: 'target.succeeded' };
      }
      return { outcome: 'done', targetEvent: { type: 'step-done', next: job.stepIndex + 1 }, bookkeeping: { stateReason: '', attempts: 0 }, stepStatus: 'done', stepFinished: true, reason: '', event: 'step.done' };
    }
    case 'wait':
      return { outcome: 'wait', targetEvent: { type: 'wait', until: result.until, reason: result.reason }, bookkeeping: { stateReason: result.reason, attempts: 0 }, stepStatus: 'waiting', stepFinished: false, reason: result.reason, event: previousStatus === 'waiting' ? null : 'step.waiting' };
    case 'needs-human':
      return { outcome: 'needs-human', targetEvent: { type: 'needs-human', reason: result.reason }, bookkeeping: { stateReason: result.reason }, stepStatus: 'needs-human', stepFinished: false, reason: result.reason, event: 'target.needs-attention' };
    case 'failed': {
      if (!result.retryable) {
        return { outcome: 'failed', targetEvent: { type: 'fail', reason: result.reason, retryable: false }, bookkeeping: { stateReason: result.reason }, stepStatus: 'failed', stepFinished: true, reason: result.reason, event: 'target.failed' };
      }
      const attempts = (limits.attempts ?? 0) + 1;
      const cap = limits.maxAttempts ?? 5;
      if (attempts >= cap) {
        // Past the retry cap a person looks: the failure may be the world's, not the change's.
        const reason = `${result.reason} (failed ${attempts === 1 ? 'once' : `${attempts} times`})`;
        return { outcome: 'needs-human', targetEvent: { type: 'needs-human', reason }, bookkeeping: { stateReason: reason, attempts }, stepStatus: 'failed', stepFinished: false, reason, event: 'target.needs-attention' };
      }
      const delay = backoffDelay(limits, attempts);
      return { outcome: 'retry', targetEvent: { type: 'fail', reason: result.reason, retryable: true, retryAt: now + delay }, bookkeeping: { stateReason: `retrying: ${result.reason}`, attempts }, stepStatus: 'failed', stepFinished: false, reason: result.reason, event: 'step.retry' };
    }
  }
}
