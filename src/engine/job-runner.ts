import { createGateway } from '../github/gateway.js';
import { createOctokit, type GitHubAuth } from '../github/create-octokit.js';
import { FleetError, describeError } from '../errors.js';
import type { MetricsProvider } from '../metrics/provider.js';
import { createPrometheusProvider } from '../metrics/prometheus.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { createDefaultRegistry, type StepDeps } from '../steps/registry.js';
import { openDatabase } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { createOutboxClient, deliverOutbox, type DeliveryReport } from '../slack/deliver-outbox.js';
import { runDigests } from './digest.js';
import { JobConfig } from './job-config.js';
import { runTick, type TickReport } from './tick.js';

export type JobName = 'advance' | 'notify' | 'digest';

/** The worker side of Bree's protocol: 'cancel' in, 'done' out, plus a summary message. */
export interface JobPort {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  postMessage(message: unknown): void;
}

function readAuth(config: JobConfig): GitHubAuth {
  const g = config.github;
  if (g.token) return { token: g.token };
  if (g.appId !== undefined && g.privateKey && g.installationId !== undefined) return { appId: g.appId, privateKey: g.privateKey, installationId: g.installationId };
  throw new FleetError('config_invalid', 'The jobs have no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID.');
}

function createMetrics(config: JobConfig): MetricsProvider {
  const m = config.metrics;
  if (m.prometheusUrl) return createPrometheusProvider({ baseUrl: m.prometheusUrl });
  if (m.simulated) {
    const { seed, regressing, kind } = m.simulated;
    return createSimulatedProvider({ seed, truth: (repo) => ({ regresses: regressing.includes(repo), kind }) });
  }
  return {
    async fetchSeries() {
      throw new FleetError('metrics_error', 'No canary metrics are configured: set PROMETHEUS_URL, or remove the canary step from the campaign.');
    },
  };
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
  return { github: createGateway({ octokit, now }), metrics: createMetrics(config), store, catalogDir: config.catalogDir };
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
    for (let round = 0; round < config.limits.maxRounds && !options.isCancelled(); round++) {
      const report = await runTick({ store, registry, deps, now: options.now, limits: config.limits });
      reports.push(report);
      const moved = report.waves.decisions.length + (report.waves.started?.length ?? 0) + (report.waves.completed?.length ?? 0);
      if (report.frozen || (report.ran === 0 && moved === 0)) break;
    }
    return reports;
  } finally {
    db.close();
  }
}

/**
 * One run of the notify job: drains what is ready in the outbox to Slack, a few batches at most.
 *
 * @example await runNotify(config, { now: Date.now, isCancelled: () => false })
 */
export async function runNotify(config: JobConfig, options: { now: () => number; isCancelled: () => boolean }): Promise<DeliveryReport[]> {
  if (!config.slack.token) throw new FleetError('config_invalid', 'The notify job has no Slack token: set SLACK_BOT_TOKEN.');
  const db = openDatabase(config.dbFile);
  const store = createStore(db);
  try {
    const client = createOutboxClient(config.slack.token, config.slack.apiUrl);
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const reports: DeliveryReport[] = [];
    for (let round = 0; round < 5 && !options.isCancelled(); round++) {
      const report = await deliverOutbox({ store, client, now: options.now, sleep });
      reports.push(report);
      if (report.posted + report.updated + report.other + report.recovered === 0) break;
    }
    return reports;
  } finally {
    db.close();
  }
}

export function runDigest(config: JobConfig, now: () => number): string[] {
  const db = openDatabase(config.dbFile);
  try {
    return runDigests(createStore(db), now());
  } finally {
    db.close();
  }
}

function summarize(reports: TickReport[]): Record<string, unknown> {
  return {
    ticks: reports.length,
    ran: reports.reduce((sum, r) => sum + r.ran, 0),
    frozen: reports.some((r) => r.frozen),
    decisions: reports.flatMap((r) => r.waves.decisions.map((d) => `${d.campaignId}:${d.wave}:${d.decision}`)),
  };
}

/**
 * The body of every job file: reads the configuration from `workerData`, runs the job, reports a
 * summary to the scheduler and signals completion. An error is reported as a message (a sentence,
 * never the configuration) rather than crashing the worker.
 *
 * @example await runJob('advance', workerData, parentPort)
 */
export async function runJob(name: JobName, workerData: unknown, port: JobPort | null, handlers: Partial<Record<JobName, (config: JobConfig, isCancelled: () => boolean) => Promise<unknown>>> = {}): Promise<void> {
  let cancelled = false;
  port?.on('message', (message) => {
    if (message === 'cancel') cancelled = true;
  });
  const isCancelled = () => cancelled;
  try {
    const raw = (workerData as { config?: unknown } | null)?.config;
    const parsed = JobConfig.safeParse(raw);
    if (!parsed.success) throw new FleetError('config_invalid', `The ${name} job got an invalid configuration: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
    const config = parsed.data;
    const handler = handlers[name];
    let summary: unknown;
    if (handler) summary = await handler(config, isCancelled);
    else if (name === 'advance') summary = summarize(await runAdvance(config, { now: Date.now, isCancelled }));
    else if (name === 'digest') summary = { channels: runDigest(config, Date.now) };
    else {
      const reports = await runNotify(config, { now: Date.now, isCancelled });
      summary = { posted: reports.reduce((n, r) => n + r.posted, 0), updated: reports.reduce((n, r) => n + r.updated, 0), dead: reports.reduce((n, r) => n + r.dead, 0) };
    }
    port?.postMessage({ job: name, ok: true, summary });
  } catch (error) {
    port?.postMessage({ job: name, ok: false, error: describeError(error) });
  }
  port?.postMessage('done');
}
