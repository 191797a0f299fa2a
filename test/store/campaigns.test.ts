import { describe, expect, it } from 'vitest';
import { newCampaign, useTempStore } from './helpers.js';

const temp = useTempStore('store-campaigns');

describe('campaigns', () => {
  it('lets only one writer win an optimistic update', () => {
    const c = newCampaign(temp.store);
    const first = temp.store.campaigns.update(c.id, c.version, { state: 'running' }, 2000);
    const second = temp.store.campaigns.update(c.id, c.version, { state: 'aborted' }, 2000);
    expect(first?.state).toBe('running');
    expect(second).toBeUndefined();
    expect(temp.store.campaigns.get(c.id)?.state).toBe('running');
  });

  it('refuses a state the schema does not know', () => {
    const c = newCampaign(temp.store);
    expect(() => temp.store.campaigns.update(c.id, c.version, { state: 'exploded' as never }, 1)).toThrow(/CHECK/);
  });
});
