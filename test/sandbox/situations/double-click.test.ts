import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { CHANNEL, lodashUsers, situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * A second click on a decided button, walked on the page: a second browser page (an admin's, whose
 * copy of the thread went stale: its polling is held back) still shows the buttons after the first
 * person's click. Its Skip and Approve answer what was decided, by whom and when, not that the
 * button carries data Fleet cannot read.
 */
explainChromiumMissing('situations: a double click');

/** A second page on the sandbox, acting as `user`, with the thread of `rootTs` open. */
async function secondPage(s: Situation, user: string, rootTs: string): Promise<Page> {
  const page = await s.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.addInitScript((u) => localStorage.setItem('fleet-sandbox-user', u), user);
  await page.goto(`${s.slack.url}/`);
  await page.locator(`nav button[data-channel="${CHANNEL}"]`).click();
  await page.locator(`[data-testid=messages] button.replies[data-thread="${rootTs}"]`).click({ timeout: 30_000 });
  return page;
}

/** The button on the message of the second page's open thread showing this text. */
function threadButton(page: Page, messageText: string | RegExp, label: string) {
  return page.locator('[data-testid=thread] .message').filter({ hasText: messageText }).locator('button.btn', { hasText: label });
}

/** Stop the page from seeing anything new: its copy goes stale, buttons and all. */
async function holdPolling(page: Page): Promise<void> {
  await page.route('**/_page/state**', (route) => route.abort());
}

async function releasePolling(page: Page): Promise<void> {
  await page.unroute('**/_page/state**');
}

describe.runIf(chromiumAvailable)('a second click on a decided button says what was decided', () => {
  let s: Situation;
  let stuck: string;

  beforeAll(async () => {
    s = await startSituation({
      repos: 6,
      failOnDefault: (fleet) => {
        stuck = lodashUsers(fleet)[0];
        return [stuck];
      },
    });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('a stale Skip names who skipped and when; a stale Approve names who approved which wave and when', async () => {
    // One wave, and a person approves it (the campaign then completes: the stale Approve's answer says so).
    const campaign = await s.startCampaign(situationSpec({ name: 'double-bump', waves: ['100%'], policy: { auto: 100, review: 0, failureBudget: '50%', approvalTimeout: '1h' } }));
    const attention = `${stuck} needs attention`;
    await s.threadText(campaign.rootTs!);
    await s.waitForText(attention, { timeoutMs: 45_000 });

    const stale = await secondPage(s, USERS.admin, campaign.rootTs!);
    try {
      await threadButton(stale, attention, 'Skip').waitFor({ timeout: 15_000 });
      await holdPolling(stale);

      // The owner skips it on the first page; its buttons go.
      await s.clickButton(attention, 'Skip', USERS.owner);
      const attentionMessage = s.page.locator('[data-testid=thread] .message').filter({ hasText: attention });
      await expect.poll(() => attentionMessage.locator('button.btn', { hasText: 'Skip' }).count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => attentionMessage.innerText(), { timeout: 10_000 }).toMatch(/Skipped by @Grace Hopper/);

      // The admin's stale copy still shows Skip; the click is answered with what happened.
      const skipAnswered = stale.waitForResponse((r) => r.url().endsWith('/_page/action'));
      await threadButton(stale, attention, 'Skip').click();
      expect(((await (await skipAnswered).json()) as { ok: boolean }).ok).toBe(true);
      await releasePolling(stale);
      await expect.poll(() => stale.locator('body').innerText(), { timeout: 15_000 }).toMatch(new RegExp(`@Grace Hopper already skipped ${stuck} at \\d{2}:\\d{2} UTC; nothing more to do\\.`));
      expect(await stale.locator('body').innerText()).not.toContain('cannot read');
      // One skip, the owner's; the stale click changed nothing.
      const skips = s.fleet.store.events.list({ campaignId: campaign.id, kinds: ['target.skipped'] }).filter((e) => e.actor !== 'engine');
      expect(skips.map((e) => e.actor)).toEqual([USERS.owner]);

      // The wave's approval request: the admin's copy goes stale with its buttons showing.
      const request = /Approval needed to merge wave 1/;
      await s.waitForCampaign(campaign.id, ['awaiting-approval'], 45_000);
      await threadButton(stale, request, 'Approve').waitFor({ timeout: 15_000 });
      await holdPolling(stale);

      await s.clickButton(request, 'Approve', USERS.approver);
      const requestMessage = s.page.locator('[data-testid=thread] .message').filter({ hasText: request });
      await expect.poll(() => requestMessage.innerText(), { timeout: 10_000 }).toMatch(/Approved by @María García/);
      expect(await requestMessage.locator('button.btn', { hasText: 'Approve' }).count()).toBe(0);

      const approveAnswered = stale.waitForResponse((r) => r.url().endsWith('/_page/action'));
      await threadButton(stale, request, 'Approve').click();
      expect(((await (await approveAnswered).json()) as { ok: boolean }).ok).toBe(true);
      await releasePolling(stale);
      await expect.poll(() => stale.locator('body').innerText(), { timeout: 15_000 }).toMatch(/@María García already approved wave 1 at \d{2}:\d{2} UTC; (nothing more to do|the campaign is running: pause or abort it if it must stop|the campaign is completed: start a new campaign for further changes)\./);
      expect(await stale.locator('body').innerText()).not.toContain('cannot read');
      const gate = s.fleet.store.gates.list(campaign.id).find((g) => g.wave === 0 && g.kind === 'wave');
      expect([gate?.state, gate?.decidedBy]).toEqual(['approved', USERS.approver]);
      expect(s.fleet.store.events.list({ campaignId: campaign.id, kinds: ['gate.approved'] }).map((e) => e.actor)).toEqual([USERS.approver]);
    } finally {
      await stale.close();
    }
  }, 120_000);
});
