import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { scoreCiHealth } from '../campaigns/ci-health.js';
import { createCampaignService } from '../campaigns/service.js';
import { planWaves } from '../campaigns/plan-waves.js';
import { buildDiffSizeSignal } from '../confidence/signals.js';
import { runTick } from '../engine/tick.js';
import type { CheckResult, Gateway } from '../github/gateway.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { generateFleet, requiredChecksOf, type FleetRepo } from '../sandbox/fleet/generate-fleet.js';
import { createRandom } from '../sandbox/fleet/random.js';
import { bakeStep } from '../steps/bake.js';
import { canaryStep } from '../steps/canary.js';
import { gateStep } from '../steps/gate.js';
import { createStepRegistry, type RegisteredStep } from '../steps/registry.js';
import type { ProductionGateway } from '../steps/production.js';
import type { StepResult } from '../steps/types.js';
import type { Store } from '../store/store.js';
import { BENCH_APPROVER, BENCH_EPOCH, BENCH_OWNER, insertCampaign, makeBenchSpec, openBenchStore } from './sandbox.js';
import { round } from './stats.js';

export interface DecisionQualityOptions {
  healthy: number;
  bad: number;
  /** Repositories per campaign. */
  repos: number;
  /** Share of the touched repositories where a bad campaign's change breaks CI or regresses a canary. */
  badShare: number;
  seed: number;
  /** Wall-clock bound: campaigns still running when it passes are reported as unfinished. */
  timeLimitMs: number;
  /** Campaigns run side by side; later batches learn from the history of earlier ones, as a team's do. */
  batch?: number;
  /** Simulated minutes a person takes to answer an approval request or a target that needs attention. */
  personDelayMinutes?: number;
}

export interface DecisionQualityResult {
  campaigns: { healthy: number; bad: number; repos: number; badShare: number; finished: number };
  /** (person's gate approvals + targets that needed attention) / targets, healthy campaigns. */
  humanTouchShare: number;
  /** Targets of waves a person had to approve, plus targets that needed attention, / targets (healthy). */
  humanTouchShareStrict: number;
  approvalsPerHealthyCampaign: number;
  needsAttentionPerHealthyCampaign: number;
  /** Mean share of a bad campaign's fleet merged when it stopped (halted or paused); max alongside. */
  exposureBeforeHalt: number;
  exposureBeforeHaltMax: number;
  falseHalts: number;
  missedBad: number;
  /** Healthy campaigns' simulated hours from start to completion (median). */
  healthyHoursMedian: number;
  simulatedMinutesPerRound: number;
  model: string;
}

interface SimCampaign {
  id: string;
  bad: boolean;
  fleet: Map<string, FleetRepo>;
  targets: number;
  waveSizes: number[];
  finishedAt?: number;
}

const STOPPED = new Set(['halted', 'paused', 'rolling-back', 'aborted']);
const ROUND_MINUTES = 2;
const MINUTE = 60_000;

/**
 * The GitHub-facing bricks (open-pr, await-checks, compliance, merge) answered from the generated
 * fleet's ground truth with the same results and signals the real bricks give for it: no PR where
 * the repository does not use lodash, CI that takes the repository's CI time, a check the change
 * breaks fails on the PR but not on the base (non-retryable, after one re-run), a required check
 * that fails on the base too (after one re-run there) asks a person, and a flaky check fails at
 * its flaky rate on the PR, on the base and on each re-run independently. Measurements 2 and 3 time the real bricks over HTTP; here the point is the
 * decisions, and 8,000 targets over HTTP would take far longer than the bench may.
 */
