import type { Step } from './types.js';
import type { MergeOptions } from '../domain/step-options.js';
import type { GitHubStepDeps } from '../github/gateway.js';
import { prOf } from '../github/step-support.js';

/**
 * merge: merges the PR at exactly the head the earlier steps checked (GitHub's sha guard: a head
 * that moved since is refused with 409, never merged unchecked). Branch protection is honoured:
 * a 405 "not mergeable" waits and tries again a few times, then asks a person with GitHub's reason.
 * Idempotent: a PR found already merged is done, and the branch deletion is repeated harmlessly.
 *
 * @example
 * await mergeStep.run(ctx); // { kind: 'done', patch: { mergedSha: '9f2c…' } }
 */
export const mergeStep: Step<MergeOptions, GitHubStepDeps> = {
  kind: 'merge',
  async run(ctx) {
    const { github } = ctx.deps;
    const { target, options, now } = ctx;
    const repo = target.repo;
    const known = prOf(target);
    if (!known) return { kind: 'failed', reason: 'merge needs the PR that open-pr opens; put open-pr before it in the steps.', retryable: false };
    const pr = await github.getPr(repo, known.number);
    if (!pr) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry from open-pr, or skip the target.` };

    async function merged(sha: string, how: 'merged' | 'already-merged') {
      // GitHub deletes the head branch itself when the repository asks it to: no second request then.
      const auto = (await github.getRepo(repo))?.deleteBranchOnMerge ?? false;
      const deleted = options.deleteBranch && !auto && pr!.headRef !== '' ? await github.deleteBranch(repo, pr!.headRef) : false;
      return {
        kind: 'done' as const,
        data: { mergedSha: sha, method: options.method, branchDeleted: deleted || auto },
        patch: { mergedSha: sha },
        events: [{ kind: how === 'merged' ? 'pr.merged' : 'pr.already-merged', data: { prNumber: pr!.number, mergedSha: sha, method: options.method } }],
      };
    }

    if (pr.merged && pr.mergedSha) return merged(pr.mergedSha, 'already-merged');
    if (pr.state === 'closed') return { kind: 'needs-human', reason: `PR #${pr.number} in ${repo} was closed without merging; reopen it and retry, or skip the target.` };
    const expected = known.headSha ?? pr.headSha;
    if (pr.headSha !== expected) {
      return { kind: 'needs-human', reason: `PR #${pr.number} in ${repo} changed after its checks (head ${pr.headSha.slice(0, 7)}, checked ${expected.slice(0, 7)}); retry from await-checks, or skip.` };
    }

    const outcome = await github.mergePr({ repo, number: pr.number, sha: expected, method: options.method });
    if (outcome.kind === 'merged') return merged(outcome.sha, 'merged');
    if (outcome.kind === 'head-changed') {
      return { kind: 'needs-human', reason: `PR #${pr.number} in ${repo} changed while merging (${outcome.reason}); retry from await-checks, or skip.`, events: [{ kind: 'merge.head-changed', data: { prNumber: pr.number } }] };
    }
    const tries = (typeof ctx.state.notMergeable === 'number' ? ctx.state.notMergeable : 0) + 1;
    const data = { notMergeable: tries, lastReason: outcome.reason };
    if (tries > options.notMergeableRetries) {
      return {
        kind: 'needs-human',
        reason: `GitHub will not merge PR #${pr.number} in ${repo}: ${outcome.reason} Fix what branch protection asks for, then retry.`,
        data,
        events: [{ kind: 'merge.blocked', data: { prNumber: pr.number, reason: outcome.reason, tries } }],
      };
    }
    return { kind: 'wait', until: now + options.retryEvery, reason: `GitHub says PR #${pr.number} is not mergeable yet: ${outcome.reason}`, data };
  },
};
