import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';
import type { Store } from '../../src/store/store.js';

const temp = useTempStore('store-events');

describe('events', () => {
  it('keeps events append-only', () => {
    const db = temp.db;
    const id = temp.store.events.append({ at: 1, actor: 'U1', kind: 'campaign.created' });
    expect(() => db.prepare('UPDATE events SET kind = ? WHERE id = ?').run('x', id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events WHERE id = ?').run(id)).toThrow(/append-only/);
  });

  it('lists events in order, filtered by campaign, target, time, id and kind', () => {
    const first = temp.store.events.append({ campaignId: 'c-1', at: 10, actor: 'U1', kind: 'campaign.created', data: { by: 'U1' } });
    temp.store.events.append({ campaignId: 'c-2', at: 20, actor: 'U2', kind: 'campaign.created' });
    temp.store.events.append({ campaignId: 'c-1', targetId: 5, at: 30, actor: 'engine', kind: 'target.pr-opened', data: { pr: 7 } });
    temp.store.events.append({ campaignId: 'c-1', targetId: 6, at: 40, actor: 'engine', kind: 'target.failed' });
    const kinds = (filter: Parameters<Store['events']['list']>[0]) => temp.store.events.list(filter).map((e) => e.kind);
    expect(temp.store.events.list()).toHaveLength(4);
    expect(temp.store.events.list({ campaignId: 'c-1' })[0]).toEqual({ id: first, campaignId: 'c-1', targetId: null, at: 10, actor: 'U1', kind: 'campaign.created', data: { by: 'U1' } });
    expect(kinds({ campaignId: 'c-1' })).toEqual(['campaign.created', 'target.pr-opened', 'target.failed']);
    expect(kinds({ targetId: 5 })).toEqual(['target.pr-opened']);
    expect(kinds({ since: 30 })).toEqual(['target.pr-opened', 'target.failed']);
    expect(kinds({ afterId: first })).toEqual(['campaign.created', 'target.pr-opened', 'target.failed']);
    expect(kinds({ campaignId: 'c-1', kinds: ['target.failed', 'campaign.created'] })).toEqual(['campaign.created', 'target.failed']);
    expect(kinds({ kinds: [] })).toHaveLength(4);
    expect(kinds({ limit: 2 })).toEqual(['campaign.created', 'campaign.created']);
  });
});
