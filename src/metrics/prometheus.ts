import { z } from 'zod';
import { FleetError } from '../errors.js';
import { renderQuery, type MetricsProvider, type SeriesQuery } from './provider.js';

/**
 * Errors are FleetError('metrics_error') with `details.retryable`: true when Prometheus is down,
 * slow or failing, false when the query itself is wrong (so retrying cannot help).
 */
export interface PrometheusOptions {
  /** e.g. http://prometheus:9090 (PROMETHEUS_URL). */
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const Sample = z.tuple([z.number(), z.string()]);
const QueryRangeResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({
      resultType: z.literal('matrix'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(Sample).default([]) })),
    }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().default(''), error: z.string().default('') }),
]);

const TRANSIENT_ERRORS = new Set(['timeout', 'canceled', 'unavailable', 'internal']);

function parseValue(text: string): number {
  // Prometheus writes NaN, +Inf and -Inf as strings; the judge treats them all as missing points.
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}

/** How many points the query's grid has: start, start + step, ..., up to end. */
export function gridLength(query: Pick<SeriesQuery, 'start' | 'end' | 'stepMs'>): number {
  if (!(query.end >= query.start)) return 0;
  return Math.floor((query.end - query.start) / Math.max(1, query.stepMs)) + 1;
}

/**
 * Places each sample at its timestamp's slot on the query's grid (start, start + step, ..., end):
 * a missing sample is NaN at its place, never a shift of the later ones; a sample off the grid
 * goes to its nearest slot, one outside the window is dropped.
 *
 * @example alignToGrid([[100, '1'], [102, '3']], { start: 100_000, end: 102_000, stepMs: 1_000 }) // [1, NaN, 3]
 */
export function alignToGrid(samples: readonly (readonly [number, string])[], query: Pick<SeriesQuery, 'start' | 'end' | 'stepMs'>): number[] {
  const length = gridLength(query);
  const stepMs = Math.max(1, query.stepMs);
  const values = new Array<number>(length).fill(NaN);
  for (const [seconds, text] of samples) {
    const slot = Math.round((seconds * 1000 - query.start) / stepMs);
    if (slot >= 0 && slot < length) values[slot] = parseValue(text);
  }
  return values;
}

/**
 * A metrics provider over Prometheus' HTTP API (`GET /api/v1/query_range`).
 *
 * @example
 * const prometheus = createPrometheusProvider({ baseUrl: 'http://127.0.0.1:9090' });
 * await prometheus.fetchSeries({ metric, target: 'pr-12', repo: 'acme/api', track: 'canary', start, end, stepMs: 60_000 });
 */
export function createPrometheusProvider(options: PrometheusOptions): MetricsProvider {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function fetchSeries(query: SeriesQuery): Promise<number[]> {
    const promql = renderQuery(query);
    const url = new URL(`${base}/api/v1/query_range`);
    url.searchParams.set('query', promql);
    url.searchParams.set('start', String(query.start / 1000));
    url.searchParams.set('end', String(query.end / 1000));
    url.searchParams.set('step', String(Math.max(1, query.stepMs) / 1000));
    const what = `metric "${query.metric.name}" (${query.track}) of ${query.repo}`;

    let response: Response;
    try {
      response = await doFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new FleetError(
        'metrics_error',
        timedOut
          ? `Prometheus at ${base} did not answer within ${timeoutMs} ms for ${what}; check that it is up or raise the timeout.`
          : `Prometheus at ${base} could not be reached for ${what}; check PROMETHEUS_URL and the network.`,
        { url: url.toString(), retryable: true },
        { cause: error },
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new FleetError('metrics_error', `Prometheus at ${base} answered ${response.status} with a body that is not JSON for ${what}; check that PROMETHEUS_URL points at Prometheus itself.`, {
        status: response.status,
        retryable: true,
      });
    }
    const parsed = QueryRangeResponse.safeParse(json);
    if (!parsed.success) {
      throw new FleetError('metrics_error', `Prometheus answered ${response.status} with an unexpected body for ${what}; the query must return a range vector.`, {
        status: response.status,
        retryable: false,
      });
    }
    if (parsed.data.status === 'error') {
      const { errorType, error } = parsed.data;
      // bad_data and execution errors are the query's fault; the rest are Prometheus having trouble.
      if (response.status >= 500 || TRANSIENT_ERRORS.has(errorType)) {
        throw new FleetError('metrics_error', `Prometheus failed on the query for ${what} (${errorType}: ${error}); it will be tried again.`, {
          status: response.status,
          query: promql,
          retryable: true,
        });
      }
      throw new FleetError('metrics_error', `Prometheus rejected the query for ${what} (${errorType}: ${error}); fix the metric's query in the campaign spec.`, {
        status: response.status,
        query: promql,
        retryable: false,
      });
    }
    const series = parsed.data.data.result;
    if (series.length === 0) return [];
    if (series.length > 1) {
      throw new FleetError('metrics_error', `The query for ${what} returned ${series.length} series; aggregate it to one (for example with sum() or avg()).`, {
        query: promql,
        retryable: false,
      });
    }
    return alignToGrid(series[0].values, query);
  }

  return { fetchSeries };
}
