/**
 * How much independent information a series carries. Metric series are rarely independent
 * points: a Prometheus `rate()` over a window longer than its step, or a latency quantile sampled
 * every few seconds, follows its own recent past. Tests that assume independent points then see
 * more evidence than there is, and healthy canaries fail.
 *
 * The method (an effective sample size): the lag-1 and lag-2 autocorrelations of each track's
 * ranks (ranks, so a few spikes do not decide them), pooled over the canary and the baseline (the
 * same service, so the same dependence, and twice the points to estimate it from), each corrected
 * for its small-sample bias (E[r] ≈ ρ − (1 + 3ρ)/n, Marriott and Pope). When the pooled lag-1
 * autocorrelation is not significantly positive (one-sided 5%: r₁ ≤ 1.645/√N) the points count
 * as independent, so independent series are judged as before. Otherwise the autocorrelation is
 * modelled as ρ_k = r₁·φ^(k−1) (an ARMA(1,1): an AR(1) signal seen through independent noise, as
 * Poisson counts of an AR(1) rate are), φ = r₂ / r₁ kept within [r₁, 0.95], and a track of n points
 * counts as n / f independent ones with f = 1 + 2 Σ_{k<n} (1 − k/n) ρ_k, the variance inflation of
 * its mean (and of its rank sum).
 */

export interface SerialDependence {
  /** Points in the series. */
  points: number;
  /** The bias-corrected lag-1 autocorrelation of the ranks (pooled over the tracks), within [0, MAX_RHO]; 0 when not significant. */
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

interface LagSums {
  n: number;
  denominator: number;
  lag1: number;
  lag2: number;
}

function lagSums(values: readonly number[]): LagSums {
  const n = values.length;
  const ranks = midranks(values);
  const centre = (n + 1) / 2;
  let denominator = 0;
  let lag1 = 0;
  let lag2 = 0;
  for (let t = 0; t < n; t++) {
    const d = ranks[t] - centre;
    denominator += d * d;
    if (t + 1 < n) lag1 += d * (ranks[t + 1] - centre);
    if (t + 2 < n) lag2 += d * (ranks[t + 2] - centre);
  }
  return { n, denominator, lag1, lag2 };
}

/** The inflation of the mean of n points whose lag-k autocorrelation is r1·φ^(k−1). */
export function armaInflation(r1: number, phi: number, n: number): number {
  let sum = 0;
  let term = r1;
  for (let k = 1; k < n; k++) {
    if (Math.abs(term) < 1e-12) break;
    sum += (1 - k / n) * term;
    term *= phi;
  }
  return 1 + 2 * sum;
}

/**
 * The serial dependence of one or more tracks of the same metric, pooled; one result per track
 * (the same correlation, each track's own length).
 *
 * @example
 * pooledDependence([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]])[0].rho // 0.95: trends
 * pooledDependence([[5, 1, 4, 2, 6, 3, 5, 1, 4, 2]])[0].inflation // 1: no positive correlation
 */
export function pooledDependence(tracks: readonly (readonly number[])[]): SerialDependence[] {
  const independent = tracks.map((t) => ({ points: t.length, rho: 0, inflation: 1, effectivePoints: t.length }));
  const usable = tracks.filter((t) => t.length >= MIN_POINTS_FOR_DEPENDENCE).map(lagSums).filter((s) => s.denominator > 0);
  if (usable.length === 0) return independent;
  const total = usable.reduce((s, u) => s + u.n, 0);
  const meanLength = total / usable.length;
  const r1 = usable.reduce((s, u) => s + u.lag1, 0) / usable.reduce((s, u) => s + u.denominator, 0);
  const denominator = usable.reduce((s, u) => s + u.denominator, 0);
  const r2 = usable.reduce((s, u) => s + u.lag2, 0) / denominator;
  if (r1 <= 1.645 / Math.sqrt(total)) return independent;
  const corrected = (r: number) => r + (1 + 3 * r) / meanLength;
  const rho = Math.min(MAX_RHO, corrected(r1));
  const phi = Math.min(MAX_RHO, Math.max(rho, corrected(r2) / rho));
  return tracks.map((t) => {
    const inflation = Math.max(1, armaInflation(rho, phi, t.length));
    return { points: t.length, rho, inflation, effectivePoints: t.length / inflation };
  });
}

/** One track's serial dependence (see pooledDependence). */
export function serialDependence(values: readonly number[]): SerialDependence {
  return pooledDependence([values])[0];
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
