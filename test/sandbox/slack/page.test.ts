import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { App } from '@slack/bolt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../src/sandbox/slack/server.js';
import { chromiumAvailable, explainChromiumMissing, launchChromium } from '../../support/chromium.js';
import { startSampleApp } from './sample-app.js';

// The demo's browser test keeps docs/sandbox-page.png; this one writes to the temp folder so a
// test run leaves the working tree as it was.
const SCREENSHOT = join(tmpdir(), 'fleet-fake-slack-page.png');

explainChromiumMissing('fake Slack page');

describe('the page renders', () => {
  test('GET / serves the page and escapes nothing it should not', async () => {
    const slack = await startFakeSlack({ signingSecret: 'page-secret' });
    try {
      const response = await fetch(slack.url);
      expect(response.headers.get('content-type')).toContain('text/html');
      const html = await response.text();
      expect(html).toContain('data-testid="composer"');
      expect(html).toContain('/_page/state');
      const state = (await (await fetch(`${slack.url}/_page/state?user=U0OWNER01`)).json()) as { channels: Array<{ id: string }>; version: number };
      expect(state.channels.map((channel) => channel.id)).toEqual(['C0FLEET001', 'C0FLEET002', 'C0FLEET003']);
      const unchanged = (await (await fetch(`${slack.url}/_page/state?user=U0OWNER01&since=${state.version}`)).json()) as { unchanged?: boolean };
      expect(unchanged.unchanged).toBe(true);
    } finally {
      await slack.close();
    }
  });
});

