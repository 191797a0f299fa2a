import type { CloseOptions } from '../domain/step-options.js';
import type { GitHubStepDeps } from '../github/gateway.js';
import { formatCloseMarker } from '../github/marker.js';
import { branchFor, markerFor, prOf } from '../github/step-support.js';
import { isActiveDeployment } from '../domain/deployment.js';
import { deactivateDeployment } from './deploy.js';
import type { Step, StepContext, StepEvent, StepResult, TargetFacts } from './types.js';

/**
 * close: closes the campaign's PR without merging it (and deletes its branch), for targets a
 * campaign abandons, with a comment saying who abandoned it and why. The engine runs it for
 * skipped targets (a person's skip, a step's, an abort); `ctx.state` then holds the request
 * (`cause`, `actor`, `reason`). Idempotent: a PR already closed is left alone, a merged one is never
 * closed, a branch already gone is fine, and the comment carries a hidden marker so a run after a
 * crash finds it instead of posting it again. A deployment of the target's that Fleet made and
 * still holds (`target.deployment`) is marked inactive first, best effort; with `leavePr` in the
 * request (`onAbort: leave`) that is all it does.
 *
 * @example
 * await closeStep.run(ctx); // { kind: 'done', data: { closed: true, branchDeleted: true, commentId: 7 } }
 */
export const closeStep: Step<CloseOptions, GitHubStepDeps> = {
  kind: 'close',
  async run(ctx) {
    // A deployment of Fleet's still active for this target goes first, best effort (its failure is an event).
    const deactivated = isActiveDeployment(ctx.target.deployment) ? await deactivateDeployment({ repo: ctx.target.repo, now: ctx.now, deps: ctx.deps }, ctx.target.deployment, ctx.state.cause === 'abort' ? 'the campaign was aborted' : 'the target was skipped') : undefined;
    // `onAbort: leave`: the PR stays open; only the deployment is let go.
    const result = ctx.state.leavePr === true ? { kind: 'done' as const, data: { closed: false, note: 'the PR is left open (onAbort: leave)' } } : await closePr(ctx);
    return deactivated ? withDeactivation(result, deactivated) : result;
  },
};

function withDeactivation(result: StepResult, deactivated: { fact: NonNullable<TargetFacts['deployment']>; event: StepEvent }): StepResult {
  return { ...result, patch: { ...result.patch, deployment: deactivated.fact }, events: [deactivated.event, ...(result.events ?? [])] };
}

async function closePr(ctx: StepContext<CloseOptions, GitHubStepDeps>): Promise<StepResult> {
  const { github } = ctx.deps;
  const { target, options } = ctx;
  const repo = target.repo;
  const known = prOf(target);
  // No PR recorded: the target may have been abandoned while open-pr was opening it; find it as open-pr would.
  const pr = known ? await github.getPr(repo, known.number) : await github.findPr({ repo, branch: target.branch ?? branchFor(ctx.spec), marker: markerFor(ctx.campaign, target) });
  if (!pr) return { kind: 'done', data: { note: known ? `PR #${known.number} no longer exists` : 'no PR to close' } };
  if (pr.merged) {
    return { kind: 'done', data: { note: 'already merged; revert it instead of closing' }, events: [{ kind: 'pr.close-skipped', data: { prNumber: pr.number, reason: 'merged' } }] };
  }
  const wasOpen = pr.state === 'open';
  let commentId: number | undefined;
  if (wasOpen) {
    // The comment comes first: once the PR is closed a run after a crash leaves it alone.
    const comment = await github.commentOnPr({ repo, number: pr.number, body: describeClose(ctx.campaign, ctx.state), marker: formatCloseMarker(markerFor(ctx.campaign, target)) });
    commentId = comment.id;
    await github.closePr({ repo, number: pr.number });
  }
  const branch = pr.headRef || known?.branch;
  const deleted = options.deleteBranch && branch ? await github.deleteBranch(repo, branch) : false;
  return {
    kind: 'done',
    data: { closed: true, branchDeleted: deleted, ...(commentId === undefined ? {} : { commentId }) },
    events: wasOpen ? [{ kind: 'pr.closed', data: { prNumber: pr.number, branchDeleted: deleted } }] : [],
  };
}

/** The comment's text: who abandoned the target and why, in words a PR's reader follows without Slack. */
export function describeClose(campaign: { id: string; name: string }, request: Record<string, unknown>): string {
  const of = `campaign ${campaign.name} (${campaign.id})`;
  const actor = typeof request.actor === 'string' ? request.actor : '';
  const reason = typeof request.reason === 'string' && request.reason.trim() !== '' ? request.reason.trim() : '';
  const by = actor === '' || actor === 'engine' ? 'Fleet' : `Slack user ${actor}`;
  const because = reason === '' ? ' No reason was given.' : ` Reason: ${reason}`;
  if (request.cause === 'abort') return `Fleet closed this PR: ${by} aborted ${of}.${because}`;
  if (request.cause === 'skip') return `Fleet closed this PR: ${by} skipped this repository in ${of}.${because}`;
  return `Fleet closed this PR as part of ${of}.`;
}
