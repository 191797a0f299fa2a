import { describe, expect, it } from 'vitest';
import { buildPrior, decideWave, resolveFailureBudget, UNIFORM_PRIOR } from '../../src/confidence/decide-wave.js';
import { betaQuantile } from '../../src/confidence/distributions.js';

describe('decideWave', () => {
  it('sends a first canary wave of three clean targets to review', () => {
    const d = decideWave({ wave: 0, successes: 3, failures: 0, targetScores: [95, 95, 95] });
    // Posterior Beta(1 + 3, 1 + 0) = Beta(4, 1); its 10th percentile is 0.1^(1/4) = 0.56234 → 56.23.
    // Combined: 0.5 · 56.23 + 0.5 · 95 = 75.62 → between 60 and 90.
    expect(d.campaignConfidence).toBeCloseTo(56.234, 2);
    expect(d.confidence).toBeCloseTo(75.617, 2);
    expect(d.decision).toBe('review');
    expect(d.posterior).toEqual({ a: 4, b: 1 });
    expect(d.prior).toEqual(UNIFORM_PRIOR);
    expect(d.factors.map((f) => [f.name, f.weight])).toEqual([
      ['campaign', 0.5],
      ['wave', 0.5],
    ]);
    expect(d.reason).toBe(
      "Wave 1 needs an approval: confidence 75.6 is between 60 and 90 (3 targets passed and none failed so far; wave 1's 3 scored targets have a mean score of 95; no past campaign of this change kind gives a history)",
    );
  });

  it('proceeds on its own with a strong prior and a strong wave', () => {
    const prior = buildPrior(90, 0, 9);
    // 90 outcomes scaled to 8 so that a0 + b0 = 10: Beta(9, 1).
    expect(prior).toMatchObject({ a0: 9, b0: 1, capped: true });
    const d = decideWave({ wave: 1, successes: 13, failures: 0, targetScores: [96, 97, 98], prior });
    // Beta(22, 1): 0.1^(1/22) = 0.90063 → 90.06; mean 97; combined 93.53 → auto.
    expect(d.campaignConfidence).toBeCloseTo(90.063, 2);
    expect(d.confidence).toBeCloseTo(93.53, 1);
    expect(d.decision).toBe('auto');
  });

  it('halts below the review threshold', () => {
    const d = decideWave({ wave: 0, successes: 2, failures: 1, targetScores: [90, 90, 0], policy: { failureBudget: 5 } });
    // Beta(3, 2) 10th percentile ≈ 0.3205 → 32.05; mean 60; combined ≈ 46 → halt.
    expect(d.decision).toBe('halt');
    expect(d.reason).toMatch(/below 60/);
  });

  it('halts when the failure budget is exceeded whatever the confidence', () => {
    const d = decideWave({ wave: 2, successes: 100, failures: 6, targetScores: [100], targetCount: 100, policy: { failureBudget: '5%' } });
    expect(d.failureBudget).toEqual({ allowed: 5, used: 6, exceeded: true, projected: 6, remaining: 0 });
    expect(d.decision).toBe('halt');
    expect(d.reason).toContain('exceed the failure budget of 5');
  });

  it('halts before the budget is spent when even the low end of the failure rate would spend it', () => {
    // 3 of 23 failed, 177 targets left, a budget of 5% of 200 = 10. The failure rate's posterior is
    // Beta(1 + 3, 1 + 20); at its 5th percentile (5.9%) the rest would add about 10.4 failures.
    const low = betaQuantile(0.05, 4, 21);
    expect(low).toBeGreaterThan(0.05);
    expect(low).toBeLessThan(0.06);
    const d = decideWave({ wave: 1, successes: 20, failures: 3, targetScores: [100, 100, 0], targetCount: 200, remaining: 177, policy: { failureBudget: '5%' } });
    expect(d.failureBudget).toMatchObject({ allowed: 10, used: 3, exceeded: false, remaining: 177 });
    expect(d.failureBudget.projected).toBeCloseTo(3 + 177 * low, 10);
    expect(d.decision).toBe('halt');
    expect(d.reason).toBe(
      `Halt after wave 2: 3 of 23 targets failed so far; at ${Math.round(low * 1000) / 10}% (the rate this campaign fails at or above, 95% sure) the 177 targets left would bring it to ${Math.ceil(3 + 177 * low)} failures, past the failure budget of 10`,
    );
  });

  it('does not halt on one early failure that the budget can absorb', () => {
    const d = decideWave({ wave: 1, successes: 22, failures: 1, targetScores: [100, 100], targetCount: 200, remaining: 177, policy: { failureBudget: '5%' } });
    // Beta(2, 23) at its 5th percentile is under 2%: 1 + 177 × that stays under 10.
    expect(d.failureBudget.projected).toBeLessThan(10);
    expect(d.decision).not.toBe('halt');
  });

  it('uses the campaign evidence alone for an empty wave', () => {
    const d = decideWave({ wave: 1, successes: 3, failures: 0, targetScores: [] });
    expect(d.waveMean).toBeNull();
    expect(d.confidence).toBeCloseTo(d.campaignConfidence, 10);
  });

  it('honours custom thresholds', () => {
    const d = decideWave({ wave: 0, successes: 3, failures: 0, targetScores: [95, 95, 95], policy: { auto: 70, review: 50 } });
    expect(d.decision).toBe('auto');
  });
});

