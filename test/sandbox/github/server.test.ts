import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../../src/sandbox/github/server.js';
import { startWebhookReceiver, type ReceivedDelivery } from '../../support/webhook-receiver.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };
const OLD = '{\n  "dependencies": { "lodash": "4.17.15" }\n}\n';
const NEW = '{\n  "dependencies": { "lodash": "4.17.21" }\n}\n';

let open: FakeGitHub[] = [];
const servers: { close: () => void }[] = [];

afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
  for (const server of servers.splice(0)) server.close();
});

async function setup(options: FakeGitHubOptions = {}, seed: Partial<Parameters<FakeGitHub['state']['seedRepo']>[0]> = {}) {
  let clock = Date.parse('2025-03-01T09:00:00Z');
  const fake = await startFakeGitHub({ now: () => clock, log: () => undefined, ...options });
  open.push(fake);
  fake.state.seedRepo({
    owner: 'acme',
    name: 'api',
    files: { 'package.json': OLD, 'README.md': '# api\n' },
    protection: { requiredChecks: ['build'] },
    ci: { checks: ['build'], outcome: 'pass', durationMs: 60_000 },
    ...seed,
  });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'secret-token', log: quiet, request: { retries: 0 } });
  const tick = (ms: number) => {
    clock += ms;
  };
  return { fake, octokit, tick };
}

interface Failure {
  status: number;
  message: string;
  response: { headers: Record<string, string>; data: { message: string; errors: { message: string }[] } };
}

/** The error a call fails with; a call that succeeds fails the test. */
async function failureOf(call: Promise<unknown>): Promise<Failure> {
  return call.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as Failure,
  );
}

/** Creates a branch with one commit that changes package.json; returns the new commit's sha. */
async function pushBranch(octokit: Octokit, branch: string, content = NEW): Promise<{ sha: string; base: string }> {
  const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
  const base = main.data.object.sha;
  const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: base });
  const tree = await octokit.rest.git.createTree({ ...repo, base_tree: commit.data.tree.sha, tree: [{ path: 'package.json', mode: '100644', type: 'blob', content }] });
  const created = await octokit.rest.git.createCommit({ ...repo, message: 'Bump lodash', tree: tree.data.sha, parents: [base] });
  await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: created.data.sha });
  return { sha: created.data.sha, base };
}

