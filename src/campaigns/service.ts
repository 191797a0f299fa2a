import type { DependencyEnvironment } from '../changes/dependency/types.js';
import { randomBytes } from 'node:crypto';
import { readSpec, readSteps } from '../engine/campaign-spec.js';
import { mayHavePr, recordCloseNeed, type CloseRequest } from '../engine/close-targets.js';
import { transitionCampaign, transitionTarget, type CampaignEvent, type Effect, type TargetEvent } from '../engine/machines.js';
import { hasEffect, moveCampaign } from '../engine/move-campaign.js';
import { applyTargetEffects } from '../engine/target-effects.js';
import { classifyForAbort, countDone, countStopped, prsOf, readAbortRecord } from '../engine/abort-report.js';
import { buildFinalSummary, buildGateDecided, buildGateRequest, buildRootPost, buildStateNotice, enqueueRootUpdate, type AbortSummary } from '../engine/notifications.js';
import { isFailure, worstFirst } from '../engine/failures.js';
import type { CampaignState } from '../domain/states.js';
import { isActiveDeployment } from '../domain/deployment.js';
import { advanceCampaignNow, wakeGateTargets } from '../engine/waves.js';
import { createConfidenceModel } from '../engine/confidence.js';
import type { ConfidenceModel } from '../engine/confidence-model.js';
import { agree, plural } from '../domain/words.js';
import { FleetError, isFleetError } from '../errors.js';
import { resolveFailureBudget } from '../confidence/decide-wave.js';
import type { Gateway } from '../github/gateway.js';
import type { CampaignRecord, GateRecord, NewOutboxMessage, Store, TargetRecord } from '../store/store.js';
import { authorize, type CampaignAction, type Launchers } from './authorize.js';
import { alreadyActedText, alreadyDecidedText } from './decided-text.js';
import { checkPreviewStamp, findLaunchOf } from './preview-stamp.js';
import { requireOrgsInScope, type OrgScope } from './org-scope.js';
import type { Catalog } from './catalog.js';
import { allDropped, summarizeDropped } from './discover-targets.js';
import { chooseSample, createCampaignPlanner, defaultedDurations, estimatePreview, findCriticality, hashSpec, planSeed, summarizeCiHealth, type PlanWaves } from './plan-campaign.js';
import type { CampaignPreview, CampaignService, CampaignStatus, CampaignSummary, SpecRef, StatusTarget, WaitingFor } from './service-types.js';
import { resolveSteps, type CampaignSpec } from '../domain/spec.js';
import type { WorkspacePool } from '../workspace/workspaces.js';

export type { PlanWaves } from './plan-campaign.js';

/** The catalog of specs (FLEET_CAMPAIGNS), as the service uses it. */
export type ServiceCatalog = Pick<Catalog, 'list' | 'load'>;

export interface CampaignServiceDeps {
  store: Store;
  catalog: ServiceCatalog;
  gateway: Gateway;
  /** Default: the risk-ordered planner of plan-waves.ts. */
  planWaves?: PlanWaves;
  admins: readonly string[];
  /** Who may start campaigns besides the admins (FLEET_LAUNCHERS); both lists empty: admins only. */
  launchers: Launchers;
  /** The GitHub organisations specs may target (FLEET_ORGS); null or absent: any. */
  orgs?: OrgScope;
  resolveGroupMembers: (groupId: string) => Promise<string[]>;
  now: () => number;
  /** Runs the advance job at once (after a Slack action). */
  wake: () => void;
  newId?: () => string;
  catalogDir?: string;
  /** The content-creating GitHub requests allowed an hour (GITHUB_CONTENT_PER_HOUR), for the preview's estimate. */
  contentPerHour?: number;
  /** The model a resumed halt is weighed again with; default the engine's own (`createConfidenceModel`). */
  confidence?: ConfidenceModel;
  /** Checkouts for the preview's sample (FLEET_WORKDIR's `preview` folder); absent: the sample runs in memory. */
  workspaces?: WorkspacePool;
  /** FLEET_UNSANDBOXED=1, for the preview's run of the change. */
  unsandboxed?: boolean;
  /** The dependency change's registries and allowed credentials, for the preview's run of the change. */
  dependencies?: DependencyEnvironment;
}

function createDefaultId(): string {
  return `c-${randomBytes(3).toString('hex')}`;
}

/**
 * The campaign service the Slack surface and the CLI call. Every method checks authorization,
 * records an event (a refused attempt too) and queues the notifications that follow, in one
 * transaction with the change itself.
 *
 * @example
 * const service = createCampaignService({ store, catalog, gateway, planWaves, admins: ['U1'],
 *   resolveGroupMembers: async () => [], now: Date.now, wake: () => scheduler.wake() });
 * await service.start({ catalog: 'bump-lodash' }, 'U024BE7LH');
 */
