import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService } from '../../src/campaigns/service.js';
import { buildDigest } from '../../src/engine/digest.js';
import { readRootView } from '../../src/engine/notifications.js';
import { runTick, type TickLimits } from '../../src/engine/tick.js';
import type { Gateway } from '../../src/github/gateway.js';
import { finalSummary, rootMessage } from '../../src/slack/blocks/campaign.js';
import { listMessage, statusMessage } from '../../src/slack/blocks/status.js';
import { toStatusInput } from '../../src/slack/deps.js';
import { closeStep } from '../../src/steps/close.js';
import { createStepRegistry } from '../../src/steps/registry.js';
import type { Store } from '../../src/store/store.js';
import { startHarness, type Harness } from '../github/harness.js';
import { createFixedConfidence, makeSpec, renderRow, seedCampaign } from './helpers.js';

interface Deps {
  github: Gateway;
  store: Store;
}

const LIMITS: TickLimits = { maxTargets: 100, concurrency: 2, stepTimeoutMs: 5_000, backoffBaseMs: 1_000 };
// acme/a merged in wave 1; in wave 2 acme/b and acme/d have open PRs, acme/c never began.
const REPOS = ['acme/a', 'acme/b', 'acme/c', 'acme/d'];

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function seedMidCampaign(spec = makeSpec({ targets: { repos: REPOS } })): Promise<string> {
  const id = seedCampaign(h.store, { spec, waves: [['acme/a'], ['acme/b', 'acme/c', 'acme/d']], state: 'running' });
  const a = h.store.targets.findByRepo(id, 'acme/a')!;
  h.store.targets.update(a.id, a.version, { state: 'succeeded', stepIndex: 3, prNumber: 7, prUrl: 'https://github.com/acme/a/pull/7', branch: 'fleet/bump-lodash', mergedSha: 'abc123' }, h.now());
  for (const repo of ['acme/b', 'acme/d']) {
    h.fake.state.seedRepo({ owner: 'acme', name: repo.split('/')[1], files: { 'package.json': '{}\n' } });
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'fleet/bump-lodash', message: 'Bump', files: [{ path: 'package.json', content: '{"x":1}\n' }] });
    const pr = await h.github.openPr({ repo, branch: 'fleet/bump-lodash', base: 'main', title: 'Bump lodash', body: 'Body', marker: { campaignId: id, repo } });
    const target = h.store.targets.findByRepo(id, repo)!;
    h.store.targets.update(target.id, target.version, { state: repo === 'acme/d' ? 'needs-attention' : 'waiting', stepIndex: 1, dueAt: h.now() + 3_600_000, prNumber: pr.number, prUrl: pr.url, branch: 'fleet/bump-lodash' }, h.now());
  }
  const c = h.store.campaigns.get(id)!;
  h.store.campaigns.update(id, c.version, { currentWave: 1 }, h.now());
  return id;
}

function service() {
  return createCampaignService({
    store: h.store,
    catalog: { list: async () => [], load: async () => ({ spec: makeSpec(), source: 'test' }) },
    gateway: h.github,
    admins: ['UADMIN1'],
    launchers: { users: [], groups: [] },
    resolveGroupMembers: async () => [],
    now: h.now,
    wake: () => undefined,
  });
}

async function tick(steps: Parameters<typeof createStepRegistry<Deps>>[0] = [closeStep]) {
  const registry = createStepRegistry<Deps>(steps);
  return runTick({ store: h.store, registry, deps: { github: h.github, store: h.store }, now: h.now, limits: LIMITS, confidence: createFixedConfidence().model });
}

function rootText(id: string): string {
  return JSON.stringify(rootMessage(readRootView(h.store, h.store.campaigns.get(id)!)).blocks);
}

function threadTexts(id: string, kind: string): string[] {
  return h.store.outbox
    .list({ campaignId: id })
    .filter((m) => m.record?.kind === kind)
    .map((m) => {
      const r = renderRow(h.store, m);
      return r.blocks ? JSON.stringify(r.blocks) : r.text;
    });
}

