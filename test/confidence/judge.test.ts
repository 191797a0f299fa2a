import { describe, expect, it } from 'vitest';
import { judgeCanary, suspectCap, type JudgeInput } from '../../src/confidence/judge.js';
import { mannWhitney } from '../../src/confidence/mann-whitney.js';
import { isFleetError } from '../../src/errors.js';
import { createRandom } from '../../src/metrics/random.js';

function noisy(seed: number, n: number, mean: number, sd: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => mean + sd * random.normal());
}

type Metric = JudgeInput['metrics'][number];

function metric(overrides: Partial<Metric> & Pick<Metric, 'canary' | 'baseline'>): Metric {
  return { name: 'latency', group: 'latency', direction: 'either', critical: false, ...overrides };
}

function judgeOne(m: Metric) {
  return judgeCanary({ metrics: [m], thresholds: { pass: 95, marginal: 75 } });
}

/** A metric that passes, beside the one under test. */
function withSteady(m: Metric) {
  const steady = metric({ name: 'p99', group: 'latency', canary: noisy(50, 60, 50, 2), baseline: noisy(51, 60, 50, 2) });
  return judgeCanary({ metrics: [m, steady], thresholds: { pass: 95, marginal: 75 } });
}

describe('classification', () => {
  it('passes two samples from the same distribution', () => {
    const r = judgeOne(metric({ canary: noisy(1, 60, 100, 5), baseline: noisy(2, 60, 100, 5) }));
    expect(r.metrics[0].classification).toBe('Pass');
    expect(r.metrics[0].warnings).toEqual([]);
    expect(r).toMatchObject({ score: 100, verdict: 'pass' });
    const stats = r.metrics[0].statistics;
    expect(stats.mannWhitney!.lower).toBeLessThan(0);
    expect(stats.mannWhitney!.upper).toBeGreaterThan(0);
    expect(stats.canary.count).toBe(60);
  });

  it('classifies a 30% increase High, with the statistics behind it', () => {
    const r = judgeOne(metric({ direction: 'increase', canary: noisy(3, 60, 130, 5), baseline: noisy(4, 60, 100, 5) }));
    const m = r.metrics[0];
    expect(m).toMatchObject({ classification: 'High', decidedBy: 'level' });
    expect(m.statistics.mannWhitney!.estimate).toBeGreaterThan(25);
    expect(m.statistics.mannWhitney!.lower).toBeGreaterThan(m.statistics.band!.upper);
    expect(m.statistics.relativeShift!).toBeGreaterThan(0.25);
    expect(m.reason).toMatch(/^Canary higher than baseline: shift/);
    expect(r).toMatchObject({ score: 0, verdict: 'fail' });
  });

  it('honours the direction', () => {
    const up = { canary: noisy(5, 60, 130, 5), baseline: noisy(6, 60, 100, 5) };
    const down = { canary: noisy(7, 60, 70, 5), baseline: noisy(8, 60, 100, 5) };
    expect(judgeOne(metric({ ...up, direction: 'decrease' })).metrics[0].classification).toBe('Pass');
    expect(judgeOne(metric({ ...up, direction: 'either' })).metrics[0].classification).toBe('High');
    expect(judgeOne(metric({ ...down, direction: 'decrease' })).metrics[0].classification).toBe('Low');
    expect(judgeOne(metric({ ...down, direction: 'either' })).metrics[0].classification).toBe('Low');
    expect(judgeOne(metric({ ...down, direction: 'increase' })).metrics[0].classification).toBe('Pass');
  });

  it('ignores a significant shift smaller than the effect size', () => {
    const data = { canary: noisy(9, 200, 105, 1), baseline: noisy(10, 200, 100, 1) };
    const loose = judgeOne(metric({ ...data, effectSize: 0.1 })).metrics[0];
    expect(loose.statistics.mannWhitney!.pValue).toBeLessThan(1e-6);
    expect(loose.classification).toBe('Pass');
    expect(judgeOne(metric({ ...data, effectSize: 0.02 })).metrics[0].classification).toBe('High');
  });

  it('passes identical data', () => {
    const r = judgeOne(metric({ canary: [1, 2, 3], baseline: [3, 2, 1] }));
    expect(r.metrics[0]).toMatchObject({ classification: 'Pass', decidedBy: 'identical' });
  });

  it('classifies a metric without points NoData and only counts it when it must have data', () => {
    const withData = metric({ name: 'ok', canary: noisy(11, 60, 10, 1), baseline: noisy(12, 60, 10, 1) });
    const loose = judgeCanary({
      metrics: [withData, metric({ name: 'a', canary: [], baseline: [1] }), metric({ name: 'b', canary: noisy(13, 60, 130, 5), baseline: noisy(14, 60, 100, 5) })],
      thresholds: { pass: 95, marginal: 75 },
    });
    expect(loose.metrics[1]).toMatchObject({ classification: 'NoData', reason: 'No data: the canary has no points.' });
    // Group 'latency': Pass 1, High 1, NoData 1 not required → 1 / 2 = 50.
    expect(loose.groups[0]).toMatchObject({ score: 50, counts: { Pass: 1, High: 1, Low: 0, NoData: 1 } });

    const strict = judgeCanary({
      metrics: [withData, metric({ name: 'a', mustHaveData: true, canary: [NaN, null], baseline: [1] }), metric({ name: 'c', canary: noisy(15, 60, 10, 1), baseline: noisy(16, 60, 10, 1) })],
      thresholds: { pass: 95, marginal: 75 },
    });
    // Pass 2, NoData that must have data 1 → 2 / 3 = 66.7.
    expect(strict.groups[0].score).toBeCloseTo(200 / 3, 10);
  });
});

