import type { CampaignRecord, Store } from '../../src/store/store.js';

/** Inserts the draft campaign the store tests build on. */
export function newCampaign(store: Store, id = 'c-1'): CampaignRecord {
  return store.campaigns.insert({
    id,
    name: 'bump-lodash',
    specJson: '{}',
    specSource: 'test',
    changeKind: 'npm-dependency',
    owner: 'U1',
    channel: 'C1',
    state: 'draft',
    waveCount: 2,
    now: 1000,
  });
}
