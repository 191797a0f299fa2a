import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, test } from 'vitest';
import { generateFleet } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../../../src/sandbox/fleet/seed-fleet.js';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../../src/sandbox/github/server.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const TOKEN = 'ghs_test_token';
const repo = { owner: 'acme', repo: 'api' };

let fakes: FakeGitHub[] = [];
let dirs: string[] = [];
const servers: { close: () => void }[] = [];

afterEach(async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
  fakes = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
  for (const server of servers.splice(0)) server.close();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-git-http-'));
  dirs.push(dir);
  return dir;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real git client (async: the fake answers in this same process). The token travels as
 * an Authorization header through GIT_CONFIG_COUNT, never in the URL or argv.
 */
function git(args: string[], options: { cwd: string; token?: string | null; env?: Record<string, string> }): Promise<GitResult> {
  const home = join(options.cwd, '..', '.home');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: existsSync(home) ? home : options.cwd,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Ada Lovelace',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada Lovelace',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
    ...options.env,
  };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  }
  return new Promise((resolve) => {
    execFile('git', args, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** Runs git and fails the test with git's own words when it fails. */
async function ok(args: string[], options: Parameters<typeof git>[1]): Promise<string> {
  const result = await git(args, options);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout.trim();
}

async function setup(options: FakeGitHubOptions = {}, seed: Partial<Parameters<FakeGitHub['state']['seedRepo']>[0]> = {}) {
  let clock = Date.parse('2025-03-01T09:00:00Z');
  const lines: string[] = [];
  const fake = await startFakeGitHub({ now: () => clock, log: (line) => lines.push(line), tokens: { [TOKEN]: 'fleet-bot' }, ...options });
  fakes.push(fake);
  const seeded = fake.state.seedRepo({
    owner: 'acme',
    name: 'api',
    files: { 'package.json': '{\n  "name": "api"\n}\n', 'README.md': '# api\n', 'src/index.js': 'module.exports = 1;\n' },
    ci: { checks: ['build'], outcome: 'pass', durationMs: 60_000 },
    ...seed,
  });
  const octokit = new Octokit({ baseUrl: fake.url, auth: TOKEN, log: quiet, request: { retries: 0 } });
  const work = tempDir();
  return { fake, octokit, work, seeded, lines, tick: (ms: number) => (clock += ms) };
}

async function receiver(): Promise<{ url: string; received: { headers: IncomingHttpHeaders; body: string }[] }> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

describe('clone and fetch', () => {
  test('git clones a seeded repository with the shas REST shows, and the request log has the git routes with byte counts', async () => {
    const { fake, octokit, work, seeded } = await setup();
    await ok(['clone', '-q', fake.gitUrl('acme', 'api'), 'api'], { cwd: work });
    const dir = join(work, 'api');
    expect(await ok(['rev-parse', 'HEAD'], { cwd: dir })).toBe(seeded.headSha);
    expect(readFileSync(join(dir, 'src/index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(await ok(['fsck', '--strict'], { cwd: dir })).toBe('');
    const tree = await octokit.rest.git.getTree({ ...repo, tree_sha: seeded.headSha });
    expect(await ok(['rev-parse', 'HEAD^{tree}'], { cwd: dir })).toBe(tree.data.sha);
    expect(await ok(['remote', 'get-url', 'origin'], { cwd: dir })).toBe(`${fake.url}/acme/api.git`);

    const counts = fake.counts();
    expect(counts['GET /{owner}/{repo}.git/info/refs']).toBeGreaterThanOrEqual(1);
    expect(counts['POST /{owner}/{repo}.git/git-upload-pack']).toBeGreaterThanOrEqual(1);
    const upload = fake.requestLog.find((entry) => entry.route === '/{owner}/{repo}.git/git-upload-pack');
    expect(upload).toMatchObject({ method: 'POST', status: 200 });
    expect(upload?.bytesIn).toBeGreaterThan(0);
    expect(upload?.bytesOut).toBeGreaterThan(0);
    const rest = fake.requestLog.find((entry) => entry.route === '/repos/{owner}/{repo}/git/trees/{tree_sha}');
    expect(rest?.bytesOut).toBeGreaterThan(100);
    expect(rest?.bytesIn).toBe(0);
  });

  test('a shallow, partial fetch of one sha gets that commit and its tree, without blobs', async () => {
    const { fake, work, seeded } = await setup();
    const dir = join(work, 'one');
    await ok(['init', '-q', dir], { cwd: work });
    await ok(['remote', 'add', 'origin', fake.gitUrl('acme', 'api')], { cwd: dir });
    await ok(['fetch', '-q', '--depth=1', '--filter=blob:none', 'origin', seeded.headSha], { cwd: dir });
    expect(await ok(['rev-parse', 'FETCH_HEAD'], { cwd: dir })).toBe(seeded.headSha);
    expect(await ok(['cat-file', '-t', `${seeded.headSha}^{tree}`], { cwd: dir })).toBe('tree');
    // The blobs were filtered out: listing them shows them as missing until a checkout fetches them.
    const missing = await ok(['rev-list', '--objects', '--missing=print', seeded.headSha], { cwd: dir });
    expect(missing.split('\n').filter((line) => line.startsWith('?')).length).toBe(3);
    expect(readFileSync(join(dir, '.git', 'shallow'), 'utf8').trim()).toBe(seeded.headSha);
    await ok(['checkout', '-q', seeded.headSha], { cwd: dir });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# api\n');
  });

  test('a repository of hundreds of files (exported as one pack) clones clean, and a push of megabytes (chunked) lands byte-exact', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i += 1) files[`src/module${i % 12}/file${i}.ts`] = `export const value${i} = ${i};\n`;
    const { fake, octokit, work, seeded } = await setup({}, { files });
    await ok(['clone', '-q', fake.gitUrl('acme', 'api'), 'big'], { cwd: work });
    const dir = join(work, 'big');
    expect(await ok(['rev-parse', 'HEAD'], { cwd: dir })).toBe(seeded.headSha);
    expect(await ok(['fsck', '--strict', '--no-dangling'], { cwd: dir })).toBe('');
    expect((await ok(['ls-files'], { cwd: dir })).split('\n')).toHaveLength(300);

    // Incompressible, so the pack is over git's 1 MB post buffer and goes chunked.
    const large = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(dir, 'large.bin'), large);
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'large'], { cwd: dir });
    await ok(['push', '-q', 'origin', 'HEAD:refs/heads/large'], { cwd: dir });
    const receive = fake.requestLog.filter((entry) => entry.route === '/{owner}/{repo}.git/git-receive-pack').at(-1);
    expect(receive?.bytesIn).toBeGreaterThan(1024 * 1024);
    const tree = await octokit.rest.git.getTree({ ...repo, tree_sha: 'large' });
    const entry = tree.data.tree.find((item) => item.path === 'large.bin');
    expect(entry?.size).toBe(large.length);
    const blob = await octokit.rest.git.getBlob({ ...repo, file_sha: entry?.sha ?? '' });
    expect(Buffer.from(blob.data.content, 'base64').equals(large)).toBe(true);
  });

  test('a generated realistic repository (binary files, a few large) clones with every file byte-equal to its seed', async () => {
    const fake = await startFakeGitHub({ log: () => undefined, tokens: { [TOKEN]: 'fleet-bot' } });
    fakes.push(fake);
    const fleet = generateFleet({ seed: 7, repos: 3 });
    seedFleet(fake, fleet);
    const work = tempDir();
    for (const target of fleet) {
      await ok(['clone', '-q', '--depth=1', fake.gitUrl(target.org, target.name), target.name], { cwd: work });
      const dir = join(work, target.name);
      const listed = (await ok(['ls-files'], { cwd: dir })).split('\n');
      expect(listed.sort()).toEqual(Object.keys(target.files).sort());
      for (const [path, content] of Object.entries(target.files)) {
        const expected = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
        expect(readFileSync(join(dir, path)).equals(expected), path).toBe(true);
      }
    }
  });

  test('a commit made through REST with a dated offset reaches git with that time zone and the same sha', async () => {
    const { fake, octokit, work, seeded } = await setup();
    const base = await octokit.rest.git.getCommit({ ...repo, commit_sha: seeded.headSha });
    const author = { name: 'Grace', email: 'grace@example.com', date: '2024-03-01T12:00:00+02:00' };
    const made = await octokit.rest.git.createCommit({ ...repo, message: 'Zoned\n', tree: base.data.tree.sha, parents: [seeded.headSha], author });
    expect(made.data.author.date).toBe('2024-03-01T10:00:00Z');
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/zoned', sha: made.data.sha });
    const dir = join(work, 'z');
    await ok(['clone', '-q', '--branch', 'zoned', fake.gitUrl('acme', 'api'), 'z'], { cwd: work });
    expect(await ok(['rev-parse', 'HEAD'], { cwd: dir })).toBe(made.data.sha);
    expect(await ok(['log', '-1', '--format=%an %ad', '--date=iso-strict'], { cwd: dir })).toBe('Grace 2024-03-01T12:00:00+02:00');
  });

  test('git ls-remote lists the refs REST made, and anything else under .git is 404', async () => {
    const { fake, octokit, work, seeded } = await setup();
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/feature', sha: seeded.headSha });
    const listing = await ok(['ls-remote', fake.gitUrl('acme', 'api')], { cwd: work });
    expect(listing.split('\n').sort()).toEqual([`${seeded.headSha}\tHEAD`, `${seeded.headSha}\trefs/heads/feature`, `${seeded.headSha}\trefs/heads/main`]);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${fake.url}/acme/api.git/HEAD`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${fake.url}/acme/api.git/info/refs`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${fake.url}/acme/api.git/objects/info/packs`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${fake.url}/acme/nope.git/info/refs?service=git-upload-pack`, { headers: auth })).status).toBe(404);
    const advert = await fetch(`${fake.url}/acme/api/info/refs?service=git-upload-pack`, { headers: { authorization: `token ${TOKEN}` } });
    expect(advert.status).toBe(200);
    expect(advert.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(await advert.text()).toContain('# service=git-upload-pack');
    // Protocol v2 when the client asks for it (git 2.39 does by default).
    const v2 = await fetch(`${fake.url}/acme/api.git/info/refs?service=git-upload-pack`, { headers: { ...auth, 'git-protocol': 'version=2' } });
    expect(await v2.text()).toContain('version 2');
  });

  test("protocol v2's upload-pack advertisement, given by git for the first repository, is repeated byte for byte for another, which still lists its own refs", async () => {
    const { fake, work } = await setup();
    const web = fake.state.seedRepo({ owner: 'acme', name: 'web', files: { 'index.html': '<p>web</p>\n' } });
    const advert = async (of: FakeGitHub, name: string, protocol = 'version=2') => {
      const response = await fetch(`${of.url}/acme/${name}.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${TOKEN}`, 'git-protocol': protocol } });
      return { status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), body: Buffer.from(await response.arrayBuffer()).toString('latin1') };
    };
    const first = await advert(fake, 'api');
    const repeated = await advert(fake, 'web');
    // A fresh fake has given nothing yet: its answer for web is git's own.
    const other = await startFakeGitHub({ now: () => Date.parse('2025-03-01T09:00:00Z'), log: () => undefined, tokens: { [TOKEN]: 'fleet-bot' } });
    fakes.push(other);
    other.state.seedRepo({ owner: 'acme', name: 'web', files: { 'index.html': '<p>web</p>\n' } });
    const fromGit = await advert(other, 'web');
    expect(first.body).toContain('version 2');
    expect(repeated).toEqual(fromGit);
    expect(repeated).toEqual(first);
    // Protocol v0 lists refs in the advertisement: git answers it every time.
    expect((await advert(fake, 'web', '')).body).toContain(web.headSha);
    const listing = await ok(['ls-remote', fake.gitUrl('acme', 'web')], { cwd: work });
    expect(listing.split('\n').sort()).toEqual([`${web.headSha}\tHEAD`, `${web.headSha}\trefs/heads/main`]);
    const v2 = fake.requestLog.filter((entry) => entry.route === '/{owner}/{repo}.git/info/refs');
    expect(v2.every((entry) => entry.status === 200)).toBe(true);
  });
});

