import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { mergeStep } from '../../src/steps/merge.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import type { SeedRepoInput } from '../../src/sandbox/github/server.js';
import type { RulesetInput } from '../../src/sandbox/github/rulesets.js';
import { startHarness, writesIn, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget, seedPackageRepo } from './context.js';

/** The merge step against the fake over HTTP: the repository's methods, update-branch, the merge queue and auto-merge. */

const spec = makeSpec();
const QUEUE: RulesetInput = {
  name: 'main',
  rules: [
    { type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'ci/test' }], strict_required_status_checks_policy: false } },
    { type: 'merge_queue', parameters: { merge_method: 'SQUASH', grouping_strategy: 'ALLGREEN', max_entries_to_build: 5, min_entries_to_merge: 1, max_entries_to_merge: 5, min_entries_to_merge_wait_minutes: 0, check_response_timeout_minutes: 60 } },
  ],
};

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function seed(name: string, extra: Partial<SeedRepoInput> = {}): string {
  return seedPackageRepo(h, name, { protection: { requiredChecks: ['ci/test'] }, ...extra });
}

async function run(kind: 'open-pr' | 'merge', target: TargetRecord, state: Record<string, unknown> = {}, options: Record<string, unknown> = {}): Promise<StepResult> {
  const step = kind === 'open-pr' ? openPrStep : mergeStep;
  return step.run(makeContext({ kind, spec, target, deps: { github: h.github }, now: h.now(), state, options }));
}

/** Opens the campaign's PR and lets its CI finish, as await-checks would have. */
async function opened(repo: string): Promise<TargetRecord> {
  const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
  h.fake.state.advance(60_000);
  return target;
}

const mergeWrites = () => writesIn(h.fake).filter((w) => w === 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge').length;

describe('the merge method follows the repository', () => {
  test('unset: the method the repository allows (here only rebase)', async () => {
    const repo = seed('rebase-only', { settings: { allowSquashMerge: false, allowMergeCommit: false } });
    const result = await run('merge', await opened(repo));
    expect(result).toMatchObject({ kind: 'done', data: { method: 'rebase', via: 'api' } });
    expect(h.fake.state.merges()).toMatchObject([{ repo, method: 'rebase', checksComplete: true, via: 'api' }]);
  });

  test('set to a method the repository does not allow: a person is asked, naming the allowed ones, and nothing is merged', async () => {
    const repo = seed('no-squash', { settings: { allowSquashMerge: false } });
    const result = await run('merge', await opened(repo), {}, { method: 'squash' });
    expect(result).toMatchObject({
      kind: 'needs-human',
      reason: `PR #1 cannot be merged as the campaign asks: ${repo} does not allow squash merges; it allows merge commits and rebase merges. Set the merge step's \`method\` to one of them (or leave it unset to use the repository's own), then retry.`,
    });
    expect(result.events?.map((e) => e.kind)).toEqual(['merge.method-not-allowed']);
    expect(mergeWrites()).toBe(0);
    expect(h.fake.state.listPulls()[0]?.merged).toBe(false);
  });

  test('linear history: no merge commit is chosen', async () => {
    const repo = seed('linear', { settings: { allowSquashMerge: false }, rulesets: [{ name: 'linear', rules: [{ type: 'required_linear_history' }] }] });
    expect(await run('merge', await opened(repo))).toMatchObject({ kind: 'done', data: { method: 'rebase' } });
  });
});

describe('a branch behind a base that must be up to date', () => {
  test('GitHub merges the base in; the new head is merged only after its checks completed', async () => {
    const repo = seed('strict', { protection: { requiredChecks: ['ci/test'], strict: true } });
    let target = await opened(repo);
    const checked = target.headSha;
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'docs', files: [{ path: 'README.md', content: '# strict\n' }] });
    const first = await run('merge', target);
    expect(first).toMatchObject({ kind: 'wait', reason: "PR #1 is behind main, which must be up to date: GitHub is merging main into it, and its checks will run again" });
    expect(first.events?.map((e) => e.kind)).toEqual(['merge.branch-updated']);
    const second = await run('merge', target, first.data);
    const updated = h.fake.state.listPulls()[0]?.headSha;
    expect(updated).not.toBe(checked);
    expect(second).toMatchObject({ kind: 'wait', reason: `waiting for the checks of PR #1's updated head ${updated?.slice(0, 7)} (ci/test) before merging`, patch: { headSha: updated } });
    expect(mergeWrites()).toBe(0);
    target = applyResult(target, second);
    h.fake.state.advance(60_000);
    const third = await run('merge', target, second.data);
    expect(third).toMatchObject({ kind: 'done', data: { via: 'api', method: 'squash' } });
    expect(h.fake.state.merges()).toEqual([{ repo, number: 1, headSha: updated, method: 'squash', checksComplete: true, incompleteChecks: [], via: 'api' }]);
    expect(h.fake.state.readFiles('acme', 'strict')['README.md']).toBe('# strict\n');
  });

  test('a check that fails on the updated head sends the target to a person, unmerged', async () => {
    const repo = seed('strict-red', { protection: { requiredChecks: ['ci/test'], strict: true }, ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 60_000, failWhen: (files) => 'BROKEN' in files && files['package.json']?.includes('4.17.21') === true } });
    let target = await opened(repo);
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'breaks with the bump', files: [{ path: 'BROKEN', content: 'x\n' }] });
    const first = await run('merge', target);
    const second = await run('merge', target, first.data);
    target = applyResult(target, second);
    h.fake.state.advance(60_000);
    const third = await run('merge', target, second.data);
    expect(third).toMatchObject({ kind: 'needs-human', events: [{ kind: 'merge.updated-checks-failed' }] });
    expect((third as { reason: string }).reason).toContain('`ci/test` failed on the new head');
    expect(h.fake.state.merges()).toEqual([]);
  });
});

