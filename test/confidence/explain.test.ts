import { describe, expect, it } from 'vitest';
import { buildPooledPrior, buildPrior, decideWave } from '../../src/confidence/decide-wave.js';
import { explainTarget, explainWave } from '../../src/confidence/explain.js';
import { scoreTarget } from '../../src/confidence/score-target.js';

describe('explainTarget', () => {
  it('lists every signal with its weight and points, and the hard gate', () => {
    const b = explainTarget(scoreTarget({ checks: { value: 1, evidence: {} }, canary: { value: 0.9, evidence: {} } }));
    // Checks and canary weigh 0.3 each, shared out to 0.5 each: 50 + 45 = 95.
    expect(b.score).toBeCloseTo(95, 10);
    expect(b.signals[0]).toEqual({ name: 'Required checks', value: 1, weight: 0.5, contribution: 50 });
    expect(b.signals.find((s) => s.name === 'Compliance')).toEqual({ name: 'Compliance', value: null, weight: 0, contribution: 0 });
    expect(b.hardGates).toEqual([]);
    const gated = explainTarget(scoreTarget({ compliance: { value: 0, evidence: { violations: ['no-secrets'] } } }));
    expect(gated.hardGates).toEqual(['Compliance violation: no-secrets.']);
  });
});

describe('explainWave', () => {
  it('scales the factors to [0, 1] and carries the prior', () => {
    const b = explainWave(decideWave({ wave: 0, successes: 3, failures: 0, targetScores: [95, 95, 95], prior: buildPrior(90, 0, 9) }));
    expect(b.prior).toEqual({ a: 9, b: 1, campaigns: 9 });
    expect(b.signals.map((s) => s.name)).toEqual(['Campaign evidence', 'Wave target scores']);
    expect(b.signals[1].value).toBeCloseTo(0.95, 12);
    expect(b.decision).toBe('review');
    const pooled = buildPooledPrior({ successes: 22, failures: 2, campaigns: 3 }, { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps', successes: 2, failures: 2, campaigns: 1 });
    expect(explainWave(decideWave({ wave: 0, successes: 1, failures: 0, targetScores: [95], prior: pooled })).prior).toEqual({
      a: 7,
      b: 3,
      campaigns: 3,
      history: 'past lodash 4.x bumps (1 campaign) saw 2 of 4 targets succeed; other campaigns of this change kind saw 20 of 20 targets succeed and count for less',
    });
    const halted = explainWave(decideWave({ wave: 1, successes: 5, failures: 3, targetScores: [90], policy: { failureBudget: 2 } }));
    expect(halted.hardGates).toEqual(['3 failures exceed the failure budget of 2.']);
  });
});
