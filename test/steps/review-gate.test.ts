import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { mergeStep } from '../../src/steps/merge.js';
import { assessReviews, reviewGate } from '../../src/steps/review-gate.js';
import type { StepResult } from '../../src/steps/types.js';
import type { BranchRules, RequiredReviews, Review } from '../../src/github/gateway.js';
import type { TargetRecord } from '../../src/store/store.js';
import type { SeedRepoInput } from '../../src/sandbox/github/server.js';
import type { MergeOptions } from '../../src/domain/step-options.js';
import type { StepContext } from '../../src/steps/types.js';
import type { GitHubStepDeps } from '../../src/github/gateway.js';
import { startHarness, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget, PACKAGE_JSON, seedPackageRepo } from './context.js';

const DAY = 86_400_000;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.fake.state.addTeam('acme', 'payments', ['payments-lead']);
});
afterEach(async () => {
  await h.close();
});

function seed(name: string, extra: Partial<SeedRepoInput> = {}): string {
  return seedPackageRepo(h, name, { files: { 'package.json': PACKAGE_JSON, '.github/CODEOWNERS': '* @alice\npackage.json @acme/payments\n', 'src/index.ts': 'export {};\n' }, ...extra });
}

const spec = makeSpec({ steps: ['open-pr', 'merge'] });

function mergeContext(target: TargetRecord, state: Record<string, unknown> = {}, options: Record<string, unknown> = {}): StepContext<MergeOptions, GitHubStepDeps> {
  return makeContext({ kind: 'merge', spec, target, deps: { github: h.github }, now: h.now(), state, options });
}

async function opened(repo: string): Promise<TargetRecord> {
  const target = makeTarget(repo);
  const result = await openPrStep.run(makeContext({ kind: 'open-pr', spec, target, deps: { github: h.github }, now: h.now() }));
  expect(result.kind).toBe('done');
  h.fake.state.advance(60_000);
  return applyResult(target, result);
}

const RULESET = { kind: 'ruleset' as const, name: 'main', id: 12 };
function codeOwnerRules(reviews: Partial<RequiredReviews> = {}): BranchRules {
  return {
    protected: true,
    requiredChecks: [],
    upToDate: { required: false, by: [] },
    reviews: { count: 1, codeOwner: true, lastPushApproval: false, dismissStale: false, by: [RULESET], ...reviews },
    signatures: { required: false, by: [] },
    linearHistory: { required: false, by: [] },
    mergeQueue: null,
  };
}
const pullRequestRule = { type: 'pull_request' as const, parameters: { required_approving_review_count: 1, require_code_owner_review: true, require_last_push_approval: false, dismiss_stale_reviews_on_push: false, required_review_thread_resolution: false } };

