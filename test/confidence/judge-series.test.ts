import { describe, expect, it } from 'vitest';
import { pooledDependence, serialDependence } from '../../src/confidence/autocorrelation.js';
import { judgeCanary, type JudgeInput } from '../../src/confidence/judge.js';
import { createRandom } from '../../src/metrics/random.js';

type Metric = JudgeInput['metrics'][number];

function uniform(seed: number, n: number, lo: number, hi: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * random.next());
}

/** A stationary AR(1) latency series: 120 ms · exp(0.3 z_t). */
function ar1Latency(seed: number, n: number, rho: number, factor = 1): number[] {
  const random = createRandom(seed);
  let z = random.normal();
  return Array.from({ length: n }, (_, t) => {
    if (t > 0) z = rho * z + Math.sqrt(1 - rho * rho) * random.normal();
    return 120 * factor * Math.exp(0.3 * z);
  });
}

describe('autocorrelation', () => {
  it('finds no dependence in independent points and strong dependence in an AR(1) at 0.9', () => {
    const independent = serialDependence(uniform(3, 60, 0, 1));
    expect(independent).toMatchObject({ rho: 0, inflation: 1, effectivePoints: 60 });
    const [canary, baseline] = pooledDependence([ar1Latency(4, 60, 0.9), ar1Latency(5, 60, 0.9)]);
    expect(canary.rho).toBeGreaterThan(0.7);
    expect(canary.inflation).toBeGreaterThan(8);
    expect(canary.effectivePoints).toBeLessThan(8);
    // Pooled: the same correlation for both tracks.
    expect(baseline.rho).toBe(canary.rho);
    // Too short to estimate: independent.
    expect(serialDependence([1, 2, 3, 4, 5])).toMatchObject({ inflation: 1 });
  });

  it('fails far fewer healthy AR(1) canaries than the reference judge, and still catches most canaries twice as slow', () => {
    let fleet = 0;
    let reference = 0;
    let caught = 0;
    for (let seed = 0; seed < 150; seed++) {
      const baseline = ar1Latency(10_000 + seed, 60, 0.9);
      const metric = (canary: number[]): Metric => ({ name: 'p99', group: 'latency', kind: 'latency', direction: 'increase', canary, baseline });
      const healthy = ar1Latency(20_000 + seed, 60, 0.9);
      if (judgeCanary({ metrics: [metric(healthy)] }).verdict === 'fail') fleet++;
      if (judgeCanary({ metrics: [{ ...metric(healthy), effectSize: 0 }], mode: 'reference' }).verdict === 'fail') reference++;
      if (judgeCanary({ metrics: [metric(ar1Latency(20_000 + seed, 60, 0.9, 2))] }).verdict === 'fail') caught++;
    }
    expect(reference).toBeGreaterThan(15);
    expect(fleet).toBeLessThanOrEqual(reference / 2);
    expect(caught).toBeGreaterThan(75);
  });

  it('says when a series counts as fewer independent points', () => {
    const r = judgeCanary({ metrics: [{ name: 'p99', kind: 'latency', canary: ar1Latency(7, 60, 0.9), baseline: ar1Latency(8, 60, 0.9) }] });
    expect(r.metrics[0].statistics.dependence!.canary.inflation).toBeGreaterThan(2);
    expect(r.metrics[0].statistics.mannWhitney!.inflation).toBeGreaterThan(2);
    expect(r.warnings.join(' ')).toMatch(/^p99: the series follow their own past \(lag-1 autocorrelation 0\.\d+\): 60 and 60 points count as about \d/);
  });
});

describe('the spread rule', () => {
  it("passes Kayenta's integration case, baseline uniform 40–44 against canary 39–45, on all 20 seeds", () => {
    for (const n of [60, 120]) {
      for (let seed = 1; seed <= 20; seed++) {
        const r = judgeCanary({ metrics: [{ name: 'latency', canary: uniform(1000 + seed, n, 39, 45), baseline: uniform(seed, n, 40, 44) }] });
        expect(r.metrics[0].statistics.spread).not.toBeNull();
        expect(r.verdict, `seed ${seed}, ${n} points: ${r.metrics[0].reason}`).toBe('pass');
      }
    }
  });

  it('still fails a canary twice as spread or more', () => {
    let failed = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = judgeCanary({ metrics: [{ name: 'latency', canary: uniform(1000 + seed, 60, 36, 48), baseline: uniform(seed, 60, 40, 44) }] });
      if (r.metrics[0].decidedBy === 'spread') failed++;
    }
    expect(failed).toBe(20);
  });
});

