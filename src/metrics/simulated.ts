import { createRandom, hashSeed } from './random.js';
import type { DeployedVersion, DeploymentHistoryReader, MetricsProvider, SeriesQuery } from './provider.js';

export type RegressionKind = 'errors' | 'latency' | 'variance';

export interface SimulatedTruth {
  regresses: boolean;
  /** What goes wrong when it regresses (default 'errors'). */
  kind?: RegressionKind;
}

export interface SimulatedOptions {
  seed: number;
  /** The ground truth per repository: whether the change is bad there, and how. */
  truth: (repo: string) => SimulatedTruth;
  /**
   * What ran where (the sandbox's simulated CD). When given, a query that names its environment
   * gets points only where a version with the query's sha ran in that environment (any version
   * there when the query names no sha), NaN elsewhere, and no points at all when none ran in the
   * window, as Prometheus answers for labels nobody exported; the regression shows on versions
   * that carry the change, whichever track queries them. A query without an environment, and every
   * query when this is not given (the benchmarks), gets today's series: the regression on the
   * canary track.
   */
  deployments?: DeploymentHistoryReader;
  /**
   * Lag-one autocorrelation ρ of the latency noise, in [0, 1): AR(1) noise, as a latency quantile
   * sampled at a short step shows. Default 0: independent points.
   */
  latencyCorrelation?: number;
}

type Shape = 'errors' | 'latency' | 'gauge';

function shapeOf(name: string): Shape {
  if (/error|5xx|fail|exception|crash|panic/i.test(name)) return 'errors';
  if (/latency|duration|time|p\d\d|ms\b|seconds/i.test(name)) return 'latency';
  return 'gauge';
}

function gridPoints(query: SeriesQuery): number {
  return Math.max(0, Math.floor((query.end - query.start) / Math.max(1, query.stepMs)) + 1);
}

/** Per-series base levels, derived from the metric and repository so fleets look varied. */
function levels(seed: number, repo: string, metric: string): { errorRate: number; latency: number; gauge: number } {
  const r = createRandom(hashSeed(`${repo}\u0000${metric}\u0000levels`, seed));
  return { errorRate: 0.02 + 0.08 * r.next(), latency: 60 + 200 * r.next(), gauge: 50 + 100 * r.next() };
}

/**
 * Simulated canary metrics with a known ground truth, for the sandbox and the benchmarks. Seeded and
 * deterministic: the same query always gives the same series. Error metrics are sparse Poisson
 * counts (mostly zeros), latencies log-normal with rare spikes, other gauges normal; canary and
 * baseline share a slow drift, as two fleets serving the same traffic do, and their noise is
 * independent. A regressing repository's canary (with `deployments`: every version of it that
 * carries the change) gets 10 times the error rate, a 35% slower latency, or a 4 times wider spread.
 *
 * @example
 * const sim = createSimulatedProvider({ seed: 7, truth: (repo) => ({ regresses: repo === 'acme/bad', kind: 'errors' }) });
 * // Deployment-aware, for the sandbox: series only where the queried sha ran in the queried environment.
 * const deployed = createSimulatedProvider({ seed: 7, truth, deployments: cd.history });
 */
export function createSimulatedProvider(options: SimulatedOptions): MetricsProvider {
  const rho = options.latencyCorrelation ?? 0;
  if (!(rho >= 0 && rho < 1)) throw new RangeError(`latencyCorrelation must be in [0, 1), not ${rho}.`);

  /** The version running at each point of the query's grid, or null; undefined: not deployment-aware. */
  async function runningVersions(query: SeriesQuery, points: number): Promise<(DeployedVersion | null)[] | undefined> {
    if (!options.deployments || query.environment === null) return undefined;
    const versions = (await options.deployments.versions(query.repo, query.environment)).filter((v) => query.sha === null || v.sha === query.sha);
    const stepMs = Math.max(1, query.stepMs);
    return Array.from({ length: points }, (_, i) => {
      const t = query.start + i * stepMs;
      return versions.find((v) => v.from <= t && (v.to === null || t < v.to)) ?? null;
    });
  }

  function generate(query: SeriesQuery, running: (DeployedVersion | null)[] | undefined): number[] {
    const points = gridPoints(query);
    const shape = shapeOf(query.metric.name);
    const truth = options.truth(query.repo);
    const kind = truth.kind ?? 'errors';
    const hit = truth.regresses && (kind === 'errors' ? shape === 'errors' || (shape === 'gauge' && query.metric.direction === 'increase') : shape !== 'errors');
    if (running && running.every((v) => v === null)) return [];
    const base = levels(options.seed, query.repo, query.metric.name);
    const noise = createRandom(hashSeed(`${query.repo}\u0000${query.metric.name}\u0000${query.track}\u0000${query.start}`, options.seed));
    const drift = createRandom(hashSeed(`${query.repo}\u0000${query.metric.name}\u0000drift\u0000${query.start}`, options.seed));
    const innovation = Math.sqrt(1 - rho * rho);
    const values: number[] = [];
    let level = 0;
    let correlated = 0;
    for (let i = 0; i < points; i++) {
      level = 0.9 * level + 0.1 * drift.normal();
      const swing = 1 + 0.03 * level;
      // Every point draws its noise, shown or not, so a gap never shifts the points after it.
      const version = running?.[i];
      const affected = running ? hit && version !== null && version !== undefined && version.carriesChange : hit && query.track === 'canary';
      let value: number;
      if (shape === 'errors') {
        const rate = base.errorRate * swing * (affected ? 10 : 1);
        value = noise.poisson(Math.max(0, rate));
      } else if (shape === 'latency') {
        const sd = affected && kind === 'variance' ? 0.32 : 0.08;
        const shift = affected && kind === 'latency' ? 1.35 : 1;
        const spike = noise.next() < 0.01 ? 2.5 : 1;
        const z = noise.normal();
        correlated = i === 0 ? z : rho * correlated + innovation * z;
        value = base.latency * swing * shift * spike * Math.exp(sd * correlated - (sd * sd) / 2);
      } else {
        const sd = affected && kind === 'variance' ? 0.2 : 0.05;
        const shift = affected && kind === 'latency' ? (query.metric.direction === 'decrease' ? 0.65 : 1.35) : 1;
        value = base.gauge * swing * shift * (1 + sd * noise.normal());
      }
      values.push(version === null ? NaN : value);
    }
    return values;
  }
  return {
    async fetchSeries(query: SeriesQuery): Promise<number[]> {
      return generate(query, await runningVersions(query, gridPoints(query)));
    },
  };
}
