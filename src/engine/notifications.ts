import { parseTargetSignals } from '../confidence/score-target.js';
import type { ConfidenceBreakdown, Notification, NotificationOf, RootView } from '../domain/notifications.js';
import type { CampaignRecord, GateRecord, NewOutboxMessage, Store, TargetRecord } from '../store/store.js';
import { readSpec } from './campaign-spec.js';
import { failuresByTeam, listFailures } from './failures.js';
import type { TargetState } from '../domain/states.js';
import { countDone, countStopped, readAbortRecord, readCloseProgress } from './abort-report.js';

/**
 * The notifications the engine and the campaign service queue: outbox rows that say what
 * happened, as records of `domain/notifications.ts`, rendered by `slack/` when delivered. Every
 * notification but the root goes in the campaign's thread (`threadOf: 'root'`); the root message
 * is updated in place under one coalesce key, so however many targets move, at most one update is
 * pending and a campaign of 1,000 repositories posts tens of messages, not thousands.
 */

export function rootKey(campaignId: string): string {
  return `root:${campaignId}`;
}

function thread(campaign: CampaignRecord, record: Notification, now: number): NewOutboxMessage {
  return { campaignId: campaign.id, channel: campaign.channel, threadOf: 'root', record, now };
}

/** What the root message shows, from the store data; pure. */
export function buildRootView(input: {
  campaign: CampaignRecord;
  waveCounts: Record<TargetState, number>[];
  counts: Record<TargetState, number>;
  gates: GateRecord[];
  /** Targets an abort stopped, per wave: they are not done work. */
  stoppedPerWave?: number[];
  frozen?: boolean;
  abort?: RootView['abort'];
}): RootView {
  const { campaign } = input;
  const waves = input.waveCounts.map((counts, index) => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const stopped = input.stoppedPerWave?.[index] ?? 0;
    return { index, total, done: countDone(counts, stopped), failed: counts.failed, ...(stopped > 0 ? { stopped } : {}) };
  });
  const open = input.gates.find((g) => g.state === 'open') ?? null;
  // The confidence the open gate asks at, or else the last wave gate's.
  const waveGates = input.gates.filter((g) => g.kind === 'wave');
  const shown = waveGates.find((g) => g.state === 'open') ?? waveGates.at(-1);
  const confidence = typeof shown?.confidence.confidence === 'number' ? shown.confidence.confidence : null;
  const view: RootView = {
    campaignId: campaign.id,
    name: campaign.name,
    state: campaign.state,
    stateReason: campaign.stateReason,
    owner: campaign.owner,
    currentWave: campaign.currentWave,
    waves,
    counts: input.counts,
    confidence,
    openGate: open ? { id: open.id, wave: open.wave, kind: open.kind } : null,
  };
  if (input.frozen) view.frozen = true;
  if (input.abort) view.abort = input.abort;
  return view;
}

/** The root message's view of the campaign as it stands: state, progress per wave, counts, the open gate, the freeze, the abort. */
export function readRootView(store: Store, campaign: CampaignRecord): RootView {
  const record = readAbortRecord(store, campaign);
  const stopped = countStopped(store, campaign, record);
  let abort: RootView['abort'];
  if (record) {
    const closes = readCloseProgress(store, campaign, record);
    abort = { by: record.by, note: record.note, leavePrs: record.leavePrs, merged: record.merged.length, stopped: stopped.total, closing: closes.closing, closed: closes.closed, closeFailed: closes.failed.length, closesPending: closes.pending };
  }
  return buildRootView({
    campaign,
    waveCounts: Array.from({ length: campaign.waveCount }, (_, index) => store.targets.counts(campaign.id, index)),
    counts: store.targets.counts(campaign.id),
    gates: store.gates.list(campaign.id),
    stoppedPerWave: stopped.perWave,
    frozen: store.settings.isFrozen(),
    abort,
  });
}

/** The first post of a campaign; delivery records its ts as the campaign's root. */
export function buildRootPost(campaign: CampaignRecord, now: number): NewOutboxMessage {
  return { campaignId: campaign.id, channel: campaign.channel, threadOf: null, record: { kind: 'root', campaignId: campaign.id, action: 'post' }, now };
}

/**
 * Queues an in-place update of the root message, replacing any update still pending. The record
 * names the campaign only: delivery reads the campaign as it is then, so the root is always current.
 */
export function enqueueRootUpdate(store: Store, campaign: CampaignRecord, now: number): void {
  store.outbox.enqueue({
    campaignId: campaign.id,
    channel: campaign.channel,
    threadOf: 'root',
    record: { kind: 'root', campaignId: campaign.id, action: 'update' },
    coalesceKey: rootKey(campaign.id),
    now,
  });
}

