import { createCatalog, type RemoteFileRef } from '../campaigns/catalog.js';
import { planWaves } from '../campaigns/plan-waves.js';
import { createCampaignService } from '../campaigns/service.js';
import type { CampaignService } from '../campaigns/service-types.js';
import type { FleetConfig } from './config.js';
import { buildDigest } from '../engine/digest.js';
import { createScheduler, type Scheduler, type SchedulerEvent } from './scheduler.js';
import type { JobConfig } from './job-config.js';
import { createOctokit } from '../github/create-octokit.js';
import { createGateway, createGatewayReaders, type Gateway } from '../github/gateway.js';
import { handleWebhook, wakeTargetsInStore } from '../github/webhooks.js';
import { handleDeployCallback } from './deploy-callback.js';
import type { FleetLogger } from './logger.js';
import { createSlackApp, type SlackApp } from '../slack/create-app.js';
import { createGroupResolver } from '../slack/user-groups.js';
import { createSlackClient } from '../slack/web-client.js';
import { openDatabase, type Db } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { createWorkspacePool } from '../workspace/workspaces.js';
import { join } from 'node:path';

/** Settings the sandbox and tests pass on top of the configuration. */
export interface StartOptions {
  logger: FleetLogger;
  now?: () => number;
  /** The interface the HTTP server binds to, over FLEET_HOST (default all interfaces; tests and the sandbox use 127.0.0.1). */
  host?: string;
  /** Canary metrics for the sandbox (a simulated provider), beside Prometheus when PROMETHEUS_URL is set. */
  metrics?: JobConfig['metrics'];
  /** Job intervals and limits (the sandbox runs faster). */
  intervals?: { advance?: number; notify?: number; digest?: number };
  limits?: Partial<JobConfig['limits']>;
  /** Seconds of Retry-After are multiplied by this many ms (1 against the stand-ins). */
  retryAfterBaseMs?: number;
  /** Spacing of GitHub writes in each process (default 1 s, and 3 s for notification-triggering ones, as GitHub advises). */
  githubSpacing?: { writeMs: number; notificationMs: number };
  /** Milliseconds per unit of the backoff after a GitHub 5xx or network error (default 1000). */
  githubRetryBaseMs?: number;
  onJobEvent?: (event: SchedulerEvent) => void;
}

export interface RunningFleet {
  db: Db;
  store: Store;
  gateway: Gateway;
  service: CampaignService;
  slack: SlackApp;
  scheduler: Scheduler;
  /** The port the HTTP server listens on. */
  port: number;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every client from the configuration and starts the Slack app
 * (with GitHub webhooks and /healthz on the same server) and the background jobs. Expects to be
 * the only Fleet process on its database file: target leases it finds at start are released.
 *
 * @example
 * const fleet = await startFleet(loadConfig(process.env), { logger: createLogger() });
 * process.on('SIGTERM', () => void fleet.stop());
 */
export async function startFleet(config: FleetConfig, options: StartOptions): Promise<RunningFleet> {
  const now = options.now ?? Date.now;
  const { logger } = options;
  const db = openDatabase(config.db);
  const store = createStore(db);
  // One Fleet process per database file: a lease found now belongs to a process that is gone, so
  // its targets run at once instead of after the lease runs out.
  const released = store.targets.releaseLeases(now());
  if (released.length > 0) {
    logger.info('leases of a previous process released', { targets: released.length, repos: released.slice(0, 20).map((t) => `${t.campaignId}:${t.repo}`) });
  }

  const githubAuth =
    config.github.auth.kind === 'token'
      ? { token: config.github.auth.token }
      : { appId: config.github.auth.appId, privateKey: config.github.auth.privateKey, installationId: config.github.auth.installationId };
  const pacing = { perMinute: config.github.contentPerMinute, perHour: config.github.contentPerHour };
  const octokit = createOctokit({
    auth: githubAuth,
    baseUrl: config.github.apiUrl ?? undefined,
    store,
    now,
    logger,
    pacing,
    retry: options.githubRetryBaseMs ? { baseMs: options.githubRetryBaseMs } : undefined,
    throttle: {
      retryAfterBaseMs: options.retryAfterBaseMs,
      writeSpacingMs: options.githubSpacing?.writeMs,
      notificationSpacingMs: options.githubSpacing?.notificationMs,
    },
  });
  const gateway = createGateway({ octokit, now });

  const readers = createGatewayReaders(gateway);
  const location = (ref: RemoteFileRef) => `github:${ref.owner}/${ref.repo}${ref.path ? `/${ref.path}` : ''}`;
  const catalog = createCatalog({
    source: config.campaigns,
    readRemoteFile: async (ref) => (await readers.readRemoteFile(location(ref))) ?? null,
    listRemoteFiles: async (ref) => {
      const prefix = `${location(ref)}/`;
      // The catalog wants the names directly in the folder; the reader lists the whole subtree.
      return (await readers.listRemoteFiles(location(ref))).map((l) => l.slice(prefix.length)).filter((name) => name !== '' && !name.includes('/'));
    },
  });

  if (config.orgs === null) {
    logger.warn('FLEET_ORGS is not set: campaigns may target any GitHub organisation the token or App can reach. Set FLEET_ORGS to the organisations Fleet may change.');
  }

  // Two pools under FLEET_WORKDIR, one per process that checks out: the advance job's targets, and
  // the preview's sample here. The disk bound is shared out between them (an eighth for the preview).
  const previewMb = Math.max(1, Math.floor(config.workspaces.maxMb / 8));
  const targetWorkspaces = { root: join(config.workspaces.root, 'targets'), max: config.workspaces.max, maxMb: Math.max(1, config.workspaces.maxMb - previewMb) };
  const previewWorkspaces = createWorkspacePool({ root: join(config.workspaces.root, 'preview'), max: Math.min(config.workspaces.max, 4), maxMb: previewMb });
  // No preview is running at start-up: whatever a previous process left goes.
  await previewWorkspaces.sweep(new Set());

  const slackClient = createSlackClient(config.slack.botToken, config.slack.apiUrl);
  const resolveGroupMembers = createGroupResolver({ client: slackClient, now });

  const workerData: Omit<JobConfig, 'dbFile'> = {
    github: {
      apiUrl: config.github.apiUrl ?? undefined,
      ...(config.github.auth.kind === 'token'
        ? { token: config.github.auth.token }
        : { appId: config.github.auth.appId, privateKey: config.github.auth.privateKey, installationId: config.github.auth.installationId }),
      pacing,
      retryAfterBaseMs: options.retryAfterBaseMs,
      writeSpacingMs: options.githubSpacing?.writeMs,
      notificationSpacingMs: options.githubSpacing?.notificationMs,
      retryBaseMs: options.githubRetryBaseMs,
    },
    slack: { apiUrl: config.slack.apiUrl ?? undefined, token: config.slack.botToken },
    metrics: { ...(config.prometheusUrl ? { prometheusUrl: config.prometheusUrl } : {}), ...options.metrics },
    catalogDir: catalog.catalogDir ?? undefined,
    unsandboxed: config.unsandboxed,
    retentionDays: config.retentionDays,
    dependencies: config.dependencies,
    workspaces: targetWorkspaces,
    ...(config.gitAuthor ? { gitAuthor: config.gitAuthor } : {}),
    deploy: { secrets: config.deploySecrets, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) },
    limits: { maxTargets: 200, concurrency: 8, stepTimeoutMs: 60_000, maxRounds: 20, ...options.limits },
  };
  const scheduler = createScheduler({
    dbFile: config.db,
    intervals: options.intervals,
    // A notify run with nothing ready in the outbox would only start a worker and stop it (jobs read Date.now, so the check does too).
    hasWork: { notify: () => store.outbox.hasReady(Date.now()) },
    workerData,
    onEvent: (event) => {
      if (event.kind === 'error') logger.error('background job failed', { job: event.job, error: event.error });
      options.onJobEvent?.(event);
    },
  });

