import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';

const temp = useTempStore('store-settings');

describe('settings', () => {
  it('stores JSON values by key, the last write winning', () => {
    expect(temp.store.settings.get('digest:C1')).toBeUndefined();
    temp.store.settings.set('digest:C1', { hour: 9, tz: 'Europe/Paris' }, 'U1', 1);
    temp.store.settings.set('digest:C1', { hour: 10, tz: 'Europe/Paris' }, 'U2', 2);
    expect(temp.store.settings.get('digest:C1')).toEqual({ hour: 10, tz: 'Europe/Paris' });
  });

  it('is frozen only while the freeze is on', () => {
    expect(temp.store.settings.isFrozen()).toBe(false);
    temp.store.settings.set('freeze', { on: true }, 'U1', 1);
    expect(temp.store.settings.isFrozen()).toBe(true);
    temp.store.settings.set('freeze', { on: false }, 'U1', 2);
    expect(temp.store.settings.isFrozen()).toBe(false);
  });
});

describe('digest runs', () => {
  it('claims a channel digest once per day', () => {
    expect(temp.store.digests.claim('C1', '2024-10-01', 1)).toBe(true);
    expect(temp.store.digests.claim('C1', '2024-10-01', 2)).toBe(false);
    expect(temp.store.digests.claim('C1', '2024-10-02', 3)).toBe(true);
    expect(temp.store.digests.claim('C2', '2024-10-01', 4)).toBe(true);
  });
});
