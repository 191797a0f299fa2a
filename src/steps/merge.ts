import type { Step, StepEvent, StepResult, TargetFacts } from './types.js';
import type { MergeOptions } from '../domain/step-options.js';
import { allowedMethods, requiredCheckNames, type BranchRules, type GitHubStepDeps, type Mergeability, type MergeMethod } from '../github/gateway.js';
import { prOf } from '../github/step-support.js';
import { judgeChecks } from './await-checks.js';
import { holdMarginalCanary } from './marginal-hold.js';
import { explainRefusal, isFinalState, stateOf } from './merge-refusal.js';
import { reviewGate } from './review-gate.js';

/** How long to let GitHub compute a PR's mergeability before reading it again, and how often. */
const COMPUTING_WAIT_MS = 5_000;
const MAX_COMPUTING_READS = 3;
/** How many times one target's PR is brought up to date with its base by update-branch before the rebuild path takes over. */
const MAX_BRANCH_UPDATES = 3;

const METHOD_WORDS: Record<MergeMethod, string> = { squash: 'squash merges', merge: 'merge commits', rebase: 'rebase merges' };

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

/**
 * merge: merges the PR at exactly the head the earlier steps checked (GitHub's sha guard: a head
 * that moved since is refused with 409, never merged unchecked), the way the repository wants it:
 * - the method is the step's `method`, or unset the repository's preferred allowed one (squash,
 *   merge, rebase; never a merge commit under linear history); a method the repository does not
 *   allow goes to a person naming the allowed ones;
 * - a draft is marked ready for review first;
 * - a branch behind its base whose rules require it up to date is brought up to date with GitHub's
 *   update-branch, and the checks of the head GitHub wrote are awaited before it is merged (where
 *   signed commits or linear history are required, or update-branch cannot merge the base, the
 *   rebuild path below mends it instead);
 * - a branch behind a merge queue is merged through the queue: enqueued, waited for visibly (the
 *   `merge_group` and `pull_request` webhooks wake the target), done when the queue merged it, and
 *   sent to a person with the queue's reason when the queue removes it;
 * - `auto: true` turns on GitHub's auto-merge where the repository allows it (otherwise, or when
 *   GitHub says the PR can merge now, Fleet merges it itself).
 * Branch protection is honoured: a 405 "not mergeable" is explained by the PR's `mergeable_state`
 * (`merge-refusal.ts`): a conflict, a branch behind a strict base or a draft goes to a person at once
 * with its own sentence (and a conflict or a branch behind is mended by Retry, which rebuilds the
 * change from open-pr); a block that waiting may lift (a check still running, a review on its way)
 * is tried again a few times first. Idempotent: a PR found already merged is done, and the branch
 * deletion is repeated harmlessly.
 *
 * @example
 * await mergeStep.run(ctx); // { kind: 'done', patch: { mergedSha: '9f2c…' } }
 */
