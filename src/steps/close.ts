import type { Step } from './types.js';
import type { CloseOptions } from '../domain/step-options.js';
import type { GitHubStepDeps } from '../github/gateway.js';
import { prOf } from '../github/step-support.js';

/**
 * close: closes the campaign's PR without merging it (and deletes its branch), for targets a
 * campaign abandons. Idempotent: a PR already closed is left alone; a merged one is reported.
 *
 * @example
 * await closeStep.run(ctx); // { kind: 'done', data: { closed: true, branchDeleted: true } }
 */
export const closeStep: Step<CloseOptions, GitHubStepDeps> = {
  kind: 'close',
  async run(ctx) {
    const { github } = ctx.deps;
    const { target, options } = ctx;
    const repo = target.repo;
    const known = prOf(target);
    if (!known) return { kind: 'done', data: { note: 'no PR to close' } };
    const pr = await github.getPr(repo, known.number);
    if (!pr) return { kind: 'done', data: { note: `PR #${known.number} no longer exists` } };
    if (pr.merged) {
      return { kind: 'done', data: { note: 'already merged; revert it instead of closing' }, events: [{ kind: 'pr.close-skipped', data: { prNumber: pr.number, reason: 'merged' } }] };
    }
    const wasOpen = pr.state === 'open';
    if (wasOpen) await github.closePr({ repo, number: pr.number });
    const branch = pr.headRef || known.branch;
    const deleted = options.deleteBranch && branch ? await github.deleteBranch(repo, branch) : false;
    return {
      kind: 'done',
      data: { closed: true, branchDeleted: deleted },
      events: wasOpen ? [{ kind: 'pr.closed', data: { prNumber: pr.number, branchDeleted: deleted } }] : [],
    };
  },
};
