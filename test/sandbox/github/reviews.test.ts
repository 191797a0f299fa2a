import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Octokit } from '@octokit/rest';
import { startFakeGitHub, type FakeGitHub, type SeedRepoInput } from '../../../src/sandbox/github/server.js';
import type { RulesetRule } from '../../../src/sandbox/github/rulesets.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const TOKENS = { 'bot-token': 'fleet-bot', 'alice-token': 'alice', 'bob-token': 'bob', 'lead-token': 'payments-lead' };

let fake: FakeGitHub;
let bot: Octokit;
let alice: Octokit;
let bob: Octokit;
let lead: Octokit;

beforeEach(async () => {
  fake = await startFakeGitHub({ port: 0, now: () => Date.UTC(2025, 0, 6, 9), tokens: TOKENS, log: () => undefined });
  const client = (auth: string) => new Octokit({ baseUrl: fake.url, auth, request: { retries: 0 }, log: quiet });
  bot = client('bot-token');
  alice = client('alice-token');
  bob = client('bob-token');
  lead = client('lead-token');
  fake.state.addTeam('acme', 'payments', ['payments-lead']);
});
afterEach(async () => {
  await fake.close();
});

function pullRequestRule(parameters: Partial<Extract<RulesetRule, { type: 'pull_request' }>['parameters']>): RulesetRule {
  return {
    type: 'pull_request',
    parameters: { required_approving_review_count: 1, require_code_owner_review: false, require_last_push_approval: false, dismiss_stale_reviews_on_push: false, required_review_thread_resolution: false, ...parameters },
  };
}

function seed(extra: Partial<SeedRepoInput> = {}): { owner: string; repo: string } {
  fake.state.seedRepo({
    owner: 'acme',
    name: 'api',
    files: { 'package.json': '{ "name": "api" }\n', 'src/index.ts': 'export {};\n', '.github/CODEOWNERS': '* @alice\npackage.json @acme/payments\n' },
    ...extra,
  });
  return { owner: 'acme', repo: 'api' };
}

/** A commit of `files` on `branch` (created from main, or moved forward), through the git data API. */
async function commit(repo: { owner: string; repo: string }, branch: string, files: Record<string, string>): Promise<string> {
  const exists = await bot.rest.git.getRef({ ...repo, ref: `heads/${branch}` }).then((r) => r.data.object.sha, () => undefined);
  const parent = exists ?? (await bot.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
  const base = (await bot.rest.git.getCommit({ ...repo, commit_sha: parent })).data.tree.sha;
  const tree = await bot.rest.git.createTree({ ...repo, base_tree: base, tree: Object.entries(files).map(([path, content]) => ({ path, mode: '100644' as const, type: 'blob' as const, content })) });
  const made = await bot.rest.git.createCommit({ ...repo, message: 'change', tree: tree.data.sha, parents: [parent] });
  if (exists) await bot.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha: made.data.sha });
  else await bot.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: made.data.sha });
  return made.data.sha;
}

async function openPull(repo: { owner: string; repo: string }, files: Record<string, string>): Promise<number> {
  await commit(repo, 'fleet/change', files);
  return (await bot.rest.pulls.create({ ...repo, title: 'Change', head: 'fleet/change', base: 'main' })).data.number;
}

/** GitHub computes mergeability in the background: the first read starts it, the second has it. */
async function mergeableState(repo: { owner: string; repo: string }, pull_number: number): Promise<string> {
  await bot.rest.pulls.get({ ...repo, pull_number });
  return (await bot.rest.pulls.get({ ...repo, pull_number, headers: { 'if-none-match': '' } })).data.mergeable_state;
}

async function refusal(repo: { owner: string; repo: string }, pull_number: number): Promise<{ status: number; message: string }> {
  return bot.rest.pulls.merge({ ...repo, pull_number }).then(
    () => ({ status: 200, message: 'merged' }),
    (error: { status: number; response: { data: { message: string } } }) => ({ status: error.status, message: error.response.data.message }),
  );
}

