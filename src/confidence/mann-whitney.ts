import { normalCdf, normalQuantile } from './distributions.js';

/**
 * The Mann-Whitney U test (Wilcoxon rank-sum) with the Hodges-Lehmann estimate of the shift
 * between two samples and its confidence interval, as R's `wilcox.test(x, y, conf.int = TRUE)`
 * computes them: with both samples under 50 points and no ties, the exact null distribution (the
 * estimate is the median of the pairwise differences, the interval ends are order statistics of
 * them); otherwise the normal approximation with the tie and continuity corrections, where the
 * estimate and the interval ends are the shifts d at which the standardized statistic of
 * (x − d, y) crosses 0 and ±z, found by Brent's root finder with R's tolerance (1e-4). Kayenta's
 * MannWhitney always takes the second path.
 *
 * `inflation` (≥ 1) multiplies the null variance of U: for autocorrelated series it is the ratio
 * of the variance of the rank sum to what independent points would give (see autocorrelation.ts),
 * so the p-value and the interval widen as the series carry less independent information.
 */

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, plus half the ties. */
  u: number;
  /** Two-sided p-value of "no shift". */
  pValue: number;
  method: 'exact' | 'normal';
  /** z of the normal approximation (null for the exact test). */
  z: number | null;
  /** Hodges-Lehmann estimate of x − y: the median of all pairwise differences. */
  estimate: number;
  /** The confidence interval of the shift at `confidence`. */
  lower: number;
  upper: number;
  confidence: number;
  /** The confidence level the interval actually achieves (exact intervals are discrete). */
  achievedConfidence: number;
  /** The factor the null variance of U was multiplied by (1 for independent points). */
  inflation: number;
}

export interface MannWhitneyOptions {
  /** Multiplies the null variance of U (≥ 1; default 1). A value above 1 forces the normal path. */
  inflation?: number;
  /** 'auto' follows R (exact when it can be); 'normal' always approximates, as Kayenta does. */
  method?: 'auto' | 'normal';
}

/** Midranks of the pooled sample and the tie-group sizes. */
function rankPooled(x: readonly number[], y: readonly number[]): { ranks: Float64Array; ties: number[] } {
  const pooled = [...x.map((v, i) => ({ v, i })), ...y.map((v, i) => ({ v, i: x.length + i }))].sort((a, b) => a.v - b.v);
  const ranks = new Float64Array(pooled.length);
  const ties: number[] = [];
  for (let start = 0; start < pooled.length; ) {
    let end = start;
    while (end + 1 < pooled.length && pooled[end + 1].v === pooled[start].v) end++;
    const midrank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[pooled[k].i] = midrank;
    if (end > start) ties.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, ties };
}

/**
 * Counts of U = 0..mn under the null hypothesis: the coefficients of the Gaussian binomial
 * [m+n choose m]_q, built as Π_{i=1..m} (1 − q^{n+i}) / (1 − q^i) in exact integers.
 */
export function exactUCounts(m: number, n: number): bigint[] {
  const size = m * n + 1;
  let c: bigint[] = new Array<bigint>(size).fill(0n);
  c[0] = 1n;
  for (let i = 1; i <= m; i++) {
    const next = c.slice();
    for (let k = size - 1; k >= n + i; k--) next[k] -= c[k - n - i];
    for (let k = i; k < size; k++) next[k] += next[k - i];
    c = next;
  }
  return c;
}

function ratio(numerator: bigint, denominator: bigint): number {
  // Scale before dividing so tiny tails keep their precision.
  const scale = 10n ** 30n;
  return Number((numerator * scale) / denominator) / 1e30;
}

/** P(U ≤ u) for every u, from the exact counts. */
function exactCdf(m: number, n: number): number[] {
  const counts = exactUCounts(m, n);
  const total = counts.reduce((s, c) => s + c, 0n);
  const cdf: number[] = [];
  let running = 0n;
  for (const c of counts) {
    running += c;
    cdf.push(ratio(running, total));
  }
  return cdf;
}

function median(sorted: Float64Array | readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Largest sample product for which all m·n pairwise differences are materialised. */
const MAX_PAIRS = 1_000_000;
/** R's `uniroot` tolerance in `wilcox.test`, and its iteration cap. */
const ROOT_TOLERANCE = 1e-4;
const ROOT_ITERATIONS = 1000;
const EPSILON = 2.220446049250313e-16;

/**
 * Brent's root finder as R's `zeroin` (and so `uniroot`) runs it: f(ax) = fa and f(bx) = fb of
 * opposite signs; bisection safeguarded inverse quadratic interpolation to within `tol`. The
 * iterates matter, not only the root: the Wilcoxon statistic is a step function of the shift, so
 * the point returned inside a step is where these exact iterations stop.
 *
 * @example zeroin((x) => x * x - 2, 0, 2, -2, 2, 1e-10) // 1.41421356...
 */
export function zeroin(f: (x: number) => number, ax: number, bx: number, fa0: number, fb0: number, tol = ROOT_TOLERANCE, maxIterations = ROOT_ITERATIONS): number {
  let a = ax;
  let b = bx;
  let fa = fa0;
  let fb = fb0;
  let c = a;
  let fc = fa;
  if (fa === 0) return a;
  if (fb === 0) return b;
  for (let iteration = 0; iteration <= maxIterations; iteration++) {
    const prevStep = b - a;
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tolAct = 2 * EPSILON * Math.abs(b) + tol / 2;
    let newStep = (c - b) / 2;
    if (Math.abs(newStep) <= tolAct || fb === 0) return b;
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      const cb = c - b;
      let p: number;
      let q: number;
      if (a === c) {
        const t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        const qa = fa / fc;
        const t1 = fb / fc;
        const t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
        q = (qa - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) newStep = p / q;
    }
    if (Math.abs(newStep) < tolAct) newStep = newStep > 0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += newStep;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}

/**
 * R's `wdiff`: the continuity-corrected, tie-corrected standardized Wilcoxon statistic of
 * (x − d) against y, minus `zq`. Its roots in d are the interval ends (zq = ±z) and the estimate (0).
 */
export function wilcoxonDiff(d: number, zq: number, x: readonly number[], y: readonly number[], inflation = 1): number {
  const m = x.length;
  const n = y.length;
  const shifted = x.map((v) => v - d);
  const { ranks, ties } = rankPooled(shifted, y);
  let rankSum = 0;
  for (let i = 0; i < m; i++) rankSum += ranks[i];
  const dz = rankSum - (m * (m + 1)) / 2 - (m * n) / 2;
  const correction = Math.sign(dz) * 0.5;
  const N = m + n;
  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0);
  const sigma = Math.sqrt((((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)))) * inflation);
  if (sigma === 0) throw new RangeError('Cannot compute a confidence interval when all observations are tied.');
  return (dz - correction) / sigma - zq;
}

