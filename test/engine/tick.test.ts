import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { recordOutcome } from '../../src/confidence/history.js';
import { createConfidenceModel } from '../../src/engine/confidence.js';
import { runTick, planOutcome, type TickLimits } from '../../src/engine/tick.js';
import { FleetError } from '../../src/errors.js';
import { toFleetError } from '../../src/github/gateway/errors.js';
import { gateStep } from '../../src/steps/gate.js';
import { createStepRegistry, type RegisteredStep } from '../../src/steps/registry.js';
import type { StepResult } from '../../src/steps/types.js';
import { createStore, type Store } from '../../src/store/store.js';
import { openDatabase } from '../../src/store/database.js';
import { createFixedConfidence, makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from './helpers.js';

interface Deps {
  store: Store;
}

const LIMITS: TickLimits = { maxTargets: 100, concurrency: 4, stepTimeoutMs: 5_000, backoffBaseMs: 1_000 };

function createScriptedSteps(script: Partial<Record<string, (repo: string, runs: number) => StepResult | Promise<StepResult>>> = {}) {
  const runs: Record<string, number> = {};
  const make = (kind: 'open-pr' | 'merge' | 'await-checks' | 'bake', fallback: (repo: string) => StepResult): RegisteredStep<Deps> => ({
    kind,
    async run(ctx) {
      const key = `${kind}:${ctx.target.repo}`;
      runs[key] = (runs[key] ?? 0) + 1;
      const scripted = script[key] ?? script[kind];
      return scripted ? scripted(ctx.target.repo, runs[key]) : fallback(ctx.target.repo);
    },
  });
  const steps = [
    make('open-pr', (repo) => ({ kind: 'done', patch: { prNumber: repo.length, prUrl: `https://example.test/${repo}/pull/1`, signals: { score: 95 } }, events: [{ kind: 'pr.opened', data: { repo } }] })),
    make('await-checks', () => ({ kind: 'done' })),
    make('merge', () => ({ kind: 'done', patch: { mergedSha: 'abc123' } })),
    make('bake', () => ({ kind: 'done' })),
    gateStep as RegisteredStep<Deps>,
  ];
  return { registry: createStepRegistry<Deps>(steps), runs };
}

describe('runTick', () => {
  let t: TempStore;
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    t = openTempStore();
    clock = 10_000;
  });
  afterEach(() => t.close());

  async function tickUntilSettled(registry: ReturnType<typeof createScriptedSteps>['registry'], confidence = createFixedConfidence().model, rounds = 20) {
    const reports = [];
    for (let i = 0; i < rounds; i++) {
      const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence });
      reports.push(report);
      clock += 1_000;
      if (report.picked === 0 && report.waves.decisions.length === 0 && (report.waves.started ?? []).length === 0) break;
    }
    return reports;
  }

  test('does nothing but report it while the global freeze is on', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    t.store.settings.set('freeze', { on: true }, 'UADMIN', clock);
    const { registry, runs } = createScriptedSteps();
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(report.frozen).toBe(true);
    expect(report.picked).toBe(0);
    expect(runs).toEqual({});
    expect(t.store.targets.findByRepo(id, 'acme/a')?.state).toBe('pending');
  });

  test('walks every target through the path, wave by wave, to a completed campaign', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b', 'acme/c']] });
    const { registry, runs } = createScriptedSteps();
    const confidence = createFixedConfidence('auto');
    await tickUntilSettled(registry, confidence.model);
    expect(t.store.campaigns.get(id)?.state).toBe('completed');
    for (const repo of ['acme/a', 'acme/b', 'acme/c']) {
      const target = t.store.targets.findByRepo(id, repo)!;
      expect(target.state).toBe('succeeded');
      expect(target.mergedSha).toBe('abc123');
      expect(target.score).toBe(95);
      expect(runs[`open-pr:${repo}`]).toBe(1);
      expect(runs[`merge:${repo}`]).toBe(1);
    }
    // wave 0 was decided before wave 1 started; the last wave was decided too (its gate guards merging)
    expect(confidence.asked.map((e) => e.wave)).toEqual([0, 1]);
    expect(confidence.recorded).toEqual([id]);
    const kinds = t.store.events.list({ campaignId: id }).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'pr.opened')).toHaveLength(3);
    expect(kinds).toContain('wave.started');
    expect(kinds.at(-1)).toBe('campaign.completed');
    // root updates coalesce: at most one pending at any time
    expect(t.store.outbox.list({ campaignId: id, state: 'pending' }).filter((m) => m.coalesceKey === `root:${id}`)).toHaveLength(1);
  });

  test('a target of a later wave does not start before its wave', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    const { registry, runs } = createScriptedSteps();
    await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence('review').model });
    expect(runs['open-pr:acme/a']).toBe(1);
    expect(runs['open-pr:acme/b']).toBeUndefined();
    expect(t.store.targets.findByRepo(id, 'acme/b')?.state).toBe('pending');
  });

  test('a retryable failure backs off exponentially, then needs a person after the cap with Retry / Skip in the thread', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const { registry, runs } = createScriptedSteps({ 'open-pr': () => ({ kind: 'failed', reason: 'GitHub said 502', retryable: true }) });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
      const target = t.store.targets.findByRepo(id, 'acme/a')!;
      if (target.state === 'waiting') delays.push(target.dueAt - clock);
      clock = Math.max(clock, target.dueAt);
    }
    expect(runs['open-pr:acme/a']).toBe(5);
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
    const target = t.store.targets.findByRepo(id, 'acme/a')!;
    expect(target.state).toBe('needs-attention');
    expect(target.stateReason).toContain('GitHub said 502');
    const posts = t.store.outbox.list({ campaignId: id }).map((m) => ({ ...m, ...renderRow(t.store, m) })).filter((m) => m.method === 'chat.postMessage' && m.threadOf === 'root');
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0].args)).toContain('retry');
  });

  test('needs-human goes straight to needs-attention; skipTarget ends a no-op repository as skipped', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b']] });
    const { registry } = createScriptedSteps({
      'open-pr:acme/a': () => ({ kind: 'needs-human', reason: 'the default branch is protected against bots' }),
      'open-pr:acme/b': () => ({ kind: 'done', skipTarget: 'lodash is already at 4.17.21' }),
    });
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(report.outcomes).toMatchObject({ 'needs-human': 1, skipped: 1 });
    expect(t.store.targets.findByRepo(id, 'acme/a')?.state).toBe('needs-attention');
    const b = t.store.targets.findByRepo(id, 'acme/b')!;
    expect(b.state).toBe('skipped');
    expect(b.stateReason).toBe('lodash is already at 4.17.21');
  });

  test('a thrown permanent GitHub error (422) needs a person on the first run, with its message; a thrown 502 is retried', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b']] });
    const octokitError = (status: number, message: string) => Object.assign(new Error(message), { status, response: { headers: {}, data: { message } } });
    const { registry, runs } = createScriptedSteps({
      'open-pr:acme/a': () => {
        throw toFleetError(octokitError(422, 'Reference already exists'), 'creating the branch', 'acme/a', clock);
      },
      'open-pr:acme/b': () => {
        throw toFleetError(octokitError(502, 'Bad Gateway'), 'creating the branch', 'acme/b', clock);
      },
    });
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(report.outcomes).toMatchObject({ 'needs-human': 1, retry: 1 });
    expect(runs['open-pr:acme/a']).toBe(1);
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    expect(a.state).toBe('needs-attention');
    expect(a.stateReason).toContain('Reference already exists');
    expect(a.stateReason).toContain("check the campaign's branch, labels and files");
    const posts = t.store.outbox.list({ campaignId: id }).map((m) => ({ ...m, ...renderRow(t.store, m) })).filter((m) => m.method === 'chat.postMessage' && m.threadOf === 'root');
    expect(posts).toHaveLength(1);
    expect(posts[0].text + JSON.stringify(posts[0].blocks)).toContain('Reference already exists');
    const b = t.store.targets.findByRepo(id, 'acme/b')!;
    expect(b.state).toBe('waiting');
    expect(b.attempts).toBe(1);
    expect(b.stateReason).toContain('502');
  });

  test('an exhausted GitHub budget makes targets wait until retryAt without counting a failure', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b', 'acme/c']] });
    const retryAt = clock + 600_000;
    const { registry, runs } = createScriptedSteps({
      'open-pr': () => {
        throw new FleetError('budget_exhausted', 'The GitHub budget is spent until the reset; Fleet will continue then.', { retryAt });
      },
    });
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: { ...LIMITS, concurrency: 1 }, confidence: createFixedConfidence().model });
    expect(Object.values(runs).reduce((a, b) => a + b, 0)).toBe(1);
    expect(report.deferred.budget).toBe(2);
    for (const repo of ['acme/a', 'acme/b', 'acme/c']) {
      const target = t.store.targets.findByRepo(id, repo)!;
      expect(target.state).toBe('waiting');
      expect(target.dueAt).toBe(retryAt);
      expect(target.attempts).toBe(0);
    }
  });

  test('a slow step does not hold up the others and counts as a retryable failure', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/slow', 'acme/b', 'acme/c']] });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { registry } = createScriptedSteps({
      'open-pr:acme/slow': async () => {
        await held;
        return { kind: 'done' };
      },
    });
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: { ...LIMITS, concurrency: 2, stepTimeoutMs: 50 }, confidence: createFixedConfidence('review').model });
    release();
    expect(report.outcomes.done).toBe(2);
    expect(report.outcomes.retry).toBe(1);
    const slow = t.store.targets.findByRepo(id, 'acme/slow')!;
    expect(slow.state).toBe('waiting');
    expect(slow.stateReason).toContain('took longer than');
    expect(t.store.targets.findByRepo(id, 'acme/b')?.stepIndex).toBe(1);
  });

  test('the root message is updated when counts move, not on every repeated wait', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const { registry } = createScriptedSteps({ 'open-pr': () => ({ kind: 'wait', until: clock + 1_000, reason: 'checks running' }) });
    const roots = () => t.store.outbox.list({ campaignId: id }).filter((m) => m.coalesceKey === `root:${id}`);
    await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(roots()).toHaveLength(1);
    t.store.outbox.markSent(roots()[0].id, '1.0', 'update', clock);
    clock += 1_000;
    await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(roots()).toHaveLength(1);
  });

  test('the open-PR cap holds back new PRs', async () => {
    const spec = makeSpec({ policy: { maxOpenPrs: 2 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b', 'acme/c', 'acme/d']] });
    const { registry, runs } = createScriptedSteps();
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence('review').model });
    expect(Object.keys(runs)).toHaveLength(2);
    expect(report.deferred.openPrs).toBe(2);
    expect(t.store.targets.openPrCount(id)).toBe(2);
  });

  test('outside the schedule window nothing starts; targets wait until it opens', async () => {
    const spec = makeSpec({ policy: { schedule: { timezone: 'Europe/Berlin', days: ['mon'], hours: '09-17' } } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a']] });
    clock = Date.UTC(2025, 0, 5, 12, 0); // a Sunday
    const { registry, runs } = createScriptedSteps();
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(runs).toEqual({});
    expect(report.deferred.window).toBe(1);
    expect(t.store.targets.findByRepo(id, 'acme/a')?.dueAt).toBe(Date.UTC(2025, 0, 6, 8, 0)); // Monday 09:00 in Berlin
    clock = Date.UTC(2025, 0, 6, 8, 0);
    await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(runs['open-pr:acme/a']).toBe(1);
  });

  test('two ticks at once on two connections run each step once', async () => {
    const id = seedCampaign(t.store, { waves: [Array.from({ length: 12 }, (_, i) => `acme/r${i}`)] });
    const other = createStore(openDatabase(t.file));
    const { registry, runs } = createScriptedSteps({
      'open-pr': async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { kind: 'done' };
      },
    });
    const confidence = createFixedConfidence('review').model;
    const [a, b] = await Promise.all([
      runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence }),
      runTick({ store: other, registry, deps: { store: other }, now, limits: LIMITS, confidence }),
    ]);
    other.db.close();
    expect(a.ran + b.ran).toBe(12);
    expect(Object.values(runs).every((n) => n === 1)).toBe(true);
    expect(t.store.targets.list(id).every((target) => target.stepIndex === 1)).toBe(true);
  });

  test('a result that lost the race to another writer is dropped', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const { registry } = createScriptedSteps({
      'open-pr': () => {
        // someone skips the target while its step runs
        const target = t.store.targets.findByRepo(id, 'acme/a')!;
        t.store.targets.update(target.id, target.version, { state: 'skipped', stateReason: 'skipped by UOWNER1' }, clock);
        return { kind: 'done', patch: { prNumber: 7 } };
      },
    });
    const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence: createFixedConfidence().model });
    expect(report.outcomes['lost-race']).toBe(1);
    const target = t.store.targets.findByRepo(id, 'acme/a')!;
    expect(target.state).toBe('skipped');
    expect(target.prNumber).toBeNull();
    expect(t.store.steps.get(target.id, 0)).toBeUndefined();
  });

  test('a failure after merge pauses the campaign and offers a rollback once', async () => {
    const spec = makeSpec({ steps: ['open-pr', 'merge', 'bake'] });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b']] });
    const { registry } = createScriptedSteps({ bake: () => ({ kind: 'failed', reason: 'error rate doubled', retryable: false, data: { rollback: true } }) });
    await tickUntilSettled(registry, createFixedConfidence('auto').model, 5);
    const campaign = t.store.campaigns.get(id)!;
    expect(campaign.state).toBe('paused');
    expect(campaign.stateReason).toContain('error rate doubled');
    expect(t.store.gates.find(id, 0, 'rollback')?.state).toBe('open');
    const offers = t.store.outbox.list({ campaignId: id }).filter((m) => JSON.stringify(renderRow(t.store, m).args).includes('fleet.wave.revert'));
    expect(offers).toHaveLength(1);
  });

  test('a repository with a bad record in past campaigns of the change kind scores lower than a clean one', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/clean', 'acme/shaky', 'acme/new']] });
    const kind = t.store.campaigns.get(id)!.changeKind;
    for (let i = 0; i < 4; i++) {
      recordOutcome(t.store, { changeKind: kind, repo: 'acme/clean', succeeded: true, now: i });
      recordOutcome(t.store, { changeKind: kind, repo: 'acme/shaky', succeeded: i === 0, now: i });
    }
    // Another change kind's record is not this one's.
    recordOutcome(t.store, { changeKind: 'json-set', repo: 'acme/clean', succeeded: false, now: 9 });
    const { registry } = createScriptedSteps({ 'open-pr': () => ({ kind: 'done', patch: { prNumber: 1, signals: { checks: { value: 1, evidence: {} } } } }) });
    const confidence = createConfidenceModel(t.store);
    await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence });
    const clean = t.store.targets.findByRepo(id, 'acme/clean')!;
    const shaky = t.store.targets.findByRepo(id, 'acme/shaky')!;
    expect(clean.signals.history).toEqual({ value: 5 / 6, evidence: { successes: 4, failures: 0 } });
    expect(shaky.signals.history).toEqual({ value: 2 / 6, evidence: { successes: 1, failures: 3 } });
    // Checks 1 (weight 0.3) and history (0.15), shared out over 0.45: 94.4 against 77.8.
    expect(clean.score).toBe(94.4);
    expect(shaky.score).toBe(77.8);
    // No record yet: no history signal, so the checks alone decide, as for any signal not yet known.
    const fresh = t.store.targets.findByRepo(id, 'acme/new')!;
    expect(fresh.signals.history).toBeUndefined();
    expect(fresh.score).toBe(100);

    // The record as the campaign found it: a later outcome does not rewrite the signal of a target under way.
    recordOutcome(t.store, { changeKind: kind, repo: 'acme/clean', succeeded: false, now: 10 });
    clock += 1_000;
    await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence });
    expect(t.store.targets.findByRepo(id, 'acme/clean')!.signals.history).toEqual(clean.signals.history);
  });
});

