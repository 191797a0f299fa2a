import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService, type PlanWaves } from '../../src/campaigns/service.js';
import { learnPrior } from '../../src/confidence/history.js';
import { createConfidenceModel } from '../../src/engine/confidence.js';
import { runTick, type TickLimits } from '../../src/engine/tick.js';
import { advanceWaves } from '../../src/engine/waves.js';
import type { Gateway } from '../../src/github/gateway.js';
import { gateStep } from '../../src/steps/gate.js';
import { createStepRegistry, type RegisteredStep } from '../../src/steps/registry.js';
import type { StepResult } from '../../src/steps/types.js';
import type { Store } from '../../src/store/store.js';
import { makeSpec, openTempStore, seedCampaign, type TempStore } from './helpers.js';

interface Deps {
  store: Store;
}

const LIMITS: TickLimits = { maxTargets: 100, concurrency: 4, stepTimeoutMs: 5_000, backoffBaseMs: 1_000 };
const LODASH_4 = { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps' };

/** open-pr fails for the repositories named; merge always merges. */
function registryFailing(failing: readonly string[]) {
  const step = (kind: 'open-pr' | 'merge', run: (repo: string) => StepResult): RegisteredStep<Deps> => ({ kind, run: async (ctx) => run(ctx.target.repo) });
  return createStepRegistry<Deps>([
    step('open-pr', (repo) =>
      failing.includes(repo)
        ? { kind: 'failed', retryable: false, reason: 'the tests fail with the new lodash' }
        : { kind: 'done', patch: { prNumber: repo.length, prUrl: `https://example.test/${repo}/pull/1`, signals: { checks: { value: 1, evidence: {} } } } },
    ),
    step('merge', () => ({ kind: 'done', patch: { mergedSha: 'abc123' } })),
    gateStep,
  ]);
}

/** Only what resume and abort need; any other call fails the test. */
const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected gateway call ${String(name)}`);
    };
  },
});
const planWaves: PlanWaves = () => [];

describe('history of halted, aborted and resumed campaigns', () => {
  let t: TempStore;
  let clock: number;
  beforeEach(() => {
    t = openTempStore();
    clock = 10_000;
  });
  afterEach(() => t.close());

  const service = () =>
    createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec: makeSpec(), source: 'catalog:bump-lodash' }) },
      gateway,
      planWaves,
      admins: ['UADMIN1'],
      launchers: { users: ['UOWNER1'], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => clock,
      wake: () => undefined,
      newId: () => 'c-unused',
    });

  async function tickUntilSettled(registry: ReturnType<typeof registryFailing>, rounds = 20) {
    const confidence = createConfidenceModel(t.store);
    for (let i = 0; i < rounds; i++) {
      const report = await runTick({ store: t.store, registry, deps: { store: t.store }, now: () => clock, limits: LIMITS, confidence });
      clock += 1_000;
      if (report.picked === 0 && report.waves.decisions.length === 0 && (report.waves.started ?? []).length === 0) break;
    }
  }

  const kindRow = () => t.store.history.get('kind', '*', 'npm-dependency');
  const changeRow = () => t.store.history.get('kind', LODASH_4.key, 'npm-dependency');

  test('a halted campaign is recorded as it stands, once; resumed and completed, its record is replaced, not added to', async () => {
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c', 'acme/d'] }, policy: { failureBudget: 1, auto: 60, review: 10 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b', 'acme/c'], ['acme/d']] });
    const registry = registryFailing(['acme/c']);
    await tickUntilSettled(registry);

    // Two canaries at the gate, one failed: Fleet halts (Beta(3, 2) with no history).
    expect(t.store.campaigns.get(id)?.state).toBe('halted');
    // At the gate counts as passed so far, as the gate counted it; acme/d has not started.
    expect(kindRow()).toMatchObject({ successes: 2, failures: 1, campaigns: 1 });
    expect(changeRow()).toMatchObject({ successes: 2, failures: 1, campaigns: 1 });
    expect(t.store.history.get('repo', 'acme/c', 'npm-dependency')).toMatchObject({ successes: 0, failures: 1 });
    expect(t.store.history.get('repo', 'acme/d', 'npm-dependency')).toBeUndefined();

    // Recorded again (a crash before the tick's report, a second call): nothing changes.
    const model = createConfidenceModel(t.store);
    model.recordOutcome(t.store.campaigns.get(id)!, t.store.targets.list(id), clock);
    expect(kindRow()).toMatchObject({ successes: 2, failures: 1, campaigns: 1 });

    // A person resumes: Fleet weighs wave 1 again, on a prior without the campaign's own outcomes.
    await service().resume(id, 'UOWNER1');
    const reweighed = t.store.gates.find(id, 0, 'wave')!;
    expect(reweighed.confidence.prior).toMatchObject({ a0: 1, b0: 1, campaigns: 0 });
    // The failure is accepted with the resume, and the wave passes on the campaign's own evidence.
    expect(reweighed).toMatchObject({ state: 'approved', decidedBy: 'engine' });
    await tickUntilSettled(registry);
    expect(t.store.campaigns.get(id)?.state).toBe('completed');

    // a, b merged (unchanged), c failed (unchanged), d added: one campaign, four outcomes.
    expect(kindRow()).toMatchObject({ successes: 3, failures: 1, campaigns: 1 });
    expect(changeRow()).toMatchObject({ successes: 3, failures: 1, campaigns: 1 });
    expect(t.store.history.outcomes(id).map((o) => [o.repo, o.succeeded])).toEqual([
      ['acme/a', true],
      ['acme/b', true],
      ['acme/c', false],
      ['acme/d', true],
    ]);
  });

  test('an aborted campaign is recorded with its outcomes as they stood: the abort\'s own skips are none', async () => {
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c'] }, policy: { auto: 99, review: 10, failureBudget: 2 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b'], ['acme/c']] });
    await tickUntilSettled(registryFailing(['acme/b']));
    expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
    expect(kindRow()).toBeUndefined();

    await service().abort(id, 'UOWNER1', 'wrong version');
    expect(t.store.targets.list(id).map((x) => x.state)).toEqual(['skipped', 'failed', 'skipped']);
    // acme/a was at the gate (passed so far), acme/b failed, acme/c never started.
    expect(kindRow()).toMatchObject({ successes: 1, failures: 1, campaigns: 1 });
    expect(t.store.history.outcomes(id).map((o) => [o.repo, o.succeeded])).toEqual([
      ['acme/a', true],
      ['acme/b', false],
    ]);
  });

  test('a campaign aborted before any outcome is not a past campaign to learn from', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    await service().abort(id, 'UOWNER1');
    expect(kindRow()).toBeUndefined();
    expect(learnPrior(t.store, 'npm-dependency').campaigns).toBe(0);
  });

  test('a rejected wave halts the campaign and records it', async () => {
    const spec = makeSpec({ policy: { auto: 99, review: 10 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a'], ['acme/b']] });
    await tickUntilSettled(registryFailing([]));
    expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
    await service().reject(id, 'UOWNER1');
    expect(t.store.campaigns.get(id)?.state).toBe('halted');
    expect(kindRow()).toMatchObject({ successes: 1, failures: 0, campaigns: 1 });
  });

  test('a rollback that ends halts the campaign and records its reverted targets as failures', () => {
    const id = seedCampaign(t.store, { spec: makeSpec({ steps: ['open-pr', 'merge'] }), waves: [['acme/a', 'acme/b']] });
    const c = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, c.version, { state: 'rolling-back' }, clock);
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a.id, a.version, { state: 'reverted', stepIndex: 2, mergedSha: 'abc' }, clock);
    const b = t.store.targets.findByRepo(id, 'acme/b')!;
    t.store.targets.update(b.id, b.version, { state: 'succeeded', stepIndex: 2 }, clock);
    advanceWaves({ store: t.store, now: clock, confidence: createConfidenceModel(t.store) });
    expect(t.store.campaigns.get(id)?.state).toBe('halted');
    expect(kindRow()).toMatchObject({ successes: 1, failures: 1, campaigns: 1 });
    expect(t.store.history.get('repo', 'acme/a', 'npm-dependency')).toMatchObject({ successes: 0, failures: 1 });
  });

  test("the next campaign's gate draws on the same change's history first and says so", async () => {
    // Past: a lodash 4 campaign with failures, and many clean campaigns of other packages.
    const model = createConfidenceModel(t.store);
    const past = seedCampaign(t.store, { id: 'c-past', waves: [['acme/p1', 'acme/p2', 'acme/p3', 'acme/p4']] });
    const pastTargets = t.store.targets.list(past);
    for (const [i, target] of pastTargets.entries()) t.store.targets.update(target.id, target.version, { state: i < 2 ? 'succeeded' : 'failed' }, clock);
    model.recordOutcome(t.store.campaigns.get(past)!, t.store.targets.list(past), clock);
    const other = seedCampaign(t.store, {
      id: 'c-other',
      spec: makeSpec({ change: { kind: 'npm-dependency', options: { package: 'express', version: '4.21.0' } } }),
      waves: [Array.from({ length: 20 }, (_, i) => `acme/o${i}`)],
    });
    for (const target of t.store.targets.list(other)) t.store.targets.update(target.id, target.version, { state: 'succeeded' }, clock);
    model.recordOutcome(t.store.campaigns.get(other)!, t.store.targets.list(other), clock);

    const id = seedCampaign(t.store, { id: 'c-now', spec: makeSpec({ change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.22' } } }), waves: [['acme/a'], ['acme/b']] });
    await tickUntilSettled(registryFailing([]));
    const prior = t.store.gates.find(id, 0, 'wave')!.confidence.prior as Record<string, unknown>;
    // lodash 4: 2 of 4 take 4 of the prior's 8 (unscaled), express's 20 fill the other 4: Beta(1 + 2 + 4, 1 + 2).
    expect(prior).toMatchObject({ a0: 7, b0: 3, campaigns: 2, successes: 22, failures: 2, change: { key: LODASH_4.key, label: 'lodash 4.x bumps', successes: 2, failures: 2, campaigns: 1 } });
    const reason = String(t.store.gates.find(id, 0, 'wave')!.confidence.reason);
    expect(reason).toContain('past lodash 4.x bumps (1 campaign) saw 2 of 4 targets succeed; other campaigns of this change kind saw 20 of 20 targets succeed and count for less');
    // Kind alone would have been Beta(1 + 22·k, 1 + 2·k) with k = 8 / 24: far more sure of this change than its own record says.
    expect(learnPrior(t.store, 'npm-dependency').a0).toBeCloseTo(1 + 22 / 3, 10);
  });
});
