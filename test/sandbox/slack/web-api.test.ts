import { WebClient, WebClientEvent, ErrorCode, LogLevel, type Logger, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../src/sandbox/slack/server.js';

// The client logs every refused call; the assertions below say what matters.
const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

let slack: FakeSlack;
let client: WebClient;
let clock: number;

function createClient(token = 'xoxb-fake', options: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger, ...options });
}

async function platformError(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  try {
    await call;
  } catch (error) {
    return error as WebAPIPlatformError;
  }
  throw new Error('the call was expected to fail');
}

beforeEach(async () => {
  clock = 1_700_000_000_000;
  slack = await startFakeSlack({ signingSecret: 'test-secret', now: () => clock });
  client = createClient();
});

afterEach(async () => {
  await slack.close();
});

describe('auth', () => {
  test('auth.test names the bot and the team', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, team_id: 'T0FLEET01', user_id: 'U0FLEETBOT', bot_id: 'B0FLEETBOT' });
  });

  test('a wrong token is invalid_auth and a missing one not_authed', async () => {
    const wrong = await platformError(createClient('xoxb-wrong').auth.test());
    expect(wrong.code).toBe(ErrorCode.PlatformError);
    expect(wrong.data.error).toBe('invalid_auth');
    const response = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe('chat', () => {
  test('postMessage returns a Slack-shaped ts that increases per channel, and stores blocks and metadata', async () => {
    const first = await client.chat.postMessage({
      channel: 'C0FLEET001',
      text: 'Campaign started',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'lodash 4.17.21' } }],
      metadata: { event_type: 'fleet_campaign', event_payload: { campaign_id: 'c1', wave: 0 } },
      unfurl_links: false,
    });
    const second = await client.chat.postMessage({ channel: '#fleet-payments', text: 'second' });
    expect(first.ts).toBe('1700000000.000000');
    expect(second.ts).toBe('1700000000.000001');
    expect(second.channel).toBe('C0FLEET001');
    expect(first.message?.bot_id).toBe('B0FLEETBOT');
    const stored = slack.messages('C0FLEET001');
    expect(stored.map((message) => message.text)).toEqual(['Campaign started', 'second']);
    expect(stored[0]?.metadata).toEqual({ event_type: 'fleet_campaign', event_payload: { campaign_id: 'c1', wave: 0 } });
    expect(slack.stats()).toMatchObject({ posts: 2, calls: { 'chat.postMessage': 2 } });
  });

  test('a JSON body works like a form body', async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-fake', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0FLEET002', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C0FLEET002' });
    expect(slack.messages('C0FLEET002')[0]?.blocks).toEqual([{ type: 'divider' }]);
  });

  test('refuses unknown channels, bad blocks, too many blocks, long section text and long messages', async () => {
    const cases: Array<[Parameters<WebClient['chat']['postMessage']>[0], string]> = [
      [{ channel: 'C0NOPE', text: 'x' }, 'channel_not_found'],
      [{ channel: 'C0FLEET001', blocks: [{ type: 'banner' }] }, 'invalid_blocks'],
      [{ channel: 'C0FLEET001', text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' as const })) }, 'invalid_blocks'],
      [{ channel: 'C0FLEET001', text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3_001) } }] }, 'invalid_blocks'],
      [{ channel: 'C0FLEET001', text: 'a'.repeat(40_001) }, 'msg_too_long'],
      [{ channel: 'C0FLEET001', text: '' }, 'no_text'],
      [{ channel: 'C0FLEET001', text: 'x', thread_ts: '1600000000.000000' }, 'thread_not_found'],
    ];
    for (const [args, error] of cases) {
      const failure = await platformError(client.chat.postMessage(args));
      expect(failure.data.error, JSON.stringify(args).slice(0, 80)).toBe(error);
    }
    const invalid = await platformError(client.chat.postMessage({ channel: 'C0FLEET001', text: 'x', blocks: [{ type: 'banner' }] }));
    expect(invalid.data.response_metadata?.messages?.[0]).toContain('json-pointer:/blocks/0/type');
    expect(slack.messages('C0FLEET001')).toEqual([]);
  });

  test('a section with 3,000 characters and a message with 50 blocks are accepted', async () => {
    await client.chat.postMessage({ channel: 'C0FLEET001', text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3_000) } }] });
    await client.chat.postMessage({ channel: 'C0FLEET001', text: 'x', blocks: Array.from({ length: 50 }, () => ({ type: 'divider' as const })) });
    expect(slack.messages('C0FLEET001')).toHaveLength(2);
  });

  test('update edits in place; update of a missing message is message_not_found', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0FLEET001', text: 'wave 0: 0/5' });
    const updated = await client.chat.update({ channel: 'C0FLEET001', ts: posted.ts!, text: 'wave 0: 5/5' });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'wave 0: 5/5' });
    expect(slack.messages('C0FLEET001').map((message) => message.text)).toEqual(['wave 0: 5/5']);
    expect(slack.stats().updates).toBe(1);
    const missing = await platformError(client.chat.update({ channel: 'C0FLEET001', ts: '1.000000', text: 'x' }));
    expect(missing.data.error).toBe('message_not_found');
  });

  test('thread replies count on the parent, broadcasts show in the channel', async () => {
    const root = await client.chat.postMessage({ channel: 'C0FLEET003', text: 'root' });
    await client.chat.postMessage({ channel: 'C0FLEET003', text: 'reply 1', thread_ts: root.ts! });
    await client.chat.postMessage({ channel: 'C0FLEET003', text: 'reply 2', thread_ts: root.ts!, reply_broadcast: true });
    const top = slack.messages('C0FLEET003');
    expect(top.map((message) => message.text)).toEqual(['root', 'reply 2']);
    expect(top[0]).toMatchObject({ reply_count: 2, thread_ts: root.ts, reply_users: ['U0FLEETBOT'] });
    expect(slack.thread('C0FLEET003', root.ts!).map((message) => message.text)).toEqual(['root', 'reply 1', 'reply 2']);
  });

  test('postEphemeral is shown to that user only', async () => {
    const result = await client.chat.postEphemeral({ channel: 'C0FLEET001', user: 'U0OUTSID1', text: 'Only owners may pause.' });
    expect(result.ok).toBe(true);
    expect(typeof result.message_ts).toBe('string');
    expect(slack.ephemeral('U0OUTSID1').map((message) => message.text)).toEqual(['Only owners may pause.']);
    expect(slack.ephemeral('U0OWNER01')).toEqual([]);
    expect(slack.messages('C0FLEET001')).toEqual([]);
    const unknown = await platformError(client.chat.postEphemeral({ channel: 'C0FLEET001', user: 'U0NOBODY', text: 'x' }));
    expect(unknown.data.error).toBe('user_not_found');
    expect(slack.stats().ephemerals).toBe(1);
  });
});