describe('an abort reports what happened', () => {
  test('the summary names who aborted, what had merged, the PRs it closes and what it stopped; the closes follow in the thread', async () => {
    const id = await seedMidCampaign();
    const [b, d] = ['acme/b', 'acme/d'].map((r) => h.store.targets.findByRepo(id, r)!);
    await service().abort(id, 'UOWNER1');

    expect(h.store.campaigns.get(id)!.stateReason).toBe('aborted by <@UOWNER1>');
    const event = h.store.events.list({ campaignId: id, kinds: ['campaign.aborted'] })[0];
    expect(event.data.report).toMatchObject({ by: 'UOWNER1', note: null, leavePrs: false });

    const [summary] = threadTexts(id, 'final-summary');
    expect(summary).toContain(':x: *bump-lodash* aborted by <@UOWNER1> after ');
    expect(summary).toContain('*Merged before the abort (1):* `acme/a` (<https://github.com/acme/a/pull/7|PR #7>). These stay merged.');
    expect(summary).toContain(`*Closing 2 open PRs* now; this thread says when they are closed: \`acme/b\` (<${b.prUrl}|PR #${b.prNumber}>), \`acme/d\` (<${d.prUrl}|PR #${d.prNumber}>).`);
    expect(summary).toContain('*Stopped before opening a PR (1):* `acme/c`.');
    expect(summary).toContain('1 of 4 targets done · 0 targets needed a person before the abort · 0 approvals');
    expect(summary).not.toContain('0 of 4 targets needed a person');

    // The root: who, what merged, the closes under way; bars count done work, not the stopped targets.
    const before = rootText(id);
    expect(before).toContain(':x: *aborted* by <@UOWNER1>');
    expect(before).toContain('1 target had merged · Fleet is closing 2 PRs (0 closed so far) · 3 targets stopped, not done.');
    expect(before).toContain('1/4 done · 3 stopped by the abort');
    expect(before).toContain('Wave 1 `████████████ 100%` 1/1');
    expect(before).toContain('Wave 2 `░░░░░░░░░░░░ 0%` 0/3 · 3 stopped');
    expect(before).not.toContain('4/4');

    await tick();
    expect(h.fake.state.listPulls().map((p) => [p.repo, p.state])).toEqual([
      ['acme/b', 'closed'],
      ['acme/d', 'closed'],
    ]);
    expect(threadTexts(id, 'state-notice')).toEqual(["The abort's closes are done: 2 PRs closed."]);
    expect(rootText(id)).toContain('1 target had merged · 2 PRs closed · 3 targets stopped, not done.');
    // Nothing more on a later tick: the notice is posted once.
    await tick();
    expect(threadTexts(id, 'state-notice')).toHaveLength(1);
  });

  test('a reason given is kept after the name; a PR merged meanwhile is said to stay merged', async () => {
    const id = await seedMidCampaign();
    const d = h.fake.state.listPulls().find((p) => p.repo === 'acme/d')!;
    await service().abort(id, 'UADMIN1', 'superseded by v2');
    expect(h.store.campaigns.get(id)!.stateReason).toBe('aborted by <@UADMIN1>: superseded by v2');
    await h.github.mergePr({ repo: 'acme/d', number: d.number, sha: (await h.github.getPr('acme/d', d.number))!.headSha, method: 'squash' });
    await tick();
    expect(threadTexts(id, 'final-summary')[0]).toContain('aborted by <@UADMIN1>: superseded by v2 after ');
    expect(rootText(id)).toContain(':x: *aborted* by <@UADMIN1>: superseded by v2');
    expect(threadTexts(id, 'state-notice')).toEqual(["The abort's closes are done: 1 PR closed; 1 had merged meanwhile and stays merged."]);
  });

  test('a PR the close pass could not close is named in the thread, to close by hand', async () => {
    const id = await seedMidCampaign();
    await service().abort(id, 'UOWNER1');
    const b = h.store.targets.findByRepo(id, 'acme/b')!;
    // GitHub refuses the close of acme/b for good; acme/d closes as usual.
    const refusing: typeof closeStep = { ...closeStep, run: async (ctx) => (ctx.target.repo === 'acme/b' ? { kind: 'failed', retryable: false, reason: 'GitHub answered 403: Resource not accessible by integration' } : closeStep.run(ctx)) };
    await tick([refusing]);
    expect(threadTexts(id, 'state-notice')).toEqual([
      `The abort's closes are done: 1 PR closed. 1 could not be closed, close it by hand: \`acme/b\` (PR #${b.prNumber}): GitHub answered 403: Resource not accessible by integration.`,
    ]);
    expect(rootText(id)).toContain('1 PR closed, 1 could not be closed (see the thread)');
  });

  test('onAbort: leave says which PRs stay open, and closes nothing', async () => {
    const id = await seedMidCampaign(makeSpec({ targets: { repos: REPOS }, onAbort: 'leave' }));
    await service().abort(id, 'UOWNER1');
    const [summary] = threadTexts(id, 'final-summary');
    expect(summary).toContain("*Left open (2)*, as the spec's `onAbort: leave` asks: `acme/b`");
    expect(summary).not.toContain('Closing');
    expect(rootText(id)).toContain('1 target had merged · open PRs stay open (`onAbort: leave`) · 3 targets stopped, not done.');
    await tick();
    expect(h.fake.state.listPulls().every((p) => p.state === 'open')).toBe(true);
    expect(threadTexts(id, 'state-notice')).toEqual([]);
  });

  test('the digest and the campaign list count done work: an aborted campaign with one merge is at 1 of 4', async () => {
    const id = await seedMidCampaign();
    await service().abort(id, 'UOWNER1');
    const digest = buildDigest(h.store, 'CCHAN1', h.now());
    expect(digest.campaigns.find((c) => c.id === id)).toMatchObject({ state: 'aborted', done: 1, total: 4 });
    expect(service().list().find((c) => c.id === id)).toMatchObject({ done: 1, counts: { succeeded: 1, skipped: 3 } });
    expect(JSON.stringify(statusMessage(toStatusInput(service().status(id))).blocks)).toContain('` 1/4');
    expect(JSON.stringify(listMessage(service().list()).blocks)).toContain('aborted · 1/4');
    // A target a person skipped is done work; only the abort's stopped targets are not.
    const other = seedCampaign(h.store, { id: 'c-other', waves: [['acme/x', 'acme/y']] });
    await service().skip(other, 'acme/x', 'UOWNER1');
    expect(service().list().find((c) => c.id === other)).toMatchObject({ done: 1 });
  });

  test('a completed campaign keeps its share line', () => {
    const text = JSON.stringify(finalSummary({ campaignId: 'c-1', name: 'x', state: 'completed', counts: { succeeded: 4 }, durationMs: 60_000, humanTouched: 1, total: 4, approvals: 1, done: 4 }).blocks);
    expect(text).toContain('1 of 4 targets needed a person (25%) · 1 approval');
  });
});
