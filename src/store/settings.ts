import type { Db } from './database.js';
import { createStatementCache } from './sql.js';

/** The `settings` table (JSON values by key, e.g. the global freeze) and `digest_runs` (one digest per channel and day). */

/**
 * Settings by key.
 *
 * @example const settings = createSettingsRepository(db); settings.set('freeze', { on: true }, userId, Date.now());
 */
export function createSettingsRepository(db: Db) {
  const prep = createStatementCache(db);

  const settings = {
    get<T = unknown>(key: string): T | undefined {
      const row = prep('SELECT value_json FROM settings WHERE key = ?').get(key) as { value_json: string } | undefined;
      return row ? (JSON.parse(row.value_json) as T) : undefined;
    },
    set(key: string, value: unknown, by: string, now: number): void {
      prep(
        `INSERT INTO settings (key, value_json, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      ).run(key, JSON.stringify(value), by, now);
    },
    isFrozen(): boolean {
      return settings.get<{ on: boolean }>('freeze')?.on === true;
    },
  };
  return settings;
}

/**
 * Claims of the daily digest.
 *
 * @example const digests = createDigestRepository(db); if (digests.claim(channel, '2024-05-01', Date.now())) post();
 */
export function createDigestRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
    /** Claims the digest of a channel for a local day; false if it was already posted. */
    claim(channel: string, day: string, now: number): boolean {
      return prep('INSERT INTO digest_runs (channel, day, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(channel, day, now).changes === 1;
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
export type DigestRepository = ReturnType<typeof createDigestRepository>;
