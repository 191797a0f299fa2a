import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { worldCensus, type WorldCensus } from '../sandbox/fleet/world-fleet.js';
import { WORLDS, type WorldName, type WorldRates } from '../sandbox/fleet/world-rates.js';
import type { FakeGitHub } from '../sandbox/github/server.js';
import type { Store } from '../store/store.js';
import { actAsPerson, PERSON_SKIP_REASON } from './decision-person.js';
import { generateCampaignFleet, startDecisionWorld, type BadKind, type WorldCampaignFleet } from './decision-world.js';
import { BENCH_APPROVER, BENCH_OWNER, makeBenchSpec } from './sandbox.js';
import { round } from './stats.js';

export interface DecisionQualityOptions {
  healthy: number;
  bad: number;
  /** Repositories per campaign. */
  repos: number;
  seed: number;
  /** The world whose rates the fleets are generated with (default calibrated). */
  world?: WorldName;
  /** Wall-clock bound: campaigns still running when it passes are reported as unfinished. */
  timeLimitMs: number;
  /** Campaigns run side by side; later batches learn from the history of earlier ones, as a team's do. */
  batch?: number;
  /** Simulated minutes a person takes to answer an approval request or a target that needs attention. */
  personDelayMinutes?: number;
  /** Progress lines (a batch launched, every hundred rounds, a batch ended). */
  log?: (line: string) => void;
}

/** One campaign as it ended: the store's view, the ground truth beside it, and what the fake GitHub saw. */
export interface CampaignOutcome {
  id: string;
  org: string;
  bad: BadKind;
  state: string;
  /** Why it stopped, when it did (the campaign's state reason). */
  stateReason: string;
  targets: number;
  merged: number;
  succeeded: number;
  skipped: number;
  failed: number;
  /** The failed targets' reasons (the first 160 characters of each). */
  failures: string[];
  /** Targets a person skipped (needs attention, then Skip). */
  skippedByPerson: number;
  /** Ground truth (the bench's, never Fleet's): repositories using lodash where the change breaks CI or regresses. */
  brokenRepos: number;
  /** The world's ground truth in this campaign's fleet (flaky, red default branches, own failures, failing deploys). */
  census: WorldCensus;
  /** Of those, PRs the fake GitHub merged. */
  brokenMerged: number;
  /** merged / targets, from the store. */
  exposure: number;
  /** What the fake GitHub recorded for this campaign's organisation. */
  github: { pulls: number; merges: number; mergedVia: { api: number; queue: number; auto: number }; canaryDeployments: number; productionDeployments: number };
  /** Simulated hours from launch to the end (completed or stopped), or null when it did not end. */
  hours: number | null;
}

export interface DecisionQualityResult {
  world: WorldName;
  rates: Omit<WorldRates, 'sources'>;
  campaigns: { healthy: number; bad: number; repos: number; badShare: number; finished: number; targets: number };
  /** (person's gate approvals + targets that needed attention) / targets, healthy campaigns. */
  humanTouchShare: number;
  /** Targets of waves a person had to approve, plus targets that needed attention, / targets (healthy). */
  humanTouchShareStrict: number;
  approvalsPerHealthyCampaign: number;
  needsAttentionPerHealthyCampaign: number;
  /** Mean share of a bad campaign's targets merged when it stopped (halted or paused); max alongside. */
  exposureBeforeHalt: number;
  exposureBeforeHaltMax: number;
  falseHalts: number;
  missedBad: number;
  /** Healthy campaigns' simulated hours from launch to completion (median). */
  healthyHoursMedian: number;
  simulatedMinutesPerRound: number;
  /** Wall-clock seconds of the whole run, seeding included. */
  wallSeconds: number;
  /**
   * CPU the run took: this process (Fleet and the stand-ins) and the processes it waited for (git,
   * on both sides), in seconds, and both together per target in ms. On a shared machine wall time
   * is load; CPU is the cost.
   */
  cpu: { processSeconds: number; childSeconds: number; msPerTarget: number; msPerPullRequest: number };
  rounds: number;
  /** Requests the fake GitHub answered, by route, for the routes each brick uses (git's smart HTTP included). */
  requests: Record<string, number>;
  perCampaign: CampaignOutcome[];
  model: string;
}

