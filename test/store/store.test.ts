import { describe, expect, it } from 'vitest';
import { newCampaign, useTempStore } from './helpers.js';

const temp = useTempStore('store');

describe('transactions across table groups', () => {
  it('writes all of a transaction or none of it', () => {
    const c = newCampaign(temp.store);
    expect(() =>
      temp.store.transaction(() => {
        temp.store.campaigns.update(c.id, c.version, { state: 'running' }, 2_000);
        temp.store.events.append({ campaignId: c.id, at: 2_000, actor: 'U1', kind: 'campaign.started' });
        temp.store.outbox.enqueue({ campaignId: c.id, channel: 'C1', record: { kind: 'state-notice', campaignId: c.id, text: 'started' }, now: 2_000 });
        throw new Error('crash before commit');
      }),
    ).toThrow('crash before commit');
    expect(temp.store.campaigns.get(c.id)).toMatchObject({ state: 'draft', version: c.version });
    expect(temp.store.events.list({ campaignId: c.id })).toEqual([]);
    expect(temp.store.outbox.pendingCount()).toBe(0);

    temp.store.transaction(() => {
      temp.store.campaigns.update(c.id, c.version, { state: 'running' }, 2_000);
      temp.store.events.append({ campaignId: c.id, at: 2_000, actor: 'U1', kind: 'campaign.started' });
      temp.store.outbox.enqueue({ campaignId: c.id, channel: 'C1', record: { kind: 'state-notice', campaignId: c.id, text: 'started' }, now: 2_000 });
    });
    expect(temp.store.campaigns.get(c.id)?.state).toBe('running');
    expect(temp.store.events.list({ campaignId: c.id }).map((e) => e.kind)).toEqual(['campaign.started']);
    expect(temp.store.outbox.pendingCount()).toBe(1);
  });
});