export function buildNeedsAttention(campaign: CampaignRecord, target: TargetRecord, reason: string, step: string, now: number): NewOutboxMessage {
  return thread(campaign, { kind: 'needs-attention', campaignId: campaign.id, repo: target.repo, reason, prUrl: target.prUrl, step, notify: [campaign.owner] }, now);
}

export function buildRollbackOffer(campaign: CampaignRecord, wave: number, mergedCount: number, reason: string, now: number): NewOutboxMessage {
  return thread(campaign, { kind: 'rollback-offer', campaignId: campaign.id, wave, reason, mergedCount }, now);
}

export function buildWaveStarted(campaign: CampaignRecord, wave: number, repos: string[], now: number): NewOutboxMessage {
  return thread(campaign, { kind: 'wave-started', campaignId: campaign.id, wave, waveCount: campaign.waveCount, repos }, now);
}

/** The wave's canary results in one thread message, posted when the wave comes to its gate. */
export function buildWaveCanary(store: Store, campaign: CampaignRecord, wave: number, now: number): NewOutboxMessage {
  const judged: NotificationOf<'wave-canary'>['judged'] = [];
  let notJudged = 0;
  for (const t of store.targets.list(campaign.id, wave)) {
    const evidence = parseTargetSignals(t.signals).signals.canary?.evidence;
    if (!evidence?.verdict || typeof evidence.score !== 'number') {
      notJudged++;
      continue;
    }
    const summary = typeof evidence.reason === 'string' ? evidence.reason : '';
    // The metrics that did not pass, by the names the spec gives them; the thread says how each
    // moved in words, and the statistics stay in the canary.judged event (the audit export).
    const metrics: NotificationOf<'wave-canary'>['judged'][number]['metrics'] = [];
    for (const m of Array.isArray(evidence.metrics) ? (evidence.metrics as { name?: unknown; classification?: unknown; decidedBy?: unknown; critical?: unknown }[]) : []) {
      if (typeof m.name !== 'string' || (m.classification !== 'High' && m.classification !== 'Low' && m.classification !== 'NoData')) continue;
      metrics.push({ name: m.name, classification: m.classification, ...(typeof m.decidedBy === 'string' ? { decidedBy: m.decidedBy } : {}), ...(m.critical === true ? { critical: true } : {}) });
    }
    judged.push({ repo: t.repo, verdict: evidence.verdict, score: evidence.score, reason: summary, metrics });
  }
  return thread(campaign, { kind: 'wave-canary', campaignId: campaign.id, wave, waveCount: campaign.waveCount, judged, notJudged }, now);
}

export function buildWaveFinished(store: Store, campaign: CampaignRecord, wave: number, startedAt: number, now: number): NewOutboxMessage {
  const targets = store.targets.list(campaign.id, wave);
  const count = (state: string) => targets.filter((t) => t.state === state).length;
  const scores = targets.map((t) => t.score).filter((s): s is number => s !== null);
  // The ten worst inline; the rest behind `/fleet status <id> failed`.
  const failures = listFailures(targets);
  return thread(
    campaign,
    {
      kind: 'wave-finished',
      campaignId: campaign.id,
      wave,
      waveCount: campaign.waveCount,
      succeeded: count('succeeded'),
      failed: count('failed'),
      skipped: count('skipped'),
      needsAttention: count('needs-attention'),
      durationMs: Math.max(0, now - startedAt),
      meanScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      failures: failures.shown,
      moreFailures: failures.more,
    },
    now,
  );
}

