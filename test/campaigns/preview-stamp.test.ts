import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hashSpec } from '../../src/campaigns/plan-campaign.js';
import { createCampaignService, type PlanWaves } from '../../src/campaigns/service.js';
import type { Gateway, RepoInfo } from '../../src/github/gateway.js';
import type { CampaignSpec } from '../../src/domain/spec.js';
import { makeSpec, openTempStore, seedCampaign, type TempStore } from '../engine/helpers.js';

function repoInfo(fullName: string): RepoInfo {
  return { fullName, defaultBranch: 'main', archived: false, topics: [], language: 'TypeScript', deleteBranchOnMerge: false };
}

/** Only the calls preview and start make; these repositories have no default branch to read. */
const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'getRepos') return async (repos: readonly string[]) => ({ found: repos.map(repoInfo), missing: [] });
    if (name === 'getBranchSha') return async () => undefined;
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected gateway call ${String(name)}`);
    };
  },
});

const planWaves: PlanWaves = (targets) => [{ index: 0, repos: targets.map((t) => t.repo) }];

/** 2026-12-01 14:02 UTC. */
const PREVIEWED = Date.UTC(2026, 11, 1, 14, 2);

describe('a Launch from a preview', () => {
  let t: TempStore;
  let clock = PREVIEWED;
  let spec: CampaignSpec;
  let ids = 0;
  const make = () =>
    createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec, source: 'catalog:bump-lodash' }) },
      gateway,
      planWaves,
      admins: ['UADMIN1'],
      launchers: { users: ['UOWNER1'], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => clock,
      wake: () => {},
      newId: () => `c-${++ids}`,
    });

  beforeEach(() => {
    t = openTempStore();
    clock = PREVIEWED;
    spec = makeSpec();
    ids = 0;
  });
  afterEach(() => t.close());

  test('starts once, records the preview, and a second Launch says who launched it and when', async () => {
    const service = make();
    const preview = await service.preview({ catalog: 'bump-lodash' });
    expect(preview.id).toMatch(/^p-[0-9a-f]{12}$/);
    expect(preview).toMatchObject({ at: PREVIEWED, specHash: hashSpec(spec) });
    const stamp = { id: preview.id, at: preview.at, specHash: preview.specHash };
    clock = PREVIEWED + 3 * 60_000;
    const started = await service.start({ catalog: 'bump-lodash' }, 'UOWNER1', stamp);
    expect(t.store.events.list({ kinds: ['campaign.started'] }).map((e) => e.data.previewId)).toEqual([preview.id]);

    clock = PREVIEWED + 5 * 60_000;
    await expect(service.start({ catalog: 'bump-lodash' }, 'UADMIN1', stamp)).rejects.toMatchObject({
      code: 'conflict',
      message: `This preview was already launched: <@UOWNER1> started bump-lodash (\`${started.id}\`) at 14:05 UTC. Follow it in <#CCHAN1>, or type \`/fleet status ${started.id}\`.`,
    });
    // Even after ten minutes, an already launched preview says what it launched rather than that it is old.
    clock = PREVIEWED + 60 * 60_000;
    await expect(service.start({ catalog: 'bump-lodash' }, 'UOWNER1', stamp)).rejects.toThrow(/already launched/);
    expect(t.store.campaigns.list().map((c) => c.id)).toEqual([started.id]);
  });

  test('two clicks on one Launch at once start one campaign; the other is told it was launched', async () => {
    const service = make();
    const preview = await service.preview({ catalog: 'bump-lodash' });
    const stamp = { id: preview.id, at: preview.at, specHash: preview.specHash };
    const results = await Promise.allSettled([service.start({ catalog: 'bump-lodash' }, 'UOWNER1', stamp), service.start({ catalog: 'bump-lodash' }, 'UADMIN1', stamp)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as Error).message).toMatch(/^This preview was already launched: <@U(OWNER|ADMIN)1> started bump-lodash \(`c-\d`\) at 14:02 UTC\./);
    expect(t.store.campaigns.list()).toHaveLength(1);
  });

  test('a preview older than ten minutes is refused and starts nothing', async () => {
    const service = make();
    const preview = await service.preview({ catalog: 'bump-lodash' });
    clock = PREVIEWED + 10 * 60_000;
    const fresh = await service.start({ catalog: 'bump-lodash' }, 'UOWNER1', { id: `p-aaaaaa${preview.id.slice(8)}`, at: preview.at, specHash: preview.specHash });
    expect(fresh.state).toBe('running');
    clock = PREVIEWED + 10 * 60_000 + 1;
    await expect(service.start({ catalog: 'bump-lodash' }, 'UOWNER1', { id: preview.id, at: preview.at, specHash: preview.specHash })).rejects.toMatchObject({
      code: 'conflict',
      message: 'This preview is from 14:02 UTC, more than 10 minutes ago; run `/fleet preview bump-lodash` again and launch from the new preview.',
    });
    expect(t.store.campaigns.list()).toHaveLength(1);
  });

  test('a preview of a catalog spec that changed since is refused and starts nothing', async () => {
    const service = make();
    const preview = await service.preview({ catalog: 'bump-lodash' });
    spec = makeSpec({ change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.22' } } });
    clock = PREVIEWED + 60_000;
    await expect(service.start({ catalog: 'bump-lodash' }, 'UOWNER1', { id: preview.id, at: preview.at, specHash: preview.specHash })).rejects.toMatchObject({
      code: 'conflict',
      message: 'The spec bump-lodash changed after this preview was made at 14:02 UTC; run `/fleet preview bump-lodash` again to see what a launch would do now.',
    });
    expect(t.store.campaigns.list()).toEqual([]);
    expect(t.store.events.list({ kinds: ['campaign.started'] })).toEqual([]);
  });

  test('a form preview has no spec hash to compare; its age still counts', async () => {
    const service = make();
    const ref = { spec, source: 'slack:start-form' };
    await expect(service.start(ref, 'UOWNER1', { id: 'p-0123456789ab', at: PREVIEWED - 11 * 60_000 })).rejects.toThrow(
      'This preview is from 13:51 UTC, more than 10 minutes ago; type `/fleet start` and preview the form again and launch from the new preview.',
    );
    expect((await service.start(ref, 'UOWNER1', { id: 'p-0123456789ab', at: PREVIEWED })).state).toBe('running');
  });
});

