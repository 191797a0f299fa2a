import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeployedVersion, DeploymentHistoryReader } from './provider.js';
import { createRandom, hashSeed, type Random } from './random.js';
import type { SimulatedTruth } from './simulated.js';

/**
 * A simulated service's Prometheus endpoint, for the sandbox and the real-Prometheus test: every
 * version that is running (by a `DeploymentHistory`) serves traffic, and each scrape shows the
 * requests it served since the last one, in Prometheus' text exposition format (0.0.4).
 */
export interface ExporterOptions {
  /** What ran where: only running versions are exposed, as a real service's pods are. */
  history: DeploymentHistoryReader;
  /** The repositories whose versions are exposed. */
  repos: readonly string[] | (() => readonly string[]);
  /** The environments looked at (default canary and production). */
  environments?: readonly string[];
  /** Ground truth per repository: a version that carries the change of a regressing one is worse. */
  truth: (repo: string) => SimulatedTruth;
  seed: number;
  /** Epoch ms (default Date.now); a scrape accounts for every whole second up to it. */
  now?: () => number;
  /** Mean requests per second of one running version (default 40). */
  requestsPerSecond?: number;
}

export interface ExporterServer {
  /** e.g. http://127.0.0.1:40123 (the endpoint is `${url}/metrics`). */
  url: string;
  close(): Promise<void>;
}

export interface SimulatedExporter {
  /** The exposition a scrape gets now. */
  render(): Promise<string>;
  /** Serves `GET /metrics` on 127.0.0.1. */
  listen(port?: number): Promise<ExporterServer>;
}

/** The latency histogram's upper bounds in seconds (+Inf follows). */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5] as const;
const CODES = ['200', '404', '500', '503'] as const;

