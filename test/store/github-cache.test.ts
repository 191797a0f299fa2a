import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';

const temp = useTempStore('store-github');

describe('http cache', () => {
  it('replaces an entry under the same key and forgets a deleted one', () => {
    const key = 'GET https://api.github.com/repos/a/one';
    expect(temp.store.httpCache.get(key)).toBeUndefined();
    temp.store.httpCache.put({ key, etag: '"v1"', lastModified: null, status: 200, body: '{"v":1}', updatedAt: 1 });
    temp.store.httpCache.put({ key, etag: '"v2"', lastModified: 'Tue, 01 Oct 2024 00:00:00 GMT', status: 200, body: '{"v":2}', updatedAt: 2 });
    expect(temp.store.httpCache.get(key)).toEqual({ key, etag: '"v2"', lastModified: 'Tue, 01 Oct 2024 00:00:00 GMT', status: 200, body: '{"v":2}', updatedAt: 2 });
    temp.store.httpCache.delete(key);
    expect(temp.store.httpCache.get(key)).toBeUndefined();
  });
});

describe('GitHub budget', () => {
  it('keeps rate limits and writes per budget (one per GitHub App installation)', () => {
    const github = temp.store.github;
    github.recordRate({ resource: 'code_search', limit: 10, remaining: 9, resetAt: 60, updatedAt: 1 });
    github.recordRate({ resource: 'core', limit: 5000, remaining: 4000, resetAt: 100, updatedAt: 1, budget: 'installation:11' });
    github.recordRate({ resource: 'core', limit: 5000, remaining: 1200, resetAt: 100, updatedAt: 1, budget: 'installation:22' });
    // Without a budget: the tightest installation's (no single budget was recorded).
    expect(github.rate('core')).toMatchObject({ remaining: 1200, budget: 'installation:22' });
    expect(github.rate('core', 'installation:11')?.remaining).toBe(4000);
    expect(github.rate('code')).toBeUndefined();
    expect(github.rates('core').map((rate) => [rate.budget, rate.remaining])).toEqual([
      ['installation:11', 4000],
      ['installation:22', 1200],
    ]);
    // The single budget, once recorded, is the one `rate()` answers.
    github.recordRate({ resource: 'core', limit: 5000, remaining: 4500, resetAt: 100, updatedAt: 2 });
    expect(github.rate('core')).toEqual({ resource: 'core', limit: 5000, remaining: 4500, resetAt: 100, updatedAt: 2 });

    github.recordWrite('POST /repos/acme/api/pulls', 1_000, 'installation:11');
    github.recordWrite('POST /repos/globex/web/pulls', 1_500, 'installation:22');
    github.recordWrite('POST /repos/acme/api/pulls', 2_000);
    expect(github.writesSince(0, 'installation:11')).toBe(1);
    expect(github.writesSince(0)).toBe(1);
    expect(github.oldestWriteSince(0, 'installation:22')).toBe(1_500);
  });

  it('keeps the latest rate limit per resource', () => {
    temp.store.github.recordRate({ resource: 'core', limit: 5000, remaining: 4999, resetAt: 100, updatedAt: 1 });
    temp.store.github.recordRate({ resource: 'core', limit: 5000, remaining: 4000, resetAt: 100, updatedAt: 2 });
    temp.store.github.recordRate({ resource: 'search', limit: 30, remaining: 29, resetAt: 60, updatedAt: 2 });
    expect(temp.store.github.rate()).toEqual({ resource: 'core', limit: 5000, remaining: 4000, resetAt: 100, updatedAt: 2 });
    expect(temp.store.github.rate('search')?.remaining).toBe(29);
    expect(temp.store.github.rate('graphql')).toBeUndefined();
  });

  it('counts writes inside a window and prunes older ones', () => {
    for (const at of [1_000, 2_000, 3_000]) temp.store.github.recordWrite('POST /repos/{owner}/{repo}/pulls', at);
    expect(temp.store.github.writesSince(2_000)).toBe(2);
    expect(temp.store.github.oldestWriteSince(1_500)).toBe(2_000);
    expect(temp.store.github.oldestWriteSince(3_001)).toBeUndefined();
    temp.store.github.pruneWrites(3_000);
    expect(temp.store.github.writesSince(0)).toBe(1);
  });

  it('counts requests per day, 304s apart', () => {
    temp.store.github.countRequest('2024-10-01', false);
    temp.store.github.countRequest('2024-10-01', false);
    temp.store.github.countRequest('2024-10-01', true);
    expect(temp.store.github.requestsOn('2024-10-01')).toEqual({ counted: 2, notModified: 1 });
    expect(temp.store.github.requestsOn('2024-10-02')).toEqual({ counted: 0, notModified: 0 });
  });

  it('claims a webhook delivery once', () => {
    expect(temp.store.github.claimDelivery('d-1', 'pull_request', 1)).toBe(true);
    expect(temp.store.github.claimDelivery('d-1', 'pull_request', 2)).toBe(false);
    expect(temp.store.github.claimDelivery('d-2', 'check_run', 3)).toBe(true);
  });
});