const STOPPED = new Set(['halted', 'paused', 'rolling-back', 'aborted']);
const ROUND_MINUTES = 2;
const MINUTE = 60_000;
/** The kernel's clock ticks per second (USER_HZ), 100 on Linux everywhere Node runs. */
const CLOCK_TICKS = 100;
/** Rounds a batch may take: two weeks of simulated time at two minutes a round. */
const MAX_ROUNDS = 10_080;

/** The routes whose counts the result reports: one per brick that talks to GitHub. */
export const BRICK_ROUTES = {
  discovery: 'GET /orgs/{org}/repos',
  push: 'POST /{owner}/{repo}.git/git-receive-pack',
  pulls: 'POST /repos/{owner}/{repo}/pulls',
  checkRuns: 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  deployments: 'POST /repos/{owner}/{repo}/deployments',
  deploymentStatuses: 'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  merges: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
} as const;

interface SimCampaign {
  id?: string;
  index: number;
  bad: BadKind;
  fleet: WorldCampaignFleet;
  launchedAt?: number;
  endedAt?: number;
}

/** The steps and waves every campaign runs: the whole path, as a team would configure it. */
function campaignSpec(index: number, org: string) {
  return makeBenchSpec({
    name: `bench-bump-lodash-${String(index).padStart(2, '0')}`,
    org,
    steps: [
      'open-pr',
      // Webhooks wake the targets; polling every 10 minutes is the fallback.
      { kind: 'await-checks', options: { pollEvery: '10m', timeout: '2h' } },
      'compliance',
      { kind: 'deploy', options: { environment: 'canary', timeout: '30m', pollEvery: '10m' } },
      { kind: 'canary', options: { duration: '10m' } },
      'gate',
      'merge',
      { kind: 'bake', options: { duration: '10m', deployTimeout: '30m', pollEvery: '10m' } },
    ],
    waves: [3, '10%', '50%', '100%'],
  });
}

/**
 * Decision quality over the real bricks, in simulated time: `healthy` campaigns whose change is
 * fine everywhere and `bad` ones whose change breaks CI (half of them) or regresses a canary (the
 * other half) in the world's `badChangeShare` of the repositories using lodash, each over its own generated fleet of
 * `repos` repositories in its own organisation of the fake GitHub. Each campaign is launched
 * through the campaign service (discovery, CI health read from GitHub, the product's planner);
 * every step runs over HTTP against the fake (open-pr through a workspace and `git push`, checks,
 * compliance, a canary deployment the sandbox's CD rolls out, the canary judged on metrics that
 * follow the deployments, the gate, the merge, the bake of the production deployment), with the
 * fake's webhooks delivered to Fleet's handler. A simulated person approves approval requests and
 * skips targets that need attention after `personDelayMinutes`.
 */
