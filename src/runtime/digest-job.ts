import { openDatabase } from '../store/database.js';
import { createStore } from '../store/store.js';
import { runDigests } from '../engine/digest.js';
import type { JobConfig } from './job-config.js';

/** One run of the digest job: posts each channel's digest once its local hour has come. */
export function runDigest(config: JobConfig, now: () => number): string[] {
  const db = openDatabase(config.dbFile);
  try {
    return runDigests(createStore(db), now());
  } finally {
    db.close();
  }
}