function createGroundTruthSteps(fleets: Map<string, FleetRepo>, seed: number): RegisteredStep<{ store: Store }>[] {
  const truth = (repo: string): FleetRepo => {
    const found = fleets.get(repo);
    if (!found) throw new Error(`${repo} is not in the simulated fleet`);
    return found;
  };
  const random = createRandom(seed);
  const openPr: RegisteredStep<{ store: Store }> = {
    kind: 'open-pr',
    run: async (ctx): Promise<StepResult> => {
      const repo = truth(ctx.target.repo);
      if (!repo.lodash) return { kind: 'done', skipTarget: 'the change leaves this repository as it is (no lodash)' };
      // The lodash bump changes one line of package.json: one removed, one added.
      return { kind: 'done', patch: { prNumber: 1, prUrl: `https://github.example/${ctx.target.repo}/pull/1`, branch: 'fleet/bump-lodash', headSha: `sha-${ctx.target.id}`, signals: { diffSize: buildDiffSizeSignal(2) } } };
    },
  };
  const awaitChecks: RegisteredStep<{ store: Store }> = {
    kind: 'await-checks',
    run: async (ctx): Promise<StepResult> => {
      const repo = truth(ctx.target.repo);
      const startedAt = typeof ctx.state.startedAt === 'number' ? ctx.state.startedAt : ctx.now;
      if (ctx.now < startedAt + repo.ci.durationMs) return { kind: 'wait', until: Math.min(ctx.now + 2 * MINUTE, startedAt + repo.ci.durationMs), reason: 'waiting for build, test', data: { startedAt } };
      const required = requiredChecksOf(repo);
      let failingOnPr: string[] = [];
      let failingOnBase: string[] = [];
      if (repo.breaksCi) failingOnPr = ['test'];
      else if (repo.ci.outcome === 'fail-on-default') failingOnPr = failingOnBase = [...required];
      else if (repo.ci.outcome === 'flaky') {
        const rate = repo.ci.flakyRate ?? 0.3;
        failingOnPr = required.filter(() => random() < rate);
        // A check failing on the base too is re-run there once: it stays failing at the flaky rate.
        failingOnBase = failingOnPr.filter(() => random() < rate && random() < rate);
      }
      const preExisting = failingOnPr.filter((c) => failingOnBase.includes(c));
      // A check that fails on the PR only is re-run once: a flaky one fails again at its rate, one the change breaks always.
      const rate = repo.ci.outcome === 'flaky' ? (repo.ci.flakyRate ?? 0.3) : 1;
      const caused = failingOnPr.filter((c) => !failingOnBase.includes(c)).filter(() => repo.breaksCi || random() < rate);
      if (caused.length > 0) return { kind: 'failed', retryable: false, reason: `The change breaks ${caused.join(', ')} in ${repo.org}/${repo.name}: it failed again when re-run, and passes on main`, data: { startedAt }, patch: { signals: { checks: { value: 0, evidence: { caused } } } } };
      const value = (required.length - preExisting.length * 0.5) / required.length;
      const signals = { checks: { value: round(value, 3), evidence: { preExisting } } };
      // Branch protection requires these checks, so GitHub would not merge: a person is asked.
      if (preExisting.length > 0) return { kind: 'needs-human', reason: `${preExisting.join(', ')} fail on main too; branch protection will not let the PR merge`, data: { startedAt }, patch: { signals } };
      return { kind: 'done', data: { startedAt }, patch: { signals } };
    },
  };
  const compliance: RegisteredStep<{ store: Store }> = { kind: 'compliance', run: async () => ({ kind: 'done', patch: { signals: { compliance: { value: 1, evidence: {} } } } }) };
  const merge: RegisteredStep<{ store: Store }> = { kind: 'merge', run: async (ctx) => ({ kind: 'done', patch: { mergedSha: createHash('sha1').update(`merged-${ctx.target.id}`).digest('hex') } }) };
  return [openPr, awaitChecks, compliance, merge];
}

/**
 * Production as a CD system that deploys every merge commit at once reports it to GitHub
 * Deployments: the first time the bake asks about a merged sha, it has succeeded then, replacing
 * the version production ran before (the bake reads it as a CD's deployments, never the ground truth).
 */
