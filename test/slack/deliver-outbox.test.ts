import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';
import { createOutboxClient, deliverOutbox, OUTBOX_EVENT_TYPE } from '../../src/slack/deliver-outbox.js';
import { buildRootPost, enqueueRootUpdate } from '../../src/engine/notifications.js';
import type { NotificationOf } from '../../src/domain/notifications.js';
import type { FleetLogger } from '../../src/slack/logger.js';

const SECRET = 'delivery-test-secret';
const TOKEN = 'xoxb-delivery-test';
const CH = 'C0FLEET001';
const CH2 = 'C0FLEET002';

let dir: string;
let store: Store;
let slack: FakeSlack;
let clock: number;
let sleeps: number[];
let errors: { message: string; fields?: Record<string, unknown> }[];

const now = () => clock;
const sleep = async (ms: number) => {
  sleeps.push(ms);
  clock += ms;
};
const logger: FleetLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message, fields) => errors.push({ message, fields }) };

function deliver(limits = {}) {
  return deliverOutbox({ store, client: createOutboxClient(TOKEN, slack.apiUrl), now, sleep, logger, limits });
}

function addCampaign(id: string, channel = CH) {
  return store.campaigns.insert({ id, name: `campaign-${id}`, specJson: '{}', specSource: 'test', changeKind: 'npm-dependency', owner: 'U0OWNER01', channel, state: 'running', waveCount: 3, now: clock });
}

function root(id: string): number {
  return store.outbox.enqueue(buildRootPost(store.campaigns.get(id)!, clock));
}

function threadPost(id: string, text: string, channel = CH): number {
  return store.outbox.enqueue({ campaignId: id, channel, threadOf: 'root', record: { kind: 'state-notice', campaignId: id, text }, now: clock });
}

function outboxIdOf(message: { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }): unknown {
  return message.metadata?.event_type === OUTBOX_EVENT_TYPE ? message.metadata.event_payload?.outbox_id : undefined;
}

beforeEach(async () => {
  clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  sleeps = [];
  errors = [];
  dir = mkdtempSync(join(tmpdir(), 'fleet-outbox-'));
  store = createStore(openDatabase(join(dir, 'fleet.db')));
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN, now });
  // Slack's own limit, enforced by the fake: one post per second per channel.
  slack.setFaults({ methodLimits: { 'chat.postMessage': { perSecond: 1, perChannel: true } } });
});

