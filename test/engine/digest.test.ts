import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildDigest, postDigestNow, runDigests } from '../../src/engine/digest.js';
import { renderNotification } from '../../src/slack/render-notification.js';
import { readSteps } from '../../src/engine/campaign-spec.js';
import { openTempStore, seedCampaign, type TempStore } from './helpers.js';

describe('digest', () => {
  let t: TempStore;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  test('posts once per local day at the channel hour', () => {
    seedCampaign(t.store, { waves: [['acme/a']] });
    t.store.settings.set('digest:CCHAN1', { hour: 9, timeZone: 'Europe/Berlin' }, 'UADMIN', 0);
    expect(runDigests(t.store, Date.UTC(2025, 2, 3, 7, 30))).toEqual([]); // 08:30 in Berlin
    expect(runDigests(t.store, Date.UTC(2025, 2, 3, 8, 0))).toEqual(['CCHAN1']);
    expect(runDigests(t.store, Date.UTC(2025, 2, 3, 15, 0))).toEqual([]);
    expect(runDigests(t.store, Date.UTC(2025, 2, 4, 8, 5))).toEqual(['CCHAN1']);
    expect(t.store.outbox.list().filter((m) => m.channel === 'CCHAN1')).toHaveLength(2);
  });

  test('says what waits for whom, what moved and the GitHub budget used', () => {
    const now = Date.UTC(2025, 2, 3, 9, 0);
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b'], ['acme/c']], now: now - 3 * 86_400_000 });
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a.id, a.version, { state: 'needs-attention', stateReason: 'merge conflict in package-lock.json' }, now);
    const b = t.store.targets.findByRepo(id, 'acme/b')!;
    t.store.targets.update(b.id, b.version, { state: 'succeeded' }, now);
    t.store.events.append({ campaignId: id, targetId: b.id, at: now - 3_600_000, actor: 'engine', kind: 'target.succeeded' });
    t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now });
    t.store.github.countRequest('2025-03-03', false);
    t.store.github.countRequest('2025-03-03', false);
    const text = JSON.stringify(renderNotification(buildDigest(t.store, 'CCHAN1', now)));
    expect(text).toContain('merge conflict in package-lock.json');
    expect(text).toContain('UAPPROVER1');
    expect(text).toContain('+1 done');
    expect(text).toMatch(/\b2\b/);
  });

  test('lists the PRs waiting for a required review per team asked, with how long they have waited', () => {
    const now = Date.UTC(2025, 2, 3, 9, 0);
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b', 'acme/c']], now: now - 3 * 86_400_000 });
    const merge = readSteps(t.store.campaigns.get(id)!).findIndex((s) => s.kind === 'merge');
    const wait = (repo: string, asked: string[], since: number) => {
      const target = t.store.targets.findByRepo(id, repo)!;
      t.store.targets.update(target.id, target.version, { state: 'waiting', stepIndex: merge, prNumber: 1, prUrl: `https://github.com/${repo}/pull/1` }, now);
      t.store.steps.save({ targetId: target.id, stepIndex: merge, kind: 'merge', status: 'waiting', data: { review: { head: 'abc', since, asked, approvals: 0, required: 1, missing: ['0 of 1 approvals'] } }, now });
    };
    wait('acme/a', ['@acme/payments'], now - 2 * 86_400_000 - 3 * 3_600_000);
    wait('acme/b', ['@acme/payments', '@alice'], now - 4 * 3_600_000);
    const digest = buildDigest(t.store, 'CCHAN1', now);
    expect(digest.campaigns[0]?.reviewsByTeam).toEqual([
      {
        team: '@acme/payments',
        prs: [
          { repo: 'acme/a', url: 'https://github.com/acme/a/pull/1', waitingMs: 2 * 86_400_000 + 3 * 3_600_000 },
          { repo: 'acme/b', url: 'https://github.com/acme/b/pull/1', waitingMs: 4 * 3_600_000 },
        ],
        more: 0,
      },
      { team: '@alice', prs: [{ repo: 'acme/b', url: 'https://github.com/acme/b/pull/1', waitingMs: 4 * 3_600_000 }], more: 0 },
    ]);
    const text = JSON.stringify(renderNotification(digest));
    expect(text).toContain('*Waiting for review, by team*');
    expect(text).toContain('• @acme/payments: <https://github.com/acme/a/pull/1|acme/a> (2d 3h), <https://github.com/acme/b/pull/1|acme/b> (4h 0m)');
    // A target waiting elsewhere (not at merge) is not listed as waiting for review.
    const c = t.store.targets.findByRepo(id, 'acme/c')!;
    t.store.targets.update(c.id, c.version, { state: 'waiting', stepIndex: 0 }, now);
    expect(buildDigest(t.store, 'CCHAN1', now).campaigns[0]?.reviewsByTeam?.flatMap((team) => team.prs.map((pr) => pr.repo))).toEqual(['acme/a', 'acme/b', 'acme/b']);
  });

  test('/fleet digest posts now even after today’s digest', () => {
    seedCampaign(t.store, { waves: [['acme/a']] });
    const now = Date.UTC(2025, 2, 3, 10, 0);
    runDigests(t.store, now);
    postDigestNow(t.store, 'CCHAN1', now);
    expect(t.store.outbox.list().filter((m) => m.channel === 'CCHAN1' && m.threadOf === null)).toHaveLength(2);
  });
});
