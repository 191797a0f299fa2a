import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type RulesetInput, type SeedRepoInput } from '../../../src/sandbox/github/server.js';

/**
 * The fake's rulesets over real HTTP: listed as GitHub lists them, and enforced beside classic
 * protection with GitHub's 405 words; and the merge log that records whether a merged head's
 * checks had completed.
 */

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };
const OLD = '{\n  "dependencies": { "lodash": "4.17.15" }\n}\n';
const NEW = '{\n  "dependencies": { "lodash": "4.17.21" }\n}\n';

const checksRule = (contexts: string[], strict = false): RulesetInput['rules'][number] => ({
  type: 'required_status_checks',
  parameters: { required_status_checks: contexts.map((context) => ({ context })), strict_required_status_checks_policy: strict },
});

let open: FakeGitHub[] = [];
afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
});

async function setup(seed: Partial<SeedRepoInput> = {}) {
  let clock = Date.parse('2025-03-01T09:00:00Z');
  const fake = await startFakeGitHub({ now: () => clock, log: () => undefined });
  open.push(fake);
  fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'package.json': OLD, 'README.md': '# api\n' }, ci: { checks: ['build', 'lint'], outcome: 'pass', durationMs: 60_000 }, ...seed });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'secret-token', log: quiet, request: { retries: 0 } });
  return {
    fake,
    octokit,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

/** A PR changing package.json on a new branch; `signature` makes its commit one the fake cannot verify. */
async function openPull(octokit: Octokit, branch = 'fleet/lodash', options: { signature?: string } = {}): Promise<{ number: number; sha: string }> {
  const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
  const base = main.data.object.sha;
  const baseCommit = await octokit.rest.git.getCommit({ ...repo, commit_sha: base });
  const tree = await octokit.rest.git.createTree({ ...repo, base_tree: baseCommit.data.tree.sha, tree: [{ path: 'package.json', mode: '100644', type: 'blob', content: NEW }] });
  const commit = await octokit.rest.git.createCommit({ ...repo, message: 'Bump lodash', tree: tree.data.sha, parents: [base], ...(options.signature ? { signature: options.signature } : {}) });
  await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  const pull = await octokit.rest.pulls.create({ ...repo, title: 'Bump lodash', head: branch, base: 'main' });
  return { number: pull.data.number, sha: commit.data.sha };
}

/** The error a call fails with; a call that succeeds fails the test. */
async function failureOf(call: Promise<unknown>): Promise<{ status: number; response: { data: { message: string } } }> {
  return call.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as { status: number; response: { data: { message: string } } },
  );
}

/** mergeable_state after GitHub has computed it (the first read starts the computation). */
async function stateOf(octokit: Octokit, number: number): Promise<string> {
  await octokit.rest.pulls.get({ ...repo, pull_number: number });
  return (await octokit.rest.pulls.get({ ...repo, pull_number: number })).data.mergeable_state;
}

