import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CampaignSpec } from '../../src/domain/spec.js';
import { createCampaignService } from '../../src/campaigns/service.js';
import { runTick } from '../../src/engine/tick.js';
import { createOctokit } from '../../src/github/create-octokit.js';
import { createGateway } from '../../src/github/gateway.js';
import { createSimulatedProvider } from '../../src/metrics/simulated.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';
import { createDefaultRegistry } from '../../src/steps/registry.js';
import { openTempStore, type TempStore } from './helpers.js';

const REPOS = ['api', 'web', 'worker', 'ledger', 'search', 'billing'];
const OWNER = 'UOWNER1';

function packageJson(name: string): string {
  return `${JSON.stringify({ name, version: '1.0.0', dependencies: { lodash: '4.17.15', express: '^4.19.2' } }, null, 2)}\n`;
}

function makeRunSpec(failureBudget: number | string): CampaignSpec {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    owner: OWNER,
    approvers: { users: ['UAPPROVER1'] },
    channel: 'CCHAN1',
    targets: { repos: REPOS.map((r) => `acme/${r}`), canary: ['acme/api', 'acme/web'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
    pr: { title: 'Bump lodash to 4.17.21' },
    steps: ['open-pr', { kind: 'await-checks', options: { pollEvery: '1m' } }, 'compliance', { kind: 'canary', options: { duration: '5m' } }, 'gate', 'merge', { kind: 'bake', options: { duration: '5m' } }],
    waves: [2, '100%'],
    policy: { failureBudget, auto: 99, review: 50 },
    canary: { provider: 'simulated', lookback: '5m', step: '10s', metrics: [{ name: 'http_error_rate', direction: 'increase', critical: true }, { name: 'latency_p99', direction: 'increase' }] },
  });
}

describe('a campaign over the fake GitHub, driven by ticks alone', () => {
  let t: TempStore;
  let fake: FakeGitHub;

  beforeEach(async () => {
    t = openTempStore();
    // The sandbox's CD deploys each merge to production, which the bake waits for.
    fake = await startFakeGitHub({ port: 0, now: () => Date.UTC(2025, 2, 3, 9, 0), cd: {} });
    for (const name of REPOS) {
      fake.state.seedRepo({
        owner: 'acme',
        name,
        files: { 'package.json': packageJson(name), 'README.md': `# ${name}\n`, '.github/CODEOWNERS': '* @acme/platform\n' },
        protection: { requiredChecks: ['build', 'test'] },
        ci: { checks: ['build', 'test'], outcome: 'pass', durationMs: 90_000 },
      });
    }
  });
  afterEach(async () => {
    await fake.close();
    t.close();
  });

  async function drive(regressing: string[], until: (state: string) => boolean, maxTicks = 200) {
    const now = () => fake.state.now();
    const octokit = createOctokit({ auth: { token: 'test-token' }, baseUrl: fake.url, store: t.store, now, throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 }, retry: { retries: 0 } });
    const deps = { github: createGateway({ octokit, now }), metrics: { simulated: createSimulatedProvider({ seed: 3, truth: (repo) => ({ regresses: regressing.includes(repo), kind: 'errors' }) }) }, store: t.store };
    const registry = createDefaultRegistry();
    for (let i = 0; i < maxTicks; i++) {
      await runTick({ store: t.store, registry, deps, now, limits: { maxTargets: 50, concurrency: 4, stepTimeoutMs: 20_000 } });
      const state = t.store.campaigns.list()[0]?.state ?? 'none';
      if (until(state)) return state;
      fake.state.advance(120_000);
      await fake.state.flushWebhooks();
    }
    return t.store.campaigns.list()[0]?.state ?? 'none';
  }

  function createService(spec: CampaignSpec) {
    const now = () => fake.state.now();
    const octokit = createOctokit({ auth: { token: 'test-token' }, baseUrl: fake.url, store: t.store, now, retry: { retries: 0 } });
    return createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec, source: 'test' }) },
      gateway: createGateway({ octokit, now }),
      admins: [],
      launchers: { users: [OWNER], groups: [] },
      resolveGroupMembers: async () => [],
      now,
      wake: () => undefined,
      newId: () => 'c-run',
    });
  }

  test('stops at a review gate until approved, then completes', async () => {
    const spec = makeRunSpec(1);
    const service = createService(spec);
    const campaign = await service.start({ catalog: 'bump-lodash' }, OWNER);
    const reached = await drive([], (s) => s === 'awaiting-approval');
    expect(reached).toBe('awaiting-approval');
    const gate = service.status(campaign.id).openGate!;
    expect(gate).toMatchObject({ wave: 0, kind: 'wave', decision: 'review' });
    // nothing moves while the gate waits
    expect(await drive([], () => false, 5)).toBe('awaiting-approval');
    expect(t.store.targets.list(campaign.id, 1).every((x) => x.state === 'pending')).toBe(true);
    await service.approve(campaign.id, 'UAPPROVER1');
    // the last wave's gate guards its merges too: it asks again, and nothing merges before
    expect(await drive([], (s) => s !== 'running')).toBe('awaiting-approval');
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(2);
    await service.approve(campaign.id, 'UAPPROVER1');
    const final = await drive([], (s) => s === 'completed' || s === 'halted');
    expect(final).toBe('completed');
    expect(t.store.targets.list(campaign.id).map((x) => x.state)).toEqual(REPOS.map(() => 'succeeded'));
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(REPOS.length);
    const kinds = t.store.events.list({ campaignId: campaign.id }).map((e) => e.kind).filter((k) => k.startsWith('campaign.') || k.startsWith('gate.') || k.startsWith('wave.'));
    console.log(`events of the run: ${kinds.join(' → ')}`);
    expect(kinds[0]).toBe('campaign.started');
    expect(kinds).toContain('gate.opened');
    expect(kinds.at(-1)).toBe('campaign.completed');
  }, 240_000);

  test('halts on an injected regression', async () => {
    const spec = makeRunSpec(1);
    const service = createService(spec);
    const campaign = await service.start({ catalog: 'bump-lodash' }, OWNER);
    expect(await drive([], (s) => s === 'awaiting-approval')).toBe('awaiting-approval');
    await service.approve(campaign.id, 'UAPPROVER1');
    const wave1 = t.store.targets.list(campaign.id, 1).map((x) => x.repo);
    const regressing = wave1;
    const final = await drive(regressing, (s) => s === 'completed' || s === 'halted' || s === 'paused');
    expect(final).toBe('halted');
    const failed = regressing.map((repo) => t.store.targets.findByRepo(campaign.id, repo)!).filter((x) => x.state === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    for (const bad of failed) {
      expect(bad.stateReason).toContain('Canary failed');
      expect(bad.mergedSha).toBeNull();
    }
    // nothing of wave 1 merged: the gate before merge never opened
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(2);
    expect(t.store.campaigns.get(campaign.id)?.stateReason).toContain('failure budget');
  }, 240_000);
});
