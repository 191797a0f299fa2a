import { isExecutable } from './executable.js';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium for browser tests. Tests guard themselves with
 * `describe.runIf(chromiumAvailable)` and call `explainChromiumMissing()` so a run without the
 * browser says why those tests did not run.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumAvailable = isExecutable(CHROMIUM_PATH);

export const chromiumMissingReason = `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH) to run the browser tests.`;

/** Print why browser tests are not running, once per test file. */
export function explainChromiumMissing(suite: string): void {
  if (chromiumAvailable) return;
  console.warn(`[${suite}] skipped: ${chromiumMissingReason}`);
}

/**
 * Launch headless Chromium with flags that keep it quiet and offline.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 * await page.goto(url);
 * await browser.close();
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
