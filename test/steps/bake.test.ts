import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsProvider, SeriesQuery } from '../../src/metrics/provider.js';
import { createSimulatedProvider } from '../../src/metrics/simulated.js';
import { bakeStep, type BakeDeps } from '../../src/steps/bake.js';
import { findProductionVersion } from '../../src/steps/production.js';
import type { StepContext, StepResult } from '../../src/steps/types.js';
import type { BakeOptions } from '../../src/domain/step-options.js';
import { startHarness, type Harness } from '../github/harness.js';
import { makeCampaign, makeSpec, makeTarget, seedPackageRepo } from './context.js';

const MINUTE = 60_000;
const CANARY = { lookback: '1h', step: '1m', metrics: [{ name: 'latency_p99', direction: 'increase', critical: true }] };

type Status = { state: 'pending' | 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive'; description?: string; logUrl?: string; environmentUrl?: string };

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A new commit on the default branch, as a merge makes one: its sha. */
async function commitToMain(repo: string, message = 'Merge pull request #1'): Promise<string> {
  const [owner, name] = repo.split('/') as [string, string];
  const head = (await h.octokit.rest.git.getRef({ owner, repo: name, ref: 'heads/main' })).data.object.sha;
  const tree = (await h.octokit.rest.git.getCommit({ owner, repo: name, commit_sha: head })).data.tree.sha;
  const commit = (await h.octokit.rest.git.createCommit({ owner, repo: name, message, tree, parents: [head] })).data.sha;
  await h.octokit.rest.git.updateRef({ owner, repo: name, ref: 'heads/main', sha: commit });
  return commit;
}

async function mainHead(repo: string): Promise<string> {
  const [owner, name] = repo.split('/') as [string, string];
  return (await h.octokit.rest.git.getRef({ owner, repo: name, ref: 'heads/main' })).data.object.sha;
}

/** What a CD system does over GitHub's REST API: a deployment of `sha`, then the statuses it reports. */
async function deploy(repo: string, sha: string, environment = 'production'): Promise<number> {
  const [owner, name] = repo.split('/') as [string, string];
  const response = await h.octokit.rest.repos.createDeployment({ owner, repo: name, ref: sha, environment, auto_merge: false, required_contexts: [], description: 'Argo CD sync' });
  if (response.status !== 201 || !('id' in response.data)) throw new Error(`no deployment: ${response.status}`);
  return response.data.id;
}

async function report(repo: string, id: number, status: Status): Promise<void> {
  const [owner, name] = repo.split('/') as [string, string];
  await h.octokit.rest.repos.createDeploymentStatus({
    owner,
    repo: name,
    deployment_id: id,
    state: status.state,
    ...(status.description ? { description: status.description } : {}),
    ...(status.logUrl ? { log_url: status.logUrl } : {}),
    ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
  });
}

/** A version that production ran from now on: deployed and reported successful. */
async function deployed(repo: string, sha: string, environment = 'production'): Promise<number> {
  const id = await deploy(repo, sha, environment);
  await report(repo, id, { state: 'in_progress' });
  await report(repo, id, { state: 'success', environmentUrl: `https://${environment}.api.example.test/` });
  return id;
}

/** Records every query and answers the same noisy series on both tracks (a canary that holds up), scaled by `factor`. */
function recording(factor: (q: SeriesQuery) => number = () => 1) {
  const queries: SeriesQuery[] = [];
  const provider: MetricsProvider = {
    fetchSeries: (q) => {
      queries.push(q);
      const points = Math.floor((q.end - q.start) / q.stepMs) + 1;
      return Promise.resolve(Array.from({ length: points }, (_, i) => (100 + ((i * 7) % 11)) * factor(q)));
    },
  };
  return { queries, provider };
}

function context(input: {
  repo: string;
  mergedSha: string | null;
  state?: Record<string, unknown>;
  metrics?: MetricsProvider;
  canary?: boolean;
  options?: Partial<BakeOptions>;
  providers?: BakeDeps['metrics'];
}): StepContext<BakeOptions, BakeDeps> {
  const spec = makeSpec({ steps: ['open-pr', 'merge', 'bake'], ...(input.canary === false ? {} : { canary: CANARY }) });
  const options: BakeOptions = { duration: 60 * MINUTE, environment: 'production', deployTimeout: 120 * MINUTE, pollEvery: 2 * MINUTE, confirm: true, ...input.options };
  return {
    campaign: makeCampaign(spec),
    spec,
    target: makeTarget(input.repo, { headSha: 'a'.repeat(40), branch: 'fleet/bump-lodash', mergedSha: input.mergedSha, prNumber: 1 }),
    step: { kind: 'bake', options: {} },
    stepIndex: 2,
    options,
    state: input.state ?? {},
    deps: { github: h.github, metrics: input.providers ?? { prometheus: input.metrics ?? recording().provider } },
    now: h.now(),
  };
}

function dataOf(result: StepResult): Record<string, unknown> {
  return result.data ?? {};
}

describe('findProductionVersion', () => {
  it('finds the deployment of a commit, its state, and the version that ran before it', async () => {
    const repo = seedPackageRepo(h, 'api');
    const old = await mainHead(repo);
    const oldId = await deployed(repo, old);
    h.fake.state.advance(10 * MINUTE);
    const broken = await commitToMain(repo, 'A commit whose deploy failed');
    const brokenId = await deploy(repo, broken);
    await report(repo, brokenId, { state: 'failure', description: 'CrashLoopBackOff' });
    // A canary elsewhere is not production.
    await deployed(repo, broken, 'canary');
    const merged = await commitToMain(repo);
    expect(await findProductionVersion(h.github, repo, 'production', { sha: merged })).toEqual({ environment: 'production', deployment: null, previous: null });

    h.fake.state.advance(MINUTE);
    const id = await deploy(repo, merged);
    await report(repo, id, { state: 'in_progress', logUrl: 'https://cd.example.test/runs/7' });
    const running = await findProductionVersion(h.github, repo, 'production', { sha: merged });
    expect(running.deployment).toMatchObject({ id, sha: merged, state: 'in_progress', readyAt: null, logUrl: 'https://cd.example.test/runs/7', stateSince: h.now() });
    expect(running.previous).toBeNull();

    h.fake.state.advance(3 * MINUTE);
    await report(repo, id, { state: 'success', environmentUrl: 'https://api.example.test/' });
    const readyAt = h.now();
    const done = await findProductionVersion(h.github, repo, 'production', { sha: merged });
    expect(done.deployment).toMatchObject({ id, sha: merged, state: 'success', readyAt, environmentUrl: 'https://api.example.test/' });
    // The failed deployment in between never ran: the version replaced is the older success
    // (still "success": GitHub marks earlier deployments inactive only outside production environments).
    expect(done.previous).toMatchObject({ id: oldId, sha: old, state: 'success', readyAt: Date.UTC(2025, 0, 6, 9, 0, 0) });
  });

  it('without a commit, finds the version running at a moment', async () => {
    const repo = seedPackageRepo(h, 'api');
    const old = await mainHead(repo);
    const oldId = await deployed(repo, old);
    const firstReady = h.now();
    h.fake.state.advance(30 * MINUTE);
    const next = await commitToMain(repo);
    const nextId = await deployed(repo, next);
    expect(await findProductionVersion(h.github, repo, 'production')).toMatchObject({ deployment: { id: nextId, sha: next }, previous: { id: oldId, sha: old } });
    expect(await findProductionVersion(h.github, repo, 'production', firstReady + MINUTE)).toMatchObject({ deployment: { id: oldId, sha: old }, previous: null });
    expect(await findProductionVersion(h.github, repo, 'production', firstReady - MINUTE)).toEqual({ environment: 'production', deployment: null, previous: null });
  });

  it('refuses a commit that is not a full sha, before asking GitHub', async () => {
    const repo = seedPackageRepo(h, 'api');
    const before = h.fake.requestLog.length;
    await expect(findProductionVersion(h.github, repo, 'production', { sha: 'def456' })).rejects.toThrow('findProductionVersion needs a full commit sha (40 hex digits), not "def456".');
    expect(h.fake.requestLog.length).toBe(before);
  });
});

describe('bakeStep follows production', () => {
  it('waits for production to deploy the merge commit, then bakes from the deployment\'s success, not from the merge', async () => {
    const repo = seedPackageRepo(h, 'api');
    const old = await mainHead(repo);
    const oldId = await deployed(repo, old);
    h.fake.state.advance(90 * MINUTE);
    const merged = await commitToMain(repo);
    const mergedAt = h.now();

    const first = await bakeStep.run(context({ repo, mergedSha: merged }));
    expect(first).toEqual({ kind: 'wait', until: mergedAt + 2 * MINUTE, reason: `waiting for production to deploy ${merged.slice(0, 7)} (no deployment yet)`, data: { waitingSince: mergedAt, mergedBy: mergedAt } });

    h.fake.state.advance(MINUTE);
    const id = await deploy(repo, merged);
    await report(repo, id, { state: 'in_progress' });
    const startedDeploy = h.now();
    const second = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first) }));
    expect(second).toMatchObject({ kind: 'wait', until: h.now() + 2 * MINUTE, reason: `waiting for production to deploy ${merged.slice(0, 7)} (in_progress since ${new Date(startedDeploy).toISOString()})`, data: { waitingSince: mergedAt } });

    h.fake.state.advance(4 * MINUTE);
    await report(repo, id, { state: 'success', environmentUrl: 'https://api.example.test/' });
    const readyAt = h.now();
    h.fake.state.advance(MINUTE);
    const third = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(second) }));
    expect(third).toMatchObject({
      kind: 'wait',
      until: readyAt + 60 * MINUTE,
      reason: `baking ${merged.slice(0, 7)} in production until ${new Date(readyAt + 60 * MINUTE).toISOString()}`,
      data: { startedAt: readyAt, production: { deploymentId: id, sha: merged, readyAt, environment: 'production', environmentUrl: 'https://api.example.test/', previous: { deploymentId: oldId, sha: old } } },
    });
    expect(third.events).toEqual([
      {
        kind: 'bake.deployed',
        data: expect.objectContaining({ repo, environment: 'production', sha: merged, deploymentId: id, state: 'success', environmentUrl: 'https://api.example.test/', readyAt, replacedSha: old, replacedDeploymentId: oldId }) as unknown,
      },
    ]);

    // Woken early, it reads nothing more from GitHub: what production deployed is kept.
    const reads = h.fake.requestLog.length;
    expect(await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(third) }))).toMatchObject({ kind: 'wait', until: readyAt + 60 * MINUTE, events: [] });
    expect(h.fake.requestLog.length).toBe(reads);
  });

  it('judges the new version in production against the version it replaced, each over its own window', async () => {
    const repo = seedPackageRepo(h, 'api');
    const old = await mainHead(repo);
    const oldId = await deployed(repo, old);
    h.fake.state.advance(3 * 60 * MINUTE);
    const merged = await commitToMain(repo);
    const id = await deployed(repo, merged);
    const readyAt = h.now();
    const { queries, provider } = recording();
    const waiting = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider }));
    h.fake.state.advance(60 * MINUTE);
    const result = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider, state: dataOf(waiting) }));
    expect(result).toMatchObject({ kind: 'done', data: { judged: true, verdict: 'pass', startedAt: readyAt } });
    expect(result.events).toEqual([{ kind: 'bake.judged', data: expect.objectContaining({ repo, subject: merged, environment: 'production', sha: merged, deploymentId: id, baselineSha: old, baselineDeploymentId: oldId }) as unknown }]);
    const canary = queries.find((q) => q.track === 'canary')!;
    const baseline = queries.find((q) => q.track === 'baseline')!;
    expect(canary).toMatchObject({ sha: merged, baselineSha: old, environment: 'production', deployment: String(id), start: readyAt, end: readyAt + 60 * MINUTE, stepMs: MINUTE });
    expect(baseline).toMatchObject({ sha: old, baselineSha: old, environment: 'production', deployment: String(oldId), start: readyAt - 60 * MINUTE, end: readyAt, stepMs: MINUTE });
  });

  it('compares only the time the replaced version ran, when it ran for less than the window', async () => {
    const repo = seedPackageRepo(h, 'api');
    const old = await mainHead(repo);
    await deployed(repo, old);
    const oldReady = h.now();
    h.fake.state.advance(20 * MINUTE);
    const merged = await commitToMain(repo);
    await deployed(repo, merged);
    const readyAt = h.now();
    const { queries, provider } = recording();
    const waiting = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider }));
    h.fake.state.advance(60 * MINUTE);
    await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider, state: dataOf(waiting) }));
    expect(queries.find((q) => q.track === 'baseline')).toMatchObject({ start: oldReady, end: readyAt });
  });

  it('fails with a rollback offer when the production deploy of the merge commit fails', async () => {
    const repo = seedPackageRepo(h, 'api');
    await deployed(repo, await mainHead(repo));
    const merged = await commitToMain(repo);
    const id = await deploy(repo, merged);
    await report(repo, id, { state: 'in_progress' });
    await report(repo, id, { state: 'failure', description: 'the pod crash-looped: CrashLoopBackOff.', logUrl: 'https://cd.example.test/apps/api/7' });
    const result = await bakeStep.run(context({ repo, mergedSha: merged }));
    expect(result).toEqual({
      kind: 'failed',
      retryable: false,
      reason: `The production deploy of ${merged.slice(0, 7)} failed: the pod crash-looped: CrashLoopBackOff. Log: https://cd.example.test/apps/api/7 Revert the wave.`,
      data: { waitingSince: h.now(), mergedBy: h.now(), deploymentId: id, deployState: 'failure', rollback: true },
      events: [{ kind: 'bake.deploy-failed', data: expect.objectContaining({ repo, environment: 'production', sha: merged, deploymentId: id, state: 'failure', description: 'the pod crash-looped: CrashLoopBackOff.', logUrl: 'https://cd.example.test/apps/api/7' }) as unknown }],
    });
  });

  it('says an errored deploy without a description errored', async () => {
    const repo = seedPackageRepo(h, 'api');
    const merged = await commitToMain(repo);
    await report(repo, await deploy(repo, merged), { state: 'error' });
    const result = await bakeStep.run(context({ repo, mergedSha: merged }));
    expect(result.kind === 'failed' && result.reason).toBe(`The production deploy of ${merged.slice(0, 7)} failed: the deployment reported error without a description. Revert the wave.`);
  });

  it('asks a person when production has not deployed the merge commit within deployTimeout, and waits a full timeout again after Retry', async () => {
    const repo = seedPackageRepo(h, 'api');
    const merged = await commitToMain(repo);
    const since = h.now();
    const first = await bakeStep.run(context({ repo, mergedSha: merged }));
    h.fake.state.advance(119 * MINUTE);
    // The last poll is at the deadline, not after it.
    expect(await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first) }))).toMatchObject({ kind: 'wait', until: since + 120 * MINUTE });
    h.fake.state.advance(MINUTE);
    const timedOut = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first) }));
    expect(timedOut).toMatchObject({
      kind: 'needs-human',
      reason: `production has not deployed ${merged.slice(0, 7)} of ${repo} 2 hours after the merge (no deployment yet): check that the CD system deploys ${repo}'s default branch and reports to GitHub Deployments for the environment "production" (the bake's "environment" option names another), then Retry or Skip.`,
      data: { waitingSince: since, timedOutAt: h.now() },
      events: [{ kind: 'bake.deploy-timeout', data: { repo, environment: 'production', sha: merged, state: null, waitingSince: since } }],
    });
    const retried = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(timedOut) }));
    // The new wait starts now; a later commit is still looked for from the first wait on.
    expect(retried).toMatchObject({ kind: 'wait', until: h.now() + 2 * MINUTE, data: { waitingSince: h.now(), mergedBy: since } });
  });

  it('points at the log when a deploy in progress outlasts the timeout', async () => {
    const repo = seedPackageRepo(h, 'api');
    const merged = await commitToMain(repo);
    await report(repo, await deploy(repo, merged), { state: 'in_progress', logUrl: 'https://cd.example.test/apps/api/9' });
    const first = await bakeStep.run(context({ repo, mergedSha: merged, options: { deployTimeout: 30 * MINUTE } }));
    h.fake.state.advance(30 * MINUTE);
    const result = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first), options: { deployTimeout: 30 * MINUTE } }));
    expect(result.kind === 'needs-human' && result.reason).toMatch(/^production has not deployed [0-9a-f]{7} of acme\/api 30 minutes after the merge \(in_progress since .*\): look at https:\/\/cd\.example\.test\/apps\/api\/9, then Retry or Skip\.$/);
  });

  it('follows the environment the options name', async () => {
    const repo = seedPackageRepo(h, 'api');
    await deployed(repo, await mainHead(repo), 'prod-eu');
    const merged = await commitToMain(repo);
    await deployed(repo, merged, 'production');
    const result = await bakeStep.run(context({ repo, mergedSha: merged, options: { environment: 'prod-eu' } }));
    expect(result).toMatchObject({ kind: 'wait', reason: `waiting for prod-eu to deploy ${merged.slice(0, 7)} (no deployment yet)` });
    const id = await deployed(repo, merged, 'prod-eu');
    expect(await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(result), options: { environment: 'prod-eu' } }))).toMatchObject({ kind: 'wait', data: { production: { deploymentId: id, environment: 'prod-eu' } } });
  });

  it('takes a deployment of a later commit that contains the merge commit, as a CD deploying its branch\'s head makes one, and no other', async () => {
    const repo = seedPackageRepo(h, 'api');
    const [owner, name] = repo.split('/') as [string, string];
    const old = await mainHead(repo);
    await deployed(repo, old);
    h.fake.state.advance(30 * MINUTE);
    const merged = await commitToMain(repo);
    const first = await bakeStep.run(context({ repo, mergedSha: merged }));
    // A commit beside the merge (made from the old head, not containing it) deployed since: not the merge.
    const tree = (await h.octokit.rest.git.getCommit({ owner, repo: name, commit_sha: old })).data.tree.sha;
    const beside = (await h.octokit.rest.git.createCommit({ owner, repo: name, message: 'A hotfix from the old head', tree, parents: [old] })).data.sha;
    await deployed(repo, beside);
    h.fake.state.advance(MINUTE);
    expect(await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first) }))).toMatchObject({ kind: 'wait', reason: `waiting for production to deploy ${merged.slice(0, 7)} (no deployment yet)` });
    // Someone merged right after Fleet; the CD deployed the branch's head only.
    const later = await commitToMain(repo, 'Merge pull request #2');
    const laterId = await deploy(repo, later);
    await report(repo, laterId, { state: 'in_progress' });
    const waiting = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first) }));
    expect(waiting).toMatchObject({ kind: 'wait', reason: expect.stringContaining(`waiting for production to deploy ${merged.slice(0, 7)} (in ${later.slice(0, 7)}, a later commit: in_progress since `) as unknown });
    await report(repo, laterId, { state: 'success' });
    const baking = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(waiting) }));
    // The version that ran before is the last one deployed before the later commit, the hotfix beside the merge.
    expect(baking).toMatchObject({ kind: 'wait', data: { production: { deploymentId: laterId, sha: later, previous: { sha: beside } } } });
    expect(baking.events?.[0]).toMatchObject({ kind: 'bake.deployed', data: { sha: later, mergedSha: merged } });
  });

  it('moves on to a later commit when the CD let the merge commit\'s own deployment go before it ran', async () => {
    const repo = seedPackageRepo(h, 'api');
    await deployed(repo, await mainHead(repo));
    const merged = await commitToMain(repo);
    const first = await bakeStep.run(context({ repo, mergedSha: merged }));
    const own = await deploy(repo, merged);
    await report(repo, own, { state: 'in_progress' });
    await report(repo, own, { state: 'inactive', description: 'Superseded by a newer revision' });
    const stranded = await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(first) }));
    expect(stranded).toMatchObject({ kind: 'wait', reason: `waiting for production to deploy ${merged.slice(0, 7)} (deployment ${own} was marked inactive before it succeeded)` });
    const later = await commitToMain(repo, 'Merge pull request #2');
    const laterId = await deployed(repo, later);
    expect(await bakeStep.run(context({ repo, mergedSha: merged, state: dataOf(stranded) }))).toMatchObject({ kind: 'wait', data: { production: { deploymentId: laterId, sha: later } } });
  });

  it('asks a person when the target has no merge commit', async () => {
    const repo = seedPackageRepo(h, 'api');
    const result = await bakeStep.run(context({ repo, mergedSha: null }));
    expect(result).toEqual({ kind: 'needs-human', reason: `The bake follows production's deployment of the merge commit, but Fleet has no merge commit for ${repo}: check that the PR was merged, then Retry or Skip.` });
  });
});