export async function measureDecisionQuality(options: DecisionQualityOptions): Promise<DecisionQualityResult> {
  const started = performance.now();
  const cpuBefore = { own: process.cpuUsage(), children: childCpuSeconds() };
  const worldName: WorldName = options.world ?? 'calibrated';
  const rates = WORLDS[worldName];
  const badShare = rates.badChangeShare;
  const delay = (options.personDelayMinutes ?? 30) * MINUTE;
  const batchSize = options.batch ?? 10;
  const log = options.log ?? (() => undefined);

  // Healthy and bad alternate, so each batch holds both and history is built from both.
  const order: boolean[] = [];
  for (let i = 0; i < Math.max(options.healthy, options.bad); i++) {
    if (i < options.healthy) order.push(false);
    if (i < options.bad) order.push(true);
  }
  let bads = 0;
  const campaigns: SimCampaign[] = order.map((isBad, index) => {
    const bad: BadKind = isBad ? (bads++ % 2 === 0 ? 'ci' : 'canary') : 'none';
    return { index, bad, fleet: generateCampaignFleet({ seed: options.seed + index, repos: options.repos, org: `sim${String(index).padStart(2, '0')}`, world: worldName, bad }) };
  });
  const regressing = campaigns.flatMap((c) => c.fleet.repos.filter((r) => r.regresses).map((r) => `${r.org}/${r.name}`));
  const world = await startDecisionWorld({ seed: options.seed, regressing, limits: { maxTargets: 200, concurrency: 8, maxRounds: 20 }, workspaces: 8 });
  let rounds = 0;
  try {
    for (let b = 0; b < campaigns.length; b += batchSize) {
      const batch = campaigns.slice(b, b + batchSize);
      await world.seed(batch.map((c) => c.fleet));
      for (const c of batch) {
        const record = await world.service.start({ spec: campaignSpec(c.index, c.fleet.org), source: 'bench' }, BENCH_OWNER);
        c.id = record.id;
        c.launchedAt = world.now();
      }
      const ids = batch.map((c) => c.id!);
      const seconds = () => Math.round((performance.now() - started) / 1000);
      log(`decisions: batch ${b / batchSize + 1} launched, ${batch.length} campaigns, ${world.store.targets.unfinished().length} targets in flight (${seconds()} s)`);
      for (let r = 0; r < MAX_ROUNDS; r++) {
        if (performance.now() - started > options.timeLimitMs) break;
        await world.round(ROUND_MINUTES * MINUTE);
        rounds++;
        await actAsPerson({ store: world.store, service: world.service, campaignIds: ids, at: world.now(), delayMs: delay });
        let open = 0;
        for (const c of batch) {
          const state = world.store.campaigns.get(c.id!)!.state;
          if (state === 'completed' || STOPPED.has(state)) c.endedAt ??= world.now();
          else open++;
        }
        if (r % 100 === 99) log(`decisions: round ${r + 1}, ${open} campaigns running, ${world.store.targets.unfinished().length} targets in flight (${seconds()} s)`);
        if (open === 0) break;
      }
      log(`decisions: batch ${b / batchSize + 1} ended: ${batch.map((c) => world.store.campaigns.get(c.id!)!.state).join(', ')} (${seconds()} s)`);
    }
    const own = process.cpuUsage(cpuBefore.own);
    const cpu = { processSeconds: (own.user + own.system) / 1e6, childSeconds: childCpuSeconds() - cpuBefore.children };
    return summarise(world.store, world.fake, campaigns, { ...options, badShare, worldName, rates, rounds, cpu, wallSeconds: (performance.now() - started) / 1000 });
  } finally {
    await world.close();
  }
}

