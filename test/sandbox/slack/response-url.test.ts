import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../src/sandbox/slack/server.js';
import { sendSlashCommand } from '../../../src/sandbox/slack/client.js';

let slack: FakeSlack;
let app: Awaited<ReturnType<typeof startRecordingApp>>;

/** An app that records the response URLs Slack gives it and answers nothing. */
async function startRecordingApp() {
  const { createServer } = await import('node:http');
  const bodies: URLSearchParams[] = [];
  const reply = { body: '', contentType: 'text/plain' };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200, { 'content-type': reply.contentType }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    bodies,
    reply,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

async function commandResponseUrl(user = 'U0OWNER01'): Promise<string> {
  await slack.sendCommand({ user, channel: 'C0FLEET002', text: 'list' });
  return app.bodies.at(-1)?.get('response_url') ?? '';
}

beforeEach(async () => {
  app = await startRecordingApp();
  slack = await startFakeSlack({ signingSecret: 'response-secret', appUrl: app.url });
});

afterEach(async () => {
  await slack.close();
  await app.close();
});

describe('slash commands as Slack sends them', () => {
  test('carry the form fields Slack sends, a response URL and a trigger id the fake accepts', async () => {
    await slack.sendCommand({ user: 'U0SEARCH1', channel: 'C0FLEET002', text: 'status c1' });
    const body = app.bodies[0];
    expect(Object.fromEntries(body?.entries() ?? [])).toMatchObject({
      team_id: 'T0FLEET01',
      team_domain: 'fleet-sandbox',
      channel_id: 'C0FLEET002',
      channel_name: 'fleet-search',
      user_id: 'U0SEARCH1',
      user_name: 'sven.olsen',
      command: '/fleet',
      text: 'status c1',
      api_app_id: 'A0FLEETAPP',
    });
    expect(body?.get('response_url')).toMatch(new RegExp(`^${slack.url}/response/`));
    expect(body?.get('trigger_id')).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });
});

describe('response URLs', () => {
  test('an ephemeral reply shows to the user who typed the command, an in_channel one to everyone', async () => {
    const url = await commandResponseUrl();
    expect(await post(url, { text: 'Only you see this' })).toEqual({ status: 200, json: { ok: true } });
    expect(await post(url, { response_type: 'in_channel', text: 'Everyone sees this' })).toMatchObject({ status: 200 });
    expect(slack.ephemeral('U0OWNER01').map((message) => message.text)).toEqual(['Only you see this']);
    expect(slack.ephemeral('U0SEARCH1')).toEqual([]);
    expect(slack.messages('C0FLEET002').map((message) => message.text)).toEqual(['Everyone sees this']);
    expect(slack.stats().responses).toBe(2);
  });

  test('replace_original replaces the last ephemeral from that URL; delete_original removes it', async () => {
    const url = await commandResponseUrl();
    await post(url, { text: 'Working…' });
    await post(url, { replace_original: true, text: 'Done' });
    expect(slack.ephemeral('U0OWNER01').map((message) => message.text)).toEqual(['Done']);
    await post(url, { delete_original: true });
    expect(slack.ephemeral('U0OWNER01')).toEqual([]);
  });

  test('replace_original and delete_original act on the channel message a button sat on', async () => {
    const posted = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-fake', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0FLEET002', text: 'gate', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'ok', text: { type: 'plain_text', text: 'OK' }, value: 'v' }] }] }),
    });
    const { ts } = (await posted.json()) as { ts: string };
    await slack.clickButton({ user: 'U0APPROV1', channel: 'C0FLEET002', messageTs: ts, actionId: 'ok' });
    const payload = JSON.parse(app.bodies.at(-1)?.get('payload') ?? '{}') as { actions: Array<{ block_id: string; value: string }>; response_url: string; container: { type: string } };
    expect(payload.actions[0]).toMatchObject({ block_id: 'b0', value: 'v' });
    expect(payload.container.type).toBe('message');
    await post(payload.response_url, { replace_original: true, text: 'Approved' });
    expect(slack.messages('C0FLEET002').map((message) => message.text)).toEqual(['Approved']);
    await post(payload.response_url, { delete_original: true });
    expect(slack.messages('C0FLEET002')).toEqual([]);
  });

  test('an immediate reply in the HTTP response shows like a response URL post', async () => {
    app.reply.body = JSON.stringify({ response_type: 'ephemeral', text: 'Usage: /fleet start <spec>' });
    app.reply.contentType = 'application/json';
    await slack.sendCommand({ user: 'U0OWNER01', channel: 'C0FLEET001', text: 'start --bogus' });
    app.reply.body = 'Plain text works too';
    app.reply.contentType = 'text/plain';
    await slack.sendCommand({ user: 'U0OWNER01', channel: 'C0FLEET001', text: 'help' });
    expect(slack.ephemeral('U0OWNER01').map((message) => message.text)).toEqual(['Usage: /fleet start <spec>', 'Plain text works too']);
  });

  test('an unknown URL is refused, and a URL works five times only', async () => {
    expect((await post(`${slack.url}/response/T0FLEET01/nope/nope`, { text: 'x' })).status).toBe(404);
    const url = await commandResponseUrl();
    for (let index = 0; index < 5; index += 1) {
      expect((await post(url, { text: `reply ${index}` })).status).toBe(200);
    }
    expect(await post(url, { text: 'one too many' })).toEqual({ status: 404, json: { ok: false, error: 'used_url' } });
    expect(slack.ephemeral('U0OWNER01')).toHaveLength(5);
  });

  test('bad blocks are refused and change nothing', async () => {
    const url = await commandResponseUrl();
    const refused = await post(url, { blocks: [{ type: 'banner' }] });
    expect(refused.status).toBe(400);
    expect(slack.ephemeral('U0OWNER01')).toEqual([]);
  });

  test('a signed request to an app that refuses it reports the status', async () => {
    const result = await sendSlashCommand({ appUrl: `${slack.url}/nowhere`, signingSecret: 'x', text: 'x', user: 'U0OWNER01', channel: 'C0FLEET001' });
    expect(result.status).toBe(404);
  });
});
