import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';
import { newCampaign } from './helpers.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store-campaigns');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('campaigns', () => {
  it('lets only one writer win an optimistic update', () => {
    const c = newCampaign(store);
    const first = store.campaigns.update(c.id, c.version, { state: 'running' }, 2000);
    const second = store.campaigns.update(c.id, c.version, { state: 'aborted' }, 2000);
    expect(first?.state).toBe('running');
    expect(second).toBeUndefined();
    expect(store.campaigns.get(c.id)?.state).toBe('running');
  });

  it('refuses a state the schema does not know', () => {
    const c = newCampaign(store);
    expect(() => store.campaigns.update(c.id, c.version, { state: 'exploded' as never }, 1)).toThrow(/CHECK/);
  });
});
