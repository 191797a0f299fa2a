import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, readMigrations, type Db } from '../../src/store/database.js';
import { createRequire } from 'node:module';
import { createStore, type Store } from '../../src/store/store.js';

const require = createRequire(import.meta.url);
let dir: string;
let db: Db;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-store-'));
  db = openDatabase(join(dir, 'fleet.db'));
  store = createStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function newCampaign(id = 'c-1') {
  return store.campaigns.insert({
    id,
    name: 'bump-lodash',
    specJson: '{}',
    specSource: 'test',
    changeKind: 'npm-dependency',
    owner: 'U1',
    channel: 'C1',
    state: 'draft',
    waveCount: 2,
    now: 1000,
  });
}

describe('database', () => {
  it('applies every migration once and records the version', () => {
    const count = readMigrations().length;
    expect(db.pragma('user_version', { simple: true })).toBe(count);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const again = openDatabase(join(dir, 'fleet.db'));
    expect(again.pragma('user_version', { simple: true })).toBe(count);
    again.close();
  });

  it('keeps events append-only', () => {
    const id = store.events.append({ at: 1, actor: 'U1', kind: 'campaign.created' });
    expect(() => db.prepare('UPDATE events SET kind = ? WHERE id = ?').run('x', id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events WHERE id = ?').run(id)).toThrow(/append-only/);
  });
});

describe('campaigns and targets', () => {
  it('lets only one writer win an optimistic update', () => {
    const c = newCampaign();
    const first = store.campaigns.update(c.id, c.version, { state: 'running' }, 2000);
    const second = store.campaigns.update(c.id, c.version, { state: 'aborted' }, 2000);
    expect(first?.state).toBe('running');
    expect(second).toBeUndefined();
    expect(store.campaigns.get(c.id)?.state).toBe('running');
  });

  it('refuses a state the schema does not know', () => {
    const c = newCampaign();
    expect(() => store.campaigns.update(c.id, c.version, { state: 'exploded' as never }, 1)).toThrow(/CHECK/);
  });

  it('finds due targets only in running campaigns and reached waves', () => {
    const c = newCampaign();
    store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }, { repo: 'a/two', wave: 1 }], 1000);
    expect(store.targets.due(5000, 10)).toHaveLength(0);
    store.campaigns.update(c.id, c.version, { state: 'running' }, 1000);
    expect(store.targets.due(5000, 10).map((t) => t.repo)).toEqual(['a/one']);
    const counts = store.targets.counts(c.id);
    expect(counts.pending).toBe(2);
  });

  it('reads one state of a campaign without the others', () => {
    const c = newCampaign();
    const other = store.campaigns.insert({ id: 'c-other', name: 'x', specJson: '{}', specSource: 't', changeKind: 'json-set', owner: 'U1', channel: 'C1', state: 'running', waveCount: 2, now: 1 });
    store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 1 }, { repo: 'a/two', wave: 0 }, { repo: 'a/three', wave: 0 }], 1000);
    store.targets.insertMany(other.id, [{ repo: 'a/one', wave: 0 }], 1000);
    for (const t of [store.targets.findByRepo(c.id, 'a/one')!, store.targets.findByRepo(c.id, 'a/three')!, store.targets.findByRepo(other.id, 'a/one')!]) {
      store.targets.update(t.id, t.version, { state: 'needs-attention', stateReason: 'why' }, 2000);
    }
    expect(store.targets.inState(c.id, 'needs-attention').map((t) => t.repo)).toEqual(['a/three', 'a/one']);
    expect(store.targets.inState(c.id, 'pending').map((t) => t.repo)).toEqual(['a/two']);
  });

  it('rejects a duplicate repository in one campaign', () => {
    const c = newCampaign();
    expect(() => store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }, { repo: 'a/one', wave: 1 }], 1)).toThrow(/UNIQUE/);
  });
});

