import type { z } from 'zod';
import type { Canary, CanaryMetric } from '../domain/spec.js';

export type CanaryMetricConfig = z.infer<typeof CanaryMetric>;
export type Track = 'canary' | 'baseline';

export interface SeriesQuery {
  metric: CanaryMetricConfig;
  /** What the canary runs as (a deployment, a PR number, a service name). */
  target: string;
  /** The repository, "owner/name". */
  repo: string;
  track: Track;
  /** Epoch milliseconds. */
  start: number;
  end: number;
  stepMs: number;
}

/** Where canary metrics come from: Prometheus in production, a simulator in the sandbox. */
export interface MetricsProvider {
  /** The metric's values from `start` to `end`, one per step; NaN where a point is missing. */
  fetchSeries(query: SeriesQuery): Promise<number[]>;
}

/** The provider a campaign's `canary.provider` names. */
export type MetricsProviderName = Canary['provider'];

/**
 * The providers the composition root configured, by name: Prometheus when PROMETHEUS_URL is set,
 * the simulated one in the sandbox and the benchmarks. A campaign reads only the one it names.
 */
export type MetricsProviders = Partial<Record<MetricsProviderName, MetricsProvider>>;

/** The query used when a metric names none: the metric name filtered by repo and track. */
export const DEFAULT_QUERY = '{{name}}{repo="{{repo}}",track="{{track}}"}';

// A value placed inside a PromQL string literal must not be able to close it.
function escapePromQl(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Fills {{target}}, {{repo}}, {{track}} (and {{name}}) into a metric's query, escaped for use
 * inside PromQL string literals.
 *
 * @example renderQuery('rate(errors{app="{{repo}}",track="{{track}}"}[1m])', { ... repo: 'acme/api', track: 'canary' })
 * // 'rate(errors{app="acme/api",track="canary"}[1m])'
 */
export function renderQuery(query: Pick<SeriesQuery, 'metric' | 'target' | 'repo' | 'track'>): string {
  const values: Record<string, string> = { target: query.target, repo: query.repo, track: query.track, name: query.metric.name };
  return (query.metric.query ?? DEFAULT_QUERY).replace(/\{\{\s*(target|repo|track|name)\s*\}\}/g, (_, key: string) => escapePromQl(values[key]));
}
