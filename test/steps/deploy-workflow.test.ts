import { afterEach, describe, expect, test } from 'vitest';
import type { DeploymentFact } from '../../src/domain/deployment.js';
import { STEP_OPTIONS, type DeployOptions } from '../../src/domain/step-options.js';
import { isFleetError } from '../../src/errors.js';
import { renderInputs, workflowDispatchMethod, type WorkflowDeployDeps } from '../../src/steps/deploy-workflow.js';
import { deployStep } from '../../src/steps/deploy.js';
import type { StepContext } from '../../src/steps/types.js';
import { startHarness, writesIn, type Harness } from '../github/harness.js';
import { makeContext, makeSpec, makeTarget, seedPackageRepo } from './context.js';

/**
 * The workflow-dispatch deploy against the fake GitHub over HTTP: it dispatches the spec's workflow
 * on the PR's branch with rendered inputs, finds the run it started, follows it to its conclusion
 * on the fake's clock, takes the deployment the run recorded, and does not dispatch twice after a
 * crash.
 */

const WORKFLOW = `name: Deploy canary
on:
  workflow_dispatch:
    inputs:
      version: { required: true }
      environment: { required: true }
      campaign: { required: false }
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: \${{ inputs.environment }}
      url: https://\${{ inputs.environment }}.api.acme.test/
    steps:
      - run: ./deploy.sh
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(name = 'api') {
  h = await startHarness({ fake: { actions: { queuedMs: 5_000, durationMs: 60_000 } } });
  const repo = seedPackageRepo(h, name, { files: { 'package.json': '{}\n', '.github/workflows/deploy.yml': WORKFLOW } });
  const main = (await h.octokit.rest.git.getRef({ owner: 'acme', repo: name, ref: 'heads/main' })).data.object.sha;
  await h.octokit.rest.git.createRef({ owner: 'acme', repo: name, ref: 'refs/heads/fleet/bump-lodash', sha: main });
  const target = makeTarget(repo, { branch: 'fleet/bump-lodash', headSha: main, prNumber: 1 });
  const harness = h;
  const ctx = (state: Record<string, unknown> = {}, options: Record<string, unknown> = {}): StepContext<DeployOptions, WorkflowDeployDeps> =>
    makeContext({
      kind: 'deploy',
      spec: makeSpec(),
      target,
      deps: { github: harness.github },
      now: harness.now(),
      state,
      options: { method: 'workflow-dispatch', workflow: { workflow: 'deploy.yml', inputs: { version: '{{sha}}', environment: '{{environment}}', campaign: '{{campaign}}' } }, ...options },
    });
  return { h, repo, main, ctx, name };
}

const dispatches = (harness: Harness) => writesIn(harness.fake).filter((w) => w === 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches').length;

describe('workflow-dispatch deploys', () => {
  test('dispatches on the branch with the inputs filled in, follows the run to success, and takes the deployment it recorded', async () => {
    const { h, main, ctx } = await setup();
    const started = await workflowDispatchMethod.advance(ctx(), null);
    expect(started).toMatchObject({ method: 'workflow-dispatch', environment: 'canary', sha: main, state: 'queued', readyAt: null, startedAt: h.now() });
    expect(started.runId).not.toBeNull();
    expect(h.fake.state.actions.runs('acme', 'api').map((r) => [r.headBranch, r.inputs])).toEqual([['fleet/bump-lodash', { version: main, environment: 'canary', campaign: 'c-1' }]]);
    h.fake.state.advance(5_000);
    const running = await workflowDispatchMethod.advance(ctx(), started);
    expect(running.state).toBe('in_progress');
    expect(running.runId).toBe(started.runId);
    h.fake.state.advance(60_000);
    const done = await workflowDispatchMethod.advance(ctx(), running);
    const deployment = h.fake.state.deployments().find((d) => d.sha === main && d.environment === 'canary');
    expect(done).toMatchObject({ state: 'success', deploymentId: deployment?.id, environmentUrl: 'https://canary.api.acme.test/', logUrl: `${h.fake.url}/acme/api/actions/runs/${started.runId}`, readyAt: h.now() });
    expect(dispatches(h)).toBe(1);
    // After the canary the deployment the run made is marked inactive.
    await workflowDispatchMethod.deactivate({ repo: 'acme/api', now: h.now(), deps: { github: h.github } }, done);
    expect(h.fake.state.deployments().find((d) => d.id === deployment?.id)?.statuses.at(-1)?.state).toBe('inactive');
  });

  test('a crash after the dispatch finds the run that is already there instead of dispatching again', async () => {
    const { h, ctx } = await setup();
    const first = await workflowDispatchMethod.advance(ctx(), null);
    // The fact was never stored: the next run starts from nothing but the step's start.
    const again = await workflowDispatchMethod.advance(ctx({ startedAt: first.startedAt }), null);
    expect(again.runId).toBe(first.runId);
    const orphan = await workflowDispatchMethod.advance(ctx(), null);
    expect(orphan.runId).toBe(first.runId);
    expect(dispatches(h)).toBe(1);
  });

  test("a run that fails is the deploy's failure with the conclusion; a Retry after it dispatches anew", async () => {
    const { h, ctx } = await setup();
    h.fake.state.actions.setBreaks(() => 'the canary pod crash-looped: CrashLoopBackOff');
    const started = await workflowDispatchMethod.advance(ctx(), null);
    h.fake.state.advance(65_000);
    const failed = await workflowDispatchMethod.advance(ctx(), started);
    expect(failed).toMatchObject({ state: 'failure', readyAt: null, description: 'the deploy.yml run failed (conclusion: failure)', logUrl: `${h.fake.url}/acme/api/actions/runs/${started.runId}` });
    h.fake.state.actions.setBreaks(() => undefined);
    const retried = await workflowDispatchMethod.advance(ctx(), failed);
    expect(retried.runId).not.toBe(started.runId);
    expect(dispatches(h)).toBe(2);
  });

  test('a spec mistake changes nothing: no workflow, an input the workflow does not declare, a placeholder Fleet does not fill', async () => {
    const { h, ctx } = await setup();
    const refused = async (options: Record<string, unknown>) => {
      const error: unknown = await workflowDispatchMethod.advance(ctx({}, options), null).then(() => undefined, (e: unknown) => e);
      expect(isFleetError(error)).toBe(true);
      return error instanceof Error ? error.message : '';
    };
    // The spec itself is refused first: each method needs its section, and a section for another method is a mistake.
    expect(() => STEP_OPTIONS.deploy.parse({ method: 'workflow-dispatch' })).toThrow(/method workflow-dispatch needs a workflow/);
    expect(() => STEP_OPTIONS.deploy.parse({ method: 'webhook' })).toThrow(/method webhook needs a webhook/);
    expect(() => STEP_OPTIONS.deploy.parse({ workflow: { workflow: 'deploy.yml' } })).toThrow(/workflow is for method workflow-dispatch/);
    expect(() => STEP_OPTIONS.deploy.parse({ method: 'webhook', webhook: { url: 'https://cd.example/deploy', secretEnv: 'GITHUB_TOKEN' } })).toThrow(/FLEET_DEPLOY_/);
    expect(await refused({ workflow: { workflow: 'deploy.yml', inputs: { version: '{{sha}}', environment: 'canary', colour: 'blue' } } })).toContain('Unexpected inputs provided: ["colour"]');
    expect(await refused({ workflow: { workflow: 'deploy.yml', inputs: { version: '{{tag}}' } } })).toContain('{{tag}}');
    expect(await refused({ workflow: { workflow: 'nope.yml', inputs: {} } })).toMatch(/nope\.yml/);
    expect(h.fake.state.actions.runs('acme', 'api')).toEqual([]);
  });

  test('through the deploy brick: a wait while the run goes on, done with the deployment fact when it succeeded', async () => {
    const { h, main, ctx } = await setup();
    const brick = (state: Record<string, unknown>) => deployStep.run(ctx(state) as never);
    const first = await brick({});
    expect(first).toMatchObject({ kind: 'wait', patch: { deployment: { method: 'workflow-dispatch', sha: main, state: 'queued' } } });
    expect(first.events?.map((e) => e.kind)).toEqual(['deploy.started']);
    h.fake.state.advance(65_000);
    const done = await brick(first.data ?? {});
    expect(done).toMatchObject({ kind: 'done', patch: { deployment: { state: 'success', environmentUrl: 'https://canary.api.acme.test/' } } });
    expect(done.events).toEqual([{ kind: 'deploy.succeeded', data: expect.objectContaining({ repo: 'acme/api', environment: 'canary', sha: main, environmentUrl: 'https://canary.api.acme.test/' }) as unknown }]);
    expect(dispatches(h)).toBe(1);
  });

  test('renderInputs fills the four placeholders and only those', () => {
    expect(renderInputs({ v: '{{ sha }}@{{repo}}', e: '{{environment}}', c: 'c={{campaign}}' }, { sha: 'abc', environment: 'canary', campaign: 'c-9', repo: 'acme/api' })).toEqual({ v: 'abc@acme/api', e: 'canary', c: 'c=c-9' });
    expect(() => renderInputs({ v: '{{target}}' }, { sha: 'abc', environment: 'canary', campaign: 'c-9', repo: 'acme/api' })).toThrow(/\{\{target\}\}/);
  });

  test("a fact of another head (someone pushed to the PR) is not this head's deploy", async () => {
    const { h, ctx, main } = await setup();
    const stale: DeploymentFact = { method: 'workflow-dispatch', environment: 'canary', sha: 'f'.repeat(40), deploymentId: null, runId: '1', state: 'success', environmentUrl: null, logUrl: null, startedAt: h.now(), readyAt: h.now(), description: null };
    const fresh = await workflowDispatchMethod.advance(ctx(), stale);
    expect(fresh.sha).toBe(main);
    expect(fresh.runId).not.toBe('1');
    expect(dispatches(h)).toBe(1);
  });
});
