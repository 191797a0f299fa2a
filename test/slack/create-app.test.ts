import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { sendSlashCommand } from '../../src/sandbox/slack/client.js';
import { createSlackApp, isFreshTimestamp, type SlackApp } from '../../src/slack/create-app.js';
import { ACTION, gateRequest, needsAttention, rollbackOffer } from '../../src/slack/blocks/index.js';
import { FleetError } from '../../src/errors.js';
import type { FleetLogger } from '../../src/slack/logger.js';
import { createInMemoryService } from './fake-service.js';

const SIGNING_SECRET = 'test-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-test-bot-token-should-never-be-logged';
const OWNER = 'U0OWNER01';
const APPROVER = 'U0APPROV1';
const ADMIN = 'U0ADMIN01';
const OUTSIDER = 'U0OUTSID1';
const CHANNEL = 'C0FLEET001';

let slack: FakeSlack;
let app: SlackApp;
let fake: ReturnType<typeof createInMemoryService>;
let appUrl: string;
const logLines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
const webhookBodies: Buffer[] = [];

function createLogger(): FleetLogger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => logLines.push({ level, message, fields });
  return { debug: () => undefined, info: log('info'), warn: log('warn'), error: log('error') };
}

/** Waits for the next ephemeral message to `user` after `seen` ones (respond() runs after the ack). */
async function nextEphemeral(user: string, seen: number): Promise<{ text: string; blocks?: unknown[]; id: string }> {
  return vi.waitFor(() => {
    const list = slack.ephemeral(user);
    if (list.length <= seen) throw new Error(`no new ephemeral message for ${user}`);
    return list[seen];
  }, { timeout: 5000, interval: 20 });
}

async function command(user: string, text: string): Promise<{ text: string; blocks?: unknown[]; id: string }> {
  const seen = slack.ephemeral(user).length;
  const result = await slack.sendCommand({ user, channel: CHANNEL, text });
  expect(result.status).toBe(200);
  return nextEphemeral(user, seen);
}

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
  fake = createInMemoryService({ admins: [ADMIN] });
  app = createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    apiUrl: slack.apiUrl,
    service: fake.service,
    admins: [ADMIN],
    resolveGroupMembers: async () => [],
    recordRefusal: (r) => fake.refusals.push({ method: `${r.action} (before confirming)`, actor: r.actor }),
    logger: createLogger(),
    now: Date.now,
    routes: [
      {
        method: 'POST',
        path: '/github/webhooks',
        handler: (req, res) => {
          webhookBodies.push(req.rawBody);
          res.writeHead(202).end();
        },
      },
    ],
  });
  await app.start(0);
  appUrl = `http://127.0.0.1:${app.port()}`;
  slack.setAppUrl(`${appUrl}/slack/events`);
});

afterAll(async () => {
  await app?.stop();
  await slack?.close();
});

