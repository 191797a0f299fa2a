import { mannWhitney, type MannWhitneyResult } from './mann-whitney.js';

/**
 * Kayenta's NetflixACAJudge, as its published source describes it (spinnaker/kayenta,
 * kayenta-judge: MannWhitneyClassifier, Transforms, IQRDetector, WeightedSumScorer), written
 * out so Fleet can be measured against it on the same data (`judgeCanary({ mode: 'reference' })`
 * and `npm run bench:judge`). Per metric: NaNs removed or replaced by 0; outliers optionally
 * removed (IQR fences widened to the 1st and 99th percentiles); an empty track is NoData (or,
 * with NaN replacement, a Pass); identical or single-valued data pass; otherwise the two-sided
 * Mann-Whitney interval of the shift at 98% (normal approximation, root finding, as R) must lie
 * beyond ±25% of the Hodges-Lehmann estimate and the mean ratio reach the allowed ratio; a
 * critical metric fails the canary when its ratio reaches the critical ratio, or when it has no
 * data. The one departure: where Kayenta adds Gaussian noise (1e-5 of the value) to two
 * single-valued tracks so ranks can be taken, this adds a fixed, deterministic jitter of the same
 * size, so a reference verdict is reproducible.
 */

export type KayentaClassification = 'Pass' | 'High' | 'Low' | 'Nodata' | 'NodataFailMetric' | 'Error';

export interface KayentaMetricOptions {
  direction?: 'increase' | 'decrease' | 'either';
  nanStrategy?: 'remove' | 'replace';
  outliers?: 'keep' | 'remove';
  outlierFactor?: number;
  critical?: boolean;
  mustHaveData?: boolean;
  tolerance?: number;
  confidence?: number;
  /** Mean ratios (canary / baseline) a move must reach: High at ≥ allowedIncrease, Low at ≤ allowedDecrease. */
  allowedIncrease?: number;
  allowedDecrease?: number;
  criticalIncrease?: number;
  criticalDecrease?: number;
}

export interface KayentaMetricResult {
  classification: KayentaClassification;
  critical: boolean;
  reason: string | null;
  /** The mean ratio canary / baseline (NaN when either mean is 0; 1 when not computed). */
  deviation: number;
  mannWhitney: MannWhitneyResult | null;
  canary: number[];
  baseline: number[];
}

