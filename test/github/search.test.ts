import { afterEach, describe, expect, test } from 'vitest';
import { Octokit } from '@octokit/rest';
import { isFleetError } from '../../src/errors.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function seedFleet(harness: Harness): void {
  const seed = (input: Parameters<Harness['fake']['state']['seedRepo']>[0]) => harness.fake.state.seedRepo(input);
  seed({ owner: 'acme', name: 'api', files: { 'package.json': '{ "dependencies": { "lodash": "4.17.15" } }\n', 'README.md': '# api\n' }, topics: ['node', 'payments'], language: 'TypeScript', description: 'The payments API' });
  seed({ owner: 'acme', name: 'web', files: { 'package.json': '{ "dependencies": { "react": "18.0.0" } }\n', 'docs/package.json': '{ "dependencies": { "lodash": "4.17.15" } }\n' }, topics: ['node'], language: 'JavaScript' });
  seed({ owner: 'acme', name: 'old', files: { 'package.json': '{ "dependencies": { "lodash": "3.0.0" } }\n' }, topics: ['node'], language: 'JavaScript', archived: true });
  seed({ owner: 'acme', name: 'api-fork', files: { 'package.json': '{ "dependencies": { "lodash": "4.17.15" } }\n' }, topics: ['node'], language: 'TypeScript', fork: true });
  seed({ owner: 'acme', name: 'tools', files: { 'setup.py': 'import lodash_like\n' }, topics: ['python'], language: 'Python' });
  seed({ owner: 'globex', name: 'shop', files: { 'package.json': '{ "dependencies": { "lodash": "4.17.15" } }\n' }, topics: ['node'], language: 'TypeScript' });
}

