import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { accountOfRequest, searchAccounts } from '../../src/github/app-installations.js';
import type { FleetError } from '../../src/errors.js';
import { startHarness, type Harness } from './harness.js';

const run = promisify(execFile);
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A fake GitHub serving an App installed on acme (11) and globex (22), and Fleet signed in as that App with no installation id. */
async function setup(options: { pacing?: { perMinute: number; perHour: number } } = {}) {
  harness = await startHarness({ fake: { app: { id: 77, slug: 'fleet-test', installations: [{ id: 11, account: 'acme' }, { id: 22, account: 'globex' }], tokenLifetimeMs: 20 * 60_000 } } });
  const { fake } = harness;
  fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'package.json': '{ "name": "api" }\n' } });
  fake.state.seedRepo({ owner: 'globex', name: 'web', files: { 'package.json': '{ "name": "web" }\n' } });
  const app = fake.app;
  if (!app) throw new Error('the fake serves no App');
  const client = harness.client({ auth: { appId: app.id, privateKey: app.privateKey }, ...(options.pacing ? { pacing: options.pacing } : {}) });
  return { fake, store: harness.store, ...client };
}

function minted(h: Harness): string[] {
  return h.fake.requestLog.filter((entry) => entry.route === '/app/installations/{installation_id}/access_tokens').map((entry) => `${entry.method} ${entry.status}`);
}

