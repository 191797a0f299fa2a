import { z } from 'zod';
import { agree, plural } from '../domain/words.js';
import { FleetError } from '../errors.js';
import { pooledDependence, rankSumInflation, type SerialDependence } from './autocorrelation.js';
import { binomialAtLeastP, fisherGreaterP, studentTwoSidedP } from './distributions.js';
import { classifyKayenta, scoreKayenta, type KayentaClassification } from './kayenta.js';
import { mannWhitney, type MannWhitneyResult } from './mann-whitney.js';

/**
 * The canary judge. It follows Kayenta's NetflixACAJudge: per metric, clean the series (NaNs
 * removed or replaced, optional IQR outlier removal), compare canary with baseline by a
 * Mann-Whitney U test at 98% confidence, and classify the metric High or Low when the
 * Hodges-Lehmann interval of the shift lies outside a tolerance band (±25% of the estimate) and
 * the relative shift exceeds the metric's effect size; group score = Pass / (Pass + High + Low +
 * NoData that must have data); summary = weighted sum of group scores; a critical failure, or half
 * the metrics without data, scores 0.
 *
 * Where it does better (each is reported in the metric's `statistics` and reason):
 * - autocorrelated series: each track's effective sample size (autocorrelation.ts) inflates the
 *   variance of every test, so a series that follows its own past is not taken for more evidence
 *   than it holds;
 * - the false-alarm rate across a canary's metrics is held at α by Holm's step-down procedure:
 *   the metric with the smallest p-value is judged at α/k, the next at α/(k − 1), and so on;
 * - sparse series (≥ 75% zeros, typically error counts) are also compared by the count of
 *   non-zero points (Fisher's exact test) and, for counts only (`kind: count`, or integer values
 *   when the kind is not given), by their totals (the conditional test of two Poisson rates,
 *   corrected for overdispersion), and errors appearing in 3 or more canary points where the
 *   baseline had none are High, where a rank test sees only a shift of 0;
 * - a series under 50 points gets a warning and a weight of points/50 (at least 0.25) in its group;
 * - a change in spread alone is High when it is significant (Brown-Forsythe, one-sided) and the
 *   canary's mean absolute deviation from its median is at least twice the baseline's;
 * - outliers are never removed from a series whose interquartile range is 0, so a handful of
 *   error spikes cannot be discarded as outliers.
 *
 * `mode: 'reference'` judges as Kayenta's NetflixACAJudge does (kayenta.ts), for comparisons.
 */

// NaN, ±Infinity and null are all missing points (a provider may hand any of them over).
const Series = z.array(z.union([z.number(), z.nan(), z.null(), z.literal(Infinity), z.literal(-Infinity)]));

export const JudgeMetric = z.object({
  name: z.string().min(1),
  group: z.string().min(1).default('default'),
  /** What the series is (a count of events per step, a rate, a ratio, a gauge, a latency). */
  kind: z.enum(['count', 'rate', 'ratio', 'gauge', 'latency']).optional(),
  /** Which move is bad. */
  direction: z.enum(['increase', 'decrease', 'either']).default('either'),
  critical: z.boolean().default(false),
  /** The relative shift (0.1 = 10% of the baseline's median) below which a move is ignored. */
  effectSize: z.number().min(0).default(0.1),
  /**
   * Kayenta's critical effect size: a critical metric that moves fails the whole canary only when
   * its relative shift reaches this much (default: its effectSize, so every move of a critical
   * metric is critical); a smaller move counts as an ordinary High or Low in its group.
   */
  criticalEffectSize: z.number().min(0).optional(),
  /** A metric without data counts as a failure in its group when true. */
  mustHaveData: z.boolean().default(false),
  nanStrategy: z.enum(['remove', 'replace']).default('remove'),
  outliers: z.enum(['keep', 'remove']).default('keep'),
  canary: Series,
  baseline: Series,
});
export type JudgeMetric = z.infer<typeof JudgeMetric>;

export const JudgeThresholds = z
  .object({ pass: z.number().min(0).max(100).default(95), marginal: z.number().min(0).max(100).default(75) })
  .refine((t) => t.marginal <= t.pass, { message: 'the marginal threshold must not be above the pass threshold', path: ['marginal'] });

