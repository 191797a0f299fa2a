import type { Db } from './database.js';

const DAY_MS = 86_400_000;

export interface PruneCounts {
  httpCache: number;
  webhookDeliveries: number;
  seenRequests: number;
}

/**
 * Deletes what Fleet keeps only for a while: HTTP cache entries not refreshed within the retention
 * (a dropped entry only costs one unconditional GET), handled webhook deliveries older than it
 * (GitHub redelivers within days, not weeks), and request signatures past their own expiry. Never
 * events, gates, campaigns, targets or the outbox: the audit trail is kept for good. One
 * transaction, so a crash prunes all or nothing.
 *
 * @example pruneExpired(db, { now: Date.now(), retentionDays: 30 }) // { httpCache: 12, webhookDeliveries: 340, seenRequests: 51 }
 */
export function pruneExpired(db: Db, options: { now: number; retentionDays: number }): PruneCounts {
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) throw new RangeError(`retentionDays must be a whole number of days, at least 1, not ${options.retentionDays}.`);
  const before = options.now - options.retentionDays * DAY_MS;
  return db.transaction(() => ({
    httpCache: db.prepare('DELETE FROM http_cache WHERE updated_at < ?').run(before).changes,
    webhookDeliveries: db.prepare('DELETE FROM github_deliveries WHERE at < ?').run(before).changes,
    seenRequests: db.prepare('DELETE FROM seen_requests WHERE expires_at <= ?').run(options.now).changes,
  }))();
}
