import type { Step, StepResult } from './types.js';
import type { AwaitChecksOptions } from './options.js';
import type { CheckResult, GitHubStepDeps } from '../github/gateway.js';
import { prOf, signal } from '../github/step-support.js';

const PASSING = new Set(['success', 'neutral', 'skipped']);

export interface CheckVerdict {
  passed: string[];
  pending: string[];
  failing: string[];
}

/** Sorts the required checks by what GitHub reports for them; a required check not yet reported is pending. */
export function judgeChecks(required: readonly string[], checks: readonly CheckResult[]): CheckVerdict {
  const byName = new Map(checks.map((c) => [c.name, c]));
  const verdict: CheckVerdict = { passed: [], pending: [], failing: [] };
  for (const name of required) {
    const check = byName.get(name);
    if (!check || check.status !== 'completed' || check.conclusion === null) verdict.pending.push(name);
    else if (PASSING.has(check.conclusion)) verdict.passed.push(name);
    else verdict.failing.push(name);
  }
  return verdict;
}

/**
 * await-checks: waits for the required checks (the step's `required`, or the default branch's
 * protection) on the PR's head. A failing check that also fails on the default branch's head is
 * pre-existing: reported, not blamed on the change; if branch protection requires it, the PR cannot
 * merge until the default branch is fixed, so a person is asked at once. A failure the change caused fails the target
 * (not retryable); running past `timeout` asks a person. Webhooks wake the target early; polling
 * every `pollEvery` is the fallback.
 *
 * @example
 * await awaitChecksStep.run(ctx); // { kind: 'wait', until: now + 120000, reason: 'waiting for ci/test' }
 */
export const awaitChecksStep: Step<AwaitChecksOptions, GitHubStepDeps> = {
  kind: 'await-checks',
  async run(ctx) {
    const { github } = ctx.deps;
    const { target, options, now } = ctx;
    const repo = target.repo;
    const known = prOf(target);
    if (!known) return { kind: 'failed', reason: 'await-checks needs the PR that open-pr opens; put open-pr before it in the steps.', retryable: false };
    const pr = await github.getPr(repo, known.number);
    if (!pr) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry to open it again, or skip the target.` };
    if (pr.merged) return { kind: 'done', data: { note: 'the PR was already merged' } };
    if (pr.state === 'closed') return { kind: 'needs-human', reason: `PR #${pr.number} in ${repo} was closed by someone; reopen it and retry, or skip the target.` };

    const startedAt = typeof ctx.state.startedAt === 'number' ? ctx.state.startedAt : now;
    const headSha = pr.headSha;
    // Someone may have pushed to the PR: the checks of its current head are the ones that count.
    const patch = headSha !== target.headSha ? { headSha } : {};
    const required = options.required ?? (await github.getRequiredChecks(repo, pr.baseRef)).requiredChecks;
    if (required.length === 0) {
      return { kind: 'done', patch, data: { startedAt, note: 'no required checks' }, events: [{ kind: 'checks.none', data: { note: `${repo} requires no checks on ${pr.baseRef}` } }] };
    }

    const verdict = judgeChecks(required, await github.getChecks(repo, headSha));
    let preExisting: string[] = [];
    let caused: string[] = [];
    let waitingOnBase: string[] = [];
    if (verdict.failing.length > 0) {
      const baseSha = await github.getBranchSha(repo, pr.baseRef);
      const onBase = baseSha ? judgeChecks(verdict.failing, await github.getChecks(repo, baseSha)) : { passed: verdict.failing, pending: [], failing: [] };
      preExisting = onBase.failing;
      caused = onBase.passed;
      waitingOnBase = onBase.pending;
    }
    const evidence = { required, passed: verdict.passed, pending: verdict.pending, failing: caused, preExisting, headSha };
    const data = { startedAt, ...evidence };

    if (caused.length > 0) {
      return {
        kind: 'failed',
        retryable: false,
        reason: `The change breaks ${caused.join(', ')} in ${repo} (they pass on ${pr.baseRef}); fix the change or skip the target.`,
        data,
        patch: { ...patch, signals: { checks: signal(0, evidence) } },
        events: [{ kind: 'checks.failed', data: evidence }],
      };
    }
    const pending = [...verdict.pending, ...waitingOnBase];
    if (pending.length > 0) {
      if (now >= startedAt + options.timeout) {
        return {
          kind: 'needs-human',
          reason: `The checks ${pending.join(', ')} in ${repo} did not finish within ${Math.round(options.timeout / 60_000)} minutes; look at CI, then retry or skip.`,
          data,
          patch,
          events: [{ kind: 'checks.timeout', data: evidence }],
        };
      }
      const result: StepResult = { kind: 'wait', until: Math.min(now + options.pollEvery, startedAt + options.timeout), reason: `waiting for ${pending.join(', ')}`, data, patch };
      return result;
    }
    // Pre-existing failures say nothing about the change: they count half, as missing evidence.
    const value = (verdict.passed.length + preExisting.length * 0.5) / required.length;
    if (preExisting.length > 0) {
      // Not the change's fault, but branch protection will not merge a PR whose required checks
      // fail: say so now, rather than after the canary when the merge is refused.
      const protectedChecks = options.required ? (await github.getRequiredChecks(repo, pr.baseRef)).requiredChecks : required;
      const blocking = preExisting.filter((name) => protectedChecks.includes(name));
      if (blocking.length > 0) {
        const names = blocking.map((n) => `\`${n}\``).join(', ');
        return {
          kind: 'needs-human',
          reason: `${names} ${blocking.length === 1 ? 'fails' : 'fail'} on ${pr.baseRef} too, so the change did not break ${blocking.length === 1 ? 'it' : 'them'}; but branch protection requires ${blocking.length === 1 ? 'it' : 'them'}, so GitHub will not merge PR #${pr.number} until ${pr.baseRef} is fixed. Fix ${pr.baseRef} and retry, or skip ${repo}.`,
          data,
          patch: { ...patch, signals: { checks: signal(value, evidence) } },
          events: [{ kind: 'checks.blocked-by-base', data: { ...evidence, blocking } }],
        };
      }
    }
    return {
      kind: 'done',
      data,
      patch: { ...patch, signals: { checks: signal(value, evidence) } },
      events: [{ kind: preExisting.length > 0 ? 'checks.passed-with-pre-existing' : 'checks.passed', data: evidence }],
    };
  },
};
