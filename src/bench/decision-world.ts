import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignService, type CampaignServiceDeps } from '../campaigns/service.js';
import { planWaves } from '../campaigns/plan-waves.js';
import type { CampaignService } from '../campaigns/service-types.js';
import { runTick } from '../engine/tick.js';
import { createStepDeps, sweepWorkspaces } from '../runtime/advance-job.js';
import { JobConfig } from '../runtime/job-config.js';
import { withoutRequiredReviews, type FleetRepo } from '../sandbox/fleet/generate-fleet.js';
import { generateWorldFleet, type BadKind } from '../sandbox/fleet/world-fleet.js';
import { seedFleet } from '../sandbox/fleet/seed-fleet.js';
import type { WorldName } from '../sandbox/fleet/world-rates.js';
import { startFakeGitHub, type FakeGitHub } from '../sandbox/github/server.js';
import { createDefaultRegistry, type StepDeps } from '../steps/registry.js';
import type { Store } from '../store/store.js';
import { BENCH_EPOCH, BENCH_OWNER, createBenchClient, openBenchStore, type BenchStore, startWebhookReceiver } from './sandbox.js';

/**
 * The world the decision-quality bench runs in, composed as production composes Fleet: the fake
 * GitHub (CI, the sandbox's CD with production and canary deployments, code owners who review),
 * its signed webhooks delivered to Fleet's own `handleWebhook`, the advance job's step registry and
 * `createStepDeps` (Octokit over HTTP, a workspace pool and `git push`, the simulated metrics
 * following the deployments), and the campaign service that launches campaigns and takes the
 * person's actions. One simulated clock: the fake's, which the engine reads and the bench moves.
 */

const WEBHOOK_SECRET = 'bench-decisions-webhook-secret';
const TOKEN = 'bench-decisions-token';
/** Code owners of the one repository whose ruleset requires their review approve this long after checks are green. */
const REVIEW_AFTER_MS = 10 * 60_000;
/** The sandbox CD's rollout: in progress after 15 s, done after 90 s (its defaults, as a real rollout takes). */
const CD_DELAYS = { inProgressMs: 15_000, successMs: 90_000 };

export type { BadKind } from '../sandbox/fleet/world-fleet.js';

export interface WorldCampaignFleet {
  org: string;
  repos: FleetRepo[];
}

/**
 * A campaign's fleet of `repos` small Node services in its own organisation, generated in the
 * world (`generateWorldFleet`): its flaky checks, red default branches, PRs failing for a reason
 * of their own and failing deploys, and for a bad campaign the change breaking CI or regressing
 * canaries in the world's share of the repositories using lodash. Small: the decisions read CI,
 * deployments and metrics, never the number of files (git still clones, commits and pushes each
 * one). The second organisation's repository and the reviews nobody in the bench would give are
 * left out (the one repository whose ruleset requires a code owner keeps it: its code owner reviews).
 */
export function generateCampaignFleet(input: { seed: number; repos: number; org: string; world: WorldName; bad: BadKind }): WorldCampaignFleet {
  const generated = generateWorldFleet({ seed: input.seed, repos: input.repos, org: input.org, world: input.world, bad: input.bad, size: 'small' });
  const repos = generated.filter((repo) => repo.org === input.org).map((repo) => withoutRequiredReviews(repo, { keepCodeOwnerReview: true }));
  return { org: input.org, repos };
}

export interface DecisionWorld {
  fake: FakeGitHub;
  store: Store;
  service: CampaignService;
  /** The simulated clock (the fake's). */
  now: () => number;
  /** Seeds fleets into the fake GitHub and lets their default branches' CI finish. */
  seed(fleets: readonly WorldCampaignFleet[]): Promise<void>;
  /** One advance-job run (ticks while work stays due), then the clock moves by `ms` and webhooks are delivered. */
  round(ms: number): Promise<{ ran: number }>;
  close(): Promise<void>;
}