export const JudgeInput = z.object({
  metrics: z.array(JudgeMetric).min(1, 'give at least one metric'),
  thresholds: JudgeThresholds.prefault({}),
  groupWeights: z.record(z.string(), z.number().min(0)).optional(),
  /**
   * 'reference' judges as Kayenta's NetflixACAJudge does (its Mann-Whitney by root finding, its
   * mean-ratio effect sizes with allowed ratios 1 ± effectSize and critical ratios 1 ± the critical
   * effect size, its NaN semantics and its weighted-sum scorer), so benchmarks can measure what
   * Fleet's additions change.
   */
  mode: z.enum(['fleet', 'reference']).default('fleet'),
});
export type JudgeInput = z.input<typeof JudgeInput>;

export type Classification = 'Pass' | 'High' | 'Low' | 'NoData';
export type Verdict = 'pass' | 'marginal' | 'fail';

export interface SeriesStats {
  count: number;
  /** Points dropped (or replaced by 0) because they were NaN, null or infinite. */
  missing: number;
  outliersRemoved: number;
  median: number | null;
  mean: number | null;
  nonZero: number;
  /** Mean absolute deviation from the median. */
  spread: number | null;
}

export interface MetricStatistics {
  canary: SeriesStats;
  baseline: SeriesStats;
  mannWhitney: MannWhitneyResult | null;
  /** The tolerance band the interval is compared with: ±25% of |estimate|. */
  band: { lower: number; upper: number } | null;
  /** The estimate relative to the baseline's median (or mean of |baseline| when the median is 0). */
  relativeShift: number | null;
  sparse: {
    canaryNonZero: number;
    baselineNonZero: number;
    /** Fisher's exact test on the non-zero point counts, one-sided each way. */
    pMore: number;
    pFewer: number;
    canaryTotal: number;
    baselineTotal: number;
    /** The conditional binomial test of the totals (more events in the canary than its share). */
    pTotalMore: number;
    pTotalFewer: number;
  } | null;
  spread: { ratio: number; pValue: number } | null;
  /** Each track's autocorrelation and effective sample size (null in reference mode or without data). */
  dependence: { canary: SerialDependence; baseline: SerialDependence } | null;
  /** The smallest p-value of the metric's tests in its bad direction (null without a test). */
  pValue: number | null;
  /** The significance level the metric was judged at: α, or less after Holm's correction. */
  alpha: number;
  /** Kayenta's mean ratio (canary mean / baseline mean; NaN when either is 0). */
  meanRatio: number | null;
}

export interface MetricResult {
  name: string;
  group: string;
  direction: 'increase' | 'decrease' | 'either';
  critical: boolean;
  /** A critical metric that moved by at least its critical effect size (or has no data): it fails the canary. */
  criticalFailure: boolean;
  mustHaveData: boolean;
  classification: Classification;
  /** What decided the classification: a level shift, the sparse test, the spread test, or none. */
  decidedBy: 'level' | 'sparse' | 'new-errors' | 'spread' | 'identical' | 'no-data' | 'none';
  reason: string;
  /** The metric's weight within its group (1, or less for short series). */
  weight: number;
  statistics: MetricStatistics;
  warnings: string[];
}

export interface GroupResult {
  name: string;
  /** 0–100, or null when no metric of the group had data. */
  score: number | null;
  weight: number;
  counts: Record<Classification, number>;
}

export interface JudgeResult {
  /** The summary score, 0–100. */
  score: number;
  verdict: Verdict;
  reason: string;
  thresholds: { pass: number; marginal: number };
  metrics: MetricResult[];
  groups: GroupResult[];
  warnings: string[];
}

export const CONFIDENCE_LEVEL = 0.98;
export const TOLERANCE = 0.25;
export const MIN_POINTS = 50;
export const MIN_WEIGHT = 0.25;
export const SPARSE_ZERO_SHARE = 0.75;
/** A significant spread change fails when the canary's spread is at least this many times the baseline's. */
export const SPREAD_RATIO = 2;
/**
 * Canary points with errors, where the baseline had none, that keep a sparse metric from passing.
 * Unless the sparse tests also find them significant, they hold the canary at marginal: three
 * points out of twenty cannot tell a regression from bad luck, but they must not pass unseen.
 */