describe('HTTP surface', () => {
  test('GET /healthz answers 200 and an unknown path 404', async () => {
    expect((await fetch(`${appUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${appUrl}/nope`)).status).toBe(404);
  });

  test('an extra route receives the exact raw body (for webhook signatures)', async () => {
    const body = '{"action":"opened",  "x": "é"}';
    const res = await fetch(`${appUrl}/github/webhooks`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    expect(webhookBodies.at(-1)!.toString('utf8')).toBe(body);
  });

  test('the timestamp window holds both ways', () => {
    const now = 1_700_000_000_000;
    expect(isFreshTimestamp('1700000000', now)).toBe(true);
    expect(isFreshTimestamp(String(1_700_000_000 - 301), now)).toBe(false);
    expect(isFreshTimestamp(String(1_700_000_000 + 301), now)).toBe(false);
    expect(isFreshTimestamp(undefined, now)).toBe(false);
    expect(isFreshTimestamp('12abc', now)).toBe(false);
  });

  describe('forged and replayed requests are refused with 401 and change nothing', () => {
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const cases: [string, { timestamp?: number; signature?: string; signingSecret?: string }][] = [
      ['a wrong signature', { signingSecret: 'not-the-secret' }],
      ['a malformed signature', { signature: 'v1=abc' }],
      ['a timestamp older than 5 minutes', { timestamp: nowSeconds() - 6 * 60 }],
      ['a timestamp more than 5 minutes in the future', { timestamp: nowSeconds() + 6 * 60 }],
    ];
    test.each(cases)('%s', async (_name, options) => {
      const callsBefore = fake.calls.length;
      const stateBefore = fake.campaign('c-1')!.state;
      const response = await sendSlashCommand({
        appUrl: `${appUrl}/slack/events`,
        signingSecret: options.signingSecret ?? SIGNING_SECRET,
        ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
        ...(options.signature !== undefined ? { signature: options.signature } : {}),
        text: 'pause c-1',
        user: OWNER,
        channel: CHANNEL,
        responseUrl: `${slack.url}/nowhere`,
      });
      expect(response.status).toBe(401);
      expect(fake.calls.length).toBe(callsBefore);
      expect(fake.campaign('c-1')!.state).toBe(stateBefore);
    });

    test('a request with no signature headers at all', async () => {
      const body = 'command=%2Ffleet&text=pause+c-1&user_id=U0OWNER01&channel_id=C0FLEET001';
      const res = await fetch(`${appUrl}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(401);
      // And one correctly signed with a future timestamp, built by hand.
      const ts = nowSeconds() + 3600;
      const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
      const future = await fetch(`${appUrl}/slack/events`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature },
      });
      expect(future.status).toBe(401);
      expect(fake.calls.some((c) => c.method === 'pause')).toBe(false);
    });
  });
});

describe('/fleet', () => {
  test('help, and no text at all, list the subcommands', async () => {
    expect(JSON.stringify((await command(OWNER, 'help')).blocks)).toContain('/fleet retry <id> <repo>');
    expect(JSON.stringify((await command(OWNER, '')).blocks)).toContain('/fleet freeze on|off');
  });

  test('a typo gets a did-you-mean, ephemerally, and calls nothing', async () => {
    const before = fake.calls.length;
    const reply = await command(OWNER, 'pasue c-1');
    expect(reply.text).toBe('Unknown subcommand `pasue`. Did you mean `pause`? Type `/fleet help` for the list.');
    expect(fake.calls.length).toBe(before);
  });

  test('a missing argument says what to type', async () => {
    expect((await command(OWNER, 'retry c-1')).text).toContain('Type `/fleet retry <id> <repo>`');
  });

  test('list and status', async () => {
    expect(JSON.stringify((await command(OWNER, 'list')).blocks)).toContain('`c-1`');
    const status = JSON.stringify((await command(OWNER, 'status c-1')).blocks);
    expect(status).toContain('Confidence 82/100');
    expect(status).toContain('Owner <@U0OWNER01> · launched by <@U0OWNER01>');
    expect(status).toContain('/fleet retry c-1 acme/web');
    expect((await command(OWNER, 'status c-404')).text).toContain('There is no campaign c-404');
  });

  test('status lists the targets that failed, or all of them, when asked', async () => {
    const failed = JSON.stringify((await command(OWNER, 'status c-1 failed')).blocks);
    expect(failed).toContain('*Failed or needing a person (1), worst first*');
    expect(failed).toContain('• <https://github.example/acme/web/pull/2|acme/web> needs attention: checks fail — `/fleet retry c-1 acme/web`');
    expect(failed).not.toContain('*Needs attention (1)*');
    const all = JSON.stringify((await command(OWNER, 'status c-1 all')).blocks);
    expect(all).toContain('*Every target (2), by wave*');
    expect(all).toContain('• acme/api · wave 1 · succeeded');
    expect((await command(OWNER, 'status c-1 everything')).text).toBe('`everything` is not `failed`, `attention` or `all`. Type `/fleet status <id> [failed|attention|all]`.');
  });

  test('an outsider is refused with the service sentence, and the attempt is recorded', async () => {
    const reply = await command(OUTSIDER, 'pause c-1');
    expect(reply.text).toContain('Only the owner <@U0OWNER01>');
    expect(fake.refusals).toContainEqual({ method: 'pause', actor: OUTSIDER });
    expect(fake.campaign('c-1')!.state).toBe('running');
  });

  test('the owner pauses and resumes', async () => {
    expect((await command(OWNER, 'pause c-1')).text).toContain('Paused');
    expect(fake.campaign('c-1')!.state).toBe('paused');
    expect((await command(OWNER, 'resume c-1')).text).toContain('Resumed');
    expect(fake.campaign('c-1')!.state).toBe('running');
  });

  test('retry, skip and approve by command', async () => {
    expect((await command(OWNER, 'retry c-1 acme/web')).text).toContain('will run again');
    expect((await command(OWNER, 'skip c-1 acme/web')).text).toContain('is skipped');
    expect(fake.calls.filter((c) => c.method === 'retry' || c.method === 'skip')).toHaveLength(2);
  });

  test('freeze is for admins; an admin turns it on for the whole channel to see', async () => {
    expect((await command(OWNER, 'freeze on')).text).toContain('Only an admin');
    expect(fake.service.isFrozen()).toBe(false);
    const seen = slack.messages(CHANNEL).length;
    await slack.sendCommand({ user: ADMIN, channel: CHANNEL, text: 'freeze on' });
    await vi.waitFor(() => expect(slack.messages(CHANNEL).length).toBeGreaterThan(seen), { timeout: 5000, interval: 20 });
    expect(slack.messages(CHANNEL).at(-1)!.text).toContain('turned the freeze *on*');
    expect(fake.service.isFrozen()).toBe(true);
    await fake.service.setFreeze(false, ADMIN);
  });

  test('preview shows the dry run with a Launch button', async () => {
    const reply = await command(OWNER, 'preview bump-lodash');
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('Dry run of bump-lodash');
    expect(text).toContain(ACTION.launch);
    expect((await command(OWNER, 'preview missing')).text).toContain('There is no spec "missing"');
  });

  test('digest lists what waits for whom in this channel', async () => {
    const text = JSON.stringify((await command(OWNER, 'digest')).blocks);
    expect(text).toContain('Fleet digest');
    expect(text).toContain('<@U0APPROV1>');
  });

  test('an unexpected error becomes an ephemeral reply with a reference and a log line without secrets', async () => {
    fake.failNextWith(new Error(`database exploded near ${BOT_TOKEN.slice(0, 4)}`));
    const reply = await command(OWNER, 'pause c-1');
    const reference = /reference `([a-z0-9]+)`/.exec(reply.text)?.[1];
    expect(reference).toBeDefined();
    const line = logLines.find((l) => l.level === 'error' && l.fields?.reference === reference);
    expect(line?.fields).toMatchObject({ what: '/fleet pause', user: OWNER, campaignId: 'c-1', code: 'internal' });
    expect(JSON.stringify(logLines)).not.toContain(BOT_TOKEN);
    expect(JSON.stringify(logLines)).not.toContain(SIGNING_SECRET);
  });

  test('abort asks first, then aborts on the confirmation button', async () => {
    const { id } = await fake.service.start({ catalog: 'to-abort' }, OWNER);
    const confirmation = await command(OWNER, `abort ${id}`);
    expect(JSON.stringify(confirmation.blocks)).toContain(ACTION.abortConfirm);
    expect(fake.campaign(id)!.state).toBe('running');
    const seen = slack.ephemeral(OWNER).length;
    await slack.clickButton({ user: OWNER, actionId: ACTION.abortConfirm, ephemeralId: confirmation.id });
    await vi.waitFor(() => expect(fake.campaign(id)!.state).toBe('aborted'), { timeout: 5000, interval: 20 });
    await vi.waitFor(() => expect(JSON.stringify(slack.ephemeral(OWNER).slice(seen - 1))).toContain('Aborted'), { timeout: 5000, interval: 20 });
  });

  test('abort from an outsider is refused at the command, with who may act, and recorded; no confirmation is shown', async () => {
    const { id } = await fake.service.start({ catalog: 'not-theirs' }, OWNER);
    const reply = await command(OUTSIDER, `abort ${id}`);
    expect(reply.text).toMatch(/^:no_entry: Only <@U0OWNER01>, the approvers \(.*<@U0APPROV1>.*\) or an admin can abort this campaign\.$/);
    expect(JSON.stringify(reply.blocks ?? [])).not.toContain(ACTION.abortConfirm);
    expect(fake.refusals).toContainEqual({ method: 'abort (before confirming)', actor: OUTSIDER });
    expect(fake.calls.filter((c) => c.method === 'abort' && c.args[0] === id)).toHaveLength(0);
    expect(fake.campaign(id)!.state).toBe('running');
    // An admin is asked to confirm, as the owner is.
    expect(JSON.stringify((await command(ADMIN, `abort ${id}`)).blocks)).toContain(ACTION.abortConfirm);
    expect((await command(OUTSIDER, 'abort c-404')).text).toContain('There is no campaign c-404');
  });
});

describe('buttons', () => {
  const client = () => new webApi.WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });

  test('two Approve clicks at once record one decision; the gate message shows who approved', async () => {
    const posted = await client().chat.postMessage({
      channel: CHANNEL,
      ...gateRequest({ campaignId: 'c-1', gateId: 7, wave: 0, waveCount: 4, confidence: { score: 80, signals: [], prior: null }, approvers: [APPROVER] }),
    });
    const ts = posted.ts!;
    const approverSeen = slack.ephemeral(APPROVER).length;
    const ownerSeen = slack.ephemeral(OWNER).length;
    const results = await Promise.all([
      slack.clickButton({ user: APPROVER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts }),
      slack.clickButton({ user: OWNER, actionId: ACTION.approve, channel: CHANNEL, messageTs: ts }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await vi.waitFor(() => expect(JSON.stringify(slack.messages(CHANNEL).find((m) => m.ts === ts)?.blocks)).toContain('Approved by'), { timeout: 5000, interval: 20 });
    const gate = fake.gate(7)!;
    expect(gate.state).toBe('approved');
    expect(fake.calls.filter((c) => c.method === 'approve')).toHaveLength(2);
    const message = slack.messages(CHANNEL).find((m) => m.ts === ts)!;
    expect(JSON.stringify(message.blocks)).not.toContain(ACTION.approve);
    expect(JSON.stringify(message.blocks)).toContain(`Approved by <@${gate.decidedBy}>`);
    // The loser is told, ephemerally, that it was already decided.
    const loser = gate.decidedBy === APPROVER ? OWNER : APPROVER;
    const seen = loser === OWNER ? ownerSeen : approverSeen;
    expect((await nextEphemeral(loser, seen)).text).toContain('already decided');
  });

  test('a button with a tampered value changes nothing and says so', async () => {
    const before = fake.calls.length;
    const posted = await client().chat.postMessage({ channel: CHANNEL, text: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: ACTION.pause, text: { type: 'plain_text', text: 'Pause' }, value: '{"c":"c-1; drop"}' }] }] });
    const seen = slack.ephemeral(OWNER).length;
    await slack.clickButton({ user: OWNER, actionId: ACTION.pause, channel: CHANNEL, messageTs: posted.ts! });
    expect((await nextEphemeral(OWNER, seen)).text).toContain('cannot read');
    expect(fake.calls.length).toBe(before);
  });

  test('a Launch button without its preview\'s time and spec hash asks for a fresh preview and starts nothing', async () => {
    const before = fake.calls.filter((c) => c.method === 'start').length;
    const posted = await client().chat.postMessage({ channel: CHANNEL, text: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: ACTION.launch, text: { type: 'plain_text', text: 'Launch' }, value: '{"catalog":"bump-lodash"}' }] }] });
    const seen = slack.ephemeral(OWNER).length;
    await slack.clickButton({ user: OWNER, actionId: ACTION.launch, channel: CHANNEL, messageTs: posted.ts! });
    expect((await nextEphemeral(OWNER, seen)).text).toBe(':warning: This Launch button is from a preview Fleet can no longer check; run `/fleet preview <spec>` again and launch from the new preview.');
    expect(fake.calls.filter((c) => c.method === 'start').length).toBe(before);
  });

  test('an outsider clicking Pause on the root message is refused ephemerally', async () => {
    const posted = await client().chat.postMessage({ channel: CHANNEL, text: 'root', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: ACTION.pause, text: { type: 'plain_text', text: 'Pause' }, value: '{"c":"c-1"}' }] }] });
    const seen = slack.ephemeral(OUTSIDER).length;
    await slack.clickButton({ user: OUTSIDER, actionId: ACTION.pause, channel: CHANNEL, messageTs: posted.ts! });
    expect((await nextEphemeral(OUTSIDER, seen)).text).toContain(':no_entry: Only the owner');
    expect(fake.campaign('c-1')!.state).toBe('running');
  });

  test('an outsider clicking Abort is refused before the confirmation, and the attempt is recorded', async () => {
    const posted = await client().chat.postMessage({ channel: CHANNEL, text: 'root', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: ACTION.abort, text: { type: 'plain_text', text: 'Abort' }, value: '{"c":"c-1"}' }] }] });
    const before = fake.refusals.length;
    const seen = slack.ephemeral(OUTSIDER).length;
    await slack.clickButton({ user: OUTSIDER, actionId: ACTION.abort, channel: CHANNEL, messageTs: posted.ts! });
    const reply = await nextEphemeral(OUTSIDER, seen);
    expect(reply.text).toContain(':no_entry: Only <@U0OWNER01>');
    expect(JSON.stringify(reply.blocks ?? [])).not.toContain(ACTION.abortConfirm);
    expect(fake.refusals.slice(before)).toEqual([{ method: 'abort (before confirming)', actor: OUTSIDER }]);
    expect(fake.campaign('c-1')!.state).toBe('running');
  });
});

describe('Retry / Skip / Revert wave and App Home', () => {
  const client = () => new webApi.WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });

  test('Retry and Skip on a target that needs attention reach the service with the repo, and the message loses its buttons', async () => {
    for (const [actionId, method, words, verdict] of [
      [ACTION.retry, 'retry', 'will run again', `:repeat: Retried by <@${OWNER}>`],
      [ACTION.skip, 'skip', 'is skipped', `:fast_forward: Skipped by <@${OWNER}>`],
    ] as const) {
      const posted = await client().chat.postMessage({ channel: CHANNEL, ...needsAttention({ campaignId: 'c-1', repo: 'acme/web', reason: 'checks fail', prUrl: null }) });
      const seen = slack.ephemeral(OWNER).length;
      await slack.clickButton({ user: OWNER, actionId, channel: CHANNEL, messageTs: posted.ts! });
      expect((await nextEphemeral(OWNER, seen)).text).toContain(words);
      expect(fake.calls.filter((c) => c.method === method).at(-1)!.args.slice(0, 2)).toEqual(['c-1', 'acme/web']);
      const updated = slack.messages(CHANNEL).find((m) => m.ts === posted.ts)!;
      expect(JSON.stringify(updated.blocks)).not.toContain(actionId);
      expect(JSON.stringify(updated.blocks)).toContain(verdict);
      expect(JSON.stringify(updated.blocks)).toContain('acme/web');
    }
  });

  test('Revert wave reaches the service with the wave', async () => {
    const posted = await client().chat.postMessage({ channel: CHANNEL, ...rollbackOffer({ campaignId: 'c-1', wave: 1, reason: 'errors up', mergedCount: 3 }) });
    const seen = slack.ephemeral(APPROVER).length;
    await slack.clickButton({ user: APPROVER, actionId: ACTION.revertWave, channel: CHANNEL, messageTs: posted.ts! });
    expect((await nextEphemeral(APPROVER, seen)).text).toContain('Opening 3 revert PRs for wave 2');
    expect(fake.calls.filter((c) => c.method === 'revertWave').at(-1)!.args).toEqual(['c-1', 1, APPROVER]);
  });

  test('opening App Home publishes the campaigns', async () => {
    const result = await slack.openHome(ADMIN);
    expect(result.status).toBe(200);
    const home = await vi.waitFor(() => {
      const view = slack.home(ADMIN);
      if (!view) throw new Error('no Home yet');
      return view;
    }, { timeout: 5000, interval: 20 });
    expect(JSON.stringify(home)).toContain('bump-lodash');
  });
});

describe('/fleet start modal', () => {
  test('opens the modal, returns per-field errors, then previews and launches', async () => {
    await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: 'start' });
    const modal = await vi.waitFor(() => {
      const v = slack.views(OWNER).at(-1);
      if (!v) throw new Error('no modal yet');
      return v;
    }, { timeout: 5000, interval: 20 });
    expect(JSON.stringify(modal)).toContain('bump-lodash: Bump lodash');
    expect(JSON.stringify(modal)).toContain('owned by <@U0OWNER01>');

    // The catalog modal turns into the short form, whose three fields are required.
    await slack.clickButton({ user: OWNER, actionId: ACTION.startForm, viewId: modal.id });
    const form = await vi.waitFor(() => {
      const v = slack.views(OWNER).at(-1);
      if (!v?.blocks.some((b) => (b as { block_id?: string }).block_id === 'package')) throw new Error('no form yet');
      return v;
    }, { timeout: 5000, interval: 20 });
    const inputs = form.blocks.filter((b) => (b as { type: string }).type === 'input') as unknown as { block_id: string; optional: boolean; label: { text: string } }[];
    expect(Object.fromEntries(inputs.map((b) => [b.block_id, b.optional]))).toEqual({ package: false, version: false, org: false, topic: true, name: true });
    expect(inputs.map((b) => b.label.text).join(' ')).not.toContain('optional');

    const banana = await slack.submitView({
      user: OWNER,
      values: {
        package: { package: { type: 'plain_text_input', value: 'lodash' } },
        version: { version: { type: 'plain_text_input', value: 'banana' } },
        org: { org: { type: 'plain_text_input', value: 'acme' } },
        name: { name: { type: 'plain_text_input', value: `bump-${'x'.repeat(70)}` } },
      },
    });
    expect(banana.errors).toEqual({
      version: '"banana" is not a version or range npm understands, such as "4.17.21", "^4.17.21" or ">=4 <5".',
      name: 'This is too long: 75 characters where at most 63 fit.',
    });

    const empty = await slack.submitView({ user: OWNER, values: { package: { package: { type: 'plain_text_input', value: 'lodash' } } } });
    expect(empty.errors).toMatchObject({ version: expect.stringContaining('version'), org: expect.stringContaining('organisation') });

    const bad = await slack.submitView({
      user: OWNER,
      values: {
        package: { package: { type: 'plain_text_input', value: 'Not A Package!' } },
        version: { version: { type: 'plain_text_input', value: '^4.17.21' } },
        org: { org: { type: 'plain_text_input', value: 'acme' } },
      },
    });
    expect(bad.errors?.package).toContain('npm package name');

    const seen = slack.ephemeral(OWNER).length;
    const ok = await slack.submitView({
      user: OWNER,
      values: {
        package: { package: { type: 'plain_text_input', value: 'lodash' } },
        version: { version: { type: 'plain_text_input', value: '^4.17.21' } },
        org: { org: { type: 'plain_text_input', value: 'acme' } },
      },
    });
    expect(ok.errors).toBeUndefined();
    const preview = await nextEphemeral(OWNER, seen);
    expect(JSON.stringify(preview.blocks)).toContain('Dry run of bump-lodash');
    const starts = fake.calls.filter((c) => c.method === 'start').length;
    await slack.clickButton({ user: OWNER, actionId: ACTION.launch, ephemeralId: preview.id });
    await vi.waitFor(() => expect(fake.calls.filter((c) => c.method === 'start').length).toBe(starts + 1), { timeout: 5000, interval: 20 });
    const [ref, actor, stamp] = fake.calls.filter((c) => c.method === 'start').at(-1)!.args as [{ spec: { change: unknown; owner: string } }, string, { id: string; at: number; specHash?: string }];
    expect(actor).toBe(OWNER);
    // The Launch carries its preview: the start can refuse it when stale or launched already.
    expect(stamp).toEqual({ id: 'p-0a1b2c3d4e5f', at: expect.any(Number) });
    expect(ref.spec.change).toEqual({ kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } });
  });
});

describe('who may start campaigns', () => {
  const REFUSAL = 'Only admins and the launchers (<@U0OWNER01>) may start campaigns; ask one of them, or ask an admin to make you a launcher.';
  const FORM = {
    package: { package: { type: 'plain_text_input', value: 'lodash' } },
    version: { version: { type: 'plain_text_input', value: '^4.17.21' } },
    org: { org: { type: 'plain_text_input', value: 'acme' } },
  };
  const count = (method: string) => fake.calls.filter((c) => c.method === method).length;

  test('an outsider typing /fleet start <spec> is refused at once, and nothing starts', async () => {
    const starts = count('start');
    const reply = await command(OUTSIDER, 'start bump-lodash');
    expect(reply.text).toContain(REFUSAL);
    expect(count('start')).toBe(starts);
    expect(fake.refusals.at(-1)).toEqual({ method: 'start', actor: OUTSIDER });
  });

  test("an outsider submitting the start modal is refused before any preview", async () => {
    await slack.sendCommand({ user: OUTSIDER, channel: CHANNEL, text: 'start' });
    await vi.waitFor(() => {
      if (!slack.views(OUTSIDER).at(-1)) throw new Error('no modal yet');
    }, { timeout: 5000, interval: 20 });
    const previews = count('preview');
    const seen = slack.ephemeral(OUTSIDER).length;
    const submitted = await slack.submitView({ user: OUTSIDER, values: FORM });
    expect(submitted.errors).toBeUndefined();
    expect((await nextEphemeral(OUTSIDER, seen)).text).toContain(REFUSAL);
    expect(count('preview')).toBe(previews);
    expect(fake.refusals.at(-1)).toEqual({ method: 'start', actor: OUTSIDER });
  });

  test("an outsider clicking Launch on a preview is refused, and nothing starts", async () => {
    const preview = await command(OUTSIDER, 'preview bump-lodash');
    expect(JSON.stringify(preview.blocks)).toContain(ACTION.launch);
    const starts = count('start');
    const seen = slack.ephemeral(OUTSIDER).length;
    await slack.clickButton({ user: OUTSIDER, actionId: ACTION.launch, ephemeralId: preview.id });
    expect((await nextEphemeral(OUTSIDER, seen)).text).toContain(REFUSAL);
    expect(count('start')).toBe(starts);
    expect(fake.refusals.at(-1)).toEqual({ method: 'start', actor: OUTSIDER });
  });

  test('a launcher starts by command', async () => {
    const starts = count('start');
    await slack.sendCommand({ user: OWNER, channel: CHANNEL, text: 'start bump-lodash' });
    await vi.waitFor(() => expect(count('start')).toBe(starts + 1), { timeout: 5000, interval: 20 });
    expect(fake.calls.filter((c) => c.method === 'start').at(-1)!.args[1]).toBe(OWNER);
  });
});

test('FleetError codes used by the handlers exist', () => {
  expect(new FleetError('forbidden', 'x').code).toBe('forbidden');
});