describe('conditional requests and rate limits', () => {
  test('a matching If-None-Match gets 304 with no body and costs nothing', async () => {
    const { fake } = await setup();
    const headers = { authorization: 'token secret-token' };
    const first = await fetch(`${fake.url}/repos/acme/api`, { headers });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4999');
    await first.arrayBuffer();
    const second = await fetch(`${fake.url}/repos/acme/api`, { headers: { ...headers, 'if-none-match': etag } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe('');
    expect(second.headers.get('x-ratelimit-remaining')).toBe('4999');
    expect(second.headers.get('x-ratelimit-used')).toBe('1');
    const third = await fetch(`${fake.url}/repos/acme/api`, { headers: { ...headers, 'if-none-match': 'W/"stale"' } });
    expect(third.status).toBe(200);
    expect(third.headers.get('x-ratelimit-remaining')).toBe('4998');
  });

  test('the primary limit counts down and then answers 403 with remaining 0 and the reset time', async () => {
    const { octokit } = await setup({ rateLimit: { limit: 3, windowMs: 60_000 } });
    const seen: string[] = [];
    for (let i = 0; i < 3; i += 1) seen.push(String((await octokit.rest.repos.get(repo)).headers['x-ratelimit-remaining']));
    expect(seen).toEqual(['2', '1', '0']);
    const error = await failureOf(octokit.rest.repos.get(repo));
    expect(error.status).toBe(403);
    expect(error.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(error.response.headers['x-ratelimit-reset'])).toBe(Math.ceil((Date.parse('2025-03-01T09:00:00Z') + 60_000) / 1000));
    const limits = await octokit.rest.rateLimit.get();
    expect(limits.data.resources.core).toMatchObject({ limit: 3, used: 3, remaining: 0 });
  });

  test('content-creating requests beyond the per-minute budget get a secondary limit with retry-after', async () => {
    const { octokit, tick } = await setup({ secondaryPerMinute: 2 });
    await octokit.rest.git.createBlob({ ...repo, content: 'a' });
    await octokit.rest.git.createBlob({ ...repo, content: 'b' });
    const error = await failureOf(octokit.rest.git.createBlob({ ...repo, content: 'c' }));
    expect(error.status).toBe(403);
    expect(error.message).toContain('secondary rate limit');
    expect(Number(error.response.headers['retry-after'])).toBeGreaterThan(0);
    await octokit.rest.repos.get(repo);
    tick(61_000);
    await expect(octokit.rest.git.createBlob({ ...repo, content: 'c' })).resolves.toMatchObject({ status: 201 });
  });

  test('a missing or unknown token gets 401', async () => {
    const { fake } = await setup({ tokens: { good: 'fleet-bot' } });
    expect((await fetch(`${fake.url}/repos/acme/api`)).status).toBe(401);
    expect((await fetch(`${fake.url}/repos/acme/api`, { headers: { authorization: 'Bearer bad' } })).status).toBe(401);
    expect((await fetch(`${fake.url}/repos/acme/api`, { headers: { authorization: 'Bearer good' } })).status).toBe(200);
  });
});

describe('faults', () => {
  async function statuses(seed: number): Promise<number[]> {
    const { fake } = await setup({ faults: { errorRate: 0.3, rateLimitRate: 0.2, seed } });
    const out: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const response = await fetch(`${fake.url}/repos/acme/api`, { headers: { authorization: 'token t' } });
      out.push(response.status);
      if (response.status === 429) expect(response.headers.get('retry-after')).toBe('1');
      await response.arrayBuffer();
    }
    const control = await fetch(`${fake.url}/_fake/requests`);
    expect(control.status).toBe(200);
    return out;
  }

  test('a seed gives the same schedule of 5xx and 429 every time, and control routes are never faulted', async () => {
    const one = await statuses(7);
    const two = await statuses(7);
    expect(one).toEqual(two);
    expect(one.some((status) => status >= 500)).toBe(true);
    expect(one.some((status) => status === 429)).toBe(true);
    expect(one.some((status) => status === 200)).toBe(true);
  });

  test('a dropped request closes the socket without an answer; clearing faults restores service', async () => {
    const { fake } = await setup({ faults: { dropRate: 1 } });
    await expect(fetch(`${fake.url}/repos/acme/api`, { headers: { authorization: 'token t' } })).rejects.toThrow();
    fake.setFaults(null);
    expect((await fetch(`${fake.url}/repos/acme/api`, { headers: { authorization: 'token t' } })).status).toBe(200);
  });
});

/** Adds a commit to main that writes one file (not package.json unless asked), as another PR's merge would. */
async function commitOnMain(octokit: Octokit, path: string, content: string): Promise<string> {
  const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
  const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: main.data.object.sha });
  const tree = await octokit.rest.git.createTree({ ...repo, base_tree: commit.data.tree.sha, tree: [{ path, mode: '100644', type: 'blob', content }] });
  const created = await octokit.rest.git.createCommit({ ...repo, message: `Change ${path}`, tree: tree.data.sha, parents: [main.data.object.sha] });
  await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: created.data.sha });
  return created.data.sha;
}

/** The PR as GitHub shows it once its mergeability is computed (the first read starts the job). */
async function settled(octokit: Octokit, number = 1) {
  await octokit.rest.pulls.get({ ...repo, pull_number: number });
  return (await octokit.rest.pulls.get({ ...repo, pull_number: number })).data;
}

