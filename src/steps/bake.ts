import type { z } from 'zod';
import { buildWindow, failFromMetricsError, judgeWindow, pickProvider, type CanaryDeps } from './canary.js';
import type { BakeOptions } from '../domain/step-options.js';
import { judgementInWords } from '../domain/words.js';
import type { Step } from './types.js';

/**
 * The bake brick, after merge: the merged code runs for `options.duration` (from the step's first
 * run, persisted), then the campaign's canary metrics are judged again on it. A failing judgement
 * is confirmed on a second window of the same length (unless `confirm: false`): a real regression
 * fails both, while a chance failure, which at 98% confidence per metric turns up a few times in a
 * campaign of hundreds of repositories, rarely fails twice. A confirmed failure fails the target
 * with `data.rollback = true`, so the engine offers "Revert wave". Without a canary section the
 * bake is only a wait.
 *
 * @example
 * const registry = createStepRegistry([bakeStep, ...]); // deps: { metrics: { prometheus } }
 */
export const bakeStep: Step<z.infer<typeof BakeOptions>, CanaryDeps> = {
  kind: 'bake',
  async run(ctx) {
    const canary = ctx.spec.canary;
    // Before the bake runs: its wait must not end in "no provider".
    const picked = canary ? pickProvider(ctx.deps.metrics, canary) : undefined;
    if (picked && !('provider' in picked)) return picked;
    const startedAt = typeof ctx.state.startedAt === 'number' ? ctx.state.startedAt : ctx.now;
    const until = startedAt + ctx.options.duration;
    if (ctx.now < until) {
      return { kind: 'wait', until, reason: `baking the merged change until ${new Date(until).toISOString()}`, data: { startedAt } };
    }
    if (!canary || !picked) {
      return { kind: 'done', data: { startedAt, judged: false }, events: [{ kind: 'bake.finished', data: { repo: ctx.target.repo, judged: false } }] };
    }
    const first = readFirstFailure(ctx.state);
    const windowStart = first ? first.confirmFrom : startedAt;
    const windowEnd = windowStart + ctx.options.duration;
    if (ctx.now < windowEnd) {
      return { kind: 'wait', until: windowEnd, reason: `confirming a failed bake on a second window until ${new Date(windowEnd).toISOString()}`, data: { ...ctx.state, startedAt } };
    }
    const subject = ctx.target.mergedSha ?? ctx.target.headSha ?? ctx.target.repo;
    let judged: Awaited<ReturnType<typeof judgeWindow>>;
    try {
      const window = buildWindow(canary, windowStart, windowEnd);
      const track = { sha: ctx.target.mergedSha ?? ctx.target.headSha, environment: null, deployment: null, window };
      judged = await judgeWindow(picked.provider, canary, { repo: ctx.target.repo, target: subject, canary: track, baseline: { ...track } });
    } catch (error) {
      return failFromMetricsError(error, 'Could not read the metrics of the merged change', { ...ctx.state, startedAt });
    }
    const { result, evidence } = judged;
    const events = [{ kind: 'bake.judged', data: { repo: ctx.target.repo, ...evidence, ...(first ? { confirming: true } : {}) } }];
    if (result.verdict === 'fail' && !first && ctx.options.confirm) {
      // The second window starts now, so it does not overlap the first.
      const confirmFrom = ctx.now;
      return {
        kind: 'wait',
        until: confirmFrom + ctx.options.duration,
        reason: `the bake failed with score ${Math.round(result.score)}; judging a second window before offering a rollback`,
        data: { startedAt, firstFailure: { score: result.score, reason: result.reason, confirmFrom } },
        events,
      };
    }
    if (result.verdict === 'fail') {
      const twice = first ? `twice (scores ${Math.round(first.score)} and ${Math.round(result.score)})` : `with score ${Math.round(result.score)}`;
      return {
        kind: 'failed',
        retryable: false,
        reason: `The merged change failed its bake ${twice}: ${judgementInWords(result)} Revert the wave.`,
        data: { startedAt, judgedAt: ctx.now, score: result.score, verdict: result.verdict, rollback: true, ...(first ? { firstFailure: first } : {}) },
        events,
      };
    }
    const note = first ? { note: `A first bake window failed (score ${Math.round(first.score)}: ${first.reason}); the second passed, so it was judged a chance failure.` } : {};
    return { kind: 'done', data: { startedAt, judgedAt: ctx.now, score: result.score, verdict: result.verdict, judged: true, ...(first ? { firstFailure: first } : {}), ...note }, events };
  },
};

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