describe('bakeStep judges', () => {
  /** A repository whose merge commit production runs from now; the bake's first run is returned. */
  async function bakingNow(name: string, metrics: MetricsProvider, options: Partial<BakeOptions> = {}) {
    const repo = seedPackageRepo(h, name);
    await deployed(repo, await mainHead(repo));
    h.fake.state.advance(2 * 60 * MINUTE);
    const merged = await commitToMain(repo);
    await deployed(repo, merged);
    const readyAt = h.now();
    const first = await bakeStep.run(context({ repo, mergedSha: merged, metrics, options }));
    return { repo, merged, readyAt, state: dataOf(first) };
  }

  const simulated = createSimulatedProvider({ seed: 9, truth: (r) => ({ regresses: r === 'acme/bad', kind: 'latency' }) });

  it('confirms a failure on a second window, then fails with a rollback offer when the merged code regresses', async () => {
    const { repo, merged, readyAt, state } = await bakingNow('bad', simulated);
    h.fake.state.advance(60 * MINUTE);
    const first = await bakeStep.run(context({ repo, mergedSha: merged, metrics: simulated, state }));
    expect(first).toMatchObject({ kind: 'wait', until: readyAt + 120 * MINUTE, data: { startedAt: readyAt, firstFailure: { score: 0, confirmFrom: readyAt + 60 * MINUTE } } });
    expect(first.events?.[0]).toMatchObject({ kind: 'bake.judged', data: { verdict: 'fail' } });
    // Run early (a webhook woke it): it keeps waiting for the second window.
    h.fake.state.advance(30 * MINUTE);
    expect(await bakeStep.run(context({ repo, mergedSha: merged, metrics: simulated, state: dataOf(first) }))).toMatchObject({ kind: 'wait', until: readyAt + 120 * MINUTE });
    h.fake.state.advance(30 * MINUTE);
    const second = await bakeStep.run(context({ repo, mergedSha: merged, metrics: simulated, state: dataOf(first) }));
    expect(second).toMatchObject({ kind: 'failed', retryable: false, data: { rollback: true, verdict: 'fail' } });
    expect(second.kind === 'failed' && second.reason).toMatch(/^The merged change failed its bake in production twice \(scores 0 and 0\) against [0-9a-f]{7}, the version it replaced: latency_p99: higher than the baseline \(critical\)\. Revert the wave\.$/);
    expect(second.events?.[0]).toMatchObject({ kind: 'bake.judged', data: { confirming: true } });
  });

  it('lets a chance failure go when the second window passes, and says so', async () => {
    let slowUntil = 0;
    // The new version is 50% slower in its first hour only.
    const { provider, queries } = recording((q) => (q.track === 'canary' && q.start < slowUntil ? 1.5 : 1));
    const { repo, merged, readyAt, state } = await bakingNow('api', provider);
    slowUntil = readyAt + 60 * MINUTE;
    h.fake.state.advance(60 * MINUTE);
    const first = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider, state }));
    expect(first).toMatchObject({ kind: 'wait', data: { firstFailure: { score: 0 } } });
    h.fake.state.advance(60 * MINUTE);
    const second = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider, state: dataOf(first) }));
    expect(second).toMatchObject({ kind: 'done', data: { verdict: 'pass', judged: true, firstFailure: { score: 0 } } });
    expect(dataOf(second).note).toMatch(/^A first bake window failed \(score 0: .*\); the second passed, so it was judged a chance failure\.$/);
    // The confirmation compares with the hour of the old version before the first one's baseline,
    // not with the same baseline series again (the old version ran two hours before the merge).
    const baselines = queries.filter((q) => q.track === 'baseline').map((q) => [q.start, q.end]);
    expect(baselines).toContainEqual([readyAt - 60 * MINUTE, readyAt]);
    expect(baselines).toContainEqual([readyAt - 120 * MINUTE, readyAt - 60 * MINUTE]);
  });

  it('fails at once with confirm: false', async () => {
    const { repo, merged, state } = await bakingNow('bad', simulated, { confirm: false });
    h.fake.state.advance(60 * MINUTE);
    const result = await bakeStep.run(context({ repo, mergedSha: merged, metrics: simulated, state, options: { confirm: false } }));
    expect(result).toMatchObject({ kind: 'failed', data: { rollback: true } });
    expect(result.kind === 'failed' && result.reason).toMatch(/failed its bake in production with score 0 against/);
  });

  it('only waits for the deploy and the duration when the campaign has no canary metrics, and needs no provider', async () => {
    const repo = seedPackageRepo(h, 'api');
    const merged = await commitToMain(repo);
    const waiting = await bakeStep.run(context({ repo, mergedSha: merged, canary: false, providers: {} }));
    expect(waiting).toMatchObject({ kind: 'wait', reason: expect.stringContaining('(no deployment yet)') as unknown });
    await deployed(repo, merged);
    const readyAt = h.now();
    const baking = await bakeStep.run(context({ repo, mergedSha: merged, canary: false, providers: {}, state: dataOf(waiting) }));
    expect(baking).toMatchObject({ kind: 'wait', until: readyAt + 60 * MINUTE });
    h.fake.state.advance(60 * MINUTE);
    const done = await bakeStep.run(context({ repo, mergedSha: merged, canary: false, providers: {}, state: dataOf(baking) }));
    expect(done).toMatchObject({ kind: 'done', data: { judged: false }, events: [{ kind: 'bake.finished', data: { repo, sha: merged, judged: false } }] });
  });

  it('says it did not judge when production had no earlier version to compare with', async () => {
    const repo = seedPackageRepo(h, 'api');
    const merged = await commitToMain(repo);
    await deployed(repo, merged);
    const { queries, provider } = recording();
    const waiting = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider }));
    h.fake.state.advance(60 * MINUTE);
    const done = await bakeStep.run(context({ repo, mergedSha: merged, metrics: provider, state: dataOf(waiting) }));
    expect(done).toMatchObject({ kind: 'done', data: { judged: false, note: `production had no earlier version that succeeded to compare ${merged.slice(0, 7)} with, so the bake was not judged.` } });
    expect(queries).toEqual([]);
  });

  it('asks a person before waiting when the provider the spec names is not configured', async () => {
    const repo = seedPackageRepo(h, 'api');
    const merged = await commitToMain(repo);
    const before = h.fake.requestLog.length;
    const result = await bakeStep.run(context({ repo, mergedSha: merged, providers: { simulated } }));
    expect(result).toMatchObject({ kind: 'needs-human', reason: expect.stringMatching(/canary\.provider is "prometheus".*set PROMETHEUS_URL/) as unknown });
    expect(h.fake.requestLog.length).toBe(before);
  });
});

