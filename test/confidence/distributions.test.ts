import { describe, expect, it } from 'vitest';
import {
  betaQuantile,
  binomialAtLeastP,
  fisherGreaterP,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  studentTwoSidedP,
} from '../../src/confidence/distributions.js';

describe('logGamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});

describe('regularizedBeta', () => {
  it('is the identity for Beta(1, 1)', () => {
    for (const x of [0, 0.1, 0.37, 0.5, 0.99, 1]) expect(regularizedBeta(x, 1, 1)).toBeCloseTo(x, 12);
  });

  it('matches the closed form of Beta(2, 5)', () => {
    // For integer a, b: I_x(2, 5) = 1 - (1-x)^6 - 6x(1-x)^5. At 0.2: 1 - 0.262144 - 0.393216 = 0.34464.
    expect(regularizedBeta(0.2, 2, 5)).toBeCloseTo(0.34464, 10);
    for (const x of [0.05, 0.3, 0.6, 0.9]) {
      expect(regularizedBeta(x, 2, 5)).toBeCloseTo(1 - (1 - x) ** 6 - 6 * x * (1 - x) ** 5, 10);
    }
  });

  it('matches the arcsine law for Beta(1/2, 1/2)', () => {
    for (const x of [0.01, 0.25, 0.5, 0.8]) expect(regularizedBeta(x, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(x)), 9);
  });

  it('rejects parameters that are not positive', () => {
    expect(() => regularizedBeta(0.5, 0, 1)).toThrow(RangeError);
  });
});

describe('betaQuantile', () => {
  it('inverts Beta(1, 1), Beta(a, 1), Beta(1, b) and Beta(1/2, 1/2) exactly', () => {
    expect(betaQuantile(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    // Beta(4, 1): CDF x^4, so the 10th percentile is 0.1^(1/4) = 0.56234.
    expect(betaQuantile(0.1, 4, 1)).toBeCloseTo(0.1 ** 0.25, 10);
    // Beta(1, 3): CDF 1 - (1-x)^3, so the median is 1 - 0.5^(1/3) = 0.20630.
    expect(betaQuantile(0.5, 1, 3)).toBeCloseTo(1 - 0.5 ** (1 / 3), 10);
    expect(betaQuantile(0.9, 0.5, 0.5)).toBeCloseTo(Math.sin((Math.PI * 0.9) / 2) ** 2, 9);
  });

  it('gives the published median of Beta(2, 5), 0.26445', () => {
    expect(betaQuantile(0.5, 2, 5)).toBeCloseTo(0.26445, 5);
    expect(regularizedBeta(betaQuantile(0.1, 2, 5), 2, 5)).toBeCloseTo(0.1, 10);
  });

  it('clamps at the ends', () => {
    expect(betaQuantile(0, 3, 3)).toBe(0);
    expect(betaQuantile(1, 3, 3)).toBe(1);
  });
});

describe('normal', () => {
  it('has the textbook values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.326348)).toBeCloseTo(0.01, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });
});

describe('studentTwoSidedP', () => {
  it('matches the t table', () => {
    // t = 2.228 with 10 degrees of freedom is the two-sided 5% point.
    expect(studentTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 3);
    // With 1 degree of freedom t is Cauchy: P(|T| > 1) = 0.5.
    expect(studentTwoSidedP(1, 1)).toBeCloseTo(0.5, 10);
  });
});

describe('fisherGreaterP', () => {
  it('is the hypergeometric tail', () => {
    // 3 hits in sample 1 (50), 0 in sample 2 (50): C(50,3)·C(50,0)/C(100,3) = 19600/161700 = 0.12121.
    expect(fisherGreaterP(3, 50, 0, 50)).toBeCloseTo(19600 / 161700, 10);
    // 0 hits in sample 1: certain.
    expect(fisherGreaterP(0, 10, 4, 10)).toBeCloseTo(1, 10);
  });
});

describe('binomialAtLeastP', () => {
  it('is the binomial upper tail', () => {
    // P(X ≥ 3) for Binomial(3, 1/2) = 1/8; for Binomial(4, 1/2) = (4 + 1)/16.
    expect(binomialAtLeastP(3, 3, 0.5)).toBeCloseTo(0.125, 12);
    expect(binomialAtLeastP(3, 4, 0.5)).toBeCloseTo(5 / 16, 12);
    expect(binomialAtLeastP(0, 4, 0.5)).toBe(1);
    expect(binomialAtLeastP(5, 4, 0.5)).toBe(0);
  });
});
