import { describeMarginalScores } from '../confidence/decide-wave.js';
import { readMarginalCanary } from '../confidence/score-target.js';
import type { StepContext, StepResult } from './types.js';

/**
 * A marginal canary never merges without a person. With a `gate` step between the canary and the
 * merge, the wave gate sees to it (a wave with a marginal canary at its gate asks a person, and the
 * gate step asks about one its decision did not weigh). On a path without one, the merge step asks
 * instead, before anything is merged: Retry is the person's decision to merge it (kept in the step's
 * state as `marginalHeld`), Skip leaves it unmerged.
 *
 * @example holdMarginalCanary(ctx) // null, or { kind: 'needs-human', reason: 'The canary of acme/a scored 85, …', data: { marginalHeld: true } }
 */
export function holdMarginalCanary(ctx: Pick<StepContext<unknown, unknown>, 'spec' | 'stepIndex' | 'state' | 'target'>): Extract<StepResult, { kind: 'needs-human' }> | null {
  if (ctx.state.marginalHeld === true) return null;
  const marginal = readMarginalCanary(ctx.target.repo, ctx.target.signals);
  if (!marginal) return null;
  const kinds = ctx.spec.steps.map((s) => (typeof s === 'string' ? s : s.kind));
  const canaryAt = kinds.lastIndexOf('canary', ctx.stepIndex);
  if (kinds.slice(canaryAt + 1, ctx.stepIndex).includes('gate')) return null;
  return {
    kind: 'needs-human',
    reason: `${describeMarginalScores([marginal])}, and no gate step between the canary and the merge lets a person weigh it: Fleet does not merge a marginal canary on its own. Retry to merge it anyway, or Skip to leave it unmerged.`,
    data: { marginalHeld: true },
    events: [{ kind: 'merge.marginal-held', data: { repo: ctx.target.repo, score: marginal.score } }],
  };
}