export function createInstantProduction(now: () => number): ProductionGateway & Pick<Gateway, 'createDeployment' | 'createDeploymentStatus'> {
  const byId = new Map<number, { sha: string; at: number; environment: string }>();
  const bySha = new Map<string, number>();
  let nextId = 1;
  const deployment = (id: number) => {
    const d = byId.get(id)!;
    return { id, sha: d.sha, ref: d.sha, environment: d.environment, payload: {}, createdAt: new Date(d.at).toISOString(), url: `https://api.github.invalid/deployments/${id}` };
  };
  return {
    async listDeployments(repo, filter) {
      const environment = filter.environment ?? 'production';
      if (filter.sha && !bySha.has(`${repo} ${filter.sha}`)) {
        // The version it replaced (deployed long before), then the merge commit, deployed now.
        const before = nextId++;
        byId.set(before, { sha: createHash('sha1').update(`before-${repo}-${filter.sha}`).digest('hex'), at: now() - 24 * 60 * MINUTE, environment });
        const id = nextId++;
        byId.set(id, { sha: filter.sha, at: now(), environment });
        bySha.set(`${repo} ${filter.sha}`, id);
      }
      const own = filter.sha ? bySha.get(`${repo} ${filter.sha}`) : undefined;
      const ids = own !== undefined ? [own] : [...bySha.entries()].filter(([k]) => k.startsWith(`${repo} `)).flatMap(([, id]) => [id, id - 1]);
      return ids.sort((a, b) => b - a).map(deployment);
    },
    // The bench's path has no deploy brick: nothing writes deployments.
    createDeployment: () => Promise.reject(new Error('the decision-quality bench does not deploy canaries')),
    createDeploymentStatus: () => Promise.reject(new Error('the decision-quality bench does not deploy canaries')),
    async listDeploymentStatuses(_repo, id) {
      const d = byId.get(id);
      if (!d) return [];
      return [{ id, state: 'success', description: 'Deployed', environment: d.environment, environmentUrl: null, logUrl: null, createdAt: new Date(d.at).toISOString() }];
    },
  };
}

/**
 * The checks the fake GitHub's CI reports on a repository's default branch head, one run per check
 * as it concludes them (a flaky check fails at its rate on this run, a red main fails, manual CI
 * never completes). The planner gets the CI health production reads from such a report, never
 * the profile behind it.
 */
export function reportDefaultBranchChecks(repo: FleetRepo, random: () => number): Pick<CheckResult, 'status' | 'conclusion'>[] {
  return repo.ci.checks.map((): Pick<CheckResult, 'status' | 'conclusion'> => {
    const ci = repo.ci;
    if (ci.outcome === 'manual') return { status: 'queued', conclusion: null };
    const failed = ci.outcome === 'fail' || ci.outcome === 'fail-on-default' || (ci.outcome === 'flaky' && random() < (ci.flakyRate ?? 0.3));
    return { status: 'completed', conclusion: failed ? 'failure' : 'success' };
  });
}

/**
 * Decision quality against known ground truth, in simulated time: `healthy` campaigns whose change
 * is fine everywhere and `bad` ones whose change breaks CI (half of them) or regresses a canary
 * (the other half) in `badShare` of the repositories it touches, each over its own generated fleet
 * of `repos` repositories. The engine tick, the waves and their gates, the confidence model (with
 * history across campaigns, in one SQLite file), the canary and bake bricks with the real judge
 * over the simulated metrics are the product's own. A simulated person approves every approval
 * request and skips every target that needs attention after `personDelayMinutes`.
 */
