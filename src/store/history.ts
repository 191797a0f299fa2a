import type { Db } from './database.js';
import { createStatementCache, type Row } from './sql.js';

/** The `history_stats` table: successes and failures per repository or change kind, across campaigns. */

export interface HistoryRecord {
  scope: 'repo' | 'kind';
  key: string;
  changeKind: string;
  successes: number;
  failures: number;
  campaigns: number;
}

/**
 * History counters; `record` adds to them.
 *
 * @example const history = createHistoryRepository(db); history.get('kind', '*', 'npm-dependency');
 */
export function createHistoryRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
    record(h: { scope: 'repo' | 'kind'; key: string; changeKind: string; successes: number; failures: number; campaigns?: number; now: number }): void {
      prep(
        `INSERT INTO history_stats (scope, key, change_kind, successes, failures, campaigns, updated_at)
         VALUES (@scope, @key, @changeKind, @successes, @failures, @campaigns, @now)
         ON CONFLICT (scope, key, change_kind) DO UPDATE SET successes = successes + excluded.successes,
           failures = failures + excluded.failures, campaigns = campaigns + excluded.campaigns, updated_at = excluded.updated_at`,
      ).run({ ...h, campaigns: h.campaigns ?? 0 });
    },
    get(scope: 'repo' | 'kind', key: string, changeKind: string): HistoryRecord | undefined {
      const row = prep('SELECT * FROM history_stats WHERE scope = ? AND key = ? AND change_kind = ?').get(scope, key, changeKind) as Row | undefined;
      if (!row) return undefined;
      return {
        scope: row.scope as 'repo' | 'kind',
        key: row.key as string,
        changeKind: row.change_kind as string,
        successes: row.successes as number,
        failures: row.failures as number,
        campaigns: row.campaigns as number,
      };
    },
  };
}

export type HistoryRepository = ReturnType<typeof createHistoryRepository>;