describe('auth', () => {
  test('no token or an unknown one is 401 with a Basic challenge; git fails and nothing is served', async () => {
    const { fake, work } = await setup();
    const bare = await fetch(`${fake.url}/acme/api.git/info/refs?service=git-upload-pack`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    const wrong = await fetch(`${fake.url}/acme/api.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Basic ${Buffer.from('x-access-token:nope').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');

    const none = await git(['clone', '-q', fake.gitUrl('acme', 'api'), 'a'], { cwd: work, token: null });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/Authentication failed|could not read Username/);
    const bad = await git(['clone', '-q', fake.gitUrl('acme', 'api'), 'b'], { cwd: work, token: 'ghs_wrong' });
    expect(bad.code).not.toBe(0);
    expect(existsSync(join(work, 'b', 'README.md'))).toBe(false);
    const statuses = fake.requestLog.filter((entry) => entry.route === '/{owner}/{repo}.git/info/refs').map((entry) => entry.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 401)).toBe(true);
  });

  test('faults set for REST leave git alone', async () => {
    const { fake, work, seeded } = await setup();
    fake.setFaults({ errorRate: 1 });
    await ok(['clone', '-q', fake.gitUrl('acme', 'api'), 'api'], { cwd: work });
    expect(await ok(['rev-parse', 'HEAD'], { cwd: join(work, 'api') })).toBe(seeded.headSha);
  });
});

interface PushPayload {
  compare: string;
  pusher: unknown;
  sender: { login: string };
  repository: { pushed_at: unknown };
  commits: { author: unknown }[];
  head_commit: { id: string };
  installation: unknown;
}

describe('push', () => {
  const zoned = { GIT_AUTHOR_DATE: '2024-03-01T12:00:00+0200', GIT_COMMITTER_DATE: '2024-03-01T12:30:00+0200' };

  async function cloneOf(fake: FakeGitHub, work: string, name = 'api'): Promise<string> {
    await ok(['clone', '-q', fake.gitUrl('acme', 'api'), name], { cwd: work });
    return join(work, name);
  }

  test('a pushed branch is visible to REST at once: ref, commit (same sha, time zone rendered in UTC), tree with modes, compare', async () => {
    const { fake, octokit, work, seeded } = await setup();
    const dir = await cloneOf(fake, work);
    await ok(['checkout', '-q', '-b', 'fleet/bump'], { cwd: dir });
    writeFileSync(join(dir, 'package.json'), '{\n  "name": "api",\n  "version": "2.0.0"\n}\n');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    symlinkSync('README.md', join(dir, 'LINK.md'));
    writeFileSync(join(dir, 'logo.bin'), Buffer.from([0, 1, 2, 255, 254, 0, 10]));
    await ok(['add', '-A'], { cwd: dir });
    // A submodule pointer (gitlink) to a commit that lives elsewhere.
    await ok(['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/lib`], { cwd: dir });
    await ok(['commit', '-q', '-m', 'Bump the version\n\nWith a body.'], { cwd: dir, env: zoned });
    const sha = await ok(['rev-parse', 'HEAD'], { cwd: dir });
    const pushed = await git(['push', '-u', 'origin', 'fleet/bump'], { cwd: dir });
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toContain('* [new branch]      fleet/bump -> fleet/bump');

    const ref = await octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/bump' });
    expect(ref.data.object.sha).toBe(sha);
    const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
    expect(commit.data.sha).toBe(sha);
    expect(commit.data.author).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', date: '2024-03-01T10:00:00Z' });
    expect(commit.data.committer.date).toBe('2024-03-01T10:30:00Z');
    expect(commit.data.message).toBe('Bump the version\n\nWith a body.\n');
    expect(commit.data.parents.map((parent) => parent.sha)).toEqual([seeded.headSha]);
    const tree = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: 'true' });
    expect(tree.data.sha).toBe(await ok(['rev-parse', 'HEAD^{tree}'], { cwd: dir }));
    const modes = Object.fromEntries(tree.data.tree.map((entry) => [entry.path, `${entry.mode} ${entry.type}`]));
    expect(modes).toMatchObject({ 'run.sh': '100755 blob', 'LINK.md': '120000 blob', 'vendor/lib': '160000 commit', vendor: '040000 tree', 'logo.bin': '100644 blob' });
    const blob = await octokit.rest.git.getBlob({ ...repo, file_sha: tree.data.tree.find((entry) => entry.path === 'logo.bin')?.sha ?? '' });
    expect(Buffer.from(blob.data.content, 'base64')).toEqual(Buffer.from([0, 1, 2, 255, 254, 0, 10]));
    const compare = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...fleet/bump' });
    expect(compare.data).toMatchObject({ status: 'ahead', ahead_by: 1, total_commits: 1 });
    expect(compare.data.commits[0]?.commit.author?.date).toBe('2024-03-01T10:00:00Z');
    expect(compare.data.files?.map((file) => `${file.status} ${file.filename}`).sort()).toEqual(['added LINK.md', 'added logo.bin', 'added run.sh', 'added vendor/lib', 'modified package.json']);
    expect(fake.counts()['POST /{owner}/{repo}.git/git-receive-pack']).toBe(1);
    // New commits get CI as API commits do.
    expect(fake.state.checkRuns('acme', 'api', sha).map((run) => run.name)).toEqual(['build']);
  });

  test('signed commits, extra headers and encodings are stored byte-exact and served back unchanged', async () => {
    const { fake, octokit, work, seeded } = await setup();
    const dir = await cloneOf(fake, work);
    const tree = await ok(['rev-parse', 'HEAD^{tree}'], { cwd: dir });
    const raw = [
      `tree ${tree}`,
      `parent ${seeded.headSha}`,
      'author Zoë Ünicode <zoe@example.com> 1709287200 -0530',
      'committer Zoë Ünicode <zoe@example.com> 1709287260 +1345',
      'encoding ISO-8859-1',
      'gpgsig -----BEGIN PGP SIGNATURE-----',
      ' ',
      ' iQEzBAABCAAdFiEEnotarealsignaturebutshapedlikeone=',
      ' =abcd',
      ' -----END PGP SIGNATURE-----',
      '',
      'Signed change',
      '',
    ].join('\n');
    const path = join(work, 'commit.txt');
    writeFileSync(path, raw);
    const sha = await ok(['hash-object', '-t', 'commit', '-w', path], { cwd: dir });
    await ok(['push', '-q', 'origin', `${sha}:refs/heads/signed`], { cwd: dir });
    const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
    expect(commit.data.sha).toBe(sha);
    expect(commit.data.author).toEqual({ name: 'Zoë Ünicode', email: 'zoe@example.com', date: '2024-03-01T10:00:00Z' });
    expect(commit.data.committer.date).toBe('2024-03-01T10:01:00Z');
    expect(commit.data.message).toBe('Signed change\n');

    const again = await cloneOf(fake, work, 'again');
    await ok(['fetch', '-q', 'origin', 'signed'], { cwd: again });
    expect(await ok(['cat-file', 'commit', sha], { cwd: again })).toBe(raw.trimEnd());
  });

  test('a push to a PR head is a synchronize with new check runs, and sends the push webhook', async () => {
    const hook = await receiver();
    const { fake, octokit, work, seeded } = await setup({ webhook: { url: hook.url, secret: 's' } });
    const dir = await cloneOf(fake, work);
    await ok(['checkout', '-q', '-b', 'fleet/x'], { cwd: dir });
    writeFileSync(join(dir, 'a.txt'), 'one\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'one'], { cwd: dir, env: zoned });
    await ok(['push', '-q', 'origin', 'fleet/x'], { cwd: dir });
    const first = await ok(['rev-parse', 'HEAD'], { cwd: dir });
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/x', base: 'main', title: 'X' });
    writeFileSync(join(dir, 'a.txt'), 'two\n');
    writeFileSync(join(dir, 'b.txt'), 'b\n');
    await ok(['rm', '-q', 'README.md'], { cwd: dir });
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'two'], { cwd: dir, env: zoned });
    await ok(['push', '-q', 'origin', 'fleet/x'], { cwd: dir });
    const second = await ok(['rev-parse', 'HEAD'], { cwd: dir });
    await fake.state.flushWebhooks();

    const pull = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect(pull.data.head.sha).toBe(second);
    expect(fake.state.checkRuns('acme', 'api', second).map((run) => `${run.name}:${run.status}`)).toEqual(['build:queued']);
    const events = hook.received.map((delivery) => {
      const body = JSON.parse(delivery.body) as { action?: string };
      return `${String(delivery.headers['x-github-event'])}${body.action ? `:${body.action}` : ''}`;
    });
    expect(events).toEqual(['push', 'pull_request:opened', 'pull_request:synchronize', 'push']);

    const created = JSON.parse(hook.received[0]?.body ?? '{}') as Record<string, unknown>;
    expect(created).toMatchObject({ ref: 'refs/heads/fleet/x', before: '0'.repeat(40), after: first, created: true, deleted: false, forced: false, base_ref: null });
    expect(created.compare).toBe(`${fake.url}/acme/api/compare/fleet/x`);
    const push = JSON.parse(hook.received[3]?.body ?? '{}') as PushPayload;
    expect(push).toMatchObject({ ref: 'refs/heads/fleet/x', before: first, after: second, created: false, deleted: false, forced: false, base_ref: null });
    expect(push.compare).toBe(`${fake.url}/acme/api/compare/${first.slice(0, 12)}...${second.slice(0, 12)}`);
    expect(push.pusher).toEqual({ name: 'fleet-bot', email: 'fleet-bot@users.noreply.github.com' });
    expect(push.sender.login).toBe('fleet-bot');
    expect(push.repository).toMatchObject({ full_name: 'acme/api', default_branch: 'main', master_branch: 'main' });
    expect(typeof push.repository.pushed_at).toBe('number');
    expect(push.commits).toHaveLength(1);
    expect(push.commits[0]).toMatchObject({ id: second, message: 'two', timestamp: '2024-03-01T12:30:00+02:00', distinct: true, added: ['b.txt'], removed: ['README.md'], modified: ['a.txt'] });
    expect(push.commits[0].author).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(push.head_commit.id).toBe(second);
    expect(push.installation).toEqual({ id: 1, node_id: expect.any(String) });
    void seeded;
  });

  test('--force-with-lease is refused when the lease is stale, and a force push with a good lease is reported as forced', async () => {
    const hook = await receiver();
    const { fake, octokit, work, seeded } = await setup({ webhook: { url: hook.url, secret: 's' } });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/fleet/lease', sha: seeded.headSha });
    const dir = await cloneOf(fake, work);
    await ok(['checkout', '-q', '-b', 'fleet/lease'], { cwd: dir });
    writeFileSync(join(dir, 'mine.txt'), 'mine\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'mine'], { cwd: dir });
    const mine = await ok(['rev-parse', 'HEAD'], { cwd: dir });

    // Someone else moves the branch through REST after the clone.
    const other = await octokit.rest.git.createCommit({ ...repo, message: 'theirs', tree: (await octokit.rest.git.getCommit({ ...repo, commit_sha: seeded.headSha })).data.tree.sha, parents: [seeded.headSha] });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/fleet/lease', sha: other.data.sha });
    const stale = await git(['push', `--force-with-lease=fleet/lease:${seeded.headSha}`, 'origin', 'HEAD:refs/heads/fleet/lease'], { cwd: dir });
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('[rejected]        HEAD -> fleet/lease (stale info)');
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/lease' })).data.object.sha).toBe(other.data.sha);

    const fresh = await git(['push', `--force-with-lease=fleet/lease:${other.data.sha}`, 'origin', 'HEAD:refs/heads/fleet/lease'], { cwd: dir });
    expect(fresh.code).toBe(0);
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/lease' })).data.object.sha).toBe(mine);
    await fake.state.flushWebhooks();
    const push = JSON.parse(hook.received.at(-1)?.body ?? '{}') as Record<string, unknown>;
    expect(push).toMatchObject({ before: other.data.sha, after: mine, forced: true });
  });

  test('a push to a protected default branch is refused with GH006 and changes nothing', async () => {
    const { fake, octokit, work, seeded } = await setup({}, { protection: { requiredChecks: ['build'] } });
    const dir = await cloneOf(fake, work);
    writeFileSync(join(dir, 'direct.txt'), 'direct\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'direct'], { cwd: dir });
    const refused = await git(['push', 'origin', 'main'], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('remote: error: GH006: Protected branch update failed for refs/heads/main.');
    expect(refused.stderr).toContain('remote: error: Required status check "build" is expected.');
    expect(refused.stderr).toContain('! [remote rejected] main -> main (pre-receive hook declined)');
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha).toBe(seeded.headSha);
    const deleted = await git(['push', 'origin', ':main'], { cwd: dir });
    expect(deleted.stderr).toContain('remote: error: GH006: Protected branch update failed for refs/heads/main.');
    expect(deleted.stderr).toContain('remote: error: Cannot delete this branch');
    await ok(['commit', '-q', '--amend', '-m', 'rewritten'], { cwd: dir });
    await ok(['push', '-q', 'origin', 'HEAD:refs/heads/pending'], { cwd: dir });
    await ok(['fetch', '-q', 'origin'], { cwd: dir });
    const rewrite = await git(['push', '--force', 'origin', 'origin/pending:main'], { cwd: dir });
    expect(rewrite.code).not.toBe(0);
    expect(rewrite.stderr).toContain('remote: error: Required status check "build" is expected.');
    await ok(['checkout', '-q', '--orphan', 'unrelated'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'unrelated'], { cwd: dir });
    const unrelated = await git(['push', '--force', 'origin', 'HEAD:main'], { cwd: dir });
    expect(unrelated.stderr).toContain('remote: error: Cannot force-push to this branch');
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha).toBe(seeded.headSha);
    // GitHub's pull refs are read-only.
    const hidden = await git(['push', 'origin', 'HEAD:refs/pull/1/head'], { cwd: dir });
    expect(hidden.stderr).toContain('(deny updating a hidden ref)');
    // Other branches take pushes as usual.
    expect((await git(['push', '-q', 'origin', 'HEAD:refs/heads/side'], { cwd: dir })).code).toBe(0);
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/side' })).data.object.sha).toBe(await ok(['rev-parse', 'HEAD'], { cwd: dir }));
  });

  test('required signatures: unsigned and unverifiable pushed commits are refused on the branch and block a merge; commits GitHub signs pass', async () => {
    const { fake, octokit, work, seeded } = await setup({}, { protection: { requiredChecks: [], requiredSignatures: true } });
    const dir = await cloneOf(fake, work);
    writeFileSync(join(dir, 'direct.txt'), 'direct\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'direct'], { cwd: dir });
    const unsigned = await ok(['rev-parse', 'HEAD'], { cwd: dir });
    const refused = await git(['push', 'origin', 'main'], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('remote: error: GH006: Protected branch update failed for refs/heads/main.');
    expect(refused.stderr).toContain('remote: error: Commits must have verified signatures.');
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha).toBe(seeded.headSha);

    // A commit with a gpgsig the fake cannot check (it holds no key) is unverified: unknown_key, with its signature and payload.
    const tree = await ok(['rev-parse', 'HEAD^{tree}'], { cwd: dir });
    const payload = [`tree ${tree}`, `parent ${seeded.headSha}`, 'author Ada Lovelace <ada@example.com> 1709287200 +0000', 'committer Ada Lovelace <ada@example.com> 1709287200 +0000', '', 'Signed by Ada', ''].join('\n');
    const signature = '-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEEnotarealsignature=\n=abcd\n-----END PGP SIGNATURE-----\n';
    const raw = payload.replace('\n\n', `\ngpgsig ${signature.trimEnd().split('\n').join('\n ')}\n\n`);
    writeFileSync(join(work, 'signed.txt'), raw);
    const signed = await ok(['hash-object', '-t', 'commit', '-w', join(work, 'signed.txt')], { cwd: dir });
    await ok(['push', '-q', 'origin', `${signed}:refs/heads/gpg`, `${unsigned}:refs/heads/plain`], { cwd: dir });
    expect((await octokit.rest.git.getCommit({ ...repo, commit_sha: signed })).data.verification).toEqual({ verified: false, reason: 'unknown_key', signature, payload, verified_at: null });
    expect((await octokit.rest.git.getCommit({ ...repo, commit_sha: unsigned })).data.verification).toEqual({ verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null });
    const refusedSigned = await git(['push', 'origin', `${signed}:refs/heads/main`], { cwd: dir });
    expect(refusedSigned.stderr).toContain('remote: error: Commits must have verified signatures.');

    // A PR bringing a commit that is not verified cannot merge; the PR shows blocked.
    await octokit.rest.pulls.create({ ...repo, head: 'plain', base: 'main', title: 'Plain' });
    await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.mergeable_state).toBe('blocked');
    const merge = await octokit.rest.pulls.merge({ ...repo, pull_number: 1 }).catch((error: { status: number; message: string }) => error);
    expect(merge).toMatchObject({ status: 405, message: expect.stringContaining('Commits must have verified signatures.') });

    // A commit the bot makes through the API is signed by GitHub: verified, and git may bring it onto the branch.
    const api = await octokit.rest.git.createCommit({ ...repo, message: 'From the API', tree, parents: [seeded.headSha] });
    expect(api.data.verification).toMatchObject({ verified: true, reason: 'valid', verified_at: expect.any(String) });
    const withOwnSignature = await octokit.rest.git.createCommit({ ...repo, message: 'Own signature', tree, parents: [seeded.headSha], signature });
    expect(withOwnSignature.data.verification).toMatchObject({ verified: false, reason: 'unknown_key', signature });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/from-api', sha: api.data.sha });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/own-signature', sha: withOwnSignature.data.sha });
    await ok(['fetch', '-q', 'origin', 'from-api', 'own-signature'], { cwd: dir });
    // The custom signature is the commit's gpgsig header, as git reads it.
    expect(await ok(['cat-file', 'commit', withOwnSignature.data.sha], { cwd: dir })).toContain(`gpgsig ${signature.trimEnd().split('\n').join('\n ')}`);
    await ok(['push', '-q', 'origin', `${api.data.sha}:refs/heads/main`], { cwd: dir });
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha).toBe(api.data.sha);

    // A PR of API commits merges; GitHub signs the merge commit.
    const next = await octokit.rest.git.createCommit({ ...repo, message: 'Next', tree: (await octokit.rest.git.createTree({ ...repo, base_tree: tree, tree: [{ path: 'next.txt', mode: '100644', type: 'blob', content: 'n\n' }] })).data.sha, parents: [api.data.sha] });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/api', sha: next.data.sha });
    const pull = await octokit.rest.pulls.create({ ...repo, head: 'api', base: 'main', title: 'API' });
    const merged = await octokit.rest.pulls.merge({ ...repo, pull_number: pull.data.number, merge_method: 'squash' });
    expect((await octokit.rest.git.getCommit({ ...repo, commit_sha: merged.data.sha })).data.verification).toMatchObject({ verified: true, reason: 'valid' });
  });

  test('an annotated tag pushed by git resolves to its commit for REST; an archived repository is read-only', async () => {
    const { fake, octokit, work, seeded } = await setup();
    const dir = await cloneOf(fake, work);
    await ok(['tag', '-a', 'v1.0.0', '-m', 'First release'], { cwd: dir });
    await ok(['push', '-q', 'origin', 'v1.0.0'], { cwd: dir });
    const tag = await octokit.rest.git.getRef({ ...repo, ref: 'tags/v1.0.0' });
    expect(tag.data.object).toMatchObject({ type: 'tag', sha: await ok(['rev-parse', 'v1.0.0'], { cwd: dir }) });
    expect((await octokit.rest.checks.listForRef({ ...repo, ref: 'v1.0.0' })).data.total_count).toBe(1);
    expect((await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${seeded.headSha}...v1.0.0` })).data.status).toBe('identical');

    fake.state.seedRepo({ owner: 'acme', name: 'old', files: { 'a.txt': 'a\n' }, archived: true });
    await ok(['clone', '-q', fake.gitUrl('acme', 'old'), 'old'], { cwd: work });
    writeFileSync(join(work, 'old', 'a.txt'), 'b\n');
    await ok(['commit', '-q', '-am', 'b'], { cwd: join(work, 'old') });
    const refused = await git(['push', 'origin', 'main'], { cwd: join(work, 'old') });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('403');
  });

  test('deleting a PR head branch by push closes the PR, as REST deletion does', async () => {
    const { fake, octokit, work } = await setup();
    const dir = await cloneOf(fake, work);
    await ok(['checkout', '-q', '-b', 'fleet/gone'], { cwd: dir });
    writeFileSync(join(dir, 'x.txt'), 'x\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'x'], { cwd: dir });
    await ok(['push', '-q', 'origin', 'fleet/gone'], { cwd: dir });
    await octokit.rest.pulls.create({ ...repo, head: 'fleet/gone', base: 'main', title: 'Gone' });
    await ok(['push', '-q', 'origin', '--delete', 'fleet/gone'], { cwd: dir });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.state).toBe('closed');
    await expect(octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/gone' })).rejects.toMatchObject({ status: 404 });
    expect(await ok(['ls-remote', '--heads', 'origin'], { cwd: dir })).not.toContain('fleet/gone');
  });

  test('from a shallow, partial fetch of one sha: commit and push a new branch with an empty lease; a second push with that lease is refused', async () => {
    const { fake, octokit, work, seeded } = await setup();
    const dir = join(work, 'ws');
    await ok(['init', '-q', dir], { cwd: work });
    await ok(['remote', 'add', 'origin', fake.gitUrl('acme', 'api')], { cwd: dir });
    await ok(['fetch', '-q', '--depth=1', '--filter=blob:none', 'origin', seeded.headSha], { cwd: dir });
    await ok(['checkout', '-q', '--detach', seeded.headSha], { cwd: dir });
    writeFileSync(join(dir, 'package.json'), '{\n  "name": "api",\n  "private": true\n}\n');
    await ok(['commit', '-q', '-am', 'Mark private'], { cwd: dir });
    await ok(['push', '-q', '--force-with-lease=fleet/private:', 'origin', 'HEAD:refs/heads/fleet/private'], { cwd: dir });
    const sha = await ok(['rev-parse', 'HEAD'], { cwd: dir });
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/private' })).data.object.sha).toBe(sha);
    expect((await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...fleet/private' })).data.files?.map((file) => file.filename)).toEqual(['package.json']);
    await ok(['commit', '-q', '--amend', '-m', 'Mark private again'], { cwd: dir });
    const again = await git(['push', '--force-with-lease=fleet/private:', 'origin', 'HEAD:refs/heads/fleet/private'], { cwd: dir });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('(stale info)');
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/fleet/private' })).data.object.sha).toBe(sha);
  });

  test('a push whose client goes away mid-body leaves the repository usable', async () => {
    const { fake, octokit, work } = await setup();
    const dir = await cloneOf(fake, work);
    const url = new URL(`${fake.gitUrl('acme', 'api')}/git-receive-pack`);
    await new Promise<void>((resolve) => {
      const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-git-receive-pack-request' } });
      request.on('error', () => resolve());
      request.write('00a0');
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 200);
    });
    writeFileSync(join(dir, 'after.txt'), 'after\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'after'], { cwd: dir });
    await ok(['push', '-q', 'origin', 'HEAD:refs/heads/after'], { cwd: dir });
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/after' })).data.object.sha).toBe(await ok(['rev-parse', 'HEAD'], { cwd: dir }));
  });

  test('a REST ref update arriving while a push is held at pre-receive waits for it: the push is applied as reported, then REST decides on the new value', async () => {
    const gitRoot = tempDir();
    const { fake, octokit, work, seeded } = await setup({ gitRoot });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/shared', sha: seeded.headSha });
    const dir = await cloneOf(fake, work);
    await ok(['checkout', '-q', 'shared'], { cwd: dir });
    writeFileSync(join(dir, 'mine.txt'), 'mine\n');
    await ok(['add', '-A'], { cwd: dir });
    await ok(['commit', '-q', '-m', 'mine'], { cwd: dir });
    const mine = await ok(['rev-parse', 'HEAD'], { cwd: dir });
    // Someone else's commit on the same base, to be written over REST while the push is held.
    const base = await octokit.rest.git.getCommit({ ...repo, commit_sha: seeded.headSha });
    const theirs = await octokit.rest.git.createCommit({ ...repo, message: 'theirs', tree: base.data.tree.sha, parents: [seeded.headSha] });

    // A pre-receive hook that holds the push until the test lets it go.
    const gate = tempDir();
    const hook = join(gitRoot, 'acme', 'api.git', 'hooks', 'pre-receive');
    writeFileSync(hook, `#!/bin/sh\ntouch '${gate}/reached'\nwhile [ ! -e '${gate}/release' ]; do sleep 0.02; done\nexit 0\n`, { mode: 0o755 });
    const pushing = git(['push', 'origin', 'shared'], { cwd: dir });
    while (!existsSync(join(gate, 'reached'))) await new Promise((resolve) => setTimeout(resolve, 10));

    let settled = false;
    const rest = octokit.rest.git.updateRef({ ...repo, ref: 'heads/shared', sha: theirs.data.sha }).then(
      (response) => ({ status: response.status, message: '' }),
      (error: { status: number; message: string }) => ({ status: error.status, message: error.message }),
    ).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The push holds the repository: REST's ref write has not happened yet.
    expect(settled).toBe(false);
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/shared' })).data.object.sha).toBe(seeded.headSha);
    writeFileSync(join(gate, 'release'), '');

    const pushed = await pushing;
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toContain('shared -> shared');
    // Then REST's update is judged against the pushed head: not a fast forward of it, refused.
    expect(await rest).toEqual({ status: 422, message: expect.stringContaining('Update is not a fast forward') });
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/shared' })).data.object.sha).toBe(mine);
    const remote = await ok(['ls-remote', 'origin', 'refs/heads/shared'], { cwd: dir });
    expect(remote.split('\t')[0]).toBe(mine);
    // A forced REST update afterwards wins, and git sees it too.
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/shared', sha: theirs.data.sha, force: true });
    expect((await ok(['ls-remote', 'origin', 'refs/heads/shared'], { cwd: dir })).split('\t')[0]).toBe(theirs.data.sha);
  });

  test('concurrent pushes to one repository are each applied; a racing push to the same branch is rejected, not lost', async () => {
    const { fake, octokit, work } = await setup();
    const clones = await Promise.all([0, 1, 2, 3].map((n) => cloneOf(fake, work, `c${n}`)));
    for (const [n, dir] of clones.entries()) {
      writeFileSync(join(dir, `f${n}.txt`), `${n}\n`);
      await ok(['add', '-A'], { cwd: dir });
      await ok(['commit', '-q', '-m', `c${n}`], { cwd: dir });
    }
    const results = await Promise.all(clones.map((dir, n) => git(['push', '-q', 'origin', `HEAD:refs/heads/b${n}`], { cwd: dir })));
    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    for (const [n, dir] of clones.entries()) {
      expect((await octokit.rest.git.getRef({ ...repo, ref: `heads/b${n}` })).data.object.sha).toBe(await ok(['rev-parse', 'HEAD'], { cwd: dir }));
    }
    const racing = await Promise.all(clones.slice(0, 2).map((dir) => git(['push', '-q', 'origin', 'HEAD:refs/heads/shared'], { cwd: dir })));
    expect(racing.map((result) => result.code).sort()).toEqual([0, 1]);
    const winner = clones[racing.findIndex((result) => result.code === 0)] ?? '';
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/shared' })).data.object.sha).toBe(await ok(['rev-parse', 'HEAD'], { cwd: winner }));
  });
});
