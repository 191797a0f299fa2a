import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from './database.js';
import { createStore, type Store } from './store.js';

/** A real SQLite file in a temporary folder, removed on close (benchmarks and tests). */
export interface TempStore {
  dir: string;
  file: string;
  db: Db;
  store: Store;
  close(): void;
}

/**
 * Opens a migrated store in a fresh temporary folder named after `prefix`.
 *
 * @example const t = openTempStore('bench-tick'); try { t.store.campaigns.list(); } finally { t.close(); }
 */
export function openTempStore(prefix: string): TempStore {
  const dir = mkdtempSync(join(tmpdir(), `fleet-${prefix}-`));
  const file = join(dir, 'fleet.db');
  const db = openDatabase(file);
  return {
    dir,
    file,
    db,
    store: createStore(db),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
