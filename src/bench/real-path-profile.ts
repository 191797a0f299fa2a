import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTick } from '../engine/tick.js';
import { createStepDeps } from '../runtime/advance-job.js';
import { JobConfig } from '../runtime/job-config.js';
import { generateFleet, withoutRequiredReviews, type FleetRepo } from '../sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../sandbox/fleet/seed-fleet.js';
import { createDefaultRegistry } from '../steps/registry.js';
import { BENCH_EPOCH, insertCampaign, makeBenchSpec, openBenchStore, startBenchGitHub, startWebhookReceiver } from './sandbox.js';
import { round, spread, type Spread } from './stats.js';

/**
 * The real path, profiled: N 'small' repositories of a generated fleet seeded into the fake
 * GitHub, one campaign through the real tick and the runtime's own `createStepDeps` (Octokit with
 * its cache, retries and throttling; the workspace pool and `git push`), the fake's CI on the same
 * simulated clock as the engine, webhooks into the real `handleWebhook`. Two paths: open-pr alone,
 * and open-pr → await-checks → compliance → merge. What it reports is CPU per target: this
 * process's (Fleet and the fake share it) plus that of every git process either side started
 * (children's time, read from /proc/self/stat once they have been reaped).
 */

export type RealPath = 'open-pr' | 'full';

export interface RealPathRound {
  wallMs: number;
  /** CPU of this process (Fleet, the fake, Octokit, SQLite), ms per target. */
  selfCpuMsPerTarget: number;
  /** CPU of the git processes (Fleet's and the fake's http-backend), ms per target. */
  childCpuMsPerTarget: number;
  cpuMsPerTarget: number;
  /** Requests the fake answered per target: REST and git's smart-HTTP routes. */
  restRequestsPerTarget: number;
  gitRequestsPerTarget: number;
  /** Requests per target by route ("GET /repos/{owner}/{repo}/pulls/{pull_number}"), 304s included. */
  routes: Record<string, number>;
}

export interface RealPathResult {
  targets: number;
  rounds: number;
  path: Record<RealPath, { steps: string; perRound: RealPathRound[]; cpuMsPerTarget: Spread; wallMsPerTarget: Spread }>;
}

const GIT_ROUTE = /\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const WEBHOOK_SECRET = 'bench-webhook-secret';
/** Clock ticks per second for /proc's times (USER_HZ: 100 on every Linux build Fleet runs on). */
const USER_HZ = 100;

/** This process's CPU and its reaped children's, in ms, from /proc/self/stat (utime, stime, cutime, cstime). */
export function cpuTimes(): { self: number; children: number } {
  const text = readFileSync('/proc/self/stat', 'utf8');
  // The command name may hold spaces: the fields start after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = (index: number) => (Number(fields[index]) * 1000) / USER_HZ;
  // Fields 14–17 of proc(5), counted here from field 3 (state) at index 0.
  return { self: tick(11) + tick(12), children: tick(13) + tick(14) };
}

/** The fleet's Node services the lodash bump changes and that a campaign can carry through without a person: no broken CI, no review, no merge queue. */
export function profileFleet(targets: number, seed: number): FleetRepo[] {
  const picked: FleetRepo[] = [];
  for (let size = targets * 2; picked.length < targets; size *= 2) {
    picked.length = 0;
    for (const repo of generateFleet({ seed, repos: size, org: 'acme', size: 'small', deployBreaks: false })) {
      if (picked.length >= targets) break;
      if (repo.org !== 'acme' || repo.lodash?.block !== 'dependencies' || repo.lodash.path !== undefined || repo.breaksCi || repo.mergeQueue || repo.codeOwnerReview || repo.fork) continue;
      if (repo.ci.outcome !== 'pass') continue;
      picked.push(withoutRequiredReviews(repo));
    }
  }
  return picked;
}

