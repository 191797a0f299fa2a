import { describe, expect, it } from 'vitest';
import { exactUCounts, mannWhitney } from '../../src/confidence/mann-whitney.js';

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
    // 16 differences: −3 ×2, −2 ×5, −1 ×5, 0 ×3, 1 ×1; median (D(8) + D(9)) / 2 = −1.
    expect(r.estimate).toBe(-1);
    // C = ⌊8 − 2.326348·3.338092⌋ = ⌊0.234⌋ = 0 → 1: interval [D(1), D(16)] = [−3, 1].
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
