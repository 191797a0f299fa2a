import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store-settings');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('settings', () => {
  it('stores JSON values by key, the last write winning', () => {
    expect(store.settings.get('digest:C1')).toBeUndefined();
    store.settings.set('digest:C1', { hour: 9, tz: 'Europe/Paris' }, 'U1', 1);
    store.settings.set('digest:C1', { hour: 10, tz: 'Europe/Paris' }, 'U2', 2);
    expect(store.settings.get('digest:C1')).toEqual({ hour: 10, tz: 'Europe/Paris' });
  });

  it('is frozen only while the freeze is on', () => {
    expect(store.settings.isFrozen()).toBe(false);
    store.settings.set('freeze', { on: true }, 'U1', 1);
    expect(store.settings.isFrozen()).toBe(true);
    store.settings.set('freeze', { on: false }, 'U1', 2);
    expect(store.settings.isFrozen()).toBe(false);
  });
});

describe('digest runs', () => {
  it('claims a channel digest once per day', () => {
    expect(store.digests.claim('C1', '2024-10-01', 1)).toBe(true);
    expect(store.digests.claim('C1', '2024-10-01', 2)).toBe(false);
    expect(store.digests.claim('C1', '2024-10-02', 3)).toBe(true);
    expect(store.digests.claim('C2', '2024-10-01', 4)).toBe(true);
  });
});
