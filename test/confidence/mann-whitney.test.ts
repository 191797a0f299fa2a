import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../src/confidence/distributions.js';
import { exactUCounts, mannWhitney, wilcoxonDiff, zeroin } from '../../src/confidence/mann-whitney.js';
import kayenta from './fixtures/kayenta-mann-whitney.json' with { type: 'json' };

describe('exact null distribution', () => {
  it('counts the arrangements of U for m = 3, n = 2', () => {
    // The 10 ways to place 2 baseline points among 5 give U = 0,1,2,2,3,3,4,4,5,6 → [1,1,2,2,2,1,1].
    expect(exactUCounts(3, 2)).toEqual([1n, 1n, 2n, 2n, 2n, 1n, 1n]);
    // Totals are C(m+n, m): C(10, 5) = 252.
    expect(exactUCounts(5, 5).reduce((s, c) => s + c, 0n)).toBe(252n);
  });
});

describe('mannWhitney', () => {
  it('computes U, the exact p-value, the estimate and the interval by hand', () => {
    const r = mannWhitney([3, 4, 5], [1, 2], 0.98);
    // All 6 pairs have the canary above: U = 6, the maximum. P(U ≥ 6) = 1/10; two-sided p = 0.2.
    expect(r.method).toBe('exact');
    expect(r.u).toBe(6);
    expect(r.pValue).toBeCloseTo(0.2, 12);
    // Differences {2, 1, 3, 2, 4, 3} sorted 1,2,2,3,3,4: median 2.5.
    expect(r.estimate).toBe(2.5);
    // The smallest u with P(U ≤ u) ≥ 0.01 is 0, raised to 1: interval [D(1), D(6)] = [1, 4],
    // achieving only 1 − 2·P(U ≤ 0) = 0.8 with samples this small.
    expect([r.lower, r.upper]).toEqual([1, 4]);
    expect(r.achievedConfidence).toBeCloseTo(0.8, 12);
  });

  it('gives p = 1 at the centre of the distribution', () => {
    // Pairs above: 3>2, 5>2, 5>4 → U = 3 = mn/2; P(U ≤ 3) = 6/10, doubled and capped: 1.
    const r = mannWhitney([1, 3, 5], [2, 4]);
    expect(r.u).toBe(3);
    expect(r.pValue).toBe(1);
  });

  it('uses the normal approximation with the tie correction when there are ties', () => {
    const r = mannWhitney([1, 2, 2, 3], [2, 3, 4, 4], 0.98);
    // Pooled ranks: 1→1; the three 2s share 3; the two 3s share 5.5; the two 4s share 7.5.
    // Canary rank sum 1 + 3 + 3 + 5.5 = 12.5; U = 12.5 − 4·5/2 = 2.5.
    // Ties 3, 2, 2: Σ(t³ − t) = 24 + 6 + 6 = 36. Var = (16/12)·(9 − 36/56) = 11.142857, σ = 3.338092.
    // z = (2.5 − 8 + 0.5) / σ = −1.497862; p = 2·Φ(−1.497862) = 0.13417.
    expect(r.method).toBe('normal');
    expect(r.u).toBe(2.5);
    expect(r.z).toBeCloseTo(-1.497862, 5);
    expect(r.pValue).toBeCloseTo(0.13417, 4);
    // Ties: R finds the estimate and the interval ends by root finding on the corrected statistic
    // of (x − d, y): it is −0.3055 at d = −1 and +0.146 at d = −1.5, so the estimate lies in the step
    // just below −1 (R's uniroot stops within its 1e-4 tolerance).
    expect(r.estimate).toBeLessThanOrEqual(-1);
    expect(r.estimate).toBeGreaterThan(-1 - 1e-4);
    // At d = mumin = −3 the statistic is 1.93, under z = 2.326: the lower end is mumin itself; at
    // d = mumax = 1 it is −2.06, above −2.326: the upper end is mumax.
    expect([r.lower, r.upper]).toEqual([-3, 1]);
  });

  it('finds a clear shift in larger samples and puts the interval around it', () => {
    const baseline = Array.from({ length: 60 }, (_, i) => 100 + (i % 10));
    const canary = baseline.map((v) => v + 20);
    const r = mannWhitney(canary, baseline);
    expect(r.method).toBe('normal');
    expect(r.pValue).toBeLessThan(1e-6);
    expect(r.estimate).toBe(20);
    expect(r.lower).toBeLessThanOrEqual(20);
    expect(r.upper).toBeGreaterThanOrEqual(20);
    expect(r.lower).toBeGreaterThan(0);
  });

  it('is exact and symmetric for small samples without ties', () => {
    const a = [1.1, 2.3, 3.7, 4.2, 5.9];
    const b = [6.1, 7.4, 8.8, 9.5, 10.2];
    // Every canary point below every baseline point: U = 0, p = 2/252.
    const r = mannWhitney(a, b);
    expect(r.u).toBe(0);
    expect(r.pValue).toBeCloseTo(2 / 252, 12);
    expect(mannWhitney(b, a).pValue).toBeCloseTo(2 / 252, 12);
  });

  it('refuses empty samples', () => {
    expect(() => mannWhitney([], [1])).toThrow(RangeError);
  });
});