describe('metric kind', () => {
  const baseline = Array<number>(60).fill(0);
  const canary = Array<number>(60).fill(0);
  for (const i of [5, 25, 45]) {
    baseline[i] = 1;
    canary[i + 1] = 10;
  }
  const perSecond = (series: number[]) => series.map((v) => v / 60);

  it('tests the totals of counts only: the same errors per second or per minute get the same verdict as a rate', () => {
    const asCount = judgeCanary({ metrics: [{ name: 'errors', kind: 'count', direction: 'increase', canary, baseline }] }).metrics[0];
    expect(asCount).toMatchObject({ classification: 'High', decidedBy: 'sparse' });
    expect(asCount.statistics.sparse!.pTotalMore).toBeLessThan(1e-5);
    const perMinute = judgeCanary({ metrics: [{ name: 'errors', kind: 'rate', direction: 'increase', canary, baseline }] }).metrics[0];
    const perSec = judgeCanary({ metrics: [{ name: 'errors', kind: 'rate', direction: 'increase', canary: perSecond(canary), baseline: perSecond(baseline) }] }).metrics[0];
    expect(perMinute.classification).toBe(perSec.classification);
    expect(perMinute.statistics.sparse!.pTotalMore).toBe(1);
    expect(perMinute.reason).not.toContain('totals');
  });

  it('without a kind, takes non-negative integers for counts and anything else for a rate', () => {
    const integers = judgeCanary({ metrics: [{ name: 'errors', direction: 'increase', canary, baseline }] }).metrics[0];
    expect(integers.statistics.sparse!.pTotalMore).toBeLessThan(1e-5);
    const fractions = judgeCanary({ metrics: [{ name: 'errors', direction: 'increase', canary: perSecond(canary), baseline: perSecond(baseline) }] }).metrics[0];
    expect(fractions.statistics.sparse!.pTotalMore).toBe(1);
  });

  it('does not take a latency or a gauge that is mostly zero for sparse events', () => {
    const r = judgeCanary({ metrics: [{ name: 'queue', kind: 'gauge', direction: 'increase', canary, baseline }] }).metrics[0];
    expect(r.statistics.sparse).toBeNull();
  });
});

describe("Holm's correction", () => {
  const baseline = Array<number>(60).fill(0);
  baseline[10] = 1;
  baseline[40] = 1;
  const canary = Array<number>(60).fill(0);
  for (let i = 0; i < 10; i++) canary[i * 6 + 1] = 1;
  const errors = (name: string): Metric => ({ name, group: 'errors', direction: 'increase', canary, baseline });

  it('judges one metric at α, and k metrics so that the chance of any false alarm stays at α', () => {
    const alone = judgeCanary({ metrics: [errors('5xx')] }).metrics[0];
    // Fisher p = 0.0147: significant at 0.02.
    expect(alone.statistics.pValue!).toBeCloseTo(0.01474, 4);
    expect(alone).toMatchObject({ classification: 'High', decidedBy: 'sparse' });
    expect(alone.statistics.alpha).toBeCloseTo(0.02, 12);

    const three = judgeCanary({ metrics: [errors('5xx'), errors('timeouts'), errors('resets')] });
    // Holm: the smallest p-value is compared with 0.02 / 3; 0.0147 is above it, so none moves.
    expect(three.metrics.map((m) => m.classification)).toEqual(['Pass', 'Pass', 'Pass']);
    expect(three.metrics.map((m) => Number(m.statistics.alpha.toFixed(6)))).toEqual([0.006667, 0.006667, 0.006667]);
    expect(three.metrics[0].reason).toContain("Holm's correction across 3 metrics judges it at 99.33%");
  });

  it('steps down: a metric that is clearly moved does not raise the bar for the next', () => {
    const clear = Array<number>(60).fill(0).map((_, i) => (i % 2 === 0 ? 1 : 0));
    const r = judgeCanary({ metrics: [{ ...errors('5xx'), canary: clear }, errors('timeouts')] });
    // 30 of 60 against 2 of 60: p far below 0.01, rejected at 0.02 / 2; the other is then judged at 0.02.
    expect(r.metrics[0].statistics.alpha).toBeCloseTo(0.01, 12);
    expect(r.metrics[1].statistics.alpha).toBeCloseTo(0.02, 12);
    expect(r.metrics.map((m) => m.classification)).toEqual(['High', 'High']);
  });
});

describe("Kayenta's critical effect sizes and NaN semantics", () => {
  const baseline = Array.from({ length: 60 }, (_, i) => 100 + (i % 10));
  const canary = baseline.map((v) => v * 1.2);
  const steady = (name: string): Metric => ({ name, group: 'latency', canary: baseline, baseline: [...baseline].reverse() });

  it('fails the canary on a critical metric only from its critical effect size on', () => {
    const below = judgeCanary({ metrics: [{ name: 'p99', group: 'latency', critical: true, criticalEffectSize: 0.5, canary, baseline }, steady('p50'), steady('p90')] });
    expect(below.metrics[0]).toMatchObject({ classification: 'High', criticalFailure: false });
    expect(below.metrics[0].reason).toContain('Below the critical effect size of 50%, so not a critical failure.');
    expect(below.reason).not.toMatch(/^Critical/);
    expect(below.score).toBeCloseTo(200 / 3, 6);
    const above = judgeCanary({ metrics: [{ name: 'p99', group: 'latency', critical: true, criticalEffectSize: 0.15, canary, baseline }, steady('p50'), steady('p90')] });
    expect(above.metrics[0].criticalFailure).toBe(true);
    expect(above).toMatchObject({ score: 0, verdict: 'fail' });
    // Unset: the effect size, so every move of a critical metric is critical (as before).
    expect(judgeCanary({ metrics: [{ name: 'p99', critical: true, canary, baseline }] }).metrics[0].criticalFailure).toBe(true);
  });

  it('passes a metric without points when NaNs are replaced, as Kayenta does, and says so', () => {
    const r = judgeCanary({ metrics: [{ name: 'errors', nanStrategy: 'replace', critical: true, canary: [], baseline: [1, 2, 3] }, steady('p50')] });
    expect(r.metrics[0]).toMatchObject({ classification: 'Pass', decidedBy: 'no-data', criticalFailure: false });
    expect(r.warnings[0]).toBe('errors: the canary has no points; with nanStrategy replace the metric passes, as in Kayenta. Check its query.');
    expect(r.verdict).toBe('pass');
    // Removed (the default): NoData, and a critical failure.
    expect(judgeCanary({ metrics: [{ name: 'errors', critical: true, canary: [], baseline: [1, 2, 3] }, steady('p50')] }).score).toBe(0);
  });
});