describe('a merge queue', () => {
  test('the PR is enqueued, waits visibly, and is done once the queue merged its group', async () => {
    const repo = seed('queued', { protection: undefined, rulesets: [QUEUE] });
    const target = await opened(repo);
    const first = await run('merge', target);
    expect(first).toMatchObject({ kind: 'wait', reason: 'PR #1 is in the merge queue of main (position 1): GitHub merges it once its merge group\'s checks pass' });
    expect(first.events).toMatchObject([{ kind: 'merge.enqueued', data: { prNumber: 1, position: 1, by: ['main'] } }]);
    expect(mergeWrites()).toBe(0);
    const second = await run('merge', target, first.data);
    expect(second).toMatchObject({ kind: 'wait', reason: 'PR #1 is in the merge queue of main: position 1 (awaiting checks)' });
    h.fake.state.advance(60_000);
    const third = await run('merge', target, second.data);
    expect(third).toMatchObject({ kind: 'done', data: { via: 'queue', method: 'squash' }, events: [{ kind: 'pr.merged', data: { via: 'queue' } }] });
    expect(h.fake.state.merges()).toMatchObject([{ repo, number: 1, via: 'queue', checksComplete: true }]);
    expect(mergeWrites()).toBe(0);
  });

  test('removed by the queue (its group failed): a person is told why', async () => {
    const repo = seed('queue-red', { protection: undefined, rulesets: [QUEUE], ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 60_000, failWhen: (files) => 'NEWS' in files && files['package.json']?.includes('4.17.21') === true } });
    const target = await opened(repo);
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'news', files: [{ path: 'NEWS', content: 'x\n' }] });
    const first = await run('merge', target);
    h.fake.state.advance(60_000);
    const second = await run('merge', target, first.data);
    expect(second).toMatchObject({ kind: 'needs-human', reason: 'The merge queue of main removed PR #1 without merging it (failed checks: ci/test); mend it and retry to queue it again, or skip.', events: [{ kind: 'merge.dequeued', data: { reason: 'FAILED_CHECKS: ci/test' } }] });
    expect(h.fake.state.merges()).toEqual([]);
  });
});