interface SeriesState {
  /** Whole seconds (epoch) accounted for so far. */
  through: number;
  random: Random;
  requests: Record<(typeof CODES)[number], number>;
  /** Per bucket (not cumulative), the last one +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/** Per-repository levels, so a fleet's services differ; the same for every version of one. */
function levels(seed: number, repo: string): { errorShare: number; notFoundShare: number; medianSeconds: number } {
  const r = createRandom(hashSeed(`${repo}\u0000exporter-levels`, seed));
  return { errorShare: 0.004 + 0.008 * r.next(), notFoundShare: 0.01 + 0.02 * r.next(), medianSeconds: 0.04 + 0.05 * r.next() };
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(12).replace(/\.?0+$/, '');
}

function runningAt(version: DeployedVersion, ms: number): boolean {
  return version.from <= ms && (version.to === null || ms < version.to);
}

/**
 * Counters `http_requests_total{repo,environment,sha,deployment,code}` and the histogram
 * `http_request_duration_seconds` per running version. Each second a version serves a Poisson
 * number of requests around a slow traffic swing shared by the repository's versions; a few are
 * 404s, about 1% are 5xx, latencies are log-normal. A version that carries the change of a
 * regressing repository (`truth`) serves 5 times the 5xx (kind errors), 35% slower (latency) or
 * with three times the spread (variance). Counters start at zero when the exporter first sees a
 * version running, as a process's do, and a version no longer running disappears from the scrape.
 *
 * @example
 * const exporter = createSimulatedExporter({ history: cd.history, repos: ['acme/api'], truth, seed: 1 });
 * const { url, close } = await exporter.listen(); // scrape `${url}/metrics`
 */
export function createSimulatedExporter(options: ExporterOptions): SimulatedExporter {
  const now = options.now ?? Date.now;
  const environments = options.environments ?? ['canary', 'production'];
  const rps = options.requestsPerSecond ?? 40;
  const series = new Map<string, SeriesState>();

  function repos(): readonly string[] {
    return typeof options.repos === 'function' ? options.repos() : options.repos;
  }

  function advance(state: SeriesState, version: DeployedVersion, through: number): void {
    const level = levels(options.seed, version.repo);
    const truth = options.truth(version.repo);
    const affected = truth.regresses && version.carriesChange;
    const kind = truth.kind ?? 'errors';
    const errorShare = level.errorShare * (affected && kind === 'errors' ? 5 : 1);
    const median = level.medianSeconds * (affected && kind === 'latency' ? 1.35 : 1);
    const sd = affected && kind === 'variance' ? 1.05 : 0.35;
    const r = state.random;
    for (let second = state.through + 1; second <= through; second++) {
      if (!runningAt(version, second * 1000)) continue;
      // Traffic swings slowly (a ten-minute period) and the same way for every version of the repository.
      const swing = 1 + 0.15 * Math.sin((2 * Math.PI * second) / 600 + (hashSeed(version.repo) % 628) / 100);
      const served = r.poisson(rps * swing);
      const errors = r.poisson(served * errorShare);
      const unavailable = Math.round(errors * r.next() * 0.4);
      const notFound = r.poisson(served * level.notFoundShare);
      state.requests['500'] += errors - unavailable;
      state.requests['503'] += unavailable;
      state.requests['404'] += notFound;
      state.requests['200'] += Math.max(0, served - errors - notFound);
      for (let i = 0; i < served; i++) {
        const seconds = median * Math.exp(sd * r.normal());
        let bucket = LATENCY_BUCKETS.findIndex((le) => seconds <= le);
        if (bucket < 0) bucket = LATENCY_BUCKETS.length;
        state.buckets[bucket]++;
        state.sum += seconds;
        state.count++;
      }
    }
    state.through = Math.max(state.through, through);
  }

  async function render(): Promise<string> {
    const at = now();
    const through = Math.floor(at / 1000);
    const running: { version: DeployedVersion; state: SeriesState }[] = [];
    const seen = new Set<string>();
    for (const repo of repos()) {
      for (const environment of environments) {
        for (const version of await options.history.versions(repo, environment)) {
          if (!runningAt(version, at)) continue;
          const key = `${repo}\u0000${environment}\u0000${version.sha}\u0000${version.deployment}`;
          let state = series.get(key);
          if (!state) {
            state = {
              through,
              random: createRandom(hashSeed(key, options.seed)),
              requests: { '200': 0, '404': 0, '500': 0, '503': 0 },
              buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
              sum: 0,
              count: 0,
            };
            series.set(key, state);
          }
          advance(state, version, through);
          seen.add(key);
          running.push({ version, state });
        }
      }
    }
    // A version that stopped is gone, as its pods are; its counters would restart from zero.
    for (const key of [...series.keys()]) if (!seen.has(key)) series.delete(key);

    const lines = ['# HELP http_requests_total Requests served, by response code.', '# TYPE http_requests_total counter'];
    const base = ({ version }: (typeof running)[number]) => ({ repo: version.repo, environment: version.environment, sha: version.sha, deployment: String(version.deployment) });
    for (const entry of running) {
      for (const code of CODES) lines.push(`http_requests_total${labels({ ...base(entry), code })} ${entry.state.requests[code]}`);
    }
    lines.push('# HELP http_request_duration_seconds Request latency.', '# TYPE http_request_duration_seconds histogram');
    for (const entry of running) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += entry.state.buckets[i];
        lines.push(`http_request_duration_seconds_bucket${labels({ ...base(entry), le: String(le) })} ${cumulative}`);
      });
      lines.push(`http_request_duration_seconds_bucket${labels({ ...base(entry), le: '+Inf' })} ${entry.state.count}`);
      lines.push(`http_request_duration_seconds_sum${labels(base(entry))} ${formatNumber(entry.state.sum)}`);
      lines.push(`http_request_duration_seconds_count${labels(base(entry))} ${entry.state.count}`);
    }
    return `${lines.join('\n')}\n`;
  }

  function listen(port = 0): Promise<ExporterServer> {
    const server: Server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://exporter').pathname;
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics.\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD are allowed on /metrics.\n');
        return;
      }
      render().then(
        (body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`The deployment history could not be read: ${error instanceof Error ? error.message : String(error)}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address() as AddressInfo;
        resolve({
          url: `http://127.0.0.1:${bound}`,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  }

  return { render, listen };
}
