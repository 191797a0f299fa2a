import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempStore } from './helpers.js';
import { migrate, openDatabase, readMigrations } from '../../src/store/database.js';
import { createStore } from '../../src/store/store.js';

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

describe('migration 004: campaigns record who launched them', () => {
  it('gives existing campaigns their owner as launcher, and new ones whoever starts them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fleet-m004-')), 'fleet.db');
    const old = openDatabase(file, { migrate: false });
    migrate(old, readMigrations().filter((m) => m.version <= 3));
    old
      .prepare(`INSERT INTO campaigns (id, name, spec_json, spec_source, change_kind, owner, channel, state, wave_count, created_at, updated_at) VALUES ('c-old', 'bump', '{}', 'test', 'npm-dependency', 'U0OWNER01', 'C0FLEET001', 'running', 1, 1, 1)`)
      .run();
    old.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(4);
    const store = createStore(db);
    expect(store.campaigns.get('c-old')).toMatchObject({ owner: 'U0OWNER01', launchedBy: 'U0OWNER01' });
    store.campaigns.insert({ id: 'c-new', name: 'bump', specJson: '{}', specSource: 'test', changeKind: 'npm-dependency', owner: 'U0OWNER01', launchedBy: 'U0LAUNCH1', channel: 'C0FLEET001', state: 'running', waveCount: 1, now: 2 });
    expect(store.campaigns.get('c-new')).toMatchObject({ owner: 'U0OWNER01', launchedBy: 'U0LAUNCH1' });
    db.close();
    rmSync(dirname(file), { recursive: true, force: true });
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
