import { afterEach, describe, expect, it } from 'vitest';
import { changedSinceSandboxSeed, createGitHubDeploymentHistory } from '../../src/github/deployment-history.js';
import { createSimulatedProvider } from '../../src/metrics/simulated.js';
import { startHarness, type Harness } from './harness.js';

/**
 * The deployment history read back from GitHub's Deployments API (over HTTP, from the fake with
 * the sandbox's CD) is the history the CD keeps itself: what the simulated provider in the
 * advance worker follows.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('createGitHubDeploymentHistory', () => {
  it('reads the versions that ran where, as the sandbox CD recorded them: canary, inactive, merge, replaced production', async () => {
    h = await startHarness({ fake: { cd: { delays: { inProgressMs: 5_000, successMs: 30_000 }, breaks: (repo) => (repo === 'acme/ledger' ? 'CrashLoopBackOff' : undefined) } } });
    const { fake, github, octokit } = h;
    const start = h.now();
    const api = fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    const ledger = fake.state.seedRepo({ owner: 'acme', name: 'ledger', files: { 'README.md': '# ledger\n' } });
    const change = await octokit.rest.git.createCommit({ owner: 'acme', repo: 'api', message: 'The change', tree: (await octokit.rest.git.getCommit({ owner: 'acme', repo: 'api', commit_sha: api.headSha })).data.tree.sha, parents: [api.headSha] });
    await octokit.rest.git.createRef({ owner: 'acme', repo: 'api', ref: 'refs/heads/fleet/change', sha: change.data.sha });
    const canary = await github.createDeployment({ repo: 'acme/api', ref: change.data.sha, environment: 'canary', description: 'Fleet canary', requiredContexts: [], payload: { fleet: { campaign: 1, target: 1 } }, transient: true, production: false });

    const history = createGitHubDeploymentHistory(github, { carriesChange: changedSinceSandboxSeed(github), now: h.now, cacheMs: 0 });
    // Not yet successful: no version runs in canary; production runs the seeded head.
    expect(await history.versions('acme/api', 'canary')).toEqual([]);
    expect(await history.versions('acme/api', 'production')).toEqual(fake.history!.versions('acme/api', 'production'));
    expect((await history.versions('acme/api', 'production')).map((v) => [v.sha, v.from, v.to, v.carriesChange])).toEqual([[api.headSha, start, null, false]]);

    fake.state.advance(30_000);
    expect(await history.versions('acme/api', 'canary')).toEqual([{ repo: 'acme/api', environment: 'canary', sha: change.data.sha, deployment: canary.id, from: start + 30_000, to: null, carriesChange: true }]);
    fake.state.advance(60_000);
    await github.createDeploymentStatus('acme/api', canary.id, { state: 'inactive', description: 'The canary was judged.' });
    expect(await history.versions('acme/api', 'canary')).toEqual(fake.history!.versions('acme/api', 'canary'));
    expect((await history.versions('acme/api', 'canary')).map((v) => v.to)).toEqual([start + 90_000]);

    // The change merged: the CD deploys the new head to production, which replaces the seeded version.
    await octokit.rest.git.updateRef({ owner: 'acme', repo: 'api', ref: 'heads/main', sha: change.data.sha });
    fake.state.advance(30_000);
    const production = await history.versions('acme/api', 'production');
    expect(production).toEqual(fake.history!.versions('acme/api', 'production'));
    expect(production.map((v) => [v.sha, v.to === null, v.carriesChange])).toEqual([
      [api.headSha, false, false],
      [change.data.sha, true, true],
    ]);

    // A deploy that broke never ran.
    const ledgerChange = await octokit.rest.git.createCommit({ owner: 'acme', repo: 'ledger', message: 'The change', tree: (await octokit.rest.git.getCommit({ owner: 'acme', repo: 'ledger', commit_sha: ledger.headSha })).data.tree.sha, parents: [ledger.headSha] });
    await octokit.rest.git.createRef({ owner: 'acme', repo: 'ledger', ref: 'refs/heads/fleet/change', sha: ledgerChange.data.sha });
    const broken = await github.createDeployment({ repo: 'acme/ledger', ref: ledgerChange.data.sha, environment: 'canary', description: 'Fleet canary', requiredContexts: [], payload: {}, transient: true, production: false });
    fake.state.advance(60_000);
    expect((await github.listDeploymentStatuses('acme/ledger', broken.id))[0].state).toBe('failure');
    expect(await history.versions('acme/ledger', 'canary')).toEqual([]);
  });

  it('reuses one answer per environment for cacheMs and lets the simulated provider follow it', async () => {
    h = await startHarness({ fake: { cd: { delays: { inProgressMs: 5_000, successMs: 30_000 } } } });
    const { fake, github } = h;
    fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    let lists = 0;
    const counting = { ...github, listDeployments: (...args: Parameters<typeof github.listDeployments>) => (lists++, github.listDeployments(...args)) };
    const history = createGitHubDeploymentHistory(counting, { carriesChange: () => false, now: h.now, cacheMs: 5_000 });
    const first = await history.versions('acme/api', 'production');
    expect(await history.versions('acme/api', 'production')).toEqual(first);
    expect(lists).toBe(1);
    fake.state.advance(5_000);
    await history.versions('acme/api', 'production');
    expect(lists).toBe(2);

    const seeded = first[0];
    const sim = createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }), deployments: history });
    const metric = { name: 'latency', group: 'latency', direction: 'increase' as const, critical: false, effectSize: 0.1, mustHaveData: false };
    const query = { metric, target: seeded.sha, repo: 'acme/api', track: 'baseline' as const, baselineSha: seeded.sha, deployment: null, start: seeded.from - 5_000, end: seeded.from + 4_000, stepMs: 1_000 };
    const series = await sim.fetchSeries({ ...query, sha: seeded.sha, environment: 'production' });
    expect(series.map((v) => Number.isNaN(v))).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(await sim.fetchSeries({ ...query, sha: 'f'.repeat(40), environment: 'production' })).toEqual([]);
  });
});
