import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { deployStep } from '../../src/steps/deploy.js';
import { closeStep } from '../../src/steps/close.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import type { DeploymentFact } from '../../src/domain/deployment.js';
import { startHarness, writesIn, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget, seedPackageRepo } from './context.js';

/** The deploy brick against the fake GitHub's Deployments API over HTTP; statuses are reported as a CD system would. */

const spec = makeSpec({ steps: ['open-pr', 'await-checks', 'deploy', 'canary', 'merge'], canary: { metrics: [{ name: 'http_errors', direction: 'increase' }] } });
const MINUTE = 60_000;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function opened(name = 'api'): Promise<TargetRecord> {
  const repo = seedPackageRepo(h, name);
  const target = makeTarget(repo);
  const result = await openPrStep.run(makeContext({ kind: 'open-pr', spec, target, deps: { github: h.github }, now: h.now() }));
  return applyResult(target, result);
}

async function deploy(target: TargetRecord, state: Record<string, unknown> = {}, options: Record<string, unknown> = {}): Promise<StepResult> {
  return deployStep.run(makeContext({ kind: 'deploy', spec, target, deps: { github: h.github }, now: h.now(), state, options }));
}

const creates = () => writesIn(h.fake).filter((w) => w === 'POST /repos/{owner}/{repo}/deployments').length;
const deploymentsOf = (sha: string) => h.fake.state.deployments().filter((d) => d.sha === sha);

/** What the CD system watching the repository reports on the deployment. */
async function report(repo: string, id: number, state: 'in_progress' | 'success' | 'failure' | 'error', extra: { description?: string; environmentUrl?: string; logUrl?: string } = {}): Promise<void> {
  await h.github.createDeploymentStatus(repo, id, { state, description: extra.description ?? '', ...extra });
}

