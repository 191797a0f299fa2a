import { afterEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../../github/harness.js';
import { isFleetError } from '../../../src/errors.js';

/**
 * Fleet's own gateway (the real Octokit client with its cache, pacing and retries) against the
 * fake GitHub and the sandbox's CD: a canary deployment created as the deploy step creates it, its
 * statuses read newest first until the CD reports success, and GitHub's refusals turned into
 * errors that say why.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const BREAKS = 'the canary pod crash-looped: CrashLoopBackOff';

describe("the gateway's deployments over the sandbox's CD", () => {
  test('a canary is created, reported in_progress then success with its environment URL, found again by sha and environment, and marked inactive', async () => {
    harness = await startHarness({ fake: { cd: { delays: { inProgressMs: 30_000, successMs: 90_000 }, breaks: (repo) => (repo === 'acme/ledger' ? BREAKS : undefined) } } });
    const { fake, github } = harness;
    const { headSha } = fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    const input = { repo: 'acme/api', environment: 'canary', description: 'Fleet canary for bump-lodash', requiredContexts: [], payload: { fleet: { campaign: 7, target: 3, repo: 'acme/api' } }, transient: true, production: false };
    // The CD's seeded production version is there from the start.
    expect((await github.listDeployments('acme/api', { environment: 'production' })).map((d) => d.sha)).toEqual([headSha]);
    const seeded = fake.state.seedRepo({ owner: 'acme', name: 'web', files: { 'README.md': '# web\n' } });
    expect((await github.listDeployments('acme/web', { environment: 'production' })).map((d) => d.sha)).toEqual([seeded.headSha]);

    const created = await github.createDeployment({ ...input, ref: headSha });
    expect(created).toMatchObject({ sha: headSha, ref: headSha, environment: 'canary', payload: { fleet: { campaign: 7, target: 3, repo: 'acme/api' } } });
    expect(await github.listDeploymentStatuses('acme/api', created.id)).toEqual([]);
    fake.state.advance(30_000);
    expect((await github.listDeploymentStatuses('acme/api', created.id)).map((s) => s.state)).toEqual(['in_progress']);
    fake.state.advance(60_000);
    const statuses = await github.listDeploymentStatuses('acme/api', created.id);
    expect(statuses.map((s) => [s.state, s.environment, s.environmentUrl])).toEqual([
      ['success', 'canary', 'https://canary.api.sandbox.fleet.invalid/'],
      ['in_progress', 'canary', null],
    ]);
    expect(statuses[0]?.logUrl).toBe(`https://cd.sandbox.fleet.invalid/acme/api/deployments/${created.id}`);
    expect(Date.parse(statuses[0]?.createdAt ?? '')).toBe(harness.now());
    expect((await github.listDeployments('acme/api', { sha: headSha, environment: 'canary' })).map((d) => d.id)).toEqual([created.id]);
    expect(await github.getDeployment('acme/api', created.id)).toMatchObject({ id: created.id });
    expect(await github.getDeployment('acme/api', 999_999)).toBeUndefined();
    await github.createDeploymentStatus('acme/api', created.id, { state: 'inactive', description: 'The canary was judged.' });
    expect(fake.history?.versions('acme/api', 'canary').map((v) => v.to)).toEqual([harness.now()]);
  });

  test("GitHub's refusals become errors that name the deployment: no such ref (422), failed contexts (409)", async () => {
    harness = await startHarness({ fake: { cd: {} } });
    const { fake, github } = harness;
    const { headSha } = fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' }, ci: { checks: ['build'], outcome: 'fail', durationMs: 0 } });
    const input = { repo: 'acme/api', environment: 'canary', description: 'Fleet canary', payload: {}, transient: true, production: false };
    const missing = await github.createDeployment({ ...input, ref: 'f'.repeat(40), requiredContexts: [] }).catch((error: unknown) => error);
    expect(isFleetError(missing)).toBe(true);
    expect(String((missing as Error).message)).toContain('creating a deployment of fffffff to canary');
    const failed = await github.createDeployment({ ...input, ref: headSha, requiredContexts: ['build'] }).catch((error: unknown) => error);
    expect(isFleetError(failed)).toBe(true);
    expect((failed as { details: Record<string, unknown> }).details).toMatchObject({ status: 409, githubMessage: `Conflict: Commit status checks failed for ${headSha}.` });
    expect(fake.state.deployments().filter((d) => d.environment === 'canary')).toEqual([]);
  });
});
