import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTick } from '../engine/tick.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { createDefaultRegistry } from '../steps/registry.js';
import { BENCH_EPOCH, createBenchClient, insertCampaign, makeBenchSpec, openBenchStore, seedSimpleRepos, startBenchGitHub, startWebhookReceiver } from './sandbox.js';
import { round, spread } from './stats.js';
import { createWorkspacePool } from '../workspace/workspaces.js';

export type RequestMode = 'webhooks' | 'polling' | 'naive';

export interface RequestsPerTarget {
  /** Every HTTP request per target, 304s included. */
  total: number;
  /** Requests GitHub counts against the primary limit (everything but 304s), per the fake's log. */
  counted: number;
  notModified: number;
  /** The store's own counters (`github.requestsOn`), which Fleet's budget reads: must agree with the log. */
  storeCounted: number;
  storeNotModified: number;
  /** How often await-checks looked at the PR's checks before CI finished, per target. */
  pollEvery: string;
}

export interface GitHubRequestsResult {
  path: string;
  targets: number;
  ciMinutes: number;
  webhooks: RequestsPerTarget;
  polling: RequestsPerTarget;
  /** The baseline: no conditional requests (every GET answered in full and counted), polling every minute. */
  naive: RequestsPerTarget;
  /** REST content-creating requests per PR (POST, PATCH, PUT, DELETE), the spec asking for no labels, the repositories deleting head branches on merge. */
  contentRequestsPerPr: number;
  /** The content-creating requests of one PR, in order. */
  contentRequests: string[];
  /** The same with the `git push` counted: what the aim of 3 (push, pull request, merge) is about. */
  contentWithPushPerPr: number;
  /** Content-creating requests per PR under each repository setting and spec, from runs of their own. */
  contentBySetting: ContentBySetting[];
  /** open-pr through a workspace and `git push`, per target (from the webhook run). */
  git: GitFigures;
  prsPerHourCeiling: {
    /** PRs an hour under 5,000 counted requests an hour. */
    primary: number;
    /** PRs an hour under 80 content requests a minute and 500 an hour. */
    secondary: number;
    /** The lower of the two. */
    fleet: number;
    naivePrimary: number;
    naive: number;
    model: string;
  };
}

export interface ContentBySetting {
  /** What differs: the spec's labels and the repositories' `delete_branch_on_merge`. */
  labels: string[];
  deleteBranchOnMerge: boolean;
  /** REST content-creating requests per PR, and with the push. */
  perPr: number;
  withPushPerPr: number;
  requests: string[];
}

/** How a run's spec and repositories are set: the published measurement asks for no labels, on repositories that delete merged branches. */
interface RunSetting {
  labels: string[];
  deleteBranchOnMerge: boolean;
}

const DEFAULT_SETTING: RunSetting = { labels: [], deleteBranchOnMerge: true };

export interface GitFigures {
  /** Milliseconds from asking for the workspace to the pushed branch, the change itself (the user's commands) left out. */
  workspaceToPushMs: { min: number; median: number; max: number };
  /** Bytes on the git routes (info/refs, upload-pack, receive-pack) per target, request and response bodies. */
  bytesPerTarget: { sent: number; received: number };
  /** git requests per target (the clone's and the push's smart-HTTP round trips): not REST, not content-creating. */
  gitRequestsPerTarget: number;
  /** REST requests that create content (POST, PATCH, PUT, DELETE) per PR: the push is not one of them. */
  restContentPerPr: number;
}

const WEBHOOK_SECRET = 'bench-webhook-secret';
const GIT_ROUTE = /\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;
/** The request that carries a push's commits and ref updates (its info/refs GET only reads). */
const PUSH_ROUTE = /\.git\/git-receive-pack$/;
const PRIMARY_PER_HOUR = 5000;
const CONTENT_PER_MINUTE = 80;
const CONTENT_PER_HOUR = 500;