export const mergeStep: Step<MergeOptions, GitHubStepDeps> = {
  kind: 'merge',
  async run(ctx) {
    // Before any GitHub call: a marginal canary no gate weighed waits for a person.
    const held = holdMarginalCanary(ctx);
    if (held) return held;
    const { github } = ctx.deps;
    const { target, options, now } = ctx;
    const repo = target.repo;
    const known = prOf(target);
    if (!known) return { kind: 'failed', reason: 'merge needs the PR that open-pr opens; put open-pr before it in the steps.', retryable: false };
    const pr = await github.getPr(repo, known.number);
    if (!pr) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry from open-pr, or skip the target.` };
    const state = ctx.state;
    /** What this step keeps across runs about the path it took; every result carries it on. */
    const carry: Record<string, unknown> = {};
    for (const key of ['via', 'method', 'updates', 'updatedFrom', 'updatedHead', 'updatedChecked', 'queued', 'autoMerge', 'marginalHeld']) if (state[key] !== undefined) carry[key] = state[key];
    const patch: TargetFacts = {};
    const keep = (result: StepResult): StepResult => ({ ...result, data: { ...carry, ...result.data }, ...(Object.keys(patch).length > 0 ? { patch: { ...patch, ...result.patch } } : {}) });

    async function merged(sha: string, how: 'merged' | 'already-merged', events: StepEvent[] = []): Promise<StepResult> {
      const method = typeof carry.method === 'string' ? carry.method : (options.method ?? null);
      const via = carry.via === 'queue' || carry.via === 'auto' ? carry.via : 'api';
      // GitHub deletes the head branch itself when the repository asks it to: no second request then.
      const auto = (await github.getRepo(repo))?.deleteBranchOnMerge ?? false;
      const deleted = options.deleteBranch && !auto && pr!.headRef !== '' ? await github.deleteBranch(repo, pr!.headRef) : false;
      return keep({
        kind: 'done',
        data: { mergedSha: sha, method, via, branchDeleted: deleted || auto },
        patch: { mergedSha: sha },
        events: [...events, { kind: how === 'merged' ? 'pr.merged' : 'pr.already-merged', data: { prNumber: pr!.number, mergedSha: sha, method, via } }],
      });
    }

    // Merged by the queue or by auto-merge on Fleet's behalf is Fleet's merge; merged any other way, it was already merged.
    if (pr.merged && pr.mergedSha) return merged(pr.mergedSha, carry.queued !== undefined || carry.autoMerge !== undefined ? 'merged' : 'already-merged');
    if (pr.state === 'closed') return keep({ kind: 'needs-human', reason: `PR #${pr.number} in ${repo} was closed without merging; reopen it and retry, or skip the target.` });
    let expected = known.headSha ?? pr.headSha;

    // After update-branch the head is the merge commit GitHub wrote on the checked head: accepted
    // only if it is that commit, and merged only once its own checks completed.
    if (carry.updatedFrom === expected && pr.headSha !== expected) {
      const commit = await github.readCommit(repo, pr.headSha);
      if (commit.parents[0] === expected) {
        expected = pr.headSha;
        patch.headSha = expected;
        carry.updatedHead = expected;
        carry.updatedChecked = false;
        delete carry.updatedFrom;
      }
    } else if (carry.updatedFrom === expected) {
      return keep({ kind: 'wait', until: now + COMPUTING_WAIT_MS, reason: `GitHub is bringing PR #${pr.number} up to date with ${pr.baseRef}` });
    }
    if (pr.headSha !== expected) {
      return keep({ kind: 'needs-human', reason: `PR #${pr.number} in ${repo} changed after its checks (head ${pr.headSha.slice(0, 7)}, checked ${expected.slice(0, 7)}); retry from await-checks, or skip.` });
    }

    const rules = await github.getBranchRules(repo, pr.baseRef);
    if (carry.updatedHead === expected && carry.updatedChecked !== true) {
      const gate = await updatedHeadChecks(expected, rules);
      if (gate) return keep(gate);
      carry.updatedChecked = true;
    }

    // A PR whose mergeability GitHub was still computing is read again before another merge attempt.
    const computing = typeof state.computing === 'number' ? state.computing : 0;
    if (computing > 0) {
      const reason = typeof state.lastReason === 'string' ? state.lastReason : '';
      const m = await github.getMergeability(repo, pr.number);
      if (!m) return keep({ kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry from open-pr, or skip the target.` });
      const mState = stateOf(m);
      if (mState !== 'clean' && mState !== 'unstable' && mState !== 'has_hooks') return keep(await refused(reason, m, computing, (carry.method as MergeMethod | undefined) ?? options.method ?? 'squash'));
    }

    // Required reviews are waited for in a visible state before GitHub is asked to merge.
    const waiting = await reviewGate(ctx, pr, rules);
    if (waiting) return keep(waiting);

    const events: StepEvent[] = [];
    if (pr.draft) {
      // GitHub merges no draft: Fleet's own draft PR is marked ready once everything else is.
      await github.markReadyForReview(repo, pr.number);
      events.push({ kind: 'pr.ready-for-review', data: { prNumber: pr.number } });
    }

    if (rules.mergeQueue) return keep(await throughQueue(rules.mergeQueue));

    const info = await github.getRepo(repo);
    const settings = info?.merge ?? { squash: true, merge: true, rebase: true, autoMerge: false, updateBranch: false };
    const allowed = allowedMethods(settings).filter((m) => !(m === 'merge' && rules.linearHistory.required));
    const method = options.method ?? allowed[0];
    if (!method || !allowed.includes(method)) {
      const allowedWords = allowed.map((m) => METHOD_WORDS[m]);
      const why = options.method && settings[options.method] ? `linear history is required on ${pr.baseRef}` : `${repo} does not allow ${options.method ? METHOD_WORDS[options.method] : 'any merge method'}`;
      return keep({
        kind: 'needs-human',
        reason: `PR #${pr.number} cannot be merged as the campaign asks: ${why}; it allows ${listWords(allowedWords)}. Set the merge step's \`method\` to one of them (or leave it unset to use the repository's own), then retry.`,
        events: [...events, { kind: 'merge.method-not-allowed', data: { prNumber: pr.number, method: options.method ?? null, allowed } }],
      });
    }
    carry.method = method;

    // A branch behind a base that must be up to date: GitHub merges the base in (update-branch).
    const updates = typeof carry.updates === 'number' ? carry.updates : 0;
    if (rules.upToDate.required && !rules.signatures.required && !rules.linearHistory.required && updates < MAX_BRANCH_UPDATES) {
      const m = await github.getMergeability(repo, pr.number);
      if (m && stateOf(m) === 'behind') {
        const update = await github.updateBranch(repo, pr.number, expected);
        if (update.kind === 'updating') {
          carry.updates = updates + 1;
          carry.updatedFrom = expected;
          return keep({
            kind: 'wait',
            until: now + COMPUTING_WAIT_MS,
            reason: `PR #${pr.number} is behind ${pr.baseRef}, which must be up to date: GitHub is merging ${pr.baseRef} into it, and its checks will run again`,
            events: [...events, { kind: 'merge.branch-updated', data: { prNumber: pr.number, from: expected, by: rules.upToDate.by.map((b) => b.name) } }],
          });
        }
        if (update.kind === 'head-changed') return keep({ kind: 'needs-human', reason: `PR #${pr.number} in ${repo} changed while Fleet was bringing it up to date (${update.reason}); retry from await-checks, or skip.` });
        // A conflict (or nothing to merge after all): the merge below is refused and explained, and Retry rebuilds.
        events.push({ kind: 'merge.branch-update-refused', data: { prNumber: pr.number, reason: update.reason } });
      }
    }

    if (options.auto && carry.autoMerge === expected) {
      return keep({ kind: 'wait', until: now + options.retryEvery, reason: `auto-merge is on for PR #${pr.number}: GitHub merges it (${METHOD_WORDS[method]}) once ${pr.baseRef}'s requirements are met` });
    }
    if (options.auto && settings.autoMerge) {
      const auto = await github.enableAutoMerge(repo, pr.number, method, expected);
      if (auto.kind === 'enabled') {
        carry.autoMerge = expected;
        carry.via = 'auto';
        return keep({
          kind: 'wait',
          until: now + options.retryEvery,
          reason: `auto-merge is on for PR #${pr.number}: GitHub merges it (${METHOD_WORDS[method]}) once ${pr.baseRef}'s requirements are met`,
          events: [...events, { kind: 'merge.auto-enabled', data: { prNumber: pr.number, method } }],
        });
      }
      // GitHub schedules no merge it could do now ("clean status"), and may refuse for its own reasons: Fleet merges itself.
      events.push({ kind: 'merge.auto-declined', data: { prNumber: pr.number, reason: auto.reason } });
    } else if (options.auto) {
      events.push({ kind: 'merge.auto-unavailable', data: { prNumber: pr.number, reason: `${repo} does not allow auto-merge` } });
    }

    const outcome = await github.mergePr({ repo, number: pr.number, sha: expected, method });
    if (outcome.kind === 'merged') return merged(outcome.sha, 'merged', events);
    if (outcome.kind === 'head-changed') {
      return keep({ kind: 'needs-human', reason: `PR #${pr.number} in ${repo} changed while merging (${outcome.reason}); retry from await-checks, or skip.`, events: [...events, { kind: 'merge.head-changed', data: { prNumber: pr.number } }] });
    }
    // GitHub's 405 says only that it will not merge; the PR's mergeable_state says why.
    const m = await github.getMergeability(repo, pr.number);
    if (!m) return keep({ kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry from open-pr, or skip the target.` });
    const result = await refused(outcome.reason, m, 0, method);
    return keep({ ...result, events: [...events, ...(result.events ?? [])] });

    /** The checks of the head update-branch wrote: undefined once every check completed and the required ones passed. */
    async function updatedHeadChecks(sha: string, branchRules: BranchRules): Promise<StepResult | undefined> {
      const checks = await github.getChecks(repo, sha);
      const verdict = judgeChecks(requiredCheckNames(branchRules), checks);
      const running = checks.filter((c) => c.status !== 'completed').map((c) => c.name);
      if (verdict.failing.length > 0) {
        return {
          kind: 'needs-human',
          reason: `After GitHub merged ${pr!.baseRef} into PR #${pr!.number}, ${listWords(verdict.failing.map((c) => `\`${c}\``))} failed on the new head ${sha.slice(0, 7)}; the change and ${pr!.baseRef}'s latest commits do not work together. Look at the checks, then retry from open-pr (rebuild) or skip.`,
          events: [{ kind: 'merge.updated-checks-failed', data: { prNumber: pr!.number, headSha: sha, failing: verdict.failing } }],
        };
      }
      if (verdict.pending.length > 0 || running.length > 0) {
        const names = [...new Set([...verdict.pending, ...running])];
        return { kind: 'wait', until: now + options.retryEvery, reason: `waiting for the checks of PR #${pr!.number}'s updated head ${sha.slice(0, 7)} (${listWords(names)}) before merging` };
      }
      return undefined;
    }

    /** Merging through the branch's merge queue: enqueue once, then follow the entry until merged or removed. */
    async function throughQueue(queue: NonNullable<BranchRules['mergeQueue']>): Promise<StepResult> {
      carry.via = 'queue';
      carry.method = queue.method;
      const byWhom = queue.by.map((b) => b.name).join(', ');
      if (carry.queued !== expected) {
        const entry = await github.enqueuePr(repo, pr!.number, expected);
        // Queued before a crash lost the step's state: GitHub refuses a second enqueue, and the entry is there.
        const already = entry.kind === 'refused' ? await github.getQueueEntry(repo, pr!.number) : undefined;
        if (entry.kind === 'refused' && (already?.entry || already?.merged)) {
          carry.queued = expected;
          return { kind: 'wait', until: now + COMPUTING_WAIT_MS, reason: `PR #${pr!.number} is in the merge queue of ${pr!.baseRef}: GitHub merges it once its merge group's checks pass`, events };
        }
        if (entry.kind === 'refused') {
          return { kind: 'needs-human', reason: `GitHub would not add PR #${pr!.number} to the merge queue of ${pr!.baseRef} (required by ${byWhom}): ${entry.reason}. Mend what it names, then retry.`, events: [...events, { kind: 'merge.enqueue-refused', data: { prNumber: pr!.number, reason: entry.reason } }] };
        }
        carry.queued = expected;
        return {
          kind: 'wait',
          until: now + COMPUTING_WAIT_MS,
          reason: `PR #${pr!.number} is in the merge queue of ${pr!.baseRef}${entry.position ? ` (position ${entry.position})` : ''}: GitHub merges it once its merge group's checks pass`,
          events: [...events, { kind: 'merge.enqueued', data: { prNumber: pr!.number, headSha: expected, position: entry.position, by: queue.by.map((b) => b.name) } }],
        };
      }
      const status = await github.getQueueEntry(repo, pr!.number);
      if (!status) return { kind: 'needs-human', reason: `PR #${pr!.number} in ${repo} is gone; retry from open-pr, or skip the target.` };
      if (status.merged) {
        const again = await github.getPr(repo, pr!.number);
        if (again?.mergedSha) return merged(again.mergedSha, 'merged', events);
        return { kind: 'wait', until: now + COMPUTING_WAIT_MS, reason: `the merge queue merged PR #${pr!.number}; reading its merge commit` };
      }
      if (status.entry) {
        return { kind: 'wait', until: now + options.retryEvery, reason: `PR #${pr!.number} is in the merge queue of ${pr!.baseRef}: position ${status.entry.position} (${status.entry.state.toLowerCase().replace(/_/g, ' ')})`, events };
      }
      // Out of the queue without a merge: the queue removed it (a failed check, a conflict, someone's hand).
      const reason = status.removed?.reason ?? 'no reason given';
      delete carry.queued;
      return {
        kind: 'needs-human',
        reason: `The merge queue of ${pr!.baseRef} removed PR #${pr!.number} without merging it (${reason.replace(/_/g, ' ').toLowerCase()}); mend it and retry to queue it again, or skip.`,
        events: [...events, { kind: 'merge.dequeued', data: { prNumber: pr!.number, reason } }],
      };
    }

    async function refused(githubReason: string, m: Mergeability, computed: number, method: MergeMethod): Promise<StepResult> {
      const mState = stateOf(m);
      const tries = (typeof state.notMergeable === 'number' ? state.notMergeable : 0) + (mState === 'unknown' && computed < MAX_COMPUTING_READS ? 0 : 1);
      const data: Record<string, unknown> = { notMergeable: tries, lastReason: githubReason, mergeableState: mState, method };
      // GitHub computes mergeability in the background (`mergeable: null`): read again shortly.
      if (mState === 'unknown' && computed < MAX_COMPUTING_READS) {
        return { kind: 'wait', until: now + COMPUTING_WAIT_MS, reason: `GitHub is working out whether PR #${pr!.number} can be merged`, data: { ...data, computing: computed + 1 } };
      }
      if (!isFinalState(mState) && tries <= options.notMergeableRetries) {
        return { kind: 'wait', until: now + options.retryEvery, reason: `GitHub says PR #${pr!.number} is not mergeable yet (${mState}): ${githubReason}`, data };
      }
      const refusal = await explainRefusal(github, { repo, number: pr!.number, base: pr!.baseRef, githubReason }, m, expected);
      return {
        kind: 'needs-human',
        reason: refusal.reason,
        data: { ...data, ...(refusal.rebuild ? { rebuild: refusal.rebuild } : {}) },
        events: [{ kind: 'merge.blocked', data: { prNumber: pr!.number, reason: githubReason, mergeableState: mState, tries, ...(refusal.rebuild ? { rebuild: refusal.rebuild } : {}) } }],
      };
    }
  },
};
