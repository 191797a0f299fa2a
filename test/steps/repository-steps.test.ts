import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { awaitChecksStep } from '../../src/steps/await-checks.js';
import { complianceStep } from '../../src/steps/compliance.js';
import { mergeStep } from '../../src/steps/merge.js';
import { closeStep } from '../../src/steps/close.js';
import { explainRefusal } from '../../src/steps/merge-refusal.js';
import { revertStep } from '../../src/steps/revert.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import type { SeedRepoInput } from '../../src/sandbox/github/server.js';
import { startHarness, writesIn, type Harness } from '../github/harness.js';
import { applyResult, makeCampaign, makeContext, makeSpec, makeTarget, PACKAGE_JSON, seedPackageRepo } from './context.js';
import { scoreDiffSize, type DiffSizeSignal } from '../../src/confidence/signals.js';
import { scoreTarget } from '../../src/confidence/score-target.js';


let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function seed(name: string, extra: Partial<SeedRepoInput> = {}): string {
  return seedPackageRepo(h, name, { files: { 'package.json': PACKAGE_JSON, '.github/CODEOWNERS': '* @acme/platform\npackage.json @alice\n', 'src/index.ts': 'export {};\n' }, protection: { requiredChecks: ['ci/test'], requiredApprovals: 0 }, ...extra });
}

const spec = makeSpec();

async function run(kind: 'open-pr' | 'await-checks' | 'compliance' | 'merge' | 'close' | 'revert', target: TargetRecord, opts: { state?: Record<string, unknown>; options?: Record<string, unknown>; github?: Harness['github'] } = {}): Promise<StepResult> {
  const step = { 'open-pr': openPrStep, 'await-checks': awaitChecksStep, compliance: complianceStep, merge: mergeStep, close: closeStep, revert: revertStep }[kind];
  const ctx = makeContext({ kind, spec, target, deps: { github: opts.github ?? h.github }, now: h.now(), state: opts.state, options: opts.options });
  return (step.run)(ctx);
}