/**
 * Runs `targets` repositories along open-pr → await-checks → merge through the real engine tick,
 * the real client and the fake GitHub, with the simulated clock moving a minute per tick while
 * CI takes `ciMinutes`. Three ways: with signed webhooks waking the engine (polling every 30
 * minutes as the fallback), polling every 2 minutes (the spec default) with conditional
 * requests, and a naive client polling every minute with no conditional requests.
 */
async function runMode(mode: RequestMode, targets: number, ciMinutes: number, setting: RunSetting = DEFAULT_SETTING): Promise<{ perTarget: RequestsPerTarget; writes: string[]; pushes: number; git: GitFigures }> {
  const fake = await startBenchGitHub();
  const bench = openBenchStore(`req-${mode}`);
  const workdir = mkdtempSync(join(tmpdir(), `fleet-bench-ws-${mode}-`));
  const now = () => fake.state.now();
  let receiver: { url: string; server: Server } | undefined;
  try {
    const repos = seedSimpleRepos(fake, { org: 'acme', count: targets, ciMs: ciMinutes * 60_000, realistic: true, settings: { deleteBranchOnMerge: setting.deleteBranchOnMerge } });
    const pollEvery = mode === 'webhooks' ? '30m' : mode === 'polling' ? '2m' : '1m';
    const spec = makeBenchSpec({ repos, steps: ['open-pr', { kind: 'await-checks', options: { pollEvery, timeout: '2h' } }, 'merge'], waves: ['100%'], labels: setting.labels });
    insertCampaign(bench.store, { id: 'c-req', spec, waves: [repos], now: BENCH_EPOCH });
    if (mode === 'webhooks') {
      receiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET, store: bench.store, wake: () => undefined, now });
      fake.setWebhook({ url: receiver.url, secret: WEBHOOK_SECRET });
    }
    const { github } = createBenchClient(fake, bench.store, now, { naive: mode === 'naive' });
    // As the runtime composes it: open-pr makes the change in a checkout and pushes it with git.
    const workspaces = createWorkspacePool({ root: workdir, max: 4, maxMb: 10_240 });
    const deps = { github, store: bench.store, workspaces, metrics: { simulated: createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }) }) } };
    const registry = createDefaultRegistry();
    const day = new Date(now()).toISOString().slice(0, 10);
    const before = bench.store.github.requestsOn(day);
    for (let round = 0; round < 240; round++) {
      await runTick({ store: bench.store, registry, deps, now, limits: { maxTargets: 1000, concurrency: 8, stepTimeoutMs: 60_000 } });
      const counts = bench.store.targets.counts('c-req');
      if (counts.succeeded + counts.failed + counts['needs-attention'] >= targets) break;
      fake.state.advance(60_000);
      await fake.state.flushWebhooks();
    }
    const counts = bench.store.targets.counts('c-req');
    if (counts.succeeded !== targets) throw new Error(`The ${mode} run did not merge every PR: ${JSON.stringify(counts)}.`);
    const after = bench.store.github.requestsOn(day);
    // REST requests (what the rate limits and the store's counters count); git's smart-HTTP requests are reported apart.
    const log = fake.requestLog.filter((r) => !GIT_ROUTE.test(r.route));
    const per = (n: number) => round(n / targets, 1);
    const gitLog = fake.requestLog.filter((r) => GIT_ROUTE.test(r.route));
    const restWrites = log.filter((r) => r.method !== 'GET' && !GIT_ROUTE.test(r.route));
    const timings = bench.store.events
      .list({ campaignId: 'c-req', kinds: ['pr.opened'] })
      .map((e) => e.data.git as { acquireMs?: number; pushMs?: number } | undefined)
      .filter((g): g is { acquireMs: number; pushMs: number } => typeof g?.acquireMs === 'number' && typeof g.pushMs === 'number')
      .map((g) => g.acquireMs + g.pushMs);
    const bytes = (field: 'bytesIn' | 'bytesOut') => gitLog.reduce((n, r) => n + ((r as unknown as Record<string, number | undefined>)[field] ?? 0), 0);
    return {
      perTarget: {
        total: per(log.length),
        counted: per(log.filter((r) => r.status !== 304).length),
        notModified: per(log.filter((r) => r.status === 304).length),
        storeCounted: per(after.counted - before.counted),
        storeNotModified: per(after.notModified - before.notModified),
        pollEvery,
      },
      writes: restWrites.map((r) => `${r.method} ${r.route}`),
      pushes: gitLog.filter((r) => r.method === 'POST' && PUSH_ROUTE.test(r.route)).length,
      git: {
        workspaceToPushMs: timings.length > 0 ? spread(timings) : { min: 0, median: 0, max: 0 },
        // The fake's bytesIn is what the client sent, bytesOut what it received.
        bytesPerTarget: { sent: Math.round(bytes('bytesIn') / targets), received: Math.round(bytes('bytesOut') / targets) },
        gitRequestsPerTarget: per(gitLog.length),
        restContentPerPr: per(restWrites.length),
      },
    };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
    if (receiver) await new Promise<void>((resolve) => receiver!.server.close(() => resolve()));
    await fake.close();
    bench.close();
  }
}