describe('gates', () => {
  it('records exactly one decision', () => {
    const c = newCampaign();
    const gate = store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'review', confidence: { score: 80 }, now: 1 });
    const again = store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: 2 });
    expect(again.id).toBe(gate.id);
    expect(store.gates.decide(gate.id, 'approved', 'U1', 3)?.decidedBy).toBe('U1');
    expect(store.gates.decide(gate.id, 'rejected', 'U2', 4)).toBeUndefined();
    expect(store.gates.get(gate.id)?.state).toBe('approved');
  });
});

describe('outbox', () => {
  it('coalesces pending updates with the same key and keeps order', () => {
    store.outbox.enqueue({ channel: 'C1', method: 'chat.postMessage', payload: { text: 'a' }, now: 1 });
    store.outbox.enqueue({ channel: 'C1', method: 'chat.update', payload: { text: 'v1' }, coalesceKey: 'root:c-1', now: 2 });
    store.outbox.enqueue({ channel: 'C1', method: 'chat.update', payload: { text: 'v2' }, coalesceKey: 'root:c-1', now: 3 });
    const ready = store.outbox.ready(10, 10);
    expect(ready.map((m) => m.payload.text)).toEqual(['a', 'v2']);
  });
});

describe('two connections writing at once', () => {
  it('serialises immediate transactions without losing a write', async () => {
    const file = join(dir, 'fleet.db');
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

describe('waking a target', () => {
  it('makes a waiting target due without taking its version, and leaves a running one alone', () => {
    const c = newCampaign();
    store.targets.insertMany(c.id, [{ repo: 'a/one', wave: 0 }, { repo: 'a/two', wave: 0 }], 1000);
    const waiting = store.targets.findByRepo(c.id, 'a/one')!;
    const w = store.targets.update(waiting.id, waiting.version, { state: 'waiting', dueAt: 9_000 }, 1000)!;
    const running = store.targets.findByRepo(c.id, 'a/two')!;
    const r = store.targets.update(running.id, running.version, { state: 'running', dueAt: 9_000 }, 1000)!;
    expect(store.targets.wake(w.id, 2_000)).toBe(true);
    expect(store.targets.wake(r.id, 2_000)).toBe(false);
    const woken = store.targets.get(w.id)!;
    expect(woken).toMatchObject({ dueAt: 2_000, version: w.version });
    // the tick that read the target before the wake still wins its optimistic update
    expect(store.targets.update(w.id, w.version, { state: 'succeeded' }, 3_000)?.state).toBe('succeeded');
    expect(store.targets.get(r.id)?.dueAt).toBe(9_000);
  });
});

describe('releasing leases at start', () => {
  it('makes leased targets due now and takes their version, and leaves waiting ones alone', () => {
    const c = newCampaign();
    store.targets.insertMany(c.id, [{ repo: 'a/leased', wave: 0 }, { repo: 'a/waiting', wave: 0 }, { repo: 'a/due', wave: 0 }], 1000);
    const lease = (repo: string, state: 'running' | 'waiting', dueAt: number) => {
      const t = store.targets.findByRepo(c.id, repo)!;
      return store.targets.update(t.id, t.version, { state, dueAt }, 1000)!;
    };
    const leased = lease('a/leased', 'running', 120_000);
    const waiting = lease('a/waiting', 'waiting', 120_000);
    const due = lease('a/due', 'running', 1_500);
    expect(store.targets.releaseLeases(2_000)).toEqual([{ id: leased.id, campaignId: c.id, repo: 'a/leased' }]);
    expect(store.targets.get(leased.id)).toMatchObject({ state: 'running', dueAt: 2_000, version: leased.version + 1 });
    // a worker of the dead process that still held the old version cannot write its result
    expect(store.targets.update(leased.id, leased.version, { state: 'succeeded' }, 3_000)).toBeUndefined();
    expect(store.targets.get(waiting.id)).toMatchObject({ dueAt: 120_000, version: waiting.version });
    expect(store.targets.get(due.id)).toMatchObject({ dueAt: 1_500, version: due.version });
  });
});