/** The normal-approximation interval and estimate by root finding, as R and Kayenta compute them. */
function rootInterval(x: readonly number[], y: readonly number[], alpha: number, inflation: number): { lower: number; upper: number; estimate: number } {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const v of x) {
    if (v < xMin) xMin = v;
    if (v > xMax) xMax = v;
  }
  for (const v of y) {
    if (v < yMin) yMin = v;
    if (v > yMax) yMax = v;
  }
  const muMin = xMin - yMax;
  const muMax = xMax - yMin;
  // Both samples constant: every shift but one ties everything; the shift is known exactly.
  if (muMin === muMax) return { lower: muMin, upper: muMin, estimate: muMin };
  const f = (zq: number) => (d: number) => wilcoxonDiff(d, zq, x, y, inflation);
  const root = (zq: number): number => {
    const fLower = f(zq)(muMin);
    const fUpper = f(zq)(muMax);
    if (fLower <= 0) return muMin;
    if (fUpper >= 0) return muMax;
    return zeroin(f(zq), muMin, muMax, fLower, fUpper);
  };
  const z = normalQuantile(1 - alpha / 2);
  const lower = root(z);
  const upper = root(-z);
  const e0 = f(0);
  const estimate = zeroin(e0, muMin, muMax, e0(muMin), e0(muMax));
  return { lower, upper, estimate };
}

/**
 * Runs the test of sample x (the canary) against sample y (the baseline).
 *
 * @example
 * mannWhitney([3, 4, 5], [1, 2], 0.98)
 * // u = 6 (every canary point is above every baseline point), exact two-sided p = 2 · 1/10 = 0.2,
 * // estimate = median of {2, 1, 3, 2, 4, 3} = 2.5
 */
export function mannWhitney(x: readonly number[], y: readonly number[], confidence = 0.98, options: MannWhitneyOptions = {}): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new RangeError('Both samples need at least one point.');
  if (m * n > MAX_PAIRS) throw new RangeError(`Samples of ${m} and ${n} points are too large; downsample to at most ${MAX_PAIRS} pairs.`);
  const inflation = Math.max(1, options.inflation ?? 1);
  if (!Number.isFinite(inflation)) throw new RangeError(`The variance inflation must be finite (got ${options.inflation}).`);
  const { ranks, ties } = rankPooled(x, y);
  let rankSum = 0;
  for (let i = 0; i < m; i++) rankSum += ranks[i];
  const u = rankSum - (m * (m + 1)) / 2;
  const mn = m * n;
  const alpha = 1 - confidence;

  if ((options.method ?? 'auto') === 'auto' && inflation === 1 && m < 50 && n < 50 && ties.length === 0) {
    const diffs = new Float64Array(mn);
    let k = 0;
    for (const xi of x) for (const yj of y) diffs[k++] = xi - yj;
    diffs.sort();
    const estimate = median(diffs);
    const cdf = exactCdf(m, n);
    // The null distribution is symmetric about mn/2; take the nearer tail and double it.
    // P(U ≥ u) = P(U ≤ mn − u) by symmetry, which keeps small upper tails precise.
    const lowerTail = cdf[u];
    const upperTail = cdf[mn - u];
    const pValue = Math.min(1, 2 * Math.min(lowerTail, upperTail));
    // qu: the smallest u with P(U ≤ u) ≥ α/2; the interval is [D(qu), D(mn + 1 − qu)] (1-based).
    let qu = cdf.findIndex((p) => p >= alpha / 2);
    if (qu < 1) qu = 1;
    const achievedConfidence = 1 - 2 * (qu >= 1 ? cdf[qu - 1] : 0);
    return { u, pValue, method: 'exact', z: null, estimate, lower: diffs[qu - 1], upper: diffs[mn - qu], confidence, achievedConfidence, inflation };
  }

  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0);
  const N = m + n;
  const variance = (mn / 12) * (N + 1 - tieTerm / (N * (N - 1))) * inflation;
  const sigma = Math.sqrt(variance);
  const centered = u - mn / 2;
  const z = sigma === 0 ? 0 : (centered - 0.5 * Math.sign(centered)) / sigma;
  const pValue = sigma === 0 ? 1 : Math.min(1, 2 * normalCdf(-Math.abs(z)));
  const { lower, upper, estimate } = rootInterval(x, y, alpha, inflation);
  return { u, pValue, method: 'normal', z, estimate, lower, upper, confidence, achievedConfidence: confidence, inflation };
}
