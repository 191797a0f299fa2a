import type { z } from 'zod';
import type { Canary, CanaryMetric } from '../domain/spec.js';

export type CanaryMetricConfig = z.infer<typeof CanaryMetric>;
export type Track = 'canary' | 'baseline';

export interface SeriesQuery {
  metric: CanaryMetricConfig;
  /** What the canary runs as (a deployment, a PR number, a service name): {{target}}. */
  target: string;
  /** The repository, "owner/name". */
  repo: string;
  track: Track;
  /** The version this track runs ({{sha}}): the canary's deployed head, or the baseline's version. */
  sha: string | null;
  /** The baseline's version ({{baselineSha}}), the same for both tracks. */
  baselineSha: string | null;
  /** Where this track runs ({{environment}}): "canary", "production", ... */
  environment: string | null;
  /** This track's GitHub deployment id ({{deployment}}). */
  deployment: string | null;
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

/**
 * One version of a repository that ran in an environment, from `from` until `to` (null: still
 * running): what a CD system knows. The sandbox's simulated CD keeps these; its metrics (the
 * simulated provider and the exporter) serve series only for versions that really ran.
 */
export interface DeployedVersion {
  repo: string;
  environment: string;
  sha: string;
  /** GitHub's deployment id of this version. */
  deployment: number;
  /** Epoch ms the deployment succeeded. */
  from: number;
  to: number | null;
  /** Ground truth of the simulator: the version carries the campaign's change. */
  carriesChange: boolean;
}

/** Which versions ran where, over time (the sandbox's simulated CD keeps one). */
export interface DeploymentHistory {
  versions(repo: string, environment: string): DeployedVersion[];
}

/**
 * What the simulated provider and the exporter read a history through: a `DeploymentHistory`
 * answers at once, one read from GitHub's Deployments API (src/github/deployment-history.ts)
 * asynchronously.
 */
export interface DeploymentHistoryReader {
  versions(repo: string, environment: string): DeployedVersion[] | Promise<DeployedVersion[]>;
}

/** The query used when a metric names none: the metric name filtered by repo and track. */
export const DEFAULT_QUERY = '{{name}}{repo="{{repo}}",track="{{track}}"}';

// A value placed inside a PromQL string literal must not be able to close it.
function escapePromQl(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Fills {{target}}, {{repo}}, {{track}}, {{sha}}, {{baselineSha}}, {{environment}},
 * {{deployment}} (and {{name}}) into a metric's query, escaped for use inside PromQL string
 * literals. A placeholder whose value is unknown (no deployment yet) renders as the empty string.
 *
 * @example renderQuery('rate(errors{app="{{repo}}",track="{{track}}"}[1m])', { ... repo: 'acme/api', track: 'canary' })
 * // 'rate(errors{app="acme/api",track="canary"}[1m])'
 */
export function renderQuery(query: Pick<SeriesQuery, 'metric' | 'target' | 'repo' | 'track'> & Partial<Pick<SeriesQuery, 'sha' | 'baselineSha' | 'environment' | 'deployment'>>): string {
  const values: Record<string, string> = {
    target: query.target,
    repo: query.repo,
    track: query.track,
    name: query.metric.name,
    sha: query.sha ?? '',
    baselineSha: query.baselineSha ?? '',
    environment: query.environment ?? '',
    deployment: query.deployment ?? '',
  };
  return (query.metric.query ?? DEFAULT_QUERY).replace(/\{\{\s*(target|repo|track|name|sha|baselineSha|environment|deployment)\s*\}\}/g, (_, key: string) => escapePromQl(values[key]));
}