describe('bakeStep over the sandbox\'s CD, which deploys every merge to production', () => {
  beforeEach(async () => {
    // This block's fake runs the sandbox's CD (the outer afterEach closes it).
    await h.close();
    h = await startHarness({ fake: { cd: { delays: { inProgressMs: 15_000, successMs: 90_000 }, breaks: (repo) => (repo === 'acme/ledger' ? 'the pod crash-looped: CrashLoopBackOff' : undefined) } } });
  });

  const run = (repo: string, mergedSha: string, state: Record<string, unknown>, metrics: MetricsProvider) => bakeStep.run(context({ repo, mergedSha, state, metrics }));

  it('bakes the merge commit from the CD\'s success and compares it with the version that ran when the sandbox began', async () => {
    const repo = seedPackageRepo(h, 'api');
    const seeded = await mainHead(repo);
    h.fake.state.advance(30 * MINUTE);
    const merged = await commitToMain(repo);
    const { queries, provider } = recording();
    const first = await run(repo, merged, {}, provider);
    expect(first).toMatchObject({ kind: 'wait', reason: expect.stringMatching(new RegExp(`^waiting for production to deploy ${merged.slice(0, 7)} \\(pending since `)) as unknown });
    h.fake.state.advance(15_000);
    expect(await run(repo, merged, dataOf(first), provider)).toMatchObject({ kind: 'wait', reason: expect.stringContaining('(in_progress since') as unknown });
    h.fake.state.advance(75_000);
    const readyAt = h.now();
    const baking = await run(repo, merged, dataOf(first), provider);
    expect(baking).toMatchObject({ kind: 'wait', until: readyAt + 60 * MINUTE, data: { production: { sha: merged, readyAt, environmentUrl: 'https://production.api.sandbox.fleet.invalid/', previous: { sha: seeded } } } });
    h.fake.state.advance(60 * MINUTE);
    expect(await run(repo, merged, dataOf(baking), provider)).toMatchObject({ kind: 'done', data: { judged: true, verdict: 'pass' } });
    const baselines = queries.filter((q) => q.track === 'baseline');
    expect(baselines.length).toBeGreaterThan(0);
    expect(baselines.every((q) => q.sha === seeded && q.end === readyAt)).toBe(true);
  });

  it('fails with a rollback offer when the CD cannot deploy the merge commit', async () => {
    const repo = seedPackageRepo(h, 'ledger');
    h.fake.state.advance(MINUTE);
    const merged = await commitToMain(repo);
    const first = await run(repo, merged, {}, recording().provider);
    h.fake.state.advance(90_000);
    const result = await run(repo, merged, dataOf(first), recording().provider);
    expect(result).toMatchObject({ kind: 'failed', retryable: false, data: { rollback: true } });
    expect(result.kind === 'failed' && result.reason).toMatch(new RegExp(`^The production deploy of ${merged.slice(0, 7)} failed: the pod crash-looped: CrashLoopBackOff\\. Log: https://cd\\.sandbox\\.fleet\\.invalid/acme/ledger/deployments/\\d+ Revert the wave\\.$`));
  });
});
