import { openDatabase } from '../store/database.js';
import { createStore } from '../store/store.js';
import { runDigests } from '../engine/digest.js';
import { pruneExpired } from '../store/retention.js';
import type { JobConfig } from './job-config.js';

/**
 * One run of the digest job: posts each channel's digest once its local hour has come, then
 * prunes what FLEET_RETENTION_DAYS no longer keeps (the HTTP cache, handled webhook deliveries,
 * expired request signatures).
 */
export function runDigest(config: JobConfig, now: () => number): string[] {
  const db = openDatabase(config.dbFile);
  try {
    const channels = runDigests(createStore(db), now());
    pruneExpired(db, { now: now(), retentionDays: config.retentionDays ?? 30 });
    return channels;
  } finally {
    db.close();
  }
}