describe('mergeable_state, as GitHub computes it', () => {
  test('clean once the required check passed; the same file changed on main since makes it dirty, another file does not', async () => {
    const { octokit, tick } = await setup();
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    tick(60_000);
    expect(await settled(octokit)).toMatchObject({ mergeable: true, mergeable_state: 'clean' });
    // Another file on main: still mergeable, and protection does not ask for up-to-date branches.
    await commitOnMain(octokit, 'README.md', '# api, renamed\n');
    expect(await settled(octokit)).toMatchObject({ mergeable: true, mergeable_state: 'clean' });
    // The same package.json changed on main by another change: a conflict.
    await commitOnMain(octokit, 'package.json', '{\n  "dependencies": { "lodash": "4.17.15", "left-pad": "1.3.0" }\n}\n');
    expect(await settled(octokit)).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('Pull Request is not mergeable') });
  });

  test('changes to separate lines of the same file merge as git merges them; adjacent lines conflict', async () => {
    const WIDE = '{\n  "name": "api",\n  "description": "the api",\n  "dependencies": { "lodash": "4.17.15" }\n}\n';
    const { fake, octokit, tick } = await setup({}, { files: { 'package.json': WIDE }, protection: undefined });
    await pushBranch(octokit, 'fleet/lodash', WIDE.replace('4.17.15', '4.17.21'));
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    // Line 2 changes on main; the PR changed line 4: two lines apart, so GitHub merges both.
    await commitOnMain(octokit, 'package.json', WIDE.replace('"api"', '"api-service"'));
    tick(60_000);
    expect(await settled(octokit)).toMatchObject({ mergeable: true, mergeable_state: 'clean' });
    await octokit.rest.pulls.merge({ ...repo, pull_number: 1 });
    expect(fake.state.readFiles('acme', 'api')['package.json']).toBe('{\n  "name": "api-service",\n  "description": "the api",\n  "dependencies": { "lodash": "4.17.21" }\n}\n');

    // Line 3 is next to line 4: a conflict, as in git.
    await pushBranch(octokit, 'fleet/lodash-2', fake.state.readFiles('acme', 'api')['package.json'].replace('4.17.21', '4.17.22'));
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash-2', base: 'main', title: 'Bump again' });
    await commitOnMain(octokit, 'package.json', fake.state.readFiles('acme', 'api')['package.json'].replace('the api', 'the API'));
    expect(await settled(octokit, 2)).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
  });

  test('behind when main moved and protection requires branches to be up to date (strict)', async () => {
    const { octokit, tick } = await setup({}, { protection: { requiredChecks: ['build'], strict: true } });
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    tick(60_000);
    expect(await settled(octokit)).toMatchObject({ mergeable_state: 'clean' });
    const protection = await octokit.rest.repos.getBranchProtection({ ...repo, branch: 'main' });
    expect(protection.data.required_status_checks?.strict).toBe(true);
    await commitOnMain(octokit, 'README.md', '# api, renamed\n');
    expect(await settled(octokit)).toMatchObject({ mergeable: true, mergeable_state: 'behind' });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('Head branch is out of date') });
  });

  test('blocked while a required check fails; unstable when only a check that is not required fails', async () => {
    const failing = await setup({}, { protection: { requiredChecks: ['build'] }, ci: { checks: ['build'], outcome: 'fail', durationMs: 60_000 } });
    await pushBranch(failing.octokit, 'fleet/lodash');
    await failing.octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    failing.tick(60_000);
    expect(await settled(failing.octokit)).toMatchObject({ mergeable: true, mergeable_state: 'blocked' });
    await expect(failing.octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('Required status check "build" is failing.') });

    const unstable = await setup({}, { protection: { requiredChecks: [] }, ci: { checks: ['lint'], outcome: 'fail', durationMs: 60_000 } });
    await pushBranch(unstable.octokit, 'fleet/lodash');
    await unstable.octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    unstable.tick(60_000);
    expect(await settled(unstable.octokit)).toMatchObject({ mergeable: true, mergeable_state: 'unstable' });
    // GitHub merges an unstable PR: nothing required is missing.
    await expect(unstable.octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).resolves.toMatchObject({ status: 200 });
  });

  test('a draft reports draft and is refused with "Pull Request is still a draft"', async () => {
    const { octokit, tick } = await setup({}, { protection: undefined });
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump', draft: true });
    tick(60_000);
    expect(await settled(octokit)).toMatchObject({ draft: true, mergeable: true, mergeable_state: 'draft' });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('Pull Request is still a draft') });
  });
});

describe('pull requests', () => {
  test('a second open PR for the same branch is refused with GitHub\'s 422', async () => {
    const { octokit } = await setup();
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    const error = await failureOf(octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' }));
    expect(error.status).toBe(422);
    expect(error.response.data.message).toBe('Validation Failed');
    expect(error.response.data.errors[0]?.message).toBe('A pull request already exists for acme:fleet/lodash.');
    const listed = await octokit.rest.pulls.list({ ...repo, head: 'acme:fleet/lodash' });
    expect(listed.data.map((pull) => pull.number)).toEqual([1]);
  });

  test('merge refuses until required checks pass (405), refuses a stale sha (409), then merges the change into main', async () => {
    const { fake, octokit, tick } = await setup();
    const { sha } = await pushBranch(octokit, 'fleet/lodash');
    const pull = await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    // GitHub computes mergeability in the background: null at first, the answer on a later read.
    expect(pull.data).toMatchObject({ mergeable: null, mergeable_state: 'unknown' });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.mergeable).toBeNull();
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data).toMatchObject({ mergeable: true, mergeable_state: 'blocked' });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1, sha })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('Required status check "build" is expected.') });
    tick(60_000);
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1, sha: 'f'.repeat(40) })).rejects.toMatchObject({ status: 409, message: expect.stringContaining('Head branch was modified. Review and try the merge again.') });
    const merged = await octokit.rest.pulls.merge({ ...repo, pull_number: 1, sha });
    expect(merged.data.merged).toBe(true);
    expect(fake.state.readFiles('acme', 'api')['package.json']).toBe(NEW);
    const after = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect(after.data).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merged.data.sha });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405 });
  });

  test('required approvals block a merge until someone else approves', async () => {
    const { fake, octokit, tick } = await setup({ tokens: { 'secret-token': 'fleet-bot', alice: 'alice' } }, { protection: { requiredChecks: [], requiredApprovals: 1 } });
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    tick(60_000);
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('At least 1 approving review is required by reviewers with write access.') });
    await expect(octokit.rest.pulls.createReview({ ...repo, pull_number: 1, event: 'APPROVE' })).rejects.toMatchObject({ status: 422 });
    const alice = new Octokit({ baseUrl: fake.url, auth: 'alice', log: quiet });
    await alice.rest.pulls.createReview({ ...repo, pull_number: 1, event: 'APPROVE' });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).resolves.toMatchObject({ status: 200 });
  });

  test('a conflicting change on main makes the PR dirty and unmergeable', async () => {
    const { octokit, tick } = await setup({}, { protection: undefined });
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    const other = await pushBranch(octokit, 'hotfix', '{ "dependencies": {} }\n');
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: other.sha });
    tick(60_000);
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.mergeable).toBeNull();
    const pull = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect(pull.data).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('Pull Request is not mergeable') });
  });

  test('a non-fast-forward update needs force, and force-pushing the head synchronizes the PR', async () => {
    const { octokit } = await setup();
    const first = await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    const tree = await octokit.rest.git.createTree({ ...repo, tree: [{ path: 'package.json', mode: '100644', type: 'blob', content: NEW }] });
    const rewritten = await octokit.rest.git.createCommit({ ...repo, message: 'Rewritten', tree: tree.data.sha, parents: [first.base] });
    await expect(octokit.rest.git.updateRef({ ...repo, ref: 'heads/fleet/lodash', sha: rewritten.data.sha })).rejects.toMatchObject({ status: 422 });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/fleet/lodash', sha: rewritten.data.sha, force: true });
    const pull = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect(pull.data.head.sha).toBe(rewritten.data.sha);
  });
});

