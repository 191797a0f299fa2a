import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { betaQuantile, regularizedBeta } from '../../src/confidence/distributions.js';
import { mannWhitney, wilcoxonDiff } from '../../src/confidence/mann-whitney.js';
import { scoreTarget } from '../../src/confidence/score-target.js';

const sample = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 30 });

describe('properties', () => {
  it('Beta quantile inverts the CDF', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.double({ min: 0.2, max: 40, noNaN: true }), fc.double({ min: 0.2, max: 40, noNaN: true }), (p, a, b) => {
        expect(regularizedBeta(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 6);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('Mann-Whitney: U of the two orders adds up to mn, the p-value is the same, the interval holds the estimate', () => {
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        const forward = mannWhitney(x, y);
        const backward = mannWhitney(y, x);
        expect(forward.u + backward.u).toBeCloseTo(x.length * y.length, 9);
        expect(forward.pValue).toBeCloseTo(backward.pValue, 9);
        expect(forward.pValue).toBeGreaterThanOrEqual(0);
        expect(forward.pValue).toBeLessThanOrEqual(1);
        // With ties the estimate is a root of the statistic found to R's tolerance (1e-4), and the
        // statistic may be 0 over a whole step: the mirrored estimate is a root of the forward one.
        const d = -backward.estimate;
        if (forward.method === 'normal') {
          expect(wilcoxonDiff(d - 2e-4, 0, x, y)).toBeGreaterThanOrEqual(0);
          expect(wilcoxonDiff(d + 2e-4, 0, x, y)).toBeLessThanOrEqual(0);
        } else expect(forward.estimate).toBeCloseTo(d, 9);
        expect(forward.lower).toBeLessThanOrEqual(forward.estimate + 1e-4);
        expect(forward.upper).toBeGreaterThanOrEqual(forward.estimate - 1e-4);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('Mann-Whitney: the exact and the normal p-values agree for 40 against 40 points', () => {
    // Distinct values: exact; the same with one tie added falls back to the normal approximation.
    const x = Array.from({ length: 40 }, (_, i) => i * 2 + 0.5);
    const y = Array.from({ length: 40 }, (_, i) => i * 2 + 9.25);
    const exact = mannWhitney(x, y);
    const normal = mannWhitney([...x.slice(1), x[2]], y);
    expect(exact.method).toBe('exact');
    expect(normal.method).toBe('normal');
    expect(Math.abs(exact.pValue - normal.pValue)).toBeLessThan(0.02);
  });

  it('a target score stays within 0–100 and never exceeds its best signal', () => {
    const signal = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined });
    fc.assert(
      fc.property(signal, signal, signal, signal, (checks, canary, diffSize, history) => {
        const entries = Object.entries({ checks, canary, diffSize, history }).filter(([, v]) => v !== undefined) as [string, number][];
        const score = scoreTarget(Object.fromEntries(entries.map(([k, v]) => [k, { value: v, evidence: {} }]))).score;
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100 * Math.max(0, ...entries.map(([, v]) => v)) + 1e-9);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