// Kayenta's MannWhitneySuite (kayenta-mannwhitney, Apache-2.0): its series and the values it checks,
// which Kayenta took from R's wilcox.test. Fleet matches them to 1e-6 (estimates to Kayenta's 1e-4).
describe("Kayenta's Mann-Whitney cases", () => {
  const E = 1e-6;
  const close = (actual: number, expected: number, within = E) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(within);

  it('computes the Wilcoxon difference function', () => {
    const { x, y } = kayenta.wilcoxonDiff;
    close(wilcoxonDiff(0, 0, x, y), -1.229416);
    close(wilcoxonDiff(5, 0, x, y), -35.80606);
  });

  it('finds the interval and estimate of a clear shift by root finding, as R does', () => {
    const r = mannWhitney([10, 20, 30, 40], [1, 2, 3, 4], 0.95, { method: 'normal' });
    close(r.lower, 6);
    close(r.upper, 39);
    close(r.estimate, 22.5);
  });

  it('ties out the problem case', () => {
    const r = mannWhitney(kayenta.problemCase.experiment, kayenta.problemCase.control, 0.98);
    close(r.lower, -1.4808028936386108e-5);
    close(r.upper, 1.808255910873413e-5);
    close(r.estimate, 1.808255910873413e-5);
  });

  it('ties out with R', () => {
    const r = mannWhitney(kayenta.tieOut.experiment, kayenta.tieOut.control, 0.95);
    close(r.lower, -0.500002521696696);
    close(r.upper, -3.486287505871302e-5);
    close(r.estimate, -0.4999393907180323, 1e-4);
  });

  it('ties out with R (large)', () => {
    const r = mannWhitney(kayenta.tieOutLarge.experiment, kayenta.tieOutLarge.control, 0.98);
    close(r.lower, -0.4999173250549087);
    close(r.upper, -6.912685789769486e-6);
    close(r.estimate, -3.45044082729315e-5, 1e-4);
  });

  it("reproduces R's intermediate values and each root", () => {
    const { x, y } = kayenta.intermediate;
    const muMin = Math.min(...x) - Math.max(...y);
    const muMax = Math.max(...x) - Math.min(...y);
    close(muMin, -3.124999999999986);
    close(muMax, 5.555555555555557);
    const zq = -normalQuantile(0.025);
    close(zq, 1.9599639845400536);
    const f = (q: number) => (d: number) => wilcoxonDiff(d, q, x, y);
    close(f(zq)(muMin), 17.090968923762254);
    close(f(zq)(muMax), -20.997687930433106);
    close(f(-zq)(muMin), 21.01089689284236);
    close(f(-zq)(muMax), -17.077759961353);
    close(zeroin(f(zq), muMin, muMax, f(zq)(muMin), f(zq)(muMax)), 3.521755377702165e-5);
    close(zeroin(f(-zq), muMin, muMax, f(-zq)(muMin), f(-zq)(muMax)), 2.02456461662334e-5);
    close(zeroin(f(0), muMin, muMax, f(0)(muMin), f(0)(muMax)), 2.6279243045155653e-5);
  });

  it('widens the interval and raises the p-value with a variance inflation', () => {
    const baseline = Array.from({ length: 60 }, (_, i) => 100 + (i % 10) + (i % 7) / 10);
    const canary = baseline.map((v) => v + 3);
    const plain = mannWhitney(canary, baseline);
    const inflated = mannWhitney(canary, baseline, 0.98, { inflation: 4 });
    expect(inflated.method).toBe('normal');
    expect(inflated.inflation).toBe(4);
    // z scales by 1/√4 (up to the continuity correction), so the p-value grows and the interval widens.
    expect(inflated.z!).toBeCloseTo((plain.z! * Math.sqrt(plain.inflation)) / 2, 1);
    expect(inflated.pValue).toBeGreaterThan(plain.pValue);
    expect(inflated.upper - inflated.lower).toBeGreaterThan(plain.upper - plain.lower);
    expect(() => mannWhitney(canary, baseline, 0.98, { inflation: Infinity })).toThrow(RangeError);
  });
});
