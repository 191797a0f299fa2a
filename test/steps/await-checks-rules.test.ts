import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { awaitChecksStep } from '../../src/steps/await-checks.js';
import { mergeStep } from '../../src/steps/merge.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import type { SeedRepoInput } from '../../src/sandbox/github/server.js';
import { startHarness, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget, seedPackageRepo } from './context.js';

/**
 * The checks step against rulesets and repositories without required checks, over real HTTP: a
 * check a ruleset requires is waited for (and the evidence says which rule asked), a repository
 * that requires nothing still has its CI awaited, and one without CI is recorded as such.
 */


let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function seed(name: string, extra: Partial<SeedRepoInput> = {}): string {
  return seedPackageRepo(h, name, { ci: { checks: ['build', 'test'], outcome: 'pass', durationMs: 60_000 }, ...extra });
}

const spec = makeSpec();
const dataOf = (result: StepResult) => (result as { data: Record<string, unknown> }).data;

async function run(kind: 'open-pr' | 'await-checks' | 'merge', target: TargetRecord, opts: { state?: Record<string, unknown>; options?: Record<string, unknown> } = {}): Promise<StepResult> {
  const step = { 'open-pr': openPrStep, 'await-checks': awaitChecksStep, merge: mergeStep }[kind];
  return step.run(makeContext({ kind, spec, target, deps: { github: h.github }, now: h.now(), state: opts.state, options: opts.options }));
}

async function opened(repo: string): Promise<TargetRecord> {
  return applyResult(makeTarget(repo), await run('open-pr', makeTarget(repo)));
}

describe('await-checks and the branch rules', () => {
  test('a check a ruleset requires is waited for, and the evidence names the ruleset (and classic protection where both ask)', async () => {
    const repo = seed('ruled', {
      protection: { requiredChecks: ['build'] },
      rulesets: [{ name: 'main', rules: [{ type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'build' }, { context: 'test' }], strict_required_status_checks_policy: false } }] }],
    });
    const [ruleset] = (await h.octokit.rest.repos.getRepoRulesets({ owner: 'acme', repo: 'ruled' })).data;
    const target = await opened(repo);
    const waiting = await run('await-checks', target);
    expect(waiting).toMatchObject({ kind: 'wait', reason: `waiting for build (required by branch protection and ruleset "main" (#${ruleset.id})); test (required by ruleset "main" (#${ruleset.id}))` });
    h.fake.state.advance(60_000);
    const done = await run('await-checks', target, { state: dataOf(waiting) });
    expect(done).toMatchObject({ kind: 'done', patch: { signals: { checks: { value: 1 } } } });
    expect(dataOf(done).requiredBy).toEqual({ build: ['branch protection', `ruleset "main" (#${ruleset.id})`], test: [`ruleset "main" (#${ruleset.id})`] });
  });

  test('without the ruleset the same repository would have required nothing: an evaluate ruleset requires nothing, so CI is awaited all the same', async () => {
    const repo = seed('evaluating', {
      rulesets: [{ name: 'trial', enforcement: 'evaluate', rules: [{ type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'build' }], strict_required_status_checks_policy: false } }] }],
    });
    expect((await h.github.getBranchRules(repo, 'main')).requiredChecks).toEqual([]);
    const target = await opened(repo);
    const waiting = await run('await-checks', target);
    expect(waiting).toMatchObject({ kind: 'wait', reason: 'waiting for build, test' });
    expect(dataOf(waiting).requiredBy).toEqual({ build: ['reported by CI (nothing required)'], test: ['reported by CI (nothing required)'] });
    // Not merged before CI has run: the step has not finished, so nothing downstream runs.
    h.fake.state.advance(60_000);
    const done = await run('await-checks', target, { state: dataOf(waiting) });
    expect(done).toMatchObject({ kind: 'done', events: [{ kind: 'checks.passed' }] });
  });

  test('nothing required and a check the change breaks: judged like a required one (re-run once, then failed)', async () => {
    const repo = seed('unprotected', { ci: { checks: ['build', 'test'], outcome: 'pass', durationMs: 60_000, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const target = await opened(repo);
    h.fake.state.advance(60_000);
    const rerun = await run('await-checks', target, { state: { startedAt: h.now() } });
    expect(rerun).toMatchObject({ kind: 'wait', events: [{ kind: 'checks.rerun' }] });
    h.fake.state.advance(60_000);
    const failed = await run('await-checks', target, { state: dataOf(rerun) });
    expect(failed).toMatchObject({ kind: 'failed', retryable: false, patch: { signals: { checks: { value: 0 } } } });
  });

  test('no CI: waits `settle` for a first check, then is done as a repository without CI (0.5, never "passed")', async () => {
    const repo = seed('no-ci', { ci: undefined });
    const target = await opened(repo);
    const first = await run('await-checks', target, { options: { settle: '2m', pollEvery: '30s' } });
    expect(first).toMatchObject({ kind: 'wait', until: h.now() + 30_000 });
    expect((first as { reason: string }).reason).toContain('none has appeared yet');
    h.fake.state.advance(60_000);
    const still = await run('await-checks', target, { state: dataOf(first), options: { settle: '2m', pollEvery: '5m' } });
    // Polling never passes the settle deadline.
    expect(still).toMatchObject({ kind: 'wait', until: (dataOf(first).startedAt as number) + 120_000 });
    h.fake.state.advance(60_000);
    const done = await run('await-checks', target, { state: dataOf(first), options: { settle: '2m' } });
    expect(done).toMatchObject({ kind: 'done', patch: { signals: { checks: { value: 0.5, evidence: { noCi: true, settle: '120s' } } } }, events: [{ kind: 'checks.no-ci' }] });
    expect(done.events?.some((e) => e.kind === 'checks.passed')).toBe(false);
  });

  test('settle defaults to two minutes', async () => {
    const repo = seed('no-ci-default', { ci: undefined });
    const target = await opened(repo);
    const first = await run('await-checks', target, { options: { pollEvery: '10m' } });
    expect(first).toMatchObject({ kind: 'wait', until: h.now() + 120_000 });
  });
});