describe('conversations', () => {
  test('history pages newest first with a cursor and returns metadata only when asked', async () => {
    for (let index = 0; index < 5; index += 1) {
      await client.chat.postMessage({ channel: 'C0FLEET001', text: `m${index}`, metadata: { event_type: 'fleet_test', event_payload: { index } } });
    }
    const first = await client.conversations.history({ channel: 'C0FLEET001', limit: 2 });
    expect(first.messages?.map((message) => message.text)).toEqual(['m4', 'm3']);
    expect(first.has_more).toBe(true);
    expect(first.messages?.[0]?.metadata).toBeUndefined();
    const texts: string[] = [];
    for await (const page of client.paginate('conversations.history', { channel: 'C0FLEET001', limit: 2, include_all_metadata: true })) {
      const messages = (page as unknown as { messages: Array<{ text: string; metadata?: { event_payload: { index: number } } }> }).messages;
      for (const message of messages) {
        texts.push(`${message.text}:${message.metadata?.event_payload.index}`);
      }
    }
    expect(texts).toEqual(['m4:4', 'm3:3', 'm2:2', 'm1:1', 'm0:0']);
  });

  test('replies pages the parent and its replies oldest first', async () => {
    const root = await client.chat.postMessage({ channel: 'C0FLEET002', text: 'root' });
    for (let index = 0; index < 4; index += 1) {
      await client.chat.postMessage({ channel: 'C0FLEET002', text: `r${index}`, thread_ts: root.ts! });
    }
    const first = await client.conversations.replies({ channel: 'C0FLEET002', ts: root.ts!, limit: 3 });
    expect(first.messages?.map((message) => message.text)).toEqual(['root', 'r0', 'r1']);
    const second = await client.conversations.replies({ channel: 'C0FLEET002', ts: root.ts!, limit: 3, cursor: first.response_metadata?.next_cursor ?? '' });
    expect(second.messages?.map((message) => message.text)).toEqual(['r2', 'r3']);
    expect(second.has_more).toBe(false);
    const missing = await platformError(client.conversations.replies({ channel: 'C0FLEET002', ts: '1.000000' }));
    expect(missing.data.error).toBe('thread_not_found');
    const noChannel = await platformError(client.conversations.history({ channel: 'C0NOPE' }));
    expect(noChannel.data.error).toBe('channel_not_found');
  });
});

