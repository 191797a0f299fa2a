import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';
import { newCampaign } from './helpers.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('transactions across table groups', () => {
  it('writes all of a transaction or none of it', () => {
    const c = newCampaign(store);
    expect(() =>
      store.transaction(() => {
        store.campaigns.update(c.id, c.version, { state: 'running' }, 2_000);
        store.events.append({ campaignId: c.id, at: 2_000, actor: 'U1', kind: 'campaign.started' });
        store.outbox.enqueue({ campaignId: c.id, channel: 'C1', record: { kind: 'state-notice', campaignId: c.id, text: 'started' }, now: 2_000 });
        throw new Error('crash before commit');
      }),
    ).toThrow('crash before commit');
    expect(store.campaigns.get(c.id)).toMatchObject({ state: 'draft', version: c.version });
    expect(store.events.list({ campaignId: c.id })).toEqual([]);
    expect(store.outbox.pendingCount()).toBe(0);

    store.transaction(() => {
      store.campaigns.update(c.id, c.version, { state: 'running' }, 2_000);
      store.events.append({ campaignId: c.id, at: 2_000, actor: 'U1', kind: 'campaign.started' });
      store.outbox.enqueue({ campaignId: c.id, channel: 'C1', record: { kind: 'state-notice', campaignId: c.id, text: 'started' }, now: 2_000 });
    });
    expect(store.campaigns.get(c.id)?.state).toBe('running');
    expect(store.events.list({ campaignId: c.id }).map((e) => e.kind)).toEqual(['campaign.started']);
    expect(store.outbox.pendingCount()).toBe(1);
  });
});
