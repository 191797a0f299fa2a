import { createRandom, hashSeed } from './random.js';
import type { MetricsProvider, SeriesQuery } from './provider.js';

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
}

type Shape = 'errors' | 'latency' | 'gauge';

function shapeOf(name: string): Shape {
  if (/error|5xx|fail|exception|crash|panic/i.test(name)) return 'errors';
  if (/latency|duration|time|p\d\d|ms\b|seconds/i.test(name)) return 'latency';
  return 'gauge';
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
 * baseline share a slow drift, as two fleets serving the same traffic do. A regressing repository's
 * canary gets 10 times the error rate, a 35% slower latency, or a 4 times wider spread.
 *
 * @example
 * const sim = createSimulatedProvider({ seed: 7, truth: (repo) => ({ regresses: repo === 'acme/bad', kind: 'errors' }) });
 */
export function createSimulatedProvider(options: SimulatedOptions): MetricsProvider {
  function generate(query: SeriesQuery): number[] {
    const points = Math.max(0, Math.floor((query.end - query.start) / Math.max(1, query.stepMs)) + 1);
    const shape = shapeOf(query.metric.name);
    const truth = options.truth(query.repo);
    const kind = truth.kind ?? 'errors';
    const affected =
      truth.regresses &&
      query.track === 'canary' &&
      (kind === 'errors' ? shape === 'errors' || (shape === 'gauge' && query.metric.direction === 'increase') : shape !== 'errors');
    const base = levels(options.seed, query.repo, query.metric.name);
    const noise = createRandom(hashSeed(`${query.repo}\u0000${query.metric.name}\u0000${query.track}\u0000${query.start}`, options.seed));
    const drift = createRandom(hashSeed(`${query.repo}\u0000${query.metric.name}\u0000drift\u0000${query.start}`, options.seed));
    const values: number[] = [];
    let level = 0;
    for (let i = 0; i < points; i++) {
      level = 0.9 * level + 0.1 * drift.normal();
      const swing = 1 + 0.03 * level;
      if (shape === 'errors') {
        const rate = base.errorRate * swing * (affected ? 10 : 1);
        values.push(noise.poisson(Math.max(0, rate)));
      } else if (shape === 'latency') {
        const sd = affected && kind === 'variance' ? 0.32 : 0.08;
        const shift = affected && kind === 'latency' ? 1.35 : 1;
        const spike = noise.next() < 0.01 ? 2.5 : 1;
        values.push(base.latency * swing * shift * spike * Math.exp(sd * noise.normal() - (sd * sd) / 2));
      } else {
        const sd = affected && kind === 'variance' ? 0.2 : 0.05;
        const shift = affected && kind === 'latency' ? (query.metric.direction === 'decrease' ? 0.65 : 1.35) : 1;
        values.push(base.gauge * swing * shift * (1 + sd * noise.normal()));
      }
    }
    return values;
  }
  return {
    fetchSeries(query: SeriesQuery): Promise<number[]> {
      return Promise.resolve(generate(query));
    },
  };
}