/** CPU seconds of the children this process has waited for (Linux `/proc/self/stat` cutime + cstime); 0 elsewhere. */
function childCpuSeconds(): number {
  try {
    // The fields after the command's closing parenthesis: cutime and cstime are the 14th and 15th (fields 16 and 17 of the line).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

function outcomeOf(store: Store, fake: FakeGitHub, c: SimCampaign): CampaignOutcome {
  const id = c.id ?? `unlaunched-${c.index}`;
  const campaign = store.campaigns.get(id);
  const targets = campaign ? store.targets.list(id) : [];
  const prefix = `${c.fleet.org}/`;
  const merges = fake.state.merges().filter((m) => m.repo.startsWith(prefix));
  const mergedPulls = new Set(merges.map((m) => m.repo));
  const broken = c.fleet.repos.filter((r) => r.lodash !== null && (r.breaksCi || r.regresses)).map((r) => `${r.org}/${r.name}`);
  const deployments = fake.state.deployments().filter((d) => d.owner === c.fleet.org);
  const merged = targets.filter((t) => t.mergedSha !== null).length;
  const skippedByPerson = targets.filter((t) => t.state === 'skipped' && t.stateReason.includes(PERSON_SKIP_REASON)).length;
  return {
    id,
    org: c.fleet.org,
    bad: c.bad,
    state: campaign?.state ?? 'not launched',
    stateReason: campaign?.stateReason ?? '',
    targets: targets.length,
    merged,
    succeeded: targets.filter((t) => t.state === 'succeeded').length,
    skipped: targets.filter((t) => t.state === 'skipped').length,
    failed: targets.filter((t) => t.state === 'failed').length,
    failures: targets.filter((t) => t.state === 'failed').map((t) => `${t.repo}: ${t.stateReason.slice(0, 160)}`),
    skippedByPerson,
    brokenRepos: broken.length,
    census: worldCensus(c.fleet.repos),
    brokenMerged: broken.filter((repo) => mergedPulls.has(repo)).length,
    exposure: round(merged / Math.max(1, targets.length), 4),
    github: {
      pulls: fake.state.listPulls().filter((p) => p.repo.startsWith(prefix)).length,
      merges: merges.length,
      mergedVia: { api: merges.filter((m) => m.via === 'api').length, queue: merges.filter((m) => m.via === 'queue').length, auto: merges.filter((m) => m.via === 'auto').length },
      canaryDeployments: deployments.filter((d) => d.originalEnvironment === 'canary').length,
      productionDeployments: deployments.filter((d) => d.originalEnvironment === 'production').length,
    },
    hours: c.endedAt !== undefined && c.launchedAt !== undefined ? round((c.endedAt - c.launchedAt) / 3_600_000, 2) : null,
  };
}

function summarise(
  store: Store,
  fake: FakeGitHub,
  campaigns: SimCampaign[],
  run: DecisionQualityOptions & { badShare: number; worldName: WorldName; rates: WorldRates; rounds: number; wallSeconds: number; cpu: { processSeconds: number; childSeconds: number } },
): DecisionQualityResult {
  let healthyTargets = 0;
  let approvals = 0;
  let attention = 0;
  let strict = 0;
  let falseHalts = 0;
  let missedBad = 0;
  let finished = 0;
  const exposures: number[] = [];
  const hours: number[] = [];
  const perCampaign = campaigns.map((c) => outcomeOf(store, fake, c));
  for (const [i, c] of campaigns.entries()) {
    const outcome = perCampaign[i];
    if (c.endedAt !== undefined) finished++;
    if (c.bad !== 'none') {
      if (outcome.state === 'completed') missedBad++;
      else if (STOPPED.has(outcome.state)) exposures.push(outcome.exposure);
      continue;
    }
    if (STOPPED.has(outcome.state)) falseHalts++;
    if (outcome.state === 'completed' && outcome.hours !== null) hours.push(outcome.hours);
    if (!c.id) continue;
    healthyTargets += outcome.targets;
    const byPerson = store.gates.list(c.id).filter((g) => g.kind === 'wave' && g.state === 'approved' && g.decidedBy === BENCH_APPROVER);
    approvals += byPerson.length;
    const attentionIds = new Set(store.events.list({ campaignId: c.id, kinds: ['target.needs-attention'] }).map((e) => e.targetId));
    attention += attentionIds.size;
    const approvedWaves = new Set(byPerson.map((g) => g.wave));
    strict += store.targets.list(c.id).filter((t) => approvedWaves.has(t.wave) || attentionIds.has(t.id)).length;
  }
  const healthy = Math.max(1, run.healthy);
  hours.sort((a, b) => a - b);
  const requests: Record<string, number> = {};
  for (const [name, route] of Object.entries(BRICK_ROUTES)) requests[name] = fake.requestLog.filter((r) => `${r.method} ${r.route}` === route).length;
  requests.total = fake.requestLog.length;
  const { sources: _sources, ...rates } = run.rates;
  return {
    world: run.worldName,
    rates,
    campaigns: { healthy: run.healthy, bad: run.bad, repos: run.repos, badShare: run.badShare, finished, targets: perCampaign.reduce((n, c) => n + c.targets, 0) },
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
    wallSeconds: round(run.wallSeconds, 1),
    cpu: {
      processSeconds: round(run.cpu.processSeconds, 1),
      childSeconds: round(run.cpu.childSeconds, 1),
      msPerTarget: Math.round((1000 * (run.cpu.processSeconds + run.cpu.childSeconds)) / Math.max(1, perCampaign.reduce((n, c) => n + c.targets, 0))),
      // Targets a campaign halted before do little: per PR opened is the path's cost.
      msPerPullRequest: Math.round((1000 * (run.cpu.processSeconds + run.cpu.childSeconds)) / Math.max(1, perCampaign.reduce((n, c) => n + c.github.pulls, 0))),
    },
    rounds: run.rounds,
    requests,
    perCampaign,
    model:
      'Every brick as in production (createDefaultRegistry, createStepDeps) over HTTP against the fake GitHub: campaigns launched through the campaign service (discovery, CI health from GitHub, the planner), open-pr through a workspace and git push, await-checks, compliance, deploy through GitHub Deployments rolled out by the sandbox CD, canary on simulated metrics that follow the deployments, gate, merge, bake of the production deployment; webhooks into handleWebhook, polling every 10 minutes as the fallback; one simulated clock; a simulated person approves every request and skips every target needing attention after a delay, through the campaign service.',
  };
}
