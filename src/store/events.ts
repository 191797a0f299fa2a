import type { Db } from './database.js';
import { createStatementCache, parseJson, type Row } from './sql.js';

/** The `events` table: append-only (triggers refuse UPDATE and DELETE); the audit trail and its projections read it. */

export interface EventRecord {
  id: number;
  campaignId: string | null;
  targetId: number | null;
  at: number;
  actor: string;
  kind: string;
  data: Record<string, unknown>;
}

export interface NewEvent {
  campaignId?: string | null;
  targetId?: number | null;
  at: number;
  actor: string;
  kind: string;
  data?: Record<string, unknown>;
}

function toEvent(r: Row): EventRecord {
  return {
    id: r.id as number,
    campaignId: (r.campaign_id as string | null) ?? null,
    targetId: (r.target_id as number | null) ?? null,
    at: r.at as number,
    actor: r.actor as string,
    kind: r.kind as string,
    data: parseJson(r.data_json),
  };
}

/**
 * Event rows.
 *
 * @example const events = createEventRepository(db); events.list({ campaignId, kinds: ['gate.opened'] });
 */
export function createEventRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
    append(e: NewEvent): number {
      const info = prep(
        `INSERT INTO events (campaign_id, target_id, at, actor, kind, data_json)
         VALUES (@campaignId, @targetId, @at, @actor, @kind, @data)`,
      ).run({
        campaignId: e.campaignId ?? null,
        targetId: e.targetId ?? null,
        at: e.at,
        actor: e.actor,
        kind: e.kind,
        data: JSON.stringify(e.data ?? {}),
      });
      return Number(info.lastInsertRowid);
    },
    list(filter: { campaignId?: string; targetId?: number; since?: number; afterId?: number; kinds?: readonly string[]; limit?: number } = {}): EventRecord[] {
      const where: string[] = [];
      const params: Row = {};
      if (filter.campaignId !== undefined) {
        where.push('campaign_id = @campaignId');
        params.campaignId = filter.campaignId;
      }
      if (filter.targetId !== undefined) {
        where.push('target_id = @targetId');
        params.targetId = filter.targetId;
      }
      if (filter.since !== undefined) {
        where.push('at >= @since');
        params.since = filter.since;
      }
      if (filter.afterId !== undefined) {
        where.push('id > @afterId');
        params.afterId = filter.afterId;
      }
      if (filter.kinds && filter.kinds.length > 0) {
        const names = filter.kinds.map((k, i) => {
          params[`k${i}`] = k;
          return `@k${i}`;
        });
        where.push(`kind IN (${names.join(', ')})`);
      }
      params.limit = filter.limit ?? 100_000;
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT @limit`;
      return (db.prepare(sql).all(params) as Row[]).map(toEvent);
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