/** The gate's confidence explanation as plain data: signals, weights, contributions, the prior. */
export function toBreakdown(gate: Pick<GateRecord, 'confidence' | 'decision'>): ConfidenceBreakdown {
  const c = gate.confidence;
  const factors = Array.isArray(c.factors) ? (c.factors as { label?: string; name?: string; value?: number | null; weight?: number; contribution?: number; detail?: string }[]) : [];
  const prior = c.prior as { a0?: number; b0?: number; campaigns?: number; successes?: number; failures?: number; change?: Record<string, unknown> } | undefined;
  const breakdown: ConfidenceBreakdown = {
    score: typeof c.confidence === 'number' ? c.confidence : 0,
    decision: gate.decision,
    signals: factors.map((f) => {
      const signal: ConfidenceBreakdown['signals'][number] = { name: f.label ?? f.name ?? 'factor', value: f.value === undefined || f.value === null ? null : f.value / 100, weight: f.weight ?? 0, contribution: f.contribution ?? 0 };
      if (typeof f.name === 'string') signal.key = f.name;
      if (typeof f.detail === 'string') signal.detail = f.detail;
      return signal;
    }),
    prior: null,
  };
  if (prior && typeof prior.a0 === 'number' && typeof prior.b0 === 'number') {
    breakdown.prior = { a: prior.a0, b: prior.b0, campaigns: prior.campaigns ?? 0 };
    if (typeof prior.successes === 'number' && typeof prior.failures === 'number') Object.assign(breakdown.prior, { successes: prior.successes, failures: prior.failures });
    // The same change's own history, which the prior drew on first ("Past lodash 4.x bumps ...").
    const ch = prior.change;
    if (ch && typeof ch.label === 'string' && ['successes', 'failures', 'campaigns'].every((k) => typeof ch[k] === 'number')) {
      Object.assign(breakdown.prior, { change: { label: ch.label, successes: ch.successes as number, failures: ch.failures as number, campaigns: ch.campaigns as number } });
    }
  }
  // Absent facts stay absent (not `undefined`), so the record reads back from JSON as it was built.
  if (typeof c.successes === 'number') breakdown.successes = c.successes;
  if (typeof c.failures === 'number') breakdown.failures = c.failures;
  if (typeof c.reason === 'string') breakdown.explanation = c.reason;
  const posterior = c.posterior as { a?: unknown; b?: unknown } | undefined;
  if (typeof posterior?.a === 'number' && typeof posterior.b === 'number') breakdown.posterior = { a: posterior.a, b: posterior.b };
  if (typeof c.quantile === 'number') breakdown.quantile = c.quantile;
  const thresholds = c.thresholds as { auto?: unknown; review?: unknown } | undefined;
  if (typeof thresholds?.auto === 'number' && typeof thresholds.review === 'number') breakdown.thresholds = { auto: thresholds.auto, review: thresholds.review };
  const budget = c.failureBudget as Record<string, unknown> | undefined;
  if (budget && ['allowed', 'used', 'projected', 'remaining'].every((k) => typeof budget[k] === 'number')) {
    breakdown.failureBudget = { allowed: budget.allowed as number, used: budget.used as number, projected: budget.projected as number, remaining: budget.remaining as number };
  }
  return breakdown;
}

function approversOf(campaign: CampaignRecord): string[] {
  const spec = readSpec(campaign);
  return [...new Set([campaign.owner, ...spec.approvers.users, ...spec.approvers.groups])];
}

function gateFacts(campaign: CampaignRecord, gate: GateRecord) {
  return { campaignId: campaign.id, gateId: gate.id, wave: gate.wave, waveCount: campaign.waveCount, confidence: { ...toBreakdown(gate), changeKind: campaign.changeKind }, approvers: approversOf(campaign), expiresAt: gate.expiresAt };
}

/** The approval request; delivery records where it was posted so the decision can replace its buttons. */
export function buildGateRequest(campaign: CampaignRecord, gate: GateRecord, now: number): NewOutboxMessage {
  return thread(campaign, { kind: 'gate-request', ...gateFacts(campaign, gate) }, now);
}

/**
 * The decision: a person's decision replaces the request message in place (its buttons go); an
 * automatic one, which had no request, is a new post in the thread.
 */
export function buildGateDecided(campaign: CampaignRecord, gate: GateRecord, now: number): NewOutboxMessage {
  const state = gate.state === 'open' ? 'approved' : gate.state;
  return thread(campaign, { kind: 'gate-decided', ...gateFacts(campaign, gate), state, decidedBy: gate.decidedBy, automatic: gate.decision === 'auto' }, now);
}

/** A plain line in the thread (halts, pauses, expiries, refusals of the engine). */
export function buildStateNotice(campaign: CampaignRecord, text: string, now: number): NewOutboxMessage {
  return thread(campaign, { kind: 'state-notice', campaignId: campaign.id, text }, now);
}

/** The abort's facts for its final summary: who, what had merged, which PRs it closes or leaves, what it stopped. */
export type AbortSummary = NonNullable<NotificationOf<'final-summary'>['abort']>;

export function buildFinalSummary(store: Store, campaign: CampaignRecord, now: number, abort?: AbortSummary): NewOutboxMessage {
  const counts = store.targets.counts(campaign.id);
  const events = store.events.list({ campaignId: campaign.id, kinds: ['target.needs-attention', 'gate.approved'] });
  const humanTouched = new Set(events.filter((e) => e.kind === 'target.needs-attention').map((e) => e.targetId)).size;
  const approvals = events.filter((e) => e.kind === 'gate.approved' && e.actor !== 'engine').length;
  const stopped = abort?.stoppedCount ?? 0;
  const { teams: failedByTeam, moreTeams } = failuresByTeam(store, campaign.id, store.targets.list(campaign.id));
  const record: NotificationOf<'final-summary'> = {
    kind: 'final-summary',
    campaignId: campaign.id,
    name: campaign.name,
    state: campaign.state === 'aborted' ? 'aborted' : 'completed',
    counts,
    durationMs: Math.max(0, now - campaign.createdAt),
    humanTouched,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    approvals,
    done: countDone(counts, stopped),
    failedByTeam,
    moreTeams,
  };
  if (campaign.stateReason && !abort) record.reason = campaign.stateReason;
  if (abort) record.abort = abort;
  return thread(campaign, record, now);
}