describe('rulesets over REST', () => {
  test('rules for a branch: the active rules of repository and organisation rulesets, with their sources; evaluate and other branches left out; paginated', async () => {
    const { fake, octokit } = await setup({ rulesets: [{ name: 'main', rules: [checksRule(['build']), { type: 'required_linear_history' }] }, { name: 'trial', enforcement: 'evaluate', rules: [{ type: 'required_signatures' }] }, { name: 'releases', include: ['refs/heads/release/*'], rules: [{ type: 'deletion' }] }] });
    const org = fake.state.addRuleset('acme', null, { name: 'org-wide', include: ['~ALL'], rules: [{ type: 'non_fast_forward' }] });
    const rules = (await octokit.rest.repos.getBranchRules({ ...repo, branch: 'main' })).data;
    const own = (await octokit.rest.repos.getRepoRulesets({ ...repo, includes_parents: false })).data;
    const mainId = own.find((r) => r.name === 'main')?.id;
    expect(rules).toEqual([
      { type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'build' }], strict_required_status_checks_policy: false }, ruleset_source_type: 'Repository', ruleset_source: 'acme/api', ruleset_id: mainId },
      { type: 'required_linear_history', ruleset_source_type: 'Repository', ruleset_source: 'acme/api', ruleset_id: mainId },
      { type: 'non_fast_forward', ruleset_source_type: 'Organization', ruleset_source: 'acme', ruleset_id: org.id },
    ]);
    const release = (await octokit.rest.repos.getBranchRules({ ...repo, branch: 'release/1.0' })).data;
    expect(release.map((r) => r.type)).toEqual(['deletion', 'non_fast_forward']);
    const first = await octokit.rest.repos.getBranchRules({ ...repo, branch: 'main', per_page: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.headers.link).toContain('rel="next"');
    expect(await octokit.paginate(octokit.rest.repos.getBranchRules, { ...repo, branch: 'main', per_page: 1 })).toHaveLength(3);
  });

  test('list and get: evaluate rulesets shown with their enforcement, the organisation\'s with includes_parents (the default), 404 for another repository\'s', async () => {
    const { fake, octokit } = await setup({ rulesets: [{ name: 'main', rules: [checksRule(['build'])] }, { name: 'trial', enforcement: 'evaluate', rules: [{ type: 'required_signatures' }] }] });
    fake.state.seedRepo({ owner: 'acme', name: 'web', files: { 'README.md': '# web\n' }, rulesets: [{ name: 'web-only', rules: [{ type: 'deletion' }] }] });
    const org = fake.state.addRuleset('acme', null, { name: 'org-wide', rules: [{ type: 'required_signatures' }] });
    const all = (await octokit.rest.repos.getRepoRulesets(repo)).data;
    expect(all.map((r) => [r.name, r.enforcement, r.source_type, r.source])).toEqual([
      ['main', 'active', 'Repository', 'acme/api'],
      ['trial', 'evaluate', 'Repository', 'acme/api'],
      ['org-wide', 'active', 'Organization', 'acme'],
    ]);
    expect((await octokit.rest.repos.getRepoRulesets({ ...repo, includes_parents: false })).data.map((r) => r.name)).toEqual(['main', 'trial']);
    const one = (await octokit.rest.repos.getRepoRuleset({ ...repo, ruleset_id: all[0].id })).data;
    expect(one).toMatchObject({ name: 'main', target: 'branch', conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } }, rules: [checksRule(['build'])] });
    expect((await octokit.rest.repos.getRepoRuleset({ ...repo, ruleset_id: org.id })).data).toMatchObject({ source_type: 'Organization', conditions: { repository_name: { include: ['~ALL'] } } });
    expect((await failureOf(octokit.rest.repos.getRepoRuleset({ ...repo, ruleset_id: org.id, includes_parents: false }))).status).toBe(404);
    const webId = (await octokit.rest.repos.getRepoRulesets({ owner: 'acme', repo: 'web', includes_parents: false })).data[0].id;
    expect((await failureOf(octokit.rest.repos.getRepoRuleset({ ...repo, ruleset_id: webId }))).status).toBe(404);
    expect((await failureOf(octokit.request('GET /repos/acme/api/rulesets?includes_parents=maybe'))).status).toBe(422);
  });
});

