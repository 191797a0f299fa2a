import type { z } from 'zod';
import type { CampaignSpec } from '../domain/spec.js';
import { judgeCanary, type JudgeResult } from '../confidence/judge.js';
import { describeError, isFleetError } from '../errors.js';
import type { MetricsProvider, MetricsProviders, Track } from '../metrics/provider.js';
import type { CanaryStepOptions } from '../domain/step-options.js';
import { judgementInWords } from '../domain/words.js';
import type { Step, StepContext, StepResult } from './types.js';

export interface CanaryDeps {
  /** The configured providers by name; a campaign's `canary.provider` picks one. */
  metrics: MetricsProviders;
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
};

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
 * The canary brick: the canary runs for `options.duration` from the step's first run (persisted,
 * so a restart does not extend it); then canary and baseline series are fetched for every metric,
 * judged, and recorded as `signals.canary` with the judgement as evidence. A 'fail' verdict fails
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
    const startedAt = readStartedAt(ctx.state, ctx.now);
    const judgeAt = startedAt + ctx.options.duration;
    if (ctx.now < judgeAt) {
      return { kind: 'wait', until: judgeAt, reason: `canary running until ${new Date(judgeAt).toISOString()}`, data: { startedAt } };
    }
    const window = buildWindow(canary, startedAt, judgeAt);
    let judged: Awaited<ReturnType<typeof judgeWindow>>;
    try {
      const track: TrackSubject = { sha: ctx.target.headSha, environment: null, deployment: null, window };
      judged = await judgeWindow(picked.provider, canary, { repo: ctx.target.repo, target: subjectOf(ctx), canary: track, baseline: { ...track } });
    } catch (error) {
      return failFromMetricsError(error, 'Could not read the canary metrics', { startedAt });
    }
    const { result, evidence } = judged;
    const data = { startedAt, judgedAt: ctx.now, score: result.score, verdict: result.verdict };
    const patch = { signals: { canary: { value: Math.min(1, Math.max(0, result.score / 100)), evidence } } };
    const events = [{ kind: 'canary.judged', data: { repo: ctx.target.repo, ...evidence } }];
    if (result.verdict === 'fail') {
      return { kind: 'failed', retryable: false, reason: `Canary failed with score ${Math.round(result.score)}: ${judgementInWords(result)}`, data, patch, events };
    }
    return { kind: 'done', data, patch, events };
  },
};
