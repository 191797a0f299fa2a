import { z } from 'zod';
import type { Step, StepResult } from './types.js';
import type { AwaitChecksOptions } from '../domain/step-options.js';
import { plural } from '../domain/words.js';
import { requiredBy, requiredCheckNames, type CheckResult, type GitHubStepDeps, type RerunOutcome } from '../github/gateway.js';
import { prOf, signal } from '../github/step-support.js';

const PASSING = new Set(['success', 'neutral', 'skipped']);

/**
 * What the step remembers, in its state, about the re-runs it asked GitHub for on one head. Each
 * check is re-run at most once per head (GitHub re-runs whole suites, so a check that passed the
 * first time can fail on another's re-run and earn its own), so a head sees at most as many re-runs
 * as it has required checks.
 */
export const RerunRecord = z.object({
  headSha: z.string(),
  /** Checks re-run because they failed on this head. */
  checks: z.array(z.string()),
  /** The run each check of the re-run suites had when the latest re-run was asked for. */
  replaced: z.record(z.string(), z.object({ runId: z.number(), completedAt: z.string().nullable() })),
  /** Re-runs asked for on this head. */
  count: z.number().int(),
});
export type RerunRecord = z.infer<typeof RerunRecord>;

function readRerun(record: unknown, sha: string): RerunRecord | undefined {
  const parsed = RerunRecord.safeParse(record);
  return parsed.success && parsed.data.headSha === sha ? parsed.data : undefined;
}

/** The run of every check of the given suites, as it is before they are re-run. */
function replacedRuns(checks: readonly CheckResult[], suiteIds: readonly number[]): RerunRecord['replaced'] {
  const replaced: RerunRecord['replaced'] = {};
  for (const check of checks) {
    if (check.runId !== null && check.suiteId !== null && suiteIds.includes(check.suiteId)) replaced[check.name] = { runId: check.runId, completedAt: check.completedAt };
  }
  return replaced;
}

/**
 * A check that still shows the run a re-run replaces is pending, not failed: GitHub Actions adds
 * the re-run's check runs a moment after accepting the request, and another CI app may reset and
 * complete the same run again, so the old verdict must not be read as the re-run's. Both sides of
 * the comparison are GitHub's (run id, completion time), so Fleet's clock does not matter.
 */
function hideReplacedRuns(checks: readonly CheckResult[], rerun: RerunRecord | undefined): CheckResult[] {
  if (!rerun) return [...checks];
  return checks.map((check) => {
    const replaced = rerun.replaced[check.name];
    const stale = replaced !== undefined && check.status === 'completed' && check.runId === replaced.runId && check.completedAt === replaced.completedAt;
    return stale ? { ...check, status: 'queued', conclusion: null } : check;
  });
}

/**
 * The checks a target waits for, each group with the rules that require it, so a person sees why
 * Fleet waits: "build, test (required by ruleset "main" (#12))".
 *
 * @example describePending(['build'], [], { build: ['branch protection'] }) // 'build (required by branch protection)'
 */
