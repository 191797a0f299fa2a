import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GitRemote } from '../../src/workspace/git.js';
import { commitAndPush, createWorkspacePool, folderBytes, workspaceFolderName, type Workspace } from '../../src/workspace/workspaces.js';
import { failureOf } from '../support/failure-of.js';
import { commitFiles, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';

const TOKEN = 'ghs_poolTokenNeverInTheCheckout0987654321';
const BASIC = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
const AUTHOR = { name: 'fleet[bot]', email: '41898282+fleet[bot]@users.noreply.github.com' };

let root: string;
let server: GitHttpServer;
let bare: string;
let base: string;

function git(args: string[], gitDir: string): string {
  const result = spawnSync('git', args, { encoding: 'utf8', env: { PATH: process.env.PATH, GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

function httpRemote(name = 'acme/api'): GitRemote {
  return { url: server.repoUrl(name), authorization: async () => BASIC };
}

/** A local bare repository as the remote (file://, so --depth applies). */
function fileRemote(dir: string): GitRemote {
  return { url: `file://${dir}`, authorization: async () => 'Basic unused' };
}

function settled<T>(promise: Promise<T>): { done: () => boolean; value: Promise<T> } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { done: () => done, value: promise };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 150));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleet-pool-'));
  server = await startGitHttpServer(join(root, 'server'), TOKEN);
  bare = server.createBare('acme/api');
  base = commitFiles(bare, { 'README.md': '# api\n', 'package.json': '{\n  "name": "api"\n}\n', 'src/index.ts': 'export {};\n' });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('folder names', () => {
  test('a short hash and a readable slug; different keys never share a folder', () => {
    expect(workspaceFolderName('42:acme/api')).toMatch(/^[0-9a-f]{12}-42-acme-api$/);
    expect(workspaceFolderName('42:acme/api')).not.toBe(workspaceFolderName('42:acme_api'));
    expect(workspaceFolderName('../../etc')).toMatch(/^[0-9a-f]{12}-etc$/);
  });
});

describe('acquire over HTTP', () => {
  test('a shallow, partial checkout of the sha, detached, with no credential on disk', async () => {
    const pool = createWorkspacePool({ root: join(root, 'http'), max: 2, maxMb: 100 });
    const ws = await pool.acquire({ key: '1:acme/api', remote: httpRemote(), sha: base, branch: 'fleet/x' });
    try {
      expect(ws.dir).toBe(join(root, 'http', workspaceFolderName('1:acme/api')));
      expect(readFileSync(join(ws.dir, 'package.json'), 'utf8')).toBe('{\n  "name": "api"\n}\n');
      expect(git(['rev-parse', 'HEAD'], join(ws.dir, '.git'))).toBe(base);
      expect(existsSync(join(ws.dir, '.git', 'shallow'))).toBe(true);
      const config = readFileSync(join(ws.dir, '.git', 'config'), 'utf8');
      // The server allows filters, so the fetch was partial.
      expect(config).toMatch(/promisor = true/);
      expect(config).toContain('partialclonefilter = blob:none');
      expect(config).not.toContain(TOKEN);
      expect(config).not.toContain(BASIC.slice(6));
      expect(pool.usage()).toEqual({ active: 1, waiting: 0, bytes: expect.any(Number) as number });
    } finally {
      await ws.release();
    }
    expect(pool.usage().active).toBe(0);
  });

  test('a wrong token fails the acquire with git\'s sentence and leaves no folder', async () => {
    const pool = createWorkspacePool({ root: join(root, 'http-bad'), max: 1, maxMb: 100 });
    const failure = await failureOf(pool.acquire({ key: 'k', remote: { url: server.repoUrl('acme/api'), authorization: async () => 'Basic bm9wZTpub3Bl' }, sha: base, branch: 'fleet/x' }));
    expect(failure.code).toBe('github_error');
    expect(failure.message).toContain('git fetch failed');
    expect(readdirSync(join(root, 'http-bad'))).toEqual([]);
    expect(pool.usage().active).toBe(0);
  });
});

describe('limits', () => {
  test('at most max at once; the others wait in FIFO order', async () => {
    const pool = createWorkspacePool({ root: join(root, 'max'), max: 2, maxMb: 1000 });
    const remote = fileRemote(bare);
    const a = await pool.acquire({ key: 'a', remote, sha: base, branch: 'b' });
    const b = await pool.acquire({ key: 'b', remote, sha: base, branch: 'b' });
    const order: string[] = [];
    const c = settled(pool.acquire({ key: 'c', remote, sha: base, branch: 'b' }).then((ws) => (order.push('c'), ws)));
    const d = settled(pool.acquire({ key: 'd', remote, sha: base, branch: 'b' }).then((ws) => (order.push('d'), ws)));
    await tick();
    expect(c.done()).toBe(false);
    expect(d.done()).toBe(false);
    expect(pool.usage()).toMatchObject({ active: 2, waiting: 2 });
    await a.release();
    const cws = await c.value;
    await tick();
    expect(d.done()).toBe(false);
    await b.release();
    const dws = await d.value;
    expect(order).toEqual(['c', 'd']);
    await cws.release();
    await dws.release();
    expect(pool.usage()).toMatchObject({ active: 0, waiting: 0 });
  });

  test('the disk bound makes a new acquire wait until a folder is removed; a retry of a folder on disk does not wait', async () => {
    // A bound below the size of one checkout (its .git alone is a few KB: no templates).
    const pool = createWorkspacePool({ root: join(root, 'disk'), max: 4, maxMb: 0.001 });
    const remote = fileRemote(bare);
    const first = await pool.acquire({ key: 'first', remote, sha: base, branch: 'b' });
    await first.release();
    const bytes = await folderBytes(join(root, 'disk'));
    expect(bytes).toBeGreaterThan(0.001 * 1024 * 1024);
    const second = settled(pool.acquire({ key: 'second', remote, sha: base, branch: 'b' }));
    await tick();
    expect(second.done()).toBe(false);
    expect(pool.usage()).toMatchObject({ active: 0, waiting: 1 });
    expect(pool.usage().bytes).toBe(bytes);
    // The retry of "first" passes the waiting newcomer: it adds no folder.
    const again = await pool.acquire({ key: 'first', remote, sha: base, branch: 'b' });
    await again.release();
    expect(second.done()).toBe(false);
    await pool.remove('first');
    const ws = await second.value;
    expect(existsSync(join(root, 'disk', workspaceFolderName('first')))).toBe(false);
    expect(existsSync(join(ws.dir, 'README.md'))).toBe(true);
    await ws.release();
  });

  test('the same key is never handed out twice at once', async () => {
    const pool = createWorkspacePool({ root: join(root, 'same'), max: 4, maxMb: 1000 });
    const remote = fileRemote(bare);
    const one = await pool.acquire({ key: 'k', remote, sha: base, branch: 'b' });
    const two = settled(pool.acquire({ key: 'k', remote, sha: base, branch: 'b' }));
    await tick();
    expect(two.done()).toBe(false);
    await one.release();
    await (await two.value).release();
  });

  test('bad settings are refused', () => {
    expect(() => createWorkspacePool({ root, max: 0, maxMb: 1 })).toThrow(/at least one slot/);
    expect(() => createWorkspacePool({ root, max: 1, maxMb: 0 })).toThrow(/above 0 MB/);
  });
});

describe('reuse', () => {
  test('the same key and sha reuse the folder, restored to a clean checkout, without fetching', async () => {
    const pool = createWorkspacePool({ root: join(root, 'reuse'), max: 1, maxMb: 1000 });
    const copy = join(root, 'reuse-remote.git');
    spawnSync('cp', ['-r', bare, copy]);
    const remote = fileRemote(copy);
    const ws = await pool.acquire({ key: 'k', remote, sha: base, branch: 'b' });
    writeFileSync(join(ws.dir, 'README.md'), 'changed\n');
    writeFileSync(join(ws.dir, 'junk.txt'), 'left over\n');
    mkdirSync(join(ws.dir, 'node_modules'));
    writeFileSync(join(ws.dir, 'node_modules', 'x.js'), '1');
    rmSync(join(ws.dir, 'src'), { recursive: true });
    // A retry after a commit whose push failed: the folder has moved on from the sha.
    await commitAndPush(ws, { remote: fileRemote(join(root, 'nowhere.git')), branch: 'fleet/x', message: 'x', author: AUTHOR, lease: null }).catch(() => undefined);
    expect(git(['rev-parse', 'HEAD'], join(ws.dir, '.git'))).not.toBe(base);
    await ws.release();
    // The remote is gone: a fetch would fail, so the reuse cannot have fetched.
    renameSync(copy, `${copy}-gone`);
    const again = await pool.acquire({ key: 'k', remote, sha: base, branch: 'b' });
    expect(again.dir).toBe(ws.dir);
    expect(readFileSync(join(again.dir, 'README.md'), 'utf8')).toBe('# api\n');
    expect(existsSync(join(again.dir, 'junk.txt'))).toBe(false);
    expect(existsSync(join(again.dir, 'node_modules'))).toBe(false);
    expect(readFileSync(join(again.dir, 'src', 'index.ts'), 'utf8')).toBe('export {};\n');
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: again.dir, encoding: 'utf8' }).stdout).toBe('');
    expect(git(['rev-parse', 'HEAD'], join(again.dir, '.git'))).toBe(base);
    await again.release();
    renameSync(`${copy}-gone`, copy);
  });

  test('another sha checks out again', async () => {
    const pool = createWorkspacePool({ root: join(root, 'resha'), max: 1, maxMb: 1000 });
    const remote = fileRemote(bare);
    const ws = await pool.acquire({ key: 'k', remote, sha: base, branch: 'b' });
    await ws.release();
    const next = commitFiles(bare, { 'README.md': '# api v2\n' }, 'main', 'second');
    const again = await pool.acquire({ key: 'k', remote, sha: next, branch: 'b' });
    expect(readFileSync(join(again.dir, 'README.md'), 'utf8')).toBe('# api v2\n');
    expect(git(['rev-parse', 'HEAD'], join(again.dir, '.git'))).toBe(next);
    await again.release();
  });

  test('a new pool over an existing root reuses folders a previous process left', async () => {
    const dir = join(root, 'restart');
    const remote = fileRemote(bare);
    const first = createWorkspacePool({ root: dir, max: 1, maxMb: 1000 });
    const ws = await first.acquire({ key: 'k', remote, sha: base, branch: 'b' });
    await ws.release();
    writeFileSync(join(ws.dir, 'junk'), 'x');
    const second = createWorkspacePool({ root: dir, max: 1, maxMb: 1000 });
    const again = await second.acquire({ key: 'k', remote, sha: base, branch: 'b' });
    expect(existsSync(join(again.dir, 'junk'))).toBe(false);
    await again.release();
  });
});

