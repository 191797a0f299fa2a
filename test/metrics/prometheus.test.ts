import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isFleetError, type FleetError } from '../../src/errors.js';
import { createPrometheusProvider } from '../../src/metrics/prometheus.js';
import { renderQuery, type CanaryMetricConfig, type SeriesQuery } from '../../src/metrics/provider.js';

const PROMETHEUS = '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);

function metric(overrides: Partial<CanaryMetricConfig> = {}): CanaryMetricConfig {
  return { name: 'fleet_latency_ms', group: 'latency', direction: 'increase', critical: false, effectSize: 0.1, mustHaveData: false, ...overrides };
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function expectMetricsError(promise: Promise<unknown>, pattern: RegExp, retryable?: boolean): Promise<void> {
  try {
    await promise;
    expect.unreachable();
  } catch (error) {
    expect(isFleetError(error, 'metrics_error')).toBe(true);
    expect((error as Error).message).toMatch(pattern);
    if (retryable !== undefined) expect((error as FleetError).details.retryable).toBe(retryable);
  }
}

describe('renderQuery', () => {
  it('fills the placeholders and escapes them for PromQL strings', () => {
    const q = renderQuery({ metric: metric({ query: 'sum(rate(errors{app="{{repo}}",track="{{ track }}",pr="{{target}}"}[1m]))' }), target: 'pr-"7"', repo: 'acme/api', track: 'canary' });
    expect(q).toBe('sum(rate(errors{app="acme/api",track="canary",pr="pr-\\"7\\""}[1m]))');
  });

  it('has a default query by metric name, repo and track', () => {
    expect(renderQuery({ metric: metric(), target: 't', repo: 'acme/api', track: 'baseline' })).toBe('fleet_latency_ms{repo="acme/api",track="baseline"}');
  });
});

describe('createPrometheusProvider against a scripted server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
  });
  const query: SeriesQuery = { metric: metric(), target: 't', repo: 'acme/api', track: 'canary', sha: null, baselineSha: null, environment: null, deployment: null, start: 1_700_000_000_000, end: 1_700_000_060_000, stepMs: 15_000 };

  it('sends query_range with seconds and parses values, NaN included', async () => {
    let seen: URL | undefined;
    server = await listen((req, res) => {
      seen = new URL(req.url!, 'http://x');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'matrix', result: [{ metric: {}, values: [[1_700_000_000, '1.5'], [1_700_000_015, 'NaN'], [1_700_000_030, '+Inf'], [1_700_000_045, '2'], [1_700_000_060, '3']] }] },
        }),
      );
    });
    const values = await createPrometheusProvider({ baseUrl: `${urlOf(server)}/` }).fetchSeries(query);
    expect(values).toEqual([1.5, NaN, NaN, 2, 3]);
    expect(seen!.pathname).toBe('/api/v1/query_range');
    expect(Object.fromEntries(seen!.searchParams)).toEqual({ query: 'fleet_latency_ms{repo="acme/api",track="canary"}', start: '1700000000', end: '1700000060', step: '15' });
  });

  it('places samples at their timestamps on the grid: a gap on either track is NaN in its place, never a shift', async () => {
    // The canary misses its second and third samples, the baseline its first and last.
    const samples: Record<string, [number, string][]> = {
      canary: [[1_700_000_000, '10'], [1_700_000_045, '13'], [1_700_000_060, '14']],
      baseline: [[1_700_000_015, '21'], [1_700_000_030, '22'], [1_700_000_045, '23']],
    };
    server = await listen((req, res) => {
      const track = /track="(\w+)"/.exec(new URL(req.url!, 'http://x').searchParams.get('query') ?? '')?.[1] ?? '';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: samples[track] }] } }));
    });
    const provider = createPrometheusProvider({ baseUrl: urlOf(server) });
    expect(await provider.fetchSeries(query)).toEqual([10, NaN, NaN, 13, 14]);
    expect(await provider.fetchSeries({ ...query, track: 'baseline' })).toEqual([NaN, 21, 22, 23, NaN]);
  });

  it('puts a sample off the grid in its nearest slot and drops one outside the window', async () => {
    server = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      const values = [[1_699_999_980, '0'], [1_700_000_000.2, '1'], [1_700_000_029.9, '2'], [1_700_000_075, '9']];
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
    });
    const values = await createPrometheusProvider({ baseUrl: urlOf(server) }).fetchSeries({ ...query, start: 1_700_000_000_000, end: 1_700_000_059_999 });
    expect(values).toEqual([1, NaN, 2, NaN]);
  });

  it('answers no points when the query matches no series', async () => {
    server = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    });
    expect(await createPrometheusProvider({ baseUrl: urlOf(server) }).fetchSeries(query)).toEqual([]);
  });

  it('reports a rejected query, a non-JSON body, several series and a timeout as metrics errors', async () => {
    let mode = 'error';
    server = await listen((_req, res) => {
      if (mode === 'hang') return;
      if (mode === 'html') {
        res.statusCode = 502;
        res.end('<html>bad gateway</html>');
        return;
      }
      if (mode === 'unavailable') {
        res.statusCode = 503;
        res.end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'overloaded' }));
        return;
      }
      res.statusCode = mode === 'error' ? 400 : 200;
      res.end(
        JSON.stringify(
          mode === 'error'
            ? { status: 'error', errorType: 'bad_data', error: 'parse error' }
            : { status: 'success', data: { resultType: 'matrix', result: [{ metric: { a: '1' }, values: [] }, { metric: { a: '2' }, values: [] }] } },
        ),
      );
    });
    const provider = createPrometheusProvider({ baseUrl: urlOf(server), timeoutMs: 200 });
    await expectMetricsError(provider.fetchSeries(query), /rejected the query .*bad_data: parse error.*fix the metric's query/, false);
    mode = 'unavailable';
    await expectMetricsError(provider.fetchSeries(query), /failed on the query .*unavailable: overloaded.*tried again/, true);
    mode = 'html';
    await expectMetricsError(provider.fetchSeries(query), /answered 502 with a body that is not JSON/, true);
    mode = 'many';
    await expectMetricsError(provider.fetchSeries(query), /returned 2 series; aggregate it/, false);
    mode = 'hang';
    await expectMetricsError(provider.fetchSeries(query), /did not answer within 200 ms/, true);
  });

  it('reports an unreachable server', async () => {
    const gone = await listen(() => undefined);
    const url = urlOf(gone);
    await close(gone);
    await expectMetricsError(createPrometheusProvider({ baseUrl: url }).fetchSeries(query), /could not be reached/);
  });
});