describe('the merge step and required reviews (classic protection)', () => {
  test('waits visibly, naming who was asked, tells review.waiting once per head, and merges once approved', async () => {
    const repo = seed('api', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 1 } });
    const target = await opened(repo);
    const first = await mergeStep.run(mergeContext(target));
    // open-pr asked the code owner of package.json (@acme/payments) for a review.
    expect(first).toMatchObject({ kind: 'wait', reason: 'waiting for a review from @acme/payments (required by branch protection): 0 of 1 approvals' });
    expect(first.events).toEqual([{ kind: 'review.waiting', data: expect.objectContaining({ prNumber: 1, asked: ['@acme/payments'], approvals: 0, required: 1, by: ['branch protection'] }) }]);
    // No merge was asked for while the review is missing.
    expect(h.fake.requestLog.filter((r) => r.route === '/repos/{owner}/{repo}/pulls/{pull_number}/merge')).toEqual([]);
    const state = (first as { data: Record<string, unknown> }).data;
    expect(state.review).toMatchObject({ since: h.now(), asked: ['@acme/payments'] });

    h.fake.state.advance(60 * 60_000);
    const second = await mergeStep.run(mergeContext(target, state));
    expect(second.kind).toBe('wait');
    expect(second.events).toBeUndefined();
    expect(((second as { data: Record<string, unknown> }).data.review as { since: number }).since).toBe((state.review as { since: number }).since);

    h.fake.state.submitReview({ owner: 'acme', repo: 'api', number: 1, login: 'bob', event: 'APPROVE' });
    const merged = await mergeStep.run(mergeContext(target, (second as { data: Record<string, unknown> }).data));
    expect(merged).toMatchObject({ kind: 'done', events: [{ kind: 'pr.merged' }] });
    expect(h.fake.state.listPulls()[0]).toMatchObject({ merged: true });
  });

  test('changes requested go to a person with a link to the review and who asked', async () => {
    const repo = seed('api', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 1 } });
    const target = await opened(repo);
    h.fake.state.submitReview({ owner: 'acme', repo: 'api', number: 1, login: 'alice', event: 'APPROVE' });
    const review = h.fake.state.submitReview({ owner: 'acme', repo: 'api', number: 1, login: 'bob', event: 'REQUEST_CHANGES', body: 'pin it instead' });
    const result = await mergeStep.run(mergeContext(target));
    expect(result).toMatchObject({
      kind: 'needs-human',
      reason: `@bob requested changes on PR #1 in acme/api (${review.htmlUrl}); address the review, or ask for it to be dismissed, then retry; or skip the target.`,
      events: [{ kind: 'review.changes-requested', data: { prNumber: 1, by: ['@bob'], reviewId: review.id, url: review.htmlUrl } }],
    });
    expect(h.fake.state.listPulls()[0]).toMatchObject({ merged: false });
  });

  test('a review waited for longer than reviewTimeout goes to a person, and a Retry starts a new wait', async () => {
    const repo = seed('api', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 1 } });
    const target = await opened(repo);
    const first = (await mergeStep.run(mergeContext(target, {}, { reviewTimeout: '2d' }))) as Extract<StepResult, { kind: 'wait' }>;
    expect(first.until).toBe(h.now() + 10 * 60_000);
    h.fake.state.advance(2 * DAY);
    const late = await mergeStep.run(mergeContext(target, first.data, { reviewTimeout: '2d' }));
    expect(late).toMatchObject({ kind: 'needs-human', reason: 'PR #1 in acme/api has waited 48h for a review from @acme/payments (required by branch protection); ask them to review it, then retry; or skip the target.', events: [{ kind: 'review.timeout' }] });
    const retried = await mergeStep.run(mergeContext(target, (late as { data: Record<string, unknown> }).data, { reviewTimeout: '2d' }));
    expect(retried).toMatchObject({ kind: 'wait', data: { review: { since: h.now() } } });
  });
});

describe('the merge step and a ruleset that requires a code owner', () => {
  test('the rules are read from GitHub: the wait names the team, the file and the ruleset, and the sandbox code owner’s approval lets it merge', async () => {
    const repo = seed('pay', { rulesets: [{ name: 'main', rules: [pullRequestRule] }], reviewers: [{ login: 'payments-lead', afterMs: 20 * 60_000 }] });
    const target = await opened(repo);
    const rulesetId = (await h.octokit.rest.repos.getRepoRulesets({ owner: 'acme', repo: 'pay' })).data[0].id;
    const waiting = await mergeStep.run(mergeContext(target));
    expect(waiting).toMatchObject({ kind: 'wait', reason: `waiting for a review from @acme/payments (code owner of package.json, required by ruleset "main" (#${rulesetId})): 0 of 1 approvals, code owner review` });
    expect(waiting.events?.[0]).toMatchObject({ kind: 'review.waiting', data: { asked: ['@acme/payments'], paths: ['package.json'], by: [`ruleset "main" (#${rulesetId})`] } });
    h.fake.state.advance(20 * 60_000);
    const merged = await mergeStep.run(mergeContext(target, (waiting as { data: Record<string, unknown> }).data));
    expect(merged).toMatchObject({ kind: 'done', events: [{ kind: 'pr.merged' }] });
  });
});

