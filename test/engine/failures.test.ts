import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NO_TEAM, failuresByTeam, listFailures, worstFirst } from '../../src/engine/failures.js';
import { buildFinalSummary, buildWaveFinished } from '../../src/engine/notifications.js';
import { buildDigest } from '../../src/engine/digest.js';
import type { NotificationOf } from '../../src/domain/notifications.js';
import type { TargetState } from '../../src/domain/states.js';
import type { Store } from '../../src/store/store.js';
import { renderNotification } from '../../src/slack/render-notification.js';
import { openTempStore, seedCampaign, type TempStore } from './helpers.js';

/** Moves a seeded target to a state with a reason and a score, as the tick would leave it. */
function setTarget(store: Store, id: string, repo: string, state: TargetState, reason: string, score: number | null, prUrl: string | null = null): void {
  const t = store.targets.findByRepo(id, repo)!;
  store.targets.update(t.id, t.version, { state, stateReason: reason, score, prUrl }, 2_000);
}

/** What open-pr records when it asks the CODEOWNERS owners to review. */
function recordOwners(store: Store, id: string, repo: string, owners: { teams?: string[]; users?: string[] }): void {
  const t = store.targets.findByRepo(id, repo)!;
  store.events.append({ campaignId: id, targetId: t.id, at: 1_500, actor: 'engine', kind: 'pr.opened', data: { prNumber: 1, reviewers: { users: owners.users ?? [], teams: owners.teams ?? [], note: '' } } });
}

describe('failed targets, worst first', () => {
  let t: TempStore;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  test('worst is: failed before needing a person, then the lowest score (unscored first), then the repository', () => {
    const rows = [
      { repo: 'acme/z', state: 'needs-attention' as const, score: 0 },
      { repo: 'acme/b', state: 'failed' as const, score: 40 },
      { repo: 'acme/a', state: 'failed' as const, score: 40 },
      { repo: 'acme/c', state: 'failed' as const, score: null },
      { repo: 'acme/d', state: 'failed' as const, score: 10 },
    ];
    expect([...rows].sort(worstFirst).map((r) => r.repo)).toEqual(['acme/c', 'acme/d', 'acme/a', 'acme/b', 'acme/z']);
  });

  test("a wave's end names its ten worst failures with their reasons and counts the rest", () => {
    const repos = Array.from({ length: 15 }, (_, i) => `acme/r${String(i).padStart(2, '0')}`);
    const id = seedCampaign(t.store, { waves: [repos] });
    // 13 fail (scores 13..1 in reverse order of name), one needs a person, one succeeds.
    repos.slice(0, 13).forEach((repo, i) => setTarget(t.store, id, repo, 'failed', `The change breaks build (${repo})`, 13 - i, `https://github.example/${repo}/pull/1`));
    setTarget(t.store, id, 'acme/r13', 'needs-attention', 'PR #1 in acme/r13 is a draft', 90);
    setTarget(t.store, id, 'acme/r14', 'succeeded', '', 95);
    const record = buildWaveFinished(t.store, t.store.campaigns.get(id)!, 0, 1_000, 2_000).record as NotificationOf<'wave-finished'>;
    expect(record).toMatchObject({ failed: 13, needsAttention: 1, moreFailures: 4 });
    expect(record.failures!.map((f) => f.repo)).toEqual(['acme/r12', 'acme/r11', 'acme/r10', 'acme/r09', 'acme/r08', 'acme/r07', 'acme/r06', 'acme/r05', 'acme/r04', 'acme/r03']);
    expect(record.failures![0]).toEqual({ repo: 'acme/r12', state: 'failed', reason: 'The change breaks build (acme/r12)', prUrl: 'https://github.example/acme/r12/pull/1', score: 1 });

    const rendered = renderNotification(record).args;
    const text = JSON.stringify(rendered.blocks);
    expect(text).toContain('*13 failed, 1 needs a person, worst first:*');
    expect(text).toContain('• <https://github.example/acme/r12/pull/1|acme/r12> failed: The change breaks build (acme/r12)');
    expect(text).toContain('_and 4 more: `/fleet status c-test failed`_');
    expect(text).not.toContain('acme/r02');
  });

  test('a wave with no failure lists none', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    setTarget(t.store, id, 'acme/a', 'succeeded', '', 95);
    const record = buildWaveFinished(t.store, t.store.campaigns.get(id)!, 0, 1_000, 2_000).record as NotificationOf<'wave-finished'>;
    expect(record).toMatchObject({ failures: [], moreFailures: 0 });
    expect(listFailures(t.store.targets.list(id))).toEqual({ shown: [], more: 0 });
  });

  test('the summary and the digest group failures by code-owner team, the team with most failures first, no owner last', () => {
    const id = seedCampaign(t.store, { waves: [['acme/pay-1', 'acme/pay-2', 'acme/web', 'acme/orphan', 'acme/fine']] });
    recordOwners(t.store, id, 'acme/pay-1', { teams: ['payments'] });
    recordOwners(t.store, id, 'acme/pay-2', { teams: ['payments'] });
    recordOwners(t.store, id, 'acme/web', { users: ['alice'] });
    setTarget(t.store, id, 'acme/pay-1', 'failed', 'The change breaks build', 20);
    setTarget(t.store, id, 'acme/pay-2', 'failed', 'The change breaks lint', 5);
    setTarget(t.store, id, 'acme/web', 'failed', 'Compliance: no CODEOWNERS', 0);
    setTarget(t.store, id, 'acme/orphan', 'failed', 'acme/orphan was not found on GitHub', null);
    setTarget(t.store, id, 'acme/fine', 'needs-attention', 'a conflict', 50);

    const grouped = failuresByTeam(t.store, id, t.store.targets.list(id));
    expect(grouped.moreTeams).toBe(0);
    expect(grouped.teams.map((g) => [g.team, g.total, g.failures.map((f) => f.repo)])).toEqual([
      ['@acme/payments', 2, ['acme/pay-2', 'acme/pay-1']],
      ['@alice', 1, ['acme/web']],
      [NO_TEAM, 1, ['acme/orphan']],
    ]);

    const campaign = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, campaign.version, { state: 'completed' }, 3_000);
    const summary = buildFinalSummary(t.store, t.store.campaigns.get(id)!, 3_000);
    expect((summary.record as NotificationOf<'final-summary'>).failedByTeam).toEqual(grouped.teams);
    const summaryText = JSON.stringify(renderNotification(summary.record).args.blocks);
    expect(summaryText).toContain('*Failed targets, by team*');
    expect(summaryText).toContain('`@acme/payments`: 2 failed\\n• acme/pay-2 failed: The change breaks lint\\n• acme/pay-1 failed: The change breaks build');
    expect(summaryText).toContain('_no code owner on record_: 1 failed\\n• acme/orphan failed: acme/orphan was not found on GitHub');

    const digest = buildDigest(t.store, 'CCHAN1', 3_000);
    expect(digest.campaigns[0].failedByTeam).toEqual(grouped.teams);
    const digestText = JSON.stringify(renderNotification(digest).args.blocks);
    expect(digestText).toContain('*Failed, by team*\\n• `@acme/payments` 2 failed: acme/pay-2 (The change breaks lint), acme/pay-1 (The change breaks build)\\n• `@alice` 1 failed: acme/web (Compliance: no CODEOWNERS)\\n• _no code owner on record_ 1 failed: acme/orphan (acme/orphan was not found on GitHub)\\n`/fleet status c-test failed` lists every failure.');
  });
});
