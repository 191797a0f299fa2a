import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Canary } from '../../src/domain/spec.js';
import { createSimulatedExporter, type ExporterServer } from '../../src/metrics/exporter.js';
import { createPrometheusProvider } from '../../src/metrics/prometheus.js';
import type { MetricsProvider } from '../../src/metrics/provider.js';
import type { SimulatedTruth } from '../../src/metrics/simulated.js';
import type { Deployment } from '../../src/github/gateway.js';
import { judgeWindow, type CanaryWindow, type JudgeSubject } from '../../src/steps/canary.js';
import { startHarness, type Harness } from '../github/harness.js';

/**
 * Deployed canaries judged end to end: Fleet's gateway deploys each PR's head to `canary` on the
 * fake GitHub, whose simulated CD reports it running (production runs the default branch); the
 * simulated exporter serves the versions that CD's history says are running; a real Prometheus
 * scrapes it every second; and the canary step's judgeWindow queries it through the Prometheus
 * provider, the canary track by the canary environment and its sha, the baseline by production and
 * the version running there.
 */
const PROMETHEUS = '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);
const TITLE = 'deployed canaries judged through a real Prometheus';

const STEP_MS = 5_000;
/** How long the canaries run before they are judged: 12 points at a 5 s step. */
const RUN_MS = 60_000;

const canarySection = Canary.parse({
  provider: 'prometheus',
  lookback: '1m',
  step: '5s',
  groups: { errors: 2, latency: 2, traffic: 1 },
  metrics: [
    {
      name: 'error-ratio',
      group: 'errors',
      kind: 'ratio',
      query:
        'sum(rate(http_requests_total{repo="{{repo}}",environment="{{environment}}",sha="{{sha}}",code=~"5.."}[5s]))' +
        ' / sum(rate(http_requests_total{repo="{{repo}}",environment="{{environment}}",sha="{{sha}}"}[5s]))',
      direction: 'increase',
      critical: true,
      effectSize: 0.5,
      mustHaveData: true,
    },
    {
      name: 'latency-p90',
      group: 'latency',
      kind: 'latency',
      query: 'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{repo="{{repo}}",environment="{{environment}}",sha="{{sha}}"}[5s])))',
      direction: 'increase',
      effectSize: 0.15,
      mustHaveData: true,
    },
    {
      name: 'throughput',
      group: 'traffic',
      kind: 'rate',
      // By deployment id: the same series, named the other way.
      query: 'sum(rate(http_requests_total{repo="{{repo}}",deployment="{{deployment}}"}[5s]))',
      direction: 'decrease',
      effectSize: 0.2,
    },
  ],
});