export function createCampaignService(deps: CampaignServiceDeps): CampaignService {
  const { store, now } = deps;
  const newId = deps.newId ?? createDefaultId;
  const planner = createCampaignPlanner(deps);
  const confidence = deps.confidence ?? createConfidenceModel(store);

  function requireCampaign(id: string): CampaignRecord {
    const campaign = store.campaigns.get(id);
    if (!campaign) throw new FleetError('not_found', `There is no campaign "${id}". Type \`/fleet list\` to see the campaigns.`, { campaignId: id });
    return campaign;
  }

  async function check(campaign: CampaignRecord, actor: string, action: CampaignAction): Promise<void> {
    const spec = readSpec(campaign);
    const groupMembers: Record<string, string[]> = {};
    if (!deps.admins.includes(actor) && actor !== campaign.owner && !spec.approvers.users.includes(actor)) {
      for (const g of spec.approvers.groups) groupMembers[g] = await deps.resolveGroupMembers(g);
    }
    const verdict = authorize({ actor, action, admins: deps.admins, owner: campaign.owner, approvers: spec.approvers, groupMembers, launchedBy: campaign.launchedBy, fourEyes: spec.policy.fourEyes });
    if (verdict.allowed) return;
    store.events.append({ campaignId: campaign.id, at: now(), actor, kind: 'auth.refused', data: { action } });
    throw new FleetError('forbidden', verdict.sentence, { action, owner: campaign.owner });
  }

  /** Refuses, recording auth.refused without a campaign, a person who may not start campaigns. */
  async function checkLaunch(actor: string): Promise<void> {
    const { launchers } = deps;
    const groupMembers: Record<string, string[]> = {};
    // Slack is asked about the launcher groups only when nothing cheaper has decided.
    if (!deps.admins.includes(actor) && !launchers.users.includes(actor)) {
      for (const g of launchers.groups) groupMembers[g] = await deps.resolveGroupMembers(g);
    }
    const verdict = authorize({ actor, action: 'start', admins: deps.admins, launchers, groupMembers });
    if (verdict.allowed) return;
    store.events.append({ at: now(), actor, kind: 'auth.refused', data: { action: 'start' } });
    throw new FleetError('forbidden', verdict.sentence, { action: 'start' });
  }

  /** Applies a campaign change with its event and messages in one transaction; a lost race is a conflict. */
  function transition(campaign: CampaignRecord, patch: { state: CampaignRecord['state']; stateReason: string }, event: { actor: string; kind: string; data?: Record<string, unknown> }, messages: (c: CampaignRecord, at: number) => NewOutboxMessage[] = () => [], carryOut: (c: CampaignRecord, at: number) => void = () => {}): CampaignRecord {
    const at = now();
    return store.transaction(() => {
      const updated = store.campaigns.update(campaign.id, campaign.version, patch, at);
      if (!updated) throw new FleetError('conflict', `Campaign ${campaign.id} changed while you acted on it. Look at its latest state with \`/fleet status ${campaign.id}\` and try again.`);
      store.events.append({ campaignId: campaign.id, at, ...event });
      carryOut(updated, at);
      for (const m of messages(updated, at)) store.outbox.enqueue(m);
      enqueueRootUpdate(store, updated, at);
      return updated;
    });
  }

  async function resolveRef(ref: SpecRef): Promise<{ spec: CampaignSpec; source: string }> {
    if ('catalog' in ref) return deps.catalog.load(ref.catalog);
    return { spec: ref.spec, source: ref.source };
  }

  /** The state machine's verdict on a person's action: the next state and its effects, or its reason why not. */
  function requireTransition(campaign: CampaignRecord, event: CampaignEvent): { state: CampaignState; effects: Effect[] } {
    const result = transitionCampaign(campaign.state, event);
    if (!result.ok) throw new FleetError('transition_refused', `Campaign ${campaign.id}: ${result.reason}`, { state: campaign.state, event: event.type });
    return result;
  }

  /**
   * Moves one target through the target machine in the caller's transaction and carries out the
   * effects that belong there; a close is recorded for the tick's close pass (GitHub is not called
   * inside a transaction). Undefined when another writer changed the target first.
   */
  function moveTarget(campaign: CampaignRecord, target: TargetRecord, event: TargetEvent, stateReason: string, close: CloseRequest, at: number): TargetRecord | undefined {
    const moved = transitionTarget(target.state, event);
    if (!moved.ok) throw new FleetError('transition_refused', `${target.repo}: ${moved.reason}`, { state: target.state, event: event.type });
    const applied = applyTargetEffects(moved.state, moved.effects, target, at);
    // A skipped target whose PR stays open is due for nothing.
    const patch = moved.state === 'skipped' && !applied.closePr ? { ...applied.patch, dueAt: 0 } : applied.patch;
    const updated = store.targets.update(target.id, target.version, { ...patch, stateReason }, at);
    // Judged on the target as it was: one whose open-pr step is running may be opening its PR now.
    if (updated && applied.closePr) recordCloseNeed(store, updated, readSteps(campaign).length, close, at, mayHavePr(target));
    // A PR left open (`onAbort: leave`) still lets go of the canary deployment Fleet holds for it.
    else if (updated && moved.state === 'skipped' && isActiveDeployment(updated.deployment)) recordCloseNeed(store, updated, readSteps(campaign).length, { ...close, leavePr: true }, at, true);
    return updated;
  }

  function summarize(c: CampaignRecord): CampaignSummary {
    const counts = store.targets.counts(c.id);
    const done = countDone(counts, countStopped(store, c, readAbortRecord(store, c)).total);
    return { id: c.id, name: c.name, state: c.state, owner: c.owner, channel: c.channel, currentWave: c.currentWave, waveCount: c.waveCount, counts, done };
  }

  function findOpenGate(campaignId: string, gateId?: number): GateRecord {
    // Without an id, the open wave gate, or else the latest one: deciding it again is then a conflict that says who decided.
    const waveGates = store.gates.list(campaignId).filter((g) => g.kind === 'wave');
    const gate = gateId !== undefined ? store.gates.get(gateId) : (waveGates.find((g) => g.state === 'open') ?? waveGates.at(-1));
    if (!gate || gate.campaignId !== campaignId) {
      const state = store.campaigns.get(campaignId)?.state;
      const next =
        state === 'halted'
          ? `It is halted: resume it with \`/fleet resume ${campaignId}\` to go on, or abort it.`
          : state === 'paused'
            ? `It is paused: resume it with \`/fleet resume ${campaignId}\` to go on, or abort it.`
            : `Type \`/fleet status ${campaignId}\` to see where it is.`;
      throw new FleetError('not_found', `Campaign ${campaignId} has no open gate to decide. ${next}`);
    }
    return gate;
  }

  /** What comes next for a campaign in its state, after a gate decision was refused as already taken. */
  function nextAfterDecided(campaign: CampaignRecord, gate: GateRecord, action: 'approved' | 'rejected'): string {
    const wave = gate.wave + 1;
    switch (campaign.state) {
      case 'running':
        return 'the campaign is running: pause or abort it if it must stop.';
      case 'awaiting-approval':
        return `the campaign waits on another approval: type \`/fleet status ${campaign.id}\` to find it.`;
      case 'paused':
        return 'the campaign is paused: resume it to ask again, or abort it.';
      case 'halted':
        return action === 'rejected' && (gate.state === 'rejected' || gate.state === 'cancelled')
          ? `the campaign is halted: resume it to have Fleet weigh wave ${wave} again, approve wave ${wave} with \`/fleet approve ${campaign.id}\` to go on anyway, or abort it.`
          : `the campaign is halted: resume it to have Fleet weigh wave ${wave} again, or abort it.`;
      case 'rolling-back':
        return 'the campaign is rolling back: wait for the rollback to finish, or abort it.';
      default:
        return `the campaign is ${campaign.state}: start a new campaign for further changes.`;
    }
  }

  /**
   * An approver approves a wave whose gate was rejected (by Fleet's halt or a person) while the
   * campaign stands halted on it: the gate is re-opened and approved in one go, the campaign runs
   * again, and the failures so far count as accepted (only new ones halt it again).
   */
  function approveAfterAll(campaign: CampaignRecord, gate: GateRecord, actor: string): GateRecord {
    const next = requireTransition(campaign, { type: 'resume' });
    const at = now();
    const before = gate.decidedBy === 'engine' ? 'Fleet' : `<@${gate.decidedBy ?? 'someone'}>`;
    const had = gate.state === 'rejected' ? (gate.decidedBy === 'engine' ? 'halted' : 'rejected') : 'cancelled';
    const approved = store.transaction(() => {
      const reopened = store.gates.redecide(gate.id, { decision: gate.decision === 'halt' ? 'review' : gate.decision, confidence: { ...gate.confidence, reopenedBy: actor }, now: at });
      const won = reopened ? store.gates.decide(gate.id, 'approved', actor, at) : undefined;
      const updated = won ? store.campaigns.update(campaign.id, campaign.version, { state: next.state, stateReason: '' }, at) : undefined;
      if (!won || !updated) throw new FleetError('conflict', `Campaign ${campaign.id} changed while you acted on it. Look at its latest state with \`/fleet status ${campaign.id}\` and try again.`);
      const acceptedFailures = store.targets.counts(campaign.id).failed;
      store.events.append({ campaignId: campaign.id, at, actor, kind: 'gate.reopened', data: { gateId: gate.id, wave: gate.wave, was: gate.state, decidedBy: gate.decidedBy, acceptedFailures } });
      store.events.append({ campaignId: campaign.id, at, actor, kind: 'gate.approved', data: { gateId: gate.id, wave: gate.wave, reopened: true } });
      const then = gate.wave + 1 < campaign.waveCount ? `, then wave ${gate.wave + 2} starts` : '';
      store.outbox.enqueue(buildStateNotice(updated, `<@${actor}> re-opened the gate of wave ${gate.wave + 1}, which ${before} had ${had}, and approved it: wave ${gate.wave + 1}'s pull requests merge next${then}.`, at));
      wakeGateTargets(store, campaign.id, gate.wave, at);
      enqueueRootUpdate(store, updated, at);
      return won;
    });
    deps.wake();
    return approved;
  }

  async function decideGate(campaignId: string, actor: string, state: 'approved' | 'rejected', gateId?: number): Promise<GateRecord> {
    const campaign = requireCampaign(campaignId);
    await check(campaign, actor, state === 'approved' ? 'approve' : 'reject');
    const gate = findOpenGate(campaignId, gateId);
    // Halted on this wave's rejected gate: approving it is approving the wave after all.
    if (state === 'approved' && campaign.state === 'halted' && gate.kind === 'wave' && gate.wave === campaign.currentWave && (gate.state === 'rejected' || gate.state === 'cancelled')) {
      return approveAfterAll(campaign, gate, actor);
    }
    const at = now();
    const decided = store.transaction(() => {
      const won = store.gates.decide(gate.id, state, actor, at);
      if (!won) return undefined;
      const fresh = store.campaigns.get(campaignId)!;
      store.events.append({ campaignId, at, actor, kind: state === 'approved' ? 'gate.approved' : 'gate.rejected', data: { gateId: gate.id, wave: gate.wave } });
      store.outbox.enqueue(buildGateDecided(fresh, won, at));
      let next = fresh;
      if (state === 'approved') {
        const moved = moveCampaign(store, fresh, { type: 'gate-approved' }, '', at);
        if (moved) next = moved.campaign;
        // The gate's targets go on now; approving a gate the campaign no longer waits on still lets them go.
        if (!moved || hasEffect(moved.effects, 'start-next-wave')) wakeGateTargets(store, campaignId, gate.wave, at);
      } else {
        const why = `wave ${gate.wave + 1} was rejected by <@${actor}>`;
        // Rejected while the campaign waits on it: halted by the gate; otherwise (running again meanwhile) halted all the same.
        const moved = moveCampaign(store, fresh, { type: 'gate-rejected', reason: why }, why, at) ?? moveCampaign(store, fresh, { type: 'halt', reason: why }, why, at);
        if (moved) next = moved.campaign;
        // Halted by a person: its outcomes as they stand go into history, as when Fleet halts it.
        if (moved?.campaign.state === 'halted') confidence.recordOutcome(moved.campaign, store.targets.list(campaignId), at);
      }
      enqueueRootUpdate(store, next, at);
      return won;
    });
    if (!decided) {
      const current = store.gates.get(gate.id)!;
      const decidedText = alreadyDecidedText(current, now());
      const sentence = decidedText.endsWith('; nothing more to do.') ? `${decidedText.slice(0, -'; nothing more to do.'.length)}; ${nextAfterDecided(store.campaigns.get(campaignId) ?? campaign, current, state)}` : decidedText;
      throw new FleetError('conflict', sentence, { gateId: gate.id, decidedBy: current.decidedBy, state: current.state });
    }
    deps.wake();
    return decided;
  }

  /**
   * The machine's cancel-gate on a pause: the open approval request is set aside (marked expired,
   * so its buttons are refused meanwhile) and asked again on resume, on the evidence as it is then.
   */
  function setGateAside(campaign: CampaignRecord, actor: string, at: number): void {
    const gate = store.gates.find(campaign.id, campaign.currentWave, 'wave');
    if (gate?.state === 'open') store.gates.decide(gate.id, 'expired', actor, at);
  }

  /** A finished campaign runs nothing more: retrying or skipping its targets would change nothing. */
  function requireUnfinished(campaign: CampaignRecord, verb: string): void {
    if (campaign.state !== 'completed' && campaign.state !== 'aborted') return;
    throw new FleetError('transition_refused', `Campaign ${campaign.id} is ${campaign.state}, so its targets cannot be ${verb}; start a new campaign for further changes.`, { state: campaign.state });
  }

  /** A target's refusal; for a finished target, with where to look next. */
  function refuseTarget(campaignId: string, repo: string, reason: string, state: TargetRecord['state']): FleetError {
    const finished = state === 'succeeded' || state === 'skipped' || state === 'reverted';
    return new FleetError('transition_refused', `${repo}: ${reason}${finished ? ` Type \`/fleet status ${campaignId}\` to see the targets that need a person.` : ''}`, { state });
  }

  /**
   * A target whose merge found a conflict (or a branch behind a strict base) is retried from
   * open-pr, which regenerates the change on the base's new head and updates the PR's branch.
   */
  function rebuildOf(campaign: CampaignRecord, target: TargetRecord): { from: number; why: string } | undefined {
    const why = store.steps.get(target.id, target.stepIndex)?.data.rebuild;
    if (why !== 'dirty' && why !== 'behind') return undefined;
    const from = readSteps(campaign).findIndex((s) => s.kind === 'open-pr');
    return from >= 0 && from < target.stepIndex ? { from, why } : undefined;
  }

  /** Tells open-pr to rebuild, and clears what the later steps kept about the old head. */
  function markRebuild(target: TargetRecord, rebuild: { from: number; why: string }, at: number): void {
    const openPr = store.steps.get(target.id, rebuild.from);
    store.steps.save({ targetId: target.id, stepIndex: rebuild.from, kind: 'open-pr', status: 'pending', data: { ...(openPr?.data ?? {}), rebuild: rebuild.why }, now: at });
    for (const later of store.steps.list(target.id)) {
      if (later.stepIndex > rebuild.from && later.stepIndex <= target.stepIndex) store.steps.save({ targetId: target.id, stepIndex: later.stepIndex, kind: later.kind, status: 'pending', data: {}, now: at });
    }
  }

  function requireTarget(campaignId: string, repo: string): TargetRecord {
    const target = store.targets.findByRepo(campaignId, repo);
    if (!target) throw new FleetError('not_found', `Campaign ${campaignId} has no target ${repo}. Type \`/fleet status ${campaignId}\` to see its targets.`);
    return target;
  }

  return {
    authorizeLaunch: checkLaunch,

    async preview(ref) {
      const { spec } = await resolveRef(ref);
      requireOrgsInScope(spec, deps.orgs ?? null);
      const selection = await planner.selectTargets(spec);
      const repos = selection.repos;
      if (repos.length === 0 && selection.dropped.length > 0) throw allDropped(spec.name, selection.dropped);
      const { waves, ci } = await planner.planFor(spec, repos, planSeed(spec));
      const { sampled, noChange, failed, sampleRepo, sampleDiff, diffs, stoppedBy } = await planner.readSample(spec, repos, chooseSample(waves));
      const { github, estimate } = estimatePreview({ steps: resolveSteps(spec), targets: repos.length, waveCount: waves.length, remaining: store.github.rate('core')?.remaining ?? null, contentPerHour: deps.contentPerHour, ciMinutes: [...ci.ciMinutes.values()], defaulted: defaultedDurations(spec), pr: { labels: spec.pr.labels.length > 0, draft: spec.pr.draft, reviewersFromCodeowners: spec.pr.reviewersFromCodeowners }, autoDeleting: repos.filter((r) => r.deleteBranchOnMerge).length });
      return {
        id: `p-${randomBytes(6).toString('hex')}`,
        at: now(),
        specHash: hashSpec(spec),
        spec,
        targets: repos.length,
        dropped: selection.dropped,
        ...(selection.stoppedBy ? { droppedStoppedBy: selection.stoppedBy } : {}),
        sampled,
        noChange,
        failed,
        waves,
        sampleRepo,
        sampleDiff,
        diffs,
        ...(stoppedBy ? { stoppedBy } : {}),
        github,
        estimate,
      } satisfies CampaignPreview;
    },

    async start(ref, actor, preview) {
      await checkLaunch(actor);
      if (preview) checkPreviewStamp(store, ref, preview, now());
      const { spec, source } = await resolveRef(ref);
      if (preview) checkPreviewStamp(store, ref, preview, now(), hashSpec(spec));
      requireOrgsInScope(spec, deps.orgs ?? null);
      const selection = await planner.selectTargets(spec);
      const repos = selection.repos;
      if (repos.length === 0 && selection.dropped.length > 0) throw allDropped(spec.name, selection.dropped);
      const id = newId();
      const { waves, ci } = await planner.planFor(spec, repos, planSeed(spec));
      const at = now();
      const created = store.transaction(() => {
        // Two clicks on one Launch at once: the second finds the first's start here and starts nothing.
        if (preview && findLaunchOf(store, preview)) checkPreviewStamp(store, ref, preview, at);
        const campaign = store.campaigns.insert({ id, name: spec.name, specJson: JSON.stringify(spec), specSource: source, changeKind: spec.change.kind, owner: spec.owner, launchedBy: actor, channel: spec.channel, state: 'running', waveCount: waves.length, now: at });
        store.targets.insertMany(
          id,
          waves.flatMap((w) => w.repos.map((repo) => ({ repo, wave: w.index, risk: { canary: spec.targets.canary.includes(repo), ciHealth: ci.health.get(repo) ?? null, criticality: findCriticality(spec, repo) ?? null } }))),
          at,
        );
        store.events.append({ campaignId: id, at, actor, kind: 'campaign.started', data: { source, owner: spec.owner, launchedBy: actor, targets: repos.length, waves: waves.map((w) => w.repos.length), ciHealth: summarizeCiHealth(ci), ...summarizeDropped(selection), ...(preview ? { previewId: preview.id } : {}) } });
        store.outbox.enqueue(buildRootPost(campaign, at));
        return campaign;
      });
      deps.wake();
      return created;
    },

    async pause(campaignId, actor, reason) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'pause');
      const next = requireTransition(campaign, { type: 'pause', reason });
      const why = reason ?? `paused by <@${actor}>`;
      const setAside = next.effects.some((e) => e.kind === 'cancel-gate');
      return transition(campaign, { state: next.state, stateReason: why }, { actor, kind: 'campaign.paused', data: { reason: why } }, (c, at) => [buildStateNotice(c, `Paused by <@${actor}>. Steps in flight finish; nothing new starts until it is resumed.`, at)], (c, at) => {
        if (setAside) setGateAside(c, actor, at);
      });
    },

    async resume(campaignId, actor) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'resume');
      const spec = readSpec(campaign);
      const gate = store.gates.find(campaignId, campaign.currentWave, 'wave');
      // An expired approval request (or one a pause set aside) is asked again rather than treated as approved.
      const expired = gate?.state === 'expired';
      // Paused while a person was being asked: the request still stands.
      const stillAsking = gate?.state === 'open';
      const next = requireTransition(campaign, { type: 'resume', askAgain: expired || stillAsking });
      const halted = campaign.state === 'halted';
      const at = now();
      const resumed = store.transaction(() => {
        const rollback = store.gates.list(campaignId).find((g) => g.kind === 'rollback' && g.state === 'open');
        if (rollback) store.gates.decide(rollback.id, 'cancelled', actor, at);
        const askAgain = expired && next.effects.some((e) => e.kind === 'open-gate') && store.gates.reopen(gate.id, at, at + spec.policy.approvalTimeout);
        const updated = store.campaigns.update(campaign.id, campaign.version, { state: next.state, stateReason: '' }, at);
        if (!updated) throw new FleetError('conflict', `Campaign ${campaignId} changed while you acted on it. Try again.`);
        // Resuming a halt accepts the failures so far: only new ones count against the budget again.
        const counts = store.targets.counts(campaignId);
        const accepted = halted ? { acceptedFailures: counts.failed, wave: campaign.currentWave } : {};
        store.events.append({ campaignId, at, actor, kind: 'campaign.resumed', data: { askAgain, ...accepted } });
        const weighAgain = halted && next.state === 'running';
        const wave = campaign.currentWave + 1;
        const budget = resolveFailureBudget(spec.policy.failureBudget, Object.values(counts).reduce((a, b) => a + b, 0));
        const lead = [
          weighAgain && (gate?.state === 'rejected' || gate?.state === 'cancelled') ? ` Fleet weighs wave ${wave} again on what is known now.` : '',
          halted && counts.failed > budget ? ` The ${counts.failed} failed targets so far are accepted: only a new failure halts the campaign again.` : '',
        ].join('');
        store.outbox.enqueue(buildStateNotice(updated, `Resumed by <@${actor}>.${lead}`, at));
        if (askAgain) store.outbox.enqueue(buildGateRequest(updated, store.gates.get(gate.id)!, at));
        // Halted: the wave pass runs now, so what Fleet decides (ask a person, go on, halt again) is
        // in the thread and in the campaign returned, not left for the next tick.
        if (weighAgain) advanceCampaignNow({ store, now: at, confidence }, campaignId);
        const final = store.campaigns.get(campaignId) ?? updated;
        enqueueRootUpdate(store, final, at);
        return final;
      });
      deps.wake();
      return resumed;
    },

    async abort(campaignId, actor, reason) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'abort');
      const leavePrs = readSpec(campaign).onAbort === 'leave';
      const next = requireTransition(campaign, { type: 'abort', reason, leavePrs });
      // The record and the messages name who aborted; a reason they gave follows.
      const why = `aborted by <@${actor}>${reason ? `: ${reason}` : ''}`;
      const at = now();
      const aborted = store.transaction(() => {
        const updated = store.campaigns.update(campaign.id, campaign.version, { state: next.state, stateReason: why }, at);
        if (!updated) throw new FleetError('conflict', `Campaign ${campaignId} changed while you acted on it. Try again.`);
        // What the abort finds, sorted before the targets move: the report says what happened.
        const before = store.targets.list(campaignId);
        const { merged, stopped } = classifyForAbort(before, (t) => transitionTarget(t.state, { type: 'abort' }).ok);
        // History learns from an aborted campaign too: its targets' outcomes as they stood when it
        // was aborted (the abort's own skips are no outcome).
        confidence.recordOutcome(updated, before, at);
        const withPr = stopped.filter((t) => t.prNumber !== null && t.mergedSha === null);
        const opening = stopped.filter((t) => t.prNumber === null && mayHavePr(t));
        const beforePr = stopped.filter((t) => t.prNumber === null && !mayHavePr(t));
        const closing = leavePrs ? [] : stopped.filter((t) => t.mergedSha === null && mayHavePr(t));
        for (const effect of next.effects) {
          if (effect.kind !== 'stop-targets') continue;
          for (const t of stopped) moveTarget(campaign, t, { type: 'abort', leavePr: effect.leavePrs === true }, why, { cause: 'abort', actor, reason: reason ?? '' }, at);
        }
        // Rollback offers are closed too, not only the wave gate the machine's cancel-gate names.
        for (const g of store.gates.list(campaignId)) if (g.state === 'open') store.gates.decide(g.id, 'cancelled', actor, at);
        const report = { by: actor, note: reason ?? null, leavePrs, merged: merged.map((t) => t.id), stopped: stopped.map((t) => t.id), closing: closing.map((t) => t.id) };
        store.events.append({ campaignId, at, actor, kind: 'campaign.aborted', data: { reason: why, report } });
        const listed = 50;
        const summary: AbortSummary = {
          by: actor,
          note: reason ?? null,
          leavePrs,
          stoppedCount: stopped.length,
          merged: prsOf(merged.slice(0, listed)),
          mergedCount: merged.length,
          closing: prsOf(withPr.slice(0, listed)),
          closingCount: withPr.length,
          openingCount: opening.length,
          beforePr: beforePr.slice(0, listed).map((t) => t.repo),
          beforePrCount: beforePr.length,
        };
        store.outbox.enqueue(buildFinalSummary(store, updated, at, summary));
        enqueueRootUpdate(store, updated, at);
        return updated;
      });
      // The tick's close pass closes the PRs now rather than at the next poll.
      deps.wake();
      return aborted;
    },

    approve: (campaignId, actor, gateId) => decideGate(campaignId, actor, 'approved', gateId),
    reject: (campaignId, actor, gateId) => decideGate(campaignId, actor, 'rejected', gateId),

    async retry(campaignId, repo, actor) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'retry');
      requireUnfinished(campaign, 'retried');
      const target = requireTarget(campaignId, repo);
      const retried = alreadyActedText(store, target, 'retried', now());
      if (retried) throw new FleetError('conflict', retried, { state: target.state });
      const rebuild = rebuildOf(campaign, target);
      const moved = transitionTarget(target.state, rebuild ? { type: 'retry', from: rebuild.from } : { type: 'retry' });
      if (!moved.ok) throw refuseTarget(campaignId, repo, moved.reason, target.state);
      const at = now();
      const updated = store.transaction(() => {
        const t = store.targets.update(target.id, target.version, { ...applyTargetEffects(moved.state, moved.effects, target, at).patch, stateReason: `retried by <@${actor}>` }, at);
        if (!t) throw new FleetError('conflict', `${repo} changed while you acted on it. Look at it again and retry.`);
        if (rebuild) markRebuild(target, rebuild, at);
        store.events.append({ campaignId, targetId: t.id, at, actor, kind: 'target.retried', data: { repo, ...(rebuild ? { rebuild: rebuild.why, from: 'open-pr' } : {}) } });
        enqueueRootUpdate(store, store.campaigns.get(campaignId)!, at);
        return t;
      });
      deps.wake();
      return updated;
    },

    async skip(campaignId, repo, actor, reason) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'skip');
      requireUnfinished(campaign, 'skipped');
      const target = requireTarget(campaignId, repo);
      const skipped = alreadyActedText(store, target, 'skipped', now());
      if (skipped) throw new FleetError('conflict', skipped, { state: target.state });
      const event: TargetEvent = { type: 'skip', reason };
      const allowed = transitionTarget(target.state, event);
      if (!allowed.ok) throw refuseTarget(campaignId, repo, allowed.reason, target.state);
      const why = reason ?? `skipped by <@${actor}>`;
      const at = now();
      const updated = store.transaction(() => {
        const t = moveTarget(campaign, target, event, why, { cause: 'skip', actor, reason: reason ?? '' }, at);
        if (!t) throw new FleetError('conflict', `${repo} changed while you acted on it. Look at it again and skip it.`);
        store.events.append({ campaignId, targetId: t.id, at, actor, kind: 'target.skipped', data: { repo, reason: why } });
        enqueueRootUpdate(store, store.campaigns.get(campaignId)!, at);
        return t;
      });
      deps.wake();
      return updated;
    },

    async revertWave(campaignId, wave, actor) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'revert');
      const pathLength = readSteps(campaign).length;
      const merged = store.targets.list(campaignId, wave).filter((t) => t.mergedSha !== null && t.state !== 'reverted' && t.stepIndex < pathLength);
      if (merged.length === 0) throw new FleetError('bad_input', `Wave ${wave + 1} of ${campaignId} has no merged changes to revert; type \`/fleet status ${campaignId}\` to see where its targets are.`);
      requireTransition(campaign, { type: 'rollback-start' });
      const at = now();
      store.transaction(() => {
        const moved = moveCampaign(store, campaign, { type: 'rollback-start' }, `reverting wave ${wave + 1} (asked by <@${actor}>)`, at);
        if (!moved) throw new FleetError('conflict', `Campaign ${campaignId} changed while you acted on it. Try again.`);
        const updated = moved.campaign;
        if (hasEffect(moved.effects, 'cancel-gate')) setGateAside(campaign, actor, at);
        const offer = store.gates.find(campaignId, wave, 'rollback');
        if (offer?.state === 'open') store.gates.decide(offer.id, 'approved', actor, at);
        if (hasEffect(moved.effects, 'open-reverts')) {
          for (const t of merged) {
            const reverting = transitionTarget(t.state, { type: 'revert', index: pathLength });
            if (reverting.ok) store.targets.update(t.id, t.version, { ...applyTargetEffects(reverting.state, reverting.effects, t, at).patch, stateReason: 'reverting' }, at);
          }
        }
        store.events.append({ campaignId, at, actor, kind: 'wave.revert-started', data: { wave, targets: merged.length } });
        store.outbox.enqueue(buildStateNotice(updated, `<@${actor}> is reverting wave ${wave + 1}: ${plural(merged.length, 'revert PR')} ${agree(merged.length, 'is', 'are')} being opened.`, at));
        enqueueRootUpdate(store, updated, at);
      });
      deps.wake();
      return merged.length;
    },

    async setFreeze(on, actor) {
      const verdict = authorize({ actor, action: 'freeze', admins: deps.admins });
      const at = now();
      if (!verdict.allowed) {
        store.events.append({ at, actor, kind: 'auth.refused', data: { action: 'freeze', on } });
        throw new FleetError('forbidden', verdict.sentence);
      }
      store.transaction(() => {
        store.settings.set('freeze', { on }, actor, at);
        store.events.append({ at, actor, kind: on ? 'freeze.on' : 'freeze.off' });
        for (const c of store.campaigns.list({ states: ['running', 'awaiting-approval', 'paused', 'rolling-back'] })) {
          store.outbox.enqueue(buildStateNotice(c, on ? `<@${actor}> turned the global freeze on: no step runs anywhere until it is off.` : `<@${actor}> turned the global freeze off.`, at));
        }
        // Every unfinished campaign's root message shows the freeze (read when it is delivered).
        for (const c of store.campaigns.list({ states: ['running', 'awaiting-approval', 'paused', 'halted', 'rolling-back'] })) enqueueRootUpdate(store, c, at);
      });
      if (!on) deps.wake();
    },

    isFrozen: () => store.settings.isFrozen(),

    status(campaignId, view = 'attention') {
      const c = requireCampaign(campaignId);
      const gates = store.gates.list(c.id);
      const lastWaveGate = gates.filter((g) => g.kind === 'wave').at(-1);
      return {
        ...summarize(c),
        stateReason: c.stateReason,
        launchedBy: c.launchedBy,
        rootTs: c.rootTs,
        spec: readSpec(c),
        openGate: gates.find((g) => g.state === 'open') ?? null,
        confidence: typeof lastWaveGate?.confidence.confidence === 'number' ? lastWaveGate.confidence.confidence : null,
        needsAttention: store.targets.inState(c.id, 'needs-attention').map((t) => ({ repo: t.repo, reason: t.stateReason, prUrl: t.prUrl })),
        view,
        // The default view reads only the targets that need attention (a 1,000-target campaign answers fast).
        targets: view === 'attention' ? [] : listStatusTargets(store.targets.list(c.id), view),
      } satisfies CampaignStatus;
    },

    list: () => store.campaigns.list().map(summarize),

    async waitingFor(user) {
      const members = new Map<string, string[]>();
      async function membersOf(group: string): Promise<string[]> {
        if (!members.has(group)) {
          // A group Slack cannot list now counts as not containing the person: the buttons would be refused anyway.
          members.set(group, await deps.resolveGroupMembers(group).catch(() => []));
        }
        return members.get(group)!;
      }
      const approvals: WaitingFor['approvals'] = [];
      const targets: WaitingFor['targets'] = [];
      for (const c of store.campaigns.list({ states: ['running', 'awaiting-approval', 'paused', 'halted', 'rolling-back'] })) {
        const spec = readSpec(c);
        const groupMembers: Record<string, string[]> = {};
        if (!deps.admins.includes(user) && user !== c.owner && !spec.approvers.users.includes(user)) {
          for (const g of spec.approvers.groups) groupMembers[g] = await membersOf(g);
        }
        const may = (action: CampaignAction) => authorize({ actor: user, action, admins: deps.admins, owner: c.owner, approvers: spec.approvers, groupMembers, launchedBy: c.launchedBy, fourEyes: spec.policy.fourEyes }).allowed;
        const gate = store.gates.list(c.id).find((g) => g.kind === 'wave' && g.state === 'open');
        if (gate && may('approve')) {
          const confidence = typeof gate.confidence.confidence === 'number' ? gate.confidence.confidence : null;
          approvals.push({ campaignId: c.id, name: c.name, channel: c.channel, gateId: gate.id, wave: gate.wave, waveCount: c.waveCount, confidence, expiresAt: gate.expiresAt });
        }
        if (may('retry')) {
          for (const t of store.targets.inState(c.id, 'needs-attention')) targets.push({ campaignId: c.id, name: c.name, channel: c.channel, repo: t.repo, reason: t.stateReason, prUrl: t.prUrl });
        }
      }
      const finished = (c: CampaignRecord) => Number(c.state === 'completed' || c.state === 'aborted');
      const owned = store.campaigns
        .list()
        .filter((c) => c.owner === user)
        .sort((a, b) => finished(a) - finished(b) || b.createdAt - a.createdAt)
        .map(summarize);
      return { approvals, targets, owned } satisfies WaitingFor;
    },

    async catalog() {
      try {
        return await deps.catalog.list();
      } catch (error) {
        if (isFleetError(error)) throw error;
        throw new FleetError('spec_not_found', 'The campaign catalog could not be read; ask an admin to check where Fleet reads its campaign specs from.', {}, { cause: error });
      }
    },

    gate(campaignId, gateId) {
      const gate = store.gates.get(gateId);
      if (!gate || gate.campaignId !== campaignId) throw new FleetError('not_found', `Campaign ${campaignId} has no gate ${gateId}. Type \`/fleet status ${campaignId}\` to see where it is.`);
      return gate;
    },
  };
}

/** The targets a status view lists: the failures worst first, or every target by wave and repository. */
function listStatusTargets(targets: readonly TargetRecord[], view: 'failed' | 'all'): StatusTarget[] {
  const chosen = view === 'failed' ? targets.filter(isFailure).sort(worstFirst) : [...targets].sort((a, b) => a.wave - b.wave || a.repo.localeCompare(b.repo));
  return chosen.map((t) => ({ repo: t.repo, wave: t.wave, state: t.state, reason: t.stateReason, prUrl: t.prUrl }));
}
