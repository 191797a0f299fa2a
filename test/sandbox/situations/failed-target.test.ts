import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { lodashUsers, situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * A target whose build the change breaks, as a person meets it on the page: the wave's end names
 * it with its reason, `/fleet status <id> failed` typed in the composer lists it with its reason
 * and the retry command, and the final summary names it under its team.
 */
explainChromiumMissing('situations: a failed target');

describe.runIf(chromiumAvailable)('a failed target', () => {
  let s: Situation;
  let broken: string;

  beforeAll(async () => {
    s = await startSituation({
      repos: 6,
      failBuild: (fleet) => {
        broken = lodashUsers(fleet)[0];
        return [broken];
      },
    });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('the wave’s end, /fleet status failed and the summary name it with its reason', async () => {
    // The broken repository alone in wave 1, and thresholds that never ask a person: the campaign
    // runs to its end by itself, past a wave end that names the failure and a final summary.
    const campaign = await s.startCampaign(
      situationSpec({
        name: 'fail-bump',
        targets: { org: 'acme', topics: ['node'], canary: [broken] },
        waves: [1, '100%'],
        policy: { auto: 0, review: 0, failureBudget: '50%', approvalTimeout: '1h' },
      }),
    );
    await s.waitForCampaign(campaign.id, ['completed', 'halted'], 60_000);
    await s.tick();
    const failed = s.fleet.store.targets.list(campaign.id).filter((t) => t.state === 'failed');
    expect(failed.map((t) => t.repo)).toEqual([broken]);

    const thread = await s.threadText(campaign.rootTs!);
    // The wave's end, before the next wave starts: its counts, then the failed target with its
    // reason and what to do about it.
    const waveEnd = /Wave 1 of 2 finished[\s\S]*?(?=Wave 2 of 2 started)/.exec(thread)?.[0] ?? '';
    expect(waveEnd, thread).toMatch(/Failed\s+1\b/);
    expect(waveEnd).toMatch(new RegExp(`1 failed:\\s*• ${broken} failed: The change breaks build[^\\n]*fix the change or skip the target`));
    // The final summary: the failed target under its team (CODEOWNERS "@acme/search").
    const summary = /completed after[\s\S]*/.exec(thread)?.[0] ?? '';
    expect(summary, thread).toMatch(/Failed targets, by team/);
    expect(summary).toMatch(new RegExp(`@acme/search: 1 failed\\s*• ${broken} failed: The change breaks build`));
    // No raw markup where a person reads.
    expect(thread).not.toMatch(/&lt;|&gt;|<@U/);

    await s.command(`status ${campaign.id} failed`, USERS.owner);
    const listed = await s.waitForText(new RegExp(`Failed or needing a person \\(1\\)[^\\n]*\\n[\\s\\S]*?• ${broken} failed: The change breaks build[^\\n]*/fleet retry ${campaign.id} ${broken}`, 'i'));
    expect(listed).toBeTruthy();
  }, 90_000);
});
