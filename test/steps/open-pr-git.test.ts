import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { gitBlobSha, type Gateway } from '../../src/github/gateway.js';
import type { SeedRepoInput } from '../../src/sandbox/github/server.js';
import { openPrStep } from '../../src/steps/open-pr.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import { createWorkspacePool, type WorkspacePool } from '../../src/workspace/workspaces.js';
import { startHarness, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget } from './context.js';

/**
 * open-pr through a real checkout: the fake GitHub serves git smart HTTP (git http-backend), the
 * workspace pool clones from it with real git, and the step pushes its branch in one `git push`.
 */

const PACKAGE_JSON = '{\n  "name": "api",\n  "dependencies": {\n    "lodash": "^4.17.15"\n  }\n}\n';
const GIT_DATA_WRITE = /^(POST|PATCH|DELETE) \/repos\/\{owner\}\/\{repo\}\/git\//;
const RECEIVE_PACK = 'POST /{owner}/{repo}.git/git-receive-pack';

let h: Harness;
let root: string;
let pool: WorkspacePool;

beforeEach(async () => {
  h = await startHarness();
  root = mkdtempSync(join(tmpdir(), 'fleet-open-pr-ws-'));
  pool = createWorkspacePool({ root, max: 2, maxMb: 1024 });
});
afterEach(async () => {
  await h.close();
  rmSync(root, { recursive: true, force: true });
});

function seed(name: string, extra: Partial<SeedRepoInput> = {}): string {
  h.fake.state.seedRepo({
    owner: 'acme',
    name,
    files: { 'package.json': PACKAGE_JSON, '.github/CODEOWNERS': '* @acme/platform\n', 'src/index.ts': 'export {};\n' },
    protection: { requiredChecks: ['ci/test'], requiredApprovals: 0 },
    ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 60_000 },
    ...extra,
  });
  return `acme/${name}`;
}

function log(): string[] {
  return h.fake.requestLog.map((r) => `${r.method} ${r.route}`);
}

async function run(target: TargetRecord, opts: { spec?: ReturnType<typeof makeSpec>; state?: Record<string, unknown>; github?: Gateway; workspaces?: WorkspacePool | null } = {}): Promise<StepResult> {
  const workspaces = opts.workspaces === null ? undefined : (opts.workspaces ?? pool);
  const ctx = makeContext({ kind: 'open-pr', spec: opts.spec ?? makeSpec(), target, deps: { github: opts.github ?? h.github, ...(workspaces ? { workspaces } : {}) }, now: h.now(), state: opts.state });
  return openPrStep.run(ctx);
}

function eventOf(result: StepResult, kind: string): Record<string, unknown> | undefined {
  return result.events?.find((e) => e.kind === kind)?.data;
}

