import { describe, expect, it } from 'vitest';
import { runDigest } from '../../src/runtime/digest-job.js';
import type { JobConfig } from '../../src/runtime/job-config.js';
import { pruneExpired } from '../../src/store/retention.js';
import type { Store } from '../../src/store/store.js';
import { newCampaign, useTempStore } from './helpers.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2, 12);

function count(store: Store, table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Rows either side of a retention of 30 days, and the audit trail beside them. */
function seed(store: Store, withCampaign = true): void {
  for (const [key, age] of [['GET /repos/acme/old', 31], ['GET /repos/acme/recent', 29]] as const) {
    store.httpCache.put({ key, etag: '"e"', lastModified: null, status: 200, body: '{}', updatedAt: NOW - age * DAY });
  }
  store.github.claimDelivery('d-old', 'push', NOW - 40 * DAY);
  store.github.claimDelivery('d-edge', 'push', NOW - 30 * DAY);
  store.github.claimDelivery('d-new', 'check_run', NOW - DAY);
  store.db.prepare('INSERT INTO seen_requests (key, expires_at) VALUES (?, ?)').run('sig-expired', NOW - 1);
  store.db.prepare('INSERT INTO seen_requests (key, expires_at) VALUES (?, ?)').run('sig-live', NOW + 60_000);
  if (!withCampaign) return;
  newCampaign(store);
  store.events.append({ campaignId: 'c-1', at: NOW - 400 * DAY, actor: 'U1', kind: 'campaign.created', data: {} });
}

describe('pruneExpired', () => {
  const t = useTempStore('fleet-retention-');

  it('drops what is older than the retention, and keeps events and campaigns however old', () => {
    seed(t.store);
    expect(pruneExpired(t.db, { now: NOW, retentionDays: 30 })).toEqual({ httpCache: 1, webhookDeliveries: 1, seenRequests: 1 });
    expect(t.store.httpCache.get('GET /repos/acme/old')).toBeUndefined();
    expect(t.store.httpCache.get('GET /repos/acme/recent')).toBeDefined();
    // A delivery exactly 30 days old is still within the retention; a redelivery of it is still refused.
    expect(t.store.github.claimDelivery('d-edge', 'push', NOW)).toBe(false);
    expect(t.store.github.claimDelivery('d-new', 'check_run', NOW)).toBe(false);
    expect(t.store.github.claimDelivery('d-old', 'push', NOW)).toBe(true);
    expect(t.db.prepare('SELECT key FROM seen_requests').all()).toEqual([{ key: 'sig-live' }]);
    expect(count(t.store, 'events')).toBe(1);
    expect(count(t.store, 'campaigns')).toBe(1);
  });

  it('follows the number of days it is given', () => {
    seed(t.store);
    expect(pruneExpired(t.db, { now: NOW, retentionDays: 7 })).toEqual({ httpCache: 2, webhookDeliveries: 2, seenRequests: 1 });
    expect(pruneExpired(t.db, { now: NOW, retentionDays: 7 })).toEqual({ httpCache: 0, webhookDeliveries: 0, seenRequests: 0 });
  });

  it('refuses a retention that is not a whole number of days and deletes nothing', () => {
    seed(t.store);
    for (const days of [0, -1, 1.5, Number.NaN]) expect(() => pruneExpired(t.db, { now: NOW, retentionDays: days })).toThrow(/retentionDays must be a whole number of days/);
    expect(count(t.store, 'http_cache')).toBe(2);
    expect(count(t.store, 'github_deliveries')).toBe(3);
  });

  it('runs with every digest job run, with FLEET_RETENTION_DAYS as the job is configured', () => {
    seed(t.store, false);
    runDigest({ dbFile: t.file, retentionDays: 7 } as JobConfig, () => NOW);
    expect(count(t.store, 'http_cache')).toBe(0);
    expect(count(t.store, 'github_deliveries')).toBe(1);
  });
});