describe('required reviews from classic protection', () => {
  test('approvals are counted per reviewer by their latest decisive review, and the author’s own is refused', async () => {
    const repo = seed({ protection: { requiredChecks: [], requiredApprovals: 2 } });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    expect(await mergeableState(repo, number)).toBe('blocked');
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'COMMENT', body: 'one more look' });
    // A comment after an approval leaves it standing, and a second approval by the same person is still one.
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await refusal(repo, number)).toEqual({ status: 405, message: 'At least 2 approving reviews are required by reviewers with write access.' });
    await expect(bot.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' })).rejects.toMatchObject({ status: 422 });
    await bob.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await mergeableState(repo, number)).toBe('clean');
    expect((await refusal(repo, number)).status).toBe(200);
  });

  test('changes requested block until the same reviewer approves, and each review has its html_url', async () => {
    const repo = seed({ protection: { requiredChecks: [], requiredApprovals: 1 } });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    await bob.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    const changes = await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'REQUEST_CHANGES', body: 'not this way' });
    expect(changes.data.html_url).toBe(`${fake.url}/acme/api/pull/${number}#pullrequestreview-${changes.data.id}`);
    expect(await mergeableState(repo, number)).toBe('blocked');
    expect(await refusal(repo, number)).toEqual({ status: 405, message: 'Changes requested by reviewers with write access.' });
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await mergeableState(repo, number)).toBe('clean');
  });

  test('with stale dismissal a push dismisses the approvals before it; GitHub lists them DISMISSED', async () => {
    const repo = seed({ protection: { requiredChecks: [], requiredApprovals: 1, dismissStaleReviews: true } });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await mergeableState(repo, number)).toBe('clean');
    await commit(repo, 'fleet/change', { 'src/index.ts': 'export const a = 2;\n' });
    const reviews = await bot.rest.pulls.listReviews({ ...repo, pull_number: number });
    expect(reviews.data.map((r) => r.state)).toEqual(['DISMISSED']);
    expect(await refusal(repo, number)).toEqual({ status: 405, message: 'At least 1 approving review is required by reviewers with write access.' });
    const protection = await bot.rest.repos.getBranchProtection({ ...repo, branch: 'main' });
    expect(protection.data.required_pull_request_reviews).toMatchObject({ dismiss_stale_reviews: true, require_code_owner_reviews: false, require_last_push_approval: false });
  });

  test('without dismissal an older approval still counts, but not for approval of the last push', async () => {
    const repo = seed({ protection: { requiredChecks: [], requiredApprovals: 1, requireLastPushApproval: true } });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    await commit(repo, 'fleet/change', { 'src/index.ts': 'export const a = 2;\n' });
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data.map((r) => r.state)).toEqual(['APPROVED']);
    expect(await refusal(repo, number)).toEqual({ status: 405, message: 'The most recent push must be approved by someone other than the person who pushed it.' });
    await bob.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect((await refusal(repo, number)).status).toBe(200);
  });
});

describe('the pull_request rule of a ruleset', () => {
  test('a code-owner review is an approval by an owner of a changed file, a member of an owning team counting', async () => {
    const repo = seed({ rulesets: [{ name: 'main', rules: [pullRequestRule({ require_code_owner_review: true })] }] });
    const number = await openPull(repo, { 'package.json': '{ "name": "api", "version": "2.0.0" }\n' });
    expect(await mergeableState(repo, number)).toBe('blocked');
    // bob owns nothing: his approval makes the count but not the code-owner review.
    await bob.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await refusal(repo, number)).toEqual({ status: 405, message: 'Repository rule violations found\n\nWaiting on code owner review from @acme/payments.\n\n' });
    // alice owns every other file, not package.json.
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await mergeableState(repo, number)).toBe('blocked');
    await lead.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect(await mergeableState(repo, number)).toBe('clean');
    expect((await refusal(repo, number)).status).toBe(200);
  });

  test('owners come from the base branch: a PR that rewrites CODEOWNERS does not choose its own owners', async () => {
    const repo = seed({ rulesets: [{ name: 'main', rules: [pullRequestRule({ require_code_owner_review: true })] }] });
    const number = await openPull(repo, { 'package.json': '{ "name": "api", "version": "2.0.0" }\n', '.github/CODEOWNERS': '* @bob\n' });
    await bob.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect((await refusal(repo, number)).message).toContain('Waiting on code owner review from @alice, @acme/payments.');
  });

  test('an evaluate-mode ruleset asks for no review; the strictest active rule wins', async () => {
    const repo = seed({
      protection: { requiredChecks: [], requiredApprovals: 1 },
      rulesets: [
        { name: 'trial', enforcement: 'evaluate', rules: [pullRequestRule({ required_approving_review_count: 3 })] },
        { name: 'main', rules: [pullRequestRule({ required_approving_review_count: 2 })] },
      ],
    });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    await alice.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect((await refusal(repo, number)).message).toContain('At least 2 approving reviews are required');
    await bob.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE' });
    expect((await refusal(repo, number)).status).toBe(200);
  });
});

