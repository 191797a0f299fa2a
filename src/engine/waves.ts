import type { CampaignRecord, GateRecord, Store, TargetRecord } from '../store/store.js';
import { resolveFailureBudget } from '../confidence/decide-wave.js';
import { agree, plural } from '../domain/words.js';
import { readSpec, readSteps } from './campaign-spec.js';
import type { ConfidenceModel, WaveVerdict } from './confidence-model.js';
import {
  buildFinalSummary,
  buildGateDecided,
  buildGateRequest,
  buildStateNotice,
  buildWaveCanary,
  buildWaveFinished,
  buildWaveStarted,
  enqueueRootUpdate,
} from './notifications.js';
import { isFinalTargetState } from '../domain/states.js';
import { hasEffect, moveCampaign } from './move-campaign.js';

export interface WaveDecisionRecord {
  campaignId: string;
  wave: number;
  decision: WaveVerdict['decision'];
  confidence: number;
  reason: string;
}

export interface WavesReport {
  decisions: WaveDecisionRecord[];
  started?: { campaignId: string; wave: number }[];
  completed?: string[];
  halted?: string[];
  expired?: string[];
}

export interface AdvanceWavesInput {
  store: Store;
  now: number;
  confidence: ConfidenceModel;
}

/**
 * Moves campaigns between waves, once per tick: decides a wave when every target of it is final
 * or parked at its gate (auto → the gate opens itself, review → a person is asked, halt → the
 * campaign stops), starts the next wave once the current one is final and its gate approved,
 * completes the campaign after the last wave, halts it when the failure budget is spent, and
 * pauses it when an approval request times out (a gate never approves itself).
 *
 * @example advanceWaves({ store, now: Date.now(), confidence })
 */
export function advanceWaves(input: AdvanceWavesInput): WavesReport {
  const report: WavesReport = { decisions: [], started: [], completed: [], halted: [], expired: [] };
  for (const campaign of input.store.campaigns.list({ states: ['rolling-back'] })) {
    input.store.transaction(() => finishRollback(input, campaign.id, report));
  }
  for (const campaign of input.store.campaigns.list({ states: ['running', 'awaiting-approval'] })) {
    input.store.transaction(() => advanceCampaign(input, campaign.id, report));
  }
  return report;
}

function advanceCampaign(input: AdvanceWavesInput, campaignId: string, report: WavesReport): void {
  const { store, now } = input;
  const campaign = store.campaigns.get(campaignId);
  if (!campaign) return;
  if (campaign.state === 'awaiting-approval') {
    expireGate(input, campaign, report);
    return;
  }
  if (campaign.state !== 'running') return;
  const spec = readSpec(campaign);
  const counts = store.targets.counts(campaign.id);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const allowed = resolveFailureBudget(spec.policy.failureBudget, total);
  if (counts.failed > allowed) {
    halt(input, campaign, `${plural(counts.failed, 'failed target')} ${agree(counts.failed, 'exceeds', 'exceed')} the failure budget of ${allowed} (${String(spec.policy.failureBudget)})`, report);
    return;
  }

  const steps = readSteps(campaign);
  const wave = campaign.currentWave;
  const isLast = wave >= campaign.waveCount - 1;
  const targets = store.targets.list(campaign.id, wave);
  const atGate = (t: TargetRecord): boolean => !isFinalTargetState(t.state) && t.state !== 'needs-attention' && steps[t.stepIndex]?.kind === 'gate';
  const allFinal = targets.every((t) => isFinalTargetState(t.state));
  // When the open-PR cap is reached with the wave's open PRs all parked at the gate, the targets
  // that have not opened theirs cannot move until some merge: decide on the evidence of those at
  // the gate, or the wave would wait forever. The rest pass the same gate when they reach it.
  const notStarted = (t: TargetRecord): boolean => t.state === 'pending' && t.prNumber === null;
  const capped = store.targets.openPrCount(campaign.id) >= spec.policy.maxOpenPrs && targets.some(atGate);
  const ready = targets.every((t) => isFinalTargetState(t.state) || atGate(t) || (capped && notStarted(t)));
  let gate = store.gates.find(campaign.id, wave, 'wave');

  if (ready && !gate && !(allFinal && isLast)) {
    const scores = targets.map((t) => t.score).filter((s): s is number => s !== null);
    const verdict = input.confidence.decideWave({
      campaignId: campaign.id,
      changeKind: campaign.changeKind,
      wave,
      waveCount: campaign.waveCount,
      // A target parked at the gate has passed every check before it: at this gate it is a success
      // so far. Counting only finished targets would judge the canary wave on no evidence at all.
      successes: counts.succeeded + targets.filter(atGate).length,
      failures: counts.failed + counts.reverted,
      targetScores: scores,
      targetCount: total,
      remaining: total - (counts.succeeded + counts.failed + counts.skipped + counts.reverted) - targets.filter(atGate).length,
      policy: { auto: spec.policy.auto, review: spec.policy.review, failureBudget: spec.policy.failureBudget },
    });
    report.decisions.push({ campaignId: campaign.id, wave, decision: verdict.decision, confidence: verdict.confidence, reason: verdict.reason });
    // The wave's canary results come first in the thread, then the decision they fed.
    if (steps.some((s) => s.kind === 'canary')) store.outbox.enqueue(buildWaveCanary(store, campaign, wave, now));
    gate = decide(input, campaign, wave, verdict, spec.policy.approvalTimeout, report);
    if (!gate || gate.state !== 'approved') return;
  }
  if (!allFinal) return;

  const fresh = store.campaigns.get(campaign.id)!;
  if (isLast) {
    complete(input, fresh, report);
    return;
  }
  if (gate?.state !== 'approved') return;
  const next = wave + 1;
  const moved = store.campaigns.update(fresh.id, fresh.version, { currentWave: next, stateReason: '' }, now);
  if (!moved) return;
  const nextRepos = store.targets.list(moved.id, next).map((t) => t.repo);
  store.events.append({ campaignId: moved.id, at: now, actor: 'engine', kind: 'wave.started', data: { wave: next, targets: nextRepos.length } });
  store.outbox.enqueue(buildWaveFinished(store, moved, wave, findWaveStart(store, moved, wave), now));
  store.outbox.enqueue(buildWaveStarted(moved, next, nextRepos, now));
  enqueueRootUpdate(store, moved, now);
  report.started?.push({ campaignId: moved.id, wave: next });
}