function routesPerTarget(log: readonly { method: string; route: string; status: number }[], targets: number): Record<string, number> {
  const counts = new Map<string, number>();
  for (const entry of log) {
    const key = `${entry.method} ${entry.route}${entry.status === 304 ? ' (304)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => [key, round(n / targets, 2)]));
}

const STEPS: Record<RealPath, unknown[]> = {
  'open-pr': ['open-pr'],
  full: ['open-pr', { kind: 'await-checks', options: { pollEvery: '30m', timeout: '2h' } }, 'compliance', 'merge'],
};

/** One campaign over a freshly seeded fake; the CPU counted is the campaign's, from the first tick to the last target done. */
export async function runRealPath(path: RealPath, fleet: readonly FleetRepo[]): Promise<RealPathRound> {
  const fake = await startBenchGitHub();
  const bench = openBenchStore(`real-path-${path}`);
  const workdir = mkdtempSync(join(tmpdir(), 'fleet-bench-real-path-'));
  const now = () => fake.state.now();
  let receiver: { url: string; server: Server } | undefined;
  try {
    seedFleet(fake, [...fleet]);
    const repos = fleet.map((repo) => `${repo.org}/${repo.name}`);
    const spec = makeBenchSpec({ repos, steps: STEPS[path], waves: ['100%'] });
    insertCampaign(bench.store, { id: 'c-real', spec, waves: [repos], now: BENCH_EPOCH });
    receiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET, store: bench.store, wake: () => undefined, now });
    fake.setWebhook({ url: receiver.url, secret: WEBHOOK_SECRET });
    const config = JobConfig.parse({
      dbFile: bench.file,
      github: { apiUrl: fake.url, token: 'bench-token', pacing: { perMinute: 1_000_000_000, perHour: 1_000_000_000 }, retryAfterBaseMs: 1, retryBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 },
      workspaces: { root: workdir, max: 8, maxMb: 10_240 },
      limits: { maxTargets: 1000, concurrency: 8, stepTimeoutMs: 120_000 },
    });
    const deps = createStepDeps(config, bench.store, now);
    const registry = createDefaultRegistry();
    const done = () => {
      const counts = bench.store.targets.counts('c-real');
      return { counts, finished: counts.succeeded + counts.failed + counts['needs-attention'] };
    };
    const started = performance.now();
    const before = cpuTimes();
    for (let round = 0; round < 600 && done().finished < fleet.length; round++) {
      await runTick({ store: bench.store, registry, deps, now, limits: config.limits });
      if (done().finished >= fleet.length) break;
      fake.state.advance(60_000);
      await fake.state.flushWebhooks();
    }
    const after = cpuTimes();
    const wallMs = performance.now() - started;
    const { counts } = done();
    if (counts.succeeded !== fleet.length) throw new Error(`The ${path} path did not carry every target through: ${JSON.stringify(counts)}.`);
    const per = (n: number) => round(n / fleet.length, 1);
    const gitRequests = fake.requestLog.filter((r) => GIT_ROUTE.test(r.route)).length;
    return {
      wallMs: Math.round(wallMs),
      selfCpuMsPerTarget: per(after.self - before.self),
      childCpuMsPerTarget: per(after.children - before.children),
      cpuMsPerTarget: per(after.self - before.self + after.children - before.children),
      restRequestsPerTarget: per(fake.requestLog.length - gitRequests),
      gitRequestsPerTarget: per(gitRequests),
      routes: routesPerTarget(fake.requestLog, fleet.length),
    };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
    if (receiver) await new Promise<void>((resolve) => receiver!.server.close(() => resolve()));
    await fake.close();
    bench.close();
  }
}

/**
 * Runs each path `rounds` times over `targets` repositories, alternating the paths.
 *
 * @example const result = await measureRealPath({ targets: 50, rounds: 3 });
 */
export async function measureRealPath(options: { targets: number; rounds: number; seed?: number; paths?: RealPath[] }): Promise<RealPathResult> {
  const fleet = profileFleet(options.targets, options.seed ?? 11);
  const paths = options.paths ?? (['open-pr', 'full'] as RealPath[]);
  const perRound: Record<RealPath, RealPathRound[]> = { 'open-pr': [], full: [] };
  for (let i = 0; i < options.rounds; i++) {
    for (const path of paths) perRound[path].push(await runRealPath(path, fleet));
  }
  const summary = (path: RealPath) => ({
    steps: STEPS[path].map((step) => (typeof step === 'string' ? step : (step as { kind: string }).kind)).join(' → '),
    perRound: perRound[path],
    cpuMsPerTarget: spread(perRound[path].map((r) => r.cpuMsPerTarget)),
    wallMsPerTarget: spread(perRound[path].map((r) => round(r.wallMs / options.targets, 1))),
  });
  return { targets: options.targets, rounds: options.rounds, path: { 'open-pr': summary('open-pr'), full: summary('full') } };
}