describe('open-pr in a workspace', () => {
  test('opens the PR through one git push: no git data API writes, the workspace is removed, the bot is the author', async () => {
    const repo = seed('api');
    const result = await run(makeTarget(repo));
    const stepLog = [...h.fake.requestLog];
    expect(result.kind).toBe('done');
    const target = applyResult(makeTarget(repo), result);
    expect(target.prNumber).toBe(1);
    expect(h.fake.state.readFiles('acme', 'api', 'fleet/bump-lodash')['package.json']).toContain('"lodash": "^4.17.21"');
    expect(log().filter((l) => GIT_DATA_WRITE.test(l))).toEqual([]);
    expect(log().filter((l) => l === RECEIVE_PACK)).toHaveLength(1);
    // One commit on the default branch's head, authored by the token's account (GET /user).
    const head = await h.github.readCommit(repo, target.headSha!);
    expect(head.parents).toEqual([await h.github.getBranchSha(repo, 'main')]);
    expect(head.author.name).toBe('fleet-bot');
    expect(head.author.email).toMatch(/^\d+\+fleet-bot@users\.noreply\.github\.com$/);
    expect(eventOf(result, 'pr.opened')).toMatchObject({ git: { via: 'push', pushed: true } });
    expect(readdirSync(root)).toEqual([]);
    expect(pool.usage().active).toBe(0);
    // The preview's estimate (REQUESTS_PER_STEP and openPrContent in plan-campaign.ts): 10 REST requests, 2 of them
    // content-creating with labels; GET /user once a process. GitHub asked the code owners itself: no review request.
    const rest = stepLog.filter((r) => !/\.git\//.test(r.route) && r.route !== '/user');
    expect(rest).toHaveLength(10);
    expect(rest.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.route}`)).toEqual(['POST /repos/{owner}/{repo}/pulls', 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels']);
    expect(h.fake.state.listPulls().find((p) => p.repo === repo)).toMatchObject({ requestedTeams: ['platform'] });
    expect(eventOf(result, 'pr.opened')).toMatchObject({ reviewers: { teams: ['platform'], note: 'the owners were already requested' } });
  });

  test('FLEET_GIT_AUTHOR is the author when set', async () => {
    const repo = seed('api');
    const ctx = makeContext({ kind: 'open-pr', spec: makeSpec(), target: makeTarget(repo), deps: { github: h.github, workspaces: pool, gitAuthor: { name: 'Platform Bot', email: 'platform@acme.io' } }, now: h.now() });
    const result = await openPrStep.run(ctx);
    const head = await h.github.readCommit(repo, applyResult(makeTarget(repo), result).headSha!);
    expect(head.author).toEqual({ name: 'Platform Bot', email: 'platform@acme.io' });
  });

  test('a change that is already there is a no-op: skipped with the reason, nothing pushed, the workspace removed', async () => {
    const repo = seed('api', { files: { 'package.json': PACKAGE_JSON.replace('^4.17.15', '^4.17.21') } });
    const result = await run(makeTarget(repo));
    expect(result).toMatchObject({ kind: 'done', skipTarget: expect.stringContaining('lodash') });
    expect(log().filter((l) => l === RECEIVE_PACK)).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
  });

  test('a re-run after a crash between the push and the PR opens the PR without pushing again', async () => {
    const repo = seed('api');
    const crashing = new Proxy(h.github, {
      get(target, key, receiver) {
        if (key === 'openPr') return async () => Promise.reject(new Error('the process died'));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    await expect(run(makeTarget(repo), { github: crashing })).rejects.toThrow('the process died');
    const pushed = await h.github.getBranchSha(repo, 'fleet/bump-lodash');
    expect(pushed).toBeDefined();
    expect(h.fake.state.listPulls()).toHaveLength(0);

    const again = await run(makeTarget(repo));
    expect(again.kind).toBe('done');
    expect(applyResult(makeTarget(repo), again)).toMatchObject({ prNumber: 1, headSha: pushed });
    expect(log().filter((l) => l === RECEIVE_PACK)).toHaveLength(1);
    expect(eventOf(again, 'pr.found')).toMatchObject({ git: { pushed: false } });
  });

  test('a rebuild after the default branch moved makes the change again on its head and pushes with a lease', async () => {
    const repo = seed('api');
    const target = applyResult(makeTarget(repo), await run(makeTarget(repo)));
    const first = target.headSha!;
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'docs', files: [{ path: 'README.md', content: '# api\n' }] });
    const main = (await h.github.getBranchSha(repo, 'main'))!;

    const rebuilt = await run(target, { state: { rebuild: 'dirty' } });
    expect(rebuilt.kind).toBe('done');
    expect(eventOf(rebuilt, 'pr.rebuilt')).toMatchObject({ rebuild: 'dirty', baseSha: main, previousHead: first });
    const head = await h.github.readCommit(repo, (await h.github.getBranchSha(repo, 'fleet/bump-lodash'))!);
    expect(head.parents).toEqual([main]);
    expect(h.fake.state.readFiles('acme', 'api', 'fleet/bump-lodash')['README.md']).toBe('# api\n');
    expect(log().filter((l) => l === RECEIVE_PACK)).toHaveLength(2);
    expect(log().filter((l) => GIT_DATA_WRITE.test(l) && !l.includes('/git/refs'))).toHaveLength(2); // only the test's own commit on main
  });

  test("someone else's commit on Fleet's branch: a rebuild goes to a person and leaves their commit", async () => {
    const repo = seed('api');
    const target = applyResult(makeTarget(repo), await run(makeTarget(repo)));
    // A person pushes a fix on top of Fleet's commit.
    await h.github.commitFiles({ repo, baseBranch: 'fleet/bump-lodash', branch: 'fleet/bump-lodash', message: 'fix', files: [{ path: 'src/index.ts', content: 'export const x = 1;\n' }] });
    const theirs = (await h.github.getBranchSha(repo, 'fleet/bump-lodash'))!;
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'main', message: 'docs', files: [{ path: 'README.md', content: '# api\n' }] });

    const result = await run(target, { state: { rebuild: 'dirty' } });
    expect(result.kind).toBe('needs-human');
    expect((result as { reason: string }).reason).toMatch(/holds a commit Fleet did not make.*does not overwrite it/);
    expect(await h.github.getBranchSha(repo, 'fleet/bump-lodash')).toBe(theirs);
    expect(log().filter((l) => l === RECEIVE_PACK)).toHaveLength(1);
  });

  test('a branch someone else created before the first PR is not overwritten', async () => {
    const repo = seed('api');
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'fleet/bump-lodash', message: 'mine', files: [{ path: 'notes.txt', content: 'mine\n' }] });
    const theirs = await h.github.getBranchSha(repo, 'fleet/bump-lodash');
    // The fake's API commits are authored by the token's login without the id in the address: not Fleet's identity.
    const result = await run(makeTarget(repo), { workspaces: pool });
    expect(result.kind).toBe('needs-human');
    expect(await h.github.getBranchSha(repo, 'fleet/bump-lodash')).toBe(theirs);
  });

  test('signed commits required: the change goes through the git data API so GitHub signs it, with no push', async () => {
    const repo = seed('api', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 0, requiredSignatures: true } });
    expect(await h.github.requiresSignedCommits(repo, 'main')).toBe(true);
    const result = await run(makeTarget(repo));
    expect(result.kind).toBe('done');
    expect(eventOf(result, 'pr.opened')).toMatchObject({ git: { via: 'api' } });
    expect(log().filter((l) => l === RECEIVE_PACK)).toEqual([]);
    expect(log()).toContain('POST /repos/{owner}/{repo}/git/commits');
    expect(h.fake.state.readFiles('acme', 'api', 'fleet/bump-lodash')['package.json']).toContain('"lodash": "^4.17.21"');
    expect(readdirSync(root)).toEqual([]);
  });

  test('signed commits with binary files, an executable and a link from a run command: the API commit carries them byte for byte', async () => {
    const repo = seed('api', { protection: { requiredChecks: ['ci/test'], requiredApprovals: 0, requiredSignatures: true } });
    const spec = makeSpec({ change: { kind: 'run', options: { commands: [{ run: 'printf "\\211PNG\\000\\377" > logo.png && printf "#!/bin/sh\\n" > run.sh && chmod +x run.sh && ln -s src/index.ts entry.ts && mv src/index.ts src/main.ts' }] } } });
    const result = await run(makeTarget(repo), { spec });
    expect((result as { reason?: string }).reason).toBeUndefined();
    expect(result.kind).toBe('done');
    expect(log().filter((l) => l === RECEIVE_PACK)).toEqual([]);
    const tree = await h.github.listTree(repo, (await h.github.getBranchSha(repo, 'fleet/bump-lodash'))!);
    const byPath = new Map(tree.map((e) => [e.path, e]));
    expect(byPath.get('logo.png')?.sha).toBe(gitBlobSha(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff])));
    expect(byPath.get('run.sh')?.mode).toBe('100755');
    expect(byPath.get('entry.ts')).toMatchObject({ mode: '120000', sha: gitBlobSha('src/index.ts') });
    expect(byPath.has('src/main.ts')).toBe(true);
    expect(byPath.has('src/index.ts')).toBe(false);
  });

  test('signed commits required: the PR open-pr made through the API merges; a PR whose head was pushed with git is refused with GitHub\'s 405', async () => {
    const protection = { requiredChecks: ['ci/test'], requiredApprovals: 0, requiredSignatures: true };
    const signed = seed('api', { protection });
    const pushed = seed('web', { protection });
    const viaApi = applyResult(makeTarget(signed), await run(makeTarget(signed)));
    // A gateway that does not look at the protection pushes the branch with git, as a person would.
    const unaware: Gateway = { ...h.github, getBranchRules: async (r, b) => ({ ...(await h.github.getBranchRules(r, b)), signatures: { required: false, by: [] } }) };
    const viaPush = applyResult(makeTarget(pushed), await run(makeTarget(pushed), { github: unaware }));
    expect(log().filter((l) => l === RECEIVE_PACK)).toHaveLength(1);
    h.fake.state.advance(61_000);
    const apiHead = await h.github.readCommit(signed, viaApi.headSha!);
    expect(apiHead.parents).toHaveLength(1);
    const verification = async (repo: string, sha: string) => (await h.octokit.rest.git.getCommit({ owner: 'acme', repo: repo.split('/')[1], commit_sha: sha })).data.verification;
    expect(await verification(signed, viaApi.headSha!)).toMatchObject({ verified: true, reason: 'valid' });
    expect(await verification(pushed, viaPush.headSha!)).toMatchObject({ verified: false, reason: 'unsigned' });
    const merged = await h.github.mergePr({ repo: signed, number: viaApi.prNumber!, sha: viaApi.headSha!, method: 'squash' });
    expect(merged.kind).toBe('merged');
    expect(h.fake.state.readFiles('acme', 'api', 'main')['package.json']).toContain('"lodash": "^4.17.21"');
    const refused = await h.github.mergePr({ repo: pushed, number: viaPush.prNumber!, sha: viaPush.headSha!, method: 'squash' });
    expect(refused).toEqual({ kind: 'not-mergeable', reason: expect.stringContaining('Commits must have verified signatures.') });
    expect(h.fake.state.readFiles('acme', 'web', 'main')['package.json']).toContain('"lodash": "^4.17.15"');
  });

  test('an unprotected branch does not require signatures', async () => {
    const repo = seed('api', { protection: undefined });
    expect(await h.github.requiresSignedCommits(repo, 'main')).toBe(false);
  });

  test('a run command that fails sends the target to a person with the end of its output, kept in the event', async () => {
    const repo = seed('api');
    const spec = makeSpec({ change: { kind: 'run', options: { commands: [{ run: 'for i in 1 2 3; do echo "step $i"; done; echo "lockfile is corrupt" >&2; exit 3' }] } } });
    const result = await run(makeTarget(repo), { spec });
    expect(result.kind).toBe('needs-human');
    const reason = (result as { reason: string }).reason;
    expect(reason).toContain('lockfile is corrupt');
    expect(reason).toContain('step 3');
    const failed = eventOf(result, 'change.failed')!;
    expect(String(failed.outputTail)).toContain('lockfile is corrupt');
    expect(log().filter((l) => l === RECEIVE_PACK)).toEqual([]);
  });

  test('a run command whose change is pushed: the diff of what it left in the working tree', async () => {
    const repo = seed('api');
    const spec = makeSpec({ change: { kind: 'run', options: { commands: [{ argv: ['sh', '-c', 'printf "hello\\n" > NOTES.md && rm src/index.ts'] }] } } });
    const result = await run(makeTarget(repo), { spec });
    expect(result.kind).toBe('done');
    const files = h.fake.state.readFiles('acme', 'api', 'fleet/bump-lodash');
    expect(files['NOTES.md']).toBe('hello\n');
    expect(files['src/index.ts']).toBeUndefined();
    expect(log().filter((l) => GIT_DATA_WRITE.test(l))).toEqual([]);
  });
});
