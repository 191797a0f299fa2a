import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CampaignSpec } from '../../src/domain/spec.js';
import { createCampaignService } from '../../src/campaigns/service.js';
import { createScheduler, type Scheduler, type SchedulerEvent } from '../../src/runtime/scheduler.js';
import { createOctokit } from '../../src/github/create-octokit.js';
import { createGateway } from '../../src/github/gateway.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';
import { openTempStore, type TempStore } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const jobsDir = join(root, 'dist/jobs');
const REPOS = ['api', 'web', 'worker', 'ledger'];
const OWNER = 'UOWNER1';
const LAUNCHER = 'ULAUNCHER1';

function ensureBuilt(): void {
  const built = join(jobsDir, 'advance.js');
  const dirs = ['jobs', 'src/engine', 'src/steps', 'src/github', 'src/confidence', 'src/metrics'].map((d) => join(root, d));
  const newest = Math.max(...dirs.flatMap((d) => readdirSync(d).map((f) => statSync(join(d, f)).mtimeMs)));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the check below is what matters.
  }
  if (!existsSync(built)) throw new Error('dist/jobs/advance.js was not built; run `npm run build` to see why.');
}

/** Resolves once `predicate` holds; rejects after `timeoutMs` with `describe()` saying where things stand. */
function waitFor(predicate: () => boolean, describe: () => string = () => '', timeoutMs = 90_000): Promise<void> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const poll = setInterval(() => {
      let met = true;
      try {
        met = predicate();
      } catch {
        // the store was closed by a failed test's cleanup: stop polling
      }
      if (!met && Date.now() - started < timeoutMs) return;
      clearInterval(poll);
      if (met) done();
      else fail(new Error(`waited ${timeoutMs} ms in vain: ${describe()}`));
    }, 50);
  });
}

describe('a campaign run by the Bree jobs alone', () => {
  let t: TempStore;
  let fake: FakeGitHub;
  let scheduler: Scheduler;
  let errors: SchedulerEvent[];

  beforeAll(() => ensureBuilt(), 180_000);
  beforeEach(async () => {
    t = openTempStore();
    // The sandbox's CD deploys each merge to production within a second, which the bake waits for.
    fake = await startFakeGitHub({ port: 0, cd: { delays: { inProgressMs: 200, successMs: 800 } } });
    for (const name of REPOS) {
      fake.state.seedRepo({
        owner: 'acme',
        name,
        files: { 'package.json': `${JSON.stringify({ name, dependencies: { lodash: '4.17.15' } }, null, 2)}\n`, '.github/CODEOWNERS': '* @acme/platform\n' },
        protection: { requiredChecks: ['build'] },
        ci: { checks: ['build'], outcome: 'pass', durationMs: 300 },
      });
    }
    errors = [];
  });
  afterEach(async () => {
    await scheduler.stop();
    await fake.close();
    t.close();
  });

  test('from start to completed, stopping at the review gates until approved', async () => {
    const spec = CampaignSpec.parse({
      name: 'bump-lodash',
      owner: OWNER,
      channel: 'CCHAN1',
      targets: { repos: REPOS.map((r) => `acme/${r}`) },
      change: { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } },
      pr: { title: 'Bump lodash to 4.17.21' },
      steps: ['open-pr', { kind: 'await-checks', options: { pollEvery: '1s' } }, 'compliance', { kind: 'canary', options: { duration: '5s' } }, 'gate', 'merge', { kind: 'bake', options: { duration: '5s', pollEvery: '1s' } }],
      waves: [2, '100%'],
      policy: { auto: 99, review: 50, failureBudget: 1 },
      canary: { provider: 'simulated', lookback: '5m', step: '1s', metrics: [{ name: 'http_error_rate', direction: 'increase' }] },
    });
    scheduler = createScheduler({
      dbFile: t.file,
      jobsDir,
      jobs: ['advance'],
      intervals: { advance: 300 },
      workerData: { github: { token: 'test-token', apiUrl: fake.url, retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0, pacing: { perMinute: 10_000, perHour: 100_000 } }, metrics: { simulated: { seed: 5, regressing: [] } } },
      onEvent: (e) => {
        if (e.kind === 'error' || (e.kind === 'message' && (e.message as { ok?: boolean }).ok === false)) errors.push(e);
      },
    });
    const octokit = createOctokit({ auth: { token: 'test-token' }, baseUrl: fake.url, store: t.store, now: Date.now });
    const service = createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec, source: 'test' }) },
      gateway: createGateway({ octokit, now: Date.now }),
      admins: [],
      launchers: { users: [LAUNCHER], groups: [] },
      resolveGroupMembers: async () => [],
      now: Date.now,
      wake: () => scheduler.wake(),
    });
    await scheduler.start();
    // Someone other than the owner launches, so the owner may approve under four eyes.
    const campaign = await service.start({ catalog: 'bump-lodash' }, LAUNCHER);
    const state = () => t.store.campaigns.get(campaign.id)!.state;
    const where = () =>
      `campaign ${state()}; errors ${JSON.stringify(errors)}; last events ${t.store.events
        .list({ campaignId: campaign.id })
        .slice(-8)
        .map((e) => `${e.kind} ${JSON.stringify(e.data).slice(0, 160)}`)
        .join(' | ')}`;

    await waitFor(() => state() === 'awaiting-approval', where);
    expect(t.store.gates.find(campaign.id, 0, 'wave')?.state).toBe('open');
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(0);
    await service.approve(campaign.id, OWNER);
    await waitFor(() => state() === 'awaiting-approval' && t.store.gates.find(campaign.id, 1, 'wave') !== undefined, where);
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(2);
    await service.approve(campaign.id, OWNER);
    await waitFor(() => state() === 'completed' || state() === 'halted', where);
    expect(state()).toBe('completed');
    expect(fake.state.listPulls().filter((p) => p.merged)).toHaveLength(REPOS.length);
    expect(errors).toEqual([]);
  }, 240_000);
});
