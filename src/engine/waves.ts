import type { CampaignRecord, GateRecord, Store, TargetRecord } from '../store/store.js';
import { resolveFailureBudget } from '../confidence/decide-wave.js';
import { readMarginalCanary } from '../confidence/score-target.js';
import { agree, plural } from '../domain/words.js';
import { readSpec, readSteps } from './campaign-spec.js';
import type { ConfidenceModel, WaveEvidence, WaveVerdict } from './confidence-model.js';
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

/**
 * One campaign's wave pass, in the caller's transaction: what a person's resume runs at once, so
 * that its reply can say what Fleet decided (the wave weighed again, the next wave started).
 *
 * @example const report = advanceCampaignNow({ store, now, confidence }, 'c-1'); report.decisions[0]?.decision
 */
export function advanceCampaignNow(input: AdvanceWavesInput, campaignId: string): WavesReport {
  const report: WavesReport = { decisions: [], started: [], completed: [], halted: [], expired: [] };
  advanceCampaign(input, campaignId, report);
  return report;
}

/**
 * The failures a person accepted by resuming the campaign past a halt (or approving a gate Fleet or
 * someone had rejected): recorded in the event as `acceptedFailures`. Only failures beyond them
 * count against the failure budget again.
 */
export function readAcceptedFailures(store: Store, campaignId: string): { count: number; by: string | null; wave: number | null } {
  let best = { count: 0, by: null as string | null, wave: null as number | null };
  for (const e of store.events.list({ campaignId, kinds: ['campaign.resumed', 'gate.reopened'] })) {
    const n = e.data.acceptedFailures;
    if (typeof n === 'number' && n >= best.count) best = { count: n, by: e.actor, wave: typeof e.data.wave === 'number' ? e.data.wave : null };
  }
  return best;
}

/**
 * The last wave before `wave` whose gate was decided, with the confidence it was decided at and the
 * outcomes it saw: a wave that gives no evidence carries it (decide-wave.ts).
 */
