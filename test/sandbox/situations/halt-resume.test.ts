import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * A campaign whose canary wave halts (thresholds no wave can reach), walked on the page: the
 * thread says why and what to do next; Resume on the root message re-asks the gate instead of
 * leaving the campaign stuck; the approver's Approve starts wave 2; and `/fleet approve <id>` on a
 * campaign halted again re-opens that gate and approves it.
 */
explainChromiumMissing('situations: halt and resume');

describe.runIf(chromiumAvailable)('a halted campaign can be resumed from the page', () => {
  let s: Situation;

  beforeAll(async () => {
    s = await startSituation({ repos: 6 });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('the halt names its reason and the way forward; Resume re-asks; Approve starts wave 2; /fleet approve re-opens a later halt', async () => {
    // No confidence reaches 99: every wave halts.
    const campaign = await s.startCampaign(situationSpec({ name: 'halt-bump', waves: [1, 2, '100%'], policy: { auto: 100, review: 99, failureBudget: '50%', approvalTimeout: '1h' } }));
    await s.waitForCampaign(campaign.id, ['halted'], 45_000);

    const root = s.page.locator(`[data-testid=messages] .message[data-ts="${campaign.rootTs!}"]`);
    // The root says why, in words. Planning dropped the repositories that need no change, so the canary wave is one that changes.
    await expect.poll(() => root.innerText(), { timeout: 10_000 }).toMatch(/halted — Halt after wave 1: confidence [\d.]+ is below 99 \(1 target passed and none failed so far; wave 1's one scored target has a score of/);
    expect(await root.locator('button.btn', { hasText: 'Resume' }).count()).toBe(1);
    await s.threadText(campaign.rootTs!);
    const halted = await s.waitForText(/Campaign halted after wave 1: confidence [\d.]+ is below 99[^\n]*/);
    expect(halted).toContain('Resume it to have Fleet weigh the wave again');
    expect(halted).toContain(`/fleet approve ${campaign.id}`);
    expect(halted).toContain('or abort it');

    // The owner clicks Resume on the root message: Fleet weighs wave 1 again and asks a person instead of halting again.
    await s.clickButton('Fleet campaign: halt-bump', 'Resume', USERS.owner);
    await s.waitForCampaign(campaign.id, ['awaiting-approval'], 20_000);
    const reply = await s.waitForText(/Resumed halt-bump[^\n]*/);
    expect(reply).toMatch(/Wave 1 waits for an approval in the campaign's thread/);
    const asked = await s.waitForText(/Fleet would halt after wave 1 again: confidence [\d.]+ is below 99[^\n]*/);
    expect(asked).toContain('approve to merge wave 1 anyway, or reject to halt the campaign again');
    // The thread shows the request itself, with its buttons.
    await s.threadText(campaign.rootTs!);
    const thread = s.page.locator('[data-testid=thread]');
    await expect.poll(() => thread.innerText(), { timeout: 20_000 }).toMatch(/Resumed by @Grace Hopper\. Fleet weighs wave 1 again on what is known now/);
    await expect.poll(() => thread.innerText(), { timeout: 20_000 }).toMatch(/Fleet would halt after wave 1 again[\s\S]*Approve[\s\S]*Reject/);
    await expect.poll(() => root.innerText(), { timeout: 10_000 }).toMatch(/awaiting-approval/);

    // The approver approves: wave 2 starts, and the root message says so.
    await s.clickButton(/Fleet would halt after wave 1 again/, 'Approve', USERS.approver);
    await s.waitForText(/Approved by @María García/);
    await s.waitForText(/Wave 2 of 3 started/);
    await expect.poll(() => root.innerText(), { timeout: 20_000 }).toMatch(/wave 2 of 3/);

    // Wave 2 halts in its turn; an approver's /fleet approve re-opens its gate and approves it.
    await s.waitForCampaign(campaign.id, ['halted'], 45_000);
    await s.waitForText(/Campaign halted after wave 2: confidence [\d.]+ is below 99/);
    await s.command(`approve ${campaign.id}`, USERS.approver);
    const reopened = await s.waitForText(/@María García re-opened the gate of wave 2[^\n]*/);
    expect(reopened).toMatch(/and approved it: wave 2's pull requests merge next/);
    await s.waitForText(/Wave 3 of 3 started/);
    await expect.poll(() => root.innerText(), { timeout: 20_000 }).toMatch(/wave 3 of 3/);
    const gate = s.fleet.store.gates.list(campaign.id).find((g) => g.wave === 1 && g.kind === 'wave');
    expect([gate?.state, gate?.decidedBy]).toEqual(['approved', USERS.approver]);
  }, 120_000);
});
