import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { lodashUsers, situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * A merge conflict, as a person meets it on the page: the default branch moves under the PR, the
 * target needs attention with a sentence that says it is a conflict with main (not branch
 * protection) and what Retry does, and Retry clicked on the page rebuilds the change on the new
 * main, after which the target merges.
 */
explainChromiumMissing('situations: a conflict');

describe.runIf(chromiumAvailable)('a conflict', () => {
  let s: Situation;
  let conflicting: string;

  beforeAll(async () => {
    s = await startSituation({
      repos: 6,
      conflict: (fleet) => {
        conflicting = lodashUsers(fleet)[0];
        return [conflicting];
      },
    });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('the needs-attention message names the conflict, and Retry rebuilds the change and merges it', async () => {
    const campaign = await s.startCampaign(situationSpec({ name: 'conflict-bump', waves: ['100%'], policy: { auto: 0, review: 0, failureBudget: '50%', approvalTimeout: '1h' } }));
    const [owner, name] = conflicting.split('/');

    const until = Date.now() + 60_000;
    while (s.fleet.store.targets.list(campaign.id).find((t) => t.repo === conflicting)?.state !== 'needs-attention' && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    await s.tick();
    await s.threadText(campaign.rootTs!);
    const warning = await s.waitForText(new RegExp(`${conflicting} needs attention[\\s\\S]*?merge conflict with main[^\\n]*`), { timeoutMs: 10_000 });
    expect(warning).toMatch(/commits added to main since the PR was made change the same files/);
    expect(warning).toMatch(/Retry regenerates the change on the new main and updates the PR; or skip the target\./);
    expect(warning).not.toMatch(/branch protection/);
    const first = s.github.state.listPulls().find((p) => p.repo === conflicting)!;
    expect(first.merged).toBe(false);
    expect(first.mergeableState).toBe('dirty');

    await s.clickButton(new RegExp(`${conflicting} needs attention`), 'Retry', USERS.owner);
    // Told to the person who clicked.
    expect(await s.waitForText(`${conflicting} will run again.`)).toBeTruthy();
    const done = await s.waitForCampaign(campaign.id, ['completed', 'halted'], 60_000);
    expect(done.state).toBe('completed');
    await s.tick();

    // The same PR, updated on the new main, merged; main keeps the hand-pinned lodash's change and the bump.
    const pull = s.github.state.listPulls().find((p) => p.repo === conflicting)!;
    expect(pull.number).toBe(first.number);
    expect(pull.merged).toBe(true);
    const manifest = JSON.parse(s.github.state.readFiles(owner, name)['package.json']) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    expect(manifest.dependencies?.lodash ?? manifest.devDependencies?.lodash).toBe('^4.17.21');

    const thread = await s.threadText(campaign.rootTs!);
    // Who retried, on the warning itself; the campaign's end counts the person's part.
    expect(thread).toMatch(new RegExp(`${conflicting} needs attention[\\s\\S]*?Retried by @Grace Hopper`));
    expect(thread).toMatch(/conflict-bump completed/);
    // The targets are the lodash users: planning dropped the Node repositories that need no change.
    const targets = s.fleet.store.targets.list(campaign.id).map((t) => t.repo).sort();
    expect(targets).toEqual(lodashUsers(s.repos.filter((repo) => repo.topics.includes('node'))).sort());
    expect(thread).toMatch(new RegExp(`1 of ${targets.length} targets needed a person`));
    expect(thread).not.toMatch(/Failed targets, by team/);
    await s.command(`status ${campaign.id} all`, USERS.owner);
    expect(await s.waitForText(new RegExp(`• ${conflicting} · wave 1 · succeeded`))).toBeTruthy();
  }, 90_000);
});
