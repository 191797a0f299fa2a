import { buildWindow, failFromMetricsError, judgeWindow, pickProvider, type CanaryDeps, type CanaryWindow, type TrackSubject } from './canary.js';
import type { BakeOptions } from '../domain/step-options.js';
import { judgementInWords, plural } from '../domain/words.js';
import { findProductionVersion, type EnvironmentDeployment, type ProductionGateway } from './production.js';
import type { Step, StepContext, StepEvent, StepResult } from './types.js';

/** The bake reads production's deployments through the gateway, and judges with the canary's providers. */
export interface BakeDeps {
  metrics: CanaryDeps['metrics'];
  github: ProductionGateway;
}

/** A version that ran in the environment, as the bake keeps it in its state. */
interface KeptVersion {
  deploymentId: number;
  sha: string;
  /** Epoch ms its deployment succeeded. */
  readyAt: number;
}

/** What the bake learned once production deployed the merge commit: kept, so it is read once. */
interface KeptProduction extends KeptVersion {
  environment: string;
  environmentUrl: string | null;
  /** The version the merge commit replaced; null when the environment had none that succeeded. */
  previous: KeptVersion | null;
}

type BakeContext = StepContext<BakeOptions, BakeDeps>;

/**
 * The bake brick, after merge. It follows production: first it waits for a deployment of the merge
 * commit to `options.environment` (default production) to succeed, as the CD system reports it to
 * GitHub Deployments (woken by `deployment_status` webhooks, polling every `pollEvery` meanwhile).
 * A failed or errored deployment fails the target with a rollback offer; none that succeeds within
 * `deployTimeout` of the merge asks a person. Then the new version runs for `options.duration` from
 * the deployment's success, and the campaign's canary metrics compare it (its sha, environment and
 * deployment) with the version it replaced over a window of the same length just before the
 * success. A failing judgement is confirmed on a second window of the same length (unless
 * `confirm: false`): a real regression fails both, while a chance failure, which at 98% confidence
 * per metric turns up a few times in a campaign of hundreds of repositories, rarely fails twice. A
 * confirmed failure fails the target with `data.rollback = true`, so the engine offers "Revert
 * wave". Without a canary section the bake waits for the deployment and its duration only; with no
 * earlier version in the environment to compare with, it is not judged, and says so.
 *
 * @example
 * const registry = createStepRegistry([bakeStep, ...]); // deps: { github, metrics: { prometheus } }
 */
export const bakeStep: Step<BakeOptions, BakeDeps> = {
  kind: 'bake',
  async run(ctx) {
    const canary = ctx.spec.canary;
    // Before the bake waits: its wait must not end in "no provider".
    const picked = canary ? pickProvider(ctx.deps.metrics, canary) : undefined;
    if (picked && !('provider' in picked)) return picked;
    const kept = readProduction(ctx.state);
    let production: KeptProduction;
    const events: StepEvent[] = [];
    if (kept) {
      production = kept;
    } else {
      const waited = await awaitProduction(ctx);
      if ('kind' in waited) return waited;
      production = waited.production;
      events.push(waited.event);
    }
    const sha7 = production.sha.slice(0, 7);
    const startedAt = production.readyAt;
    const base = { production, startedAt };
    const until = startedAt + ctx.options.duration;
    if (ctx.now < until) {
      return { kind: 'wait', until, reason: `baking ${sha7} in ${production.environment} until ${new Date(until).toISOString()}`, data: base, events };
    }
    if (!canary || !picked) {
      return { kind: 'done', data: { ...base, judged: false }, events: [...events, { kind: 'bake.finished', data: { repo: ctx.target.repo, environment: production.environment, sha: production.sha, judged: false } }] };
    }
    const previous = production.previous;
    if (!previous) {
      const note = `${production.environment} had no earlier version that succeeded to compare ${sha7} with, so the bake was not judged.`;
      return { kind: 'done', data: { ...base, judged: false, note }, events: [...events, { kind: 'bake.finished', data: { repo: ctx.target.repo, environment: production.environment, sha: production.sha, judged: false, note } }] };
    }
    const first = readFirstFailure(ctx.state);
    const windowStart = first ? first.confirmFrom : startedAt;
    const windowEnd = windowStart + ctx.options.duration;
    if (ctx.now < windowEnd) {
      return { kind: 'wait', until: windowEnd, reason: `confirming a failed bake of ${sha7} on a second window until ${new Date(windowEnd).toISOString()}`, data: { ...ctx.state, ...base }, events };
    }
    let judged: Awaited<ReturnType<typeof judgeWindow>>;
    try {
      const window = buildWindow(canary, windowStart, windowEnd);
      judged = await judgeWindow(picked.provider, canary, {
        repo: ctx.target.repo,
        target: production.sha,
        canary: { sha: production.sha, environment: production.environment, deployment: String(production.deploymentId), window },
        baseline: baselineTrack(production, previous, window, first !== undefined),
      });
    } catch (error) {
      return failFromMetricsError(error, 'Could not read the metrics of the merged change', { ...ctx.state, ...base });
    }
    const { result, evidence } = judged;
    const versions = { environment: production.environment, sha: production.sha, deploymentId: production.deploymentId, baselineSha: previous.sha, baselineDeploymentId: previous.deploymentId };
    events.push({ kind: 'bake.judged', data: { repo: ctx.target.repo, ...evidence, ...versions, ...(first ? { confirming: true } : {}) } });
    if (result.verdict === 'fail' && !first && ctx.options.confirm) {
      // The second window starts now, so it does not overlap the first.
      const confirmFrom = ctx.now;
      return {
        kind: 'wait',
        until: confirmFrom + ctx.options.duration,
        reason: `the bake of ${sha7} failed with score ${Math.round(result.score)}; judging a second window before offering a rollback`,
        data: { ...base, firstFailure: { score: result.score, reason: result.reason, confirmFrom } },
        events,
      };
    }
    if (result.verdict === 'fail') {
      const twice = first ? `twice (scores ${Math.round(first.score)} and ${Math.round(result.score)})` : `with score ${Math.round(result.score)}`;
      return {
        kind: 'failed',
        retryable: false,
        reason: `The merged change failed its bake in ${production.environment} ${twice} against ${previous.sha.slice(0, 7)}, the version it replaced: ${judgementInWords(result)} Revert the wave.`,
        data: { ...base, judgedAt: ctx.now, score: result.score, verdict: result.verdict, rollback: true, ...(first ? { firstFailure: first } : {}) },
        events,
      };
    }
    const note = first ? { note: `A first bake window failed (score ${Math.round(first.score)}: ${first.reason}); the second passed, so it was judged a chance failure.` } : {};
    return { kind: 'done', data: { ...base, judgedAt: ctx.now, score: result.score, verdict: result.verdict, judged: true, ...(first ? { firstFailure: first } : {}), ...note }, events };
  },
};

