import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { createCampaignService } from '../../src/campaigns/service.js';
import { createConfidenceModel } from '../../src/engine/confidence.js';
import { advanceWaves } from '../../src/engine/waves.js';
import type { Gateway } from '../../src/github/gateway.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { ACTION } from '../../src/slack/blocks/index.js';
import { createSlackApp, type SlackApp } from '../../src/slack/create-app.js';
import { createGroupResolver } from '../../src/slack/user-groups.js';
import { makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from '../engine/helpers.js';

/**
 * The gate's Details button through Bolt and the fake Slack, with the real service over SQLite:
 * anyone who sees the gate may read its statistics, only they see the answer, and it decides
 * nothing.
 */

const SECRET = 'details-secret';
const TOKEN = 'xoxb-details';
const CHANNEL = 'C0FLEET003';
const OUTSIDER = 'U0OUTSID1';
const NOW = 5_000_000;

const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected GitHub call ${String(name)}`);
    };
  },
});

let t: TempStore;
let slack: FakeSlack;
let app: SlackApp;

beforeAll(async () => {
  t = openTempStore();
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
  const resolveGroupMembers = createGroupResolver({ client: new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl }), now: Date.now });
  const service = createCampaignService({
    store: t.store,
    catalog: { list: async () => [], load: async () => Promise.reject(new Error('not used')) },
    gateway,
    admins: ['U0ADMIN01'],
    launchers: { users: [], groups: [] },
    resolveGroupMembers,
    now: Date.now,
    wake: () => undefined,
  });
  app = createSlackApp({ signingSecret: SECRET, botToken: TOKEN, apiUrl: slack.apiUrl, service, admins: ['U0ADMIN01'], resolveGroupMembers, recordRefusal: () => undefined, logger: { debug() {}, info() {}, warn() {}, error() {} }, now: Date.now });
  await app.start(0);
  slack.setAppUrl(`http://127.0.0.1:${app.port()}/slack/events`);
});

afterAll(async () => {
  await app?.stop();
  await slack?.close();
  t?.close();
});

describe('the Details button of a gate', () => {
  test('answers whoever clicks with the statistics, ephemerally, and changes nothing', async () => {
    const spec = makeSpec({ owner: 'U0OWNER01', channel: CHANNEL, approvers: { users: ['U0APPROV1'] }, targets: { repos: ['acme/a', 'acme/b', 'acme/c'] } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b'], ['acme/c']] });
    for (const repo of ['acme/a', 'acme/b']) {
      const target = t.store.targets.findByRepo(id, repo)!;
      t.store.targets.update(target.id, target.version, { state: 'waiting', stepIndex: 1, score: 95, dueAt: NOW + 300_000 }, NOW);
    }
    advanceWaves({ store: t.store, now: NOW, confidence: createConfidenceModel(t.store) });
    const gate = t.store.gates.find(id, 0, 'wave')!;
    const request = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.gateId === gate.id)!;
    const client = new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl });
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: request.text, blocks: request.blocks as never });
    const before = JSON.stringify(slack.messages(CHANNEL).find((m) => m.ts === posted.ts));
    const events = t.store.events.list({ campaignId: id }).length;

    const seen = slack.ephemeral(OUTSIDER).length;
    await slack.clickButton({ user: OUTSIDER, actionId: ACTION.gateDetails, channel: CHANNEL, messageTs: posted.ts! });
    const answer = await vi.waitFor(
      () => {
        const next = slack.ephemeral(OUTSIDER)[seen];
        if (!next) throw new Error('no reply yet');
        return next;
      },
      { timeout: 5000, interval: 20 },
    );
    expect(answer.text).toBe('Confidence 71/100 at wave 1 of 2, in full');
    const shown = JSON.stringify(answer.blocks);
    expect(shown).toContain('• *history prior*: Beta(1, 1) from 0 past campaigns: 0 succeeded, 0 failed');
    expect(shown).toContain('• *posterior*: Beta(3, 1); its 10th percentile is the campaign evidence');
    // Nothing decided, nothing recorded, the gate message as it was.
    expect(t.store.gates.get(gate.id)!.state).toBe('open');
    expect(t.store.events.list({ campaignId: id })).toHaveLength(events);
    expect(JSON.stringify(slack.messages(CHANNEL).find((m) => m.ts === posted.ts))).toBe(before);
  });
});
