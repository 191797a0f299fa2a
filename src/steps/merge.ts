import type { Step, StepResult } from './types.js';
import type { MergeOptions } from '../domain/step-options.js';
import type { GitHubStepDeps, Mergeability } from '../github/gateway.js';
import { prOf } from '../github/step-support.js';
import { explainRefusal, isFinalState, stateOf } from './merge-refusal.js';
import { reviewGate } from './review-gate.js';

/** How long to let GitHub compute a PR's mergeability before reading it again, and how often. */
const COMPUTING_WAIT_MS = 5_000;
const MAX_COMPUTING_READS = 3;

/**
 * merge: merges the PR at exactly the head the earlier steps checked (GitHub's sha guard: a head
 * that moved since is refused with 409, never merged unchecked). Branch protection is honoured:
 * a 405 "not mergeable" is explained by the PR's `mergeable_state` (`merge-refusal.ts`): a conflict,
 * a branch behind a strict base or a draft goes to a person at once with its own sentence (and a
 * conflict or a branch behind is mended by Retry, which rebuilds the change from open-pr); a block
 * that waiting may lift (a check still running, a review on its way) is tried again a few times first.
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

    // A PR whose mergeability GitHub was still computing is read again before another merge attempt.
    const computing = typeof ctx.state.computing === 'number' ? ctx.state.computing : 0;
    if (computing > 0) {
      const reason = typeof ctx.state.lastReason === 'string' ? ctx.state.lastReason : '';
      const m = await github.getMergeability(repo, pr.number);
      if (!m) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry from open-pr, or skip the target.` };
      const state = stateOf(m);
      if (state !== 'clean' && state !== 'unstable' && state !== 'has_hooks') return refused(reason, m, computing);
    }

    // Required reviews are waited for in a visible state before GitHub is asked to merge.
    const rules = await github.getBranchRules(repo, pr.baseRef);
    const waiting = await reviewGate(ctx, pr, rules);
    if (waiting) return waiting;

    const outcome = await github.mergePr({ repo, number: pr.number, sha: expected, method: options.method });
    if (outcome.kind === 'merged') return merged(outcome.sha, 'merged');
    if (outcome.kind === 'head-changed') {
      return { kind: 'needs-human', reason: `PR #${pr.number} in ${repo} changed while merging (${outcome.reason}); retry from await-checks, or skip.`, events: [{ kind: 'merge.head-changed', data: { prNumber: pr.number } }] };
    }
    // GitHub's 405 says only that it will not merge; the PR's mergeable_state says why.
    const m = await github.getMergeability(repo, pr.number);
    if (!m) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry from open-pr, or skip the target.` };
    return refused(outcome.reason, m, 0);

    async function refused(githubReason: string, m: Mergeability, computed: number): Promise<StepResult> {
      const state = stateOf(m);
      const tries = (typeof ctx.state.notMergeable === 'number' ? ctx.state.notMergeable : 0) + (state === 'unknown' && computed < MAX_COMPUTING_READS ? 0 : 1);
      const data: Record<string, unknown> = { notMergeable: tries, lastReason: githubReason, mergeableState: state };
      // GitHub computes mergeability in the background (`mergeable: null`): read again shortly.
      if (state === 'unknown' && computed < MAX_COMPUTING_READS) {
        return { kind: 'wait', until: now + COMPUTING_WAIT_MS, reason: `GitHub is working out whether PR #${pr!.number} can be merged`, data: { ...data, computing: computed + 1 } };
      }
      if (!isFinalState(state) && tries <= options.notMergeableRetries) {
        return { kind: 'wait', until: now + options.retryEvery, reason: `GitHub says PR #${pr!.number} is not mergeable yet (${state}): ${githubReason}`, data };
      }
      const refusal = await explainRefusal(github, { repo, number: pr!.number, base: pr!.baseRef, githubReason }, m, expected);
      return {
        kind: 'needs-human',
        reason: refusal.reason,
        data: { ...data, ...(refusal.rebuild ? { rebuild: refusal.rebuild } : {}) },
        events: [{ kind: 'merge.blocked', data: { prNumber: pr!.number, reason: githubReason, mergeableState: state, tries, ...(refusal.rebuild ? { rebuild: refusal.rebuild } : {}) } }],
      };
    }
  },
};