  const service = createCampaignService({
    store,
    catalog: { list: () => catalog.list(), load: (name) => catalog.load(name) },
    gateway,
    planWaves,
    admins: config.admins,
    launchers: config.launchers,
    orgs: config.orgs,
    resolveGroupMembers,
    now,
    wake: () => scheduler.wake(),
    catalogDir: catalog.catalogDir ?? undefined,
    contentPerHour: config.github.contentPerHour,
    workspaces: previewWorkspaces,
    unsandboxed: config.unsandboxed,
    dependencies: config.dependencies,
  });

  const slack = createSlackApp({
    signingSecret: config.slack.signingSecret,
    botToken: config.slack.botToken,
    appToken: config.slack.appToken ?? undefined,
    apiUrl: config.slack.apiUrl ?? undefined,
    service,
    admins: config.admins,
    resolveGroupMembers,
    // `/fleet digest` shows what the daily digest job would post: the store's view, with the day's progress.
    buildDigest: (channel) => buildDigest(store, channel, now()),
    recordRefusal: (r) => store.events.append({ campaignId: r.campaignId, at: r.at, actor: r.actor, kind: 'auth.refused', data: { action: r.action } }),
    seenRequests: store.seenRequests,
    logger,
    now,
    host: options.host ?? config.host ?? undefined,
    routes: [
      {
        method: 'POST',
        path: '/github/webhooks',
        handler: async (req, res) => {
          const result = await handleWebhook(
            { secret: config.github.webhookSecret, store, wakeTargets: wakeTargetsInStore(store), wake: () => scheduler.wake(), now, logger },
            { headers: req.headers, rawBody: req.rawBody },
          );
          const text = JSON.stringify(result.body);
          res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(text);
        },
      },
      {
        method: 'POST',
        path: '/deploy/callback',
        handler: (req, res) => {
          const result = handleDeployCallback({ store, secrets: (name) => config.deploySecrets[name], wake: () => scheduler.wake(), now, logger }, { headers: req.headers, rawBody: req.rawBody, url: req.url ?? '/' });
          res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(result.body));
          return Promise.resolve();
        },
      },
    ],
  });

  await slack.start(config.port);
  await scheduler.start();
  if (config.unsandboxed) logger.warn('FLEET_UNSANDBOXED=1: codemods run without a sandbox where bubblewrap is missing, and can read what this machine lets a process read; install bubblewrap (apt-get install bubblewrap) and unset it');
  logger.info('Fleet is running', { port: slack.port(), mode: config.slack.appToken ? 'socket' : 'http' });

  let stopped = false;
  return {
    db,
    store,
    gateway,
    service,
    slack,
    scheduler,
    port: slack.port(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await scheduler.stop();
      await slack.stop();
      db.close();
    },
  };
}