/** The settings besides the published one: a spec asking for a label, repositories keeping merged branches, and both. */
const OTHER_SETTINGS: RunSetting[] = [
  { labels: ['dependencies'], deleteBranchOnMerge: true },
  { labels: [], deleteBranchOnMerge: false },
  { labels: ['dependencies'], deleteBranchOnMerge: false },
];

function contentOf(setting: RunSetting, run: { writes: string[]; pushes: number }, targets: number): ContentBySetting {
  return {
    labels: setting.labels,
    deleteBranchOnMerge: setting.deleteBranchOnMerge,
    perPr: round(run.writes.length / targets, 1),
    withPushPerPr: round((run.writes.length + run.pushes) / targets, 1),
    // One PR's writes: the log is in request order and every PR makes the same kinds of write.
    requests: [...new Set(run.writes)],
  };
}

export async function measureGitHubRequests(options: { targets: number; ciMinutes: number }): Promise<GitHubRequestsResult> {
  const webhooks = await runMode('webhooks', options.targets, options.ciMinutes);
  const polling = await runMode('polling', options.targets, options.ciMinutes);
  const naive = await runMode('naive', options.targets, options.ciMinutes);
  const contentBySetting = [contentOf(DEFAULT_SETTING, webhooks, options.targets)];
  for (const setting of OTHER_SETTINGS) contentBySetting.push(contentOf(setting, await runMode('webhooks', options.targets, options.ciMinutes, setting), options.targets));
  const contentPerPr = webhooks.writes.length / options.targets;
  const withPush = (webhooks.writes.length + webhooks.pushes) / options.targets;
  const kinds = [...new Set(webhooks.writes)];
  const primary = Math.floor(PRIMARY_PER_HOUR / webhooks.perTarget.counted);
  // The push counted as content-creating too: the cautious reading of GitHub's secondary limit.
  const secondary = Math.floor(Math.min(CONTENT_PER_HOUR, CONTENT_PER_MINUTE * 60) / withPush);
  const naivePrimary = Math.floor(PRIMARY_PER_HOUR / naive.perTarget.counted);
  return {
    path: 'open-pr → await-checks → merge',
    targets: options.targets,
    ciMinutes: options.ciMinutes,
    webhooks: webhooks.perTarget,
    polling: polling.perTarget,
    naive: naive.perTarget,
    contentRequestsPerPr: round(contentPerPr, 1),
    contentRequests: kinds,
    contentWithPushPerPr: round(withPush, 1),
    contentBySetting,
    git: webhooks.git,
    prsPerHourCeiling: {
      primary,
      secondary,
      fleet: Math.min(primary, secondary),
      naivePrimary,
      naive: Math.min(naivePrimary, secondary),
      model: `PRs/hour = min(5000 / counted requests per PR, min(500, 80×60) / content requests per PR, the git push included); counted per PR from the webhook run for Fleet and from the naive run for the baseline; the naive client makes the same writes. The spec asks for no labels and the repositories delete merged head branches (contentBySetting has the other settings).`,
    },
  };
}
