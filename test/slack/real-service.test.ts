import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { createCampaignService } from '../../src/campaigns/service.js';
import { CampaignSpec } from '../../src/domain/spec.js';
import { buildDigest } from '../../src/engine/digest.js';
import type { Gateway } from '../../src/github/gateway.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { ACTION, gateRequest } from '../../src/slack/blocks/index.js';
import { createSlackApp, type SlackApp } from '../../src/slack/create-app.js';
import { createGroupResolver } from '../../src/slack/user-groups.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';

const SECRET = 'real-service-secret';
const TOKEN = 'xoxb-real-service';
const CHANNEL = 'C0FLEET003';
const OWNER = 'U0OWNER01';
const APPROVER = 'U0APPROV1';
const GROUPIE = 'U0PLATFM1'; // a member of the S0PLATFRM user group in the fake workspace
const OUTSIDER = 'U0OUTSID1';

/** Approving and refusing touch no repository: any GitHub call fails the test. */
const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected GitHub call ${String(name)}`);
    };
  },
});

let dir: string;
let store: Store;
let slack: FakeSlack;
let app: SlackApp;

function seed(id: string): number {
  const spec = CampaignSpec.parse({
    name: 'bump-lodash',
    owner: OWNER,
    approvers: { users: [APPROVER], groups: ['S0PLATFRM'] },
    channel: CHANNEL,
    targets: { repos: ['acme/a', 'acme/b'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: ['open-pr', 'gate', 'merge'],
    waves: [1, '100%'],
  });
  store.transaction(() => {
    store.campaigns.insert({ id, name: spec.name, specJson: JSON.stringify(spec), specSource: 'test', changeKind: 'npm-dependency', owner: OWNER, launchedBy: 'U0ADMIN01', channel: CHANNEL, state: 'awaiting-approval', waveCount: 2, now: Date.now() });
    store.targets.insertMany(id, [{ repo: 'acme/a', wave: 0 }, { repo: 'acme/b', wave: 1 }], Date.now());
  });
  return store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: Date.now() }).id;
}

async function postGate(campaignId: string, gateId: number): Promise<string> {
  const client = new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl });
  const posted = await client.chat.postMessage({ channel: CHANNEL, ...gateRequest({ campaignId, gateId, wave: 0, waveCount: 2, confidence: { score: 75, signals: [], prior: null }, approvers: [APPROVER] }) });
  return posted.ts!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-slack-real-'));
  store = createStore(openDatabase(join(dir, 'fleet.db')));
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
  const resolveGroupMembers = createGroupResolver({ client: new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl }), now: Date.now });
  const service = createCampaignService({
    store,
    catalog: {
      list: async () => [],
      load: async () => {
        throw new Error('not used');
      },
    },
    gateway,
    admins: ['U0ADMIN01'],
    launchers: { users: [], groups: [] },
    resolveGroupMembers,
    now: Date.now,
    wake: () => undefined,
  });
  app = createSlackApp({ signingSecret: SECRET, botToken: TOKEN, apiUrl: slack.apiUrl, service, admins: ['U0ADMIN01'], resolveGroupMembers, recordRefusal: (r) => store.events.append({ campaignId: r.campaignId, at: r.at, actor: r.actor, kind: 'auth.refused', data: { action: r.action } }), logger: { debug() {}, info() {}, warn() {}, error() {} }, now: Date.now, buildDigest: (channel) => buildDigest(store, channel, Date.now()) });
  await app.start(0);
  slack.setAppUrl(`http://127.0.0.1:${app.port()}/slack/events`);
});

