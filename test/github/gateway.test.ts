import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isFleetError } from '../../src/errors.js';
import { startHarness, writesIn, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.fake.state.seedRepo({
    owner: 'acme',
    name: 'api',
    files: { 'package.json': '{"name":"api"}\n', 'src/index.ts': 'export {};\n', '.github/CODEOWNERS': '* @acme/platform\n/src/ @alice\n' },
    topics: ['node'],
    language: 'TypeScript',
  });
});
afterEach(async () => {
  await h.close();
});

const marker = { campaignId: 'c-1', repo: 'acme/api' };

describe('gateway over real HTTP', () => {
  test('reads the tree and files, commits a change, opens a PR and finds it again', async () => {
    const repo = await h.github.getRepo('acme/api');
    expect(repo).toMatchObject({ fullName: 'acme/api', defaultBranch: 'main', topics: ['node'] });
    const head = (await h.github.getBranchSha('acme/api', 'main'))!;
    const tree = await h.github.listTree('acme/api', head);
    expect(tree.map((e) => e.path).sort()).toEqual(['.github/CODEOWNERS', 'package.json', 'src/index.ts']);
    const files = await h.github.readFiles('acme/api', tree.filter((e) => e.path === 'package.json'));
    expect(files.get('package.json')).toBe('{"name":"api"}\n');

    const change = [
      { path: 'package.json', content: '{"name":"api","private":true}\n' },
      { path: 'src/index.ts', content: null },
    ];
    const first = await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/x', message: 'Change', files: change });
    expect(first.action).toBe('created');
    const again = await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/x', message: 'Change', files: change });
    expect(again).toEqual({ ...first, action: 'unchanged' });
    expect(h.fake.state.readFiles('acme', 'api', 'fleet/x')).toEqual({ '.github/CODEOWNERS': '* @acme/platform\n/src/ @alice\n', 'package.json': '{"name":"api","private":true}\n' });

    const pr = await h.github.openPr({ repo: 'acme/api', branch: 'fleet/x', base: 'main', title: 'Change', body: 'Body', marker });
    expect(pr).toMatchObject({ state: 'open', headRef: 'fleet/x', headSha: first.sha, baseRef: 'main' });
    expect(await h.github.findPr({ repo: 'acme/api', branch: 'fleet/x', marker })).toMatchObject({ number: pr.number });
    // Found by the marker even when looked up under another branch name.
    expect(await h.github.findPr({ repo: 'acme/api', branch: 'other', marker })).toMatchObject({ number: pr.number });
    // A second open attempt (a lost response) returns the same PR instead of failing.
    expect(await h.github.openPr({ repo: 'acme/api', branch: 'fleet/x', base: 'main', title: 'Change', body: 'Body', marker })).toMatchObject({ number: pr.number });

    // GitHub asked the code owners itself when the PR was opened; Fleet sends no request of its own,
    // also when the PR it holds does not show them yet (GitHub's answer to the create may not).
    expect(pr).toMatchObject({ requestedUsers: ['alice'], requestedTeams: ['platform'] });
    const reviewers = await h.github.requestReviewers({ repo: 'acme/api', pr: { ...pr, requestedUsers: [], requestedTeams: [] }, paths: ['package.json', 'src/index.ts'], ref: 'main' });
    expect(reviewers).toMatchObject({ users: ['alice'], teams: ['platform'], requested: false, note: 'GitHub requests the code owners itself' });
    // A draft asks nobody until it is ready: Fleet asks its owners, once.
    await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/draft', message: 'Change', files: change });
    const draft = await h.github.openPr({ repo: 'acme/api', branch: 'fleet/draft', base: 'main', title: 'Change', body: 'Body', marker: { ...marker, campaignId: 'c-2' }, draft: true });
    expect(draft).toMatchObject({ draft: true, requestedUsers: [], requestedTeams: [] });
    const asked = await h.github.requestReviewers({ repo: 'acme/api', pr: draft, paths: ['package.json', 'src/index.ts'], ref: 'main' });
    expect(asked).toMatchObject({ users: ['alice'], teams: ['platform'], requested: true });
    const updated = (await h.github.getPr('acme/api', draft.number))!;
    const repeat = await h.github.requestReviewers({ repo: 'acme/api', pr: updated, paths: ['package.json', 'src/index.ts'], ref: 'main' });
    expect(repeat).toMatchObject({ requested: false, note: 'the owners were already requested' });
    expect(writesIn(h.fake).filter((w) => w.includes('requested_reviewers'))).toHaveLength(1);

    const prFiles = await h.github.listPrFiles('acme/api', pr.number);
    expect(prFiles.map((f) => [f.path, f.status]).sort()).toEqual([
      ['package.json', 'modified'],
      ['src/index.ts', 'removed'],
    ]);
  });

  test('comments on a PR once per marker; GitHub refuses an empty body and an unknown PR', async () => {
    await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/x', message: 'Change', files: [{ path: 'a.txt', content: 'a\n' }] });
    const pr = await h.github.openPr({ repo: 'acme/api', branch: 'fleet/x', base: 'main', title: 'Change', body: 'Body', marker });
    const hidden = '<!-- fleet:close campaign=c-1 target=acme/api -->';
    const first = await h.github.commentOnPr({ repo: 'acme/api', number: pr.number, body: 'Closed: the campaign was aborted.', marker: hidden });
    expect(first.created).toBe(true);
    // Run again (after a crash): the comment carrying the marker is found, not posted twice.
    const again = await h.github.commentOnPr({ repo: 'acme/api', number: pr.number, body: 'Closed: the campaign was aborted.', marker: hidden });
    expect(again).toEqual({ ...first, created: false });
    const comments = (await h.octokit.rest.issues.listComments({ owner: 'acme', repo: 'api', issue_number: pr.number })).data;
    expect(comments.map((c) => c.body)).toEqual([`Closed: the campaign was aborted.\n\n${hidden}\n`]);
    expect(writesIn(h.fake).filter((w) => w.includes('/comments'))).toHaveLength(1);

    const empty = await h.octokit.rest.issues.createComment({ owner: 'acme', repo: 'api', issue_number: pr.number, body: '' }).catch((e: unknown) => e);
    expect((empty as { status: number }).status).toBe(422);
    const unknown = await h.github.commentOnPr({ repo: 'acme/api', number: 999, body: 'x', marker: hidden }).catch((e: unknown) => e);
    expect(isFleetError(unknown, 'github_error')).toBe(true);
    expect((unknown as { details: { status: number } }).details.status).toBe(404);
  });

  test('a moved base rebuilds the branch on the new base head', async () => {
    const change = [{ path: 'package.json', content: '{"name":"api","private":true}\n' }];
    const first = await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/x', message: 'Change', files: change });
    await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'other', message: 'Other', files: [{ path: 'README.md', content: '# api\n' }] });
    await h.octokit.rest.git.updateRef({ owner: 'acme', repo: 'api', ref: 'heads/main', sha: (await h.github.getBranchSha('acme/api', 'other'))! });
    const rebuilt = await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/x', message: 'Change', files: change });
    expect(rebuilt.action).toBe('updated');
    expect(rebuilt.sha).not.toBe(first.sha);
    expect(h.fake.state.readFiles('acme', 'api', 'fleet/x')['README.md']).toBe('# api\n');
  });

  test('missing things are undefined, not errors', async () => {
    expect(await h.github.getRepo('acme/nope')).toBeUndefined();
    expect(await h.github.getBranchSha('acme/api', 'nope')).toBeUndefined();
    expect(await h.github.readFile('acme/api', 'main', 'nope.txt')).toBeUndefined();
    expect(await h.github.getPr('acme/api', 99)).toBeUndefined();
    expect(await h.github.getRequiredChecks('acme/api', 'main')).toEqual({ protected: false, requiredChecks: [], requiredApprovals: 0 });
    expect(await h.github.getRepos(['acme/api', 'acme/nope'])).toMatchObject({ missing: ['acme/nope'] });
  });

  test('a 404 where something must exist becomes a github_error with the status', async () => {
    const error = await h.github.listTree('acme/api', 'f'.repeat(40)).catch((e: unknown) => e);
    expect(isFleetError(error, 'github_error')).toBe(true);
    expect((error as { details: { status: number; retryable: boolean } }).details).toMatchObject({ status: 404, retryable: false });
  });

  test('a 422 is reported with GitHub’s message', async () => {
    const error = await h.github.addLabels('acme/api', 1, ['x']).catch((e: unknown) => e);
    expect(isFleetError(error, 'github_error')).toBe(true);
    expect((error as { details: { status: number } }).details.status).toBeGreaterThanOrEqual(404);
  });

  test('lists an organisation by topic, language and archived flag', async () => {
    h.fake.state.seedRepo({ owner: 'acme', name: 'web', files: { 'a.txt': 'a' }, topics: ['node', 'web'], language: 'TypeScript' });
    h.fake.state.seedRepo({ owner: 'acme', name: 'old', files: { 'a.txt': 'a' }, topics: ['node'], language: 'TypeScript', archived: true });
    h.fake.state.seedRepo({ owner: 'acme', name: 'go', files: { 'a.txt': 'a' }, topics: ['node'], language: 'Go' });
    const names = async (q: object) => (await h.github.listOrgRepos({ org: 'acme', ...q })).map((r) => r.fullName).sort();
    expect(await names({ topics: ['node'], language: 'typescript' })).toEqual(['acme/api', 'acme/web']);
    expect(await names({ topics: ['web'] })).toEqual(['acme/web']);
    expect(await names({ includeArchived: true, language: 'TypeScript' })).toEqual(['acme/api', 'acme/old', 'acme/web']);
  });
});
