import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readSteps } from '../../src/engine/campaign-spec.js';
import { createConfidenceModel } from '../../src/engine/confidence.js';
import { advanceWaves } from '../../src/engine/waves.js';
import { gateStep } from '../../src/steps/gate.js';
import { makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from './helpers.js';

/** A marginal canary is weighed by a person, as its verdict says: the wave never merges on its own. */
describe('a marginal canary waits for a person at the wave gate', () => {
  let t: TempStore;
  const now = 2_000_000;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  const canary = (verdict: 'pass' | 'marginal', score: number) => ({ canary: { value: score / 100, evidence: { verdict, score, thresholds: { pass: 95, marginal: 75 }, reason: 'judged' } } });

  function seed(verdictOfB: 'pass' | 'marginal'): string {
    // auto at 70: two clean targets at the gate (Beta(3, 1) → 46.4, mean 95 → 70.7) pass on their own.
    const spec = makeSpec({ steps: ['open-pr', 'canary', 'gate', 'merge'], canary: { provider: 'simulated', metrics: [{ name: 'errors', direction: 'increase' }] }, policy: { auto: 70, review: 50 }, targets: { repos: ['acme/a', 'acme/b', 'acme/c'] } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b'], ['acme/c']], now });
    for (const [repo, signals] of [['acme/a', canary('pass', 100)], ['acme/b', canary(verdictOfB, 85)]] as const) {
      const target = t.store.targets.findByRepo(id, repo)!;
      t.store.targets.update(target.id, target.version, { state: 'waiting', stepIndex: 2, score: 95, signals, dueAt: now + 300_000 }, now);
    }
    return id;
  }

  const tick = () => advanceWaves({ store: t.store, now, confidence: createConfidenceModel(t.store) });

  test('the same wave with a passing canary merges on its own (the control)', () => {
    const id = seed('pass');
    tick();
    expect(t.store.gates.find(id, 0, 'wave')).toMatchObject({ state: 'approved', decision: 'auto' });
  });

  test('with a marginal canary the gate asks a person, saying which canary and what approving does', async () => {
    const id = seed('marginal');
    const report = tick();
    expect(report.decisions).toMatchObject([{ decision: 'review' }]);
    expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
    const gate = t.store.gates.find(id, 0, 'wave')!;
    expect(gate).toMatchObject({ state: 'open', decision: 'review' });
    expect(gate.confidence.reason).toBe(
      "Wave 1 needs an approval although its confidence 70.7 is at or above 70 (2 targets passed and none failed so far; wave 1's 2 scored targets have a mean score of 95; no past campaign of this change kind gives a history). The canary of acme/b scored 85, in the marginal band (above 75, below 95): Fleet does not merge it without a person, so approve the wave to merge it or reject it to halt the campaign",
    );
    const request = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.gateId === gate.id)!;
    expect(JSON.stringify(request.blocks)).toContain('The canary of acme/b scored 85, in the marginal band (above 75, below 95): Fleet does not merge it without a person');

    // Approved by a person, the gate step lets the weighed target go on to merge.
    t.store.gates.decide(gate.id, 'approved', 'UAPPROVER1', now + 1);
    const campaign = t.store.campaigns.get(id)!;
    const target = t.store.targets.findByRepo(id, 'acme/b')!;
    const ran = await gateStep.run({ campaign, spec: JSON.parse(campaign.specJson), target, step: readSteps(campaign)[2], stepIndex: 2, options: {}, state: {}, deps: { store: t.store }, now: now + 2 });
    expect(ran).toMatchObject({ kind: 'done', data: { decidedBy: 'UAPPROVER1' } });
  });
});
