import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../../src/sandbox/github/server.js';

const run = promisify(execFile);
const START = Date.UTC(2025, 0, 6, 9, 0, 0);
let open: FakeGitHub[] = [];

afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
});

async function setup() {
  const fake = await startFakeGitHub({
    now: () => START,
    log: () => undefined,
    tokens: { 'user-token': 'alice' },
    app: { id: 77, slug: 'fleet-test', installations: [{ id: 11, account: 'acme' }, { id: 22, account: 'globex' }], tokenLifetimeMs: 10 * 60_000 },
  });
  open.push(fake);
  fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
  fake.state.seedRepo({ owner: 'globex', name: 'web', files: { 'README.md': '# web\n' } });
  return fake;
}

/** A JWT as an App signs it: RS256 over `header.claims`. */
function jwt(privateKey: string, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
}

async function call(fake: FakeGitHub, method: string, path: string, authorization: string): Promise<{ status: number; body: Record<string, unknown> & { message?: string }; headers: Headers }> {
  const response = await fetch(`${fake.url}${path}`, { method, headers: { authorization, accept: 'application/vnd.github+json' } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

describe('the fake GitHub App', () => {
  test("the App's routes take a JWT signed with its key and checked as GitHub checks it", async () => {
    const fake = await setup();
    const key = fake.app?.privateKey ?? '';
    const seconds = Math.floor(START / 1000);
    const good = jwt(key, { iss: 77, iat: seconds - 30, exp: seconds + 570 });
    const app = await call(fake, 'GET', '/app', `Bearer ${good}`);
    expect(app.status).toBe(200);
    expect(app.body).toMatchObject({ id: 77, slug: 'fleet-test', installations_count: 2 });

    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const refused = [
      [jwt(other, { iss: 77, iat: seconds - 30, exp: seconds + 570 }), 'A JSON web token could not be decoded'],
      [jwt(key, { iss: 78, iat: seconds - 30, exp: seconds + 570 }), 'A JSON web token could not be decoded'],
      [jwt(key, { iss: 77, iat: seconds - 30, exp: seconds + 600 }), "'Expiration time' claim ('exp') is too far in the future."],
      [jwt(key, { iss: 77, iat: seconds - 700, exp: seconds - 100 }), "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."],
      [jwt(key, { iss: 77, iat: seconds + 300, exp: seconds + 600 }), "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."],
    ] as const;
    for (const [token, message] of refused) {
      const answer = await call(fake, 'GET', '/app/installations', `Bearer ${token}`);
      expect({ status: answer.status, message: answer.body.message }).toEqual({ status: 401, message });
    }
    // A user's token does not open the App's routes, and a JWT opens nothing else.
    expect((await call(fake, 'GET', '/app', 'token user-token')).status).toBe(401);
    expect((await call(fake, 'GET', '/repos/acme/api', `Bearer ${good}`)).status).toBe(401);
  });

  test('installations are listed and found by repository and organisation; tokens act on their own account only', async () => {
    const fake = await setup();
    const seconds = Math.floor(START / 1000);
    const bearer = `Bearer ${jwt(fake.app?.privateKey ?? '', { iss: '77', iat: seconds - 30, exp: seconds + 570 })}`;
    const list = await call(fake, 'GET', '/app/installations', bearer);
    expect((list.body as unknown as { id: number; account: { login: string } }[]).map((i) => [i.id, i.account.login])).toEqual([
      [11, 'acme'],
      [22, 'globex'],
    ]);
    expect((await call(fake, 'GET', '/repos/globex/web/installation', bearer)).body).toMatchObject({ id: 22, app_id: 77, target_type: 'Organization' });
    expect((await call(fake, 'GET', '/orgs/acme/installation', bearer)).body).toMatchObject({ id: 11 });
    expect((await call(fake, 'GET', '/orgs/initech/installation', bearer)).status).toBe(404);
    expect((await call(fake, 'GET', '/repos/acme/missing/installation', bearer)).status).toBe(404);
    expect((await call(fake, 'POST', '/app/installations/99/access_tokens', bearer)).status).toBe(404);

    const minted = await call(fake, 'POST', '/app/installations/11/access_tokens', bearer);
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ expires_at: '2025-01-06T09:10:00Z', repository_selection: 'all' });
    const token = `token ${String(minted.body.token)}`;
    expect((await call(fake, 'GET', '/repos/acme/api', token)).status).toBe(200);
    const elsewhere = await call(fake, 'GET', '/repos/globex/web', token);
    expect({ status: elsewhere.status, message: elsewhere.body.message }).toEqual({ status: 404, message: 'Not Found' });
    expect((await call(fake, 'GET', '/orgs/globex/repos', token)).status).toBe(404);
    expect((await call(fake, 'GET', '/app', token)).status).toBe(401);
    expect((await call(fake, 'GET', '/user', token)).body.message).toBe('Resource not accessible by integration');

    // Git over HTTPS too: the token clones its own account's repository and not another's.
    const basic = `Authorization: Basic ${Buffer.from(`x-access-token:${String(minted.body.token)}`).toString('base64')}`;
    const lsRemote = (url: string) => run('git', ['-c', `http.extraHeader=${basic}`, 'ls-remote', url], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    expect((await lsRemote(fake.gitUrl('acme', 'api'))).stdout).toMatch(/refs\/heads\/main/);
    await expect(lsRemote(fake.gitUrl('globex', 'web'))).rejects.toThrow(/not found/i);

    // The token expires after the App's lifetime (ten minutes here).
    fake.state.advance(10 * 60_000);
    const expired = await call(fake, 'GET', '/repos/acme/api', token);
    expect({ status: expired.status, message: expired.body.message }).toEqual({ status: 401, message: 'Bad credentials' });
  });

  test('a token may be narrowed to some repositories and permissions, never widened', async () => {
    const fake = await setup();
    fake.state.seedRepo({ owner: 'acme', name: 'billing', files: { 'README.md': '# billing\n' } });
    const seconds = Math.floor(START / 1000);
    const jwtHeader = `Bearer ${jwt(fake.app?.privateKey ?? '', { iss: 77, iat: seconds - 30, exp: seconds + 570 })}`;
    const mint = async (body: unknown) => {
      const response = await fetch(`${fake.url}/app/installations/11/access_tokens`, { method: 'POST', headers: { authorization: jwtHeader, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { token?: string; message?: string; repository_selection?: string; permissions?: Record<string, string> } };
    };
    const narrow = await mint({ repositories: ['api'], permissions: { contents: 'read' } });
    expect(narrow).toMatchObject({ status: 201, body: { repository_selection: 'selected', permissions: { contents: 'read' } } });
    expect((await call(fake, 'GET', '/repos/acme/api', `token ${narrow.body.token ?? ''}`)).status).toBe(200);
    expect((await call(fake, 'GET', '/repos/acme/billing', `token ${narrow.body.token ?? ''}`)).status).toBe(404);
    expect(await mint({ repositories: ['web'] })).toMatchObject({ status: 422, body: { message: 'There is at least one repository that does not exist or is not accessible to the parent installation.' } });
    expect(await mint({ permissions: { administration: 'write' } })).toMatchObject({ status: 422, body: { message: 'The permissions requested are not granted to this installation.' } });
    expect(await mint({ permissions: { metadata: 'write' } })).toMatchObject({ status: 422 });
  });

  test('each installation has its own rate-limit budget', async () => {
    const fake = await setup();
    const seconds = Math.floor(START / 1000);
    const bearer = `Bearer ${jwt(fake.app?.privateKey ?? '', { iss: 77, iat: seconds - 30, exp: seconds + 570 })}`;
    const acme = `token ${String((await call(fake, 'POST', '/app/installations/11/access_tokens', bearer)).body.token)}`;
    const globex = `token ${String((await call(fake, 'POST', '/app/installations/22/access_tokens', bearer)).body.token)}`;
    for (let i = 0; i < 3; i++) await call(fake, 'GET', '/repos/acme/api', acme);
    const acmeAnswer = await call(fake, 'GET', '/repos/acme/api', acme);
    const globexAnswer = await call(fake, 'GET', '/repos/globex/web', globex);
    // The count includes the request answered.
    expect(acmeAnswer.headers.get('x-ratelimit-used')).toBe('4');
    expect(globexAnswer.headers.get('x-ratelimit-used')).toBe('1');
    expect(globexAnswer.headers.get('x-ratelimit-remaining')).toBe('4999');
    // The fake's own tokens keep their budget apart from the App's.
    expect((await call(fake, 'GET', '/repos/acme/api', 'token user-token')).headers.get('x-ratelimit-used')).toBe('1');
  });

  test("an installation that spent its budget is refused in GitHub's words while another goes on", async () => {
    const fake = await startFakeGitHub({ now: () => START, log: () => undefined, rateLimit: { limit: 2 }, app: { id: 77, installations: [{ id: 11, account: 'acme' }, { id: 22, account: 'globex' }] } });
    open.push(fake);
    fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    fake.state.seedRepo({ owner: 'globex', name: 'web', files: { 'README.md': '# web\n' } });
    const seconds = Math.floor(START / 1000);
    const bearer = `Bearer ${jwt(fake.app?.privateKey ?? '', { iss: 77, iat: seconds - 30, exp: seconds + 570 })}`;
    const acme = `token ${String((await call(fake, 'POST', '/app/installations/11/access_tokens', bearer)).body.token)}`;
    const globex = `token ${String((await call(fake, 'POST', '/app/installations/22/access_tokens', bearer)).body.token)}`;
    await call(fake, 'GET', '/repos/acme/api', acme);
    await call(fake, 'GET', '/repos/acme/api?x=1', acme);
    const refused = await call(fake, 'GET', '/repos/acme/api?x=2', acme);
    expect({ status: refused.status, message: refused.body.message }).toEqual({ status: 403, message: 'API rate limit exceeded for installation ID 11.' });
    expect((await call(fake, 'GET', '/repos/globex/web', globex)).status).toBe(200);
  });

  test('webhooks name the installation of the repository\'s owner', async () => {
    const fake = await setup();
    const received: { installation?: { id: number }; repository?: { full_name: string } }[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof received)[number]);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const address = server.address() as { port: number };
      fake.setWebhook({ url: `http://127.0.0.1:${address.port}/hook`, secret: 's' });
      fake.state.seedRepo({ owner: 'globex', name: 'ci', files: { 'README.md': '# ci\n' }, ci: { checks: ['build'], outcome: 'pass', durationMs: 1000 } });
      const seconds = Math.floor(START / 1000);
      const bearer = `Bearer ${jwt(fake.app?.privateKey ?? '', { iss: 77, iat: seconds - 30, exp: seconds + 570 })}`;
      const token = String((await call(fake, 'POST', '/app/installations/22/access_tokens', bearer)).body.token);
      const main = await fetch(`${fake.url}/repos/globex/ci/git/ref/heads/main`, { headers: { authorization: `token ${token}` } });
      const sha = ((await main.json()) as { object: { sha: string } }).object.sha;
      await fetch(`${fake.url}/repos/globex/ci/git/refs`, { method: 'POST', headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'refs/heads/topic', sha }) });
      fake.state.advance(2000);
      await fake.state.flushWebhooks();
      const fromGlobex = received.filter((payload) => payload.repository?.full_name === 'globex/ci');
      expect(fromGlobex.length).toBeGreaterThan(0);
      expect(new Set(fromGlobex.map((payload) => payload.installation?.id))).toEqual(new Set([22]));
    } finally {
      server.close();
    }
  });
});