describe.runIf(available)('createPrometheusProvider against a real Prometheus', () => {
  let exporter: Server;
  let dir: string;
  let prometheus: ChildProcess;
  let baseUrl: string;
  let scrapes = 0;

  async function freePort(): Promise<number> {
    const s = await listen(() => undefined);
    const port = (s.address() as AddressInfo).port;
    await close(s);
    return port;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, attempts = 120): Promise<T> {
    for (let i = 0; i < attempts; i++) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`Prometheus never got ready: ${what}`);
  }

  beforeAll(async () => {
    exporter = await listen((_req, res) => {
      scrapes++;
      const wobble = scrapes % 3;
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        '# TYPE fleet_latency_ms gauge\n' +
          `fleet_latency_ms{repo="acme/api",track="canary"} ${130 + wobble}\n` +
          `fleet_latency_ms{repo="acme/api",track="baseline"} ${100 + wobble}\n`,
      );
    });
    dir = mkdtempSync(join(tmpdir(), 'fleet-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: fleet\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${(exporter.address() as AddressInfo).port}']\n`,
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], {
      stdio: 'ignore',
    });
    await waitFor('ready', async () => ((await fetch(`${baseUrl}/-/ready`)).ok ? true : undefined));
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (exporter) await close(exporter);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the canary and baseline series through query_range', async () => {
    const provider = createPrometheusProvider({ baseUrl });
    const window = () => {
      const end = Date.now();
      return { target: 'pr-1', repo: 'acme/api', sha: null, baselineSha: null, environment: null, deployment: null, start: end - 60_000, end, stepMs: 1_000 };
    };
    // The grid covers the whole minute; before the first scrape its points are gaps (NaN).
    const present = (values: number[]) => values.filter((v) => !Number.isNaN(v));
    const canary = await waitFor('three canary samples', async () => {
      const v = await provider.fetchSeries({ ...window(), metric: metric(), track: 'canary' });
      return present(v).length >= 3 ? v : undefined;
    });
    const baseline = await provider.fetchSeries({ ...window(), metric: metric(), track: 'baseline' });
    expect(canary).toHaveLength(61);
    expect(present(canary).every((v) => v >= 130 && v <= 132)).toBe(true);
    expect(Number.isNaN(canary[0])).toBe(true);
    expect(present(baseline).length).toBeGreaterThanOrEqual(3);
    expect(present(baseline).every((v) => v >= 100 && v <= 102)).toBe(true);

    expect(await provider.fetchSeries({ ...window(), metric: metric(), repo: 'acme/none', track: 'canary' })).toEqual([]);
    await expectMetricsError(provider.fetchSeries({ ...window(), metric: metric({ query: 'sum(' }), track: 'canary' }), /Prometheus rejected the query/);
    await expectMetricsError(provider.fetchSeries({ ...window(), metric: metric({ query: 'fleet_latency_ms' }), track: 'canary' }), /returned 2 series/);
  });
});

if (!available) console.log(`Skipping the real Prometheus test: ${PROMETHEUS} is not installed (apt-get install prometheus).`);