export async function measureDecisionQuality(options: DecisionQualityOptions): Promise<DecisionQualityResult> {
  const started = performance.now();
  const bench = openBenchStore('decisions');
  const store = bench.store;
  let clock = BENCH_EPOCH;
  const now = () => clock;
  const delay = (options.personDelayMinutes ?? 30) * MINUTE;
  const batchSize = options.batch ?? 10;
  try {
    const allRepos = new Map<string, FleetRepo>();
    const campaigns: SimCampaign[] = [];
    const total = options.healthy + options.bad;
    // Healthy and bad alternate, so each batch holds both and history is built from both.
    const order: boolean[] = [];
    for (let i = 0; i < Math.max(options.healthy, options.bad); i++) {
      if (i < options.healthy) order.push(false);
      if (i < options.bad) order.push(true);
    }
    for (let i = 0; i < total; i++) {
      const bad = order[i];
      const kind = bad ? (campaigns.filter((c) => c.bad).length % 2 === 0 ? 'ci' : 'canary') : 'none';
      const org = `sim${i}`;
      // The simulation reads only the ground truth, never a file, so the repositories stay small.
      const repos = generateFleet({ seed: options.seed + i, repos: options.repos, org, regressionShare: kind === 'canary' ? options.badShare : 0, ciBreakShare: kind === 'ci' ? options.badShare : 0, size: 'small' });
      const fleet = new Map(repos.map((r) => [`${r.org}/${r.name}`, r]));
      for (const [k, v] of fleet) allRepos.set(k, v);
      campaigns.push({ id: `c-sim${String(i).padStart(2, '0')}`, bad, fleet, targets: repos.length, waveSizes: [] });
    }
    const simulated = createSimulatedProvider({ seed: options.seed, truth: (repo) => ({ regresses: allRepos.get(repo)?.regresses ?? false, kind: 'errors' }) });
    const metrics = { simulated };
    const github = createInstantProduction(now);
    type BenchDeps = { store: Store; metrics: typeof metrics; github: typeof github };
    // The bench deploys no canary (no target has a deployment fact), so the canary never reads or
    // deactivates a deployment and needs none of the deploy methods' GitHub calls.
    const canary = canaryStep as unknown as RegisteredStep<BenchDeps>;
    const registry = createStepRegistry<BenchDeps>([...createGroundTruthSteps(allRepos, options.seed), canary, gateStep, bakeStep]);
    const unused = new Proxy({} as Gateway, {
      get(_, name) {
        if (name === 'then') return undefined;
        return () => Promise.reject(new Error(`the simulated person's action called GitHub (${String(name)})`));
      },
    });
    const service = createCampaignService({ store, catalog: { list: async () => [], load: async (n) => Promise.reject(new Error(n)) }, gateway: unused, admins: [], launchers: { users: [], groups: [] }, resolveGroupMembers: async () => [], now, wake: () => undefined });
    const spec = makeBenchSpec({
      org: 'sim',
      steps: ['open-pr', { kind: 'await-checks', options: { pollEvery: '2m', timeout: '2h' } }, 'compliance', { kind: 'canary', options: { duration: '10m' } }, 'gate', 'merge', { kind: 'bake', options: { duration: '10m' } }],
      waves: [3, '10%', '50%', '100%'],
    });

    // Its own stream, so the CI runs the modelled await-checks draws stay as they were.
    const planRandom = createRandom(options.seed + 1);
    const startedAt = new Map<string, number>();
    for (let b = 0; b < campaigns.length; b += batchSize) {
      const batch = campaigns.slice(b, b + batchSize);
      for (const c of batch) {
        const targets = [...c.fleet.values()].map((r) => ({ repo: `${r.org}/${r.name}`, criticality: r.criticality, ciHealth: scoreCiHealth(reportDefaultBranchChecks(r, planRandom)) }));
        const planned = planWaves(targets, spec.waves, c.id).filter((w) => w.repos.length > 0);
        c.waveSizes = planned.map((w) => w.repos.length);
        insertCampaign(store, { id: c.id, spec, waves: planned.map((w) => w.repos), now: clock });
        startedAt.set(c.id, clock);
      }
      for (let r = 0; r < 2000; r++) {
        if (performance.now() - started > options.timeLimitMs) break;
        await runTick({ store, registry, deps: { store, metrics, github }, now, limits: { maxTargets: 5000, concurrency: 16, stepTimeoutMs: 60_000 } });
        await actAsPerson(store, service, batch, clock, delay);
        let open = 0;
        for (const c of batch) {
          const state = store.campaigns.get(c.id)!.state;
          if (state === 'completed' || STOPPED.has(state)) c.finishedAt ??= clock;
          else open++;
        }
        if (open === 0) break;
        clock += ROUND_MINUTES * MINUTE;
      }
    }
    return summarise(store, campaigns, startedAt, options);
  } finally {
    bench.close();
  }
}