describe('the deploy brick (GitHub Deployments)', () => {
  test("deploys the PR's head to a transient canary environment, once, and records the fact", async () => {
    const target = await opened();
    const first = await deploy(target);
    expect(first).toMatchObject({ kind: 'wait', until: h.now() + MINUTE, reason: `waiting for the deployment of ${target.headSha!.slice(0, 7)} to canary: pending` });
    const [made] = deploymentsOf(target.headSha!);
    expect(made).toMatchObject({ environment: 'canary', transient: true, production: false, description: 'Fleet canary for bump-lodash', payload: { fleet: { campaign: 'c-1', target: 1, repo: 'acme/api' } } });
    const fact = first.patch!.deployment!;
    expect(fact).toMatchObject({ method: 'deployments', environment: 'canary', sha: target.headSha, deploymentId: made.id, state: 'pending', readyAt: null, startedAt: h.now() });
    expect(first.events).toEqual([{ kind: 'deploy.started', data: expect.objectContaining({ repo: 'acme/api', environment: 'canary', sha: target.headSha, deploymentId: made.id }) as unknown }]);

    // A crash before the step's state was written: the run finds the deployment by its payload.
    const again = await deploy(target, {});
    expect(again.patch!.deployment!.deploymentId).toBe(made.id);
    // And a run from the saved state reads it without creating or listing anything new.
    const third = await deploy(applyResult(target, first), first.data);
    expect(third).toMatchObject({ kind: 'wait' });
    expect(third.events).toBeUndefined();
    expect(creates()).toBe(1);
    expect(deploymentsOf(target.headSha!)).toHaveLength(1);
  });

  test('success: done with the environment link and the time it became ready', async () => {
    const target = await opened();
    const first = await deploy(target);
    const id = first.patch!.deployment!.deploymentId!;
    await report(target.repo, id, 'in_progress', { logUrl: 'https://cd.example/runs/7' });
    h.fake.state.advance(2 * MINUTE);
    const running = await deploy(target, first.data);
    expect(running).toMatchObject({ kind: 'wait', reason: expect.stringContaining(': in progress') as unknown });
    h.fake.state.advance(3 * MINUTE);
    const readyAt = h.now();
    await report(target.repo, id, 'success', { environmentUrl: 'https://canary.api.example/' });
    h.fake.state.advance(MINUTE);
    const done = await deploy(target, running.data);
    expect(done.kind).toBe('done');
    const fact = done.patch!.deployment!;
    expect(fact).toMatchObject({ state: 'success', environmentUrl: 'https://canary.api.example/', logUrl: 'https://cd.example/runs/7', readyAt: Math.floor(readyAt / 1000) * 1000 });
    expect(done.events).toEqual([{ kind: 'deploy.succeeded', data: expect.objectContaining({ environment: 'canary', environmentUrl: 'https://canary.api.example/', sha: target.headSha, deploymentId: id, readyAt: fact.readyAt }) as unknown }]);
  });

  test('failure: the target fails without retry, with the description and the log link', async () => {
    const target = await opened();
    const first = await deploy(target);
    const id = first.patch!.deployment!.deploymentId!;
    await report(target.repo, id, 'failure', { description: 'the canary pod crash-looped: CrashLoopBackOff', logUrl: 'https://cd.example/runs/9' });
    const failed = await deploy(target, first.data);
    expect(failed).toMatchObject({
      kind: 'failed',
      retryable: false,
      reason: `The deployment of ${target.headSha!.slice(0, 7)} to canary failed: the canary pod crash-looped: CrashLoopBackOff (log: https://cd.example/runs/9)`,
    });
    expect(failed.patch!.deployment).toMatchObject({ state: 'failure', description: 'the canary pod crash-looped: CrashLoopBackOff' });
    expect(failed.events).toEqual([{ kind: 'deploy.failed', data: expect.objectContaining({ state: 'failure', description: 'the canary pod crash-looped: CrashLoopBackOff', logUrl: 'https://cd.example/runs/9' }) as unknown }]);
    // An error status fails the same way.
    const other = await opened('web');
    const started = await deploy(other);
    await report(other.repo, started.patch!.deployment!.deploymentId!, 'error', { description: 'the CD could not reach the cluster' });
    expect(await deploy(other, started.data)).toMatchObject({ kind: 'failed', retryable: false, reason: expect.stringContaining('failed: the CD could not reach the cluster') as unknown });
  });

  test('no outcome within the timeout asks a person; a Retry waits a new timeout for the same deployment', async () => {
    const target = await opened();
    const first = await deploy(target, {}, { timeout: '10m', pollEvery: '4m' });
    expect(first).toMatchObject({ kind: 'wait', until: h.now() + 4 * MINUTE });
    h.fake.state.advance(8 * MINUTE);
    const later = await deploy(target, first.data, { timeout: '10m', pollEvery: '4m' });
    // The poll never goes past the deadline.
    expect(later).toMatchObject({ kind: 'wait', until: first.patch!.deployment!.startedAt + 10 * MINUTE });
    h.fake.state.advance(2 * MINUTE);
    const asked = await deploy(target, later.data, { timeout: '10m', pollEvery: '4m' });
    expect(asked).toMatchObject({ kind: 'needs-human', reason: expect.stringMatching(/^The deployment of [0-9a-f]{7} to canary has not finished after 10m \(still pending\): check deployment \d+ in acme\/api, then Retry or Skip\.$/) as unknown });
    expect(asked.events?.map((e) => e.kind)).toEqual(['deploy.timeout']);
    const retried = await deploy(target, asked.data, { timeout: '10m', pollEvery: '4m' });
    expect(retried).toMatchObject({ kind: 'wait', until: h.now() + 4 * MINUTE });
    expect(creates()).toBe(1);
  });

  test('a new head is deployed anew (GitHub refuses one it does not know); without a head the step says what is missing and deploys nothing', async () => {
    const target = await opened();
    const first = await deploy(target);
    const moved = { ...applyResult(target, first), headSha: 'f'.repeat(40) };
    // A head GitHub does not know: GitHub's 422 reaches the engine as an error, nothing is recorded.
    await expect(deploy(moved, first.data)).rejects.toThrow(/No ref found|ref/i);
    const none = await deploy({ ...target, headSha: null });
    expect(none).toMatchObject({ kind: 'failed', retryable: false, reason: "The deploy step has no commit to deploy to canary: put open-pr before deploy in the campaign's steps." });
    expect(h.fake.state.deployments()).toHaveLength(1);
  });

  test('skipping the target marks its active deployment inactive before the PR is closed', async () => {
    const target = await opened();
    const first = await deploy(target);
    const id = first.patch!.deployment!.deploymentId!;
    await report(target.repo, id, 'success', { environmentUrl: 'https://canary.api.example/' });
    const done = await deploy(target, first.data);
    const skipped = { ...applyResult(target, done), state: 'skipped' as const };
    const closed = await closeStep.run(makeContext({ kind: 'close', spec, target: skipped, deps: { github: h.github }, now: h.now(), state: { cause: 'skip', actor: 'U1', reason: 'not now' } }));
    expect(closed).toMatchObject({ kind: 'done', data: { closed: true } });
    expect(closed.patch!.deployment).toMatchObject({ state: 'inactive', deploymentId: id });
    expect(closed.events?.map((e) => e.kind)).toEqual(['deploy.deactivated', 'pr.closed']);
    const [made] = deploymentsOf(target.headSha!);
    expect(made.statuses.at(-1)).toMatchObject({ state: 'inactive' });
    // onAbort: leave keeps the PR open and still lets the deployment go; an inactive one is left alone.
    const again = await closeStep.run(makeContext({ kind: 'close', spec, target: { ...skipped, deployment: { ...(skipped.deployment as DeploymentFact) } }, deps: { github: h.github }, now: h.now(), state: { cause: 'abort', actor: 'U1', reason: '', leavePr: true } }));
    expect(again).toMatchObject({ kind: 'done', data: { closed: false } });
    expect(deploymentsOf(target.headSha!)[0].statuses.filter((s) => s.state === 'inactive')).toHaveLength(1);
  });
});