function previousDecision(store: Store, campaignId: string, wave: number): { previous?: NonNullable<WaveEvidence['previous']> } {
  for (let w = wave - 1; w >= 0; w--) {
    const c = store.gates.find(campaignId, w, 'wave')?.confidence;
    if (!c || typeof c.confidence !== 'number') continue;
    const successes = typeof c.successes === 'number' ? c.successes : 0;
    const failures = typeof c.failures === 'number' ? c.failures : 0;
    return { previous: { wave: w, confidence: c.confidence, successes, failures } };
  }
  return {};
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
  const budget = resolveFailureBudget(spec.policy.failureBudget, total);
  // Read only when it can matter (over the budget, or deciding a wave): a campaign's events are many.
  let acceptedRead: ReturnType<typeof readAcceptedFailures> | undefined;
  const readAccepted = () => (acceptedRead ??= readAcceptedFailures(store, campaign.id));
  const overBudget = counts.failed > budget && counts.failed > readAccepted().count;
  if (overBudget) {
    const accepted = readAccepted();
    const why =
      accepted.count > budget
        ? `${plural(counts.failed, 'failed target')}: ${counts.failed - accepted.count} more than the ${accepted.count} accepted when ${accepted.by && accepted.by !== 'engine' ? `<@${accepted.by}>` : 'a person'} resumed the campaign past its failure budget of ${budget} (${String(spec.policy.failureBudget)})`
        : `${plural(counts.failed, 'failed target')} ${agree(counts.failed, 'exceeds', 'exceed')} the failure budget of ${budget} (${String(spec.policy.failureBudget)})`;
    halt(input, campaign, why, report, `Campaign halted: ${why}. Retry the failed targets, resume it to go on with these failures accepted (a new failure halts it again), or abort it.`);
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
  // A running campaign whose wave gate was rejected (by Fleet or a person) or cancelled has been
  // resumed past it by a person: the wave is weighed again on what is known now.
  const reweigh = gate !== undefined && (gate.state === 'rejected' || gate.state === 'cancelled') ? gate : undefined;

  if (ready && (!gate || reweigh) && !(allFinal && isLast)) {
    const accepted = readAccepted();
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
      waveTargets: targets.length,
      skipped: targets.filter((t) => t.state === 'skipped').length,
      acceptedFailures: accepted.count,
      // A marginal canary is weighed by a person: the wave never passes on its own while one waits at the gate.
      marginal: targets.filter(atGate).flatMap((t) => readMarginalCanary(t.repo, t.signals) ?? []),
      policy: { auto: spec.policy.auto, review: spec.policy.review, failureBudget: spec.policy.failureBudget },
      ...previousDecision(store, campaign.id, wave),
    });
    report.decisions.push({ campaignId: campaign.id, wave, decision: verdict.decision, confidence: verdict.confidence, reason: verdict.reason });
    // The wave's canary results come first in the thread, then the decision they fed.
    if (steps.some((s) => s.kind === 'canary')) store.outbox.enqueue(buildWaveCanary(store, campaign, wave, now));
    // Resumed by a person past a halt of this wave, with no failure since: Fleet asks rather than halts again.
    const askInstead = reweigh !== undefined || (accepted.wave === wave && counts.failed <= accepted.count);
    gate = decide(input, campaign, wave, verdict, spec.policy.approvalTimeout, report, { again: reweigh, askInstead });
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

/**
 * Carries out a wave verdict on the wave's gate: a new gate, or `again`, the rejected or cancelled
 * gate of a campaign a person resumed, decided anew. Resumed past a halt, Fleet does not halt again
 * on its own: a person is asked, told why Fleet would halt.
 */
function decide(
  input: AdvanceWavesInput,
  campaign: CampaignRecord,
  wave: number,
  given: WaveVerdict,
  approvalTimeout: number,
  report: WavesReport,
  resumed: { again?: GateRecord; askInstead: boolean } = { askInstead: false },
): GateRecord | undefined {
  const { store, now } = input;
  const { again } = resumed;
  const verdict: WaveVerdict = resumed.askInstead && given.decision === 'halt' ? { ...given, decision: 'review', reason: wouldHaltAgain(given.reason, wave) } : given;
  const confidence = { ...verdict.explanation, confidence: verdict.confidence, reason: verdict.reason, ...(again ? { weighedAgain: true } : {}) };
  const openGate = (g: { decision: WaveVerdict['decision']; expiresAt?: number }): GateRecord => {
    if (again && store.gates.redecide(again.id, { ...g, confidence, now })) return store.gates.get(again.id)!;
    return store.gates.open({ campaignId: campaign.id, wave, kind: 'wave', confidence, now, ...g });
  };
  if (verdict.decision === 'halt') {
    const gate = openGate({ decision: 'halt' });
    store.gates.decide(gate.id, 'rejected', 'engine', now);
    // The statistics behind every wave decision are in the audit trail (`fleet audit`), not the thread.
    store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.halted', data: { gateId: gate.id, wave, confidence: verdict.confidence, reason: verdict.reason, statistics: verdict.explanation } });
    halt(input, campaign, verdict.reason, report, `Campaign halted after wave ${wave + 1}: ${haltGrounds(verdict.reason, wave)}. Resume it to have Fleet weigh the wave again, approve wave ${wave + 1} with \`/fleet approve ${campaign.id}\` to go on anyway, or abort it.`);
    return store.gates.get(gate.id);
  }
  if (verdict.decision === 'auto') {
    const gate = openGate({ decision: 'auto' });
    const decided = store.gates.decide(gate.id, 'approved', 'engine', now) ?? gate;
    store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.approved', data: { gateId: gate.id, wave, decision: 'auto', confidence: verdict.confidence, reason: verdict.reason, statistics: verdict.explanation } });
    store.outbox.enqueue(buildGateDecided(campaign, decided, now));
    wakeGateTargets(store, campaign.id, wave, now);
    return decided;
  }
  const gate = openGate({ decision: 'review', expiresAt: now + approvalTimeout });
  const moved = moveCampaign(store, campaign, { type: 'gate-review' }, awaitingReason(verdict.reason, wave), now);
  if (!moved) return gate;
  const paused = moved.campaign;
  store.events.append({ campaignId: campaign.id, at: now, actor: 'engine', kind: 'gate.opened', data: { gateId: gate.id, wave, confidence: verdict.confidence, reason: verdict.reason, statistics: verdict.explanation, ...(resumed.askInstead ? { again: true, wouldHalt: given.decision === 'halt' } : {}) } });
  if (hasEffect(moved.effects, 'open-gate')) store.outbox.enqueue(buildGateRequest(paused, gate, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, paused, now);
  return gate;
}

/**
 * The campaign's state reason while a wave waits for a person: "wave N needs approval: " and the
 * verdict's reason, unless the reason says so itself (the root message shows it as it is).
 *
 * @example awaitingReason('Wave 2 needs an approval: confidence 81 is between 60 and 90 (…)', 1) // 'Wave 2 needs an approval: confidence 81 is between 60 and 90 (…)'
 * @example awaitingReason('Fleet would halt after wave 1 again: …', 0) // 'wave 1 needs approval: Fleet would halt after wave 1 again: …'
 */
export function awaitingReason(reason: string, wave: number): string {
  if (reason.startsWith(`Wave ${wave + 1} needs an approval`)) return reason;
  return `wave ${wave + 1} needs approval: ${reason}`;
}

/** A wave verdict's halt reason without its "Halt after wave N: " lead, for sentences that say it themselves. */
function haltGrounds(reason: string, wave: number): string {
  const prefix = `Halt after wave ${wave + 1}: `;
  return reason.startsWith(prefix) ? reason.slice(prefix.length) : reason;
}

/**
 * The approval request's reason when Fleet would halt a resumed campaign again on the same evidence.
 *
 * @example wouldHaltAgain('Halt after wave 1: confidence 10 is below 60 (…)', 0)
 * // 'Fleet would halt after wave 1 again: confidence 10 is below 60 (…). A person resumed the campaign, so Fleet asks instead: approve to merge wave 1 anyway, or reject to halt the campaign again'
 */
export function wouldHaltAgain(reason: string, wave: number): string {
  const grounds = haltGrounds(reason, wave);
  return `Fleet would halt after wave ${wave + 1} again: ${grounds}. A person resumed the campaign, so Fleet asks instead: approve to merge wave ${wave + 1} anyway, or reject to halt the campaign again`;
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
  // Halted: later campaigns learn from its outcomes as they stand, the reverted ones as failures.
  input.confidence.recordOutcome(halted, store.targets.list(halted.id), now);
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildStateNotice(halted, `Rollback finished: ${reason}.`, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, halted, now);
  report.halted?.push(campaign.id);
}

function halt(input: AdvanceWavesInput, campaign: CampaignRecord, reason: string, report: WavesReport, notice = `Campaign halted: ${reason}. Resume it to go on, or abort it.`): void {
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
  // A halted campaign teaches as much as a completed one: its outcomes as they stand are recorded
  // now (and replaced if it is resumed and ends later).
  input.confidence.recordOutcome(halted, store.targets.list(halted.id), now);
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildStateNotice(halted, notice, now));
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
  input.confidence.recordOutcome(done, store.targets.list(done.id), now);
  // The final summary is the machine's notice that every target is finished.
  if (hasEffect(moved.effects, 'notify')) store.outbox.enqueue(buildFinalSummary(store, done, now));
  if (hasEffect(moved.effects, 'update-root')) enqueueRootUpdate(store, done, now);
  report.completed?.push(done.id);
}
