import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService, type PlanWaves } from '../../src/campaigns/service.js';
import { isFleetError } from '../../src/errors.js';
import type { Gateway, RepoInfo } from '../../src/github/gateway.js';
import { createStore } from '../../src/store/store.js';
import { readSteps } from '../../src/engine/campaign-spec.js';
import { openDatabase } from '../../src/store/database.js';
import { makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from '../engine/helpers.js';

function repoInfo(fullName: string): RepoInfo {
  return { fullName, defaultBranch: 'main', archived: false, topics: [], language: 'TypeScript', deleteBranchOnMerge: false };
}

/** Only the calls start makes; any other call fails the test. */
const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'getRepos') return async (repos: readonly string[]) => ({ found: repos.filter((r) => r !== 'acme/gone').map(repoInfo), missing: repos.filter((r) => r === 'acme/gone') });
    // Planning reads each repository's CI health from its default branch; these have none.
    if (name === 'getBranchSha') return async () => undefined;
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected gateway call ${String(name)}`);
    };
  },
});

const planWaves: PlanWaves = (targets, sizes) => {
  const first = typeof sizes[0] === 'number' ? sizes[0] : 1;
  return [
    { index: 0, repos: targets.slice(0, first).map((t) => t.repo) },
    { index: 1, repos: targets.slice(first).map((t) => t.repo) },
  ];
};

describe('campaign service', () => {
  let t: TempStore;
  const clock = 50_000;
  let wakes = 0;
  const make = (store = t.store, options: { launchers?: { users: string[]; groups: string[] }; orgs?: string[] | null } = {}) =>
    createCampaignService({
      store,
      catalog: { list: async () => [], load: async () => ({ spec: makeSpec(), source: 'catalog:bump-lodash' }) },
      gateway,
      planWaves,
      admins: ['UADMIN1'],
      launchers: options.launchers ?? { users: ['UOWNER1'], groups: ['SLAUNCH1'] },
      orgs: options.orgs,
      resolveGroupMembers: async (g) => (g === 'SGROUP1' ? ['UGROUPIE1'] : g === 'SLAUNCH1' ? ['ULAUNCHER1'] : []),
      now: () => clock,
      wake: () => {
        wakes += 1;
      },
      newId: () => 'c-new',
    });

  beforeEach(() => {
    t = openTempStore();
    wakes = 0;
  });
  afterEach(() => t.close());

  test('start stores the campaign, its targets in waves, an event and the root post in one go, then wakes the engine', async () => {
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c', 'acme/gone'] } });
    const campaign = await make().start({ spec, source: 'inline' }, 'UOWNER1');
    expect(campaign).toMatchObject({ id: 'c-new', state: 'running', waveCount: 2, owner: 'UOWNER1' });
    expect(t.store.targets.list('c-new').map((x) => [x.repo, x.wave])).toEqual([
      ['acme/a', 0],
      ['acme/b', 1],
      ['acme/c', 1],
    ]);
    expect(t.store.events.list({ campaignId: 'c-new' }).map((e) => e.kind)).toEqual(['campaign.started']);
    const [root] = t.store.outbox.list({ campaignId: 'c-new' });
    expect({ ...root, ...renderRow(t.store, root) }).toMatchObject({ method: 'chat.postMessage', threadOf: null, root: true });
    expect(wakes).toBe(1);
  });

  test('a stranger is refused, the attempt recorded, and the refusal names who may act', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const error = await make().pause(id, 'USTRANGER1').catch((e: unknown) => e);
    expect(isFleetError(error, 'forbidden')).toBe(true);
    expect((error as Error).message).toBe('Only <@UOWNER1>, the approvers (<@UAPPROVER1>, <!subteam^SGROUP1>) or an admin can pause this campaign.');
    expect(t.store.events.list({ campaignId: id }).map((e) => [e.kind, e.actor])).toEqual([['auth.refused', 'USTRANGER1']]);
    expect(t.store.campaigns.get(id)?.state).toBe('running');
  });

  test('a member of an approver group may approve', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: { confidence: 70 }, now: clock });
    const c = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, c.version, { state: 'awaiting-approval' }, clock);
    const decided = await make().approve(id, 'UGROUPIE1');
    expect(decided).toMatchObject({ id: gate.id, state: 'approved', decidedBy: 'UGROUPIE1' });
    expect(t.store.campaigns.get(id)?.state).toBe('running');
  });

  test('two approvals at once on two connections: one decision, the loser told who decided first', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: clock });
    const c = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, c.version, { state: 'awaiting-approval' }, clock);
    const otherDb = openDatabase(t.file);
    const results = await Promise.allSettled([make().approve(id, 'UADMIN1'), make(createStore(otherDb)).approve(id, 'UAPPROVER1')]);
    otherDb.close();
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isFleetError(lost[0].reason, 'conflict')).toBe(true);
    expect((lost[0].reason as Error).message).toMatch(/^<@U(ADMIN|APPROVER)1> already approved wave 1 at \d\d:\d\d UTC; the campaign is running: pause or abort it if it must stop\.$/);
    expect(t.store.events.list({ campaignId: id, kinds: ['gate.approved'] })).toHaveLength(1);
  });

  test('reject halts the campaign', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: clock });
    await make().reject(id, 'UOWNER1');
    expect(t.store.campaigns.get(id)).toMatchObject({ state: 'halted', stateReason: 'wave 1 was rejected by <@UOWNER1>' });
  });

  test('resume after an expired approval request asks again instead of approving', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: clock, expiresAt: clock + 1 });
    t.store.gates.decide(gate.id, 'expired', 'engine', clock + 2);
    const c = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, c.version, { state: 'paused' }, clock);
    const resumed = await make().resume(id, 'UOWNER1');
    expect(resumed.state).toBe('awaiting-approval');
    expect(t.store.gates.get(gate.id)?.state).toBe('open');
  });

  test('pause, retry and skip record events; abort skips what is left', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b', 'acme/c']] });
    const service = make();
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a.id, a.version, { state: 'needs-attention', attempts: 5 }, clock);
    const retried = await service.retry(id, 'acme/a', 'UOWNER1');
    expect(retried).toMatchObject({ state: 'pending', attempts: 0, dueAt: clock });
    await service.skip(id, 'acme/b', 'UAPPROVER1');
    await service.pause(id, 'UADMIN1');
    expect(service.status(id).state).toBe('paused');
    await service.abort(id, 'UOWNER1');
    expect(t.store.targets.list(id).map((x) => x.state)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(t.store.events.list({ campaignId: id }).map((e) => e.kind)).toEqual(['target.retried', 'target.skipped', 'campaign.paused', 'campaign.aborted']);
  });

  test('retry of a target whose merge found a conflict goes back to open-pr, marked to rebuild; the steps after it start afresh', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b']] });
    const steps = readSteps(t.store.campaigns.get(id)!);
    const openPr = steps.findIndex((s) => s.kind === 'open-pr');
    const merge = steps.findIndex((s) => s.kind === 'merge');
    expect(openPr).toBeGreaterThanOrEqual(0);
    expect(merge).toBeGreaterThan(openPr + 1);
    for (const repo of ['acme/a', 'acme/b']) {
      const target = t.store.targets.findByRepo(id, repo)!;
      t.store.targets.update(target.id, target.version, { state: 'needs-attention', stepIndex: merge }, clock);
      t.store.steps.save({ targetId: target.id, stepIndex: openPr, kind: 'open-pr', status: 'done', data: { prNumber: 7 }, now: clock, finished: true });
      t.store.steps.save({ targetId: target.id, stepIndex: openPr + 1, kind: steps[openPr + 1].kind, status: 'done', data: { headSha: 'old' }, now: clock, finished: true });
      // acme/a: a conflict; acme/b: blocked by a review, which a rebuild would not mend.
      t.store.steps.save({ targetId: target.id, stepIndex: merge, kind: 'merge', status: 'needs-human', data: repo === 'acme/a' ? { mergeableState: 'dirty', rebuild: 'dirty' } : { mergeableState: 'blocked' }, now: clock });
    }
    const service = make();
    const a = await service.retry(id, 'acme/a', 'UOWNER1');
    expect(a).toMatchObject({ state: 'pending', stepIndex: openPr, dueAt: clock });
    expect(t.store.steps.get(a.id, openPr)?.data).toEqual({ prNumber: 7, rebuild: 'dirty' });
    expect(t.store.steps.get(a.id, openPr + 1)?.data).toEqual({});
    expect(t.store.steps.get(a.id, merge)?.data).toEqual({});
    const b = await service.retry(id, 'acme/b', 'UOWNER1');
    expect(b).toMatchObject({ state: 'pending', stepIndex: merge });
    expect(t.store.steps.get(b.id, openPr)?.data).toEqual({ prNumber: 7 });
    expect(t.store.events.list({ campaignId: id, kinds: ['target.retried'] }).map((e) => e.data)).toEqual([
      { repo: 'acme/a', rebuild: 'dirty', from: 'open-pr' },
      { repo: 'acme/b' },
    ]);
  });

  test('only admins freeze; the freeze is recorded', async () => {
    const service = make();
    await expect(service.setFreeze(true, 'UOWNER1')).rejects.toMatchObject({ code: 'forbidden' });
    await service.setFreeze(true, 'UADMIN1');
    expect(service.isFrozen()).toBe(true);
    expect(t.store.events.list().map((e) => e.kind)).toEqual(['auth.refused', 'freeze.on']);
  });

  test('the freeze shows on the root message of every unfinished campaign, and goes when it is off', async () => {
    const running = seedCampaign(t.store, { id: 'c-run', waves: [['acme/a']] });
    const done = seedCampaign(t.store, { id: 'c-done', waves: [['acme/b']] });
    const c = t.store.campaigns.get(done)!;
    t.store.campaigns.update(done, c.version, { state: 'completed' }, clock);
    const service = make();
    const roots = () => t.store.outbox.list({ state: 'pending' }).filter((m) => m.record?.kind === 'root');
    await service.setFreeze(true, 'UADMIN1');
    expect(roots().map((m) => m.campaignId)).toEqual([running]);
    const frozen = JSON.stringify(renderRow(t.store, roots()[0]).blocks);
    expect(frozen).toContain(':ice_cube: *The global freeze is on*: no step runs anywhere until an admin turns it off.');
    await service.setFreeze(false, 'UADMIN1');
    expect(roots()).toHaveLength(1);
    expect(JSON.stringify(renderRow(t.store, roots()[0]).blocks)).not.toContain('freeze');
  });

  test('waitingFor: the gates a person may approve (four eyes kept), the targets of campaigns they may act on, the campaigns they own', async () => {
    // Launched by an admin for its owner: the owner may approve (four eyes binds the launcher only).
    const open = 'c-open';
    const base = makeSpec();
    t.store.campaigns.insert({ id: open, name: base.name, specJson: JSON.stringify(base), specSource: 'test', changeKind: base.change.kind, owner: 'UOWNER1', launchedBy: 'UADMIN1', channel: 'CCHAN1', state: 'awaiting-approval', waveCount: 1, now: clock });
    t.store.targets.insertMany(open, [{ repo: 'acme/a', wave: 0 }, { repo: 'acme/b', wave: 0 }], clock);
    const gate = t.store.gates.open({ campaignId: open, wave: 0, kind: 'wave', decision: 'review', confidence: { confidence: 67 }, now: clock, expiresAt: clock + 1000 });
    const b = t.store.targets.findByRepo(open, 'acme/b')!;
    t.store.targets.update(b.id, b.version, { state: 'needs-attention', stateReason: 'checks fail', prUrl: 'https://github.com/acme/b/pull/3' }, clock);
    // Launched by the approver (four eyes is the default): the approver may not approve its gates.
    const spec = makeSpec();
    t.store.campaigns.insert({ id: 'c-4eyes', name: 'four-eyes', specJson: JSON.stringify(spec), specSource: 'test', changeKind: spec.change.kind, owner: 'UOTHER1', launchedBy: 'UAPPROVER1', channel: 'CCHAN1', state: 'awaiting-approval', waveCount: 1, now: clock + 1 });
    t.store.targets.insertMany('c-4eyes', [{ repo: 'acme/c', wave: 0 }], clock);
    t.store.gates.open({ campaignId: 'c-4eyes', wave: 0, kind: 'wave', decision: 'review', confidence: { confidence: 70 }, now: clock });
    const service = make();

    const owner = await service.waitingFor('UOWNER1');
    expect(owner.approvals).toEqual([{ campaignId: open, name: 'bump-lodash', channel: 'CCHAN1', gateId: gate.id, wave: 0, waveCount: 1, confidence: 67, expiresAt: clock + 1000 }]);
    expect(owner.targets).toEqual([{ campaignId: open, name: 'bump-lodash', channel: 'CCHAN1', repo: 'acme/b', reason: 'checks fail', prUrl: 'https://github.com/acme/b/pull/3' }]);
    expect(owner.owned.map((c) => c.id)).toEqual([open]);

    const approver = await service.waitingFor('UAPPROVER1');
    expect(approver.approvals.map((a) => a.campaignId)).toEqual([open]);
    expect(approver.targets.map((x) => x.campaignId)).toEqual([open]);
    expect(approver.owned).toEqual([]);

    // A member of the approver group gets both campaigns' gates; an admin who launched one only the other; a stranger nothing.
    expect((await service.waitingFor('UGROUPIE1')).approvals.map((a) => a.campaignId)).toEqual(['c-4eyes', open]);
    expect((await service.waitingFor('UADMIN1')).approvals.map((a) => a.campaignId)).toEqual(['c-4eyes']);
    expect((await service.waitingFor('UADMIN1')).targets.map((x) => x.repo)).toEqual(['acme/b']);
    expect(await service.waitingFor('USTRANGER1')).toEqual({ approvals: [], targets: [], owned: [] });
    // Asking records nothing and changes nothing.
    expect(t.store.events.list()).toEqual([]);
  });

  test('revertWave sends the merged targets of the wave to the revert brick', async () => {
    const id = seedCampaign(t.store, { spec: makeSpec({ steps: ['open-pr', 'merge', 'bake'] }), waves: [['acme/a', 'acme/b']] });
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a.id, a.version, { state: 'failed', stepIndex: 2, mergedSha: 'abc' }, clock);
    const c = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, c.version, { state: 'paused' }, clock);
    expect(await make().revertWave(id, 0, 'UOWNER1')).toBe(1);
    expect(t.store.campaigns.get(id)?.state).toBe('rolling-back');
    expect(t.store.targets.findByRepo(id, 'acme/a')).toMatchObject({ state: 'pending', stepIndex: 3 });
  });

  test('a start puts the repositories in the waves its preview showed, and the estimate uses the configured budget', async () => {
    const seeds: string[] = [];
    const recording: PlanWaves = (targets, sizes, seed) => {
      seeds.push(seed);
      return planWaves(targets, sizes, seed);
    };
    const previewGateway = new Proxy(gateway, {
      get(target, name, receiver) {
        // No default branch: the preview shows no sample diff and makes no other call.
        if (name === 'getBranchSha') return async () => null;
        return Reflect.get(target, name, receiver) as unknown;
      },
    });
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c'] } });
    const service = createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec, source: 'catalog:bump-lodash' }) },
      gateway: previewGateway,
      planWaves: recording,
      admins: [],
      launchers: { users: ['UOWNER1'], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => clock,
      wake: () => undefined,
      newId: () => `c-${seeds.length}`,
      contentPerHour: 3000,
    });
    const preview = await service.preview({ spec, source: 'inline' });
    await service.start({ spec, source: 'inline' }, 'UOWNER1');
    await service.start({ spec, source: 'inline' }, 'UOWNER1');
    expect(seeds).toHaveLength(3);
    expect(new Set(seeds).size).toBe(1);
    expect(preview.estimate.explanation).toContain('content-creating requests at 3000 an hour');
  });

  describe('who may start a campaign', () => {
    const spec = () => makeSpec({ targets: { repos: ['acme/a', 'acme/b'] } });

    test.each([
      ['a launcher named as a user', 'UOWNER1'],
      ['a member of a launcher group', 'ULAUNCHER1'],
      ['an admin', 'UADMIN1'],
    ])('%s may, and is recorded as the launcher', async (_, actor) => {
      const campaign = await make().start({ spec: spec(), source: 'inline' }, actor);
      expect(campaign).toMatchObject({ owner: 'UOWNER1', launchedBy: actor });
      expect(make().status(campaign.id).launchedBy).toBe(actor);
      expect(t.store.events.list({ campaignId: campaign.id })[0]).toMatchObject({ kind: 'campaign.started', actor, data: { owner: 'UOWNER1', launchedBy: actor } });
    });

    test('anyone else is refused with who may, the attempt recorded and nothing created', async () => {
      const error = await make().start({ spec: spec(), source: 'inline' }, 'USTRANGER1').catch((e: unknown) => e);
      expect(isFleetError(error, 'forbidden')).toBe(true);
      expect((error as Error).message).toBe('Only admins and the launchers (<@UOWNER1>, <!subteam^SLAUNCH1>) may start campaigns; ask one of them, or ask an admin to make you a launcher.');
      expect(t.store.events.list().map((e) => [e.kind, e.actor, e.campaignId, e.data])).toEqual([['auth.refused', 'USTRANGER1', null, { action: 'start' }]]);
      expect(t.store.campaigns.list()).toEqual([]);
      expect(wakes).toBe(0);
    });

    test('without FLEET_LAUNCHERS only admins may', async () => {
      const none = { users: [], groups: [] };
      await expect(make(t.store, { launchers: none }).start({ spec: spec(), source: 'inline' }, 'UOWNER1')).rejects.toThrow('Only admins may start campaigns; ask an admin to make you a launcher.');
      await expect(make(t.store, { launchers: none }).start({ spec: spec(), source: 'inline' }, 'UADMIN1')).resolves.toMatchObject({ launchedBy: 'UADMIN1' });
    });
  });

  describe('four eyes', () => {
    async function launched(by: string, fourEyes?: boolean) {
      const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b'] }, ...(fourEyes === undefined ? {} : { policy: { fourEyes } }) });
      const campaign = await make().start({ spec, source: 'inline' }, by);
      t.store.gates.open({ campaignId: campaign.id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: clock });
      const c = t.store.campaigns.get(campaign.id)!;
      t.store.campaigns.update(c.id, c.version, { state: 'awaiting-approval' }, clock);
      return c.id;
    }

    test('the launcher may not approve its own gate, an admin who launched neither; the refusal is recorded', async () => {
      for (const launcher of ['UOWNER1', 'UADMIN1']) {
        t.close();
        t = openTempStore();
        const id = await launched(launcher);
        const error = await make().approve(id, launcher).catch((e: unknown) => e);
        expect(isFleetError(error, 'forbidden')).toBe(true);
        expect((error as Error).message).toBe('You launched this campaign, so another approver or an admin must approve its gates (policy.fourEyes).');
        expect(t.store.events.list({ campaignId: id, kinds: ['auth.refused'] }).map((e) => [e.actor, e.data])).toEqual([[launcher, { action: 'approve' }]]);
        expect(t.store.gates.find(id, 0, 'wave')?.state).toBe('open');
      }
    });

    test('another approver approves, and the launcher may still reject', async () => {
      const id = await launched('UOWNER1');
      await expect(make().approve(id, 'UAPPROVER1')).resolves.toMatchObject({ state: 'approved', decidedBy: 'UAPPROVER1' });
      t.close();
      t = openTempStore();
      const other = await launched('UOWNER1');
      await expect(make().reject(other, 'UOWNER1')).resolves.toMatchObject({ state: 'rejected' });
    });

    test('policy.fourEyes false lets the launcher approve', async () => {
      const id = await launched('UOWNER1', false);
      await expect(make().approve(id, 'UOWNER1')).resolves.toMatchObject({ state: 'approved', decidedBy: 'UOWNER1' });
    });
  });

  describe('FLEET_ORGS', () => {
    test('a spec targeting another organisation is refused at preview and start, naming it', async () => {
      const spec = makeSpec({ targets: { repos: ['acme/a', 'globex/b'] } });
      const service = make(t.store, { orgs: ['acme'] });
      for (const attempt of [() => service.preview({ spec, source: 'inline' }), () => service.start({ spec, source: 'inline' }, 'UOWNER1')]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(isFleetError(error, 'bad_input')).toBe(true);
        expect((error as Error).message).toContain('"globex"');
        expect((error as Error).message).toBe('Campaign bump-lodash targets the organisation "globex", which Fleet may not change here (it may change acme). Target acme instead, or ask an admin to allow "globex".');
      }
      expect(t.store.campaigns.list()).toEqual([]);
    });

    test('the organisations named, in any case, are allowed; unset allows any', async () => {
      const spec = makeSpec({ targets: { repos: ['ACME/a', 'acme/b'] } });
      await expect(make(t.store, { orgs: ['acme'] }).start({ spec, source: 'inline' }, 'UOWNER1')).resolves.toMatchObject({ state: 'running' });
      t.close();
      t = openTempStore();
      await expect(make(t.store, { orgs: null }).start({ spec: makeSpec({ targets: { repos: ['globex/a'] } }), source: 'inline' }, 'UOWNER1')).resolves.toMatchObject({ state: 'running' });
    });
  });
});
