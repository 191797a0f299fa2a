import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * An abort after some PRs merged, walked on the page: wave 1 is approved and merges, wave 2 opens
 * its PRs and waits for an approval, and the owner aborts from the root message. The thread's
 * final summary names what had merged, which PRs the abort closes and who aborted; the root
 * counts done work, not the targets the abort stopped; a later line says the closes are done.
 */
explainChromiumMissing('situations: an abort after merges');

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.runIf(chromiumAvailable)('an abort after merges reports what happened', () => {
  let s: Situation;

  beforeAll(async () => {
    s = await startSituation({ repos: 6 });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('the summary names the merged targets, the PRs it closes and who aborted; the root counts done work', async () => {
    // Every wave asks a person: wave 1 is approved, wave 2's PRs stay open at its gate.
    const campaign = await s.startCampaign(situationSpec({ name: 'abort-bump', waves: [2, '100%'], policy: { auto: 100, review: 0, failureBudget: '50%', approvalTimeout: '1h' } }));
    await s.waitForCampaign(campaign.id, ['awaiting-approval'], 45_000);
    await s.clickButton(/Approval needed to merge wave 1/, 'Approve', USERS.approver);
    await s.waitForText(/Approval needed to merge wave 2/, { timeoutMs: 45_000 });
    await s.waitForCampaign(campaign.id, ['awaiting-approval'], 45_000);

    const pulls = s.github.state.listPulls();
    const merged = pulls.filter((p) => p.merged).map((p) => p.repo);
    const open = pulls.filter((p) => p.state === 'open').map((p) => p.repo);
    expect(merged.length).toBeGreaterThan(0);
    expect(open.length).toBeGreaterThan(0);

    // The root says what it waits for, once.
    const waiting = s.page.locator(`[data-testid=messages] .message[data-ts="${campaign.rootTs!}"]`);
    await expect.poll(() => waiting.innerText(), { timeout: 10_000 }).toMatch(/awaiting-approval — Wave 2 needs an approval: confidence [\d.]+ is between 0 and 100/);

    // The owner clicks Abort on the root message and confirms.
    await s.clickButton('Fleet campaign: abort-bump', 'Abort', USERS.owner);
    const confirmation = await s.waitForText(/Abort abort-bump \([^)]*\)\?[^\n]*/);
    // What the abort does to the open PRs, as it will do it (the spec's default onAbort: close).
    expect(confirmation).toContain("Fleet closes the campaign's open PRs and deletes their branches; what has merged stays merged. This cannot be undone.");
    await s.clickButton(/Abort abort-bump/, 'Abort campaign', USERS.owner);
    await s.waitForCampaign(campaign.id, ['aborted'], 20_000);
    await s.waitForText(`Aborted abort-bump (${campaign.id}).`);

    await s.threadText(campaign.rootTs!);
    const thread = s.page.locator('[data-testid=thread]');
    const mergedLine = new RegExp(`Merged before the abort \\(${merged.length}\\): [^\\n]*These stay merged\\.`);
    await expect.poll(() => thread.innerText(), { timeout: 20_000 }).toMatch(mergedLine);
    const text = await thread.innerText();
    const mergedShown = mergedLine.exec(text)![0];
    for (const repo of merged) expect(mergedShown).toContain(repo);
    const closing = new RegExp(`Closing ${open.length} open PRs? now; this thread says when [^\\n]*`).exec(text)?.[0];
    expect(closing, text).toBeTruthy();
    for (const repo of open) expect(closing).toContain(repo);
    expect(text).toMatch(/aborted by @Grace Hopper/);
    expect(text).not.toMatch(/&lt;@|<@U/);

    // The closes are done, and said so in the thread; GitHub has them closed.
    await expect.poll(() => thread.innerText(), { timeout: 30_000 }).toMatch(new RegExp(`The abort's closes are done: ${open.length} PRs? closed\\.`));
    for (const repo of open) expect(s.github.state.listPulls().find((p) => p.repo === repo)?.state).toBe('closed');

    // The root counts done work: what merged or needed no change, not what the abort stopped.
    const targets = s.fleet.store.targets.list(campaign.id);
    const root = s.page.locator(`[data-testid=messages] .message[data-ts="${campaign.rootTs!}"]`);
    await expect.poll(() => root.innerText(), { timeout: 20_000 }).toMatch(/aborted by @Grace Hopper/);
    const rootText = await root.innerText();
    const overall = /Overall \S+ (\d+)% (\d+)\/(\d+) done · (\d+) stopped by the abort/.exec(rootText);
    expect(overall, rootText).toBeTruthy();
    const [, percent, done, total, stopped] = overall!.map(Number);
    expect(total).toBe(targets.length);
    expect(done).toBeGreaterThanOrEqual(merged.length);
    expect(done + stopped).toBe(total);
    expect(percent).toBeLessThan(100);
    // The summary in the thread counts the same.
    expect(text).toContain(`${done} of ${total} targets done`);
    expect(rootText).toMatch(new RegExp(`${merged.length === 1 ? '1 target' : `${merged.length} targets`} had merged · ${escaped(`${open.length} ${open.length === 1 ? 'PR' : 'PRs'} closed`)}`));
  }, 120_000);
});
