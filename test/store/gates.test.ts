import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';
import { newCampaign } from './helpers.js';

let temp: TempStore;
let store: Store;

beforeEach(() => {
  temp = openTempStore('store-gates');
  store = temp.store;
});
afterEach(() => {
  temp.close();
});

describe('gates', () => {
  it('records exactly one decision', () => {
    const c = newCampaign(store);
    const gate = store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'review', confidence: { score: 80 }, now: 1 });
    const again = store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: 2 });
    expect(again.id).toBe(gate.id);
    expect(store.gates.decide(gate.id, 'approved', 'U1', 3)?.decidedBy).toBe('U1');
    expect(store.gates.decide(gate.id, 'rejected', 'U2', 4)).toBeUndefined();
    expect(store.gates.get(gate.id)?.state).toBe('approved');
  });
});