function decide(input: AdvanceWavesInput, campaign: CampaignRecord, wave: number, verdict: WaveVerdict, approvalTimeout: number, report: WavesReport): GateRecord | undefined {
  const { store, now } = input;
  const confidence = { ...verdict.explanation, confidence: verdict.confidence, reason: verdict.reason };
  if (verdict.decision === 'halt') {
    const gate = store.gates.open({ campaignId: campaign.id, wave, kind: 'wave', decision: 'halt', confidence, now });
    store.gates.decide(gate.id, 'rejected', 'engine', now);
    // The statistics behind every wave decision are in the audit trail (`fleet audit`), not the thread.
    store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.halted', data: { gateId: gate.id, wave, confidence: verdict.confidence, reason: verdict.reason, statistics: verdict.explanation } });
    halt(input, campaign, verdict.reason, report);
    return store.gates.get(gate.id);
  }
  if (verdict.decision === 'auto') {
    const gate = store.gates.open({ campaignId: campaign.id, wave, kind: 'wave', decision: 'auto', confidence, now });
    const decided = store.gates.decide(gate.id, 'approved', 'engine', now) ?? gate;
    store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.approved', data: { gateId: gate.id, wave, decision: 'auto', confidence: verdict.confidence, reason: verdict.reason, statistics: verdict.explanation } });
    store.outbox.enqueue(buildGateDecided(campaign, decided, now));
    wakeGateTargets(store, campaign.id, wave, now);
    return decided;
  }
  const gate = store.gates.open({ campaignId: campaign.id, wave, kind: 'wave', decision: 'review', confidence, now, expiresAt: now + approvalTimeout });
  const moved = moveCampaign(store, campaign, { type: 'gate-review' }, `wave ${wave + 1} needs approval: ${verdict.reason}`, now);
  if (!moved) return gate;
  const paused = moved.campaign;
  store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.opened', data: { gateId: gate.id, wave, confidence: verdict.confidence, reason: verdict.reason, statistics: verdict.explanation } });
  if (hasEffect(moved.effects, 'open-gate')) store.outbox.enqueue(buildGateRequest(paused, gate, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, paused, now);
  return gate;
}

/** When a wave started: its 'wave.started' event, or the campaign's start for wave 0. */
function findWaveStart(store: Store, campaign: CampaignRecord, wave: number): number {
  const started = store.events.list({ campaignId: campaign.id, kinds: ['wave.started'] }).find((e) => e.data.wave === wave);
  return started?.at ?? campaign.createdAt;
}

/** Makes the wave's targets parked at the gate due now, so a decision takes effect at the next tick. */
export function wakeGateTargets(store: Store, campaignId: string, wave: number, now: number): number {
  let woken = 0;
  for (const t of store.targets.list(campaignId, wave)) {
    if (t.state !== 'waiting' || t.dueAt <= now) continue;
    if (store.targets.update(t.id, t.version, { dueAt: now }, now)) woken += 1;
  }
  return woken;
}

function expireGate(input: AdvanceWavesInput, campaign: CampaignRecord, report: WavesReport): void {
  const { store, now } = input;
  const gate = store.gates.find(campaign.id, campaign.currentWave, 'wave');
  if (!gate || gate.state !== 'open' || gate.expiresAt === null || now < gate.expiresAt) return;
  if (!store.gates.decide(gate.id, 'expired', 'engine', now)) return;
  const reason = `nobody approved wave ${campaign.currentWave + 1} in time; resume the campaign to ask again`;
  const moved = moveCampaign(store, campaign, { type: 'gate-timeout' }, reason, now);
  if (!moved) return;
  const paused = moved.campaign;
  store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.expired', data: { gateId: gate.id, wave: gate.wave } });
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildStateNotice(paused, `The approval request for wave ${gate.wave + 1} expired; the campaign is paused. Resume it to ask again.`, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, paused, now);
  report.expired?.push(campaign.id);
}

/** A rollback is over when every reverting target (past the end of the path) is final; the campaign then halts. */
function finishRollback(input: AdvanceWavesInput, campaignId: string, report: WavesReport): void {
  const { store, now } = input;
  const campaign = store.campaigns.get(campaignId);
  if (!campaign || campaign.state !== 'rolling-back') return;
  const pathLength = readSteps(campaign).length;
  const reverting = store.targets.list(campaign.id).filter((t) => t.stepIndex >= pathLength && t.mergedSha !== null);
  if (reverting.some((t) => !isFinalTargetState(t.state))) return;
  const reverted = reverting.filter((t) => t.state === 'reverted').length;
  const reason = `${reverted} of ${plural(reverting.length, 'merged change')} reverted; resume the campaign to continue or abort it`;
  const moved = moveCampaign(store, campaign, { type: 'rollback-done' }, reason, now);
  if (!moved) return;
  const halted = moved.campaign;
  store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'rollback.finished', data: { reverted, targets: reverting.length } });
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildStateNotice(halted, `Rollback finished: ${reason}.`, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, halted, now);
  report.halted?.push(campaign.id);
}

