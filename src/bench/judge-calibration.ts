import { judgeCanary, type JudgeInput, type Verdict } from '../confidence/judge.js';
import { createRandom, type Random } from '../metrics/random.js';

/**
 * The canary judge's calibration: how often Fleet's judge and Kayenta's algorithm (the judge's
 * `mode: 'reference'`, src/confidence/kayenta.ts) fail a healthy canary (false alarms) and a
 * regressing one (power), on the same generated series.
 *
 * Every series is driven by a stationary AR(1) process z_t = ρ·z_{t−1} + √(1 − ρ²)·ε_t, each track
 * (canary, baseline) its own, so ρ = 0 gives independent points and ρ = 0.5 or 0.9 the
 * autocorrelated series a Prometheus `rate()` or a latency quantile sampled at a short step gives:
 * - latency: 120 ms · exp(0.3·z_t) (a log-normal latency with a 30% spread); the regression is +20%;
 * - error counts: Poisson(4 · exp(0.5·z_t − 0.125)) errors per point (`kind: count`); the regression ×2;
 * - error rates: the same counts per minute expressed per second (÷ 60, `kind: rate`); the regression ×2.
 * Each canary is judged on one metric (direction `increase`) with the default thresholds (95 / 75).
 * Fleet's judge runs with its defaults (effect size 10%); Kayenta's with its own (allowed mean
 * ratio 1.0, so any significant increase fails). A cell counts the canaries whose verdict is fail.
 */

export type CalibrationMetric = 'latency' | 'error-counts' | 'error-rates';
export const CALIBRATION_METRICS: CalibrationMetric[] = ['latency', 'error-counts', 'error-rates'];

export interface CalibrationOptions {
  seed?: number;
  /** Canaries judged per cell (per metric, ρ, length and scenario). */
  runs?: number;
  rhos?: number[];
  points?: number[];
  metrics?: CalibrationMetric[];
}

export interface JudgeTally {
  fail: number;
  marginal: number;
  /** fail / runs. */
  failRate: number;
}

export interface CalibrationCell {
  metric: CalibrationMetric;
  rho: number;
  points: number;
  scenario: 'healthy' | 'regression';
  runs: number;
  fleet: JudgeTally;
  kayenta: JudgeTally;
}

export interface CalibrationReport {
  seed: number;
  runs: number;
  cells: CalibrationCell[];
  /** The aims, each checked on these figures. */
  aims: {
    /** Fleet's false failures at ρ = 0.5, at most 2% in every healthy cell. */
    falseAlarmsAtRho05: { worst: number; met: boolean } | null;
    /** Fleet's false failures at ρ = 0.9, at most half Kayenta's in every healthy cell where Kayenta fails any. */
    halfOfKayentaAtRho09: { worstRatio: number; met: boolean } | null;
    /** Fleet's false failures on independent series: at most Kayenta's + 1 point, or 1%, whichever is larger. */
    independent: { worst: number; met: boolean } | null;
    /** Fleet's power on independent and ρ = 0.5 series at least Kayenta's less two standard errors in every regression cell. */
    power: { worstGap: number; met: boolean } | null;
  };
  elapsedMs: number;
}

function ar1(random: Random, n: number, rho: number): number[] {
  const out = new Array<number>(n);
  const innovation = Math.sqrt(1 - rho * rho);
  let z = random.normal();
  for (let t = 0; t < n; t++) {
    if (t > 0) z = rho * z + innovation * random.normal();
    out[t] = z;
  }
  return out;
}

/** One track of a metric: the process above, `factor` the regression's multiplier (1 when healthy). */
export function generateTrack(random: Random, metric: CalibrationMetric, n: number, rho: number, factor: number): number[] {
  const z = ar1(random, n, rho);
  if (metric === 'latency') return z.map((v) => 120 * factor * Math.exp(0.3 * v));
  const counts = z.map((v) => random.poisson(4 * factor * Math.exp(0.5 * v - 0.125)));
  return metric === 'error-counts' ? counts : counts.map((c) => c / 60);
}

function judgeOnce(metric: CalibrationMetric, canary: number[], baseline: number[], mode: 'fleet' | 'reference'): Verdict {
  const kind = metric === 'latency' ? 'latency' : metric === 'error-counts' ? 'count' : 'rate';
  const input: JudgeInput = {
    metrics: [{ name: metric, group: metric, direction: 'increase', ...(mode === 'fleet' ? { kind } : { effectSize: 0 }), canary, baseline }],
    thresholds: { pass: 95, marginal: 75 },
    mode,
  };
  return judgeCanary(input).verdict;
}

function tally(verdicts: Verdict[]): JudgeTally {
  const fail = verdicts.filter((v) => v === 'fail').length;
  return { fail, marginal: verdicts.filter((v) => v === 'marginal').length, failRate: verdicts.length === 0 ? 0 : fail / verdicts.length };
}

