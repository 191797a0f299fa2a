import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { createStore } from '../../src/store/store.js';
import { useTempStore } from './helpers.js';

const temp = useTempStore('store-seen-requests');

describe('seen requests', () => {
  it('claims a key once until it expires', () => {
    const seen = temp.store.seenRequests;
    expect(seen.claim('v0=aa', 1_300, 1_000)).toBe(true);
    expect(seen.claim('v0=aa', 1_400, 1_100)).toBe(false);
    expect(seen.claim('v0=bb', 1_400, 1_100)).toBe(true);
    // At its expiry the row is pruned and the key may be claimed again.
    expect(seen.claim('v0=aa', 1_600, 1_300)).toBe(true);
  });

  it('prunes expired rows on each claim', () => {
    const seen = temp.store.seenRequests;
    for (let i = 0; i < 5; i++) seen.claim(`k${i}`, 2_000 + i, 1_000);
    seen.claim('fresh', 9_000, 2_003);
    const keys = (temp.db.prepare('SELECT key FROM seen_requests ORDER BY key').all() as { key: string }[]).map((r) => r.key);
    expect(keys).toEqual(['fresh', 'k4']);
  });

  it('holds across two connections to the same file', () => {
    const other = openDatabase(temp.file);
    try {
      const otherStore = createStore(other);
      expect(temp.store.seenRequests.claim('event:Ev1', 5_000, 1_000)).toBe(true);
      expect(otherStore.seenRequests.claim('event:Ev1', 5_000, 1_001)).toBe(false);
    } finally {
      other.close();
    }
  });
});
