import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { enqueueRootUpdate } from '../../src/engine/notifications.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { gateRequest, rootMessage } from '../../src/slack/blocks/index.js';
import { createOutboxClient, deliverOutbox, OUTBOX_EVENT_TYPE } from '../../src/slack/deliver-outbox.js';
import { migrate, openDatabase, readMigrations, type Db } from '../../src/store/database.js';
import { createStore } from '../../src/store/store.js';

const SECRET = 'migration-test-secret';
const TOKEN = 'xoxb-migration-test';
const CH = 'C0FLEET001';

let dir: string;
let file: string;
let slack: FakeSlack;
let clock: number;
const now = () => clock;
const sleep = async (ms: number) => {
  clock += ms;
};

beforeEach(async () => {
  clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  dir = mkdtempSync(join(tmpdir(), 'fleet-outbox-migration-'));
  file = join(dir, 'fleet.db');
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN, now });
});

afterEach(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A database as the previous release left it: schema version 2, Slack calls queued in the outbox. */
function openVersion2(): Db {
  const db = openDatabase(file, { migrate: false });
  migrate(
    db,
    readMigrations().filter((m) => m.version <= 2),
  );
  return db;
}

function insertOldRow(db: Db, row: { method: string; payload: Record<string, unknown>; threadOf?: string | null; coalesceKey?: string; state?: string; resultTs?: string; sentAt?: number }): number {
  const info = db
    .prepare(
      `INSERT INTO outbox (campaign_id, channel, method, thread_of, payload_json, coalesce_key, state, result_ts, created_at, sent_at)
       VALUES ('c-1', @channel, @method, @threadOf, @payload, @coalesceKey, @state, @resultTs, @now, @sentAt)`,
    )
    .run({ channel: CH, method: row.method, threadOf: row.threadOf ?? null, payload: JSON.stringify(row.payload), coalesceKey: row.coalesceKey ?? null, state: row.state ?? 'pending', resultTs: row.resultTs ?? null, now: clock, sentAt: row.sentAt ?? null });
  return Number(info.lastInsertRowid);
}

describe('migration 003: the outbox holds notification records', () => {
  test('rows queued by the old code are converted verbatim and delivered once, as they were', async () => {
    const old = openVersion2();
    const oldStore = createStore(old);
    // The schema of version 2, before campaigns had launched_by: the row is written as the code of then wrote it.
    old
      .prepare(`INSERT INTO campaigns (id, name, spec_json, spec_source, change_kind, owner, channel, state, wave_count, created_at, updated_at) VALUES ('c-1', 'bump-lodash', '{}', 'test', 'npm-dependency', 'U0OWNER01', @channel, 'running', 2, @now, @now)`)
      .run({ channel: CH, now: clock });
    const gate = oldStore.gates.open({ campaignId: 'c-1', wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: clock });
    const view = { campaignId: 'c-1', name: 'bump-lodash', state: 'running' as const, owner: 'U0OWNER01', currentWave: 0, waves: [{ index: 0, total: 2, done: 0, failed: 0 }], counts: { pending: 2 }, confidence: null, openGate: null };
    const rootPost = rootMessage(view);
    const request = gateRequest({ campaignId: 'c-1', gateId: gate.id, wave: 0, waveCount: 2, confidence: { score: 80, signals: [], prior: null }, approvers: ['U0OWNER01'] });
    // A message that retention removed: its id must not be handed out again after the migration.
    const removed = insertOldRow(old, { method: 'chat.postMessage', payload: { text: 'long ago' }, state: 'sent', resultTs: '1.000001', sentAt: clock });
    const ids = {
      root: insertOldRow(old, { method: 'chat.postMessage', payload: { ...rootPost, root: true } }),
      notice: insertOldRow(old, { method: 'chat.postMessage', threadOf: 'root', payload: { text: 'Paused by <@U0OWNER01>.' } }),
      // An old gate request without `gateId`: recognised by its gate:<id> block and its Approve button.
      request: insertOldRow(old, { method: 'chat.postMessage', threadOf: 'root', payload: { ...request } }),
      decided: insertOldRow(old, { method: 'chat.update', threadOf: 'root', payload: { text: 'Wave 1 gate approved', blocks: request.blocks.filter((b) => b.type !== 'actions'), gateId: gate.id } }),
      rootUpdate: insertOldRow(old, { method: 'chat.update', threadOf: 'root', coalesceKey: 'root:c-1', payload: { ...rootMessage({ ...view, state: 'awaiting-approval' }) } }),
    };
    const sentBefore = insertOldRow(old, { method: 'chat.postMessage', threadOf: 'root', payload: { text: 'already sent' }, state: 'sent', resultTs: '1.000002', sentAt: clock });
    old.prepare('DELETE FROM outbox WHERE id = ?').run(removed);
    old.close();

    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(readMigrations().at(-1)!.version);
      const store = createStore(db);
      const columns = (db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[]).map((c) => c.name);
      expect(columns).toEqual(expect.arrayContaining(['kind', 'record_json', 'delivered_as', 'delivered_ts', 'settled_at']));
      expect(columns).not.toContain('method');
      expect(columns).not.toContain('payload_json');

      const converted = store.outbox.get(ids.root)!;
      expect(converted).toMatchObject({ kind: 'legacy-slack', state: 'pending', threadOf: null, channel: CH, campaignId: 'c-1' });
      expect(converted.record).toEqual({ kind: 'legacy-slack', method: 'chat.postMessage', payload: JSON.parse(JSON.stringify({ ...rootPost, root: true })) });
      expect(store.outbox.get(ids.rootUpdate)).toMatchObject({ coalesceKey: 'root:c-1', threadOf: 'root' });
      expect(store.outbox.get(sentBefore)).toMatchObject({ state: 'sent', deliveredAs: 'post', deliveredTs: '1.000002', settledAt: clock });

      const client = createOutboxClient(TOKEN, slack.apiUrl);
      for (let round = 0; round < 10 && store.outbox.pendingCount() > 0; round++) {
        await deliverOutbox({ store, client, now, sleep });
        clock += 6000;
      }
      expect(store.outbox.pendingCount()).toBe(0);
      expect(store.outbox.list({ state: 'dead' })).toHaveLength(0);

      const rootTs = store.campaigns.get('c-1')!.rootTs!;
      expect(rootTs).toBeTruthy();
      const [root, ...replies] = slack.thread(CH, rootTs);
      // The root was posted as queued, then edited by the queued update.
      expect(root.text).toBe('Fleet campaign bump-lodash: awaiting-approval, 0 of 2 targets done');
      expect(replies.map((m) => m.text)).toEqual(['Paused by <@U0OWNER01>.', 'Wave 1 gate approved']);
      const gateTs = store.gates.get(gate.id)!.messageTs;
      expect(replies[1].ts).toBe(gateTs);
      expect(JSON.stringify(replies[1].blocks)).not.toContain('"actions"');
      // Each converted row went out once, with its own id; the row sent before the migration was not sent again.
      const stamped = [root, ...replies].map((m) => (m.metadata?.event_type === OUTBOX_EVENT_TYPE ? m.metadata.event_payload?.outbox_id : undefined));
      expect(stamped).toEqual([ids.root, ids.notice, ids.request]);
      expect(slack.stats().posts).toBe(3);
      expect(slack.stats().updates).toBe(2);

      // New rows continue the old sequence, and a new root update coalesces with the old key.
      const campaign = store.campaigns.get('c-1')!;
      enqueueRootUpdate(store, campaign, clock);
      const pending = store.outbox.list({ state: 'pending' });
      expect(pending).toHaveLength(1);
      expect(pending[0].id).toBeGreaterThan(sentBefore);
      expect(pending[0].record).toEqual({ kind: 'root', campaignId: 'c-1', action: 'update' });
    } finally {
      db.close();
    }
  });

  test('an outbox emptied by retention keeps its id sequence', () => {
    const old = openVersion2();
    const id = insertOldRow(old, { method: 'chat.postMessage', payload: { text: 'gone' }, state: 'sent', sentAt: clock });
    old.prepare('DELETE FROM outbox').run();
    old.close();
    const db = openDatabase(file);
    try {
      const store = createStore(db);
      const next = store.outbox.enqueue({ channel: CH, threadOf: null, record: { kind: 'state-notice', campaignId: 'c-1', text: 'hello' }, now: clock });
      expect(next).toBeGreaterThan(id);
    } finally {
      db.close();
    }
  });
});
