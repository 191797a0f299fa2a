import { createGateway, type Gateway } from '../github/gateway.js';
import { changedSinceSandboxSeed, createGitHubDeploymentHistory } from '../github/deployment-history.js';
import { createOctokit, type GitHubAuth } from '../github/create-octokit.js';
import { FleetError } from '../errors.js';
import type { MetricsProviders } from '../metrics/provider.js';
import { createPrometheusProvider } from '../metrics/prometheus.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { createDefaultRegistry, type StepDeps } from '../steps/registry.js';
import { openDatabase } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import type { JobConfig } from './job-config.js';
import { workspaceKey } from '../github/step-support.js';
import { createWorkspacePool, type WorkspacePool } from '../workspace/workspaces.js';
import { runTick, type TickReport } from '../engine/tick.js';

// The advance job's body, loaded by the advance worker only: the steps, Octokit and the metrics
// providers are more than the notify and digest workers need to load every run.

function readAuth(config: JobConfig): GitHubAuth {
  const g = config.github;
  if (g.token) return { token: g.token };
  if (g.appId !== undefined && g.privateKey) return { appId: g.appId, privateKey: g.privateKey, ...(g.installationId === undefined ? {} : { installationId: g.installationId }) };
  throw new FleetError('config_invalid', 'The jobs have no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY (and GITHUB_APP_INSTALLATION_ID for one installation only).');
}

/**
 * Every configured provider; a campaign's canary step asks for the one its spec names. The
 * simulated one follows the repositories' deployments (read through `github`) when its
 * configuration says `followDeployments`.
 */
export function createMetrics(config: JobConfig, clients: { github?: Gateway; now?: () => number } = {}): MetricsProviders {
  const m = config.metrics;
  const providers: MetricsProviders = {};
  if (m.prometheusUrl) providers.prometheus = createPrometheusProvider({ baseUrl: m.prometheusUrl });
  if (m.simulated) {
    const { seed, regressing, kind, followDeployments } = m.simulated;
    if (followDeployments && !clients.github) throw new FleetError('config_invalid', 'The simulated provider follows deployments but was given no GitHub client to read them with.');
    const deployments =
      followDeployments && clients.github
        ? createGitHubDeploymentHistory(clients.github, { carriesChange: changedSinceSandboxSeed(clients.github), ...(clients.now ? { now: clients.now } : {}) })
        : undefined;
    providers.simulated = createSimulatedProvider({ seed, truth: (repo) => ({ regresses: regressing.includes(repo), kind }), ...(deployments ? { deployments } : {}) });
  }
  return providers;
}

/** The clients a step needs, built inside the worker from its configuration. */
export function createStepDeps(config: JobConfig, store: Store, now: () => number): StepDeps {
  const octokit = createOctokit({
    auth: readAuth(config),
    baseUrl: config.github.apiUrl,
    store,
    now,
    pacing: config.github.pacing,
    retry: config.github.retryBaseMs ? { baseMs: config.github.retryBaseMs } : undefined,
    throttle: {
      retryAfterBaseMs: config.github.retryAfterBaseMs,
      writeSpacingMs: config.github.writeSpacingMs,
      notificationSpacingMs: config.github.notificationSpacingMs,
    },
  });
  const github = createGateway({ octokit, now });
  return {
    github,
    metrics: createMetrics(config, { github, now }),
    store,
    catalogDir: config.catalogDir,
    unsandboxed: config.unsandboxed,
    ...(config.dependencies ? { dependencies: config.dependencies } : {}),
    ...(config.workspaces ? { workspaces: createWorkspacePool(config.workspaces) } : {}),
    ...(config.gitAuthor ? { gitAuthor: config.gitAuthor } : {}),
    deploy: { secrets: (name: string) => config.deploy?.secrets[name], ...(config.deploy?.publicUrl ? { publicUrl: config.deploy.publicUrl } : {}) },
  };
}

/**
 * Removes the checkouts of targets that are done, however they ended (a merge, a failure, a
 * person's Skip or an abort, or a campaign deleted while its folders stayed behind): every folder
 * whose key is not a target still in flight goes.
 *
 * @example await sweepWorkspaces(store, pool);
 */
export async function sweepWorkspaces(store: Store, pool: WorkspacePool): Promise<void> {
  await pool.sweep(new Set(store.targets.unfinished().map((t) => workspaceKey(t.campaignId, t.repo))));
}

/**
 * One run of the advance job: ticks while work stays due (up to `limits.maxRounds`), stopping
 * after the current tick once cancelled.
 *
 * @example await runAdvance(JobConfig.parse(workerData.config), { now: Date.now, isCancelled: () => false })
 */
export async function runAdvance(config: JobConfig, options: { now: () => number; isCancelled: () => boolean }): Promise<TickReport[]> {
  const db = openDatabase(config.dbFile);
  const store = createStore(db);
  try {
    const registry = createDefaultRegistry();
    const deps = createStepDeps(config, store, options.now);
    const reports: TickReport[] = [];
    // A worker starts afresh for every run: what an earlier run (or process) left of finished targets goes first.
    if (deps.workspaces) await sweepWorkspaces(store, deps.workspaces);
    for (let round = 0; round < config.limits.maxRounds && !options.isCancelled(); round++) {
      const report = await runTick({ store, registry, deps, now: options.now, limits: config.limits });
      reports.push(report);
      if (deps.workspaces) await sweepWorkspaces(store, deps.workspaces);
      const moved = report.waves.decisions.length + (report.waves.started?.length ?? 0) + (report.waves.completed?.length ?? 0);
      if (report.frozen || (report.ran === 0 && moved === 0)) break;
    }
    return reports;
  } finally {
    db.close();
  }
}
