import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing, launchChromium } from '../support/chromium.js';
import { watchOutput, type ChildOutput } from '../support/child-output.js';

/**
 * `npm run demo` without --headless, as a person runs it: nothing starts until the page is open in
 * a real browser, each scripted click waits so the person can read what it answers, the campaign
 * plays out on the fake Slack page, and the page stays up afterwards for a person to explore. One
 * run of the demo serves every test here. Durations are read from the timestamps the fake Slack and
 * Fleet record, not from this test's clock. The screenshot in the README is taken here:
 * `UPDATE_SCREENSHOT=1 npx vitest run test/sandbox/demo-page.test.ts` writes docs/sandbox-page.png;
 * otherwise it goes to the temp folder and the tree stays as it was.
 */
const demo = fileURLToPath(new URL('../../dist/src/sandbox/demo.js', import.meta.url));
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? fileURLToPath(new URL('../../docs/sandbox-page.png', import.meta.url)) : join(tmpdir(), 'fleet-demo-page.png');
const PACE_SECONDS = 3;
const CHANNEL = 'C0FLEET001';
const BOUND_MS = 420_000;

interface PageMessage {
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

function tsToMs(ts: string): number {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1000 + Math.floor(Number(micros.padEnd(6, '0')) / 1000);
}

/** The first reply in a thread whose text or blocks match (the click may have replaced its buttons since). */
function firstReply(messages: PageMessage[], pattern: RegExp): PageMessage | undefined {
  return messages.find((m) => m.thread_ts !== undefined && m.thread_ts !== m.ts && pattern.test(JSON.stringify([m.text, m.blocks ?? []])));
}

explainChromiumMissing('demo page');

describe.runIf(chromiumAvailable)('npm run demo, on its browser page', () => {
  let child: ChildProcessWithoutNullStreams;
  let output: ChildOutput;
  let dataDir: string;
  let pageUrl: string;
  let browser: Browser;
  let page: Page;

  const waitForOutput = (pattern: RegExp, timeoutMs: number) => output.waitFor(pattern, timeoutMs);

  function query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(join(dataDir, 'fleet.db'), { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  const events = (kind: string) => query<{ at: number; actor: string }>('SELECT at, actor FROM events WHERE kind = ? ORDER BY id', kind);

  async function channelMessages(): Promise<PageMessage[]> {
    const response = await fetch(`${pageUrl}/_page/state?user=U0OWNER01`);
    const state = (await response.json()) as { messages: Record<string, PageMessage[]> };
    return state.messages[CHANNEL] ?? [];
  }

  beforeAll(async () => {
    expect(existsSync(demo), 'dist/src/sandbox/demo.js is missing: run `npm run build` first').toBe(true);
    dataDir = mkdtempSync(join(tmpdir(), 'fleet-demo-page-'));
    child = spawn(process.execPath, [demo, '--port', '0', '--pace-seconds', String(PACE_SECONDS), '--data-dir', dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    output = watchOutput(child, 'the demo');
    const [, url] = await waitForOutput(/Open (http:\/\/127\.0\.0\.1:\d+)\/ in a browser to start the campaign\./, 60_000);
    pageUrl = url;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('waits for the page before it starts the campaign', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(output.text()).not.toContain('> /fleet preview');
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM campaigns')[0].n).toBe(0);

    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${pageUrl}/`);
    await waitForOutput(/The page is open: the scripted campaign starts now\./, 10_000);
    await waitForOutput(/Campaign c-[0-9a-f]{6} started/, 60_000);
  }, 90_000);

  test('the approval request and the outsider’s refusal each stay on screen for the pacing delay before the next click', async () => {
    await waitForOutput(/gate\.approved\s+\(wave 1\)\s+by U0APPROV1/, BOUND_MS);
    const request = firstReply(await channelMessages(), /Approval needed/);
    expect(request, 'the approval request in the thread').toBeDefined();
    const [refused] = events('auth.refused');
    const approved = events('gate.approved').find((e) => e.actor === 'U0APPROV1');
    expect(refused?.actor).toBe('U0OUTSID1');
    expect(approved).toBeDefined();
    expect(refused.at - tsToMs(request!.ts)).toBeGreaterThanOrEqual(PACE_SECONDS * 1000);
    expect(approved!.at - refused.at).toBeGreaterThanOrEqual(PACE_SECONDS * 1000);
    expect(output.text()).toContain(`The script clicks in ${PACE_SECONDS} s.`);
  }, BOUND_MS + 30_000);

  test('the repository that needs a person stays on screen for the pacing delay before the Skip', async () => {
    await waitForOutput(/target\.skipped\s+acme\/\S+\s+\(skipped from Slack\)\s+by U0OWNER01/, BOUND_MS);
    // Repositories that need no change are skipped by the engine; the owner's click is the first skip by a person.
    const [skipped] = query<{ at: number; repo: string }>(
      "SELECT e.at AS at, t.repo AS repo FROM events e JOIN targets t ON t.id = e.target_id WHERE e.kind = 'target.skipped' AND e.actor = 'U0OWNER01' ORDER BY e.id",
    );
    expect(skipped).toBeDefined();
    const asked = firstReply(await channelMessages(), new RegExp(`\\*${skipped.repo.replace('/', '\\/')}\\* needs attention`));
    expect(asked, `the message asking about ${skipped.repo}`).toBeDefined();
    expect(skipped.at - tsToMs(asked!.ts)).toBeGreaterThanOrEqual(PACE_SECONDS * 1000);
  }, BOUND_MS + 30_000);

  test('the channel shows the campaign the terminal narrates, and it completes there', async () => {
    const [, id] = await waitForOutput(/Campaign (c-[0-9a-f]{6}) started/, 120_000);
    const root = page.locator('[data-testid=messages] .message:not(.ephemeral)', { hasText: 'Fleet campaign: sandbox-bump-lodash' });
    await root.waitFor({ timeout: 60_000 });
    expect(await root.innerText()).toContain(id);

    await waitForOutput(/The sandbox keeps running/, BOUND_MS);
    expect(output.text()).toContain(`Campaign ${id} is completed.`);
    await root.locator('text=completed').first().waitFor({ timeout: 30_000 });

    // The counts on the page are the store's.
    const counts = Object.fromEntries(query<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM targets WHERE campaign_id = ? GROUP BY state', id).map((r) => [r.state, r.n]));
    const text = await root.innerText();
    for (const state of ['succeeded', 'failed', 'skipped']) expect(text).toMatch(new RegExp(`${state}\\s+${counts[state] ?? 0}\\b`));
  }, BOUND_MS + 120_000);

  test('its thread holds the approval, the repository that needed a person, and the final summary', async () => {
    const root = page.locator('[data-testid=messages] .message:not(.ephemeral)', { hasText: 'Fleet campaign: sandbox-bump-lodash' });
    await root.locator('button.replies').click();
    const thread = page.locator('[data-testid=thread]');
    await thread.locator('.message', { hasText: 'completed after' }).waitFor({ timeout: 30_000 });
    const text = await thread.innerText();
    expect(text).toContain('Approval needed to merge wave 1 of 3');
    expect(text).toContain('Approved by @');
    expect(text).toContain('fail on main too');
    expect(text).toContain('Skipped by @');
    await page.screenshot({ path: (mkdirSync(dirname(SCREENSHOT), { recursive: true }), SCREENSHOT) });
  }, 60_000);

  test('afterwards a person can type /fleet on the page and Fleet answers', async () => {
    await page.selectOption('[data-testid=act-as]', 'U0OWNER01');
    await page.fill('[data-testid=composer]', '/fleet list');
    await page.press('[data-testid=composer]', 'Enter');
    await page.locator('.message.ephemeral', { hasText: 'sandbox-bump-lodash' }).first().waitFor({ timeout: 30_000 });
  }, 60_000);

  test('Ctrl-C stops the sandbox cleanly', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('npm run demo, stopped before anyone opened the page', () => {
  test('Ctrl-C ends it at once, with 0 and no campaign', async () => {
    expect(existsSync(demo), 'dist/src/sandbox/demo.js is missing: run `npm run build` first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'fleet-demo-unopened-'));
    try {
      const child = spawn(process.execPath, [demo, '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const unopened = watchOutput(child, 'the demo');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await unopened.waitFor(/to start the campaign\./, 60_000);
      child.kill('SIGINT');
      expect(await exited, unopened.text()).toBe(0);
      expect(unopened.text()).not.toContain('> /fleet preview');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