describe('the default path over real HTTP', () => {
  test('open-pr → await-checks → compliance → merge', async () => {
    const repo = seed('api');
    let target = makeTarget(repo);

    const opened = await run('open-pr', target);
    expect(opened.kind).toBe('done');
    target = applyResult(target, opened);
    expect(target.prNumber).toBe(1);
    expect(target.branch).toBe('fleet/bump-lodash');
    expect(target.signals.diffSize).toMatchObject({ evidence: { filesChanged: 1, additions: 1, deletions: 1 } });
    // One diff-size curve: what the step records is what the score reads.
    expect(target.signals.diffSize).toMatchObject({ value: scoreDiffSize(2), evidence: { changedLines: 2 } });
    expect(scoreTarget({ diffSize: target.signals.diffSize as DiffSizeSignal }).factors.find((f) => f.signal === 'diffSize')?.value).toBe(scoreDiffSize(2));
    const [pull] = h.fake.state.listPulls();
    expect(pull).toMatchObject({ title: 'Bump lodash in acme/api', labels: ['fleet', 'dependencies'], state: 'open' });
    expect(h.fake.state.readFiles('acme', 'api', 'fleet/bump-lodash')['package.json']).toContain('"lodash": "^4.17.21"');
    const body = (await h.github.getPr(repo, 1))!.body;
    expect(body).toContain('Moves every service to the patched lodash. (campaign bump-lodash)');
    expect(body).toContain('<!-- fleet:campaign=c-1 target=acme/api -->');

    const waiting = await run('await-checks', target);
    expect(waiting).toMatchObject({ kind: 'wait', reason: 'waiting for ci/test (required by branch protection)' });
    h.fake.state.advance(60_000);
    const checked = await run('await-checks', target, { state: (waiting as { data: Record<string, unknown> }).data });
    expect(checked.kind).toBe('done');
    target = applyResult(target, checked);
    expect(target.signals.checks).toMatchObject({ value: 1 });

    const compliant = await run('compliance', target);
    expect(compliant.kind).toBe('done');
    target = applyResult(target, compliant);
    expect(target.signals.compliance).toMatchObject({ value: 1 });

    const merged = await run('merge', target);
    expect(merged.kind).toBe('done');
    target = applyResult(target, merged);
    expect(target.mergedSha).toMatch(/^[0-9a-f]{40}$/);
    expect(h.fake.state.listPulls()[0]).toMatchObject({ merged: true });
    expect(await h.github.getBranchSha(repo, 'fleet/bump-lodash')).toBeUndefined();
    expect(h.fake.state.readFiles('acme', 'api')['package.json']).toContain('"lodash": "^4.17.21"');

    // Running merge again is a no-op that reports the same merge.
    const again = await run('merge', target);
    expect(again).toMatchObject({ kind: 'done', patch: { mergedSha: target.mergedSha } });

    const reverted = await run('revert', target);
    expect(reverted).toMatchObject({ kind: 'done', data: { revertPr: 2 } });
    expect(h.fake.state.readFiles('acme', 'api', 'revert/fleet/bump-lodash')['package.json']).toBe(PACKAGE_JSON);
    const revertAgain = await run('revert', target);
    expect(revertAgain).toMatchObject({ kind: 'done', data: { revertPr: 2 } });
    expect(h.fake.state.listPulls()).toHaveLength(2);
  });

  test('a repository that already has the change is skipped without a write', async () => {
    const repo = seed('done', { files: { 'package.json': PACKAGE_JSON.replace('4.17.15', '4.17.21') } });
    const result = await run('open-pr', makeTarget(repo));
    expect(result).toMatchObject({ kind: 'done' });
    expect((result as { skipTarget?: string }).skipTarget).toBeTruthy();
    expect(h.fake.requestLog.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('an archived repository is skipped', async () => {
    const repo = seed('old', { archived: true });
    expect(await run('open-pr', makeTarget(repo))).toMatchObject({ kind: 'done', skipTarget: 'acme/old is archived' });
  });
});

describe('await-checks', () => {
  async function opened(repo: string): Promise<TargetRecord> {
    return applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
  }

  const RERUN = 'POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest';
  const reruns = () => writesIn(h.fake).filter((w) => w === RERUN).length;
  const dataOf = (result: StepResult) => (result as { data: Record<string, unknown> }).data;

  test('a check the change breaks is re-run once, then fails the target, not retryable, saying it failed twice', async () => {
    const repo = seed('broken', { ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 0, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const target = await opened(repo);
    h.fake.state.advance(1);
    const first = await run('await-checks', target);
    expect(first).toMatchObject({ kind: 'wait', reason: 're-running ci/test once: it fails on the PR but passes on main' });
    expect(first.events).toEqual([{ kind: 'checks.rerun', data: expect.objectContaining({ rerun: ['ci/test'], attempt: 1 }) }]);
    expect(reruns()).toBe(1);
    h.fake.state.advance(1);
    const result = await run('await-checks', target, { state: dataOf(first) });
    expect(result).toMatchObject({ kind: 'failed', retryable: false, patch: { signals: { checks: { value: 0, evidence: { failedAgain: ['ci/test'] } } } } });
    expect((result as { reason: string }).reason).toBe('The change breaks ci/test in acme/broken: it failed again when re-run, and passes on main; fix the change or skip the target.');
    expect(result.events?.map((e) => e.kind)).toEqual(['checks.failed']);
    expect(reruns()).toBe(1);
  });

  test('a flaky check that fails once passes on its re-run: done, and recorded as flaky', async () => {
    const repo = seed('flaky', { ci: { checks: ['ci/test'], outcome: 'manual', durationMs: 0 } });
    h.fake.state.completeCheck('acme', 'flaky', (await h.github.getBranchSha(repo, 'main'))!, 'ci/test', 'success');
    const target = await opened(repo);
    const head = target.headSha!;
    h.fake.state.completeCheck('acme', 'flaky', head, 'ci/test', 'failure');
    const first = await run('await-checks', target);
    expect(first).toMatchObject({ kind: 'wait', events: [{ kind: 'checks.rerun' }] });
    expect(h.fake.state.checkRuns('acme', 'flaky', head).map((r) => [r.attempt, r.status, r.conclusion])).toEqual([
      [1, 'completed', 'failure'],
      [2, 'queued', null],
    ]);
    const waiting = await run('await-checks', target, { state: dataOf(first) });
    expect(waiting).toMatchObject({ kind: 'wait', reason: 'waiting for ci/test (re-run) (required by branch protection)' });
    h.fake.state.completeCheck('acme', 'flaky', head, 'ci/test', 'success');
    const done = await run('await-checks', target, { state: dataOf(waiting) });
    expect(done).toMatchObject({ kind: 'done', patch: { signals: { checks: { value: 1 } } }, events: [{ kind: 'checks.passed', data: { rerun: ['ci/test'], flaky: ['ci/test'] } }] });
    expect(reruns()).toBe(1);
  });

  test('GitHub refusing the re-run (403) blames the change at once, as before, and says why', async () => {
    const repo = seed('locked', { ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 0, rerequestable: false, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const target = await opened(repo);
    h.fake.state.advance(1);
    const result = await run('await-checks', target);
    expect(result).toMatchObject({ kind: 'failed', retryable: false, patch: { signals: { checks: { value: 0 } } } });
    expect((result as { reason: string }).reason).toBe(
      'The change breaks ci/test in acme/locked (they pass on main); GitHub refused to re-run it (403: This check suite is not rerequestable), so a flaky run is not ruled out; fix the change or skip the target.',
    );
    expect(result.events?.map((e) => e.kind)).toEqual(['checks.rerun-refused', 'checks.failed']);
    expect(h.fake.requestLog.filter((r) => `${r.method} ${r.route}` === RERUN).map((r) => r.status)).toEqual([403]);
  });

  test('a re-run GitHub accepted whose runs have not shown yet is waited for, not read as failing again', async () => {
    const repo = seed('lagging', { ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 0, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const target = await opened(repo);
    h.fake.state.advance(1);
    // GitHub answers 201 at once but adds the re-run's check runs a moment later.
    const lagging = { ...h.github, rerunCheckSuite: async () => ({ kind: 'requested' as const }) };
    const first = await run('await-checks', target, { github: lagging });
    expect(first.kind).toBe('wait');
    const second = await run('await-checks', target, { github: lagging, state: dataOf(first) });
    expect(second).toMatchObject({ kind: 'wait', reason: 'waiting for ci/test (re-run) (required by branch protection)' });
  });

  test('a crash between the re-run request and saving the step costs at most one extra re-run', async () => {
    const repo = seed('crashy', { ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 60_000, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const target = await opened(repo);
    h.fake.state.advance(60_000);
    expect((await run('await-checks', target)).kind).toBe('wait');
    // The result of that run is lost: the next run starts from empty state while the re-run is going.
    const lost = await run('await-checks', target);
    expect(lost).toMatchObject({ kind: 'wait', reason: 'waiting for ci/test (required by branch protection)' });
    h.fake.state.advance(60_000);
    const again = await run('await-checks', target, { state: dataOf(lost) });
    expect(again).toMatchObject({ kind: 'wait', events: [{ kind: 'checks.rerun' }] });
    h.fake.state.advance(60_000);
    const failed = await run('await-checks', target, { state: dataOf(again) });
    expect(failed).toMatchObject({ kind: 'failed', retryable: false });
    expect(reruns()).toBe(2);
  });

  test('a check that also fails on the default branch is pre-existing: reported, not blamed', async () => {
    const repo = seed('redbase', { ci: { checks: ['ci/test', 'ci/lint'], outcome: 'fail-on-default', durationMs: 0 }, protection: { requiredChecks: ['ci/test'] } });
    const target = await opened(repo);
    h.fake.state.advance(1);
    // Checked by the step's own list, not required by branch protection: the PR can still merge.
    const result = await run('await-checks', target, { options: { required: ['ci/lint'] } });
    expect(result).toMatchObject({ kind: 'done', data: { preExisting: ['ci/lint'], failing: [] }, patch: { signals: { checks: { value: 0.5 } } } });
    expect(result.events?.map((e) => e.kind)).toEqual(['checks.passed-with-pre-existing']);
  });

  test('a required check failing on main too is re-run there once, then a person is asked: the PR could never merge', async () => {
    const repo = seed('redprotected', { ci: { checks: ['ci/test', 'ci/lint'], outcome: 'fail-on-default', durationMs: 0 }, protection: { requiredChecks: ['ci/test'] } });
    const target = await opened(repo);
    h.fake.state.advance(1);
    const first = await run('await-checks', target);
    expect(first).toMatchObject({ kind: 'wait', reason: 're-running ci/test on main once: it fails there too' });
    expect(first.events?.map((e) => e.kind)).toEqual(['checks.rerun-base']);
    expect(reruns()).toBe(1);
    h.fake.state.advance(1);
    const result = await run('await-checks', target, { state: dataOf(first) });
    expect(result).toMatchObject({ kind: 'needs-human', data: { preExisting: ['ci/test'], failing: [] }, patch: { signals: { checks: { value: 0.5 } } } });
    expect((result as { reason: string }).reason).toBe(
      `\`ci/test\` fails on main too (it failed again when re-run there), so the change did not break it; but branch protection requires it, so GitHub will not merge PR #${target.prNumber} until main is fixed. Fix main and retry, or skip ${repo}.`,
    );
    expect(result.events?.map((e) => e.kind)).toEqual(['checks.blocked-by-base']);
    expect(reruns()).toBe(1);
  });

  test('a flaky check that failed on main and on the PR passes on both re-runs: done, nobody asked', async () => {
    const repo = seed('flakyboth', { ci: { checks: ['ci/test'], outcome: 'manual', durationMs: 0 } });
    const base = (await h.github.getBranchSha(repo, 'main'))!;
    h.fake.state.completeCheck('acme', 'flakyboth', base, 'ci/test', 'failure');
    const target = await opened(repo);
    const head = target.headSha!;
    h.fake.state.completeCheck('acme', 'flakyboth', head, 'ci/test', 'failure');
    const first = await run('await-checks', target);
    expect(first).toMatchObject({ kind: 'wait', events: [{ kind: 'checks.rerun-base' }] });
    // While main's re-run is queued, its old failure is not read again.
    const waiting = await run('await-checks', target, { state: dataOf(first) });
    expect(waiting).toMatchObject({ kind: 'wait', reason: 'waiting for ci/test (required by branch protection)' });
    h.fake.state.completeCheck('acme', 'flakyboth', base, 'ci/test', 'success');
    // Main passes now, so the PR's failure looks caused by the change: it gets its own re-run.
    const second = await run('await-checks', target, { state: dataOf(waiting) });
    expect(second).toMatchObject({ kind: 'wait', events: [{ kind: 'checks.rerun' }] });
    h.fake.state.completeCheck('acme', 'flakyboth', head, 'ci/test', 'success');
    const done = await run('await-checks', target, { state: dataOf(second) });
    expect(done).toMatchObject({ kind: 'done', events: [{ kind: 'checks.passed', data: { flaky: ['ci/test'] } }] });
    expect(reruns()).toBe(2);
  });

  test('no required checks: every check the head gets is awaited; explicit options override the rules', async () => {
    const repo = seed('free', { protection: undefined, ci: { checks: ['ci/test'], outcome: 'manual', durationMs: 0 } });
    const target = await opened(repo);
    expect(await run('await-checks', target)).toMatchObject({ kind: 'wait', reason: 'waiting for ci/test', data: { requiredBy: { 'ci/test': ['reported by CI (nothing required)'] } } });
    expect(await run('await-checks', target, { options: { required: ['ci/test'] } })).toMatchObject({ kind: 'wait', data: { requiredBy: { 'ci/test': ["the step's required list"] } } });
  });

  test('pending past the timeout asks a person', async () => {
    const repo = seed('slow', { ci: { checks: ['ci/test'], outcome: 'manual', durationMs: 0 } });
    const target = await opened(repo);
    const first = await run('await-checks', target, { options: { timeout: '10m', pollEvery: '1m' } });
    expect(first).toMatchObject({ kind: 'wait', until: h.now() + 60_000 });
    h.fake.state.advance(11 * 60_000);
    const late = await run('await-checks', target, { state: (first as { data: Record<string, unknown> }).data, options: { timeout: '10m' } });
    expect(late.kind).toBe('needs-human');
  });
});

describe('compliance', () => {
  test('every failing rule is reported with its evidence', async () => {
    const repo = seed('strict', { files: { 'package.json': PACKAGE_JSON } });
    const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
    const result = await run('compliance', target, {
      options: { rules: ['codeowners', 'allowed-paths', 'diff-size', 'required-labels', 'required-reviews'], allowedPaths: ['src/**'], maxChangedLines: 1, requiredLabels: ['security'], requiredApprovals: 1 },
    });
    expect(result.kind).toBe('needs-human');
    const results = (result.data as { results: { rule: string; pass: boolean; evidence: Record<string, unknown> }[] }).results;
    expect(Object.fromEntries(results.map((r) => [r.rule, r.pass]))).toEqual({ codeowners: false, 'allowed-paths': false, 'diff-size': false, 'required-labels': false, 'required-reviews': false });
    expect(results.find((r) => r.rule === 'allowed-paths')!.evidence.outside).toEqual(['package.json']);
    expect(results.find((r) => r.rule === 'required-labels')!.evidence.missing).toEqual(['security']);
  });
});

describe('merge', () => {
  test('a head that moved after the checks is never merged', async () => {
    const repo = seed('moved');
    const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'fleet/bump-lodash', message: 'push', files: [{ path: 'x.txt', content: 'x' }] });
    const result = await run('merge', target);
    expect(result.kind).toBe('needs-human');
    expect(h.fake.state.listPulls()[0]).toMatchObject({ merged: false });
  });

  test('blocked (405) waits and retries, then asks a person naming what is missing', async () => {
    // A required check still running when merge is asked (await-checks did not run): GitHub says blocked.
    const repo = seed('protected', { protection: { requiredChecks: ['ci/test'] } });
    const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
    let state: Record<string, unknown> = {};
    const kinds: string[] = [];
    let last: StepResult | undefined;
    for (let i = 0; i < 6 && last?.kind !== 'needs-human'; i++) {
      last = await run('merge', target, { state, options: { notMergeableRetries: 2 } });
      kinds.push(last.kind);
      state = (last as { data?: Record<string, unknown> }).data ?? {};
    }
    expect(kinds).toEqual(['wait', 'wait', 'needs-human']);
    expect(last).toMatchObject({
      kind: 'needs-human',
      reason: `GitHub will not merge PR #1 in ${repo}: main's branch protection is not satisfied: the required check \`ci/test\` has not passed yet. Wait for the check to pass, then retry; or skip the target.`,
      data: { mergeableState: 'blocked' },
    });
    expect(h.fake.state.listPulls()[0]).toMatchObject({ merged: false });
  });

  test('close closes the PR and deletes the branch, once', async () => {
    const repo = seed('closing');
    const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
    expect(await run('close', target)).toMatchObject({ kind: 'done', data: { closed: true, branchDeleted: true } });
    expect(await run('close', target)).toMatchObject({ kind: 'done', data: { closed: true, branchDeleted: false }, events: [] });
    expect(h.fake.state.listPulls()[0]).toMatchObject({ state: 'closed', merged: false });
  });

  test('close finds the PR of a target abandoned while open-pr was opening it (no PR number recorded)', async () => {
    const repo = seed('inflight');
    const target = makeTarget(repo);
    // open-pr ran, but its result never reached the target: the skip or abort won the race.
    expect(await run('open-pr', target)).toMatchObject({ kind: 'done' });
    expect(target.prNumber).toBeNull();
    expect(await run('close', target)).toMatchObject({ kind: 'done', data: { closed: true, branchDeleted: true } });
    expect(h.fake.state.listPulls()[0]).toMatchObject({ state: 'closed', merged: false });
    // A target that never got as far as a PR: nothing to close, and nothing written.
    const untouched = makeTarget(seed('untouched'));
    const writes = writesIn(h.fake).length;
    expect(await run('close', untouched)).toMatchObject({ kind: 'done', data: { note: 'no PR to close' } });
    expect(writesIn(h.fake)).toHaveLength(writes);
  });

  test('close says on the PR who closed it and why, once; a merged PR is never closed', async () => {
    const repo = seed('told');
    const target = applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
    const state = { cause: 'abort', actor: 'U024BE7LH', reason: 'superseded by v2' };
    expect(await run('close', target, { state })).toMatchObject({ kind: 'done', data: { closed: true } });
    const [pull] = h.fake.state.listPulls();
    const comments = async () => (await h.octokit.rest.issues.listComments({ owner: 'acme', repo: 'told', issue_number: pull.number })).data.map((c) => c.body);
    expect(await comments()).toEqual([
      'Fleet closed this PR: Slack user U024BE7LH aborted campaign bump-lodash (c-1). Reason: superseded by v2\n\n<!-- fleet:close campaign=c-1 target=acme/told -->\n',
    ]);
    // Reopened, then closed again by a run after a crash: the comment is not repeated.
    await h.octokit.rest.pulls.update({ owner: 'acme', repo: 'told', pull_number: pull.number, state: 'open' });
    await run('close', target, { state });
    expect(await comments()).toHaveLength(1);
    expect(h.fake.state.listPulls()[0]).toMatchObject({ state: 'closed' });

    const mergedRepo = seed('landed');
    let merged = applyResult(makeTarget(mergedRepo), await run('open-pr', makeTarget(mergedRepo)));
    h.fake.state.advance(60_000);
    merged = applyResult(merged, await run('merge', merged));
    const writes = writesIn(h.fake).length;
    expect(await run('close', merged, { state })).toMatchObject({ kind: 'done', data: { note: 'already merged; revert it instead of closing' } });
    expect(writesIn(h.fake)).toHaveLength(writes);
  });
});

describe('merge refusals are told apart by the PR\'s mergeable_state', () => {
  const TWO_DEPS = '{\n  "name": "api",\n  "dependencies": {\n    "left-pad": "^1.1.0",\n    "lodash": "^4.17.15"\n  }\n}\n';
  const lodash = makeSpec();
  const leftPad = makeSpec({ name: 'bump-left-pad', change: { kind: 'npm-dependency', options: { package: 'left-pad', version: '^1.3.0' } } });

  async function runFor(campaign: ReturnType<typeof makeSpec>, kind: 'open-pr' | 'await-checks' | 'merge', target: TargetRecord, state: Record<string, unknown> = {}, options: Record<string, unknown> = {}): Promise<StepResult> {
    const step = { 'open-pr': openPrStep, 'await-checks': awaitChecksStep, merge: mergeStep }[kind];
    // Two campaigns, two ids: each PR carries its own campaign's marker.
    const ctx = makeContext({ kind, spec: campaign, target, deps: { github: h.github }, now: h.now(), state, options });
    return step.run({ ...ctx, campaign: makeCampaign(campaign, campaign.name === 'bump-lodash' ? 'c-1' : 'c-2') });
  }

  /** Runs merge as the engine would, feeding each result's data back, until it stops waiting. */
  async function mergeUntilSettled(campaign: ReturnType<typeof makeSpec>, target: TargetRecord, options: Record<string, unknown> = {}): Promise<StepResult> {
    let state: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) {
      const result = await runFor(campaign, 'merge', target, state, options);
      if (result.kind !== 'wait') return result;
      state = result.data ?? {};
    }
    throw new Error('merge kept waiting');
  }

  test('two campaigns change the same package.json: the second is named a conflict, and its retry from open-pr rebuilds it on the new main and merges', async () => {
    const repo = seed('shared', { files: { 'package.json': TWO_DEPS }, protection: { requiredChecks: ['ci/test'], requiredApprovals: 0 } });
    let a = applyResult(makeTarget(repo), await runFor(lodash, 'open-pr', makeTarget(repo)));
    const b = applyResult(makeTarget(repo), await runFor(leftPad, 'open-pr', makeTarget(repo)));
    expect([a.prNumber, b.prNumber]).toEqual([1, 2]);
    h.fake.state.advance(60_000);
    expect(await mergeUntilSettled(leftPad, b)).toMatchObject({ kind: 'done' });

    const refused = await mergeUntilSettled(lodash, a);
    expect(refused).toMatchObject({
      kind: 'needs-human',
      reason: `PR #1 in ${repo} has a merge conflict with main: commits added to main since the PR was made change the same files (GitHub: "Pull Request is not mergeable"). Retry regenerates the change on the new main and updates the PR; or skip the target.`,
      data: { mergeableState: 'dirty', rebuild: 'dirty' },
    });
    expect(h.fake.state.listPulls().find((p) => p.number === 1)).toMatchObject({ merged: false, state: 'open' });

    // Retry: open-pr runs again with the rebuild mark the campaign service leaves on it.
    const rebuilt = await runFor(lodash, 'open-pr', a, { rebuild: 'dirty' });
    expect(rebuilt).toMatchObject({ kind: 'done', events: [{ kind: 'pr.rebuilt', data: { prNumber: 1, rebuild: 'dirty' } }] });
    a = applyResult(a, rebuilt);
    const onBranch = h.fake.state.readFiles('acme', 'shared', 'fleet/bump-lodash')['package.json'];
    expect(onBranch).toContain('"left-pad": "^1.3.0"');
    expect(onBranch).toContain('"lodash": "^4.17.21"');
    h.fake.state.advance(60_000);
    expect(await runFor(lodash, 'await-checks', a)).toMatchObject({ kind: 'done' });
    expect(await mergeUntilSettled(lodash, a)).toMatchObject({ kind: 'done' });
    const main = h.fake.state.readFiles('acme', 'shared')['package.json'];
    expect(main).toContain('"left-pad": "^1.3.0"');
    expect(main).toContain('"lodash": "^4.17.21"');
    expect(h.fake.state.listPulls().filter((p) => p.merged).map((p) => p.number).sort()).toEqual([1, 2]);
  });

  test('behind a base that requires up-to-date branches and signed commits: named, not waited on, and mended by the same rebuild', async () => {
    // Signed commits are required, so Fleet does not let update-branch write the PR's head: the rebuild path mends it.
    const repo = seed('strict', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 0, strict: true, requiredSignatures: true } });
    let a = applyResult(makeTarget(repo), await runFor(lodash, 'open-pr', makeTarget(repo)));
    h.fake.state.advance(60_000);
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'docs', files: [{ path: 'README.md', content: '# strict\n' }] });
    const refused = await mergeUntilSettled(lodash, a, { notMergeableRetries: 5 });
    expect(refused).toMatchObject({
      kind: 'needs-human',
      reason: `PR #1 in ${repo} is behind main, and main's rules require branches to be up to date before merging. Retry rebuilds the change on the new main and updates the PR; or skip the target.`,
      data: { mergeableState: 'behind', rebuild: 'behind', notMergeable: 1 },
    });
    a = applyResult(a, await runFor(lodash, 'open-pr', a, { rebuild: 'behind' }));
    h.fake.state.advance(60_000);
    expect(await mergeUntilSettled(lodash, a)).toMatchObject({ kind: 'done' });
    expect(h.fake.state.readFiles('acme', 'strict')['README.md']).toBe('# strict\n');
  });

  test('mergeable still null after the refusal: read again shortly, without merging again, then told apart', async () => {
    const repo = seed('computing', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 0 } });
    const a = applyResult(makeTarget(repo), await runFor(lodash, 'open-pr', makeTarget(repo)));
    h.fake.state.advance(60_000);
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'conflicting', files: [{ path: 'package.json', content: PACKAGE_JSON.replace('4.17.15', '4.17.20') }] });
    // GitHub has not finished computing when Fleet reads the PR after the 405.
    let reads = 0;
    const github = { ...h.github, getMergeability: async (r: string, n: number) => (++reads === 1 ? { mergeable: null, state: 'unknown', draft: false } : h.github.getMergeability(r, n)) };
    const step = (state: Record<string, unknown>) => mergeStep.run(makeContext({ kind: 'merge', spec: lodash, target: a, deps: { github }, now: h.now(), state }));
    const first = await step({});
    expect(first).toMatchObject({ kind: 'wait', reason: 'GitHub is working out whether PR #1 can be merged', data: { computing: 1, notMergeable: 0 } });
    expect((first as { until: number }).until - h.now()).toBeLessThanOrEqual(5_000);
    const merges = () => writesIn(h.fake).filter((w) => w.startsWith('PUT') && w.endsWith('/merge')).length;
    const before = merges();
    expect(before).toBe(1);
    const second = await step((first as { data: Record<string, unknown> }).data);
    expect(merges()).toBe(before);
    expect(second).toMatchObject({ kind: 'needs-human', data: { mergeableState: 'dirty', rebuild: 'dirty' } });
  });

  test('a draft PR is marked ready for review, then merged', async () => {
    const draft = makeSpec({ pr: { title: 'Bump lodash in {{repo}}', body: 'x', labels: [], draft: true } });
    const repo = seed('drafty');
    const a = applyResult(makeTarget(repo), await runFor(draft, 'open-pr', makeTarget(repo)));
    expect(h.fake.state.listPulls().find((p) => p.repo === repo)?.mergeableState).toBe('draft');
    h.fake.state.advance(60_000);
    const result = await mergeUntilSettled(draft, a);
    expect(result).toMatchObject({ kind: 'done', data: { method: 'squash', via: 'api' } });
    expect(result.events?.map((e) => e.kind)).toEqual(['pr.ready-for-review', 'pr.merged']);
    expect(h.fake.state.listPulls().find((p) => p.repo === repo)?.merged).toBe(true);
  });

  test('blocked by a failing required check names the check', async () => {
    const repo = seed('red', { ci: { checks: ['ci/test'], outcome: 'fail', durationMs: 60_000 } });
    const a = applyResult(makeTarget(repo), await runFor(lodash, 'open-pr', makeTarget(repo)));
    h.fake.state.advance(60_000);
    expect(await mergeUntilSettled(lodash, a, { notMergeableRetries: 0 })).toMatchObject({
      kind: 'needs-human',
      reason: `GitHub will not merge PR #1 in ${repo}: main's branch protection is not satisfied: the required check \`ci/test\` failed. Fix or re-run the failing check, then retry; or skip the target.`,
    });
  });

  test('unstable names the failing checks that are not required', async () => {
    const repo = seed('wobbly', { protection: { requiredChecks: ['ci/test'] }, ci: { checks: ['ci/test', 'lint'], outcome: 'pass', durationMs: 60_000, failWhen: (files) => 'x' in files } });
    const a = applyResult(makeTarget(repo), await runFor(lodash, 'open-pr', makeTarget(repo)));
    h.fake.state.advance(60_000);
    // The fake, like GitHub, merges an unstable PR; the sentence is for a 405 a ruleset gives one.
    const refusal = await explainRefusal(h.github, { repo, number: 1, base: 'main', githubReason: 'Repository rule violations found' }, { mergeable: true, state: 'unstable', draft: false }, a.headSha!);
    expect(refusal).toMatchObject({ final: false, state: 'unstable' });
    expect(refusal.reason).toBe(`GitHub will not merge PR #1 in ${repo} (GitHub: "Repository rule violations found"): checks that main does not require are failing. Fix or re-run them, then retry; or skip the target.`);
  });
});
