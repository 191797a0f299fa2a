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
 * `npm run demo` without flags, as a person runs it: the campaign plays out on the fake Slack page
 * in a real browser, and the page stays up afterwards for a person to explore. The screenshot in
 * the README is taken here: `UPDATE_SCREENSHOT=1 npx vitest run test/sandbox/demo-page.test.ts`
 * writes docs/sandbox-page.png; otherwise it goes to the temp folder and the tree stays as it was.
 */
const demo = fileURLToPath(new URL('../../dist/src/sandbox/demo.js', import.meta.url));
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? fileURLToPath(new URL('../../docs/sandbox-page.png', import.meta.url)) : join(tmpdir(), 'fleet-demo-page.png');
const BOUND_MS = 420_000;

explainChromiumMissing('demo page');

describe.runIf(chromiumAvailable)('the demo on its browser page', () => {
  let child: ChildProcessWithoutNullStreams;
  let output: ChildOutput;
  let dataDir: string;
  let browser: Browser;
  let page: Page;

  const waitForOutput = (pattern: RegExp, timeoutMs: number) => output.waitFor(pattern, timeoutMs);

  beforeAll(async () => {
    expect(existsSync(demo), 'dist/src/sandbox/demo.js is missing: run `npm run build` first').toBe(true);
    dataDir = mkdtempSync(join(tmpdir(), 'fleet-demo-page-'));
    child = spawn(process.execPath, [demo, '--port', '0', '--data-dir', dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    output = watchOutput(child, 'the demo');
    const [, url] = await waitForOutput(/Slack page:\s+(http:\/\/127\.0\.0\.1:\d+)\//, 60_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the channel shows the campaign the terminal narrates, and it completes there', async () => {
    const [, id] = await waitForOutput(/Campaign (c-[0-9a-f]{6}) started/, 120_000);
    const root = page.locator('[data-testid=messages] .message:not(.ephemeral)', { hasText: 'Fleet campaign: sandbox-bump-lodash' });
    await root.waitFor({ timeout: 60_000 });
    expect(await root.innerText()).toContain(id);

    await waitForOutput(/The sandbox keeps running/, BOUND_MS);
    expect(output.text()).toContain(`Campaign ${id} is completed.`);
    await root.locator('text=completed').first().waitFor({ timeout: 30_000 });

    // The counts on the page are the store's.
    const db = new Database(join(dataDir, 'fleet.db'), { readonly: true });
    const counts = Object.fromEntries(
      (db.prepare('SELECT state, COUNT(*) AS n FROM targets WHERE campaign_id = ? GROUP BY state').all(id) as { state: string; n: number }[]).map((r) => [r.state, r.n]),
    );
    db.close();
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