describe('summary', () => {
  const pass = (name: string, group: string, seed: number): Metric => metric({ name, group, canary: noisy(seed, 60, 50, 2), baseline: noisy(seed + 1, 60, 50, 2) });
  const fail = (name: string, group: string, seed: number, critical = false): Metric =>
    metric({ name, group, critical, direction: 'increase', canary: noisy(seed, 60, 80, 2), baseline: noisy(seed + 1, 60, 50, 2) });

  it('weighs the groups and applies the thresholds', () => {
    const metrics = [pass('p50', 'latency', 20), pass('p99', 'latency', 22), fail('5xx', 'errors', 24), pass('4xx', 'errors', 26)];
    const r = judgeCanary({ metrics, thresholds: { pass: 95, marginal: 75 }, groupWeights: { latency: 60, errors: 40 } });
    // latency 100 × 0.6 + errors 50 × 0.4 = 80 → above marginal 75, below pass 95.
    expect(r.groups.map((g) => [g.name, g.score, g.weight])).toEqual([
      ['latency', 100, 60],
      ['errors', 50, 40],
    ]);
    expect(r.score).toBeCloseTo(80, 10);
    expect(r.verdict).toBe('marginal');
    expect(r.reason).toBe('1 of 4 metrics moved: 5xx High.');
    expect(judgeCanary({ metrics, thresholds: { pass: 80, marginal: 75 }, groupWeights: { latency: 60, errors: 40 } }).verdict).toBe('pass');
    // At the marginal threshold exactly: fail (the confidence metric gates "at or below").
    expect(judgeCanary({ metrics, thresholds: { pass: 95, marginal: 80 }, groupWeights: { latency: 60, errors: 40 } }).verdict).toBe('fail');
    // Without weights the groups weigh the same: (100 + 50) / 2 = 75 → fail at marginal 75.
    expect(judgeCanary({ metrics, thresholds: { pass: 95, marginal: 75 } }).score).toBeCloseTo(75, 10);
  });

  it('lets unweighted groups share what is left of 100', () => {
    const metrics = [pass('p50', 'latency', 30), fail('5xx', 'errors', 32), pass('cpu', 'saturation', 34)];
    const r = judgeCanary({ metrics, thresholds: { pass: 95, marginal: 75 }, groupWeights: { latency: 50 } });
    // errors and saturation get 25 each: (100·50 + 0·25 + 100·25) / 100 = 75.
    expect(r.groups.map((g) => g.weight)).toEqual([50, 25, 25]);
    expect(r.score).toBeCloseTo(75, 10);
  });

  it('scores 0 on any critical failure', () => {
    const r = judgeCanary({ metrics: [pass('p50', 'latency', 40), pass('p99', 'latency', 42), fail('5xx', 'errors', 44, true)], thresholds: { pass: 95, marginal: 75 } });
    expect(r).toMatchObject({ score: 0, verdict: 'fail' });
    expect(r.reason).toMatch(/^Critical metric 5xx \(High\) failed/);
  });

  it('scores 0 when a critical metric has no data', () => {
    const r = judgeCanary({ metrics: [pass('p50', 'latency', 46), metric({ name: 'errors', critical: true, canary: [], baseline: [] })], thresholds: { pass: 95, marginal: 75 } });
    expect(r.score).toBe(0);
  });

  it('scores 0 when half the metrics have no data', () => {
    const r = judgeCanary({
      metrics: [pass('p50', 'latency', 50), pass('p99', 'latency', 52), metric({ name: 'x', canary: [], baseline: [1] }), metric({ name: 'y', canary: [1], baseline: [] })],
      thresholds: { pass: 95, marginal: 75 },
    });
    expect(r.score).toBe(0);
    expect(r.reason).toBe('2 of 4 metrics have no data; check the queries and that the canary receives traffic.');
    const one = judgeCanary({ metrics: [{ name: 'errors', canary: [], baseline: [] }] });
    expect(one.reason).toBe('1 of 1 metric has no data; check the queries and that the canary receives traffic.');
  });
});

