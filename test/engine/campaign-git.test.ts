import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService } from '../../src/campaigns/service.js';
import { CampaignSpec } from '../../src/domain/spec.js';
import { runTick } from '../../src/engine/tick.js';
import { createOctokit } from '../../src/github/create-octokit.js';
import { createGateway } from '../../src/github/gateway.js';
import { sweepWorkspaces } from '../../src/runtime/advance-job.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';
import { renderNotification } from '../../src/slack/render-notification.js';
import { createDefaultRegistry } from '../../src/steps/registry.js';
import { createWorkspacePool, type WorkspacePool } from '../../src/workspace/workspaces.js';
import { openTempStore, type TempStore } from './helpers.js';

/**
 * A whole campaign over the fake GitHub with open-pr in workspaces, as the runtime composes it:
 * every PR's branch arrives by `git push` (the fake's git-receive-pack), none through the git data
 * API, and each target's checkout is gone once it is done.
 */

const REPOS = ['api', 'web', 'worker'];
const OWNER = 'UOWNER1';

describe('a campaign whose PRs are pushed with git', () => {
  let t: TempStore;
  let fake: FakeGitHub;
  let root: string;
  let pool: WorkspacePool;

  beforeEach(async () => {
    t = openTempStore();
    root = mkdtempSync(join(tmpdir(), 'fleet-campaign-ws-'));
    pool = createWorkspacePool({ root, max: 2, maxMb: 1024 });
    fake = await startFakeGitHub({ port: 0, now: () => Date.UTC(2025, 2, 3, 9, 0), tokens: { 'fleet-token': 'fleet-bot' } });
    for (const name of REPOS) {
      fake.state.seedRepo({
        owner: 'acme',
        name,
        files: { 'package.json': `${JSON.stringify({ name, dependencies: { lodash: '4.17.15' } }, null, 2)}\n`, 'README.md': `# ${name}\n`, '.github/CODEOWNERS': '* @acme/platform\n' },
        protection: { requiredChecks: ['build'] },
        ci: { checks: ['build'], outcome: 'pass', durationMs: 60_000 },
      });
    }
  });
  afterEach(async () => {
    await fake.close();
    t.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('opens, checks and merges every PR; the request log has git pushes and no git data API writes', async () => {
    const spec = CampaignSpec.parse({
      name: 'bump-lodash',
      owner: OWNER,
      channel: 'CCHAN1',
      targets: { repos: REPOS.map((r) => `acme/${r}`) },
      change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
      pr: { title: 'Bump lodash to 4.17.21' },
      steps: ['open-pr', { kind: 'await-checks', options: { pollEvery: '1m' } }, 'merge'],
      waves: ['100%'],
    });
    const now = () => fake.state.now();
    const octokit = createOctokit({ auth: { token: 'fleet-token' }, baseUrl: fake.url, store: t.store, now, throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 }, retry: { retries: 0 } });
    const github = createGateway({ octokit, now });
    const service = createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec, source: 'test' }) },
      gateway: github,
      admins: [],
      launchers: { users: [OWNER], groups: [] },
      resolveGroupMembers: async () => [],
      now,
      wake: () => undefined,
      newId: () => 'c-git',
    });
    const campaign = await service.start({ catalog: 'bump-lodash' }, OWNER);
    const deps = { github, store: t.store, metrics: {}, workspaces: pool };
    const registry = createDefaultRegistry();
    for (let i = 0; i < 60 && t.store.campaigns.get(campaign.id)?.state === 'running'; i++) {
      await runTick({ store: t.store, registry, deps, now, limits: { maxTargets: 50, concurrency: 3, stepTimeoutMs: 30_000 } });
      await sweepWorkspaces(t.store, pool);
      fake.state.advance(60_000);
      await fake.state.flushWebhooks();
    }
    expect(t.store.campaigns.get(campaign.id)?.state).toBe('completed');
    expect(t.store.targets.list(campaign.id).map((x) => x.state)).toEqual(REPOS.map(() => 'succeeded'));
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(REPOS.length);

    const routes = fake.requestLog.map((r) => `${r.method} ${r.route}`);
    expect(routes.filter((r) => /^(POST|PATCH) \/repos\/\{owner\}\/\{repo\}\/git\//.test(r))).toEqual([]);
    expect(routes.filter((r) => r === 'POST /{owner}/{repo}.git/git-receive-pack')).toHaveLength(REPOS.length);
    // Each PR's head is the pushed commit, one on top of the default branch it was made from.
    for (const pull of fake.state.listPulls()) expect(pull.title).toBe('Bump lodash to 4.17.21');
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);

  test("a run command that fails on one repository: that target asks a person with the output's tail, in the event and the Slack message; the others go on", async () => {
    const spec = CampaignSpec.parse({
      name: 'bump-lodash',
      owner: OWNER,
      channel: 'CCHAN1',
      targets: { repos: REPOS.map((r) => `acme/${r}`) },
      change: { kind: 'run', options: { commands: [{ run: 'if grep -q worker package.json; then echo "resolving lodash@4.17.21"; echo "ERR! lockfile is corrupt" >&2; exit 1; fi; sed -i "s/4.17.15/4.17.21/" package.json' }] } },
      pr: { title: 'Bump lodash to 4.17.21' },
      steps: ['open-pr'],
      waves: ['100%'],
    });
    const now = () => fake.state.now();
    const octokit = createOctokit({ auth: { token: 'fleet-token' }, baseUrl: fake.url, store: t.store, now, throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 }, retry: { retries: 0 } });
    const github = createGateway({ octokit, now });
    const service = createCampaignService({ store: t.store, catalog: { list: async () => [], load: async () => ({ spec, source: 'test' }) }, gateway: github, admins: [], launchers: { users: [OWNER], groups: [] }, resolveGroupMembers: async () => [], now, wake: () => undefined, newId: () => 'c-run' });
    const campaign = await service.start({ catalog: 'bump-lodash' }, OWNER);
    const deps = { github, store: t.store, metrics: {}, workspaces: pool };
    for (let i = 0; i < 10; i++) {
      await runTick({ store: t.store, registry: createDefaultRegistry(), deps, now, limits: { maxTargets: 50, concurrency: 3, stepTimeoutMs: 30_000 } });
      fake.state.advance(60_000);
    }
    const states = Object.fromEntries(t.store.targets.list(campaign.id).map((x) => [x.repo, x.state]));
    expect(states).toEqual({ 'acme/api': 'succeeded', 'acme/web': 'succeeded', 'acme/worker': 'needs-attention' });
    const worker = t.store.targets.findByRepo(campaign.id, 'acme/worker')!;
    expect(worker.stateReason).toContain('ERR! lockfile is corrupt');
    const failed = t.store.events.list({ campaignId: campaign.id, kinds: ['change.failed'] });
    expect(failed).toHaveLength(1);
    expect(String(failed[0].data.outputTail)).toContain('resolving lodash@4.17.21');
    const message = t.store.outbox.list({ campaignId: campaign.id }).find((m) => m.kind === 'needs-attention')!;
    const rendered = JSON.stringify(renderNotification(message.record!).args);
    expect(rendered).toContain('ERR! lockfile is corrupt');
    expect(fake.state.listPulls()).toHaveLength(2);
  }, 120_000);
});
