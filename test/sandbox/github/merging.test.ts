import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type SeedRepoInput } from '../../../src/sandbox/github/server.js';
import type { RulesetInput } from '../../../src/sandbox/github/rulesets.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };
const OLD = '{\n  "dependencies": { "lodash": "4.17.15" }\n}\n';
const NEW = '{\n  "dependencies": { "lodash": "4.17.21" }\n}\n';

const QUEUE: RulesetInput = {
  name: 'main',
  rules: [
    { type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'build' }], strict_required_status_checks_policy: false } },
    { type: 'merge_queue', parameters: { merge_method: 'SQUASH', grouping_strategy: 'ALLGREEN', max_entries_to_build: 5, min_entries_to_merge: 1, max_entries_to_merge: 5, min_entries_to_merge_wait_minutes: 0, check_response_timeout_minutes: 60 } },
  ],
};

let open: FakeGitHub[] = [];
const servers: { close: () => void }[] = [];

afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
  for (const server of servers.splice(0)) server.close();
});

async function receiver(): Promise<{ url: string; received: { event: string; body: Record<string, unknown> }[] }> {
  const received: { event: string; body: Record<string, unknown> }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ event: String(request.headers['x-github-event']), body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function setup(seed: Partial<SeedRepoInput> = {}, webhook?: string) {
  const fake = await startFakeGitHub({ now: () => Date.parse('2025-03-01T09:00:00Z'), log: () => undefined, tokens: { bot: 'fleet-bot', alice: 'alice' }, ...(webhook ? { webhook: { url: webhook, secret: 's' } } : {}) });
  open.push(fake);
  fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'package.json': OLD, 'README.md': '# api\n' }, ci: { checks: ['build'], outcome: 'pass', durationMs: 60_000 }, ...seed });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'bot', log: quiet, request: { retries: 0 } });
  const alice = new Octokit({ baseUrl: fake.url, auth: 'alice', log: quiet, request: { retries: 0 } });
  return { fake, octokit, alice };
}

/** A branch with one commit changing package.json, and a PR from it. */
async function openPull(octokit: Octokit, branch = 'fleet/lodash', files: Record<string, string> = { 'package.json': NEW }, draft = false) {
  const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
  const base = await octokit.rest.git.getCommit({ ...repo, commit_sha: main.data.object.sha });
  const tree = await octokit.rest.git.createTree({ ...repo, base_tree: base.data.tree.sha, tree: Object.entries(files).map(([path, content]) => ({ path, mode: '100644' as const, type: 'blob' as const, content })) });
  const commit = await octokit.rest.git.createCommit({ ...repo, message: 'Change', tree: tree.data.sha, parents: [main.data.object.sha] });
  await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  const pull = await octokit.rest.pulls.create({ ...repo, head: branch, base: 'main', title: `Change ${branch}`, draft });
  return { number: pull.data.number, nodeId: pull.data.node_id, head: commit.data.sha, base: main.data.object.sha };
}

/** Moves main on with a commit touching another file. */
async function moveMain(octokit: Octokit, path = 'README.md', content = '# api, moved\n'): Promise<string> {
  const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
  const base = await octokit.rest.git.getCommit({ ...repo, commit_sha: main.data.object.sha });
  const tree = await octokit.rest.git.createTree({ ...repo, base_tree: base.data.tree.sha, tree: [{ path, mode: '100644', type: 'blob', content }] });
  const commit = await octokit.rest.git.createCommit({ ...repo, message: 'Move main', tree: tree.data.sha, parents: [main.data.object.sha] });
  await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: commit.data.sha });
  return commit.data.sha;
}

async function refusal(call: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const failure = error as { status: number; response?: { data?: { message?: string } } };
    return { status: failure.status, message: failure.response?.data?.message ?? '' };
  }
  throw new Error('expected the request to be refused');
}

async function graphqlError(call: Promise<unknown>): Promise<{ message: string; type?: string; path?: unknown[] }[]> {
  try {
    await call;
  } catch (error) {
    return (error as { errors: { message: string; type?: string; path?: unknown[] }[] }).errors;
  }
  throw new Error('expected GraphQL errors');
}