afterAll(async () => {
  await app?.stop();
  await slack?.close();
  store?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('with the real campaign service', () => {
  test('two Approve clicks at once record one decision, and the gate message shows it', async () => {
    const gateId = seed('c-race');
    const ts = await postGate('c-race', gateId);
    const seen = { [OWNER]: slack.ephemeral(OWNER).length, [APPROVER]: slack.ephemeral(APPROVER).length };
    await Promise.all([
      slack.clickButton({ user: OWNER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts }),
      slack.clickButton({ user: APPROVER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts }),
    ]);
    await vi.waitFor(() => expect(JSON.stringify(slack.messages(CHANNEL).find((m) => m.ts === ts)?.blocks)).toContain('Approved by'), { timeout: 5000, interval: 20 });
    expect(store.events.list({ campaignId: 'c-race', kinds: ['gate.approved'] })).toHaveLength(1);
    const gate = store.gates.get(gateId)!;
    expect(gate.state).toBe('approved');
    const loser = gate.decidedBy === OWNER ? APPROVER : OWNER;
    const reply = await vi.waitFor(() => {
      const next = slack.ephemeral(loser)[seen[loser]];
      if (!next) throw new Error('no reply yet');
      return next;
    }, { timeout: 5000, interval: 20 });
    expect(reply.text).toContain('already approved');
  });

  test('a later click on Approve, from a screen that still shows the buttons, says who approved and when', async () => {
    const gateId = seed('c-twice');
    const ts = await postGate('c-twice', gateId);
    const value = JSON.stringify({ c: 'c-twice', g: gateId });
    await slack.clickButton({ user: APPROVER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts, value });
    // The message loses its buttons; the click still carries the value of the button the person saw.
    await vi.waitFor(() => expect(JSON.stringify(slack.messages(CHANNEL).find((m) => m.ts === ts)?.blocks)).not.toContain(ACTION.approve), { timeout: 5000, interval: 20 });
    const seen = slack.ephemeral(OWNER).length;
    await slack.clickButton({ user: OWNER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts, value });
    const reply = await vi.waitFor(() => {
      const next = slack.ephemeral(OWNER)[seen];
      if (!next) throw new Error('no reply yet');
      return next;
    }, { timeout: 5000, interval: 20 });
    const at = new Date(store.gates.get(gateId)!.decidedAt!).toISOString().slice(11, 16);
    expect(reply.text).toBe(`:warning: <@${APPROVER}> already approved wave 1 at ${at} UTC; the campaign is running: pause or abort it if it must stop.`);
    expect(store.events.list({ campaignId: 'c-twice', kinds: ['gate.approved'] })).toHaveLength(1);
  });

  test('a member of an approver user group may approve; an outsider is refused and the attempt recorded', async () => {
    const gateId = seed('c-groups');
    const ts = await postGate('c-groups', gateId);
    const seen = slack.ephemeral(OUTSIDER).length;
    await slack.clickButton({ user: OUTSIDER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts });
    const refusal = await vi.waitFor(() => {
      const next = slack.ephemeral(OUTSIDER)[seen];
      if (!next) throw new Error('no reply yet');
      return next;
    }, { timeout: 5000, interval: 20 });
    expect(refusal.text).toContain(':no_entry:');
    expect(store.events.list({ campaignId: 'c-groups', kinds: ['auth.refused'] })).toHaveLength(1);
    expect(store.gates.get(gateId)!.state).toBe('open');
    await slack.clickButton({ user: GROUPIE, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts });
    await vi.waitFor(() => expect(store.gates.get(gateId)!.state).toBe('approved'), { timeout: 5000, interval: 20 });
    expect(store.gates.get(gateId)!.decidedBy).toBe(GROUPIE);
  });

  test('/fleet abort from an outsider is refused at once and recorded; a group approver is asked to confirm', async () => {
    seed('c-abort');
    const reply = async (user: string, text: string) => {
      const seen = slack.ephemeral(user).length;
      await slack.sendCommand({ user, channel: CHANNEL, text });
      return vi.waitFor(() => {
        const next = slack.ephemeral(user)[seen];
        if (!next) throw new Error('no reply yet');
        return next;
      }, { timeout: 5000, interval: 20 });
    };
    const refusal = await reply(OUTSIDER, 'abort c-abort');
    expect(refusal.text).toBe(`:no_entry: Only <@${OWNER}>, the approvers (<@${APPROVER}>, <!subteam^S0PLATFRM>) or an admin can abort this campaign.`);
    expect(JSON.stringify(refusal.blocks ?? [])).not.toContain(ACTION.abortConfirm);
    expect(store.events.list({ campaignId: 'c-abort', kinds: ['auth.refused'] }).map((e) => ({ actor: e.actor, data: e.data }))).toEqual([{ actor: OUTSIDER, data: { action: 'abort' } }]);
    expect(JSON.stringify((await reply(GROUPIE, 'abort c-abort')).blocks)).toContain(ACTION.abortConfirm);
    expect(store.campaigns.get('c-abort')!.state).toBe('awaiting-approval');
    expect(store.events.list({ campaignId: 'c-abort', kinds: ['auth.refused'] })).toHaveLength(1);
  });

  test('an abort confirmed from Slack records and says who aborted, with a mention', async () => {
    seed('c-abort-click');
    const seen = slack.ephemeral(APPROVER).length;
    await slack.sendCommand({ user: APPROVER, channel: CHANNEL, text: 'abort c-abort-click' });
    const confirmation = await vi.waitFor(() => {
      const next = slack.ephemeral(APPROVER)[seen];
      if (!next) throw new Error('no reply yet');
      return next;
    }, { timeout: 5000, interval: 20 });
    await slack.clickButton({ user: APPROVER, actionId: ACTION.abortConfirm, ephemeralId: confirmation.id });
    await vi.waitFor(() => expect(store.campaigns.get('c-abort-click')!.state).toBe('aborted'), { timeout: 5000, interval: 20 });
    expect(store.campaigns.get('c-abort-click')!.stateReason).toBe(`aborted by <@${APPROVER}>`);
    expect(store.events.list({ campaignId: 'c-abort-click', kinds: ['campaign.aborted'] })[0]).toMatchObject({ actor: APPROVER, data: { report: { by: APPROVER, note: null } } });
    const summary = store.outbox.list({ campaignId: 'c-abort-click' }).find((m) => m.record?.kind === 'final-summary')!;
    expect(summary.record).toMatchObject({ abort: { by: APPROVER, mergedCount: 0, beforePrCount: 2 } });
  });

  test('App Home shows the approval waiting for an approver, and its Approve button decides the gate and refreshes Home', async () => {
    const gateId = seed('c-home');
    const target = store.targets.findByRepo('c-home', 'acme/b')!;
    store.targets.update(target.id, target.version, { state: 'needs-attention', stateReason: 'checks fail' }, Date.now());
    const homeText = () => JSON.stringify(slack.home(APPROVER)?.blocks ?? []);
    await slack.openHome(APPROVER);
    await vi.waitFor(() => expect(homeText()).toContain('*Approvals waiting for you* ('), { timeout: 5000, interval: 20 });
    expect(homeText()).toContain('*bump-lodash* `c-home`: wave 1 of 2 waits for approval');
    expect(homeText()).toContain(':warning: *acme/b* in *bump-lodash* needs attention: checks fail');
    expect(homeText()).toContain('*Your campaigns* (0)');
    const view = slack.home(APPROVER)!;
    await slack.clickButton({ user: APPROVER, actionId: ACTION.approve, viewId: view.id, blockId: `home-gate:c-home:${gateId}`, value: JSON.stringify({ c: 'c-home', g: gateId }) });
    await vi.waitFor(() => expect(store.gates.get(gateId)!.state).toBe('approved'), { timeout: 5000, interval: 20 });
    expect(store.gates.get(gateId)!.decidedBy).toBe(APPROVER);
    await vi.waitFor(() => expect(homeText()).not.toContain(`home-gate:c-home:${gateId}`), { timeout: 5000, interval: 20 });
    // A second click on the old Home button is answered in the person's DM with the app.
    const dm = () => slack.messages(`D${APPROVER.slice(1)}`).map((m) => m.text);
    await slack.clickButton({ user: APPROVER, actionId: ACTION.approve, viewId: slack.home(APPROVER)!.id, blockId: `home-gate:c-home:${gateId}`, value: JSON.stringify({ c: 'c-home', g: gateId }) }).catch(() => undefined);
    await vi.waitFor(() => expect(dm().join('\n')).toContain('already approved'), { timeout: 5000, interval: 20 });
  });

  test('/fleet digest replies with the digest the engine builds for the channel', async () => {
    seed('c-digest');
    const seen = slack.ephemeral(OWNER).length;
    await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: 'digest' });
    const reply = await vi.waitFor(() => {
      const next = slack.ephemeral(OWNER)[seen];
      if (!next) throw new Error('no reply yet');
      return next;
    }, { timeout: 5000, interval: 20 });
    expect(JSON.stringify(reply.blocks)).toContain('c-digest');
  });
});
