import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService } from '../../src/campaigns/service.js';
import { closeSlotOf } from '../../src/engine/campaign-spec.js';
import { runTick, type TickLimits } from '../../src/engine/tick.js';
import type { Gateway } from '../../src/github/gateway.js';
import { closeStep } from '../../src/steps/close.js';
import { createStepRegistry } from '../../src/steps/registry.js';
import type { Store } from '../../src/store/store.js';
import { startHarness, writesIn, type Harness } from '../github/harness.js';
import { createFixedConfidence, makeSpec, seedCampaign } from './helpers.js';

interface Deps {
  github: Gateway;
  store: Store;
}

const LIMITS: TickLimits = { maxTargets: 100, concurrency: 2, stepTimeoutMs: 5_000, backoffBaseMs: 1_000 };
const REPOS = ['acme/a', 'acme/b'];

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A campaign whose targets each have an open PR on fleet/bump-lodash in the fake GitHub. */
async function seedOpenPrs(spec = makeSpec({ targets: { repos: REPOS } })): Promise<string> {
  // Paused: the targets' own steps stay out of the way; closes run whatever the campaign's state.
  const id = seedCampaign(h.store, { spec, waves: [REPOS], state: 'paused' });
  for (const repo of REPOS) {
    h.fake.state.seedRepo({ owner: 'acme', name: repo.split('/')[1], files: { 'package.json': '{}\n' } });
    await h.github.commitFiles({ repo, baseBranch: 'main', branch: 'fleet/bump-lodash', message: 'Bump', files: [{ path: 'package.json', content: '{"x":1}\n' }] });
    const pr = await h.github.openPr({ repo, branch: 'fleet/bump-lodash', base: 'main', title: 'Bump lodash', body: 'Body', marker: { campaignId: id, repo } });
    const target = h.store.targets.findByRepo(id, repo)!;
    h.store.targets.update(target.id, target.version, { state: 'waiting', stepIndex: 1, dueAt: h.now() + 3_600_000, prNumber: pr.number, prUrl: pr.url, branch: 'fleet/bump-lodash' }, h.now());
  }
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

async function tick() {
  const registry = createStepRegistry<Deps>([closeStep]);
  return runTick({ store: h.store, registry, deps: { github: h.github, store: h.store }, now: h.now, limits: LIMITS, confidence: createFixedConfidence().model });
}

async function commentsOn(repo: string, number: number): Promise<string[]> {
  const [owner, name] = repo.split('/');
  return (await h.octokit.rest.issues.listComments({ owner, repo: name, issue_number: number })).data.map((c) => c.body ?? '');
}

describe('closing the PRs of skipped and aborted targets', () => {
  test('a skip closes the PR after the transaction, says who and why, deletes the branch, once', async () => {
    const id = await seedOpenPrs();
    const skipped = await service().skip(id, 'acme/a', 'UOWNER1', 'the team is replacing lodash');
    expect(skipped).toMatchObject({ state: 'skipped', dueAt: h.now() });
    // Nothing reached GitHub yet: the skip only recorded the close.
    expect(h.fake.state.listPulls().every((p) => p.state === 'open')).toBe(true);
    expect(h.store.steps.get(skipped.id, closeSlotOf(3))).toMatchObject({ kind: 'close', status: 'pending', data: { cause: 'skip', actor: 'UOWNER1' } });

    const report = await tick();
    expect(report.outcomes).toMatchObject({ closed: 1 });
    const a = h.fake.state.listPulls().find((p) => p.repo === 'acme/a')!;
    expect(a).toMatchObject({ state: 'closed', merged: false });
    expect(h.fake.state.listPulls().find((p) => p.repo === 'acme/b')).toMatchObject({ state: 'open' });
    expect(await h.github.getBranchSha('acme/a', 'fleet/bump-lodash')).toBeUndefined();
    expect(await commentsOn('acme/a', a.number)).toEqual([
      'Fleet closed this PR: Slack user UOWNER1 skipped this repository in campaign bump-lodash (c-test). Reason: the team is replacing lodash\n\n<!-- fleet:close campaign=c-test target=acme/a -->\n',
    ]);
    expect(h.store.steps.get(skipped.id, closeSlotOf(3))).toMatchObject({ status: 'done' });
    expect(h.store.events.list({ campaignId: id }).map((e) => e.kind)).toEqual(['target.skipped', 'pr.closed']);

    const writes = writesIn(h.fake).length;
    expect((await tick()).picked).toBe(0);
    expect(writesIn(h.fake)).toHaveLength(writes);
  });

  test('a person cannot skip a target whose step is running', async () => {
    const id = await seedOpenPrs();
    const target = h.store.targets.findByRepo(id, 'acme/a')!;
    h.store.targets.update(target.id, target.version, { state: 'running' }, h.now());
    await expect(service().skip(id, 'acme/a', 'UOWNER1')).rejects.toMatchObject({ code: 'transition_refused', message: 'acme/a: A running target cannot be skipped; its step is running; try again in a moment.' });
  });

  test('an abort closes every open PR with the reason (onAbort: close, the default)', async () => {
    const id = await seedOpenPrs();
    await service().abort(id, 'UOWNER1', 'superseded by v2');
    expect(h.store.targets.list(id).map((t) => t.state)).toEqual(['skipped', 'skipped']);
    // The campaign is aborted: its targets are no longer due for steps, but their closes run.
    await tick();
    for (const pull of h.fake.state.listPulls()) {
      expect(pull).toMatchObject({ state: 'closed', merged: false });
      expect(await commentsOn(pull.repo, pull.number)).toEqual([
        `Fleet closed this PR: Slack user UOWNER1 aborted campaign bump-lodash (c-test). Reason: superseded by v2\n\n<!-- fleet:close campaign=c-test target=${pull.repo} -->\n`,
      ]);
    }
  });

  test('an abort while open-pr is opening the PR still closes it; a target that never began needs no close', async () => {
    const id = seedCampaign(h.store, { spec: makeSpec({ targets: { repos: REPOS } }), waves: [REPOS], state: 'running' });
    h.fake.state.seedRepo({ owner: 'acme', name: 'a', files: { 'package.json': '{}\n' } });
    // acme/a: its open-pr step is running and has just opened the PR; its number is not recorded yet.
    const a = h.store.targets.findByRepo(id, 'acme/a')!;
    h.store.targets.update(a.id, a.version, { state: 'running' }, h.now());
    await h.github.commitFiles({ repo: 'acme/a', baseBranch: 'main', branch: 'fleet/bump-lodash', message: 'Bump', files: [{ path: 'package.json', content: '{"x":1}\n' }] });
    await h.github.openPr({ repo: 'acme/a', branch: 'fleet/bump-lodash', base: 'main', title: 'Bump lodash', body: 'Body', marker: { campaignId: id, repo: 'acme/a' } });
    await service().abort(id, 'UOWNER1', 'wrong version');
    const b = h.store.targets.findByRepo(id, 'acme/b')!;
    expect(h.store.steps.get(b.id, closeSlotOf(3))).toBeUndefined();
    await tick();
    expect(h.fake.state.listPulls().map((p) => [p.repo, p.state])).toEqual([['acme/a', 'closed']]);
  });

  test('onAbort: leave keeps the PRs open; a skip still closes', async () => {
    const id = await seedOpenPrs(makeSpec({ targets: { repos: REPOS }, onAbort: 'leave' }));
    await service().skip(id, 'acme/a', 'UOWNER1');
    await service().abort(id, 'UOWNER1');
    await tick();
    expect(h.fake.state.listPulls().map((p) => [p.repo, p.state])).toEqual([
      ['acme/a', 'closed'],
      ['acme/b', 'open'],
    ]);
    const b = h.store.targets.findByRepo(id, 'acme/b')!;
    expect(b).toMatchObject({ state: 'skipped', dueAt: 0 });
    expect(h.store.steps.get(b.id, closeSlotOf(3))).toBeUndefined();
    expect(await commentsOn('acme/a', 1)).toEqual([expect.stringContaining('Slack user UOWNER1 skipped this repository in campaign bump-lodash (c-test). No reason was given.')]);
  });

  test('a merged PR is never closed; a PR already closed by a person gets no comment', async () => {
    const id = await seedOpenPrs();
    const [a, b] = h.fake.state.listPulls();
    await h.octokit.rest.pulls.update({ owner: 'acme', repo: 'b', pull_number: b.number, state: 'closed' });
    const merged = await h.github.mergePr({ repo: 'acme/a', number: a.number, sha: (await h.github.getPr('acme/a', a.number))!.headSha, method: 'squash' });
    expect(merged.kind).toBe('merged');
    await service().abort(id, 'UOWNER1');
    await tick();
    expect(h.fake.state.listPulls().map((p) => [p.repo, p.state, p.merged])).toEqual([
      ['acme/a', 'closed', true],
      ['acme/b', 'closed', false],
    ]);
    expect(await commentsOn('acme/a', a.number)).toEqual([]);
    expect(await commentsOn('acme/b', b.number)).toEqual([]);
    expect(h.store.events.list({ campaignId: id }).map((e) => e.kind)).toEqual(['campaign.aborted', 'pr.close-skipped']);
  });
});