describe('weak spots of the reference judge', () => {
  it('does not pass a few errors in the canary where the baseline had none: it holds them at marginal', () => {
    const baseline = Array<number>(60).fill(0);
    const canary = Array<number>(60).fill(0);
    canary[12] = 1;
    canary[40] = 2;
    canary[55] = 1;
    // A rank test alone sees a median shift of 0 with an interval of [0, 0]: it would pass.
    const mw = mannWhitney(canary, baseline, 0.98);
    expect([mw.estimate, mw.lower, mw.upper]).toEqual([0, 0, 0]);
    const r = withSteady(metric({ name: 'errors', group: 'errors', direction: 'increase', critical: true, canary, baseline }));
    expect(r.metrics[0]).toMatchObject({ classification: 'High', decidedBy: 'new-errors' });
    // Fisher: all 3 non-zero points in the canary by chance, C(60,3) / C(120,3) = 34220 / 280840.
    expect(r.metrics[0].statistics.sparse).toMatchObject({ canaryNonZero: 3, baselineNonZero: 0 });
    expect(r.metrics[0].statistics.sparse!.pMore).toBeCloseTo(34220 / 280840, 12);
    // Not significant, so not a critical failure; but the summary cannot pass either.
    expect(r.verdict).toBe('marginal');
    expect(r.score).toBe(suspectCap({ pass: 95, marginal: 75 }));
    expect(r.score).toBe(85);
    expect(r.reason).toBe(
      '1 of 2 metrics pass. Errors where the baseline had none (errors in 3 of 60 canary points) are too few to prove a regression and too many to pass: the score is held at 85, in the marginal band, so Fleet does not merge this target until a person approves its wave.',
    );
  });

  it('holds a canary whose only metric is suspect at marginal too', () => {
    const baseline = Array<number>(20).fill(0);
    const canary = Array<number>(20).fill(0);
    for (const i of [3, 9, 15]) canary[i] = 1;
    const r = judgeOne(metric({ name: 'errors', group: 'errors', direction: 'increase', critical: true, canary, baseline }));
    expect(r.metrics[0].decidedBy).toBe('new-errors');
    expect(r).toMatchObject({ score: 85, verdict: 'marginal' });
    expect(r.reason).toContain('0 of 1 metrics pass. Errors where the baseline had none (errors in 3 of 20 canary points)');
  });

  it('fails errors where the baseline had none once they are significant', () => {
    const baseline = Array<number>(30).fill(0);
    const canary = Array<number>(30).fill(0);
    for (const i of [2, 7, 11, 19, 23, 28]) canary[i] = 1;
    // Alone, C(30,6) / C(60,6) = 593775 / 50063860 ≈ 0.012 is under α = 0.02.
    const alone = judgeOne(metric({ name: 'errors', group: 'errors', direction: 'increase', critical: true, canary, baseline }));
    expect(alone.metrics[0].statistics.sparse!.pMore).toBeCloseTo(593775 / 50063860, 12);
    expect(alone.metrics[0]).toMatchObject({ classification: 'High', decidedBy: 'sparse' });
    // Beside a second metric Holm judges the smallest p-value at α / 2 = 0.01: 0.012 is no longer
    // enough, and the errors are only suspect; a seventh error point, C(30,7) / C(60,7) ≈ 0.0053, is.
    const held = withSteady(metric({ name: 'errors', group: 'errors', direction: 'increase', critical: true, canary, baseline }));
    expect(held.metrics[0]).toMatchObject({ classification: 'High', decidedBy: 'new-errors' });
    expect(held.metrics[0].statistics.alpha).toBeCloseTo(0.01, 12);
    expect(held.verdict).toBe('marginal');
    canary[15] = 1;
    const r = withSteady(metric({ name: 'errors', group: 'errors', direction: 'increase', critical: true, canary, baseline }));
    expect(r.metrics[0].statistics.sparse!.pMore).toBeCloseTo(2035800 / 386206920, 12);
    expect(r.metrics[0]).toMatchObject({ classification: 'High', decidedBy: 'sparse' });
    expect(r.verdict).toBe('fail');
    expect(r.score).toBe(0);
  });

  it('fails a significant rise in the share of non-zero points', () => {
    const baseline = Array.from({ length: 100 }, (_, i) => (i % 25 === 0 ? 1 : 0)); // 4 of 100
    const canary = Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? 1 : 0)); // 20 of 100
    const m = judgeOne(metric({ name: 'errors', direction: 'increase', canary, baseline })).metrics[0];
    expect(m.classification).toBe('High');
    expect(m.statistics.sparse!.pMore).toBeLessThan(0.02);
  });

  it('fails a burst of events in as many points as the baseline', () => {
    const baseline = Array<number>(60).fill(0);
    const canary = Array<number>(60).fill(0);
    for (const i of [5, 25, 45]) {
      baseline[i] = 1;
      canary[i + 1] = 10;
    }
    const m = judgeOne(metric({ name: 'errors', direction: 'increase', canary, baseline })).metrics[0];
    // Same number of non-zero points (Fisher p ≈ 0.66), but 30 events against 3: with equal rates the
    // canary's share of 33 events is Binomial(33, 1/2), and P(X ≥ 30) = (C(33,30) + C(33,31) + C(33,32) + 1) / 2^33 = (5456 + 528 + 33 + 1) / 2^33 = 6018 / 2^33 ≈ 7.0e-7.
    expect(m.statistics.sparse!.pMore).toBeGreaterThan(0.5);
    expect(m.statistics.sparse!.pTotalMore).toBeCloseTo(6018 / 2 ** 33, 12);
    expect(m.classification).toBe('High');
  });

  it('passes a single error blip with a warning', () => {
    const baseline = Array<number>(60).fill(0);
    const canary = Array<number>(60).fill(0);
    canary[30] = 1;
    const m = judgeOne(metric({ name: 'errors', direction: 'increase', canary, baseline })).metrics[0];
    expect(m.classification).toBe('Pass');
    expect(m.warnings).toEqual(['errors: non-zero in 1 canary point where the baseline had none; fewer than 3, not enough to fail on.']);
  });

  it('warns about short series and lowers their weight', () => {
    const short = metric({ name: 'short', canary: noisy(60, 20, 10, 1), baseline: noisy(61, 20, 10, 1) });
    const bad = metric({ name: 'long', direction: 'increase', canary: noisy(62, 60, 20, 1), baseline: noisy(63, 60, 10, 1) });
    const r = judgeCanary({ metrics: [short, bad], thresholds: { pass: 95, marginal: 75 } });
    expect(r.metrics[0].weight).toBeCloseTo(0.4, 12);
    expect(r.warnings).toEqual(['short: only 20 points (fewer than 50); its weight in the group is lowered to 0.40.']);
    // Pass weight 0.4 of 1.4 in the group: 28.57.
    expect(r.score).toBeCloseTo((0.4 / 1.4) * 100, 10);
  });

  it('fails a change in spread without a change in level', () => {
    const canary = noisy(70, 80, 100, 12);
    const baseline = noisy(71, 80, 100, 3);
    const m = judgeOne(metric({ canary, baseline })).metrics[0];
    expect(m.statistics.mannWhitney!.lower).toBeLessThanOrEqual(m.statistics.band!.upper);
    expect(m).toMatchObject({ classification: 'High', decidedBy: 'spread' });
    expect(m.statistics.spread!.ratio).toBeGreaterThan(1.5);
    expect(m.statistics.spread!.pValue).toBeLessThan(0.02);
  });
});