export interface DecisionWorldOptions {
  seed: number;
  /** Ground truth for the simulated metrics: the repositories where the change regresses. */
  regressing: readonly string[];
  /** Step limits of one tick, as the advance job's. */
  limits: { maxTargets: number; concurrency: number; maxRounds: number };
  workspaces: number;
}

/**
 * Starts the world: the fake GitHub with its CD, the webhook receiver, a SQLite store, the step
 * deps and the campaign service.
 *
 * @example const world = await startDecisionWorld({ seed: 1, regressing: [], limits: { maxTargets: 200, concurrency: 8, maxRounds: 20 }, workspaces: 8 });
 */
export async function startDecisionWorld(options: DecisionWorldOptions): Promise<DecisionWorld> {
  const fake = await startFakeGitHub({
    port: 0,
    now: () => BENCH_EPOCH,
    log: () => undefined,
    // Limits far above the bench's traffic: the figures are decisions, not waits for a reset.
    secondaryPerMinute: 1_000_000_000,
    rateLimit: { limit: 1_000_000_000 },
    searchLimits: { search: 1_000_000, code_search: 1_000_000 },
    cd: { delays: CD_DELAYS },
  });
  const bench: BenchStore = openBenchStore('decisions');
  const workdir = mkdtempSync(join(tmpdir(), 'fleet-bench-decisions-'));
  const store = bench.store;
  const now = () => fake.state.now();
  const receiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET, store, wake: () => undefined, now });
  fake.setWebhook({ url: receiver.url, secret: WEBHOOK_SECRET });

  // The advance job's configuration, as the runtime hands it to its worker.
  const config = JobConfig.parse({
    dbFile: bench.file,
    github: { apiUrl: fake.url, token: TOKEN, pacing: { perMinute: 1_000_000_000, perHour: 1_000_000_000 }, retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0, retryBaseMs: 1 },
    // The simulated provider follows the deployments (the sandbox CD's), so a canary is judged on the version that ran.
    metrics: { simulated: { seed: options.seed, regressing: [...options.regressing], kind: 'errors', followDeployments: true } },
    workspaces: { root: join(workdir, 'targets'), max: options.workspaces, maxMb: 20_480 },
    limits: { ...options.limits, stepTimeoutMs: 120_000 },
  });
  const registry = createDefaultRegistry();
  const deps: StepDeps = createStepDeps(config, store, now);

  const { github } = createBenchClient(fake, store, now);
  const serviceDeps: CampaignServiceDeps = {
    store,
    catalog: { list: async () => [], load: (name) => Promise.reject(new Error(`the bench launches specs, not the catalog's ${name}`)) },
    gateway: github,
    planWaves,
    admins: [],
    launchers: { users: [BENCH_OWNER], groups: [] },
    resolveGroupMembers: async () => [],
    now,
    wake: () => undefined,
  };
  const service = createCampaignService(serviceDeps);

  return {
    fake,
    store,
    service,
    now,
    async seed(fleets) {
      for (const fleet of fleets) seedFleet(fake, fleet.repos, { reviewAfterMs: REVIEW_AFTER_MS, reviewAfterChecks: true });
      // The default branches' CI (at most seven minutes) completes before anyone plans on it.
      fake.state.advance(10 * 60_000);
      await fake.state.flushWebhooks();
    },
    async round(ms) {
      const d = deps;
      let ran = 0;
      // The advance job's body (runAdvance): ticks while work stays due, sweeping finished checkouts.
      for (let r = 0; r < config.limits.maxRounds; r++) {
        const report = await runTick({ store, registry, deps: d, now, limits: config.limits });
        if (d.workspaces) await sweepWorkspaces(store, d.workspaces);
        ran += report.ran;
        const moved = report.waves.decisions.length + (report.waves.started?.length ?? 0) + (report.waves.completed?.length ?? 0);
        if (report.frozen || (report.ran === 0 && moved === 0)) break;
      }
      fake.state.advance(ms);
      await fake.state.flushWebhooks();
      return { ran };
    },
    async close() {
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
      await fake.close();
      bench.close();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