export const NEW_ERROR_POINTS = 3;
/** Each series is thinned to at most this many points so the rank test stays cheap. */
export const MAX_POINTS = 1000;
export const ALPHA = 1 - CONFIDENCE_LEVEL;

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function quantileSorted(sorted: readonly number[], p: number): number {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function median(values: readonly number[]): number {
  return quantileSorted(sortedCopy(values), 0.5);
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function clean(raw: readonly (number | null)[], strategy: 'remove' | 'replace'): { values: number[]; missing: number } {
  const values: number[] = [];
  let missing = 0;
  for (const v of raw) {
    if (v === null || !Number.isFinite(v)) {
      missing++;
      // Kayenta replaces a missing point by 0 (no requests, no errors in that interval).
      if (strategy === 'replace') values.push(0);
      continue;
    }
    values.push(v);
  }
  return { values, missing };
}

/** Kayenta's IQR detector with factor 3; skipped when the IQR is 0 (sparse series keep their spikes). */
function removeOutliers(values: number[]): { values: number[]; removed: number } {
  if (values.length < 4) return { values, removed: 0 };
  const sorted = sortedCopy(values);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  if (iqr === 0) return { values, removed: 0 };
  const kept = values.filter((v) => v >= q1 - 3 * iqr && v <= q3 + 3 * iqr);
  return { values: kept, removed: values.length - kept.length };
}

function thin(values: number[]): number[] {
  if (values.length <= MAX_POINTS) return values;
  const step = values.length / MAX_POINTS;
  return Array.from({ length: MAX_POINTS }, (_, i) => values[Math.floor(i * step)]);
}

function describeSeries(values: number[], missing: number, outliersRemoved: number): SeriesStats {
  if (values.length === 0) return { count: 0, missing, outliersRemoved, median: null, mean: null, nonZero: 0, spread: null };
  const med = median(values);
  return {
    count: values.length,
    missing,
    outliersRemoved,
    median: med,
    mean: mean(values),
    nonZero: values.filter((v) => v !== 0).length,
    spread: mean(values.map((v) => Math.abs(v - med))),
  };
}

/**
 * A change in spread: the Brown-Forsythe test (a two-sample test on absolute deviations from each
 * track's median), one-sided (more spread in the canary), each track's variance inflated by its
 * deviations' autocorrelation or the series' own, whichever is larger. A spread change fails when it is significant and the canary's mean
 * deviation is at least SPREAD_RATIO times the baseline's.
 */
function testSpread(canary: number[], baseline: number[], seriesInflation: { canary: number; baseline: number }): { ratio: number; pValue: number } | null {
  const m = canary.length;
  const n = baseline.length;
  if (m < 3 || n < 3) return null;
  const canaryMedian = median(canary);
  const baselineMedian = median(baseline);
  const dc = canary.map((v) => Math.abs(v - canaryMedian));
  const db = baseline.map((v) => Math.abs(v - baselineMedian));
  const mc = mean(dc);
  const mb = mean(db);
  const ssc = dc.reduce((s, v) => s + (v - mc) ** 2, 0);
  const ssb = db.reduce((s, v) => s + (v - mb) ** 2, 0);
  const pooled = (ssc + ssb) / (m + n - 2);
  // The deviations' own autocorrelation, or the series' when larger: in a short, strongly
  // dependent series the spread around its own median wanders as much as its level does.
  const [dcDependence, dbDependence] = pooledDependence([dc, db]);
  const fc = Math.max(dcDependence.inflation, seriesInflation.canary);
  const fb = Math.max(dbDependence.inflation, seriesInflation.baseline);
  const ratio = mb === 0 ? (mc === 0 ? 1 : Infinity) : mc / mb;
  if (pooled === 0) return { ratio, pValue: mc > mb ? 0 : 1 };
  const t = (mc - mb) / Math.sqrt(pooled * (fc / m + fb / n));
  const twoSided = studentTwoSidedP(t, m + n - 2);
  return { ratio, pValue: t > 0 ? twoSided / 2 : 1 - twoSided / 2 };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(2);
}

function fmtAlpha(alpha: number): string {
  return `${Number(((1 - alpha) * 100).toPrecision(4))}%`;
}

/** A count can be tested by its totals; a rate or a ratio cannot (its total depends on the unit). */
function isCount(metric: JudgeMetric, canary: number[], baseline: number[]): boolean {
  const nonNegative = canary.every((v) => v >= 0) && baseline.every((v) => v >= 0);
  if (metric.kind === 'count') return nonNegative;
  if (metric.kind !== undefined) return false;
  // Kind not given: only series of non-negative integers are taken for counts.
  return nonNegative && canary.every(Number.isInteger) && baseline.every(Number.isInteger);
}

/** Sample variance over mean: 1 for Poisson counts, more when events come in bursts. */
function dispersion(values: number[]): number {
  if (values.length < 2) return 1;
  const mu = mean(values);
  if (mu <= 0) return 1;
  return values.reduce((s, v) => s + (v - mu) ** 2, 0) / (values.length - 1) / mu;
}

function metricPValue(statistics: MetricStatistics, allowHigh: boolean, allowLow: boolean): number | null {
  const ps: number[] = [];
  if (statistics.mannWhitney) ps.push(statistics.mannWhitney.pValue);
  if (statistics.sparse) {
    if (allowHigh) ps.push(statistics.sparse.pMore, statistics.sparse.pTotalMore);
    if (allowLow) ps.push(statistics.sparse.pFewer, statistics.sparse.pTotalFewer);
  }
  if (statistics.spread && allowHigh) ps.push(statistics.spread.pValue);
  return ps.length === 0 ? null : Math.min(...ps);
}

function classifyMetric(metric: JudgeMetric, alpha: number): MetricResult {
  const canaryClean = clean(metric.canary, metric.nanStrategy);
  const baselineClean = clean(metric.baseline, metric.nanStrategy);
  const warnings: string[] = [];
  let canary = canaryClean.values;
  let baseline = baselineClean.values;
  let canaryOutliers = 0;
  let baselineOutliers = 0;
  if (metric.outliers === 'remove') {
    const c = removeOutliers(canary);
    const b = removeOutliers(baseline);
    canary = c.values;
    baseline = b.values;
    canaryOutliers = c.removed;
    baselineOutliers = b.removed;
  }
  const statistics: MetricStatistics = {
    canary: describeSeries(canary, canaryClean.missing, canaryOutliers),
    baseline: describeSeries(baseline, baselineClean.missing, baselineOutliers),
    mannWhitney: null,
    band: null,
    relativeShift: null,
    sparse: null,
    spread: null,
    dependence: null,
    pValue: null,
    alpha,
    meanRatio: null,
  };
  const allowHigh = metric.direction !== 'decrease';
  const allowLow = metric.direction !== 'increase';
  const base = { name: metric.name, group: metric.group, direction: metric.direction, critical: metric.critical, mustHaveData: metric.mustHaveData, statistics, warnings };
  const criticalEffect = metric.criticalEffectSize ?? metric.effectSize;
  const result = (classification: Classification, decidedBy: MetricResult['decidedBy'], reason: string, weight: number): MetricResult => {
    statistics.pValue = metricPValue(statistics, allowHigh, allowLow);
    const moved = classification === 'High' || classification === 'Low';
    // A level move counts as critical only from the critical effect size on; the other tests have
    // no effect size of their own and stay critical, as do critical metrics without data.
    const bigEnough = decidedBy !== 'level' || Math.abs(statistics.relativeShift ?? Infinity) >= criticalEffect;
    const criticalFailure = metric.critical && decidedBy !== 'new-errors' && ((moved && bigEnough) || classification === 'NoData');
    const note = metric.critical && moved && !bigEnough ? ` Below the critical effect size of ${(criticalEffect * 100).toFixed(0)}%, so not a critical failure.` : '';
    return { ...base, criticalFailure, classification, decidedBy, reason: reason + note, weight };
  };

  if (canary.length === 0 || baseline.length === 0) {
    const which = canary.length === 0 && baseline.length === 0 ? 'canary and baseline have' : canary.length === 0 ? 'the canary has' : 'the baseline has';
    if (metric.nanStrategy === 'replace') {
      // Kayenta's semantics: with NaN replacement, a track without any point passes.
      warnings.push(`${metric.name}: ${which} no points; with nanStrategy replace the metric passes, as in Kayenta. Check its query.`);
      const passed = result('Pass', 'no-data', `No data (${which} no points): passed because nanStrategy is replace.`, 1);
      return { ...passed, criticalFailure: false };
    }
    return result('NoData', 'no-data', `No data: ${which} no points.`, 1);
  }

  const points = Math.min(canary.length, baseline.length);
  let weight = 1;
  if (points < MIN_POINTS) {
    weight = Math.max(MIN_WEIGHT, points / MIN_POINTS);
    warnings.push(`${metric.name}: only ${points} points (fewer than ${MIN_POINTS}); its weight in the group is lowered to ${weight.toFixed(2)}.`);
  }

  const sortedCanary = sortedCopy(canary);
  const sortedBaseline = sortedCopy(baseline);
  if (sortedCanary.length === sortedBaseline.length && sortedCanary.every((v, i) => v === sortedBaseline[i])) {
    return result('Pass', 'identical', 'Canary and baseline are identical.', weight);
  }

  if (canary.length + baseline.length > 2 * MAX_POINTS) {
    warnings.push(`${metric.name}: series thinned to ${MAX_POINTS} points each for the rank test.`);
  }
  const thinCanary = thin(canary);
  const thinBaseline = thin(baseline);
  const [canaryDependence, baselineDependence] = pooledDependence([thinCanary, thinBaseline]);
  const dependence = { canary: canaryDependence, baseline: baselineDependence };
  statistics.dependence = dependence;
  const inflation = rankSumInflation(dependence.canary, dependence.baseline);
  if (inflation >= 2) {
    warnings.push(
      `${metric.name}: the series follow their own past (lag-1 autocorrelation ${fmt(dependence.canary.rho)}): ${Math.round(canary.length)} and ${baseline.length} points count as about ${fmt(dependence.canary.effectivePoints)} and ${fmt(dependence.baseline.effectivePoints)} independent ones.`,
    );
  }

  const zeros = canary.filter((v) => v === 0).length + baseline.filter((v) => v === 0).length;
  const continuous = metric.kind === 'latency' || metric.kind === 'gauge';
  const sparse = !continuous && zeros / (canary.length + baseline.length) >= SPARSE_ZERO_SHARE;
  if (sparse) {
    const k1 = statistics.canary.nonZero;
    const k0 = statistics.baseline.nonZero;
    // Effective sample sizes: the indicator series' own autocorrelation scales points and hits.
    const [{ inflation: fc }, { inflation: fb }] = pooledDependence([canary.map((v) => (v === 0 ? 0 : 1)), baseline.map((v) => (v === 0 ? 0 : 1))]);
    const scaled = (k: number, n: number, f: number) => {
      const n2 = Math.max(1, Math.round(n / f));
      return { k: Math.min(n2, Math.round(k / f)), n: n2 };
    };
    const c1 = scaled(k1, canary.length, fc);
    const c0 = scaled(k0, baseline.length, fb);
    const pMore = fisherGreaterP(c1.k, c1.n, c0.k, c0.n);
    const pFewer = fisherGreaterP(c0.k, c0.n, c1.k, c1.n);
    // Totals of counts: given T events in all, the canary's share is Binomial(T, m / (m + n)) when
    // both tracks have the same rate. Bursty or autocorrelated counts carry fewer independent
    // events: both totals are divided by the baseline's index of dispersion of a total (≥ 1).
    const counts = isCount(metric, canary, baseline);
    const c = counts ? Math.round(canary.reduce((s, v) => s + v, 0)) : 0;
    const b = counts ? Math.round(baseline.reduce((s, v) => s + v, 0)) : 0;
    // The baseline says how bursty the service's events are; the canary's own bursts are what is tested.
    const phi = counts ? Math.max(1, dispersion(baseline) * dependence.baseline.inflation) : 1;
    const ce = Math.round(c / phi);
    const be = Math.round(b / phi);
    const share = canary.length / (canary.length + baseline.length);
    const pTotalMore = counts ? binomialAtLeastP(ce, ce + be, share) : 1;
    const pTotalFewer = counts ? binomialAtLeastP(be, ce + be, 1 - share) : 1;
    statistics.sparse = { canaryNonZero: k1, baselineNonZero: k0, pMore, pFewer, canaryTotal: c, baselineTotal: b, pTotalMore, pTotalFewer };
    const against = counts
      ? `${k1} of ${canary.length} canary points non-zero (total ${fmt(c)}) against ${k0} of ${baseline.length} in the baseline (total ${fmt(b)})`
      : `${k1} of ${canary.length} canary points non-zero against ${k0} of ${baseline.length} in the baseline`;
    const tests = counts ? `Fisher p = ${fmt(pMore)}, totals p = ${fmt(pTotalMore)}` : `Fisher p = ${fmt(pMore)}`;
    if (allowHigh && (pMore <= alpha || pTotalMore <= alpha)) {
      const what = k0 === 0 ? `Non-zero in ${k1} of ${canary.length} canary points where the baseline had none` : 'More events in the canary';
      return result('High', 'sparse', `${what}: ${against} (${tests}).`, weight);
    }
    if (allowHigh && k0 === 0 && k1 >= NEW_ERROR_POINTS) {
      return result(
        'High',
        'new-errors',
        `Non-zero in ${k1} of ${canary.length} canary points where the baseline had none (${counts ? `total ${fmt(c)}; ` : ''}${tests}): too few to call a regression at ${fmtAlpha(alpha)}, too many to pass.`,
        weight,
      );
    }
    if (allowLow && k1 === 0 && k0 >= NEW_ERROR_POINTS) {
      return result('Low', 'sparse', `Zero in every canary point where the baseline was non-zero in ${k0} of ${baseline.length}.`, weight);
    }
    if (allowLow && (pFewer <= alpha || pTotalFewer <= alpha)) {
      return result('Low', 'sparse', `Fewer events in the canary: ${against} (${counts ? `Fisher p = ${fmt(pFewer)}, totals p = ${fmt(pTotalFewer)}` : `Fisher p = ${fmt(pFewer)}`}).`, weight);
    }
    if (k0 === 0 && k1 > 0) {
      warnings.push(`${metric.name}: non-zero in ${k1} canary point${k1 === 1 ? '' : 's'} where the baseline had none; fewer than ${NEW_ERROR_POINTS}, not enough to fail on.`);
    }
  }

  const mw = mannWhitney(thinCanary, thinBaseline, 1 - alpha, { inflation });
  statistics.mannWhitney = mw;
  const halfWidth = TOLERANCE * Math.abs(mw.estimate);
  statistics.band = { lower: -halfWidth, upper: halfWidth };
  const scale = Math.abs(statistics.baseline.median ?? 0) || mean(baseline.map(Math.abs));
  const relativeShift = scale > 0 ? mw.estimate / scale : mw.estimate === 0 ? 0 : Math.sign(mw.estimate) * Infinity;
  statistics.relativeShift = relativeShift;
  const cm = statistics.canary.mean ?? 0;
  const bm = statistics.baseline.mean ?? 0;
  statistics.meanRatio = cm === 0 || bm === 0 ? NaN : cm / bm;
  const shiftText = `shift ${fmt(mw.estimate)} (${Number.isFinite(relativeShift) ? `${(relativeShift * 100).toFixed(1)}%` : 'from zero'}), ${fmtAlpha(alpha)} interval [${fmt(mw.lower)}, ${fmt(mw.upper)}], p = ${fmt(mw.pValue)}`;

  if (allowHigh && mw.lower > halfWidth && relativeShift > metric.effectSize) {
    return result('High', 'level', `Canary higher than baseline: ${shiftText}.`, weight);
  }
  if (allowLow && mw.upper < -halfWidth && relativeShift < -metric.effectSize) {
    return result('Low', 'level', `Canary lower than baseline: ${shiftText}.`, weight);
  }

  if (!sparse && allowHigh) {
    const spread = testSpread(canary, baseline, { canary: dependence.canary.inflation, baseline: dependence.baseline.inflation });
    statistics.spread = spread;
    if (spread && spread.pValue <= alpha && spread.ratio >= SPREAD_RATIO) {
      return result(
        'High',
        'spread',
        `Canary spread ${fmt(spread.ratio)} times the baseline's (Brown-Forsythe p = ${fmt(spread.pValue)}) with no shift in level: ${shiftText}.`,
        weight,
      );
    }
  }
  return result('Pass', 'none', `No significant change: ${shiftText}.`, weight);
}

/**
 * Holm's step-down procedure over the metrics that have data: sorted by p-value, the i-th
 * (from 0) is judged at α / (k − i) until one is not significant; the rest at that last level.
 */
function holmLevels(results: MetricResult[]): number[] {
  const tested = results.map((r, i) => ({ i, p: r.statistics.pValue })).filter((t): t is { i: number; p: number } => t.p !== null);
  const levels = results.map(() => ALPHA);
  const k = tested.length;
  if (k <= 1) return levels;
  tested.sort((a, b) => a.p - b.p);
  let rejected = 0;
  let stopped = false;
  for (const t of tested) {
    if (!stopped && t.p <= ALPHA / (k - rejected)) {
      levels[t.i] = ALPHA / (k - rejected);
      rejected++;
    } else {
      stopped = true;
      levels[t.i] = ALPHA / (k - rejected);
    }
  }
  return levels;
}

/** The highest summary score a canary with a suspect metric can have: the middle of the marginal band. */
export function suspectCap(thresholds: { pass: number; marginal: number }): number {
  return (thresholds.pass + thresholds.marginal) / 2;
}

function scoreGroups(metrics: MetricResult[], groupWeights: Record<string, number> | undefined): GroupResult[] {
  const names = [...new Set(metrics.map((m) => m.group))];
  const listed = names.filter((n) => groupWeights?.[n] !== undefined);
  const unlisted = names.filter((n) => groupWeights?.[n] === undefined);
  const listedSum = listed.reduce((s, n) => s + groupWeights![n], 0);
  // Like Kayenta, unweighted groups share what is left of 100; when nothing is left they take the
  // listed groups' mean weight, so a group is never silently ignored.
  const share = listed.length === 0 ? 1 : listedSum < 100 ? (100 - listedSum) / unlisted.length : listedSum / listed.length;
  return names.map((name) => {
    const inGroup = metrics.filter((m) => m.group === name);
    const counts: Record<Classification, number> = { Pass: 0, High: 0, Low: 0, NoData: 0 };
    let passWeight = 0;
    let totalWeight = 0;
    for (const m of inGroup) {
      counts[m.classification]++;
      if (m.classification === 'NoData' && !m.mustHaveData) continue;
      // A suspect metric is neither a pass nor a proven failure: it caps the summary instead.
      if (m.decidedBy === 'new-errors') continue;
      totalWeight += m.weight;
      if (m.classification === 'Pass') passWeight += m.weight;
    }
    return { name, score: totalWeight > 0 ? (passWeight / totalWeight) * 100 : null, weight: groupWeights?.[name] ?? share, counts };
  });
}

type ParsedMetric = z.infer<typeof JudgeMetric>;

/** Kayenta's judge over Fleet's input: see kayenta.ts for what it does. */
function judgeReference(inputs: ParsedMetric[], thresholds: { pass: number; marginal: number }, groupWeights: Record<string, number> | undefined): JudgeResult {
  const toNaN = (series: readonly (number | null)[]) => series.map((v) => (v === null || !Number.isFinite(v) ? NaN : v));
  const labels: KayentaClassification[] = [];
  const metrics: MetricResult[] = inputs.map((m) => {
    const criticalEffect = m.criticalEffectSize ?? m.effectSize;
    const k = classifyKayenta(toNaN(m.canary), toNaN(m.baseline), {
      direction: m.direction,
      nanStrategy: m.nanStrategy,
      outliers: m.outliers,
      critical: m.critical,
      mustHaveData: m.mustHaveData,
      allowedIncrease: 1 + m.effectSize,
      allowedDecrease: Math.max(0, 1 - m.effectSize),
      criticalIncrease: 1 + criticalEffect,
      criticalDecrease: Math.max(0, 1 - criticalEffect),
    });
    const missing = (raw: readonly (number | null)[]) => raw.filter((v) => v === null || !Number.isFinite(v)).length;
    const statistics: MetricStatistics = {
      canary: describeSeries(k.canary, missing(m.canary), m.canary.length - missing(m.canary) - k.canary.length),
      baseline: describeSeries(k.baseline, missing(m.baseline), m.baseline.length - missing(m.baseline) - k.baseline.length),
      mannWhitney: k.mannWhitney,
      band: k.mannWhitney ? { lower: -TOLERANCE * Math.abs(k.mannWhitney.estimate), upper: TOLERANCE * Math.abs(k.mannWhitney.estimate) } : null,
      relativeShift: null,
      sparse: null,
      spread: null,
      dependence: null,
      pValue: k.mannWhitney?.pValue ?? null,
      alpha: ALPHA,
      meanRatio: k.deviation,
    };
    labels.push(k.classification);
    const classification: Classification = k.classification === 'Pass' || k.classification === 'High' || k.classification === 'Low' ? k.classification : 'NoData';
    const decidedBy: MetricResult['decidedBy'] = classification === 'High' || classification === 'Low' ? 'level' : classification === 'NoData' ? 'no-data' : k.reason?.includes('identical') ? 'identical' : 'none';
    return {
      name: m.name,
      group: m.group,
      direction: m.direction,
      critical: m.critical,
      criticalFailure: k.critical && k.classification !== 'Pass',
      mustHaveData: m.mustHaveData,
      classification,
      decidedBy,
      reason: k.reason ?? (classification === 'Pass' ? 'Pass.' : classification),
      weight: 1,
      statistics,
      warnings: [],
    };
  });
  const scored = scoreKayenta(
    metrics.map((m, i) => ({ group: m.group, classification: labels[i], critical: m.criticalFailure, reason: m.reason })),
    groupWeights,
  );
  const groups: GroupResult[] = scored.groups.map((g) => {
    const inGroup = metrics.filter((m) => m.group === g.name);
    const counts: Record<Classification, number> = { Pass: 0, High: 0, Low: 0, NoData: 0 };
    for (const m of inGroup) counts[m.classification]++;
    const weightSum = Object.values(groupWeights ?? {}).reduce((s, w) => s + w, 0);
    const unweighted = scored.groups.filter((x) => groupWeights?.[x.name] === undefined).length;
    return { name: g.name, score: g.noData ? null : g.score, weight: groupWeights?.[g.name] ?? (unweighted > 0 ? (100 - weightSum) / unweighted : 0), counts };
  });
  const failing = metrics.filter((m) => m.classification === 'High' || m.classification === 'Low');
  const reason = scored.reason ?? (failing.length === 0 ? `All ${metrics.length} metrics pass.` : `${failing.length} of ${metrics.length} metrics moved: ${failing.map((m) => `${m.name} ${m.classification}`).join(', ')}.`);
  // Kayenta's ThresholdScoreClassifier: at or above marginal is Marginal.
  const verdict: Verdict = scored.score >= thresholds.pass ? 'pass' : scored.score >= thresholds.marginal ? 'marginal' : 'fail';
  return { score: scored.score, verdict, reason, thresholds, metrics, groups, warnings: [] };
}

/**
 * Judges a canary against its baseline.
 *
 * @example
 * judgeCanary({
 *   metrics: [{ name: 'errors', group: 'errors', direction: 'increase', critical: true, canary: [...], baseline: [...] }],
 *   thresholds: { pass: 95, marginal: 75 },
 * })
 * // { score: 100, verdict: 'pass', metrics: [{ classification: 'Pass', statistics: { mannWhitney: {...} }, ... }], ... }
 */
export function judgeCanary(input: JudgeInput): JudgeResult {
  const parsed = JudgeInput.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    throw new FleetError('bad_input', `The canary judge's input is invalid (${issues}). Fix these fields and judge again.`);
  }
  const { metrics: metricInputs, thresholds, groupWeights, mode } = parsed.data;
  if (mode === 'reference') return judgeReference(metricInputs, thresholds, groupWeights);
  const first = metricInputs.map((m) => classifyMetric(m, ALPHA));
  const levels = holmLevels(first);
  const judged = levels.filter((_, i) => first[i].statistics.pValue !== null).length;
  const metrics = first.map((r, i) => {
    if (levels[i] === ALPHA) return r;
    const again = classifyMetric(metricInputs[i], levels[i]);
    if (again.classification === 'Pass' && r.classification !== 'Pass') {
      again.reason += ` (It would move at ${fmtAlpha(ALPHA)} alone; Holm's correction across ${judged} metrics judges it at ${fmtAlpha(levels[i])}.)`;
    }
    return again;
  });
  const groups = scoreGroups(metrics, groupWeights);
  const warnings = metrics.flatMap((m) => m.warnings);
  const scored = groups.filter((g) => g.score !== null);
  const weightSum = scored.reduce((s, g) => s + g.weight, 0);
  let score = weightSum > 0 ? scored.reduce((s, g) => s + g.score! * g.weight, 0) / weightSum : 0;
  let reason: string;

  const suspects = metrics.filter((m) => m.decidedBy === 'new-errors');
  const criticalFailures = metrics.filter((m) => m.criticalFailure);
  const noData = metrics.filter((m) => m.classification === 'NoData');
  const failing = metrics.filter((m) => (m.classification === 'High' || m.classification === 'Low') && m.decidedBy !== 'new-errors');
  if (criticalFailures.length > 0) {
    score = 0;
    reason = `Critical metric ${criticalFailures.map((m) => `${m.name} (${m.classification})`).join(', ')} failed: ${criticalFailures[0].reason}`;
  } else if (noData.length >= metrics.length / 2) {
    score = 0;
    reason = `${noData.length} of ${plural(metrics.length, 'metric')} ${agree(noData.length, 'has', 'have')} no data; check the queries and that the canary receives traffic.`;
  } else if (scored.length === 0 && suspects.length === 0) {
    reason = 'No group has data to judge.';
  } else {
    // Only suspect metrics: nothing passed and nothing failed, so the cap below sets the score.
    if (scored.length === 0) score = 100;
    const passing = metrics.length - noData.length - failing.length - suspects.length;
    reason =
      failing.length === 0
        ? suspects.length === 0
          ? `All ${passing} metrics with data pass.`
          : `${passing} of ${metrics.length} metrics pass.`
        : `${failing.length} of ${metrics.length} metrics moved: ${failing.map((m) => `${m.name} ${m.classification}`).join(', ')}.`;
    if (suspects.length > 0) {
      score = Math.min(score, suspectCap(thresholds));
      const which = suspects.map((m) => `${m.name} in ${m.statistics.sparse?.canaryNonZero ?? 0} of ${m.statistics.canary.count} canary points`).join(', ');
      reason += ` Errors where the baseline had none (${which}) are too few to prove a regression and too many to pass: the score is held at ${Number(score.toFixed(1))}, in the marginal band, so Fleet does not merge this target until a person approves its wave.`;
    }
  }
  const verdict: Verdict = score >= thresholds.pass ? 'pass' : score > thresholds.marginal ? 'marginal' : 'fail';
  return { score, verdict, reason, thresholds, metrics, groups, warnings };
}