/** R-7 percentile (linear interpolation), p in [0, 100]. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * (p / 100);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Kayenta's IQR detector with reduced sensitivity: fences at min(p1, Q1 − f·IQR) and max(p99, Q3 + f·IQR). */
export function kayentaOutliers(values: readonly number[], factor = 3): boolean[] {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = percentile(sorted, 25);
  const q3 = percentile(sorted, 75);
  const iqr = q3 - q1;
  const lower = Math.min(percentile(sorted, 1), q1 - factor * iqr);
  const upper = Math.max(percentile(sorted, 99), q3 + factor * iqr);
  return values.map((v) => v > upper || v < lower);
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Kayenta's mean ratio effect size: experiment mean / control mean, NaN when either is 0. */
export function meanRatio(baseline: readonly number[], canary: readonly number[]): number {
  const b = mean(baseline);
  const c = mean(canary);
  return b === 0 || c === 0 ? NaN : c / b;
}

function jitter(values: number[]): number[] {
  const scale = values[0] * 1e-5;
  // A fixed, zero-mean, unit-spread sequence in place of Kayenta's random normal noise.
  return values.map((v, i) => v + scale * (((i * 0.6180339887498949) % 1) - 0.5) * 3.4641016151377544);
}

function transform(raw: readonly number[], nanStrategy: 'remove' | 'replace', outliers: 'keep' | 'remove', factor: number): number[] {
  const values = nanStrategy === 'remove' ? raw.filter((v) => !Number.isNaN(v)) : raw.map((v) => (Number.isNaN(v) ? 0 : v));
  if (outliers === 'keep' || values.length === 0) return values;
  const flags = kayentaOutliers(values, factor);
  return values.filter((_, i) => !flags[i]);
}

/**
 * Classifies one metric as Kayenta's MannWhitneyClassifier does.
 *
 * @example
 * classifyKayenta([20, 22, 21, 25, 30], [1, 2.2, 1.1, 2.5, 3], { tolerance: 0.1, confidence: 0.95, critical: true })
 * // { classification: 'High', critical: true, ... }
 */
export function classifyKayenta(canaryRaw: readonly number[], baselineRaw: readonly number[], options: KayentaMetricOptions = {}): KayentaMetricResult {
  const direction = options.direction ?? 'either';
  const nanStrategy = options.nanStrategy ?? 'remove';
  const critical = options.critical ?? false;
  const canary = transform(canaryRaw, nanStrategy, options.outliers ?? 'keep', options.outlierFactor ?? 3);
  const baseline = transform(baselineRaw, nanStrategy, options.outliers ?? 'keep', options.outlierFactor ?? 3);
  const out = (classification: KayentaClassification, reason: string | null, deviation: number, isCritical: boolean, mw: MannWhitneyResult | null = null): KayentaMetricResult => ({
    classification,
    critical: isCritical,
    reason,
    deviation,
    mannWhitney: mw,
    canary,
    baseline,
  });

  if (canary.length === 0 || baseline.length === 0) {
    if (nanStrategy === 'remove') {
      const reason = 'Missing data';
      if ((options.mustHaveData ?? false) && !critical) return out('NodataFailMetric', reason, 1, false);
      return out('Nodata', reason, 1, critical);
    }
    return out('Pass', null, 1, false);
  }
  const sortedCanary = [...canary].sort((a, b) => a - b);
  const sortedBaseline = [...baseline].sort((a, b) => a - b);
  if (sortedCanary.length === sortedBaseline.length && sortedCanary.every((v, i) => v === sortedBaseline[i])) {
    return out('Pass', 'The Canary and Baseline data are identical', 1, false);
  }
  if (new Set([...canary, ...baseline]).size === 1) return out('Pass', null, 1, false);

  const single = new Set(canary).size === 1 && new Set(baseline).size === 1;
  const x = single ? jitter(canary) : canary;
  const y = single ? jitter(baseline) : baseline;
  let interval: MannWhitneyResult;
  try {
    interval = mannWhitney(x, y, options.confidence ?? 0.98, { method: 'normal' });
  } catch {
    return out('Error', 'Metric Classification Failed', 1, critical);
  }
  const deviation = meanRatio(y, x);
  const bound = (options.tolerance ?? 0.25) * Math.abs(interval.estimate);
  const high = direction !== 'decrease' && interval.lower > bound && (Number.isNaN(deviation) || deviation >= (options.allowedIncrease ?? 1));
  const low = direction !== 'increase' && interval.upper < -bound && (Number.isNaN(deviation) || deviation <= (options.allowedDecrease ?? 1));
  if (high) {
    const isCritical = critical && (Number.isNaN(deviation) || deviation >= (options.criticalIncrease ?? 1));
    return out('High', isCritical ? 'The metric was classified as High (Critical)' : 'The metric was classified as High', deviation, isCritical, interval);
  }
  if (low) {
    const isCritical = critical && (Number.isNaN(deviation) || deviation <= (options.criticalDecrease ?? 1));
    return out('Low', isCritical ? 'The metric was classified as Low (Critical)' : 'The metric was classified as Low', deviation, isCritical, interval);
  }
  return out('Pass', null, deviation, false, interval);
}

export interface KayentaScore {
  score: number;
  groups: { name: string; score: number; noData: boolean }[];
  reason: string | null;
}

/** Kayenta's WeightedSumScorer over metric results (each with its group). */
export function scoreKayenta(results: readonly { group: string; classification: KayentaClassification; critical: boolean; reason: string | null }[], groupWeights: Record<string, number> = {}): KayentaScore {
  const names = [...new Set(results.map((r) => r.group))];
  const groups = names.map((name) => {
    const labels = results.filter((r) => r.group === name).map((r) => r.classification);
    const count = (c: KayentaClassification) => labels.filter((l) => l === c).length;
    const total = count('Pass') + count('High') + count('Low') + count('NodataFailMetric');
    return { name, score: total === 0 ? 0 : (count('Pass') / total) * 100, noData: total === 0 };
  });
  const failures = results.filter((r) => r.critical && r.classification !== 'Pass');
  if (failures.length > 0) return { score: 0, groups, reason: `Canary Failed: ${failures[0].reason ?? ''}` };
  const nodata = results.filter((r) => r.classification === 'Nodata').length;
  if ((nodata / results.length) * 100 >= 50) return { score: 0, groups, reason: 'Canary Failed: 50% or more metrics returned NODATA' };
  const weightSum = Object.values(groupWeights).reduce((s, w) => s + w, 0);
  const unweighted = names.filter((n) => groupWeights[n] === undefined);
  const calculated = unweighted.length > 0 ? (100 - weightSum) / unweighted.length : 0;
  let summary = 0;
  for (const g of groups) summary += (g.noData ? 100 : g.score) * ((groupWeights[g.name] ?? calculated) / 100);
  return { score: Math.round(summary * 100) / 100, groups, reason: null };
}