afterEach(async () => {
  await slack.close();
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deliverOutbox', () => {
  test('posts the root first, saves its ts, then the thread in order, paced to one post a second per channel', async () => {
    addCampaign('c-1');
    root('c-1');
    const ids = Array.from({ length: 5 }, (_, i) => threadPost('c-1', `post ${i}`));
    const report = await deliver();
    expect(report).toMatchObject({ posted: 6, deferred: 0, dead: 0 });
    const rootTs = store.campaigns.get('c-1')!.rootTs!;
    expect(rootTs).toBeTruthy();
    const thread = slack.thread(CH, rootTs);
    expect(thread.slice(1).map((m) => m.text)).toEqual(['post 0', 'post 1', 'post 2', 'post 3', 'post 4']);
    expect(thread.slice(1).map(outboxIdOf)).toEqual(ids);
    expect(slack.stats().rateLimited).toBe(0);
    const times = thread.map((m) => Number(m.ts) * 1000);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    expect(store.outbox.pendingCount()).toBe(0);
  });

  test('a thread message waits for its root; other channels carry on', async () => {
    addCampaign('c-1');
    addCampaign('c-2', CH2);
    const waiting = threadPost('c-1', 'too early');
    root('c-2');
    const report = await deliver();
    expect(report.posted).toBe(1);
    expect(store.outbox.get(waiting)).toMatchObject({ state: 'pending', lastError: 'waiting for the root message' });
    expect(slack.messages(CH)).toHaveLength(0);
    root('c-1');
    clock += 5000;
    await deliver();
    const rootTs = store.campaigns.get('c-1')!.rootTs!;
    // The root (queued later) goes first; the waiting post then follows in its thread.
    clock += 5000;
    await deliver();
    expect(slack.thread(CH, rootTs).map((m) => m.text)).toContain('too early');
  });

  test('429: waits for Retry-After, then posts once', async () => {
    addCampaign('c-1');
    const id = root('c-1');
    slack.setFaults({ rateLimitRate: 1, retryAfterSeconds: 7, seed: 1 });
    const first = await deliver();
    expect(first).toMatchObject({ posted: 0, deferred: 1 });
    expect(store.outbox.get(id)).toMatchObject({ state: 'pending', notBefore: clock + 7000 });
    slack.setFaults({});
    clock += 3000;
    expect((await deliver()).posted).toBe(0);
    clock += 4000;
    const second = await deliver();
    expect(second.posted + second.recovered).toBe(1);
    expect(slack.messages(CH)).toHaveLength(1);
  });

  test('5xx: backs off, and the retry looks before posting so nothing is posted twice', async () => {
    addCampaign('c-1');
    const id = root('c-1');
    slack.setFaults({ errorRate: 1, seed: 3 });
    expect((await deliver()).deferred).toBe(1);
    const after = store.outbox.get(id)!;
    expect(after.state).toBe('pending');
    expect(after.notBefore).toBeGreaterThan(clock);
    expect(after.lastError).toMatch(/HTTP 50[03]/);
    slack.setFaults({});
    clock = after.notBefore;
    const report = await deliver();
    expect(report.posted).toBe(1);
    expect(report.calls['conversations.history']).toBe(1);
    expect(slack.messages(CH)).toHaveLength(1);
  });

  test('gives up after the maximum attempts', async () => {
    addCampaign('c-1');
    const id = root('c-1');
    slack.setFaults({ errorRate: 1, seed: 5 });
    for (let i = 0; i < 3; i++) {
      await deliver({ maxAttempts: 3 });
      clock = Math.max(clock, store.outbox.get(id)!.notBefore);
    }
    expect(store.outbox.get(id)!.state).toBe('dead');
    expect(errors.some((e) => e.message === 'Slack message given up')).toBe(true);
  });

  test('a crash after Slack accepted the post is recovered without a second post', async () => {
    addCampaign('c-1');
    root('c-1');
    await deliver();
    const rootTs = store.campaigns.get('c-1')!.rootTs!;
    const id = threadPost('c-1', 'posted just before the crash');
    // The previous process marked it sending, Slack accepted it, and the process died before markSent.
    store.outbox.markSending(id);
    const client = createOutboxClient(TOKEN, slack.apiUrl);
    clock += 2000;
    await client.chat.postMessage({ channel: CH, thread_ts: rootTs, text: 'posted just before the crash', metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { outbox_id: id } } });
    const postsBefore = slack.stats().posts;
    clock += 2000;
    const report = await deliver();
    expect(report).toMatchObject({ recovered: 1, posted: 0 });
    expect(slack.stats().posts).toBe(postsBefore);
    expect(slack.thread(CH, rootTs).filter((m) => m.text === 'posted just before the crash')).toHaveLength(1);
    expect(store.outbox.get(id)!.state).toBe('sent');
  });

  test('a crash before Slack got the post: looked up, absent, posted once', async () => {
    addCampaign('c-1');
    root('c-1');
    await deliver();
    const id = threadPost('c-1', 'never reached Slack');
    store.outbox.markSending(id);
    clock += 2000;
    const report = await deliver();
    expect(report).toMatchObject({ posted: 1, recovered: 0 });
    expect(report.calls['conversations.replies']).toBe(1);
    const rootTs = store.campaigns.get('c-1')!.rootTs!;
    expect(slack.thread(CH, rootTs).filter((m) => m.text === 'never reached Slack')).toHaveLength(1);
  });

  test('a permanent error marks the message dead with a log line and does not block others', async () => {
    addCampaign('c-9', 'C0NOSUCH1');
    const bad = root('c-9');
    addCampaign('c-1');
    root('c-1');
    const report = await deliver();
    expect(report).toMatchObject({ dead: 1, posted: 1 });
    expect(store.outbox.get(bad)).toMatchObject({ state: 'dead', lastError: 'channel_not_found' });
    expect(errors[0].fields).toMatchObject({ outboxId: bad, reason: 'channel_not_found' });
  });

  test('root updates are coalesced by the store and sent at a bounded rate', async () => {
    addCampaign('c-1');
    root('c-1');
    await deliver();
    // The record names the campaign; delivery renders the campaign as it is when it sends.
    const update = (n: number) => {
      const c = store.campaigns.get('c-1')!;
      enqueueRootUpdate(store, store.campaigns.update('c-1', c.version, { stateReason: `progress ${n}` }, clock)!, clock);
    };
    const shown = () => JSON.stringify(slack.messages(CH)[0].blocks).match(/progress \d+/)?.[0];
    for (let i = 0; i < 50; i++) update(i);
    expect(store.outbox.list({ state: 'pending' })).toHaveLength(1);
    clock += 2000;
    const first = await deliver({ rootUpdateIntervalMs: 10_000 });
    expect(first.updated).toBe(1);
    expect(shown()).toBe('progress 49');
    update(50);
    clock += 1000;
    const second = await deliver({ rootUpdateIntervalMs: 10_000 });
    expect(second).toMatchObject({ updated: 0, deferred: 1 });
    clock += 10_000;
    expect((await deliver({ rootUpdateIntervalMs: 10_000 })).updated).toBe(1);
    expect(shown()).toBe('progress 50');
    expect(slack.stats().updates).toBe(2);
  });

  test('a root update rendered before a pacing wait never lands after a newer state: the latest state wins', async () => {
    addCampaign('c-1');
    root('c-1');
    await deliver();
    clock += 5000;
    // A thread post goes first, so the root update waits for the channel's pace before its call.
    store.outbox.enqueue({ campaignId: 'c-1', channel: CH, threadOf: 'root', record: { kind: 'state-notice', campaignId: 'c-1', text: 'wave 2 started' }, now: clock });
    const c = store.campaigns.get('c-1')!;
    enqueueRootUpdate(store, store.campaigns.update('c-1', c.version, { stateReason: 'wave 2 at 35%' }, clock)!, clock);
    let completed = false;
    const engineDuringWait = async (ms: number) => {
      clock += ms;
      if (completed) return;
      completed = true;
      // Meanwhile the engine completes the campaign and queues its root update (replacing the pending one).
      const running = store.campaigns.get('c-1')!;
      enqueueRootUpdate(store, store.campaigns.update('c-1', running.version, { state: 'completed', stateReason: '' }, clock)!, clock);
    };
    const shown = () => JSON.stringify(slack.messages(CH)[0].blocks);
    await deliverOutbox({ store, client: createOutboxClient(TOKEN, slack.apiUrl), now, sleep: engineDuringWait, logger });
    expect(completed).toBe(true);
    // Nothing Slack shows after the completion may be the older "running" state.
    expect(shown()).not.toContain('wave 2 at 35%');
    clock += 10_000;
    await deliver();
    expect(shown()).toContain('*completed*');
    expect(store.outbox.list({ state: 'pending' })).toHaveLength(0);
  });

  test('a gate request records its message ts on the gate, and a gate update edits that message', async () => {
    addCampaign('c-1');
    root('c-1');
    const gate = store.gates.open({ campaignId: 'c-1', wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: clock });
    const request: NotificationOf<'gate-request'> = { kind: 'gate-request', campaignId: 'c-1', gateId: gate.id, wave: 0, waveCount: 3, confidence: { score: 80, signals: [], prior: null }, approvers: [], expiresAt: null };
    store.outbox.enqueue({ campaignId: 'c-1', channel: CH, threadOf: 'root', record: request, now: clock });
    store.outbox.enqueue({ campaignId: 'c-1', channel: CH, threadOf: 'root', record: { kind: 'wave-started', campaignId: 'c-1', wave: 0, waveCount: 3, repos: ['a/b'] }, now: clock });
    await deliver();
    const ts = store.gates.get(gate.id)!.messageTs;
    expect(ts).toBeTruthy();
    store.outbox.enqueue({ campaignId: 'c-1', channel: CH, threadOf: 'root', record: { ...request, kind: 'gate-decided', state: 'approved', decidedBy: 'U0APPROV1', automatic: false }, now: clock });
    clock += 2000;
    expect((await deliver()).updated).toBe(1);
    const rootTs = store.campaigns.get('c-1')!.rootTs!;
    const edited = slack.thread(CH, rootTs).find((m) => m.ts === ts)!;
    expect(edited.text).toBe('Wave 1 gate approved');
    // The decision replaced the request's buttons in place; only Details is left.
    expect(JSON.stringify(edited.blocks)).not.toMatch(/fleet\.gate\.(approve|reject)/);
    expect(JSON.stringify(edited.blocks)).toContain('fleet.gate.details');
  });

  test('the root ts is saved even when the engine bumped the campaign version meanwhile', async () => {
    const c = addCampaign('c-1');
    store.campaigns.update('c-1', c.version, { currentWave: 1 }, clock);
    root('c-1');
    await deliver();
    expect(store.campaigns.get('c-1')).toMatchObject({ currentWave: 1, rootTs: expect.any(String) });
  });

  test('a row whose record is not a notification, or a root whose campaign is gone, is dead with a log line', async () => {
    addCampaign('c-1');
    root('c-1');
    store.db.prepare(`INSERT INTO outbox (campaign_id, channel, kind, record_json, created_at) VALUES ('c-1', ?, 'wave-started', '{"kind":"wave-started"}', ?)`).run(CH, clock);
    const gone = store.outbox.enqueue({ campaignId: 'c-gone', channel: CH, threadOf: null, record: { kind: 'root', campaignId: 'c-gone', action: 'post' }, now: clock });
    const report = await deliver();
    expect(report).toMatchObject({ posted: 1, dead: 2 });
    expect(store.outbox.list({ state: 'dead' }).map((m) => m.lastError)).toEqual(['the stored notification is not valid (wave-started)', 'campaign c-gone not found']);
    expect(errors.map((e) => e.fields?.outboxId)).toContain(gone);
  });

  test('pacing holds across runs: a new run waits for the last post of the previous one', async () => {
    addCampaign('c-1');
    root('c-1');
    await deliver();
    const rootTs = store.campaigns.get('c-1')!.rootTs!;
    threadPost('c-1', 'next run');
    clock += 300;
    sleeps = [];
    await deliver();
    expect(sleeps).toEqual([800]);
    const [first, second] = slack.thread(CH, rootTs);
    expect(Number(second.ts) * 1000 - Number(first.ts) * 1000).toBeGreaterThanOrEqual(1000);
    expect(slack.stats().rateLimited).toBe(0);
  });
});
