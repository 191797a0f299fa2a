import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../src/sandbox/slack/server.js';

let slack: FakeSlack;

async function call(method: string, body: string, contentType: string): Promise<unknown> {
  const response = await fetch(`${slack.apiUrl}${method}`, { method: 'POST', headers: { authorization: 'Bearer xoxb-fake', 'content-type': contentType }, body });
  expect(response.status).toBe(200);
  return response.json();
}

beforeEach(async () => {
  slack = await startFakeSlack({ signingSecret: 'bad-input-secret' });
});

afterEach(async () => {
  await slack.close();
});

describe('bad input gets a clear error and changes nothing', () => {
  test('Web API: broken JSON, broken blocks, bad metadata, bad cursor, unknown method', async () => {
    expect(await call('chat.postMessage', '{"channel":', 'application/json')).toEqual({ ok: false, error: 'invalid_json' });
    expect(await call('chat.postMessage', 'channel=C0FLEET001&blocks=%5Bnot-json', 'application/x-www-form-urlencoded')).toEqual({ ok: false, error: 'invalid_blocks_format' });
    expect(await call('chat.postMessage', JSON.stringify({ channel: 'C0FLEET001', text: 'x', metadata: { event_type: 'has spaces' } }), 'application/json')).toEqual({ ok: false, error: 'invalid_metadata_format' });
    expect(await call('conversations.history', 'channel=C0FLEET001&cursor=Ym9ndXM%3D', 'application/x-www-form-urlencoded')).toEqual({ ok: false, error: 'invalid_cursor' });
    expect(await call('chat.launchRockets', 'channel=C0FLEET001', 'application/x-www-form-urlencoded')).toEqual({ ok: false, error: 'unknown_method' });
    expect(await call('views.open', 'trigger_id=1.2.3&view=%7B', 'application/x-www-form-urlencoded')).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect(slack.messages('C0FLEET001')).toEqual([]);
    expect(slack.stats().calls).toMatchObject({ 'chat.postMessage': 3, 'chat.launchRockets': 1 });
  });

  test('page endpoints: malformed bodies, unknown users and a missing app URL are 4xx/5xx with a sentence', async () => {
    const notJson = await fetch(`${slack.url}/_page/command`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    const missing = await fetch(`${slack.url}/_page/command`, { method: 'POST', body: JSON.stringify({ user: 'U0OWNER01' }) });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toContain('channel');
    const noApp = await fetch(`${slack.url}/_page/command`, { method: 'POST', body: JSON.stringify({ user: 'U0OWNER01', channel: 'C0FLEET001', text: 'help' }) });
    expect(noApp.status).toBe(500);
    expect(((await noApp.json()) as { error: string }).error).toContain('setAppUrl');
    slack.setAppUrl('http://127.0.0.1:9/slack/events');
    const stranger = await fetch(`${slack.url}/_page/command`, { method: 'POST', body: JSON.stringify({ user: 'U0NOBODY', channel: 'C0FLEET001', text: 'help' }) });
    expect(stranger.status).toBe(400);
    expect((await fetch(`${slack.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${slack.url}/response/x`, { method: 'POST', body: 'not json' })).status).toBe(400);
  });
});
