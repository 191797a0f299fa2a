import { normalCdf, normalQuantile } from './distributions.js';

/**
 * The Mann-Whitney U test (Wilcoxon rank-sum) with the Hodges-Lehmann estimate of the shift
 * between two samples and its distribution-free confidence interval, as R's `wilcox.test(x, y,
 * conf.int = TRUE)` computes them: the exact null distribution when both samples are under 50
 * points and have no ties, otherwise the normal approximation with the tie correction and a
 * continuity correction.
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

/**
 * Runs the test of sample x (the canary) against sample y (the baseline).
 *
 * @example
 * mannWhitney([3, 4, 5], [1, 2], 0.98)
 * // u = 6 (every canary point is above every baseline point), exact two-sided p = 2 · 1/10 = 0.2,
 * // estimate = median of {2, 1, 3, 2, 4, 3} = 2.5
 */
export function mannWhitney(x: readonly number[], y: readonly number[], confidence = 0.98): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new RangeError('Both samples need at least one point.');
  if (m * n > MAX_PAIRS) throw new RangeError(`Samples of ${m} and ${n} points are too large; downsample to at most ${MAX_PAIRS} pairs.`);
  const { ranks, ties } = rankPooled(x, y);
  let rankSum = 0;
  for (let i = 0; i < m; i++) rankSum += ranks[i];
  const u = rankSum - (m * (m + 1)) / 2;
  const mn = m * n;

  const diffs = new Float64Array(mn);
  let k = 0;
  for (const xi of x) for (const yj of y) diffs[k++] = xi - yj;
  diffs.sort();
  const estimate = median(diffs);
  const alpha = 1 - confidence;

  if (m < 50 && n < 50 && ties.length === 0) {
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
    return { u, pValue, method: 'exact', z: null, estimate, lower: diffs[qu - 1], upper: diffs[mn - qu], confidence, achievedConfidence };
  }

  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0);
  const N = m + n;
  const variance = (mn / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  const sigma = Math.sqrt(variance);
  const centered = u - mn / 2;
  const z = sigma === 0 ? 0 : (centered - 0.5 * Math.sign(centered)) / sigma;
  const pValue = sigma === 0 ? 1 : Math.min(1, 2 * normalCdf(-Math.abs(z)));
  // Hollander & Wolfe's large-sample interval: C = mn/2 − z_{α/2}·σ, rounded down (conservative).
  const c = Math.max(1, Math.floor(mn / 2 - normalQuantile(1 - alpha / 2) * sigma));
  const achievedConfidence = sigma === 0 ? 1 : 1 - 2 * normalCdf((c - 0.5 - mn / 2) / sigma);
  return { u, pValue, method: 'normal', z, estimate, lower: diffs[c - 1], upper: diffs[mn - c], confidence, achievedConfidence };
}