describe('the review gate with a code-owner rule', () => {
  test('names the owning team, the files and the ruleset; a non-owner approval is not enough; a team member’s is', async () => {
    const repo = seed('pay', { rulesets: [{ name: 'main', rules: [pullRequestRule] }] });
    const target = await opened(repo);
    const rules = codeOwnerRules();
    const pr = (await h.github.getPr(repo, 1))!;
    const waiting = await reviewGate(mergeContext(target), pr, rules);
    expect(waiting).toMatchObject({ kind: 'wait', reason: 'waiting for a review from @acme/payments (code owner of package.json, required by ruleset "main" (#12)): 0 of 1 approvals, code owner review' });

    h.fake.state.submitReview({ owner: 'acme', repo: 'pay', number: 1, login: 'alice', event: 'APPROVE' });
    const still = await reviewGate(mergeContext(target), pr, rules);
    expect(still).toMatchObject({ kind: 'wait', reason: 'waiting for a review from @acme/payments (code owner of package.json, required by ruleset "main" (#12)): code owner review' });
    // GitHub agrees: alice owns the other files, not package.json.
    expect(await h.github.mergePr({ repo, number: 1, sha: pr.headSha, method: 'squash' })).toMatchObject({ kind: 'not-mergeable', reason: expect.stringContaining('Waiting on code owner review from @acme/payments.') });

    h.fake.state.submitReview({ owner: 'acme', repo: 'pay', number: 1, login: 'payments-lead', event: 'APPROVE' });
    expect(await reviewGate(mergeContext(target), pr, rules)).toBeUndefined();
    expect(await h.github.mergePr({ repo, number: 1, sha: pr.headSha, method: 'squash' })).toMatchObject({ kind: 'merged' });
  });

  test('the sandbox code owner approves some time after open-pr asked their team; the gate then lets the merge through', async () => {
    const repo = seed('pay', { rulesets: [{ name: 'main', rules: [pullRequestRule] }], reviewers: [{ login: 'payments-lead', afterMs: 20 * 60_000 }] });
    const target = await opened(repo);
    const pr = (await h.github.getPr(repo, 1))!;
    expect(pr.requestedTeams).toEqual(['payments']);
    expect((await reviewGate(mergeContext(target), pr, codeOwnerRules()))?.kind).toBe('wait');
    h.fake.state.advance(20 * 60_000);
    expect(await reviewGate(mergeContext(target), pr, codeOwnerRules())).toBeUndefined();
  });

  test('no review rule: the gate asks nothing of GitHub', async () => {
    const repo = seed('free');
    const target = await opened(repo);
    const pr = (await h.github.getPr(repo, 1))!;
    const before = h.fake.requestLog.length;
    expect(await reviewGate(mergeContext(target), pr, { ...codeOwnerRules(), reviews: null })).toBeUndefined();
    expect(h.fake.requestLog.length).toBe(before);
  });
});

describe('approvals counted as the rules count them', () => {
  const review = (user: string, state: string, commitId = 'head', id = 1): Review => ({ id, url: `https://github.com/acme/api/pull/1#pullrequestreview-${id}`, user, state, commitId, submittedAt: null });
  const rules = (extra: Partial<RequiredReviews> = {}): RequiredReviews => ({ count: 1, codeOwner: false, lastPushApproval: false, dismissStale: false, by: [], ...extra });
  const assess = (reviews: Review[], extra: Partial<RequiredReviews> = {}, owned: { path: string; owners: string[] }[] = []) =>
    assessReviews({ rules: rules(extra), reviews, author: 'fleet-bot', headSha: 'head', owned, members: new Map([['@acme/payments', ['payments-lead']]]) });

  test('the latest decisive review of each reviewer; comments decide nothing; a dismissal withdraws', () => {
    expect(assess([review('a', 'APPROVED'), review('a', 'COMMENTED')]).met).toBe(true);
    expect(assess([review('a', 'APPROVED'), review('a', 'DISMISSED')]).met).toBe(false);
    expect(assess([review('a', 'CHANGES_REQUESTED'), review('a', 'APPROVED')]).met).toBe(true);
    expect(assess([review('a', 'APPROVED'), review('b', 'CHANGES_REQUESTED')]).changesRequested.map((r) => r.user)).toEqual(['b']);
    expect(assess([review('a', 'APPROVED'), review('a', 'APPROVED')], { count: 2 }).met).toBe(false);
  });

  test('the author’s reviews never count; stale approvals do not count when dismissal is on; last-push approval needs the head', () => {
    expect(assess([review('fleet-bot', 'APPROVED')]).met).toBe(false);
    expect(assess([review('a', 'APPROVED', 'old')]).met).toBe(true);
    expect(assess([review('a', 'APPROVED', 'old')], { dismissStale: true }).met).toBe(false);
    expect(assess([review('a', 'APPROVED', 'old')], { lastPushApproval: true }).lastPushApproved).toBe(false);
    expect(assess([review('a', 'APPROVED', 'old'), review('b', 'APPROVED')], { lastPushApproval: true }).met).toBe(true);
  });

  test('every owned file needs an approval by one of its owners, a team’s member counting for the team', () => {
    const owned = [
      { path: 'package.json', owners: ['@acme/payments'] },
      { path: 'src/index.ts', owners: ['@alice'] },
    ];
    expect(assess([review('alice', 'APPROVED')], { codeOwner: true }, owned).ownersWaiting).toEqual([{ owner: '@acme/payments', paths: ['package.json'] }]);
    expect(assess([review('alice', 'APPROVED'), review('payments-lead', 'APPROVED')], { codeOwner: true }, owned).met).toBe(true);
  });
});
