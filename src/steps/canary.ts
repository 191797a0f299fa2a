import type { z } from 'zod';
import { resolveSteps, type CampaignSpec } from '../domain/spec.js';
import type { DeploymentFact } from '../domain/deployment.js';
import { judgeCanary, type JudgeResult } from '../confidence/judge.js';
import { describeError, isFleetError } from '../errors.js';
import type { MetricsProvider, MetricsProviders, Track } from '../metrics/provider.js';
import type { BakeOptions, CanaryStepOptions } from '../domain/step-options.js';
import { judgementInWords } from '../domain/words.js';
import type { Step, StepContext, StepEvent, StepResult } from './types.js';
import { findProductionVersion } from './production.js';
import { deactivateDeployment, isActiveDeployment, type DeployDeps } from './deploy.js';

export interface CanaryDeps {
  /** The configured providers by name; a campaign's `canary.provider` picks one. */
  metrics: MetricsProviders;
  /**
   * The GitHub gateway: a canary Fleet deployed is compared with the version running in
   * production, and marked inactive once judged. Without it (the judge's own tests) both tracks
   * query the PR's head, as for a canary Fleet did not deploy.
   */
  github?: DeployDeps['github'];
}

type CanarySection = NonNullable<CampaignSpec['canary']>;

export interface CanaryWindow {
  start: number;
  end: number;
  stepMs: number;
}

/**
 * What a judgement records as evidence and in its event: the per-metric result, flattened. A type
 * alias (not an interface) so it stays assignable to the loose JSON shape of `signals.canary`.
 */
export type CanaryEvidence = {
  verdict: JudgeResult['verdict'];
  score: number;
  reason: string;
  thresholds: JudgeResult['thresholds'];
  window: CanaryWindow;
  subject: string;
  metrics: {
    name: string;
    group: string;
    classification: JudgeResult['metrics'][number]['classification'];
    critical: boolean;
    reason: string;
    canaryMedian: number | null;
    baselineMedian: number | null;
    estimate: number | null;
    interval: [number, number] | null;
    pValue: number | null;
    points: number;
  }[];
  groups: JudgeResult['groups'];
  warnings: string[];
  /** What each track ran (absent in evidence recorded before deployments). */
  tracks?: { canary: TrackVersion; baseline: TrackVersion };
  /** Whether the canary judged was deployed by Fleet's deploy brick (false: nothing deployed the PR's head that Fleet knows of). */
  deployedByFleet?: boolean;
};

/** One track's version in the evidence: the commit, where it ran, its deployment and link. */
export type TrackVersion = { sha: string | null; environment: string | null; deployment: string | null; environmentUrl?: string | null };

/**
 * The window a judgement looks at: from the later of the start of the run and `end − lookback`,
 * to `end`, so only the time the canary actually ran is compared.
 */
export function buildWindow(canary: CanarySection, startedAt: number, end: number): CanaryWindow {
  return { start: Math.max(startedAt, end - canary.lookback), end, stepMs: canary.step };
}

/** What one track of a judgement looks at: the version it runs, where, and over which window. */
export interface TrackSubject {
  sha: string | null;
  environment: string | null;
  /** The GitHub deployment id of the version, as text. */
  deployment: string | null;
  window: CanaryWindow;
}

/**
 * What a judgement compares: the canary track against the baseline track of one repository.
 * The canary step compares a deployed canary with production over the same window; the bake
 * compares production's new version with the version it replaced, each over its own window.
 */
export interface JudgeSubject {
  repo: string;
  /** {{target}} in the queries (kept for specs written before {{sha}}). */
  target: string;
  canary: TrackSubject;
  baseline: TrackSubject;
}

/**
 * Fetches canary and baseline series for every metric of the spec's canary section and judges
 * them.
 *
 * @example
 * const window = buildWindow(spec.canary, startedAt, end);
 * const { result, evidence } = await judgeWindow(metrics, spec.canary, {
 *   repo: 'acme/api', target: 'a1b2c3',
 *   canary: { sha: 'a1b2c3', environment: 'canary', deployment: '41', window },
 *   baseline: { sha: '9f8e7d', environment: 'production', deployment: '40', window },
 * });
 */