describe.runIf(chromiumAvailable)('the page in Chromium', () => {
  let slack: FakeSlack;
  let app: App;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    slack = await startFakeSlack({ signingSecret: 'page-secret' });
    ({ app } = await startSampleApp(slack));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(slack.url);
    await page.locator('nav button', { hasText: 'fleet-payments' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await slack?.close();
  });

  async function actAs(user: string): Promise<void> {
    await page.selectOption('[data-testid=act-as]', user);
  }

  async function type(text: string): Promise<void> {
    await page.fill('[data-testid=composer]', text);
    await page.press('[data-testid=composer]', 'Enter');
  }

  test('a command typed as one user shows the reply to that user only, the message, and its thread', async () => {
    await actAs('U0OWNER01');
    await type('/fleet status');
    const reply = page.locator('.message.ephemeral', { hasText: 'You asked for' });
    await reply.waitFor();
    expect(await reply.innerText()).toContain('You asked for status, @Grace Hopper.');
    expect(await reply.locator('b').innerText()).toBe('status');
    const gate = page.locator('[data-testid=messages] .message', { hasText: 'lodash 4.17.21' });
    await gate.waitFor();
    expect(await gate.locator('.block.header').innerText()).toContain('lodash 4.17.21 🚀');
    expect(await gate.locator('.mention').allInnerTexts()).toEqual(['@platform-team', '@Grace Hopper']);
    expect(await gate.locator('a[href="https://example.com/c1"]').innerText()).toBe('the dashboard');
    expect(await gate.locator('.fields code').innerText()).toBe('0');
    expect(await gate.locator('s').innerText()).toBe('ETA 3d');
    expect(await gate.locator('button.btn.primary').innerText()).toBe('Approve');
    expect(await gate.locator('button.btn.danger').innerText()).toBe('Reject');
    await gate.locator('button.replies', { hasText: '1 reply' }).click();
    const thread = page.locator('[data-testid=thread]');
    await thread.locator('pre', { hasText: 'payments-api  #412 merged' }).waitFor();
    await page.screenshot({ path: (mkdirSync(dirname(SCREENSHOT), { recursive: true }), SCREENSHOT) });

    await actAs('U0APPROV1');
    await page.locator('.message.ephemeral').waitFor({ state: 'detached' });
  });

  test('a button with a confirm dialog sends a signed action, and the reply replaces the message', async () => {
    await actAs('U0APPROV1');
    const gate = page.locator('[data-testid=messages] .message', { hasText: 'lodash 4.17.21' });
    // The click sends the value of the button as the person saw it, as Slack does, even if the message changes meanwhile.
    expect(await gate.locator('button[data-action-id=gate_approve]').getAttribute('data-value')).toBe('c1:1');
    await gate.locator('button[data-action-id=gate_approve]').click();
    const confirm = page.locator('[data-testid=confirm]');
    expect(await confirm.locator('h3').innerText()).toBe('Approve wave 1?');
    await confirm.locator('#confirm-yes').click();
    await page.locator('[data-testid=messages] .message', { hasText: 'Approved c1:1 by @María García' }).waitFor();
    await page.locator('[data-testid=thread] .message', { hasText: 'Wave 1 approved by @María García' }).waitFor();
    expect(slack.messages('C0FLEET001')[0]?.text).toBe('Approved c1:1 by <@U0APPROV1>');
  });

  test('a modal opens from a command, shows the app\'s field errors and closes on a good submit', async () => {
    await actAs('U0OWNER01');
    await type('/fleet start');
    const modal = page.locator('[data-testid=modal]');
    await modal.waitFor();
    expect(await modal.locator('h3').innerText()).toBe('Start a campaign');
    await page.selectOption('#input-policy', 'review');
    await page.fill('#input-spec', 'lodash');
    await modal.locator('#modal-submit').click();
    await modal.locator('.field-error', { hasText: 'Give a spec file name ending in .yaml' }).waitFor();
    // As in Slack, the app's field errors leave what the person typed and chose in place.
    expect(await page.inputValue('#input-spec')).toBe('lodash');
    expect(await page.inputValue('#input-policy')).toBe('review');
    // And, as in Slack, a required field left empty is refused before anything is sent.
    await page.fill('#input-spec', '');
    await modal.locator('#modal-submit').click();
    await modal.locator('.field-error', { hasText: 'Please complete this required field.' }).waitFor();
    expect(await page.inputValue('#input-policy')).toBe('review');
    await page.fill('#input-spec', 'lodash.yaml');
    await modal.locator('#modal-submit').click();
    await modal.waitFor({ state: 'hidden' });
    expect(slack.views('U0OWNER01')).toEqual([]);
  });

  test('the Home tab is published by the app when opened, and its buttons work', async () => {
    await actAs('U0APPROV1');
    await page.locator('nav button[data-home]').click();
    const pane = page.locator('[data-testid=messages]');
    await pane.locator('.block.header', { hasText: 'Your campaigns' }).waitFor();
    expect(await pane.innerText()).toContain('Hello @María García: 1 campaign running.');
    await pane.locator('button[data-action-id=home_refresh]').click();
    await pane.locator('.block', { hasText: 'Refreshed: 0 campaigns need you.' }).waitFor();
    await page.locator('nav button', { hasText: 'fleet-payments' }).click();
  });

  /** Posts blocks to #fleet-payments as the bot, over the fake's Web API. */
  async function postBlocks(blocks: unknown[]): Promise<void> {
    await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0FLEET001', text: 'x', blocks }),
    });
  }

  test('dates, quotes and the emoji Fleet uses render as in Slack', async () => {
    await postBlocks([{ type: 'section', text: { type: 'mrkdwn', text: ':raised_hand: Expires <!date^1795410479^{date_short_pretty} {time}|later>.\n>`build` fails on main too\n:fast_forward: Skipped' } }]);
    const message = page.locator('.message', { hasText: 'fails on main too' });
    await message.waitFor();
    const text = await message.innerText();
    expect(text).toContain('\u270b Expires');
    expect(text).not.toContain('date^');
    expect(text).toContain('2026');
    expect(await message.locator('blockquote code').innerText()).toBe('build');
    expect(text).toContain('\u23e9 Skipped');
  });

  test('message text cannot inject HTML', async () => {
    await postBlocks([
      { type: 'section', text: { type: 'mrkdwn', text: 'raw <img src=x onerror="window.injected=1"> and &lt;script&gt;window.injected=2&lt;/script&gt; <javascript:alert(1)|click>' } },
      { type: 'section', text: { type: 'plain_text', text: '<b onclick="window.injected=3">plain</b>' } },
    ]);
    const message = page.locator('.message', { hasText: 'window.injected=2' });
    await message.waitFor();
    expect(await message.locator('img, script, b[onclick], a[href^="javascript"]').count()).toBe(0);
    expect(await message.innerText()).toContain('<b onclick="window.injected=3">plain</b>');
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
  });
});
