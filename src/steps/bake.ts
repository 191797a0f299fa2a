import type { z } from 'zod';
import { buildWindow, failFromMetricsError, judgeWindow, type CanaryDeps } from './canary.js';
import type { BakeOptions } from './options.js';
import type { Step } from './types.js';

/**
 * The bake brick, after merge: the merged code runs for `options.duration` (from the step's first
 * run, persisted), then the campaign's canary metrics are judged again on it. A failing judgement
 * fails the target with `data.rollback = true`, so the engine offers "Revert wave". Without a
 * canary section the bake is only a wait.
 *
 * @example
 * const registry = createStepRegistry([bakeStep, ...]); // deps: { metrics }
 */
export const bakeStep: Step<z.infer<typeof BakeOptions>, CanaryDeps> = {
  kind: 'bake',
  async run(ctx) {
    const startedAt = typeof ctx.state.startedAt === 'number' ? ctx.state.startedAt : ctx.now;
    const until = startedAt + ctx.options.duration;
    if (ctx.now < until) {
      return { kind: 'wait', until, reason: `baking the merged change until ${new Date(until).toISOString()}`, data: { startedAt } };
    }
    const canary = ctx.spec.canary;
    if (!canary) {
      return { kind: 'done', data: { startedAt, judged: false }, events: [{ kind: 'bake.finished', data: { repo: ctx.target.repo, judged: false } }] };
    }
    const subject = ctx.target.mergedSha ?? ctx.target.headSha ?? ctx.target.repo;
    let judged: Awaited<ReturnType<typeof judgeWindow>>;
    try {
      judged = await judgeWindow(ctx.deps.metrics, canary, ctx.target.repo, subject, buildWindow(canary, startedAt, until));
    } catch (error) {
      return failFromMetricsError(error, 'Could not read the metrics of the merged change', { startedAt });
    }
    const { result, evidence } = judged;
    const events = [{ kind: 'bake.judged', data: { repo: ctx.target.repo, ...evidence } }];
    if (result.verdict === 'fail') {
      return {
        kind: 'failed',
        retryable: false,
        reason: `The merged change failed its bake with score ${Math.round(result.score)}: ${result.reason} Revert the wave.`,
        data: { startedAt, judgedAt: ctx.now, score: result.score, verdict: result.verdict, rollback: true },
        events,
      };
    }
    return { kind: 'done', data: { startedAt, judgedAt: ctx.now, score: result.score, verdict: result.verdict, judged: true }, events };
  },
};
