import { afterEach, describe, expect, test } from 'vitest';
import { isFleetError, type FleetError } from '../../src/errors.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(options);
  h.fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'package.json': '{}\n' }, protection: { requiredChecks: [], requiredApprovals: 1 } });
  return h;
}

function statuses(h: Harness): number[] {
  return h.fake.requestLog.map((r) => r.status);
}

const marker = { campaignId: 'c-1', repo: 'acme/api' };

async function openPr(h: Harness) {
  await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'fleet/x', message: 'x', files: [{ path: 'a.txt', content: 'a\n' }] });
  return h.github.openPr({ repo: 'acme/api', branch: 'fleet/x', base: 'main', title: 'x', body: 'x', marker });
}

describe('each GitHub failure status is handled deliberately', () => {
  test('304: a conditional GET is served from the cache and not counted against the limit', async () => {
    const h = await harness();
    const first = await h.github.getRepo('acme/api');
    const second = await h.github.getRepo('acme/api');
    expect(second).toEqual(first);
    expect(statuses(h)).toEqual([200, 304]);
    const day = new Date(h.now()).toISOString().slice(0, 10);
    expect(h.store.github.requestsOn(day)).toEqual({ counted: 1, notModified: 1 });
    expect(h.store.github.rate('core')).toMatchObject({ limit: 5000 });
  });

  test('405: not mergeable comes back with GitHub’s reason', async () => {
    const h = await harness();
    const pr = await openPr(h);
    const outcome = await h.github.mergePr({ repo: 'acme/api', number: pr.number, sha: pr.headSha, method: 'squash' });
    expect(outcome.kind).toBe('not-mergeable');
    expect((outcome as { reason: string }).reason.length).toBeGreaterThan(0);
  });

  test('409: a head that moved is reported, not merged', async () => {
    const h = await harness({ fake: {} });
    h.fake.state.seedRepo({ owner: 'acme', name: 'free', files: { 'a.txt': 'a' } });
    await h.github.commitFiles({ repo: 'acme/free', baseBranch: 'main', branch: 'b', message: 'x', files: [{ path: 'b.txt', content: 'b' }] });
    const pr = await h.github.openPr({ repo: 'acme/free', branch: 'b', base: 'main', title: 'x', body: '', marker: { campaignId: 'c-1', repo: 'acme/free' } });
    const outcome = await h.github.mergePr({ repo: 'acme/free', number: pr.number, sha: 'f'.repeat(40), method: 'merge' });
    expect(outcome.kind).toBe('head-changed');
    expect((await h.github.getPr('acme/free', pr.number))!.merged).toBe(false);
  });

  test('422: a rejected request is a github_error with GitHub’s message and not retried', async () => {
    const h = await harness();
    // The head branch does not exist: GitHub answers 422 Validation Failed.
    const error = (await h.github.openPr({ repo: 'acme/api', branch: 'missing', base: 'main', title: 'x', body: '', marker }).catch((e: unknown) => e)) as FleetError;
    expect(isFleetError(error, 'github_error')).toBe(true);
    expect(error.details).toMatchObject({ status: 422, retryable: false });
    expect(statuses(h).filter((s) => s === 422)).toHaveLength(1);
  });

  test('403 and 404 on a re-run request are refusals the caller acts on, a secondary limit is not; a re-run is a paced write', async () => {
    const h = await harness();
    h.fake.state.seedRepo({ owner: 'acme', name: 'ci', files: { 'a.txt': 'a\n' }, ci: { checks: ['build'], outcome: 'pass', durationMs: 0 } });
    h.fake.state.seedRepo({ owner: 'acme', name: 'locked', files: { 'a.txt': 'a\n' }, ci: { checks: ['build'], outcome: 'pass', durationMs: 0, rerequestable: false } });
    const suiteOf = async (repo: string): Promise<number> => (await h.github.getChecks(repo, (await h.github.getBranchSha(repo, 'main'))!))[0].suiteId!;
    const suite = await suiteOf('acme/ci');
    expect(await h.github.rerunCheckSuite('acme/ci', suite)).toEqual({ kind: 'requested' });
    expect(await h.github.rerunCheckSuite('acme/locked', await suiteOf('acme/locked'))).toEqual({ kind: 'refused', status: 403, reason: 'This check suite is not rerequestable' });
    expect(await h.github.rerunCheckSuite('acme/ci', 999_999)).toEqual({ kind: 'refused', status: 404, reason: 'Not Found' });
    expect(h.store.github.writesSince(0)).toBe(3);
    h.fake.setFaults({ secondaryRate: 1 });
    const error = (await h.github.rerunCheckSuite('acme/ci', suite).catch((e: unknown) => e)) as FleetError;
    expect(isFleetError(error, 'budget_exhausted')).toBe(true);
  });

  test('401: bad credentials say whom to ask, without naming a setting (the message reaches people in Slack)', async () => {
    const h = await harness({ fake: { tokens: { 'the-right-token': 'fleet-bot' } } });
    const error = (await h.github.getRepo('acme/api').catch((e: unknown) => e)) as FleetError;
    expect(error.details).toMatchObject({ status: 401, retryable: false });
    expect(error.message).toContain("ask an admin to check Fleet's GitHub credentials");
    expect(error.message).not.toMatch(/GITHUB_TOKEN|FLEET_[A-Z_]+/);
  });

  test('429 with Retry-After is waited out and retried', async () => {
    const h = await harness();
    h.fake.setFaults({ rateLimitRate: 0.3, seed: 1 });
    for (let i = 0; i < 6; i++) expect(await h.github.getBranchSha('acme/api', 'main')).toMatch(/^[0-9a-f]{40}$/);
    expect(statuses(h)).toContain(429);
  });

  test('429 that does not go away becomes budget_exhausted with a time to come back', async () => {
    const h = await harness();
    h.fake.setFaults({ rateLimitRate: 1 });
    const error = (await h.github.getRepo('acme/api').catch((e: unknown) => e)) as FleetError;
    expect(isFleetError(error, 'budget_exhausted')).toBe(true);
    expect(error.details.retryAt).toBe(h.now() + 1000);
    expect(statuses(h)).toEqual([429, 429, 429]);
  });

  test('5xx is retried, and reported as retryable when it persists', async () => {
    const h = await harness();
    h.fake.setFaults({ errorRate: 0.5, seed: 7 });
    for (let i = 0; i < 6; i++) expect(await h.github.getBranchSha('acme/api', 'main')).toMatch(/^[0-9a-f]{40}$/);
    expect(statuses(h).some((s) => s >= 500)).toBe(true);
    h.fake.setFaults({ errorRate: 1 });
    const error = (await h.github.getRepo('acme/api').catch((e: unknown) => e)) as FleetError;
    expect(error.details).toMatchObject({ retryable: true });
    expect(error.details.status).toBeGreaterThanOrEqual(500);
  });

  test('pacing: content-creating requests share one budget across clients, and over it the engine is told when to come back', async () => {
    const h = await harness({ octokit: { pacing: { perMinute: 3, perHour: 100 } } });
    const other = h.client({ pacing: { perMinute: 3, perHour: 100 } });
    await h.github.commitFiles({ repo: 'acme/api', baseBranch: 'main', branch: 'one', message: 'x', files: [{ path: 'a.txt', content: 'a' }] });
    const before = h.fake.requestLog.length;
    const error = (await other.github.addLabels('acme/api', 1, ['x']).catch((e: unknown) => e)) as FleetError;
    expect(isFleetError(error, 'budget_exhausted')).toBe(true);
    expect(error.details).toMatchObject({ window: 'minute', limit: 3, retryAt: h.now() + 60_001 });
    // Refused before it left: GitHub never saw the fourth write.
    expect(h.fake.requestLog.length).toBe(before);
  });
});
