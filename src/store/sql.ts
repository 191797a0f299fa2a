import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { FleetError } from '../errors.js';

/** Helpers the table-group modules share: the statement cache, JSON columns, the patch-to-SET builder. */

export type Row = Record<string, unknown>;

/** Prepares each SQL text once, on first use, and hands back the same statement afterwards. */
export function createStatementCache(db: Db): (sql: string) => Statement<unknown[]> {
  const statements = new Map<string, Statement<unknown[]>>();
  return function prep(sql: string): Statement<unknown[]> {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare<unknown[]>(sql);
      statements.set(sql, s);
    }
    return s;
  };
}

/** Reads a `*_json` column holding an object; anything else (empty, null, an array) reads as `{}`. */
export function parseJson(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Turns a patch of camelCase fields into `column = @p_field` assignments and their parameters;
 * undefined fields are left out and `*_json` columns are serialised.
 *
 * @example patchToSql({ state: 'running' }, { state: 'state' }) // { sets: ['state = @p_state'], params: { p_state: 'running' } }
 */
export function patchToSql<P extends object>(patch: P, columns: Record<keyof P, string>): { sets: string[]; params: Row } {
  const sets: string[] = [];
  const params: Row = {};
  for (const [key, value] of Object.entries(patch) as [keyof P & string, unknown][]) {
    if (value === undefined) continue;
    const column = columns[key];
    if (!column) throw new FleetError('internal', `Unknown field ${key} in an update.`);
    sets.push(`${column} = @p_${key}`);
    params[`p_${key}`] = column.endsWith('_json') ? JSON.stringify(value) : value;
  }
  return { sets, params };
}