describe('git semantics over the API', () => {
  test('identical content yields identical blob, tree and commit shas', async () => {
    const { octokit } = await setup();
    const blob = await octokit.rest.git.createBlob({ ...repo, content: 'hello\n' });
    expect(blob.data.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const again = await octokit.rest.git.createBlob({ ...repo, content: Buffer.from('hello\n').toString('base64'), encoding: 'base64' });
    expect(again.data.sha).toBe(blob.data.sha);
    const main = await octokit.rest.git.getCommit({ ...repo, commit_sha: (await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha });
    const same = await octokit.rest.git.createTree({ ...repo, base_tree: main.data.tree.sha, tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: '# api\n' }] });
    expect(same.data.sha).toBe(main.data.tree.sha);
    const removed = await octokit.rest.git.createTree({ ...repo, base_tree: main.data.tree.sha, tree: [{ path: 'README.md', mode: '100644', type: 'blob', sha: null }] });
    const listing = await octokit.rest.git.getTree({ ...repo, tree_sha: removed.data.sha, recursive: '1' });
    expect(listing.data.tree.map((entry) => entry.path)).toEqual(['package.json']);
    const content = await octokit.rest.repos.getContent({ ...repo, path: 'package.json' });
    expect(Buffer.from((content.data as { content: string }).content, 'base64').toString()).toBe(OLD);
  });
  test('create-tree takes the modes GitHub lists: blobs, a subtree by sha and a submodule commit; the type must match the mode', async () => {
    const { octokit } = await setup();
    const main = await octokit.rest.git.getCommit({ ...repo, commit_sha: (await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha });
    const sub = await octokit.rest.git.createTree({ ...repo, tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'a\n' }, { path: 'run.sh', mode: '100755', type: 'blob', content: '#!/bin/sh\n' }] });
    const submodule = '1234567890abcdef1234567890abcdef12345678';
    const created = await octokit.rest.git.createTree({
      ...repo,
      base_tree: main.data.tree.sha,
      tree: [
        { path: 'lib', mode: '040000', type: 'tree', sha: sub.data.sha },
        { path: 'vendor/dep', mode: '160000', type: 'commit', sha: submodule },
        { path: 'LINK', mode: '120000', type: 'blob', content: 'README.md' },
        // A file replaced by a directory: the blob goes.
        { path: 'README.md/inner.txt', mode: '100644', type: 'blob', content: 'x\n' },
      ],
    });
    const listing = await octokit.rest.git.getTree({ ...repo, tree_sha: created.data.sha, recursive: '1' });
    const entries = Object.fromEntries(listing.data.tree.map((entry) => [entry.path, `${entry.mode} ${entry.type} ${entry.sha ?? ''}`]));
    expect(entries).toMatchObject({ lib: `040000 tree ${sub.data.sha}`, 'vendor/dep': `160000 commit ${submodule}`, 'lib/run.sh': expect.stringMatching(/^100755 blob /), LINK: expect.stringMatching(/^120000 blob /) });
    expect(Object.keys(entries).sort()).toEqual(['LINK', 'README.md', 'README.md/inner.txt', 'lib', 'lib/a.txt', 'lib/run.sh', 'package.json', 'vendor', 'vendor/dep']);
    // The root tree's id is the one git computes for the same entries.
    const root = listing.data.tree.filter((entry) => !entry.path?.includes('/'));
    const dir = mkdtempSync(join(tmpdir(), 'fake-mktree-'));
    try {
      execFileSync('git', ['init', '-q', '--bare', dir]);
      const input = root.map((entry) => `${entry.mode === '040000' ? '040000' : entry.mode} ${entry.type} ${entry.sha}\t${entry.path}`).join('\n');
      expect(execFileSync('git', ['mktree', '--missing'], { cwd: dir, input }).toString().trim()).toBe(created.data.sha);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const refused = [
      { path: 'x', mode: '100664', type: 'blob', content: 'x' },
      { path: 'x', mode: '100644', type: 'tree', sha: sub.data.sha },
      { path: 'x', mode: '040000', type: 'blob', sha: sub.data.sha },
      { path: 'x', mode: '040000', type: 'tree', content: 'x' },
      { path: 'x', mode: '160000', type: 'blob', sha: submodule },
      { path: 'x', mode: '160000', type: 'commit', sha: 'not-a-sha' },
      { path: 'x', mode: '040000', type: 'tree', sha: main.data.sha },
    ];
    for (const item of refused) {
      const failure = await failureOf(octokit.request('POST /repos/{owner}/{repo}/git/trees', { ...repo, tree: [item] as never }));
      expect([failure.status, failure.response.data.message, JSON.stringify(item)]).toEqual([422, 'Invalid tree info', JSON.stringify(item)]);
    }
  });
});

