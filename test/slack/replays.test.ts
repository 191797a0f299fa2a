import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHANNEL, PEOPLE, startAppHarness, waitUntil, type AppHarness } from '../../src/chaos/app-harness.js';
import { sendEvent, sendSlashCommand, signRequest } from '../../src/sandbox/slack/client.js';

let h: AppHarness;
let appUrl: string;

beforeAll(async () => {
  h = await startAppHarness();
  appUrl = `${h.appUrl}/slack/events`;
}, 30_000);
afterAll(async () => {
  await h?.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('replays and retries', () => {
  test('a replayed signed /fleet start is refused with 401 and changes nothing; the first is processed', async () => {
    const timestamp = nowSeconds();
    const start = () => sendSlashCommand({ appUrl, signingSecret: h.secrets.signingSecret, timestamp, text: 'start tiny-bump', user: PEOPLE.owner, channel: CHANNEL, triggerId: 'trigger-replay-1' });
    const logsBefore = h.logLines.length;
    const first = await start();
    expect(first.status).toBe(200);
    // The first one reaches the service, which finds the harness's fleet empty and says so.
    await waitUntil(() => (h.logLines.slice(logsBefore).some((l) => l.includes('"what":"/fleet start"') && l.includes('No repositories match')) ? true : undefined), 10_000, 'the first start to be handled');
    const before = h.snapshot();
    for (let i = 0; i < 3; i++) expect((await start()).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.snapshot()).toBe(before);
    expect(h.logLines.filter((l) => l.includes('refused a replayed Slack request'))).toHaveLength(3);
  });

  test('a 2 MB signed body gets 413 and changes nothing', async () => {
    const before = h.snapshot();
    const body = `command=%2Ffleet&text=${'a'.repeat(2 * 1024 * 1024)}`;
    const timestamp = nowSeconds();
    const response = await fetch(appUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signRequest({ signingSecret: h.secrets.signingSecret, timestamp, body }) },
      body,
    });
    expect(response.status).toBe(413);
    expect(h.snapshot()).toBe(before);
  });

  test('a chunked body with no Content-Length is cut off at 1 MB with 413', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(97);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    const timestamp = nowSeconds();
    const response = await fetch(appUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': 'v0=00' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  test('a webhook body over 1 MB gets 413', async () => {
    const response = await fetch(`${h.appUrl}/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"x":"${'a'.repeat(1024 * 1024)}"}` });
    expect(response.status).toBe(413);
  });

  test('an Events API retry of a delivery already claimed is answered 200 and not processed again', async () => {
    const event = { type: 'app_home_opened', user: PEOPLE.owner, tab: 'home', channel: 'D0OWNER01' };
    const published = () => h.slack.stats().calls['views.publish'] ?? 0;
    const before = published();
    const first = await sendEvent({ appUrl, signingSecret: h.secrets.signingSecret, event, eventId: 'Ev0RETRY01' });
    expect(first.status).toBe(200);
    await waitUntil(() => (published() > before ? true : undefined), 10_000, 'the Home tab to be published');
    // Slack's retry: same event id, a later timestamp and so a new signature, and X-Slack-Retry-Num.
    const retryFetch: typeof fetch = (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    const retry = await sendEvent({ appUrl, signingSecret: h.secrets.signingSecret, event, eventId: 'Ev0RETRY01', timestamp: nowSeconds() + 1, fetch: retryFetch });
    expect(retry.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(published()).toBe(before + 1);
    expect(h.logLines.some((l) => l.includes('redelivered Slack event'))).toBe(true);
  });
});