/**
 * @example
 * measureJudgeCalibration({ runs: 20, rhos: [0.5], points: [30], metrics: ['latency'] })
 * // { cells: [{ metric: 'latency', rho: 0.5, points: 30, scenario: 'healthy', fleet: { fail, ... }, kayenta: {...} }, ...], aims, ... }
 */
export function measureJudgeCalibration(options: CalibrationOptions = {}): CalibrationReport {
  const started = Date.now();
  const seed = options.seed ?? 2024;
  const runs = options.runs ?? 500;
  const rhos = options.rhos ?? [0, 0.5, 0.9];
  const points = options.points ?? [30, 60];
  const metrics = options.metrics ?? CALIBRATION_METRICS;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer (got ${runs}).`);
  for (const rho of rhos) if (!(rho >= 0 && rho < 1)) throw new RangeError(`Every ρ must be in [0, 1) (got ${rho}).`);
  for (const n of points) if (!Number.isInteger(n) || n < 3) throw new RangeError(`Every series length must be an integer of at least 3 (got ${n}).`);
  const cells: CalibrationCell[] = [];
  let cellIndex = 0;
  for (const metric of metrics) {
    for (const rho of rhos) {
      for (const n of points) {
        for (const scenario of ['healthy', 'regression'] as const) {
          // Each cell its own stream, so adding a cell does not change the others' figures.
          const random = createRandom(seed * 1_000 + cellIndex++);
          const fleet: Verdict[] = [];
          const kayenta: Verdict[] = [];
          const factor = scenario === 'healthy' ? 1 : metric === 'latency' ? 1.2 : 2;
          for (let r = 0; r < runs; r++) {
            const canary = generateTrack(random, metric, n, rho, factor);
            const baseline = generateTrack(random, metric, n, rho, 1);
            fleet.push(judgeOnce(metric, canary, baseline, 'fleet'));
            kayenta.push(judgeOnce(metric, canary, baseline, 'reference'));
          }
          cells.push({ metric, rho, points: n, scenario, runs, fleet: tally(fleet), kayenta: tally(kayenta) });
        }
      }
    }
  }
  return { seed, runs, cells, aims: checkAims(cells), elapsedMs: Date.now() - started };
}

function checkAims(cells: CalibrationCell[]): CalibrationReport['aims'] {
  const healthy = (rho: number) => cells.filter((c) => c.scenario === 'healthy' && c.rho === rho);
  const at05 = healthy(0.5);
  const at09 = healthy(0.9).filter((c) => c.kayenta.fail > 0);
  const indep = healthy(0);
  const regressions = cells.filter((c) => c.scenario === 'regression' && (c.rho === 0 || c.rho === 0.5));
  const worst = (values: number[]) => Math.max(...values);
  return {
    falseAlarmsAtRho05: at05.length === 0 ? null : { worst: worst(at05.map((c) => c.fleet.failRate)), met: at05.every((c) => c.fleet.failRate <= 0.02) },
    halfOfKayentaAtRho09:
      at09.length === 0 ? null : { worstRatio: worst(at09.map((c) => c.fleet.failRate / c.kayenta.failRate)), met: at09.every((c) => c.fleet.failRate <= c.kayenta.failRate / 2) },
    independent: indep.length === 0 ? null : { worst: worst(indep.map((c) => c.fleet.failRate)), met: indep.every((c) => c.fleet.failRate <= Math.max(0.01, c.kayenta.failRate + 0.01)) },
    power:
      regressions.length === 0
        ? null
        : {
            worstGap: worst(regressions.map((c) => c.kayenta.failRate - c.fleet.failRate)),
            met: regressions.every((c) => {
              const p = c.kayenta.failRate;
              return c.fleet.failRate >= p - 2 * Math.sqrt((p * (1 - p)) / c.runs);
            }),
          },
  };
}

/** The table docs/confidence.md shows: one row per metric, ρ and length. */
export function formatCalibration(report: CalibrationReport): string {
  const pct = (t: JudgeTally) => `${(t.failRate * 100).toFixed(1)}%`;
  const lines = ['| metric | ρ | points | false failures: Fleet | Kayenta | power: Fleet | Kayenta |', '| --- | --- | --- | --- | --- | --- | --- |'];
  const keys = [...new Set(report.cells.map((c) => `${c.metric}|${c.rho}|${c.points}`))];
  for (const key of keys) {
    const [metric, rho, n] = key.split('|');
    const healthy = report.cells.find((c) => `${c.metric}|${c.rho}|${c.points}` === key && c.scenario === 'healthy');
    const regression = report.cells.find((c) => `${c.metric}|${c.rho}|${c.points}` === key && c.scenario === 'regression');
    lines.push(`| ${metric} | ${rho} | ${n} | ${healthy ? pct(healthy.fleet) : '—'} | ${healthy ? pct(healthy.kayenta) : '—'} | ${regression ? pct(regression.fleet) : '—'} | ${regression ? pct(regression.kayenta) : '—'} |`);
  }
  return lines.join('\n');
}
