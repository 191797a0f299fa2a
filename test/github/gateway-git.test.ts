import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openTempStore } from '../../src/store/temp-store.js';
import { isFleetError } from '../../src/errors.js';
import { createOctokit } from '../../src/github/create-octokit.js';
import { createGateway, gitBaseUrl, gitBlobSha } from '../../src/github/gateway.js';
import { startHarness, type Harness } from './harness.js';

describe('gitBaseUrl', () => {
  test('github.com, Enterprise Server and anything else', () => {
    expect(gitBaseUrl('https://api.github.com')).toBe('https://github.com');
    expect(gitBaseUrl('https://api.github.com/')).toBe('https://github.com');
    expect(gitBaseUrl('https://ghe.acme.io/api/v3')).toBe('https://ghe.acme.io');
    expect(gitBaseUrl('https://ghe.acme.io/api/v3/')).toBe('https://ghe.acme.io');
    expect(gitBaseUrl('http://127.0.0.1:4100')).toBe('http://127.0.0.1:4100');
  });
});

describe('the gateway for git with a GitHub App', () => {
  test("the installation token is git's password, renewed when it expires; the bot identity comes from GET /app and GET /users/{slug}[bot]", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const t = openTempStore('gateway-app');
    let minted = 0;
    const seen: string[] = [];
    // GitHub's App endpoints, answered in their shapes; the first token has a minute left.
    const fetchStub: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      url.pathname = url.pathname.replace(/^\/api\/v3/, '');
      const auth = new Headers(init?.headers).get('authorization') ?? '';
      seen.push(`${init?.method ?? 'GET'} ${url.pathname} ${auth.split(' ')[0]}`);
      const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url.pathname === '/app/installations/7/access_tokens') {
        minted += 1;
        const expires = minted === 1 ? new Date(Date.now() + 60_000) : new Date(Date.now() + 3_600_000);
        return json({ token: `ghs_token${minted}`, expires_at: expires.toISOString(), permissions: { contents: 'write' }, repository_selection: 'all' }, 201);
      }
      if (url.pathname === '/app') return json({ id: 42, slug: 'fleet-app', name: 'Fleet App', owner: null, node_id: 'A', description: '', external_url: '', html_url: '', created_at: '', updated_at: '', permissions: {}, events: [] });
      if (url.pathname === '/users/fleet-app[bot]' || url.pathname === '/users/fleet-app%5Bbot%5D') return json({ login: 'fleet-app[bot]', id: 9001, type: 'Bot' });
      return json({ message: 'Not Found' }, 404);
    };
    try {
      const octokit = createOctokit({ auth: { appId: 42, privateKey, installationId: 7 }, baseUrl: 'https://ghe.acme.io/api/v3', store: t.store, now: Date.now, fetch: fetchStub });
      const github = createGateway({ octokit, now: Date.now });
      const remote = github.gitRemote('acme/api');
      expect(remote.url).toBe('https://ghe.acme.io/acme/api.git');
      // The first token minted is about to expire: git gets a fresh one, and that one is kept while it lasts.
      expect(await remote.authorization()).toBe(`Basic ${Buffer.from('x-access-token:ghs_token2').toString('base64')}`);
      expect(await remote.authorization()).toBe(`Basic ${Buffer.from('x-access-token:ghs_token2').toString('base64')}`);
      expect(minted).toBe(2);
      expect(await github.botIdentity()).toEqual({ name: 'fleet-app[bot]', email: '9001+fleet-app[bot]@users.noreply.github.com' });
      // GET /app is asked with the App's JWT, not an installation token.
      expect(seen.find((s) => s.startsWith('GET /app '))).toMatch(/bearer$/i);
    } finally {
      t.close();
    }
  });
});