export async function judgeWindow(provider: MetricsProvider, canary: CanarySection, subject: JudgeSubject): Promise<{ result: JudgeResult; evidence: CanaryEvidence }> {
  const fetchTrack = (metric: CanarySection['metrics'][number], track: Track) => {
    const side = subject[track];
    return provider.fetchSeries({
      metric,
      target: subject.target,
      repo: subject.repo,
      track,
      sha: side.sha,
      baselineSha: subject.baseline.sha,
      environment: side.environment,
      deployment: side.deployment,
      start: side.window.start,
      end: side.window.end,
      stepMs: side.window.stepMs,
    });
  };
  const window = subject.canary.window;
  const series = await Promise.all(canary.metrics.map(async (metric) => ({ metric, canary: await fetchTrack(metric, 'canary'), baseline: await fetchTrack(metric, 'baseline') })));
  const result = judgeCanary({
    metrics: series.map(({ metric, canary: c, baseline }) => ({
      name: metric.name,
      group: metric.group,
      ...(metric.kind ? { kind: metric.kind } : {}),
      direction: metric.direction,
      critical: metric.critical,
      effectSize: metric.effectSize,
      ...(metric.criticalEffectSize !== undefined ? { criticalEffectSize: metric.criticalEffectSize } : {}),
      mustHaveData: metric.mustHaveData,
      canary: c,
      baseline,
    })),
    thresholds: canary.thresholds,
    groupWeights: canary.groups,
  });
  const evidence: CanaryEvidence = {
    verdict: result.verdict,
    score: result.score,
    reason: result.reason,
    thresholds: result.thresholds,
    window,
    subject: subject.target,
    metrics: result.metrics.map((m) => {
      const mw = m.statistics.mannWhitney;
      return {
        name: m.name,
        group: m.group,
        classification: m.classification,
        critical: m.critical,
        reason: m.reason,
        canaryMedian: m.statistics.canary.median,
        baselineMedian: m.statistics.baseline.median,
        estimate: mw?.estimate ?? null,
        interval: mw ? [mw.lower, mw.upper] : null,
        pValue: mw?.pValue ?? null,
        points: Math.min(m.statistics.canary.count, m.statistics.baseline.count),
      };
    }),
    groups: result.groups,
    warnings: result.warnings,
  };
  return { result, evidence };
}

const MISSING_PROVIDER_HINT: Record<CanarySection['provider'], string> = {
  prometheus: 'set PROMETHEUS_URL and restart Fleet, or change canary.provider in the campaign spec',
  simulated: 'the simulated provider runs only in the sandbox; change canary.provider to prometheus in the campaign spec',
};

/**
 * The provider the campaign's `canary.provider` names. A provider that is not configured is a
 * person's decision (never silently another provider's numbers): the step needs a human, with the
 * sentence that says what to set.
 *
 * @example
 * const picked = pickProvider(ctx.deps.metrics, spec.canary); // { provider } or { kind: 'needs-human', reason }
 */
export function pickProvider(providers: MetricsProviders, canary: CanarySection): { provider: MetricsProvider } | Extract<StepResult, { kind: 'needs-human' }> {
  const provider = providers[canary.provider];
  if (provider) return { provider };
  return {
    kind: 'needs-human',
    reason: `The campaign's canary.provider is "${canary.provider}", which this Fleet has not configured: ${MISSING_PROVIDER_HINT[canary.provider]}, then retry.`,
  };
}

/**
 * A provider failure is retried (Prometheus down, a timeout) unless the provider says retrying
 * cannot help (`details.retryable === false`: a wrong query); anything else is a bug.
 */
export function failFromMetricsError(error: unknown, what: string, data: Record<string, unknown>): StepResult {
  if (isFleetError(error, 'metrics_error')) return { kind: 'failed', retryable: error.details.retryable !== false, reason: `${what}: ${error.message}`, data };
  return { kind: 'failed', retryable: false, reason: `${what}: ${describeError(error)}`, data };
}

function readStartedAt(state: Record<string, unknown>, now: number): number {
  return typeof state.startedAt === 'number' && Number.isFinite(state.startedAt) ? state.startedAt : now;
}

/** {{target}} for the canary: the PR's head commit, else its branch, else the repository. */
function subjectOf(ctx: StepContext<unknown, CanaryDeps>): string {
  return ctx.target.headSha ?? ctx.target.branch ?? ctx.target.repo;
}

/**
 * The canary brick: the canary runs for `options.duration` from the moment the deploy brick's
 * deployment of the PR's head succeeded (the target's `deployment` fact, `readyAt`), or, without
 * one, from the step's first run (persisted, so a restart does not extend it); then canary and
 * baseline series are fetched for every metric, judged, and recorded as `signals.canary` with the
 * judgement as evidence. A deployed canary is compared with the version running in production
 * (the bake step's environment) over the same window, and marked inactive once judged; without a
 * deployment both tracks query the PR's head and the evidence says Fleet did not deploy it. A 'fail' verdict fails
 * the target; 'marginal' and 'pass' are done. A marginal target then waits at the wave gate for a
 * person: the wave pass never lets a wave with one pass on its own (`marginal` in the wave's
 * evidence), and the gate step asks a person about one the gate's decision did not weigh.
 *
 * @example
 * const registry = createStepRegistry([canaryStep, ...]); // deps: { metrics: { prometheus: createPrometheusProvider(...) } }
 */
