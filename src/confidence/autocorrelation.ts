/**
 * How much independent information a series carries. Metric series are rarely independent
 * points: a Prometheus `rate()` over a window longer than its step, or a latency quantile sampled
 * every few seconds, follows its own recent past. Tests that assume independent points then see
 * more evidence than there is, and healthy canaries fail.
 *
 * The method: fit an AR(1) model to the series' ranks (a rank lag-1 autocorrelation, so a few
 * spikes do not decide it), correct the estimate's small-sample bias (E[r₁] ≈ ρ − (1 + 3ρ)/n,
 * Marriott and Pope), keep it within [0, 0.95], and take the variance inflation of a mean of n
 * such points, f = 1 + 2 Σ_{k<n} (1 − k/n) ρ^k. The effective sample size is n / f. A negative
 * correlation is treated as none, so independent series are never judged more eagerly than before.
 */

export interface SerialDependence {
  /** Points in the series. */
  points: number;
  /** The bias-corrected lag-1 autocorrelation of the ranks, within [0, MAX_RHO]. */
  rho: number;
  /** The variance inflation of a mean (or a rank sum) of the series: 1 for independent points. */
  inflation: number;
  /** points / inflation. */
  effectivePoints: number;
}

/** Under this many points the autocorrelation is not estimated (the series counts as independent). */
export const MIN_POINTS_FOR_DEPENDENCE = 8;
export const MAX_RHO = 0.95;

function midranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    for (let k = start; k <= end; k++) ranks[order[k].i] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/** The variance inflation of the mean of n AR(1) points with lag-1 correlation rho. */
export function ar1Inflation(rho: number, n: number): number {
  let sum = 0;
  let power = 1;
  for (let k = 1; k < n; k++) {
    power *= rho;
    if (power < 1e-12) break;
    sum += (1 - k / n) * power;
  }
  return 1 + 2 * sum;
}

/**
 * @example
 * serialDependence([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).rho // 0.95: a trend is as dependent as it gets
 * serialDependence([5, 1, 4, 2, 6, 3, 5, 1, 4, 2]).inflation // 1: no positive correlation
 */
export function serialDependence(values: readonly number[]): SerialDependence {
  const n = values.length;
  const independent = { points: n, rho: 0, inflation: 1, effectivePoints: n };
  if (n < MIN_POINTS_FOR_DEPENDENCE) return independent;
  const ranks = midranks(values);
  const centre = (n + 1) / 2;
  let numerator = 0;
  let denominator = 0;
  for (let t = 0; t < n; t++) {
    const d = ranks[t] - centre;
    denominator += d * d;
    if (t + 1 < n) numerator += d * (ranks[t + 1] - centre);
  }
  if (denominator === 0) return independent;
  const r1 = numerator / denominator;
  const rho = Math.min(MAX_RHO, Math.max(0, r1 + (1 + 3 * r1) / n));
  const inflation = ar1Inflation(rho, n);
  return { points: n, rho, inflation, effectivePoints: n / inflation };
}

/**
 * The inflation of the Mann-Whitney rank sum's null variance for two independent tracks of m and
 * n points with inflations fx and fy: Var(U / mn) ≈ (fx / m + fy / n) / 12 against (1 / m + 1 / n) / 12.
 */
export function rankSumInflation(x: SerialDependence, y: SerialDependence): number {
  const m = x.points;
  const n = y.points;
  if (m + n === 0) return 1;
  return Math.max(1, (n * x.inflation + m * y.inflation) / (m + n));
}