describe('merge settings and methods', () => {
  test('the repository shows its merge settings and a merge with a method it does not allow is refused in GitHub words', async () => {
    const { fake, octokit } = await setup({ settings: { allowMergeCommit: false, allowRebaseMerge: false, allowAutoMerge: true, deleteBranchOnMerge: true } });
    const got = await octokit.rest.repos.get(repo);
    expect(got.data).toMatchObject({ allow_squash_merge: true, allow_merge_commit: false, allow_rebase_merge: false, allow_auto_merge: true, allow_update_branch: false, delete_branch_on_merge: true });
    const { number, head } = await openPull(octokit);
    fake.state.advance(60_000);
    expect(await refusal(octokit.rest.pulls.merge({ ...repo, pull_number: number }))).toEqual({ status: 405, message: 'Merge commits are not allowed on this repository.' });
    expect(await refusal(octokit.rest.pulls.merge({ ...repo, pull_number: number, merge_method: 'rebase' }))).toEqual({ status: 405, message: 'Rebase merges are not allowed on this repository.' });
    expect(fake.state.listPulls()[0]?.merged).toBe(false);
    await octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: head, merge_method: 'squash' });
    expect(fake.state.merges()).toEqual([{ repo: 'acme/api', number, headSha: head, method: 'squash', checksComplete: true, incompleteChecks: [], via: 'api' }]);
  });

  test('delete_branch_on_merge: GitHub deletes the head branch after the merge, with a push event; without it the branch stays', async () => {
    const hook = await receiver();
    const { fake, octokit } = await setup({ settings: { deleteBranchOnMerge: true } }, hook.url);
    const { number, head } = await openPull(octokit);
    await octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: head, merge_method: 'squash' });
    await fake.state.flushWebhooks();
    expect(await refusal(octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/lodash' }))).toMatchObject({ status: 404 });
    expect(hook.received.filter((r) => r.event === 'push').map((r) => ({ ref: r.body.ref, deleted: r.body.deleted }))).toContainEqual({ ref: 'refs/heads/fleet/lodash', deleted: true });

    const kept = await setup();
    const other = await openPull(kept.octokit);
    await kept.octokit.rest.pulls.merge({ ...repo, pull_number: other.number, sha: other.head, merge_method: 'squash' });
    expect((await kept.octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/lodash' })).data.object.sha).toBe(other.head);
  });

  test('a branch another open PR targets is not deleted on merge', async () => {
    const { octokit } = await setup({ settings: { deleteBranchOnMerge: true } });
    const first = await openPull(octokit);
    // A second PR on top of the first one's branch.
    const tree = await octokit.rest.git.createTree({ ...repo, base_tree: (await octokit.rest.git.getCommit({ ...repo, commit_sha: first.head })).data.tree.sha, tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: '# api, again\n' }] });
    const commit = await octokit.rest.git.createCommit({ ...repo, message: 'On top', tree: tree.data.sha, parents: [first.head] });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/stacked', sha: commit.data.sha });
    await octokit.rest.pulls.create({ ...repo, head: 'stacked', base: 'fleet/lodash', title: 'Stacked' });
    await octokit.rest.pulls.merge({ ...repo, pull_number: first.number, sha: first.head, merge_method: 'squash' });
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/lodash' })).data.object.sha).toBe(first.head);
  });

  test('the merge log records a merge whose checks had not completed', async () => {
    const { fake, octokit } = await setup();
    const { number, head } = await openPull(octokit);
    await octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: head, merge_method: 'squash' });
    expect(fake.state.merges()).toMatchObject([{ number, checksComplete: false, incompleteChecks: ['build'] }]);
  });
});

describe('update-branch', () => {
  test('merges the base into the head: a new head GitHub signed, CI on it, synchronize sent; refusals in GitHub words', async () => {
    const hook = await receiver();
    const { fake, octokit } = await setup({}, hook.url);
    const { number, head } = await openPull(octokit);
    expect(await refusal(octokit.rest.pulls.updateBranch({ ...repo, pull_number: number }))).toEqual({ status: 422, message: 'There are no new commits on the base branch.' });
    const moved = await moveMain(octokit);
    expect(await refusal(octokit.rest.pulls.updateBranch({ ...repo, pull_number: number, expected_head_sha: moved }))).toEqual({ status: 422, message: 'expected head sha didn’t match current head ref.' });
    const answer = await octokit.rest.pulls.updateBranch({ ...repo, pull_number: number, expected_head_sha: head });
    expect(answer.status).toBe(202);
    expect(answer.data.message).toBe('Updating pull request branch.');
    const pull = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    const newHead = pull.data.head.sha;
    expect(newHead).not.toBe(head);
    const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: newHead });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([head, moved]);
    expect(commit.data.message).toBe("Merge branch 'main' into fleet/lodash");
    expect(commit.data.verification?.verified).toBe(true);
    expect(fake.state.readFiles('acme', 'api', newHead)).toMatchObject({ 'package.json': NEW, 'README.md': '# api, moved\n' });
    expect(fake.state.checkRuns('acme', 'api', newHead).map((run) => run.name)).toEqual(['build']);
    await fake.state.flushWebhooks();
    expect(hook.received.some((d) => d.event === 'pull_request' && d.body.action === 'synchronize')).toBe(true);
  });

  test('a conflict between base and head is refused and changes nothing', async () => {
    const { octokit } = await setup();
    const { number, head } = await openPull(octokit);
    await moveMain(octokit, 'package.json', '{\n  "dependencies": { "lodash": "4.17.20" }\n}\n');
    expect(await refusal(octokit.rest.pulls.updateBranch({ ...repo, pull_number: number }))).toEqual({ status: 422, message: 'merge conflict between base and head' });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: number })).data.head.sha).toBe(head);
  });
});