describe('permalinks, direct messages and reactions', () => {
  test('chat.getPermalink, conversations.open and reactions.add behave like Slack', async () => {
    const root = await client.chat.postMessage({ channel: 'C0FLEET001', text: 'root' });
    const link = await client.chat.getPermalink({ channel: 'C0FLEET001', message_ts: root.ts ?? '' });
    expect(link.permalink).toBe(`https://fleet-sandbox.slack.com/archives/C0FLEET001/p${(root.ts ?? '').replace('.', '')}`);
    const dm = await client.conversations.open({ users: 'U0OWNER01' });
    expect(dm.channel?.id).toBe('D0OWNER01');
    await client.chat.postMessage({ channel: dm.channel?.id ?? '', text: 'your digest' });
    expect(slack.messages('D0OWNER01').map((message) => message.text)).toEqual(['your digest']);
    await client.reactions.add({ channel: 'C0FLEET001', timestamp: root.ts ?? '', name: 'white_check_mark' });
    expect(slack.messages('C0FLEET001')[0]?.reactions).toEqual([{ name: 'white_check_mark', users: ['U0FLEETBOT'], count: 1 }]);
    expect((await platformError(client.reactions.add({ channel: 'C0FLEET001', timestamp: root.ts ?? '', name: 'white_check_mark' }))).data.error).toBe('already_reacted');
    expect((await client.usergroups.list()).usergroups?.[0]).toMatchObject({ id: 'S0PLATFRM', handle: 'platform-team' });
  });
});

describe('users and groups', () => {
  test('users.info and usergroups.users.list read the seeded workspace', async () => {
    const info = await client.users.info({ user: 'U0APPROV1' });
    expect(info.user).toMatchObject({ id: 'U0APPROV1', real_name: 'María García', is_admin: false });
    expect((await client.users.info({ user: 'U0ADMIN01' })).user?.is_admin).toBe(true);
    const group = await client.usergroups.users.list({ usergroup: 'S0PLATFRM' });
    expect(group.users).toContain('U0PLATFM1');
    expect((await platformError(client.users.info({ user: 'U0NOBODY' }))).data.error).toBe('user_not_found');
    expect((await platformError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).data.error).toBe('no_such_subteam');
  });
});