describe('CI and webhooks', () => {
  async function receiver(): Promise<{ url: string; received: ReceivedDelivery[] }> {
    const hook = await startWebhookReceiver('/github/webhooks');
    servers.push(hook);
    return hook;
  }

  test('check runs complete on the fake clock and every delivery is signed so @octokit/webhooks verifies it', async () => {
    const hook = await receiver();
    const { fake, octokit } = await setup({ webhook: { url: hook.url, secret: 'shh' } });
    const { sha } = await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    const before = await octokit.rest.checks.listForRef({ ...repo, ref: sha });
    expect(before.data.check_runs.map((run) => run.status)).toEqual(['queued']);
    fake.state.advance(60_000);
    const after = await octokit.rest.checks.listForRef({ ...repo, ref: sha });
    expect(after.data.check_runs.map((run) => [run.status, run.conclusion])).toEqual([['completed', 'success']]);
    expect((await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: sha })).data.state).toBe('success');
    await fake.state.flushWebhooks();
    const events = hook.received.map((delivery) => `${String(delivery.headers['x-github-event'])}:${(JSON.parse(delivery.body) as { action?: string }).action ?? ''}`);
    // Creating the branch through REST is a push, as it is on GitHub.
    expect(events).toEqual(['push:', 'pull_request:opened', 'check_run:completed', 'status:', 'check_suite:completed']);
    expect(JSON.parse(hook.received[0]?.body ?? '{}')).toMatchObject({ ref: 'refs/heads/fleet/lodash', before: '0'.repeat(40), after: sha, created: true, deleted: false, forced: false, base_ref: null, commits: [{ id: sha }], head_commit: { id: sha }, pusher: { name: 'fleet-bot' } });
    const webhooks = new Webhooks({ secret: 'shh' });
    for (const delivery of hook.received) {
      expect(await webhooks.verify(delivery.body, String(delivery.headers['x-hub-signature-256']))).toBe(true);
      expect(delivery.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await new Webhooks({ secret: 'wrong' }).verify(hook.received[0]?.body ?? '', String(hook.received[0]?.headers['x-hub-signature-256']))).toBe(false);
    const checkRun = JSON.parse(hook.received[2]?.body ?? '{}') as { check_run: { head_sha: string; pull_requests: { number: number }[] }; repository: { full_name: string }; installation: { id: number } };
    expect(checkRun).toMatchObject({ check_run: { head_sha: sha, pull_requests: [{ number: 1 }] }, repository: { full_name: 'acme/api' }, installation: { id: 1 } });
  });

  test('reviews, force-pushes and merges are announced with GitHub\'s payloads', async () => {
    const hook = await receiver();
    const { fake, octokit } = await setup({ webhook: { url: hook.url, secret: 'shh' }, tokens: { 'secret-token': 'fleet-bot', alice: 'alice' } }, { ci: undefined, protection: undefined });
    const first = await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    const tree = await octokit.rest.git.createTree({ ...repo, tree: [{ path: 'package.json', mode: '100644', type: 'blob', content: NEW }] });
    const rewritten = await octokit.rest.git.createCommit({ ...repo, message: 'Again', tree: tree.data.sha, parents: [first.base] });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/fleet/lodash', sha: rewritten.data.sha, force: true });
    await new Octokit({ baseUrl: fake.url, auth: 'alice', log: quiet }).rest.pulls.createReview({ ...repo, pull_number: 1, event: 'APPROVE' });
    const merged = await octokit.rest.pulls.merge({ ...repo, pull_number: 1, sha: rewritten.data.sha });
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/fleet/lodash' });
    await fake.state.flushWebhooks();
    const payloads = hook.received.map((delivery) => ({ event: delivery.headers['x-github-event'], body: JSON.parse(delivery.body) as Record<string, unknown> }));
    expect(payloads.map((item) => `${String(item.event)}:${String(item.body.action)}`)).toEqual([
      'push:undefined',
      'pull_request:opened',
      'pull_request:synchronize',
      'push:undefined',
      'pull_request_review:submitted',
      'push:undefined',
      'pull_request:closed',
      'push:undefined',
    ]);
    expect(payloads[2]?.body).toMatchObject({ number: 1, pull_request: { head: { sha: rewritten.data.sha } } });
    // Every REST ref move is a push: the forced update, the merge moving main, the branch deleted after it.
    expect(payloads[3]?.body).toMatchObject({ ref: 'refs/heads/fleet/lodash', before: first.sha, after: rewritten.data.sha, forced: true, created: false, commits: [{ id: rewritten.data.sha }] });
    expect(payloads[4]?.body).toMatchObject({ review: { state: 'APPROVED', user: { login: 'alice' } }, pull_request: { number: 1 } });
    expect(payloads[5]?.body).toMatchObject({ ref: 'refs/heads/main', before: first.base, after: merged.data.sha, forced: false, head_commit: { id: merged.data.sha }, pusher: { name: 'fleet-bot' } });
    expect((payloads[5]?.body.commits as { id: string }[]).map((commit) => commit.id)).toEqual([rewritten.data.sha, merged.data.sha]);
    expect(payloads[6]?.body).toMatchObject({ pull_request: { merged: true, state: 'closed' }, repository: { full_name: 'acme/api' }, sender: { login: 'fleet-bot' } });
    expect(payloads[7]?.body).toMatchObject({ ref: 'refs/heads/fleet/lodash', before: rewritten.data.sha, after: '0'.repeat(40), deleted: true, commits: [], head_commit: null });
  });

  test('manual checks wait for completeCheck; failWhen and fail-on-default decide conclusions', async () => {
    const { fake, octokit } = await setup({}, { ci: { checks: ['build', 'e2e'], outcome: 'manual', durationMs: 1000 } });
    const { sha } = await pushBranch(octokit, 'fleet/lodash');
    fake.state.advance(10_000);
    expect(fake.state.checkRuns('acme', 'api', sha).map((run) => run.status)).toEqual(['queued', 'queued']);
    fake.state.completeCheck('acme', 'api', sha, 'e2e', 'failure');
    expect(fake.state.checkRuns('acme', 'api', sha).map((run) => run.conclusion)).toEqual([null, 'failure']);

    const breaking = await setup({}, { ci: { checks: ['build'], outcome: 'pass', durationMs: 1000, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const mainSha = (await breaking.octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
    expect(breaking.fake.state.checkRuns('acme', 'api', mainSha).map((run) => run.conclusion)).toEqual(['success']);
    const bumped = await pushBranch(breaking.octokit, 'fleet/lodash');
    breaking.fake.state.advance(1000);
    expect(breaking.fake.state.checkRuns('acme', 'api', bumped.sha).map((run) => run.conclusion)).toEqual(['failure']);

    const broken = await setup({}, { ci: { checks: ['build'], outcome: 'fail-on-default', durationMs: 1000 } });
    const brokenMain = (await broken.octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
    expect(broken.fake.state.checkRuns('acme', 'api', brokenMain).map((run) => run.conclusion)).toEqual(['failure']);
  });

  test('rerequesting a check suite re-runs its checks as new attempts: flaky ones roll again, ones the change breaks fail again', async () => {
    const hook = await receiver();
    const names = Array.from({ length: 12 }, (_, i) => `check-${i}`);
    const { fake, octokit, tick } = await setup({ webhook: { url: hook.url, secret: 'shh' } }, { ci: { checks: names, outcome: 'flaky', flakyRate: 0.5, durationMs: 1000 } });
    const { sha } = await pushBranch(octokit, 'fleet/lodash');
    tick(1000);
    const first = (await octokit.rest.checks.listForRef({ ...repo, ref: sha, per_page: 100 })).data.check_runs;
    const suiteId = first[0]?.check_suite?.id ?? 0;
    await fake.state.flushWebhooks();
    hook.received.length = 0;

    const answer = await octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: suiteId });
    expect(answer.status).toBe(201);
    expect(answer.data).toEqual({});
    const queued = (await octokit.rest.checks.listForRef({ ...repo, ref: sha, per_page: 100 })).data;
    expect(queued.check_runs.map((run) => [run.status, run.check_suite?.id])).toEqual(names.map(() => ['queued', suiteId]));
    expect(queued.check_runs.every((run, i) => run.id > (first[i]?.id ?? Infinity))).toBe(true);
    expect((await octokit.rest.checks.listForRef({ ...repo, ref: sha, filter: 'all', per_page: 100 })).data.total_count).toBe(2 * names.length);
    expect((await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: sha })).data).toMatchObject({ state: 'pending', total_count: names.length });

    tick(1000);
    const second = (await octokit.rest.checks.listForRef({ ...repo, ref: sha, per_page: 100 })).data.check_runs;
    expect(second.every((run) => run.status === 'completed')).toBe(true);
    // The attempt is part of what decides a flaky check, so the re-run does not repeat the first verdicts.
    expect(second.map((run) => run.conclusion)).not.toEqual(first.map((run) => run.conclusion));
    expect(fake.state.checkRuns('acme', 'api', sha).map((run) => run.attempt)).toEqual([...names.map(() => 1), ...names.map(() => 2)]);

    // The re-run is announced like a first run: check_run and status per check, then the suite.
    await fake.state.flushWebhooks();
    const events = hook.received.map((delivery) => `${String(delivery.headers['x-github-event'])}:${(JSON.parse(delivery.body) as { action?: string }).action ?? ''}`);
    expect(events).toEqual([...names.flatMap(() => ['check_run:completed', 'status:']), 'check_suite:completed']);
    const suite = JSON.parse(hook.received.at(-1)?.body ?? '{}') as { check_suite: { id: number; latest_check_runs_count: number; rerequestable: boolean } };
    expect(suite.check_suite).toMatchObject({ id: suiteId, latest_check_runs_count: names.length, rerequestable: true });

    const breaking = await setup({}, { ci: { checks: ['build'], outcome: 'pass', durationMs: 1000, failWhenDependency: { name: 'lodash', atLeast: '4.17.21' } } });
    const bumped = await pushBranch(breaking.octokit, 'fleet/lodash');
    breaking.tick(1000);
    const broken = (await breaking.octokit.rest.checks.listForRef({ ...repo, ref: bumped.sha })).data.check_runs[0];
    await breaking.octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: broken?.check_suite?.id ?? 0 });
    breaking.tick(1000);
    expect((await breaking.octokit.rest.checks.listForRef({ ...repo, ref: bumped.sha })).data.check_runs.map((run) => run.conclusion)).toEqual(['failure']);
  });

  test('a suite that is unknown gets 404 and one that is not rerequestable gets 403, with nothing re-run', async () => {
    const { fake, octokit, tick } = await setup({}, { ci: { checks: ['build'], outcome: 'pass', durationMs: 1000, rerequestable: false } });
    const { sha } = await pushBranch(octokit, 'fleet/lodash');
    tick(1000);
    const run = (await octokit.rest.checks.listForRef({ ...repo, ref: sha })).data.check_runs[0];
    expect((await failureOf(octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: 999_999 }))).status).toBe(404);
    const refused = await failureOf(octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: run?.check_suite?.id ?? 0 }));
    expect(refused.status).toBe(403);
    expect(refused.response.data.message).toBe('This check suite is not rerequestable');
    expect(fake.state.checkRuns('acme', 'api', sha)).toHaveLength(1);
  });

  test('merging looks at the newest run of a required check: a re-run that fails blocks the merge', async () => {
    const { fake, octokit } = await setup({}, { ci: { checks: ['build'], outcome: 'manual', durationMs: 0 } });
    const { sha } = await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    fake.state.completeCheck('acme', 'api', sha, 'build', 'success');
    const suiteId = (await octokit.rest.checks.listForRef({ ...repo, ref: sha })).data.check_runs[0]?.check_suite?.id ?? 0;
    await octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: suiteId });
    fake.state.completeCheck('acme', 'api', sha, 'build', 'failure');
    expect((await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: sha })).data.state).toBe('failure');
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1, sha })).rejects.toMatchObject({ status: 405 });
    await octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: suiteId });
    fake.state.completeCheck('acme', 'api', sha, 'build', 'success');
    await expect(octokit.rest.pulls.merge({ ...repo, pull_number: 1, sha })).resolves.toMatchObject({ status: 200 });
  });

  test('a receiver that is down is logged, never crashes the server', async () => {
    const lines: string[] = [];
    const { fake, octokit } = await setup({ webhook: { url: 'http://127.0.0.1:9/nothing', secret: 's' }, log: (line) => lines.push(line) });
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    await fake.state.flushWebhooks();
    expect(fake.state.deliveries.map((delivery) => delivery.event)).toEqual(['push', 'pull_request']);
    expect(fake.state.deliveries[1]).toMatchObject({ event: 'pull_request', status: null });
    expect(lines.some((line) => line.includes('failed'))).toBe(true);
    await expect(octokit.rest.repos.get(repo)).resolves.toMatchObject({ status: 200 });
  });
});