describe('auto-merge', () => {
  test('asked for and allowed: GitHub merges the PR itself once its checks pass, and the step is done', async () => {
    const repo = seed('auto', { settings: { allowAutoMerge: true } });
    // A check is still running (a re-run, say): GitHub takes the merge on itself.
    const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
    const first = await run('merge', target, {}, { auto: true });
    expect(first).toMatchObject({ kind: 'wait', reason: "auto-merge is on for PR #1: GitHub merges it (squash merges) once main's requirements are met", events: [{ kind: 'merge.auto-enabled' }] });
    expect(mergeWrites()).toBe(0);
    expect(await run('merge', target, first.data, { auto: true })).toMatchObject({ kind: 'wait' });
    h.fake.state.advance(60_000);
    expect(await run('merge', target, first.data, { auto: true })).toMatchObject({ kind: 'done', data: { via: 'auto', method: 'squash' }, events: [{ kind: 'pr.merged' }] });
    expect(h.fake.state.merges()).toMatchObject([{ repo, via: 'auto', checksComplete: true }]);
  });

  test('asked for where the repository does not allow it, or where the PR can merge now: Fleet merges it itself and says so', async () => {
    const off = seed('auto-off');
    const a = await run('merge', await opened(off), {}, { auto: true });
    expect(a).toMatchObject({ kind: 'done', data: { via: 'api' } });
    expect(a.events?.map((e) => e.kind)).toEqual(['merge.auto-unavailable', 'pr.merged']);
    const clean = seed('auto-clean', { settings: { allowAutoMerge: true } });
    const b = await run('merge', await opened(clean), {}, { auto: true });
    expect(b).toMatchObject({ kind: 'done', data: { via: 'api' }, events: [{ kind: 'merge.auto-declined', data: { reason: 'Pull request is in clean status' } }, { kind: 'pr.merged' }] });
  });
});

describe('a marginal canary never merges without a person', () => {
  const canary = { lookback: '1h', step: '1m', metrics: [{ name: 'http_errors', group: 'errors', direction: 'increase' }] };
  const marginal = { canary: { value: 0.85, evidence: { verdict: 'marginal', score: 85, thresholds: { pass: 95, marginal: 75 } } } };

  async function runMerge(steps: string[], target: TargetRecord, state: Record<string, unknown> = {}): Promise<StepResult> {
    const pathSpec = makeSpec({ steps, canary });
    const ctx = makeContext({ kind: 'merge', spec: pathSpec, target, deps: { github: h.github }, now: h.now(), state });
    return mergeStep.run({ ...ctx, stepIndex: steps.indexOf('merge') });
  }

  test('without a gate between the canary and the merge, the merge step asks first; Retry merges it', async () => {
    const repo = seed('marginal');
    const target = { ...(await opened(repo)), signals: marginal };
    const steps = ['open-pr', 'await-checks', 'canary', 'merge'];
    const held = await runMerge(steps, target);
    expect(held).toMatchObject({
      kind: 'needs-human',
      reason:
        'The canary of acme/marginal scored 85, in the marginal band (above 75, below 95), and no gate step between the canary and the merge lets a person weigh it: Fleet does not merge a marginal canary on its own. Retry to merge it anyway, or Skip to leave it unmerged.',
      data: { marginalHeld: true },
    });
    expect(mergeWrites()).toBe(0);
    // The person's Retry: the step's state keeps the hold, and the merge goes on.
    const retried = await runMerge(steps, target, held.data);
    expect(retried).toMatchObject({ kind: 'done', data: { marginalHeld: true } });
    expect(mergeWrites()).toBe(1);
  });

  test('a gate after the canary weighs it instead; a gate before the canary does not', async () => {
    const gated = seed('gated');
    expect(await runMerge(['open-pr', 'canary', 'gate', 'merge'], { ...(await opened(gated)), signals: marginal })).toMatchObject({ kind: 'done' });
    const early = seed('gate-first');
    expect(await runMerge(['open-pr', 'gate', 'canary', 'merge'], { ...(await opened(early)), signals: marginal })).toMatchObject({ kind: 'needs-human', data: { marginalHeld: true } });
    // A canary that passed is no reason to ask.
    const passed = seed('passed');
    const pass = { canary: { value: 0.98, evidence: { verdict: 'pass', score: 98, thresholds: { pass: 95, marginal: 75 } } } };
    expect(await runMerge(['open-pr', 'canary', 'merge'], { ...(await opened(passed)), signals: pass })).toMatchObject({ kind: 'done' });
  });
});