export function describePending(pending: readonly string[], rerun: readonly string[], byRules: Readonly<Record<string, readonly string[]>>): string {
  const groups = new Map<string, string[]>();
  for (const name of pending) {
    const key = (byRules[name] ?? []).join(' and ');
    groups.set(key, [...(groups.get(key) ?? []), rerun.includes(name) ? `${name} (re-run)` : name]);
  }
  return [...groups].map(([by, names]) => `${names.join(', ')}${by ? ` (required by ${by})` : ''}`).join('; ');
}

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
 * await-checks: waits for the required checks (the step's `required`, or what the branch's rules
 * require: rulesets and classic protection) on the PR's head. With none required it waits for every
 * check run and status the head gets, until all complete; if none appears within `settle` the
 * repository has no CI: done, recorded as such (`checks.no-ci`, a checks signal of 0.5, never
 * "passed"). A failing check that also fails on the default branch's head is
 * pre-existing: reported, not blamed on the change; if branch protection requires it, the PR cannot
 * merge until the default branch is fixed, so a person is asked at once. A failure the change
 * seems to cause (failing on the head, passing on the base) is re-run once first, since flaky CI
 * would otherwise be blamed on the change: a check that passes on its re-run is recorded as flaky,
 * one that fails again fails the target (not retryable), and so does a failure GitHub refuses to
 * re-run. Running past `timeout` asks a person. Webhooks wake the target early; polling every
 * `pollEvery` is the fallback.
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
    const rules = await github.getBranchRules(repo, pr.baseRef);
    const ruleChecks = requiredCheckNames(rules);
    const byRules = requiredBy(rules);
    const headChecks = await github.getChecks(repo, headSha);
    // Nothing required: every check the head gets is awaited (CI runs whether or not a rule asks
    // for it), and a head that gets none within `settle` is a repository without CI, never "passed".
    const watchAll = options.required === undefined && ruleChecks.length === 0;
    const required = options.required ?? (watchAll ? [...new Set(headChecks.map((check) => check.name))] : ruleChecks);
    if (required.length === 0) {
      if (now < startedAt + options.settle) {
        return {
          kind: 'wait',
          until: Math.min(now + options.pollEvery, startedAt + options.settle),
          reason: `waiting for CI to report on the PR head (no check is required on ${pr.baseRef} and none has appeared yet)`,
          data: { startedAt },
          patch,
        };
      }
      const settle = `${Math.round(options.settle / 1000)}s`;
      const evidence = { noCi: true, settle, headSha };
      return {
        kind: 'done',
        patch: { ...patch, signals: { checks: signal(0.5, evidence) } },
        data: { startedAt, ...evidence, note: 'no CI: no check required and none appeared' },
        events: [{ kind: 'checks.no-ci', data: { note: `${repo} requires no checks on ${pr.baseRef} and no check appeared on the PR within ${settle}`, ...evidence } }],
      };
    }
    // Which rule required each check (the step's own list names itself).
    const requiredByRule: Record<string, string[]> = Object.fromEntries(required.map((name) => [name, byRules[name] ?? (watchAll ? ['reported by CI (nothing required)'] : ['the step\'s required list'])]));

    const rerun = readRerun(ctx.state.rerunRecord, headSha);
    const verdict = judgeChecks(required, hideReplacedRuns(headChecks, rerun));
    let preExisting: string[] = [];
    let caused: string[] = [];
    let waitingOnBase: string[] = [];
    let baseSha: string | null = null;
    let baseChecks: CheckResult[] = [];
    let baseRerun: RerunRecord | undefined;
    if (verdict.failing.length > 0) {
      baseSha = (await github.getBranchSha(repo, pr.baseRef)) ?? null;
      baseChecks = baseSha ? await github.getChecks(repo, baseSha) : [];
      baseRerun = baseSha ? readRerun(ctx.state.baseRerunRecord, baseSha) : undefined;
      const onBase = baseSha ? judgeChecks(verdict.failing, hideReplacedRuns(baseChecks, baseRerun)) : { passed: verdict.failing, pending: [], failing: [] };
      preExisting = onBase.failing;
      caused = onBase.passed;
      waitingOnBase = onBase.pending;
    }
    const rerunChecks = rerun?.checks ?? [];
    // Re-run checks that pass now were flaky: the evidence says so, for a person to see.
    const flaky = rerunChecks.filter((name) => verdict.passed.includes(name));
    const evidence = { required, requiredBy: requiredByRule, passed: verdict.passed, pending: verdict.pending, failing: caused, preExisting, headSha, ...(rerun ? { rerun: rerunChecks, flaky } : {}) };
    const data = { startedAt, ...evidence, ...(rerun ? { rerunRecord: rerun } : {}), ...(baseRerun ? { baseRerunRecord: baseRerun } : {}) };

    if (caused.length > 0) {
      const failedAgain = caused.filter((name) => rerunChecks.includes(name));
      const suites = caused.map((name) => headChecks.find((check) => check.name === name)?.suiteId ?? null);
      let refused: Extract<RerunOutcome, { kind: 'refused' }> | undefined;
      // A commit status has no suite GitHub could run again; a check that already failed on its
      // re-run fails the target anyway: either way, asking for a re-run would change nothing.
      if (failedAgain.length === 0 && suites.every((id) => id !== null)) {
        const suiteIds = [...new Set(suites)];
        for (const id of suiteIds) {
          const outcome = await github.rerunCheckSuite(repo, id);
          if (outcome.kind === 'refused') {
            refused = outcome;
            break;
          }
        }
        if (!refused) {
          // The request went out before this result (and the record in it) is saved. If the process
          // dies in between, the next run finds no record: the re-run's checks read as pending
          // while they run, and if they fail again the step asks once more and records it then.
          // So a crash costs at most one extra re-run of this head, never a loop.
          const replaced = replacedRuns(headChecks, suiteIds);
          const record: RerunRecord = { headSha, checks: [...new Set([...rerunChecks, ...caused])], replaced, count: (rerun?.count ?? 0) + 1 };
          return {
            kind: 'wait',
            until: Math.min(now + options.pollEvery, startedAt + options.timeout),
            reason: `re-running ${caused.join(', ')} once: ${caused.length === 1 ? 'it fails' : 'they fail'} on the PR but ${caused.length === 1 ? 'passes' : 'pass'} on ${pr.baseRef}`,
            data: { ...data, rerunRecord: record },
            patch,
            events: [{ kind: 'checks.rerun', data: { ...evidence, rerun: caused, suites: suiteIds, attempt: record.count } }],
          };
        }
      }
      const one = caused.length === 1;
      const why =
        failedAgain.length === caused.length
          ? `: ${one ? 'it' : 'they'} failed again when re-run, and ${one ? 'passes' : 'pass'} on ${pr.baseRef}`
          : failedAgain.length > 0
            ? ` (they pass on ${pr.baseRef}); ${failedAgain.join(', ')} failed again when re-run`
            : refused
              ? ` (they pass on ${pr.baseRef}); GitHub refused to re-run ${one ? 'it' : 'them'} (${refused.status}: ${refused.reason}), so a flaky run is not ruled out`
              : ` (they pass on ${pr.baseRef})`;
      const failedEvidence = { ...evidence, ...(failedAgain.length > 0 ? { failedAgain } : {}) };
      return {
        kind: 'failed',
        retryable: false,
        reason: `The change breaks ${caused.join(', ')} in ${repo}${why}; fix the change or skip the target.`,
        data,
        patch: { ...patch, signals: { checks: signal(0, failedEvidence) } },
        events: [
          ...(refused ? [{ kind: 'checks.rerun-refused', data: { checks: caused, status: refused.status, githubMessage: refused.reason, headSha } }] : []),
          { kind: 'checks.failed', data: failedEvidence },
        ],
      };
    }
    const pending = [...verdict.pending, ...waitingOnBase];
    if (pending.length > 0) {
      if (now >= startedAt + options.timeout) {
        return {
          kind: 'needs-human',
          reason: `The checks ${pending.join(', ')} in ${repo} did not finish within ${plural(Math.round(options.timeout / 60_000), 'minute')}; look at CI, then retry or skip.`,
          data,
          patch,
          events: [{ kind: 'checks.timeout', data: evidence }],
        };
      }
      const result: StepResult = { kind: 'wait', until: Math.min(now + options.pollEvery, startedAt + options.timeout), reason: `waiting for ${describePending(pending, rerunChecks, byRules)}`, data, patch };
      return result;
    }
    // Pre-existing failures say nothing about the change: they count half, as missing evidence.
    const value = (verdict.passed.length + preExisting.length * 0.5) / required.length;
    if (preExisting.length > 0) {
      // Not the change's fault, but branch protection will not merge a PR whose required checks
      // fail: say so now, rather than after the canary when the merge is refused.
      const protectedChecks = ruleChecks;
      const blocking = preExisting.filter((name) => protectedChecks.includes(name));
      const baseSuites = blocking.map((name) => baseChecks.find((check) => check.name === name)?.suiteId ?? null);
      // A flaky check can fail on the default branch too: re-run it there once before asking a
      // person to fix the branch. If it passes, the PR's failure is judged again like any other.
      if (blocking.length > 0 && baseSha && !baseRerun && baseSuites.every((id) => id !== null)) {
        const suiteIds = [...new Set(baseSuites)];
        let refused = false;
        for (const id of suiteIds) {
          if ((await github.rerunCheckSuite(repo, id)).kind === 'refused') {
            refused = true;
            break;
          }
        }
        if (!refused) {
          const record: RerunRecord = { headSha: baseSha, checks: blocking, replaced: replacedRuns(baseChecks, suiteIds), count: 1 };
          return {
            kind: 'wait',
            until: Math.min(now + options.pollEvery, startedAt + options.timeout),
            reason: `re-running ${blocking.join(', ')} on ${pr.baseRef} once: ${blocking.length === 1 ? 'it fails' : 'they fail'} there too`,
            data: { ...data, baseRerunRecord: record },
            patch,
            events: [{ kind: 'checks.rerun-base', data: { ...evidence, rerun: blocking, baseSha, suites: suiteIds } }],
          };
        }
      }
      if (blocking.length > 0) {
        const names = blocking.map((n) => `\`${n}\``).join(', ');
        const again = baseRerun ? ` (${blocking.length === 1 ? 'it failed' : 'they failed'} again when re-run there)` : '';
        return {
          kind: 'needs-human',
          reason: `${names} ${blocking.length === 1 ? 'fails' : 'fail'} on ${pr.baseRef} too${again}, so the change did not break ${blocking.length === 1 ? 'it' : 'them'}; but branch protection requires ${blocking.length === 1 ? 'it' : 'them'}, so GitHub will not merge PR #${pr.number} until ${pr.baseRef} is fixed. Fix ${pr.baseRef} and retry, or skip ${repo}.`,
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