describe('the gateway for git', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ fake: { tokens: { 'test-token': 'fleet-bot' } } });
    h.fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' }, protection: { requiredChecks: [], requiredSignatures: true } });
    h.fake.state.seedRepo({ owner: 'acme', name: 'web', files: { 'README.md': '# web\n' } });
  });
  afterEach(async () => {
    await h.close();
  });

  test('gitRemote: the fake base URL with the repository, a Basic header with the token as password, no credential in the URL', async () => {
    const remote = h.github.gitRemote('acme/api');
    expect(remote.url).toBe(`${h.fake.url}/acme/api.git`);
    expect(remote.url).toBe(h.fake.gitUrl('acme', 'api'));
    expect(remote.url).not.toContain('test-token');
    const header = await remote.authorization();
    expect(header).toBe(`Basic ${Buffer.from('x-access-token:test-token').toString('base64')}`);
    // The header is what the fake's git routes accept.
    const refs = await fetch(`${remote.url}/info/refs?service=git-upload-pack`, { headers: { authorization: header } });
    expect(refs.status).toBe(200);
    const refused = await fetch(`${remote.url}/info/refs?service=git-upload-pack`);
    expect(refused.status).toBe(401);
  });

  test('gitRemote over api.github.com points at github.com', () => {
    const octokit = createOctokit({ auth: { token: 't' }, store: h.store, now: h.now });
    expect(createGateway({ octokit, now: h.now }).gitRemote('acme/api').url).toBe('https://github.com/acme/api.git');
  });

  test('a bad repository name is refused before anything is asked', () => {
    expect(() => h.github.gitRemote('not a repo')).toThrow(/owner\/name/);
  });

  test("botIdentity with a token: the token's account and its noreply address, read once", async () => {
    const first = await h.github.botIdentity();
    expect(first.name).toBe('fleet-bot');
    expect(first.email).toMatch(/^\d+\+fleet-bot@users\.noreply\.github\.com$/);
    await h.github.botIdentity();
    expect(h.fake.requestLog.filter((r) => r.route === '/user')).toHaveLength(1);
  });

  test('requiresSignedCommits: required_signatures of classic protection; an unprotected branch is false', async () => {
    expect(await h.github.requiresSignedCommits('acme/api', 'main')).toBe(true);
    expect(await h.github.requiresSignedCommits('acme/web', 'main')).toBe(false);
    const protection = await h.octokit.rest.repos.getBranchProtection({ owner: 'acme', repo: 'api', branch: 'main' });
    expect(protection.data.required_signatures?.enabled).toBe(true);
  });

  test('commitFiles writes binary files as blobs with their modes, and a re-run finds them', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0a]);
    const files = [
      { path: 'logo.png', base64: bytes.toString('base64') },
      { path: 'bin/run.sh', content: '#!/bin/sh\necho hi\n', mode: '100755' },
      { path: 'README.md', content: null },
    ];
    const first = await h.github.commitFiles({ repo: 'acme/web', baseBranch: 'main', branch: 'fleet/x', message: 'binary', files });
    expect(first.action).toBe('created');
    const tree = await h.github.listTree('acme/web', first.sha);
    expect(tree.find((e) => e.path === 'logo.png')?.sha).toBe(gitBlobSha(bytes));
    expect(tree.find((e) => e.path === 'bin/run.sh')?.mode).toBe('100755');
    expect(tree.find((e) => e.path === 'README.md')).toBeUndefined();
    const again = await h.github.commitFiles({ repo: 'acme/web', baseBranch: 'main', branch: 'fleet/x', message: 'binary', files });
    expect(again).toMatchObject({ action: 'unchanged', sha: first.sha });
  });

  test('commitFiles with a lease: moved branches are branch_moved and nothing is written', async () => {
    const made = await h.github.commitFiles({ repo: 'acme/web', baseBranch: 'main', branch: 'fleet/x', message: 'one', files: [{ path: 'a.txt', content: 'a\n' }], lease: null });
    const writes = () => h.fake.requestLog.filter((r) => r.method !== 'GET').length;
    const before = writes();
    const stale = h.github.commitFiles({ repo: 'acme/web', baseBranch: 'main', branch: 'fleet/x', message: 'two', files: [{ path: 'b.txt', content: 'b\n' }], lease: '0'.repeat(40) });
    await expect(stale).rejects.toSatisfy((e: unknown) => isFleetError(e, 'branch_moved'));
    const absent = h.github.commitFiles({ repo: 'acme/web', baseBranch: 'main', branch: 'fleet/x', message: 'two', files: [{ path: 'b.txt', content: 'b\n' }], lease: null });
    await expect(absent).rejects.toThrow(/does not overwrite/);
    expect(writes()).toBe(before);
    const held = await h.github.commitFiles({ repo: 'acme/web', baseBranch: 'main', branch: 'fleet/x', message: 'two', files: [{ path: 'b.txt', content: 'b\n' }], lease: made.sha });
    expect(held.action).toBe('updated');
  });
});