describe('a second click on a decided button', () => {
  let t: TempStore;
  const clock = Date.UTC(2026, 11, 1, 14, 5);
  const make = () =>
    createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec: makeSpec(), source: 'catalog:bump-lodash' }) },
      gateway,
      planWaves,
      admins: ['UADMIN1'],
      launchers: { users: ['UOWNER1'], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => clock,
      wake: () => {},
    });

  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  test('Approve of a gate already approved says who approved which wave and when', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    const gate = t.store.gates.open({ campaignId: id, wave: 1, kind: 'wave', decision: 'review', confidence: {}, now: clock });
    const service = make();
    await service.approve(id, 'UAPPROVER1', gate.id);
    await expect(service.approve(id, 'UADMIN1', gate.id)).rejects.toMatchObject({ code: 'conflict', message: '<@UAPPROVER1> already approved wave 2 at 14:05 UTC; the campaign is running: pause or abort it if it must stop.' });
    await expect(service.reject(id, 'UADMIN1', gate.id)).rejects.toThrow('<@UAPPROVER1> already approved wave 2 at 14:05 UTC; the campaign is running: pause or abort it if it must stop.');
    expect(t.store.events.list({ campaignId: id, kinds: ['gate.approved', 'gate.rejected'] })).toHaveLength(1);
  });

  test('Skip of a target already skipped says who skipped it and when; Retry of one retried says what it is doing', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b']] });
    const service = make();
    await service.skip(id, 'acme/a', 'UOWNER1');
    await expect(service.skip(id, 'acme/a', 'UADMIN1')).rejects.toMatchObject({ code: 'conflict', message: '<@UOWNER1> already skipped acme/a at 14:05 UTC; nothing more to do.' });
    const b = t.store.targets.findByRepo(id, 'acme/b')!;
    t.store.targets.update(b.id, b.version, { state: 'needs-attention' }, clock);
    await service.retry(id, 'acme/b', 'UOWNER1');
    await expect(service.retry(id, 'acme/b', 'UADMIN1')).rejects.toThrow(`<@UOWNER1> already retried acme/b at 14:05 UTC; it is pending now. Type \`/fleet status ${id}\` to follow it.`);
    expect(t.store.events.list({ campaignId: id }).map((e) => e.kind)).toEqual(['target.skipped', 'target.retried']);
  });
});