describe('GraphQL', () => {
  test('syntax errors and unknown fields answer errors without data, as GitHub does', async () => {
    const { octokit } = await setup();
    const { number } = await openPull(octokit);
    const syntax = await octokit.request('POST /graphql', { query: 'query { repository(owner: "acme", name: "api") { pullRequest(number: 1) { number }' });
    expect(syntax.data).toEqual({ errors: [{ message: 'Parse error on end of file at [1, 83]', locations: [{ line: 1, column: 83 }] }] });
    const unknown = await octokit.request('POST /graphql', { query: `query { repository(owner: "acme", name: "api") { pullRequest(number: ${number}) { number mergeQueuePosition } } }` });
    expect(unknown.data).toMatchObject({ errors: [{ message: "Field 'mergeQueuePosition' doesn't exist on type 'PullRequest'", extensions: { code: 'undefinedField' } }] });
    expect((unknown.data as Record<string, unknown>).data).toBeUndefined();
  });

  test('markPullRequestReadyForReview turns a draft into a PR ready for review', async () => {
    const { octokit } = await setup();
    const { number, nodeId } = await openPull(octokit, 'fleet/draft', { 'package.json': NEW }, true);
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: number })).data.draft).toBe(true);
    const result = await octokit.graphql<{ markPullRequestReadyForReview: { pullRequest: { isDraft: boolean; number: number } } }>('mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft number } } }', { id: nodeId });
    expect(result.markPullRequestReadyForReview.pullRequest).toEqual({ isDraft: false, number });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: number })).data.draft).toBe(false);
    const missing = await graphqlError(octokit.graphql('mutation { markPullRequestReadyForReview(input: { pullRequestId: "nope" }) { clientMutationId } }'));
    expect(missing).toMatchObject([{ type: 'NOT_FOUND', path: ['markPullRequestReadyForReview'], message: "Could not resolve to a node with the global id of 'nope'" }]);
  });

  test('auto-merge: refused where the repository does not allow it; once enabled the PR merges itself when its checks completed', async () => {
    const enable = 'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { pullRequest { autoMergeRequest { mergeMethod enabledBy { login } } } } }';
    const refused = await setup();
    const first = await openPull(refused.octokit);
    expect(await graphqlError(refused.octokit.graphql(enable, { id: first.nodeId }))).toMatchObject([{ type: 'UNPROCESSABLE', message: 'Pull request Auto merge is not allowed for this repository' }]);

    const { fake, octokit } = await setup({ settings: { allowAutoMerge: true }, protection: { requiredChecks: ['build'] } });
    const { number, nodeId, head } = await openPull(octokit);
    const result = await octokit.graphql<{ enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: unknown } } }>(enable, { id: nodeId });
    expect(result.enablePullRequestAutoMerge.pullRequest.autoMergeRequest).toEqual({ mergeMethod: 'SQUASH', enabledBy: { login: 'fleet-bot' } });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: number })).data.auto_merge).toMatchObject({ merge_method: 'squash' });
    fake.state.advance(30_000);
    expect(fake.state.listPulls()[0]?.merged).toBe(false);
    fake.state.advance(30_000);
    expect(fake.state.listPulls()[0]?.merged).toBe(true);
    expect(fake.state.merges()).toEqual([{ repo: 'acme/api', number, headSha: head, method: 'squash', checksComplete: true, incompleteChecks: [], via: 'auto' }]);
    // A PR that can merge now is not scheduled: GitHub says it is clean.
    const clean = await openPull(octokit, 'fleet/other', { 'other.txt': 'x\n' });
    fake.state.advance(60_000);
    expect(await graphqlError(octokit.graphql(enable, { id: clean.nodeId }))).toMatchObject([{ message: 'Pull request is in clean status' }]);
  });
});