describe('the fake GitHub\'s search, through the gateway over HTTP', () => {
  test('repository search: scope, topic, language, forks and archived as GitHub filters them', async () => {
    h = await startHarness();
    seedFleet(h);
    const names = async (q: string) => (await h!.github.searchRepos(q)).repos.map((r) => r.fullName);
    expect(await names('org:acme topic:node')).toEqual(['acme/api', 'acme/old', 'acme/web']);
    expect(await names('org:acme topic:node fork:true')).toEqual(['acme/api', 'acme/api-fork', 'acme/old', 'acme/web']);
    expect(await names('org:acme fork:only')).toEqual(['acme/api-fork']);
    expect(await names('org:acme topic:node archived:false')).toEqual(['acme/api', 'acme/web']);
    expect(await names('org:acme language:typescript')).toEqual(['acme/api']);
    expect(await names('user:globex')).toEqual(['globex/shop']);
    expect(await names('payments in:description org:acme')).toEqual(['acme/api']);
    expect(await names('org:acme -topic:node')).toEqual(['acme/tools']);
    const fork = (await h.github.searchRepos('repo:acme/api-fork fork:true')).repos[0];
    expect(fork).toMatchObject({ fullName: 'acme/api-fork', fork: true });
  });

  test('code search: filename, path and text, forks left out; a query without a scope or a term is refused as GitHub refuses it', async () => {
    h = await startHarness();
    seedFleet(h);
    const found = await h.github.searchCode('lodash filename:package.json path:/ org:acme');
    // acme/web's lodash is in docs/package.json, not at the root; the fork is not searched.
    expect(found.repos).toEqual(['acme/api', 'acme/old']);
    expect(found.files).toEqual([{ repo: 'acme/api', path: 'package.json' }, { repo: 'acme/old', path: 'package.json' }]);
    expect((await h.github.searchCode('lodash filename:package.json org:acme')).files.map((f) => `${f.repo}:${f.path}`)).toEqual(['acme/api:package.json', 'acme/old:package.json', 'acme/web:docs/package.json']);
    expect((await h.github.searchCode('lodash org:acme fork:true filename:package.json path:/')).repos).toContain('acme/api-fork');
    const refusal = h.github.searchCode('lodash filename:package.json');
    await expect(refusal).rejects.toSatisfy((error) => isFleetError(error, 'github_error') && error.details.status === 422 && /Validation Failed/.test(String(error.details.githubMessage)));
    await expect(h.github.searchCode('org:acme filename:package.json')).rejects.toMatchObject({ details: { status: 422 } });
  });

  test('results are paginated, capped at GitHub\'s 1,000, and incomplete results are reported', async () => {
    h = await startHarness();
    for (let i = 0; i < 105; i++) h.fake.state.seedRepo({ owner: 'acme', name: `svc-${String(i).padStart(3, '0')}`, files: { 'README.md': '# svc\n' }, topics: ['svc'] });
    const result = await h.github.searchRepos('org:acme topic:svc');
    expect(result.repos).toHaveLength(105);
    expect(result.total).toBe(105);
    expect(result.incomplete).toBe(false);
    expect(h.fake.requestLog.filter((e) => e.route === '/search/repositories').map((e) => e.status)).toEqual([200, 200]);
    h.fake.setFaults({ searchIncomplete: true });
    expect((await h.github.searchRepos('org:acme topic:svc')).incomplete).toBe(true);
    h.fake.setFaults(null);
    // Past the first 1,000 results GitHub answers 422.
    const octokit = new Octokit({ baseUrl: h.fake.url, auth: 'test-token', log: quiet, request: { retries: 0 } });
    await expect(octokit.rest.search.repos({ q: 'org:acme', per_page: 100, page: 11 })).rejects.toMatchObject({ status: 422, response: { data: { message: 'Only the first 1000 search results are available' } } });
  });

  test('search has its own rate limit: search headers, 403 with remaining 0 once spent, the core limit untouched', async () => {
    h = await startHarness({ fake: { searchLimits: { search: 3, code_search: 2 } } });
    seedFleet(h);
    const octokit = new Octokit({ baseUrl: h.fake.url, auth: 'test-token', log: quiet, request: { retries: 0 } });
    const first = await octokit.rest.search.repos({ q: 'org:acme' });
    expect(first.headers['x-ratelimit-resource']).toBe('search');
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    const code = await octokit.rest.search.code({ q: 'lodash org:acme' });
    expect(code.headers['x-ratelimit-resource']).toBe('code_search');
    expect(code.headers['x-ratelimit-remaining']).toBe('1');
    await octokit.rest.search.code({ q: 'lodash org:acme' });
    await expect(octokit.rest.search.code({ q: 'lodash org:acme' })).rejects.toMatchObject({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-resource': 'code_search' } } });
    // The search limit is its own: two searches left, then refused; the core limit was not spent.
    await octokit.rest.search.repos({ q: 'org:acme' });
    await octokit.rest.search.repos({ q: 'org:acme' });
    await expect(octokit.rest.search.repos({ q: 'org:acme' })).rejects.toMatchObject({ status: 403 });
    const limits = await octokit.rest.rateLimit.get();
    expect(limits.data.resources.search).toMatchObject({ limit: 3, remaining: 0 });
    expect(limits.data.resources.code_search).toMatchObject({ limit: 2, remaining: 0 });
    expect(limits.data.resources.core.used).toBe(0);
    // A minute later the window is new.
    h.fake.state.advance(60_000);
    expect((await octokit.rest.search.repos({ q: 'org:acme' })).headers['x-ratelimit-remaining']).toBe('2');
    // Through Fleet's client, a spent search limit is a budget to wait for, not a failure.
    const spent = h.client().github;
    await octokit.rest.search.code({ q: 'lodash org:acme' });
    await octokit.rest.search.code({ q: 'lodash org:acme' });
    await expect(spent.searchCode('lodash org:acme')).rejects.toSatisfy((error) => isFleetError(error, 'budget_exhausted') && typeof error.details.retryAt === 'number');
  });

  test('a fork names its parent and source in its full repository, as GitHub does; a seed of an unknown parent is refused', async () => {
    h = await startHarness();
    seedFleet(h);
    h.fake.state.seedRepo({ owner: 'globex', name: 'api-fork-fork', files: { 'README.md': '#\n' }, forkOf: 'globex/shop' });
    h.fake.state.seedRepo({ owner: 'acme', name: 'shop-fork', files: { 'README.md': '#\n' }, forkOf: 'globex/api-fork-fork' });
    const octokit = new Octokit({ baseUrl: h.fake.url, auth: 'test-token', log: quiet, request: { retries: 0 } });
    const full = (await octokit.rest.repos.get({ owner: 'acme', repo: 'shop-fork' })).data;
    expect([full.fork, full.parent?.full_name, full.source?.full_name]).toEqual([true, 'globex/api-fork-fork', 'globex/shop']);
    const plain = (await octokit.rest.repos.get({ owner: 'acme', repo: 'api' })).data;
    expect([plain.fork, plain.parent, plain.source]).toEqual([false, undefined, undefined]);
    expect(() => h!.fake.state.seedRepo({ owner: 'acme', name: 'orphan', files: {}, forkOf: 'acme/missing' })).toThrow('forkOf "acme/missing" is not a seeded repository');
  });

  test('the contents of the root directory are listed', async () => {
    h = await startHarness();
    seedFleet(h);
    const octokit = new Octokit({ baseUrl: h.fake.url, auth: 'test-token', log: quiet, request: { retries: 0 } });
    const root = await octokit.rest.repos.getContent({ owner: 'acme', repo: 'web', path: '' });
    expect(Array.isArray(root.data) && root.data.map((e) => `${e.type}:${e.path}`)).toEqual(['dir:docs', 'file:package.json']);
  });
});
