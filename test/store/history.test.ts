import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store-history');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('history', () => {
  it('adds each record to the counters of its scope, key and change kind', () => {
    expect(store.history.get('kind', '*', 'npm-dependency')).toBeUndefined();
    store.history.record({ scope: 'kind', key: '*', changeKind: 'npm-dependency', successes: 8, failures: 2, campaigns: 1, now: 1 });
    store.history.record({ scope: 'kind', key: '*', changeKind: 'npm-dependency', successes: 3, failures: 1, campaigns: 1, now: 2 });
    store.history.record({ scope: 'repo', key: 'a/one', changeKind: 'npm-dependency', successes: 1, failures: 0, now: 2 });
    expect(store.history.get('kind', '*', 'npm-dependency')).toEqual({ scope: 'kind', key: '*', changeKind: 'npm-dependency', successes: 11, failures: 3, campaigns: 2 });
    expect(store.history.get('repo', 'a/one', 'npm-dependency')).toMatchObject({ successes: 1, failures: 0, campaigns: 0 });
    expect(store.history.get('repo', 'a/one', 'json-set')).toBeUndefined();
  });

  it('refuses a scope the schema does not know', () => {
    expect(() => store.history.record({ scope: 'org' as never, key: 'a', changeKind: 'x', successes: 1, failures: 0, now: 1 })).toThrow(/CHECK/);
  });
});