describe('merge queue', () => {
  const entryQuery = 'query($n: Int!) { repository(owner: "acme", name: "api") { pullRequest(number: $n) { state mergeQueueEntry { state position } timelineItems(itemTypes: [REMOVED_FROM_MERGE_QUEUE_EVENT], last: 1) { nodes { __typename ... on RemovedFromMergeQueueEvent { reason } } } } } }';
  type Entry = { repository: { pullRequest: { state: string; mergeQueueEntry: { state: string; position: number } | null; timelineItems: { nodes: { reason: string }[] } } } };

  test('a direct merge is refused; an enqueued PR merges through a merge group whose checks completed', async () => {
    const hook = await receiver();
    const { fake, octokit } = await setup({ rulesets: [QUEUE] }, hook.url);
    const { number, nodeId, head } = await openPull(octokit);
    fake.state.advance(60_000);
    expect(await refusal(octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: head, merge_method: 'squash' }))).toEqual({ status: 405, message: 'Changes must be made through the merge queue' });
    const queued = await octokit.graphql<{ enqueuePullRequest: { mergeQueueEntry: { state: string; position: number } } }>('mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { mergeQueueEntry { state position } } }', { id: nodeId });
    expect(queued.enqueuePullRequest.mergeQueueEntry).toEqual({ state: 'AWAITING_CHECKS', position: 1 });
    const group = `gh-readonly-queue/main/pr-${number}-${head}`;
    const groupRef = await octokit.rest.git.getRef({ ...repo, ref: `heads/${group}` });
    expect(fake.state.checkRuns('acme', 'api', groupRef.data.object.sha).map((run) => run.status)).toEqual(['queued']);
    fake.state.advance(60_000);
    const after = await octokit.graphql<Entry>(entryQuery, { n: number });
    expect(after.repository.pullRequest).toMatchObject({ state: 'MERGED', mergeQueueEntry: null });
    expect(fake.state.merges()).toEqual([{ repo: 'acme/api', number, headSha: groupRef.data.object.sha, method: 'squash', checksComplete: true, incompleteChecks: [], via: 'queue' }]);
    expect(await refusal(octokit.rest.git.getRef({ ...repo, ref: `heads/${group}` }))).toMatchObject({ status: 404 });
    expect(fake.state.readFiles('acme', 'api')['package.json']).toBe(NEW);
    await fake.state.flushWebhooks();
    const groups = hook.received.filter((d) => d.event === 'merge_group').map((d) => [d.body.action, d.body.reason ?? null, (d.body.merge_group as { head_ref: string }).head_ref]);
    expect(groups).toEqual([
      ['checks_requested', null, `refs/heads/${group}`],
      ['destroyed', 'merged', `refs/heads/${group}`],
    ]);
  });

  test('a group whose required check fails is removed from the queue, with the reason in the timeline', async () => {
    const { fake, octokit } = await setup({ rulesets: [QUEUE], ci: { checks: ['build'], outcome: 'pass', durationMs: 60_000, failWhen: (files) => (files['package.json'] ?? '').includes('4.17.21') && (files['README.md'] ?? '').includes('moved') } });
    const { number, nodeId } = await openPull(octokit);
    fake.state.advance(60_000);
    await moveMain(octokit);
    fake.state.advance(60_000);
    await octokit.graphql('mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { clientMutationId } }', { id: nodeId });
    fake.state.advance(60_000);
    const after = await octokit.graphql<Entry>(entryQuery, { n: number });
    expect(after.repository.pullRequest).toEqual({ state: 'OPEN', mergeQueueEntry: null, timelineItems: { nodes: [{ __typename: 'RemovedFromMergeQueueEvent', reason: 'FAILED_CHECKS: build' }] } });
    expect(fake.state.merges()).toEqual([]);
  });

  test('a group whose checks do not report within the rule\'s timeout is removed from the queue', async () => {
    const { fake, octokit } = await setup({ rulesets: [QUEUE], ci: { checks: ['build'], outcome: 'manual', durationMs: 60_000 } });
    const { number, nodeId, head } = await openPull(octokit);
    fake.state.completeCheck('acme', 'api', head, 'build', 'success');
    await octokit.graphql('mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { clientMutationId } }', { id: nodeId });
    fake.state.advance(59 * 60_000);
    expect((await octokit.graphql<Entry>(entryQuery, { n: number })).repository.pullRequest.mergeQueueEntry).toEqual({ state: 'AWAITING_CHECKS', position: 1 });
    fake.state.advance(60_000);
    const after = await octokit.graphql<Entry>(entryQuery, { n: number });
    expect(after.repository.pullRequest).toMatchObject({ state: 'OPEN', mergeQueueEntry: null, timelineItems: { nodes: [{ reason: 'CHECKS_TIMED_OUT' }] } });
    expect(fake.state.merges()).toEqual([]);
  });

  test('a PR whose own required check has not passed cannot be queued', async () => {
    const { octokit } = await setup({ rulesets: [QUEUE] });
    const { nodeId } = await openPull(octokit);
    expect(await graphqlError(octokit.graphql('mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { clientMutationId } }', { id: nodeId }))).toMatchObject([{ type: 'UNPROCESSABLE', path: ['enqueuePullRequest'] }]);
  });
});
