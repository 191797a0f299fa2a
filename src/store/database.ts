import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

/** The migrations folder, found from this file both in `src/` (tests) and in `dist/src/` (built). */
export function defaultMigrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../../db/migrations'), resolve(here, '../../../db/migrations')]) {
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      // try the next layout
    }
  }
  throw new Error('db/migrations not found next to the Fleet sources; reinstall Fleet.');
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads `NNN_name.sql` files in order; a gap or a duplicate number is an error. */
export function readMigrations(dir = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  let expected = 1;
  return files.map((file) => {
    const version = Number(file.slice(0, 3));
    if (version !== expected) throw new Error(`Migration ${file} is out of sequence: expected number ${String(expected).padStart(3, '0')}.`);
    expected++;
    return { version, name: file.slice(4, -4), sql: readFileSync(join(dir, file), 'utf8') };
  });
}

/**
 * Applies every migration newer than `PRAGMA user_version`, each in its own immediate transaction,
 * so two processes starting at once cannot both apply the same one. Returns the versions applied.
 */
export function migrate(db: Db, migrations = readMigrations()): number[] {
  const applied: number[] = [];
  for (const m of migrations) {
    const apply = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= m.version) return false;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (apply.immediate()) applied.push(m.version);
  }
  return applied;
}

export interface OpenOptions {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  readonly?: boolean;
}

/** Opens (creating if needed) the SQLite file with WAL, a busy timeout and foreign keys on. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  if (options.migrate ?? true) migrate(db);
  return db;
}