describe('a GitHub App installed on several organisations', () => {
  test('each request goes with the token of the installation on its account; tokens are minted once and again before they expire', async () => {
    const { fake, github } = await setup();
    const h = harness as Harness;
    expect((await github.getRepo('acme/api'))?.fullName).toBe('acme/api');
    expect((await github.getRepo('globex/web'))?.fullName).toBe('globex/web');
    expect(await github.readFile('globex/web', 'main', 'package.json')).toBe('{ "name": "web" }\n');
    expect((await github.listOrgRepos({ org: 'globex' })).map((repo) => repo.fullName)).toEqual(['globex/web']);
    // Discovered once, one token per installation, however many requests.
    expect(fake.counts()['GET /app/installations']).toBe(1);
    expect(minted(h)).toEqual(['POST 201', 'POST 201']);

    // Twenty minutes' tokens: with less than five minutes left, the next request gets a new one first.
    fake.state.advance(14 * 60_000);
    await github.getRepo('acme/api');
    expect(minted(h)).toHaveLength(2);
    fake.state.advance(2 * 60_000);
    await github.getRepo('acme/api');
    expect(minted(h)).toHaveLength(3);
    await github.getRepo('globex/web');
    expect(minted(h)).toHaveLength(4);
    // No request was refused along the way: no token was ever used after it expired.
    expect(fake.requestLog.filter((entry) => entry.status === 401)).toEqual([]);
  });

  test('a token shorter-lived than twice the margin is used for half its life, not minted again for every request', async () => {
    harness = await startHarness({ fake: { app: { installations: [{ id: 11, account: 'acme' }], tokenLifetimeMs: 4 * 60_000 } } });
    harness.fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    const app = harness.fake.app;
    if (!app) throw new Error('the fake serves no App');
    const { github } = harness.client({ auth: { appId: app.id, privateKey: app.privateKey } });
    for (let i = 0; i < 3; i++) await github.getRepo('acme/api');
    expect(minted(harness)).toHaveLength(1);
    harness.fake.state.advance(2 * 60_000 + 1000);
    await github.getRepo('acme/api');
    expect(minted(harness)).toHaveLength(2);
  });

  test('many requests at once before any token: one discovery, one token per installation, none waits on another', async () => {
    const { fake, github } = await setup();
    // More than the throttling plugin's concurrent slots (10): each waits for the token a nested request mints.
    const repos = await Promise.all(Array.from({ length: 24 }, (_, i) => github.getRepo(i % 2 === 0 ? 'acme/api' : 'globex/web')));
    expect(new Set(repos.map((repo) => repo?.fullName))).toEqual(new Set(['acme/api', 'globex/web']));
    expect(fake.counts()['GET /app/installations']).toBe(1);
    expect(minted(harness as Harness)).toEqual(['POST 201', 'POST 201']);
  });

  test('an organisation the App is not installed on is a 404 that says so, found again after a fresh discovery', async () => {
    const { fake, github } = await setup();
    expect(await github.getRepo('initech/api')).toBeUndefined();
    await expect(github.listOrgRepos({ org: 'initech' })).rejects.toMatchObject({ details: { status: 404, githubMessage: expect.stringContaining('not installed on initech') } as Partial<FleetError['details']> });
    // Within a minute the list is not asked again; after it, it is (a new installation is found).
    expect(fake.counts()['GET /app/installations']).toBe(1);
    fake.state.advance(61_000);
    expect(await github.getRepo('initech/api')).toBeUndefined();
    expect(fake.counts()['GET /app/installations']).toBe(2);
  });

  test("git is given the token of the repository's installation", async () => {
    const { github } = await setup();
    for (const repo of ['acme/api', 'globex/web']) {
      const remote = github.gitRemote(repo);
      const { stdout } = await run('git', ['-c', `http.extraHeader=Authorization: ${await remote.authorization()}`, 'ls-remote', remote.url], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
      expect(stdout).toMatch(/refs\/heads\/main/);
    }
    // The bot identity comes from GET /app (JWT) and the bot's user.
    expect((await github.botIdentity()).name).toBe('fleet-test[bot]');
  });

  test('each installation has its own budget: rate records and content-creating pacing', async () => {
    const { store, github } = await setup({ pacing: { perMinute: 2, perHour: 100 } });
    await github.getRepo('acme/api');
    await github.getRepo('globex/web');
    // The App's own requests (with its JWT) have a budget of their own too.
    expect(store.github.rates('core').map((rate) => rate.budget)).toEqual(['app', 'installation:11', 'installation:22']);
    expect(store.github.rate('core', 'installation:22')).toMatchObject({ limit: 5000, remaining: 4999 });

    await github.addLabels('acme/api', 1, ['a']).catch(() => undefined);
    await github.addLabels('acme/api', 1, ['b']).catch(() => undefined);
    // acme has spent its two writes this minute; globex has its own two.
    await expect(github.addLabels('acme/api', 1, ['c'])).rejects.toMatchObject({ code: 'budget_exhausted', details: { budget: 'installation:11' } });
    const globex = await github.addLabels('globex/web', 1, ['a']).then(
      () => 'written',
      (error: FleetError) => error.code,
    );
    expect(globex).not.toBe('budget_exhausted');
    expect(store.github.writesSince(0, 'installation:11')).toBe(2);
    expect(store.github.writesSince(0, 'installation:22')).toBe(1);
  });
});

describe('which account a request concerns', () => {
  const base = 'https://api.github.com';
  test.each([
    ['https://api.github.com/repos/Acme/api/pulls?state=open', 'acme'],
    ['https://api.github.com/orgs/globex/repos', 'globex'],
    ['https://api.github.com/search/code?q=lodash+filename%3Apackage.json+org%3Aglobex', 'globex'],
    ['https://api.github.com/search/repositories?q=repo%3Aacme%2Fapi', 'acme'],
    ['https://api.github.com/rate_limit', undefined],
  ])('%s → %s', (url, account) => {
    expect(accountOfRequest({ url }, base)).toBe(account);
  });

  test('a caller may name the account (GraphQL by node id), and a GraphQL owner variable names it', () => {
    expect(accountOfRequest({ url: `${base}/graphql`, request: { fleetAccount: 'Globex' } }, base)).toBe('globex');
    expect(accountOfRequest({ url: `${base}/graphql`, variables: { owner: 'acme', name: 'api' } }, base)).toBe('acme');
    expect(accountOfRequest({ url: 'https://ghe.acme.io/api/v3/repos/acme/api' }, 'https://ghe.acme.io/api/v3')).toBe('acme');
  });

  test('a search across several accounts is refused: each installation searches its own', () => {
    expect(searchAccounts('lodash org:acme user:bob repo:globex/web')).toEqual(['acme', 'bob', 'globex']);
    expect(() => accountOfRequest({ url: `${base}/search/repositories?q=org%3Aacme+org%3Aglobex` }, base)).toThrow(/several accounts \(acme, globex\)/);
  });
});
