import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';

const temp = useTempStore('store-history');

describe('history', () => {
  it('adds each record to the counters of its scope, key and change kind', () => {
    expect(temp.store.history.get('kind', '*', 'npm-dependency')).toBeUndefined();
    temp.store.history.record({ scope: 'kind', key: '*', changeKind: 'npm-dependency', successes: 8, failures: 2, campaigns: 1, now: 1 });
    temp.store.history.record({ scope: 'kind', key: '*', changeKind: 'npm-dependency', successes: 3, failures: 1, campaigns: 1, now: 2 });
    temp.store.history.record({ scope: 'repo', key: 'a/one', changeKind: 'npm-dependency', successes: 1, failures: 0, now: 2 });
    expect(temp.store.history.get('kind', '*', 'npm-dependency')).toEqual({ scope: 'kind', key: '*', changeKind: 'npm-dependency', successes: 11, failures: 3, campaigns: 2 });
    expect(temp.store.history.get('repo', 'a/one', 'npm-dependency')).toMatchObject({ successes: 1, failures: 0, campaigns: 0 });
    expect(temp.store.history.get('repo', 'a/one', 'json-set')).toBeUndefined();
  });

  it('refuses a scope the schema does not know', () => {
    expect(() => temp.store.history.record({ scope: 'org' as never, key: 'a', changeKind: 'x', successes: 1, failures: 0, now: 1 })).toThrow(/CHECK/);
  });
});