describe('sweep and remove', () => {
  test('sweep removes the folders of keys not kept', async () => {
    const dir = join(root, 'sweep');
    const pool = createWorkspacePool({ root: dir, max: 3, maxMb: 1000 });
    const remote = fileRemote(bare);
    for (const key of ['a', 'b', 'c']) await (await pool.acquire({ key, remote, sha: base, branch: 'b' })).release();
    mkdirSync(join(dir, 'stray'));
    await pool.sweep(new Set(['b']));
    expect(readdirSync(dir)).toEqual([workspaceFolderName('b')]);
    await pool.remove('b');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('commitAndPush', () => {
  async function changed(pool: ReturnType<typeof createWorkspacePool>, key: string, sha: string, remote: GitRemote, file = 'README.md', text = '# changed\n'): Promise<Workspace> {
    const ws = await pool.acquire({ key, remote, sha, branch: 'fleet/x' });
    writeFileSync(join(ws.dir, file), text);
    return ws;
  }

  test('over HTTP: commits as the author and creates the branch in one push', async () => {
    const pool = createWorkspacePool({ root: join(root, 'push'), max: 2, maxMb: 1000 });
    const tip = git(['rev-parse', 'refs/heads/main'], bare);
    const ws = await changed(pool, 'p1', tip, httpRemote());
    writeFileSync(join(ws.dir, 'new file.txt'), 'added\n');
    const before = server.requests.length;
    const { sha } = await commitAndPush(ws, { remote: httpRemote(), branch: 'fleet/push-one', message: 'Change the readme\n\nBy Fleet.', author: AUTHOR, lease: null });
    const pushes = server.requests.slice(before).filter((r) => r.method === 'POST');
    expect(pushes.map((r) => r.url)).toEqual(['/acme/api.git/git-receive-pack']);
    expect(git(['rev-parse', 'refs/heads/fleet/push-one'], bare)).toBe(sha);
    expect(git(['log', '-1', '--format=%an <%ae>|%cn <%ce>|%B|%P', sha], bare)).toBe(`${AUTHOR.name} <${AUTHOR.email}>|${AUTHOR.name} <${AUTHOR.email}>|Change the readme\n\nBy Fleet.\n|${tip}`);
    expect(git(['show', `${sha}:new file.txt`], bare)).toBe('added');
    await ws.release();
  });

  test('with a lease that holds, the branch is replaced; a stale lease or an existing branch for lease null is branch_moved', async () => {
    const pool = createWorkspacePool({ root: join(root, 'lease'), max: 2, maxMb: 1000 });
    const remote = fileRemote(bare);
    const tip = git(['rev-parse', 'refs/heads/main'], bare);
    let ws = await changed(pool, 'l', tip, remote, 'README.md', 'one\n');
    const first = await commitAndPush(ws, { remote, branch: 'fleet/lease', message: 'one', author: AUTHOR, lease: null });
    await ws.release();
    ws = await changed(pool, 'l', tip, remote, 'README.md', 'two\n');
    const second = await commitAndPush(ws, { remote, branch: 'fleet/lease', message: 'two', author: AUTHOR, lease: first.sha });
    expect(git(['rev-parse', 'refs/heads/fleet/lease'], bare)).toBe(second.sha);
    await ws.release();

    ws = await changed(pool, 'l', tip, remote, 'README.md', 'three\n');
    const stale = await failureOf(commitAndPush(ws, { remote, branch: 'fleet/lease', message: 'three', author: AUTHOR, lease: first.sha }));
    expect(stale.code).toBe('branch_moved');
    expect(stale.message).toContain(`Fleet expected it to be at ${first.sha.slice(0, 7)}`);
    await ws.release();
    ws = await changed(pool, 'l', tip, remote, 'README.md', 'four\n');
    const exists = await failureOf(commitAndPush(ws, { remote, branch: 'fleet/lease', message: 'four', author: AUTHOR, lease: null }));
    expect(exists.code).toBe('branch_moved');
    expect(exists.message).toContain('Fleet expected it not to exist yet');
    expect(git(['rev-parse', 'refs/heads/fleet/lease'], bare)).toBe(second.sha);
    await ws.release();
  });

  test('from a shallow checkout of a sha the default branch has since left', async () => {
    const pool = createWorkspacePool({ root: join(root, 'moved'), max: 1, maxMb: 1000 });
    const remote = fileRemote(bare);
    const old = git(['rev-parse', 'refs/heads/main'], bare);
    const ws = await changed(pool, 'm', old, remote);
    commitFiles(bare, { 'other.txt': 'someone else\n' }, 'main', 'moved on');
    const { sha } = await commitAndPush(ws, { remote, branch: 'fleet/moved', message: 'x', author: AUTHOR, lease: null });
    expect(git(['rev-parse', `${sha}^`], bare)).toBe(old);
    await ws.release();
  });

  test("a push the server refuses is github_refused with the server's sentence", async () => {
    const refusing = join(root, 'refusing.git');
    spawnSync('cp', ['-r', bare, refusing]);
    const hook = join(refusing, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "error: GH006: Protected branch update failed for refs/heads/fleet/guarded." >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const pool = createWorkspacePool({ root: join(root, 'refused'), max: 1, maxMb: 1000 });
    const remote = fileRemote(refusing);
    const ws = await changed(pool, 'r', git(['rev-parse', 'refs/heads/main'], refusing), remote);
    const failure = await failureOf(commitAndPush(ws, { remote, branch: 'fleet/guarded', message: 'x', author: AUTHOR, lease: null }));
    expect(failure.code).toBe('github_refused');
    expect(failure.message).toContain('GitHub refused the push to fleet/guarded: [remote rejected] (pre-receive hook declined)');
    expect(failure.message).toContain('GH006: Protected branch update failed');
    await ws.release();
  });

  test('nothing to commit and a bad branch name are refused before any push', async () => {
    const pool = createWorkspacePool({ root: join(root, 'nothing'), max: 1, maxMb: 1000 });
    const remote = fileRemote(bare);
    const ws = await pool.acquire({ key: 'n', remote, sha: git(['rev-parse', 'refs/heads/main'], bare), branch: 'fleet/x' });
    expect((await failureOf(commitAndPush(ws, { remote, branch: 'fleet/empty', message: 'x', author: AUTHOR, lease: null }))).message).toMatch(/has nothing to commit/);
    writeFileSync(join(ws.dir, 'a'), 'a');
    expect((await failureOf(commitAndPush(ws, { remote, branch: '-delete', message: 'x', author: AUTHOR, lease: null }))).code).toBe('bad_input');
    await ws.release();
  });
});
