import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildDigest, postDigestNow, runDigests } from '../../src/engine/digest.js';
import { renderNotification } from '../../src/slack/render-notification.js';
import { openTempStore, seedCampaign, type TempStore } from './helpers.js';

describe('digest', () => {
  let t: TempStore;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  test('posts once per local day at the channel hour', () => {
    seedCampaign(t.store, { waves: [['acme/a']] });
    t.store.settings.set('digest:CCHAN1', { hour: 9, timeZone: 'Europe/Berlin' }, 'UADMIN', 0);
    expect(runDigests(t.store, Date.UTC(2025, 2, 3, 7, 30))).toEqual([]); // 08:30 in Berlin
    expect(runDigests(t.store, Date.UTC(2025, 2, 3, 8, 0))).toEqual(['CCHAN1']);
    expect(runDigests(t.store, Date.UTC(2025, 2, 3, 15, 0))).toEqual([]);
    expect(runDigests(t.store, Date.UTC(2025, 2, 4, 8, 5))).toEqual(['CCHAN1']);
    expect(t.store.outbox.list().filter((m) => m.channel === 'CCHAN1')).toHaveLength(2);
  });

  test('says what waits for whom, what moved and the GitHub budget used', () => {
    const now = Date.UTC(2025, 2, 3, 9, 0);
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b'], ['acme/c']], now: now - 3 * 86_400_000 });
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a.id, a.version, { state: 'needs-attention', stateReason: 'merge conflict in package-lock.json' }, now);
    const b = t.store.targets.findByRepo(id, 'acme/b')!;
    t.store.targets.update(b.id, b.version, { state: 'succeeded' }, now);
    t.store.events.append({ campaignId: id, targetId: b.id, at: now - 3_600_000, actor: 'engine', kind: 'target.succeeded' });
    t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now });
    t.store.github.countRequest('2025-03-03', false);
    t.store.github.countRequest('2025-03-03', false);
    const text = JSON.stringify(renderNotification(buildDigest(t.store, 'CCHAN1', now)));
    expect(text).toContain('merge conflict in package-lock.json');
    expect(text).toContain('UAPPROVER1');
    expect(text).toContain('+1 done');
    expect(text).toMatch(/\b2\b/);
  });

  test('/fleet digest posts now even after today’s digest', () => {
    seedCampaign(t.store, { waves: [['acme/a']] });
    const now = Date.UTC(2025, 2, 3, 10, 0);
    runDigests(t.store, now);
    postDigestNow(t.store, 'CCHAN1', now);
    expect(t.store.outbox.list().filter((m) => m.channel === 'CCHAN1' && m.threadOf === null)).toHaveLength(2);
  });
});