describe('teams and sandbox reviewers', () => {
  test('a team lists its members; an unknown team is 404 as GitHub answers it', async () => {
    const members = await bot.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'payments' });
    expect(members.data.map((m) => m.login)).toEqual(['payments-lead']);
    await expect(bot.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'nobody' })).rejects.toMatchObject({ status: 404 });
  });

  test('a reviewer asked through their team approves after their delay, and the request is answered', async () => {
    const repo = seed({ rulesets: [{ name: 'main', rules: [pullRequestRule({ require_code_owner_review: true })] }], reviewers: [{ login: 'payments-lead', afterMs: 30 * 60_000 }] });
    const number = await openPull(repo, { 'package.json': '{ "name": "api", "version": "2.0.0" }\n' });
    await bot.rest.pulls.requestReviewers({ ...repo, pull_number: number, team_reviewers: ['payments'] });
    fake.state.advance(29 * 60_000);
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data).toEqual([]);
    fake.state.advance(60_000);
    const reviews = (await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data;
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([['payments-lead', 'APPROVED']]);
    expect((await bot.rest.pulls.get({ ...repo, pull_number: number })).data.requested_teams).toEqual([]);
    expect((await refusal(repo, number)).status).toBe(200);
  });

  test('a reviewer who waits for green starts their clock once every check on the head has completed', async () => {
    const repo = seed({ ci: { checks: ['build'], outcome: 'pass', durationMs: 60_000 }, reviewers: [{ login: 'alice', afterMs: 10_000, afterChecks: true }] });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    await bot.rest.pulls.requestReviewers({ ...repo, pull_number: number, reviewers: ['alice'] });
    fake.state.advance(50_000);
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data).toEqual([]);
    fake.state.advance(10_000); // the build completes now
    fake.state.advance(9_000);
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data).toEqual([]);
    fake.state.advance(1_000);
    expect((await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data.map((r) => r.state)).toEqual(['APPROVED']);
  });

  test('a reviewer who requests changes, over the control API; a bad control request changes nothing', async () => {
    const repo = seed({ protection: { requiredChecks: [], requiredApprovals: 1 } });
    const number = await openPull(repo, { 'src/index.ts': 'export const a = 1;\n' });
    const post = (path: string, body: unknown) => fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post('/_fake/reviewers', { owner: 'acme', repo: 'api', reviewer: { login: 'bob' } });
    expect(bad.status).toBe(400);
    expect(await (await post('/_fake/reviewers', { owner: 'acme', repo: 'api', reviewer: { login: 'bob', afterMs: 0, verdict: 'request-changes', body: 'please split it' } })).json()).toEqual({ added: true });
    await bot.rest.pulls.requestReviewers({ ...repo, pull_number: number, reviewers: ['bob'] });
    fake.state.advance(0);
    const [review] = (await bot.rest.pulls.listReviews({ ...repo, pull_number: number })).data;
    expect(review).toMatchObject({ state: 'CHANGES_REQUESTED', body: 'please split it', user: { login: 'bob' } });
    const submitted = await post('/_fake/reviews', { owner: 'acme', repo: 'api', number, login: 'bob', event: 'APPROVE' });
    expect(submitted.status).toBe(201);
    expect(((await submitted.json()) as { htmlUrl: string }).htmlUrl).toContain(`/acme/api/pull/${number}#pullrequestreview-`);
    expect((await refusal(repo, number)).status).toBe(200);
  });
});

describe('code owners asked by GitHub', () => {
  test('opening a ready PR asks the owners of its changed files from the base CODEOWNERS, never the author; a draft asks nobody until it is ready', async () => {
    const repo = seed();
    const sourceOnly = await openPull(repo, { 'src/index.ts': 'export const x = 1;\n' });
    const first = (await bot.rest.pulls.get({ ...repo, pull_number: sourceOnly })).data;
    expect(first.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
    expect(first.requested_teams?.map((t) => t.slug)).toEqual([]);
    await bot.rest.pulls.update({ ...repo, pull_number: sourceOnly, state: 'closed' });

    // Alice's own PR touching package.json: the team is asked, Alice (the author) is not.
    await commit(repo, 'alice/change', { 'package.json': '{ "name": "api", "private": true }\n', 'src/index.ts': 'export const y = 2;\n' });
    const own = (await alice.rest.pulls.create({ ...repo, title: 'Mine', head: 'alice/change', base: 'main' })).data;
    expect(own.requested_reviewers?.map((u) => u.login)).toEqual([]);
    expect(own.requested_teams?.map((t) => t.slug)).toEqual(['payments']);

    await commit(repo, 'draft/change', { 'src/index.ts': 'export const z = 3;\n' });
    const draft = (await bot.rest.pulls.create({ ...repo, title: 'Draft', head: 'draft/change', base: 'main', draft: true })).data;
    expect(draft.requested_reviewers?.map((u) => u.login)).toEqual([]);
    await bot.graphql('mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }', { id: draft.node_id });
    const ready = (await bot.rest.pulls.get({ ...repo, pull_number: draft.number })).data;
    expect(ready.draft).toBe(false);
    expect(ready.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
  });
});