function halt(input: AdvanceWavesInput, campaign: CampaignRecord, reason: string, report: WavesReport): void {
  const { store, now } = input;
  const fresh = store.campaigns.get(campaign.id)!;
  const moved = moveCampaign(store, fresh, { type: 'halt', reason }, reason, now);
  if (!moved) return;
  const halted = moved.campaign;
  // Halted while a person was asked: the request can no longer be answered.
  if (hasEffect(moved.effects, 'cancel-gate')) {
    for (const g of store.gates.list(campaign.id)) if (g.kind === 'wave' && g.state === 'open') store.gates.decide(g.id, 'cancelled', 'engine', now);
  }
  store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'campaign.halted', data: { reason, wave: halted.currentWave } });
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildStateNotice(halted, `Campaign halted: ${reason}.`, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, halted, now);
  report.halted?.push(campaign.id);
}

function complete(input: AdvanceWavesInput, campaign: CampaignRecord, report: WavesReport): void {
  const { store, now } = input;
  const moved = moveCampaign(store, campaign, { type: 'all-targets-final' }, '', now);
  if (!moved) return;
  const done = moved.campaign;
  const counts = store.targets.counts(done.id);
  store.events.append({ campaignId: done.id, at: now, actor: 'engine', kind: 'campaign.completed', data: { counts } });
  input.confidence.recordOutcome({ id: done.id, changeKind: done.changeKind }, store.targets.list(done.id), now);
  // The final summary is the machine's notice that every target is finished.
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildFinalSummary(store, done, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, done, now);
  report.completed?.push(done.id);
}
