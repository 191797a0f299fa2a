import type { Db } from './database.js';
import { createStatementCache, type Row } from './sql.js';

/**
 * The `history_stats` table: successes and failures per repository or change kind (key '*', or a
 * change key such as "dependency:npm:lodash@4" for what changed), across campaigns; and
 * `history_outcomes`, what each campaign contributed to them, target by target.
 */

export interface HistoryRecord {
  scope: 'repo' | 'kind';
  key: string;
  changeKind: string;
  successes: number;
  failures: number;
  campaigns: number;
}

/** One target's outcome as a campaign contributed it to the counters. */
export interface HistoryOutcomeRecord {
  campaignId: string;
  targetId: number;
  repo: string;
  changeKind: string;
  changeKey: string;
  succeeded: boolean;
}

/**
 * History counters; `record` adds to them (negative counts take back what was added). The ledger
 * (`outcomes`, `putOutcome`, `dropOutcome`) says what each campaign added.
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
    /** What a campaign has contributed so far, target by target (empty: nothing recorded yet). */
    outcomes(campaignId: string): HistoryOutcomeRecord[] {
      const rows = prep('SELECT * FROM history_outcomes WHERE campaign_id = ? ORDER BY target_id').all(campaignId) as Row[];
      return rows.map((r) => ({
        campaignId: r.campaign_id as string,
        targetId: r.target_id as number,
        repo: r.repo as string,
        changeKind: r.change_kind as string,
        changeKey: r.change_key as string,
        succeeded: r.succeeded === 1,
      }));
    },
    putOutcome(o: HistoryOutcomeRecord & { now: number }): void {
      prep(
        `INSERT INTO history_outcomes (campaign_id, target_id, repo, change_kind, change_key, succeeded, recorded_at)
         VALUES (@campaignId, @targetId, @repo, @changeKind, @changeKey, @succeeded, @now)
         ON CONFLICT (campaign_id, target_id) DO UPDATE SET repo = excluded.repo, change_kind = excluded.change_kind,
           change_key = excluded.change_key, succeeded = excluded.succeeded, recorded_at = excluded.recorded_at`,
      ).run({ ...o, succeeded: o.succeeded ? 1 : 0 });
    },
    dropOutcome(campaignId: string, targetId: number): void {
      prep('DELETE FROM history_outcomes WHERE campaign_id = ? AND target_id = ?').run(campaignId, targetId);
    },
  };
}

export type HistoryRepository = ReturnType<typeof createHistoryRepository>;