export const canaryStep: Step<z.infer<typeof CanaryStepOptions>, CanaryDeps> = {
  kind: 'canary',
  async run(ctx) {
    const canary = ctx.spec.canary;
    if (!canary) {
      return { kind: 'failed', retryable: false, reason: 'The canary step needs a "canary" section with metrics in the campaign spec; add one or remove the step.' };
    }
    // Before the canary runs: an hour's wait must not end in "no provider".
    const picked = pickProvider(ctx.deps.metrics, canary);
    if (!('provider' in picked)) return picked;
    const deployed = deployedCanary(ctx);
    // A canary Fleet deployed runs from the moment its deployment succeeded, not from this step's first run.
    const startedAt = deployed ? deployed.readyAt : readStartedAt(ctx.state, ctx.now);
    const judgeAt = startedAt + ctx.options.duration;
    if (ctx.now < judgeAt) {
      return { kind: 'wait', until: judgeAt, reason: `canary running until ${new Date(judgeAt).toISOString()}`, data: { startedAt } };
    }
    const window = buildWindow(canary, startedAt, judgeAt);
    let judged: Awaited<ReturnType<typeof judgeWindow>>;
    const warnings: string[] = [];
    // Outside the metrics' try: a GitHub failure is classified by the engine as any step's is.
    const subject = deployed ? await deployedSubject(ctx, deployed, window, judgeAt, warnings) : headSubject(ctx, window);
    try {
      judged = await judgeWindow(picked.provider, canary, subject);
    } catch (error) {
      return failFromMetricsError(error, 'Could not read the canary metrics', { startedAt });
    }
    const { result } = judged;
    const evidence: CanaryEvidence = {
      ...judged.evidence,
      warnings: [...judged.evidence.warnings, ...warnings],
      tracks: { canary: { ...versionOf(subject.canary), ...(deployed ? { environmentUrl: deployed.environmentUrl } : {}) }, baseline: versionOf(subject.baseline) },
      deployedByFleet: deployed !== null,
    };
    const data = { startedAt, judgedAt: ctx.now, score: result.score, verdict: result.verdict };
    const note = deployed ? {} : { note: 'The canary was not deployed by Fleet (no deploy step before it): both tracks were queried for the PR head.' };
    const events: StepEvent[] = [{ kind: 'canary.judged', data: { repo: ctx.target.repo, ...evidence, ...note } }];
    const patch: NonNullable<StepResult['patch']> = { signals: { canary: { value: Math.min(1, Math.max(0, result.score / 100)), evidence } } };
    // Judged: the canary deployment is no longer needed (best effort: an error is an event, never the canary's failure).
    if (deployed && ctx.deps.github && isActiveDeployment(deployed)) {
      const done = await deactivateDeployment({ repo: ctx.target.repo, now: ctx.now, deps: { github: ctx.deps.github } }, deployed, `the canary was judged ${result.verdict}`);
      if (done.fact.state === 'inactive') patch.deployment = done.fact;
      events.push(done.event);
    }
    if (result.verdict === 'fail') {
      return { kind: 'failed', retryable: false, reason: `Canary failed with score ${Math.round(result.score)}: ${judgementInWords(result)}`, data, patch, events };
    }
    return { kind: 'done', data, patch, events };
  },
};

/** The canary Fleet deployed for the PR's current head (the deploy brick's fact), once it is ready; null otherwise. */
function deployedCanary(ctx: StepContext<unknown, CanaryDeps>): (DeploymentFact & { readyAt: number }) | null {
  const fact = ctx.target.deployment;
  if (!fact || fact.readyAt === null || fact.sha !== ctx.target.headSha) return null;
  return fact as DeploymentFact & { readyAt: number };
}

/** Without a deployment of Fleet's: both tracks query the PR's head, as before deployments. */
function headSubject(ctx: StepContext<unknown, CanaryDeps>, window: CanaryWindow): JudgeSubject {
  const track: TrackSubject = { sha: ctx.target.headSha, environment: null, deployment: null, window };
  return { repo: ctx.target.repo, target: subjectOf(ctx), canary: track, baseline: { ...track } };
}

/** The environment the baseline runs in: the bake step's (it is where the change goes next), else production. */
function productionEnvironment(spec: CampaignSpec): string {
  // resolveSteps parses each step's options with its schema (BakeOptions for bake).
  const bake = resolveSteps(spec).find((s) => s.kind === 'bake')?.options as Partial<z.infer<typeof BakeOptions>> | undefined;
  return bake?.environment ?? 'production';
}

/**
 * A deployed canary against production over the same window: the canary track is the deployed
 * head in its environment, the baseline the version running in production when the canary is judged.
 */
async function deployedSubject(ctx: StepContext<unknown, CanaryDeps>, fact: DeploymentFact, window: CanaryWindow, at: number, warnings: string[]): Promise<JudgeSubject> {
  const environment = productionEnvironment(ctx.spec);
  const running = ctx.deps.github ? (await findProductionVersion(ctx.deps.github, ctx.target.repo, environment, { before: at })).deployment : null;
  if (!running) warnings.push(`No deployment to ${environment} had succeeded in ${ctx.target.repo} by the end of the canary window: the baseline is ${environment} without a version.`);
  return {
    repo: ctx.target.repo,
    target: subjectOf(ctx),
    canary: { sha: fact.sha, environment: fact.environment, deployment: fact.deploymentId === null ? fact.runId : String(fact.deploymentId), window },
    baseline: { sha: running?.sha ?? null, environment, deployment: running ? String(running.id) : null, window },
  };
}

function versionOf(track: TrackSubject): TrackVersion {
  return { sha: track.sha, environment: track.environment, deployment: track.deployment };
}