describe('views', () => {
  const modal = {
    type: 'modal' as const,
    callback_id: 'fleet_start',
    title: { type: 'plain_text' as const, text: 'Start a campaign' },
    submit: { type: 'plain_text' as const, text: 'Start' },
    blocks: [{ type: 'input' as const, block_id: 'spec', label: { type: 'plain_text' as const, text: 'Spec' }, element: { type: 'plain_text_input' as const, action_id: 'spec' } }],
  };

  test('views.open needs a trigger id the fake issued within three seconds, once', async () => {
    const trigger = slack.issueTriggerId('U0OWNER01');
    const opened = await client.views.open({ trigger_id: trigger, view: modal });
    expect(opened.view).toMatchObject({ callback_id: 'fleet_start', type: 'modal' });
    expect(slack.views('U0OWNER01')).toHaveLength(1);
    expect((await platformError(client.views.open({ trigger_id: trigger, view: modal }))).data.error).toBe('exchanged_trigger_id');
    expect((await platformError(client.views.open({ trigger_id: '1.2.3', view: modal }))).data.error).toBe('invalid_trigger_id');
    const late = slack.issueTriggerId('U0OWNER01');
    clock += 3_001;
    expect((await platformError(client.views.open({ trigger_id: late, view: modal }))).data.error).toBe('expired_trigger_id');
  });

  test('views.update replaces the modal and checks the hash; views.publish sets the Home tab', async () => {
    const opened = await client.views.open({ trigger_id: slack.issueTriggerId('U0OWNER01'), view: modal });
    const id = opened.view!.id!;
    const updated = await client.views.update({ view_id: id, hash: opened.view!.hash!, view: { ...modal, title: { type: 'plain_text', text: 'Confirm' } } });
    expect(updated.view?.id).toBe(id);
    expect(slack.views('U0OWNER01')[0]?.title).toEqual({ type: 'plain_text', text: 'Confirm' });
    expect((await platformError(client.views.update({ view_id: id, hash: 'stale', view: modal }))).data.error).toBe('hash_conflict');
    await client.views.publish({ user_id: 'U0OWNER01', view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Your campaigns*' } }] } });
    expect(slack.home('U0OWNER01')?.blocks).toHaveLength(1);
    const tooLong = await platformError(client.views.open({ trigger_id: slack.issueTriggerId('U0OWNER01'), view: { ...modal, title: { type: 'plain_text', text: 'x'.repeat(25) } } }));
    expect(tooLong.data.error).toBe('invalid_arguments');
    const tooMany = await platformError(client.views.publish({ user_id: 'U0OWNER01', view: { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' as const })) } }));
    expect(tooMany.data.error).toBe('invalid_blocks');
  });
});

describe('faults', () => {
  test('a 429 carries Retry-After and the WebClient waits and retries', async () => {
    slack.setFaults({ methodLimits: { 'chat.postMessage': { perSecond: 1, perChannel: true } } });
    const retrying = new WebClient('xoxb-fake', { slackApiUrl: slack.apiUrl, logger: silentLogger, retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } });
    const limited: number[] = [];
    retrying.on(WebClientEvent.RATE_LIMITED, (seconds: number) => {
      limited.push(seconds);
      clock += 1_000;
    });
    await retrying.chat.postMessage({ channel: 'C0FLEET001', text: 'one' });
    await retrying.chat.postMessage({ channel: 'C0FLEET001', text: 'two' });
    expect(limited).toEqual([1]);
    expect(slack.messages('C0FLEET001').map((message) => message.text)).toEqual(['one', 'two']);
    expect(slack.stats()).toMatchObject({ rateLimited: 1, calls: { 'chat.postMessage': 3 } });
    // Another channel has its own allowance.
    await client.chat.postMessage({ channel: 'C0FLEET002', text: 'other' });
  });

  test('injected faults are deterministic for a seed', async () => {
    const response429: number[] = [];
    async function sample(): Promise<number[]> {
      slack.setFaults({ rateLimitRate: 0.3, errorRate: 0.2, retryAfterSeconds: 7, seed: 42 });
      const statuses: number[] = [];
      for (let index = 0; index < 20; index += 1) {
        const response = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST', headers: { authorization: 'Bearer xoxb-fake' } });
        statuses.push(response.status);
        if (response.status === 429) response429.push(Number(response.headers.get('retry-after')));
        await response.arrayBuffer();
      }
      return statuses;
    }
    const first = await sample();
    const second = await sample();
    expect(second).toEqual(first);
    expect(first).toContain(429);
    expect(first.some((status) => status === 500 || status === 503)).toBe(true);
    expect(first).toContain(200);
    expect(new Set(response429)).toEqual(new Set([7]));
  });

  test('a rejected rate-limited call surfaces the retry time to the caller', async () => {
    slack.setFaults({ rateLimitRate: 1, retryAfterSeconds: 30, seed: 1 });
    const strict = createClient('xoxb-fake', { rejectRateLimitedCalls: true });
    const failure = (await platformError(strict.auth.test())) as unknown as { code: string; retryAfter: number };
    expect(failure.code).toBe(ErrorCode.RateLimitedError);
    expect(failure.retryAfter).toBe(30);
  });
});
