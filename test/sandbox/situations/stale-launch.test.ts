import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * Old Launch buttons, as a person meets them on the page: a preview launched once and its Launch
 * clicked again from a copy still on screen answers what the first click started, by whom and
 * when; a preview older than ten minutes asks for a fresh one. Neither starts a campaign.
 */
explainChromiumMissing('situations: a stale Launch');

/**
 * A copy of the last message showing `text`, kept on the page as it is now (what a second
 * window, or a client that has not refreshed, still shows); its buttons click as the original's did.
 */
async function keepCopy(page: Page, text: string): Promise<Locator> {
  const id = `copy-${Math.random().toString(36).slice(2, 8)}`;
  await page.evaluate(
    ({ text, id }) => {
      const all = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=messages] .message')).filter((m) => m.innerText.includes(text));
      const original = all.at(-1);
      if (!original) throw new Error(`No message shows ${text}.`);
      const holder = document.createElement('div');
      holder.setAttribute('data-testid', id);
      // Scrollable: a preview shows every sampled diff, taller than the window.
      holder.style.cssText = 'position:fixed;top:0;right:0;width:520px;max-height:100vh;overflow:auto;z-index:1000;background:#fff;border:2px solid #999';
      holder.appendChild(original.cloneNode(true));
      document.body.appendChild(holder);
    },
    { text, id },
  );
  return page.locator(`[data-testid=${id}]`);
}

async function clickIn(s: Situation, copy: Locator, label: string): Promise<void> {
  const answered = s.page.waitForResponse((r) => r.url().endsWith('/_page/action'), { timeout: 30_000 });
  await copy.locator('button.btn', { hasText: label }).click();
  const body = (await (await answered).json()) as { ok: boolean; error?: string };
  expect(body.ok, body.error).toBe(true);
}

describe.runIf(chromiumAvailable)('a stale Launch', () => {
  let s: Situation;

  beforeAll(async () => {
    s = await startSituation({ repos: 6 });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('a preview launched once: its Launch clicked again says what the first click started, by whom and when', async () => {
    const name = s.writeSpec(situationSpec({ name: 'twice-bump', policy: { auto: 100, review: 99, failureBudget: '50%', approvalTimeout: '1h' } }));
    await s.command(`preview ${name}`, USERS.owner);
    await s.waitForText(new RegExp(`Dry run of ${name}[^\\n]*Nothing has been changed\\.`));
    expect(await s.waitForText(/Preview made at \d\d:\d\d UTC; its Launch button works for 10 minutes\./)).toBeTruthy();
    const copy = await keepCopy(s.page, `Dry run of ${name}`);

    await s.clickButton(`Dry run of ${name}`, 'Launch', USERS.owner);
    const started = await s.waitForText(new RegExp(`Started ${name} \\((c-[0-9a-f]+)\\) in #fleet-payments\\. Follow it in that thread\\.`));
    const campaigns = s.fleet.service.list().filter((c) => c.name === name);
    expect(campaigns).toHaveLength(1);
    const [campaign] = campaigns;
    expect(started).toContain(campaign.id);
    const at = new Date(s.fleet.store.campaigns.get(campaign.id)!.createdAt).toISOString().slice(11, 16);

    await clickIn(s, copy, 'Launch');
    const refusal = await s.waitForText(/This preview was already launched:[^\n]*/);
    expect(refusal).toMatch(new RegExp(`^This preview was already launched: @Grace Hopper started ${name} \\(${campaign.id}\\) at \\d\\d:\\d\\d UTC\\. Follow it in #fleet-payments, or type /fleet status ${campaign.id}\\.$`));
    expect(refusal).toContain(`at ${at} UTC`);
    expect(refusal).not.toMatch(/&lt;|<@U|<#C/);
    expect(s.fleet.service.list().filter((c) => c.name === name)).toHaveLength(1);
  }, 60_000);

  test('a preview older than ten minutes: Launch asks for a fresh preview and starts nothing', async () => {
    const name = s.writeSpec(situationSpec({ name: 'stale-bump' }));
    const before = s.fleet.service.list().length;
    await s.command(`preview ${name}`, USERS.owner);
    await s.waitForText(new RegExp(`Dry run of ${name}[^\\n]*Nothing has been changed\\.`));
    const made = /Preview made at (\d\d:\d\d) UTC/.exec(
      await s.page.locator('[data-testid=messages] .message').filter({ hasText: `Dry run of ${name}` }).last().innerText(),
    )?.[1];
    expect(made).toMatch(/^\d\d:\d\d$/);

    s.fastForward(11 * 60_000);
    await s.clickButton(`Dry run of ${name}`, 'Launch', USERS.owner);
    const refusal = await s.waitForText(/This preview is from[^\n]*/);
    expect(refusal).toBe(`This preview is from ${made} UTC, more than 10 minutes ago; run /fleet preview ${name} again and launch from the new preview.`);
    // Nothing started, nothing posted to the channel for it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(s.fleet.service.list()).toHaveLength(before);
    expect(s.fleet.service.list().some((c) => c.name === name)).toBe(false);
    expect(await s.page.locator('body').innerText()).not.toMatch(new RegExp(`Started ${name}`));
  }, 60_000);
});
