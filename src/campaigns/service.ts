import { randomBytes } from 'node:crypto';
import { readSpec, readSteps } from '../engine/campaign-spec.js';
import { mayHavePr, recordCloseNeed, type CloseRequest } from '../engine/close-targets.js';
import { transitionCampaign, transitionTarget, type CampaignEvent, type Effect, type TargetEvent } from '../engine/machines.js';
import { hasEffect, moveCampaign } from '../engine/move-campaign.js';
import { applyTargetEffects } from '../engine/target-effects.js';
import { isFailure, worstFirst } from '../engine/failures.js';
import { buildFinalSummary, buildGateDecided, buildGateRequest, buildRootPost, buildStateNotice, enqueueRootUpdate } from '../engine/notifications.js';
import type { CampaignState } from '../domain/states.js';
import { wakeGateTargets } from '../engine/waves.js';
import { FleetError, isFleetError } from '../errors.js';
import type { Gateway } from '../github/gateway.js';
import type { CampaignRecord, GateRecord, NewOutboxMessage, Store, TargetRecord } from '../store/store.js';
import { authorize, type CampaignAction, type Launchers } from './authorize.js';
import { requireOrgsInScope, type OrgScope } from './org-scope.js';
import type { Catalog } from './catalog.js';
import { createCampaignPlanner, estimatePreview, findCriticality, planSeed, summarizeCiHealth, type PlanWaves } from './plan-campaign.js';
import type { CampaignPreview, CampaignService, CampaignStatus, CampaignSummary, SpecRef, StatusTarget } from './service-types.js';
import { resolveSteps, type CampaignSpec } from '../domain/spec.js';

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

  /** The target machine's verdict on a person's action on one target; its reason says why not. */
  function requireTargetMove(target: TargetRecord, event: TargetEvent): void {
    const moved = transitionTarget(target.state, event);
    if (!moved.ok) throw new FleetError('transition_refused', `${target.repo}: ${moved.reason}`, { state: target.state, event: event.type });
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
    return updated;
  }

  function summarize(c: CampaignRecord): CampaignSummary {
    return { id: c.id, name: c.name, state: c.state, owner: c.owner, channel: c.channel, currentWave: c.currentWave, waveCount: c.waveCount, counts: store.targets.counts(c.id) };
  }

  function findOpenGate(campaignId: string, gateId?: number): GateRecord {
    // Without an id, the open wave gate, or else the latest one: deciding it again is then a conflict that says who decided.
    const waveGates = store.gates.list(campaignId).filter((g) => g.kind === 'wave');
    const gate = gateId !== undefined ? store.gates.get(gateId) : (waveGates.find((g) => g.state === 'open') ?? waveGates.at(-1));
    if (!gate || gate.campaignId !== campaignId) {
      throw new FleetError('not_found', `Campaign ${campaignId} has no open gate to decide. Type \`/fleet status ${campaignId}\` to see where it is.`);
    }
    return gate;
  }

  async function decideGate(campaignId: string, actor: string, state: 'approved' | 'rejected', gateId?: number): Promise<GateRecord> {
    const campaign = requireCampaign(campaignId);
    await check(campaign, actor, state === 'approved' ? 'approve' : 'reject');
    const gate = findOpenGate(campaignId, gateId);
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
      }
      enqueueRootUpdate(store, next, at);
      return won;
    });
    if (!decided) {
      const current = store.gates.get(gate.id)!;
      const who = current.decidedBy === 'engine' ? 'Fleet' : `<@${current.decidedBy ?? 'someone'}>`;
      throw new FleetError('conflict', `${who} already ${current.state} this gate; nothing more to do.`, { gateId: gate.id, decidedBy: current.decidedBy, state: current.state });
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
      const repos = await planner.discoverTargets(spec);
      const { waves } = await planner.planFor(spec, repos, planSeed(spec));
      const sampleRepo = waves[0]?.repos[0] ?? null;
      const { sampleDiff, noChange } = await planner.readSampleDiff(spec, repos, sampleRepo);
      const { github, estimate } = estimatePreview({ steps: resolveSteps(spec), targets: repos.length, waveCount: waves.length, remaining: store.github.rate('core')?.remaining ?? null, contentPerHour: deps.contentPerHour });
      return {
        spec,
        targets: repos.length,
        noChange,
        waves,
        sampleRepo,
        sampleDiff,
        github,
        estimate,
      } satisfies CampaignPreview;
    },

    async start(ref, actor) {
      await checkLaunch(actor);
      const { spec, source } = await resolveRef(ref);
      requireOrgsInScope(spec, deps.orgs ?? null);
      const repos = await planner.discoverTargets(spec);
      const id = newId();
      const { waves, ci } = await planner.planFor(spec, repos, planSeed(spec));
      const at = now();
      const created = store.transaction(() => {
        const campaign = store.campaigns.insert({ id, name: spec.name, specJson: JSON.stringify(spec), specSource: source, changeKind: spec.change.kind, owner: spec.owner, launchedBy: actor, channel: spec.channel, state: 'running', waveCount: waves.length, now: at });
        store.targets.insertMany(
          id,
          waves.flatMap((w) => w.repos.map((repo) => ({ repo, wave: w.index, risk: { canary: spec.targets.canary.includes(repo), ciHealth: ci.health.get(repo) ?? null, criticality: findCriticality(spec, repo) ?? null } }))),
          at,
        );
        store.events.append({ campaignId: id, at, actor, kind: 'campaign.started', data: { source, owner: spec.owner, launchedBy: actor, targets: repos.length, waves: waves.map((w) => w.repos.length), ciHealth: summarizeCiHealth(ci) } });
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
      const at = now();
      const resumed = store.transaction(() => {
        const rollback = store.gates.list(campaignId).find((g) => g.kind === 'rollback' && g.state === 'open');
        if (rollback) store.gates.decide(rollback.id, 'cancelled', actor, at);
        const askAgain = expired && next.effects.some((e) => e.kind === 'open-gate') && store.gates.reopen(gate.id, at, at + spec.policy.approvalTimeout);
        const updated = store.campaigns.update(campaign.id, campaign.version, { state: next.state, stateReason: '' }, at);
        if (!updated) throw new FleetError('conflict', `Campaign ${campaignId} changed while you acted on it. Try again.`);
        store.events.append({ campaignId, at, actor, kind: 'campaign.resumed', data: { askAgain } });
        store.outbox.enqueue(buildStateNotice(updated, `Resumed by <@${actor}>.`, at));
        if (askAgain) store.outbox.enqueue(buildGateRequest(updated, store.gates.get(gate.id)!, at));
        enqueueRootUpdate(store, updated, at);
        return updated;
      });
      deps.wake();
      return resumed;
    },

    async abort(campaignId, actor, reason) {
      const campaign = requireCampaign(campaignId);
      await check(campaign, actor, 'abort');
      const leavePrs = readSpec(campaign).onAbort === 'leave';
      const next = requireTransition(campaign, { type: 'abort', reason, leavePrs });
      const why = reason ?? `aborted by <@${actor}>`;
      const at = now();
      const aborted = store.transaction(() => {
        const updated = store.campaigns.update(campaign.id, campaign.version, { state: next.state, stateReason: why }, at);
        if (!updated) throw new FleetError('conflict', `Campaign ${campaignId} changed while you acted on it. Try again.`);
        for (const effect of next.effects) {
          if (effect.kind !== 'stop-targets') continue;
          for (const t of store.targets.list(campaignId)) {
            if (transitionTarget(t.state, { type: 'abort' }).ok) moveTarget(campaign, t, { type: 'abort', leavePr: effect.leavePrs === true }, why, { cause: 'abort', actor, reason: reason ?? '' }, at);
          }
        }
        // Rollback offers are closed too, not only the wave gate the machine's cancel-gate names.
        for (const g of store.gates.list(campaignId)) if (g.state === 'open') store.gates.decide(g.id, 'cancelled', actor, at);
        store.events.append({ campaignId, at, actor, kind: 'campaign.aborted', data: { reason: why } });
        store.outbox.enqueue(buildFinalSummary(store, updated, at));
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
      const target = requireTarget(campaignId, repo);
      const rebuild = rebuildOf(campaign, target);
      const moved = transitionTarget(target.state, rebuild ? { type: 'retry', from: rebuild.from } : { type: 'retry' });
      if (!moved.ok) throw new FleetError('transition_refused', `${repo}: ${moved.reason}`, { state: target.state });
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
      const target = requireTarget(campaignId, repo);
      const event: TargetEvent = { type: 'skip', reason };
      requireTargetMove(target, event);
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
      if (merged.length === 0) throw new FleetError('bad_input', `Wave ${wave + 1} of ${campaignId} has no merged changes to revert.`);
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
        store.outbox.enqueue(buildStateNotice(updated, `<@${actor}> is reverting wave ${wave + 1}: ${merged.length} revert PRs will be opened.`, at));
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

    async catalog() {
      try {
        return await deps.catalog.list();
      } catch (error) {
        if (isFleetError(error)) throw error;
        throw new FleetError('spec_not_found', 'The campaign catalog (FLEET_CAMPAIGNS) could not be read. Check the path or repository it names.', {}, { cause: error });
      }
    },
  };
}

/** The targets a status view lists: the failures worst first, or every target by wave and repository. */
function listStatusTargets(targets: readonly TargetRecord[], view: 'failed' | 'all'): StatusTarget[] {
  const chosen = view === 'failed' ? targets.filter(isFailure).sort(worstFirst) : [...targets].sort((a, b) => a.wave - b.wave || a.repo.localeCompare(b.repo));
  return chosen.map((t) => ({ repo: t.repo, wave: t.wave, state: t.state, reason: t.stateReason, prUrl: t.prUrl }));
}
