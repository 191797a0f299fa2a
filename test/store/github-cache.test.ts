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