describe('control API and request log', () => {
  test('a separate process can seed, advance, set faults and read pulls and requests over HTTP', async () => {
    const { fake, octokit } = await setup();
    const post = (path: string, body: unknown) => fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/_fake/repos', { owner: 'acme', name: 'web', files: { 'a.txt': 'a' }, ci: { checks: ['build'], outcome: 'manual', durationMs: 0 } })).status).toBe(201);
    expect((await post('/_fake/repos', { owner: 'acme' })).status).toBe(400);
    const web = await octokit.rest.git.getRef({ owner: 'acme', repo: 'web', ref: 'heads/main' });
    expect((await post('/_fake/checks/complete', { owner: 'acme', repo: 'web', sha: web.data.object.sha, name: 'build', conclusion: 'success' })).status).toBe(200);
    expect(fake.state.checkRuns('acme', 'web', web.data.object.sha)[0]?.conclusion).toBe('success');
    const before = fake.state.now();
    await post('/_fake/advance', { ms: 5000 });
    expect(fake.state.now()).toBe(before + 5000);
    await pushBranch(octokit, 'fleet/lodash');
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/lodash', base: 'main', title: 'Bump' });
    const pulls = (await (await fetch(`${fake.url}/_fake/state/pulls`)).json()) as { repo: string; number: number; state: string }[];
    expect(pulls).toEqual([expect.objectContaining({ repo: 'acme/api', number: 1, state: 'open' })]);
    const log = (await (await fetch(`${fake.url}/_fake/requests`)).json()) as { method: string; route: string; status: number }[];
    expect(log.at(-1)).toMatchObject({ method: 'POST', route: '/repos/{owner}/{repo}/pulls', status: 201 });
    expect(fake.counts()['POST /repos/{owner}/{repo}/pulls']).toBe(1);
    await post('/_fake/faults', { errorRate: 1 });
    await expect(octokit.rest.repos.get(repo)).rejects.toMatchObject({ status: expect.any(Number) as number });
    await post('/_fake/faults', null);
    await expect(octokit.rest.repos.get(repo)).resolves.toMatchObject({ status: 200 });
  });

  test('org listings paginate with a Link header', async () => {
    const { fake, octokit } = await setup();
    for (let i = 0; i < 4; i += 1) fake.state.seedRepo({ owner: 'acme', name: `svc-${i}`, files: { 'a.txt': String(i) } });
    const first = await octokit.rest.repos.listForOrg({ org: 'acme', per_page: 2 });
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain('page=3');
    const all = await octokit.paginate(octokit.rest.repos.listForOrg, { org: 'acme', per_page: 2 });
    expect(all.map((item) => item.name)).toEqual(['api', 'svc-0', 'svc-1', 'svc-2', 'svc-3']);
    await expect(octokit.rest.repos.listForOrg({ org: 'nobody' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('mergeLines', () => {
  test('applies separate changes from both sides, keeps a change both made once, and refuses overlapping or adjacent ones', async () => {
    const { mergeLines } = await import('../../../src/sandbox/github/diff.js');
    expect(mergeLines('a\nb\nc\nd\ne\n', 'A\nb\nc\nd\ne\n', 'a\nb\nc\nd\nE\n')).toBe('A\nb\nc\nd\nE\n');
    expect(mergeLines('a\nb\nc\n', 'a\nB\nc\n', 'a\nB\nc\n')).toBe('a\nB\nc\n');
    expect(mergeLines('a\nb\nc\n', 'a\nx\nb\nc\n', 'a\nb\nc\ny\n')).toBe('a\nx\nb\nc\ny\n');
    expect(mergeLines('a\nb\nc\n', 'a\nB\nc\n', 'a\nb2\nc\n')).toBeUndefined();
    expect(mergeLines('a\nb\nc\n', 'A\nb\nc\n', 'a\nB\nc\n')).toBeUndefined();
    expect(mergeLines('', 'x\n', 'y\n')).toBeUndefined();
  });
});