describe('cleaning', () => {
  it('removes or replaces NaNs', () => {
    const canary = [1, NaN, 2, null, 3, Infinity, -Infinity];
    const removed = judgeOne(metric({ canary, baseline: [1, 2, 3] })).metrics[0].statistics.canary;
    expect(removed).toMatchObject({ count: 3, missing: 4 });
    const replaced = judgeOne(metric({ canary, baseline: [1, 2, 3], nanStrategy: 'replace' })).metrics[0].statistics.canary;
    expect(replaced).toMatchObject({ count: 7, missing: 4, median: 0 });
  });

  it('removes outliers beyond three interquartile ranges when asked', () => {
    const baseline = noisy(80, 60, 100, 2);
    const canary = [...noisy(81, 59, 100, 2), 10_000];
    const kept = judgeOne(metric({ canary, baseline })).metrics[0].statistics.canary;
    const dropped = judgeOne(metric({ canary, baseline, outliers: 'remove' })).metrics[0].statistics.canary;
    expect(kept.outliersRemoved).toBe(0);
    expect(dropped).toMatchObject({ outliersRemoved: 1, count: 59 });
  });
});

describe('reference mode', () => {
  it("judges as the reference judge: the weak spots pass", () => {
    const baseline = Array<number>(60).fill(0);
    const errors = Array<number>(60).fill(0);
    errors[12] = 1;
    errors[40] = 2;
    errors[55] = 1;
    const spread = { canary: noisy(70, 80, 100, 12), baseline: noisy(71, 80, 100, 3) };
    const short = metric({ name: 'short', canary: noisy(60, 20, 10, 1), baseline: noisy(61, 20, 10, 1) });
    const r = judgeCanary({
      metrics: [metric({ name: 'errors', direction: 'increase', canary: errors, baseline }), metric({ name: 'jitter', ...spread }), short],
      thresholds: { pass: 95, marginal: 75 },
      mode: 'reference',
    });
    expect(r.metrics.map((m) => m.classification)).toEqual(['Pass', 'Pass', 'Pass']);
    expect(r.metrics[2]).toMatchObject({ weight: 1, warnings: [] });
    expect(r.verdict).toBe('pass');
  });
});

describe('long series', () => {
  it('thins series beyond 1,000 points for the rank test and says so', () => {
    const r = judgeOne(metric({ direction: 'increase', canary: noisy(90, 3000, 120, 5), baseline: noisy(91, 3000, 100, 5) }));
    const m = r.metrics[0];
    expect(m.classification).toBe('High');
    expect(m.statistics.canary.count).toBe(3000);
    expect(m.warnings).toEqual(['latency: series thinned to 1000 points each for the rank test.']);
  });
});

describe('input', () => {
  it('refuses invalid input with a sentence naming the fields', () => {
    try {
      judgeCanary({ metrics: [], thresholds: { pass: 50, marginal: 80 } });
      expect.unreachable();
    } catch (error) {
      expect(isFleetError(error, 'bad_input')).toBe(true);
      expect((error as Error).message).toContain('metrics: give at least one metric');
      expect((error as Error).message).toContain('thresholds.marginal');
    }
  });
});
