import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';

const temp = useTempStore('store-outbox');

describe('outbox', () => {
  it('coalesces pending updates with the same key and keeps order', () => {
    const notice = (text: string) => ({ kind: 'state-notice' as const, campaignId: 'c-1', text });
    temp.store.outbox.enqueue({ channel: 'C1', record: notice('a'), now: 1 });
    temp.store.outbox.enqueue({ channel: 'C1', record: notice('v1'), coalesceKey: 'root:c-1', now: 2 });
    temp.store.outbox.enqueue({ channel: 'C1', record: notice('v2'), coalesceKey: 'root:c-1', now: 3 });
    const ready = temp.store.outbox.ready(10, 10);
    expect(ready.map((m) => (m.record?.kind === 'state-notice' ? m.record.text : undefined))).toEqual(['a', 'v2']);
  });

  it('hasReady agrees with ready: a waiting row is not ready before its time, a sent one never', () => {
    const outbox = temp.store.outbox;
    expect(outbox.hasReady(10)).toBe(false);
    const id = outbox.enqueue({ channel: 'C1', record: { kind: 'state-notice', campaignId: 'c-1', text: 'a' }, now: 1 });
    outbox.retryLater(id, 50, 'rate limited');
    expect([outbox.hasReady(49), outbox.ready(49, 1).length]).toEqual([false, 0]);
    expect([outbox.hasReady(50), outbox.ready(50, 1).length]).toEqual([true, 1]);
    outbox.markSent(id, '1.1', 'post', 60);
    expect(outbox.hasReady(100)).toBe(false);
  });
});

describe('outbox records', () => {
  it('stores the notification and its kind, and reads it back as it was written', () => {
    const record = { kind: 'wave-started' as const, campaignId: 'c-1', wave: 0, waveCount: 2, repos: ['acme/a'] };
    const id = temp.store.outbox.enqueue({ campaignId: 'c-1', channel: 'C1', threadOf: 'root', record, now: 1 });
    expect(temp.store.outbox.get(id)).toMatchObject({ kind: 'wave-started', record, threadOf: 'root', state: 'pending', deliveredAs: null });
  });

  it('refuses a record that is not a notification, and reads a corrupt row as no record', () => {
    expect(() => temp.store.outbox.enqueue({ channel: 'C1', record: { kind: 'nonsense' } as never, now: 1 })).toThrow();
    temp.db.prepare(`INSERT INTO outbox (channel, kind, record_json, created_at) VALUES ('C1', 'wave-started', '{"kind":"wave-started"}', 1)`).run();
    expect(temp.store.outbox.list()).toMatchObject([{ kind: 'wave-started', record: null }]);
  });

  it('paces posts by what was delivered as a post', () => {
    const a = temp.store.outbox.enqueue({ channel: 'C1', record: { kind: 'state-notice', campaignId: 'c-1', text: 'a' }, now: 1 });
    const b = temp.store.outbox.enqueue({ channel: 'C1', record: { kind: 'root', campaignId: 'c-1', action: 'update' }, coalesceKey: 'root:c-1', now: 1 });
    temp.store.outbox.markSent(a, '1.1', 'post', 10);
    temp.store.outbox.markSent(b, '1.0', 'update', 20);
    expect(temp.store.outbox.lastPostedAt('C1')).toBe(10);
    expect(temp.store.outbox.lastSentAt('root:c-1')).toBe(20);
  });
});
