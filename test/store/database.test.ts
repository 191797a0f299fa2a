import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';
import { openDatabase, readMigrations } from '../../src/store/database.js';

const require = createRequire(import.meta.url);
const temp = useTempStore('store-database');

describe('database', () => {
  it('applies every migration once and records the version', () => {
    const db = temp.db;
    const count = readMigrations().at(-1)!.version;
    expect(db.pragma('user_version', { simple: true })).toBe(count);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const again = openDatabase(temp.file);
    expect(again.pragma('user_version', { simple: true })).toBe(count);
    again.close();
  });
});

describe('two connections writing at once', () => {
  it('serialises immediate transactions without losing a write', async () => {
    const db = temp.db;
    const file = temp.file;
    const { Worker } = await import('node:worker_threads');
    const script = `
      const { workerData, parentPort } = require('node:worker_threads');
      const Database = require(workerData.driver);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 5000');
      const insert = db.prepare("INSERT INTO events (at, actor, kind, data_json) VALUES (?, ?, 'test.write', '{}')");
      const tx = db.transaction((i) => insert.run(i, workerData.name));
      for (let i = 0; i < 500; i++) tx.immediate(i);
      db.close();
      parentPort.postMessage('done');
    `;
    const driver = require.resolve('better-sqlite3');
    const run = (name: string) =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(script, { eval: true, workerData: { file, name, driver } });
        w.on('message', () => resolve());
        w.on('error', reject);
      });
    await Promise.all([run('w1'), run('w2')]);
    const rows = db.prepare("SELECT actor, COUNT(*) AS n FROM events WHERE kind = 'test.write' GROUP BY actor").all();
    expect(rows).toEqual([
      { actor: 'w1', n: 500 },
      { actor: 'w2', n: 500 },
    ]);
  });
});
