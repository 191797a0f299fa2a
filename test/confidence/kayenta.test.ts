import { describe, expect, it } from 'vitest';
import { judgeCanary } from '../../src/confidence/judge.js';
import { classifyKayenta, kayentaOutliers, meanRatio, scoreKayenta, type KayentaClassification } from '../../src/confidence/kayenta.js';
import cases from './fixtures/kayenta-classifier.json' with { type: 'json' };

// Kayenta's ClassifierSuite and ScorerSuite (kayenta-judge, Apache-2.0), ported: each case's series,
// classifier settings and the classification Kayenta's test expects. The mean-ratio cases only
// (Fleet does not port Kayenta's optional CLES effect size).

interface Case {
  name: string;
  experiment: number[] | null;
  control: number[] | null;
  tolerance: number;
  confidence: number;
  allowedIncrease?: number;
  allowedDecrease?: number;
  criticalIncrease?: number;
  criticalDecrease?: number;
  direction: 'increase' | 'decrease' | 'either';
  nanStrategy: 'remove' | 'replace';
  critical: boolean;
  expected: KayentaClassification | null;
  expectedCritical: boolean | null;
}

describe("Kayenta's classifier cases, through the reference implementation", () => {
  for (const c of cases as Case[]) {
    it(c.name, () => {
      const { experiment, control, name, expected, expectedCritical, ...options } = c;
      const r = classifyKayenta(experiment ?? [], control ?? [], options);
      if (expected !== null) expect(r.classification).toBe(expected);
      if (expectedCritical !== null) expect(r.critical).toBe(expectedCritical);
      if (expected === null) expect(r.reason, name).toBeTruthy();
    });
  }
});

describe("Kayenta's scorer cases", () => {
  const m = (classification: KayentaClassification, group = 'g', critical = false) => ({ group, classification, critical, reason: null });
  it('scores single metrics, groups, no-data groups and critical failures as WeightedSumScorer does', () => {
    expect(scoreKayenta([m('Pass')]).score).toBe(100);
    expect(scoreKayenta([m('High')]).score).toBe(0);
    const nodata = scoreKayenta([m('Nodata', 'nodata')]);
    expect(nodata.groups[0].score).toBe(0);
    expect(nodata.score).toBe(0);
    const two = scoreKayenta([m('Pass', 'pass'), m('Pass', 'pass'), m('Nodata', 'nodata')]);
    expect(two.groups.map((g) => g.score).sort((a, b) => a - b)).toEqual([0, 100]);
    expect(two.score).toBe(100);
    expect(scoreKayenta([m('Pass'), m('High')]).score).toBe(50);
    expect(scoreKayenta([m('Pass'), m('High'), m('Low')]).score).toBe(33.33);
    expect(scoreKayenta([m('Pass', 'group-1'), m('Pass', 'group-1'), m('High', 'group-2')], { 'group-1': 75, 'group-2': 25 }).score).toBe(75);
    expect(scoreKayenta([m('Pass', 'group-1'), m('High', 'group-1'), m('High', 'group-2')], { 'group-1': 50, 'group-2': 50 }).score).toBe(25);
    expect(scoreKayenta([m('Pass', 'group-1'), m('Nodata', 'group-1'), m('High', 'group-2')], { 'group-1': 50, 'group-2': 50 }).score).toBe(50);
    expect(scoreKayenta([m('Pass'), m('High', 'g', true)]).score).toBe(0);
    expect(scoreKayenta([m('Low'), m('Pass', 'g', true)]).score).toBe(50);
    expect(scoreKayenta([m('Pass'), m('Nodata', 'g', true)]).score).toBe(0);
    expect(scoreKayenta([m('High', 'group1'), m('Low', 'group1'), m('Pass', 'group1'), m('High', 'group2')], { group1: 15, group2: 85 }).score).toBe(5);
  });
});

describe('the reference helpers', () => {
  it("compute Kayenta's mean ratio and outlier fences", () => {
    expect(meanRatio([1, 2, 3], [2, 4, 6])).toBe(2);
    expect(meanRatio([0, 0], [1, 2])).toBeNaN();
    // Fences at min(p1, Q1 − 3·IQR) and max(p99, Q3 + 3·IQR).
    expect(kayentaOutliers([1, 2, 3, 4, 5, 6, 7, 8, 9, 100])).toEqual([false, false, false, false, false, false, false, false, false, true]);
  });

  it("judgeCanary's reference mode follows Kayenta's classifier and scorer", () => {
    const r = judgeCanary({
      metrics: [
        { name: 'a', group: 'x', canary: [20, 22, 21, 25, 30], baseline: [1, 2.2, 1.1, 2.5, 3], effectSize: 0 },
        { name: 'b', group: 'y', canary: [], baseline: [1, 2, 3], nanStrategy: 'replace' },
      ],
      mode: 'reference',
    });
    expect(r.metrics.map((x) => x.classification)).toEqual(['High', 'Pass']);
    // Group x scores 0, group y 100, equal weights: 50; Kayenta's classifier: fail below marginal.
    expect(r.score).toBe(50);
    expect(r.verdict).toBe('fail');
  });
});