describe('buildPrior and resolveFailureBudget', () => {
  it('keeps small histories as they are', () => {
    expect(buildPrior(3, 1, 1)).toMatchObject({ a0: 4, b0: 2, capped: false });
  });

  it('scales large histories to the cap, keeping the rate', () => {
    const p = buildPrior(60, 20, 5);
    // 80 outcomes scaled by 8/80 = 0.1: Beta(1 + 6, 1 + 2).
    expect(p.a0).toBeCloseTo(7, 12);
    expect(p.b0).toBeCloseTo(3, 12);
  });

  it('turns a percentage into a count, rounding up', () => {
    expect(resolveFailureBudget('5%', 30)).toBe(2);
    expect(resolveFailureBudget('10%', 100)).toBe(10);
    expect(resolveFailureBudget(3, 1000)).toBe(3);
  });

  it('a first wave without evidence (every canary needed no change) asks a person instead of halting on the prior alone', () => {
    const d = decideWave({ wave: 0, successes: 0, failures: 0, targetScores: [], waveTargets: 2, skipped: 2, policy: { review: 50 } });
    expect(d.decision).toBe('review');
    expect(d.carried).toEqual({ from: null });
    expect(d.reason).toBe(
      "Wave 1 gave no evidence to measure confidence on (there is no evidence yet: no target has passed or failed, wave 1's 2 targets were all skipped (needing no change, or skipped by a person), and no past campaign of this change kind gives a history), so it neither raises nor lowers confidence: approve to go on to the next wave, whose targets give the first evidence, or reject it to halt the campaign",
    );
  });

  it('a later wave without scored targets or new outcomes carries the previous confidence, in both directions', () => {
    const high = decideWave({ wave: 1, successes: 3, failures: 0, targetScores: [], waveTargets: 2, skipped: 2, previous: { wave: 0, confidence: 92.4, successes: 3, failures: 0 } });
    expect(high).toMatchObject({ decision: 'auto', confidence: 92.4, carried: { from: 0 } });
    expect(high.reason).toMatch(/^Wave 2 passed: confidence 92.4 is at or above 90 \(carried from wave 1, as wave 2 gave no new evidence/);
    // Without a previous decision to carry, the same wave would be judged on the posterior alone: Beta(4, 1) → 56.2, below the review threshold's 60.
    const bare = decideWave({ wave: 1, successes: 3, failures: 0, targetScores: [], waveTargets: 2, skipped: 2 });
    expect(bare.decision).toBe('halt');
    expect(bare.confidence).toBeCloseTo(56.2, 1);
    const mid = decideWave({ wave: 2, successes: 3, failures: 0, targetScores: [], previous: { wave: 1, confidence: 70, successes: 3, failures: 0 } });
    expect(mid).toMatchObject({ decision: 'review', confidence: 70 });
    const low = decideWave({ wave: 2, successes: 3, failures: 0, targetScores: [], previous: { wave: 1, confidence: 40, successes: 3, failures: 0 } });
    expect(low).toMatchObject({ decision: 'halt', confidence: 40 });
  });

  it('a wave with a new outcome or a scored target is weighed on it, not carried', () => {
    const previous = { wave: 0, confidence: 95, successes: 3, failures: 0 };
    const failed = decideWave({ wave: 1, successes: 3, failures: 1, targetScores: [], targetCount: 100, previous });
    expect(failed.carried).toBeUndefined();
    expect(failed.confidence).not.toBe(95);
    const scored = decideWave({ wave: 1, successes: 4, failures: 0, targetScores: [20], previous });
    expect(scored.carried).toBeUndefined();
    expect(scored.decision).toBe('halt');
  });

  it('names the history behind the prior', () => {
    const d = decideWave({ wave: 1, successes: 4, failures: 1, targetScores: [90], prior: buildPrior(9, 1, 1) });
    expect(d.reason).toContain("(4 targets passed and 1 failed so far; wave 2's one scored target has a score of 90; 1 past campaign of this change kind saw 9 of 10 targets succeed)");
  });

  it('failures a person accepted on resume do not halt again; one more does', () => {
    const accepted = { wave: 0, successes: 10, failures: 3, targetScores: [95], targetCount: 40, remaining: 27, policy: { failureBudget: 2 }, acceptedFailures: 3 };
    const same = decideWave(accepted);
    expect(same.failureBudget).toMatchObject({ allowed: 3, exceeded: false });
    expect(same.decision).not.toBe('halt');
    const more = decideWave({ ...accepted, failures: 4 });
    expect(more.decision).toBe('halt');
    expect(more.reason).toBe('Halt after wave 1: 4 failed targets exceed the 3 failures accepted when the campaign was resumed (the failure budget is 2)');
  });

  it('a marginal canary keeps a wave from passing on its own, and the reason says what approving does', () => {
    const strong = { wave: 1, successes: 13, failures: 0, targetScores: [96, 97, 98], prior: buildPrior(90, 0, 9) };
    expect(decideWave(strong).decision).toBe('auto');
    const d = decideWave({ ...strong, marginal: [{ repo: 'acme/api', score: 85, thresholds: { pass: 95, marginal: 75 } }] });
    expect(d.decision).toBe('review');
    expect(d.marginal).toHaveLength(1);
    expect(d.reason).toMatch(
      /^Wave 2 needs an approval although its confidence 93\.5 is at or above 90 \(.*\)\. The canary of acme\/api scored 85, in the marginal band \(above 75, below 95\): Fleet does not merge it without a person, so approve the wave to merge it or reject it to halt the campaign$/,
    );
  });
});