/** The simulated person: approves an approval request, and skips a target that needs attention, once they are `delay` old. */
async function actAsPerson(store: Store, service: ReturnType<typeof createCampaignService>, batch: SimCampaign[], at: number, delay: number): Promise<void> {
  for (const c of batch) {
    const campaign = store.campaigns.get(c.id)!;
    if (campaign.state === 'awaiting-approval') {
      const gate = store.gates.list(c.id).find((g) => g.state === 'open' && g.kind === 'wave');
      if (gate && at - gate.openedAt >= delay) await service.approve(c.id, BENCH_APPROVER, gate.id);
    }
    if (campaign.state === 'completed' || STOPPED.has(campaign.state)) continue;
    for (const t of store.targets.list(c.id)) {
      if (t.state === 'needs-attention' && at - t.updatedAt >= delay) await service.skip(c.id, t.repo, BENCH_OWNER, 'simulated person: skipped after reading why');
    }
  }
}

function summarise(store: Store, campaigns: SimCampaign[], startedAt: Map<string, number>, options: DecisionQualityOptions): DecisionQualityResult {
  let healthyTargets = 0;
  let approvals = 0;
  let attention = 0;
  let strict = 0;
  let falseHalts = 0;
  let missedBad = 0;
  const exposures: number[] = [];
  const hours: number[] = [];
  let finished = 0;
  for (const c of campaigns) {
    const campaign = store.campaigns.get(c.id)!;
    if (c.finishedAt !== undefined) finished++;
    const targets = store.targets.list(c.id);
    const merged = targets.filter((t) => t.mergedSha !== null).length;
    if (c.bad) {
      if (campaign.state === 'completed') missedBad++;
      else if (STOPPED.has(campaign.state)) exposures.push(merged / c.targets);
      continue;
    }
    if (STOPPED.has(campaign.state)) falseHalts++;
    if (campaign.state === 'completed' && c.finishedAt !== undefined) hours.push((c.finishedAt - startedAt.get(c.id)!) / 3_600_000);
    healthyTargets += c.targets;
    const byPerson = store.gates.list(c.id).filter((g) => g.kind === 'wave' && g.state === 'approved' && g.decidedBy === BENCH_APPROVER);
    approvals += byPerson.length;
    const attentionIds = new Set(store.events.list({ campaignId: c.id, kinds: ['target.needs-attention'] }).map((e) => e.targetId));
    attention += attentionIds.size;
    const approvedWaves = new Set(byPerson.map((g) => g.wave));
    strict += targets.filter((t) => approvedWaves.has(t.wave) || attentionIds.has(t.id)).length;
  }
  const healthy = Math.max(1, options.healthy);
  hours.sort((a, b) => a - b);
  return {
    campaigns: { healthy: options.healthy, bad: options.bad, repos: options.repos, badShare: options.badShare, finished },
    humanTouchShare: round((approvals + attention) / Math.max(1, healthyTargets), 4),
    humanTouchShareStrict: round(strict / Math.max(1, healthyTargets), 4),
    approvalsPerHealthyCampaign: round(approvals / healthy, 2),
    needsAttentionPerHealthyCampaign: round(attention / healthy, 2),
    exposureBeforeHalt: round(exposures.reduce((a, b) => a + b, 0) / Math.max(1, exposures.length), 4),
    exposureBeforeHaltMax: round(Math.max(0, ...exposures), 4),
    falseHalts,
    missedBad,
    healthyHoursMedian: round(hours[Math.floor(hours.length / 2)] ?? 0, 1),
    simulatedMinutesPerRound: ROUND_MINUTES,
    model: 'GitHub bricks answered from ground truth (see the docs); engine, waves, gates, confidence with history, canary and bake judged by the real judge; a simulated person approves every request and skips every target needing attention after a delay.',
  };
}