describe('rulesets enforced at merge', () => {
  test('a required check of a ruleset blocks until it passes, in GitHub\'s words; then the PR merges', async () => {
    const { octokit, tick } = await setup({ rulesets: [{ name: 'main', rules: [checksRule(['build'])] }] });
    const pull = await openPull(octokit);
    expect(await stateOf(octokit, pull.number)).toBe('blocked');
    const refused = await failureOf(octokit.rest.pulls.merge({ ...repo, pull_number: pull.number, merge_method: 'squash' }));
    expect(refused.status).toBe(405);
    expect(refused.response.data.message).toBe('Repository rule violations found\n\nRequired status check "build" is expected.\n\n');
    tick(60_000);
    expect(await stateOf(octokit, pull.number)).toBe('clean');
    expect((await octokit.rest.pulls.merge({ ...repo, pull_number: pull.number, merge_method: 'squash' })).data.merged).toBe(true);
  });

  test('a failing required check: "is failing"', async () => {
    const { octokit, tick } = await setup({ ci: { checks: ['build'], outcome: 'fail', durationMs: 60_000 }, rulesets: [{ name: 'main', rules: [checksRule(['build'])] }] });
    const pull = await openPull(octokit);
    tick(60_000);
    const refused = await failureOf(octokit.rest.pulls.merge({ ...repo, pull_number: pull.number }));
    expect(refused.response.data.message).toBe('Repository rule violations found\n\nRequired status check "build" is failing.\n\n');
  });

  test('an evaluate ruleset never blocks', async () => {
    const { fake, octokit } = await setup({ rulesets: [{ name: 'trial', enforcement: 'evaluate', rules: [checksRule(['build']), { type: 'required_linear_history' }] }] });
    const pull = await openPull(octokit);
    expect((await octokit.rest.pulls.merge({ ...repo, pull_number: pull.number, merge_method: 'merge' })).data.merged).toBe(true);
    // Merged before CI completed: nothing required it, and the merge log says so.
    expect(fake.state.merges()).toEqual([{ repo: 'acme/api', number: pull.number, headSha: pull.sha, method: 'merge', checksComplete: false, incompleteChecks: ['build', 'lint'], via: 'api' }]);
  });

  test('strict required checks: a PR behind its base is `behind` and refused as out of date', async () => {
    const { octokit, tick } = await setup({ rulesets: [{ name: 'main', rules: [checksRule(['build'], true)] }] });
    const first = await openPull(octokit, 'one');
    const second = await openPull(octokit, 'two');
    tick(60_000);
    await octokit.rest.pulls.merge({ ...repo, pull_number: first.number, merge_method: 'squash' });
    expect(await stateOf(octokit, second.number)).toBe('behind');
    const refused = await failureOf(octokit.rest.pulls.merge({ ...repo, pull_number: second.number, merge_method: 'squash' }));
    expect(refused.status).toBe(405);
    expect(refused.response.data.message).toContain('Head branch is out of date');
  });

  test('linear history: a merge commit is refused; squash and rebase are not', async () => {
    const { octokit } = await setup({ rulesets: [{ name: 'main', rules: [{ type: 'required_linear_history' }] }] });
    const first = await openPull(octokit, 'one');
    const refused = await failureOf(octokit.rest.pulls.merge({ ...repo, pull_number: first.number, merge_method: 'merge' }));
    expect(refused.status).toBe(405);
    expect(refused.response.data.message).toBe('Repository rule violations found\n\nThis branch must not contain merge commits.\n\n');
    expect((await octokit.rest.pulls.merge({ ...repo, pull_number: first.number, merge_method: 'squash' })).data.merged).toBe(true);
    const second = await openPull(octokit, 'two');
    expect((await octokit.rest.pulls.merge({ ...repo, pull_number: second.number, merge_method: 'rebase' })).data.merged).toBe(true);
  });

  test('required signatures from an organisation ruleset: a commit the fake cannot verify blocks the merge; one GitHub signed merges', async () => {
    const { fake, octokit } = await setup({ ci: undefined });
    fake.state.addRuleset('acme', null, { name: 'signed', rules: [{ type: 'required_signatures' }] });
    const unsigned = await openPull(octokit, 'unsigned', { signature: '-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----' });
    expect(await stateOf(octokit, unsigned.number)).toBe('blocked');
    const refused = await failureOf(octokit.rest.pulls.merge({ ...repo, pull_number: unsigned.number, merge_method: 'squash' }));
    expect(refused.response.data.message).toBe('Repository rule violations found\n\nCommits must have verified signatures.\n\n');
    await octokit.rest.pulls.update({ ...repo, pull_number: unsigned.number, state: 'closed' });
    const signed = await openPull(octokit, 'signed');
    expect((await octokit.rest.pulls.merge({ ...repo, pull_number: signed.number, merge_method: 'squash' })).data.merged).toBe(true);
    // No CI: nothing to wait for, so the merge counts as checked.
    expect(fake.state.merges()).toMatchObject([{ number: signed.number, checksComplete: true, incompleteChecks: [] }]);
  });

  test('classic protection keeps working beside a ruleset, and the merge log is on the control API', async () => {
    const { fake, octokit, tick } = await setup({ protection: { requiredChecks: ['lint'] }, rulesets: [{ name: 'main', rules: [checksRule(['build'])] }] });
    const pull = await openPull(octokit);
    const refused = await failureOf(octokit.rest.pulls.merge({ ...repo, pull_number: pull.number }));
    expect(refused.response.data.message).toBe('Required status check "lint" is expected.');
    tick(60_000);
    await octokit.rest.pulls.merge({ ...repo, pull_number: pull.number });
    const merges = (await (await fetch(`${fake.url}/_fake/merges`)).json()) as unknown[];
    expect(merges).toEqual([{ repo: 'acme/api', number: pull.number, headSha: pull.sha, method: 'merge', checksComplete: true, incompleteChecks: [], via: 'api' }]);
  });
});

describe('rulesets through the control API', () => {
  test('a seed over HTTP keeps its rulesets; a ruleset with an unknown rule or a misspelt parameter is refused and nothing is created', async () => {
    const { fake, octokit } = await setup();
    const post = (body: unknown) => fetch(`${fake.url}/_fake/repos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post({ owner: 'acme', name: 'web', files: { 'README.md': '# web\n' }, rulesets: [{ name: 'main', rules: [checksRule(['build'], true)] }], settings: { allowMergeCommit: false }, fork: false });
    expect(created.status).toBe(201);
    expect((await octokit.rest.repos.getBranchRules({ owner: 'acme', repo: 'web', branch: 'main' })).data).toMatchObject([{ type: 'required_status_checks', parameters: { strict_required_status_checks_policy: true }, ruleset_source: 'acme/web' }]);
    const unknown = await post({ owner: 'acme', name: 'docs', files: {}, rulesets: [{ name: 'main', rules: [{ type: 'require_everything' }] }] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain('Invalid control request');
    const misspelt = await post({ owner: 'acme', name: 'docs', files: {}, rulesets: [{ name: 'main', rules: [{ type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'build' }], strict: true } }] }] });
    expect(misspelt.status).toBe(400);
    expect((await failureOf(octokit.rest.repos.get({ owner: 'acme', repo: 'docs' }))).status).toBe(404);
  });
});
