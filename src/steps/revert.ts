import type { Step } from './types.js';
import type { RevertOptions } from '../domain/step-options.js';
import type { GitHubStepDeps } from '../github/gateway.js';
import { branchFor, markerFor, prOf } from '../github/step-support.js';

/**
 * revert: opens a PR that restores the files the campaign's merged PR touched to their state
 * before its merge commit. Idempotent: the revert branch is deterministic and the PR carries a
 * revert marker, so a re-run finds the revert PR instead of opening a second one.
 *
 * @example
 * await revertStep.run(ctx); // { kind: 'done', data: { revertPr: 12, revertUrl: 'https://…' } }
 */
export const revertStep: Step<RevertOptions, GitHubStepDeps> = {
  kind: 'revert',
  async run(ctx) {
    const { github } = ctx.deps;
    const { target, campaign, spec } = ctx;
    const repo = target.repo;
    const known = prOf(target);
    if (!known) return { kind: 'done', data: { note: 'nothing was merged, nothing to revert' } };
    const pr = await github.getPr(repo, known.number);
    if (!pr) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; revert the change by hand.` };
    const mergedSha = pr.mergedSha ?? target.mergedSha;
    if (!pr.merged || !mergedSha) return { kind: 'done', data: { note: `PR #${pr.number} was not merged, nothing to revert` } };
    const branch = `revert/${branchFor(spec)}`;
    const revert = await github.openRevertPr({
      repo,
      pr: { number: pr.number, title: pr.title, mergedSha, baseRef: pr.baseRef },
      branch,
      marker: { ...markerFor(campaign, target), revertOf: pr.number },
    });
    return {
      kind: 'done',
      data: { revertPr: revert.number, revertUrl: revert.url, revertBranch: branch, reverted: pr.number },
      events: [{ kind: 'pr.revert-opened', data: { prNumber: pr.number, revertPr: revert.number, revertUrl: revert.url } }],
    };
  },
};
