import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store-github');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('http cache', () => {
  it('replaces an entry under the same key and forgets a deleted one', () => {
    const key = 'GET https://api.github.com/repos/a/one';
    expect(store.httpCache.get(key)).toBeUndefined();
    store.httpCache.put({ key, etag: '"v1"', lastModified: null, status: 200, body: '{"v":1}', updatedAt: 1 });
    store.httpCache.put({ key, etag: '"v2"', lastModified: 'Tue, 01 Oct 2024 00:00:00 GMT', status: 200, body: '{"v":2}', updatedAt: 2 });
    expect(store.httpCache.get(key)).toEqual({ key, etag: '"v2"', lastModified: 'Tue, 01 Oct 2024 00:00:00 GMT', status: 200, body: '{"v":2}', updatedAt: 2 });
    store.httpCache.delete(key);
    expect(store.httpCache.get(key)).toBeUndefined();
  });
});

describe('GitHub budget', () => {
  it('keeps the latest rate limit per resource', () => {
    store.github.recordRate({ resource: 'core', limit: 5000, remaining: 4999, resetAt: 100, updatedAt: 1 });
    store.github.recordRate({ resource: 'core', limit: 5000, remaining: 4000, resetAt: 100, updatedAt: 2 });
    store.github.recordRate({ resource: 'search', limit: 30, remaining: 29, resetAt: 60, updatedAt: 2 });
    expect(store.github.rate()).toEqual({ resource: 'core', limit: 5000, remaining: 4000, resetAt: 100, updatedAt: 2 });
    expect(store.github.rate('search')?.remaining).toBe(29);
    expect(store.github.rate('graphql')).toBeUndefined();
  });

  it('counts writes inside a window and prunes older ones', () => {
    for (const at of [1_000, 2_000, 3_000]) store.github.recordWrite('POST /repos/{owner}/{repo}/pulls', at);
    expect(store.github.writesSince(2_000)).toBe(2);
    expect(store.github.oldestWriteSince(1_500)).toBe(2_000);
    expect(store.github.oldestWriteSince(3_001)).toBeUndefined();
    store.github.pruneWrites(3_000);
    expect(store.github.writesSince(0)).toBe(1);
  });

  it('counts requests per day, 304s apart', () => {
    store.github.countRequest('2024-10-01', false);
    store.github.countRequest('2024-10-01', false);
    store.github.countRequest('2024-10-01', true);
    expect(store.github.requestsOn('2024-10-01')).toEqual({ counted: 2, notModified: 1 });
    expect(store.github.requestsOn('2024-10-02')).toEqual({ counted: 0, notModified: 0 });
  });

  it('claims a webhook delivery once', () => {
    expect(store.github.claimDelivery('d-1', 'pull_request', 1)).toBe(true);
    expect(store.github.claimDelivery('d-1', 'pull_request', 2)).toBe(false);
    expect(store.github.claimDelivery('d-2', 'check_run', 3)).toBe(true);
  });
});