/**
 * The replaced version's track: the same length as the canary's window, ending when the new version
 * succeeded (the replaced one stopped serving then), and not before the replaced one itself began.
 */
/**
 * The version production ran before, over the window of the same length that ended when the merge
 * commit took over. A confirming judgement reads the window before that one, when the previous
 * version ran that long: compared with the same baseline series twice, a baseline that happened
 * to be quiet would fail both windows, and the confirmation would confirm nothing.
 */
function baselineTrack(production: KeptProduction, previous: KeptVersion, window: CanaryWindow, confirming: boolean): TrackSubject {
  const length = window.end - window.start;
  const earlier = confirming && production.readyAt - 2 * length >= previous.readyAt;
  const end = earlier ? production.readyAt - length : production.readyAt;
  return { sha: previous.sha, environment: production.environment, deployment: String(previous.deploymentId), window: { start: Math.max(previous.readyAt, end - length), end, stepMs: window.stepMs } };
}

/**
 * Until production runs the merge commit: the wait, the failure or the question for a person; or,
 * once its deployment succeeded, what the bake keeps of it and the `bake.deployed` event.
 */
async function awaitProduction(ctx: BakeContext): Promise<StepResult | { production: KeptProduction; event: StepEvent }> {
  const { repo, mergedSha } = ctx.target;
  const environment = ctx.options.environment;
  if (!mergedSha || !/^[0-9a-f]{40}$/i.test(mergedSha)) {
    return { kind: 'needs-human', reason: `The bake follows ${environment}'s deployment of the merge commit, but Fleet has no merge commit for ${repo}${mergedSha ? ` (it has "${mergedSha}")` : ''}: check that the PR was merged, then Retry or Skip.` };
  }
  const sha7 = mergedSha.slice(0, 7);
  // A run after a person's Retry (the wait had timed out) waits a full deployTimeout again.
  const waitingSince = typeof ctx.state.waitingSince === 'number' && typeof ctx.state.timedOutAt !== 'number' ? ctx.state.waitingSince : ctx.now;
  // When the bake first looked (kept across a Retry): a later commit deployed since then may carry the merge.
  const mergedBy = typeof ctx.state.mergedBy === 'number' ? ctx.state.mergedBy : waitingSince;
  const deadline = waitingSince + ctx.options.deployTimeout;
  const found = await findProductionVersion(ctx.deps.github, repo, environment, { sha: mergedSha, laterSince: mergedBy });
  const deployment = found.deployment;
  const data = { waitingSince, mergedBy };
  const facts = deployment ? { ...factsOf(repo, deployment), mergedSha } : { repo, environment, sha: mergedSha, mergedSha };
  // A CD that deploys its branch's head may deploy the merge as part of a later commit.
  const as = deployment && deployment.sha.toLowerCase() !== mergedSha.toLowerCase() ? ` (in ${deployment.sha.slice(0, 7)}, a later commit)` : '';
  if (deployment && (deployment.state === 'failure' || deployment.state === 'error')) {
    const description = deployment.description.trim().replace(/[.\s]+$/, '') || `the deployment reported ${deployment.state} without a description`;
    const log = deployment.logUrl ? ` Log: ${deployment.logUrl}` : '';
    return {
      kind: 'failed',
      retryable: false,
      reason: `The ${environment} deploy of ${sha7}${as} failed: ${description}.${log} Revert the wave.`,
      data: { ...data, deploymentId: deployment.id, deployState: deployment.state, rollback: true },
      events: [{ kind: 'bake.deploy-failed', data: facts }],
    };
  }
  if (deployment && deployment.readyAt !== null) {
    const previous = found.previous && found.previous.readyAt !== null ? { deploymentId: found.previous.id, sha: found.previous.sha, readyAt: found.previous.readyAt } : null;
    const production: KeptProduction = { deploymentId: deployment.id, sha: deployment.sha, readyAt: deployment.readyAt, environment, environmentUrl: deployment.environmentUrl, previous };
    return { production, event: { kind: 'bake.deployed', data: { ...facts, readyAt: deployment.readyAt, replacedSha: previous?.sha ?? null, replacedDeploymentId: previous?.deploymentId ?? null } } };
  }
  const where = !deployment
    ? 'no deployment yet'
    : `${as ? `in ${deployment.sha.slice(0, 7)}, a later commit: ` : ''}${deployment.state === 'inactive' ? `deployment ${deployment.id} was marked inactive before it succeeded` : `${deployment.state} since ${new Date(deployment.stateSince).toISOString()}`}`;
  if (ctx.now >= deadline) {
    const look = deployment?.logUrl ? `look at ${deployment.logUrl}` : `check that the CD system deploys ${repo}'s default branch and reports to GitHub Deployments for the environment "${environment}" (the bake's "environment" option names another)`;
    return {
      kind: 'needs-human',
      reason: `${environment} has not deployed ${sha7} of ${repo} ${durationInWords(ctx.options.deployTimeout)} after the merge (${where}): ${look}, then Retry or Skip.`,
      data: { ...data, timedOutAt: ctx.now },
      events: [{ kind: 'bake.deploy-timeout', data: { ...facts, state: deployment?.state ?? null, waitingSince } }],
    };
  }
  return { kind: 'wait', until: Math.min(ctx.now + ctx.options.pollEvery, deadline), reason: `waiting for ${environment} to deploy ${sha7} (${where})`, data };
}

