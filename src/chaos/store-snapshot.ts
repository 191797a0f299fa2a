import type { Db } from '../store/database.js';

/**
 * Every row of every table, as one string, so "this input changed nothing" is a plain equality.
 * Tables named in `ignore` are left out (for example `github_deliveries`, where a well-formed
 * delivery about an unknown repository is rightly remembered).
 *
 * @example
 * const before = snapshotStore(store.db);
 * await sendBadInput();
 * expect(snapshotStore(store.db)).toBe(before);
 */
export function snapshotStore(db: Db, ignore: readonly string[] = []): string {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
    .map((t) => t.name)
    .filter((name) => !ignore.includes(name));
  const parts: string[] = [];
  for (const table of tables) {
    // rowid order is insertion order for these tables: a reordering would be a change too.
    const rows = db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all();
    parts.push(`${table}:${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}