const TRUTH: Record<string, SimulatedTruth> = {
  'acme/healthy': { regresses: false },
  'acme/erroring': { regresses: true, kind: 'errors' },
  'acme/slow': { regresses: true, kind: 'latency' },
  // Its canary comes up half a minute after the others.
  'acme/late': { regresses: false },
};
const LATE_MS = 30_000;
const REPOS = Object.keys(TRUTH);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, attempts = 120): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Gave up waiting: ${what}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!available)(available ? TITLE : `${TITLE} (skipped: ${PROMETHEUS} is not installed; .ci/run installs it)`, () => {
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let exporter: ExporterServer | undefined;
  let h: Harness | undefined;
  let provider: MetricsProvider;
  /** Per repository: the canary's deployment and the version production runs. */
  const deployed = new Map<string, { canary: Deployment; readyAt: number; production: Deployment }>();
  let canaryStart: number;

  /** Fleet's canary deployment of a new commit on a branch, as the deploy step makes it, waited for until the CD reports success. */
  async function deployCanary(repo: string): Promise<void> {
    const { octokit, github } = h!;
    const [owner, name] = repo.split('/');
    const head = (await octokit.rest.git.getRef({ owner, repo: name, ref: 'heads/main' })).data.object.sha;
    const tree = (await octokit.rest.git.getCommit({ owner, repo: name, commit_sha: head })).data.tree.sha;
    const change = await octokit.rest.git.createCommit({ owner, repo: name, message: 'Bump lodash', tree, parents: [head] });
    await octokit.rest.git.createRef({ owner, repo: name, ref: 'refs/heads/fleet/bump-lodash', sha: change.data.sha });
    const canary = await github.createDeployment({ repo, ref: change.data.sha, environment: 'canary', description: 'Fleet canary', requiredContexts: [], payload: { fleet: { campaign: 1, target: repo } }, transient: true, production: false });
    const success = await waitFor(`the canary of ${repo} deployed`, async () => (await github.listDeploymentStatuses(repo, canary.id)).find((st) => st.state === 'success'));
    const production = (await github.listDeployments(repo, { environment: 'production' }))[0];
    deployed.set(repo, { canary, readyAt: Date.parse(success.createdAt), production });
  }

  beforeAll(async () => {
    // The fake GitHub on the wall clock with the sandbox's CD: production runs each repository's
    // default branch from the start, and a deployment is reported success a second after it is made.
    h = await startHarness({ fake: { now: Date.now, cd: { delays: { inProgressMs: 300, successMs: 1_000 } } } });
    for (const repo of REPOS) h.fake.state.seedRepo({ owner: 'acme', name: repo.split('/')[1], files: { 'README.md': `# ${repo}\n` } });
    const history = h.fake.history!;
    exporter = await createSimulatedExporter({ history, repos: REPOS, truth: (repo) => TRUTH[repo], seed: 18, requestsPerSecond: 400 }).listen();

    dir = mkdtempSync(join(tmpdir(), 'fleet-prometheus-canary-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: services\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${new URL(exporter.url).host}']\n`,
    );
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], {
      stdio: 'ignore',
    });
    await waitFor('Prometheus ready', async () => ((await fetch(`${baseUrl}/-/ready`)).ok ? true : undefined));
    provider = createPrometheusProvider({ baseUrl });

    await Promise.all(REPOS.filter((r) => r !== 'acme/late').map(deployCanary));
    canaryStart = Math.max(...[...deployed.values()].map((d) => d.readyAt));
    // acme/late's canary comes up half a minute after the others.
    await waitFor('half a minute', () => Promise.resolve(Date.now() >= canaryStart + LATE_MS ? true : undefined), 200);
    await deployCanary('acme/late');
    // The canaries run for a minute, and Prometheus has scraped the minute's end.
    await waitFor(
      'a minute of canary traffic in Prometheus',
      async () => {
        if (Date.now() < canaryStart + RUN_MS + 3_000) return undefined;
        const probe = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent('max(timestamp(http_requests_total))')}`);
        const body = (await probe.json()) as { data: { result: { value: [number, string] }[] } };
        const latest = Number(body.data.result[0]?.value[1] ?? 0) * 1000;
        return latest >= canaryStart + RUN_MS ? true : undefined;
      },
      240,
    );
  }, 150_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await exporter?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What the canary step judges: the deployed canary from its readyAt against the version production runs. */
  function subject(repo: string): JudgeSubject {
    const { canary, production } = deployed.get(repo)!;
    const window: CanaryWindow = { start: canaryStart, end: canaryStart + RUN_MS, stepMs: STEP_MS };
    return {
      repo,
      target: canary.sha,
      canary: { sha: canary.sha, environment: canary.environment, deployment: String(canary.id), window },
      baseline: { sha: production.sha, environment: production.environment, deployment: String(production.id), window },
    };
  }

  it('passes a deployed healthy canary against production', async () => {
    const { result, evidence } = await judgeWindow(provider, canarySection, subject('acme/healthy'));
    expect(result.verdict, result.reason).toBe('pass');
    expect(evidence.metrics.map((m) => m.classification)).toEqual(['Pass', 'Pass', 'Pass']);
    // Every metric was judged on the minute's points, not on an empty or shifted series.
    for (const m of evidence.metrics) expect(m.points).toBeGreaterThanOrEqual(9);
  });

  it('fails a deployed canary that serves more 5xx, on the error ratio', async () => {
    const { result, evidence } = await judgeWindow(provider, canarySection, subject('acme/erroring'));
    expect(result.verdict, result.reason).toBe('fail');
    expect(evidence.metrics.find((m) => m.name === 'error-ratio')?.classification).toBe('High');
    expect(evidence.metrics.find((m) => m.name === 'latency-p90')?.classification).toBe('Pass');
  });

  it('fails a deployed canary that answers slower, on the latency quantile', async () => {
    const { result, evidence } = await judgeWindow(provider, canarySection, subject('acme/slow'));
    expect(result.verdict, result.reason).toBe('fail');
    expect(evidence.metrics.find((m) => m.name === 'latency-p90')?.classification).toBe('High');
    expect(evidence.metrics.find((m) => m.name === 'error-ratio')?.classification).toBe('Pass');
  });

  it('has no series for a version that did not run where the query looks, and gaps in their place before a canary came up', async () => {
    const metric = canarySection.metrics[0];
    const s = subject('acme/healthy');
    const base = { metric, target: s.target, repo: s.repo, baselineSha: s.baseline.sha, deployment: null, start: canaryStart, end: canaryStart + RUN_MS, stepMs: STEP_MS };
    // The canary's head never ran in production.
    expect(await provider.fetchSeries({ ...base, track: 'baseline', sha: s.canary.sha, environment: 'production' })).toEqual([]);
    // acme/late's canary came up 30 s in: the grid's points before it are gaps, the later ones its values.
    const late = subject('acme/late');
    const series = await provider.fetchSeries({ ...base, repo: late.repo, track: 'canary', sha: late.canary.sha, environment: 'canary', start: canaryStart + 10_000 });
    expect(series).toHaveLength(11);
    expect(series.slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(series.slice(6).every((v) => Number.isFinite(v) && v >= 0 && v < 0.1)).toBe(true);
  });
});