/** "2h", "90 minutes", "45 seconds": a timeout as a person reads it. */
function durationInWords(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms >= 60_000) return plural(Math.round(ms / 60_000), 'minute');
  return plural(Math.round(ms / 1000), 'second');
}

function factsOf(repo: string, d: EnvironmentDeployment): Record<string, unknown> {
  return { repo, environment: d.environment, sha: d.sha, deploymentId: d.id, state: d.state, environmentUrl: d.environmentUrl, logUrl: d.logUrl, description: d.description };
}

function readProduction(state: Record<string, unknown>): KeptProduction | undefined {
  const p = state.production as Partial<KeptProduction> | undefined;
  if (!p || typeof p.deploymentId !== 'number' || typeof p.sha !== 'string' || typeof p.readyAt !== 'number' || typeof p.environment !== 'string') return undefined;
  const prev = p.previous as Partial<KeptVersion> | null | undefined;
  const previous = prev && typeof prev.deploymentId === 'number' && typeof prev.sha === 'string' && typeof prev.readyAt === 'number' ? { deploymentId: prev.deploymentId, sha: prev.sha, readyAt: prev.readyAt } : null;
  return { deploymentId: p.deploymentId, sha: p.sha, readyAt: p.readyAt, environment: p.environment, environmentUrl: typeof p.environmentUrl === 'string' ? p.environmentUrl : null, previous };
}

interface FirstFailure {
  score: number;
  reason: string;
  confirmFrom: number;
}

function readFirstFailure(state: Record<string, unknown>): FirstFailure | undefined {
  const f = state.firstFailure as Partial<FirstFailure> | undefined;
  if (!f || typeof f.confirmFrom !== 'number' || typeof f.score !== 'number') return undefined;
  return { score: f.score, reason: typeof f.reason === 'string' ? f.reason : '', confirmFrom: f.confirmFrom };
}