describe('runTick with the real confidence model: a wave without scored targets', () => {
  let t: TempStore;
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    t = openTempStore();
    clock = 10_000;
  });
  afterEach(() => t.close());

  test('neither raises nor lowers confidence: the wave after it starts on the confidence the canaries earned', async () => {
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c', 'acme/d', 'acme/e', 'acme/f'] }, policy: { auto: 75, review: 60 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b', 'acme/c'], ['acme/d', 'acme/e'], ['acme/f']] });
    // The second wave's repositories need no change: skipped, with no score.
    const { registry } = createScriptedSteps({
      'open-pr': () => ({ kind: 'done', patch: { prNumber: 1, signals: { checks: { value: 1, evidence: {} } } } }),
      'open-pr:acme/d': () => ({ kind: 'done', skipTarget: 'lodash is already at 4.17.21' }),
      'open-pr:acme/e': () => ({ kind: 'done', skipTarget: 'lodash is already at 4.17.21' }),
    });
    const confidence = createConfidenceModel(t.store);
    const decisions: { wave: number; decision: string; confidence: number; reason: string }[] = [];
    for (let i = 0; i < 30 && t.store.campaigns.get(id)!.state === 'running'; i++) {
      const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now, limits: LIMITS, confidence });
      decisions.push(...report.waves.decisions);
      clock += 1_000;
    }
    // Wave 1: three scored 100, Beta(4, 1)'s 10th percentile 56.2 → 0.5 × 56.2 + 0.5 × 100 = 78.1.
    expect(decisions[0]).toMatchObject({ wave: 0, decision: 'auto' });
    expect(decisions[0].confidence).toBeCloseTo(78.1, 1);
    // Wave 2 has no scored target and no new outcome: on the posterior alone it would be 56.2 and halt.
    expect(decisions[1]).toMatchObject({ wave: 1, decision: 'auto', confidence: decisions[0].confidence });
    expect(decisions[1].reason).toContain('carried from wave 1, as wave 2 gave no new evidence');
    expect(t.store.campaigns.get(id)).toMatchObject({ state: 'completed' });
    expect(t.store.targets.findByRepo(id, 'acme/f')?.state).toBe('succeeded');
  });
});

describe('planOutcome', () => {
  test('a repeated wait records no new event', () => {
    const wait: StepResult = { kind: 'wait', until: 5, reason: 'checks running' };
    expect(planOutcome({ stepIndex: 1, pathLength: 3 }, wait, 'waiting', 0, {}).event).toBeNull();
    expect(planOutcome({ stepIndex: 1, pathLength: 3 }, wait, 'done', 0, {}).event).toBe('step.waiting');
  });

  test('done on the revert brick ends the target reverted', () => {
    expect(planOutcome({ stepIndex: 3, pathLength: 3 }, { kind: 'done' }, undefined, 0, {}).patch.state).toBe('reverted');
  });

  test('the backoff is capped', () => {
    const plan = planOutcome({ stepIndex: 0, pathLength: 3 }, { kind: 'failed', reason: 'x', retryable: true }, undefined, 0, { attempts: 8, maxAttempts: 20, backoffBaseMs: 1_000, backoffCapMs: 10_000 });
    expect(plan.patch.dueAt).toBe(10_000);
  });
});
