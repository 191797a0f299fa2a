import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../../src/sandbox/github/server.js';

/**
 * The fake's GitHub Actions over real HTTP through Octokit: workflows read from
 * `.github/workflows/` on the default branch, `workflow_dispatch` checked as GitHub checks it
 * (trigger, declared inputs, ref), runs that move on the fake's clock with `workflow_run` webhooks,
 * the runs list's filters, and the deployment a deploy job records.
 */

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };

const DEPLOY = `name: Deploy
on:
  workflow_dispatch:
    inputs:
      version:
        description: The commit to deploy
        required: true
      environment:
        type: choice
        options: [canary, production]
        default: canary
      dry-run:
        type: boolean
        default: false
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: \${{ inputs.environment }}
      url: https://\${{ inputs.environment }}.api.acme.test/
    steps:
      - run: ./deploy.sh \${{ inputs.version }}
`;
const CI = `name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: npm test
`;

let open: FakeGitHub[] = [];
const servers: { close: () => void }[] = [];
afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
  for (const server of servers.splice(0)) server.close();
});

async function setup(options: FakeGitHubOptions = {}) {
  const clock = Date.parse('2025-03-01T09:00:00Z');
  const fake = await startFakeGitHub({ now: () => clock, log: () => undefined, actions: { queuedMs: 5_000, durationMs: 60_000 }, ...options });
  open.push(fake);
  const seeded = fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n', '.github/workflows/deploy.yml': DEPLOY, '.github/workflows/ci.yaml': CI } });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'secret-token', log: quiet, request: { retries: 0 } });
  await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/fleet/bump', sha: seeded.headSha });
  return { fake, octokit, main: seeded.headSha };
}

async function failureOf(call: Promise<unknown>): Promise<{ status: number; message: string }> {
  return call.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => {
      const failure = error as { status: number; response: { data: { message: string } } };
      return { status: failure.status, message: failure.response.data.message };
    },
  );
}

describe('workflows', () => {
  test('are the files of .github/workflows on the default branch, by id or by file name', async () => {
    const { octokit } = await setup();
    const list = await octokit.rest.actions.listRepoWorkflows(repo);
    expect(list.data.total_count).toBe(2);
    expect(list.data.workflows.map((w) => [w.name, w.path, w.state])).toEqual([
      ['CI', '.github/workflows/ci.yaml', 'active'],
      ['Deploy', '.github/workflows/deploy.yml', 'active'],
    ]);
    const id = list.data.workflows[1]?.id ?? 0;
    expect((await octokit.rest.actions.getWorkflow({ ...repo, workflow_id: id })).data.path).toBe('.github/workflows/deploy.yml');
    expect((await octokit.rest.actions.getWorkflow({ ...repo, workflow_id: 'deploy.yml' })).data.id).toBe(id);
    expect(await failureOf(octokit.rest.actions.getWorkflow({ ...repo, workflow_id: 'nope.yml' }))).toEqual({ status: 404, message: 'Not Found' });
  });
});

describe('workflow_dispatch', () => {
  test('refuses what GitHub refuses, in its words, and starts nothing', async () => {
    const { fake, octokit, main } = await setup();
    const dispatch = (workflow: string, ref: string, inputs?: Record<string, unknown>) => failureOf(octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { ...repo, workflow_id: workflow, ref, ...(inputs ? { inputs } : {}) }));
    expect(await dispatch('missing.yml', 'main', { version: 'x' })).toEqual({ status: 404, message: 'Not Found' });
    expect(await dispatch('ci.yaml', 'main')).toEqual({ status: 422, message: "Workflow does not have 'workflow_dispatch' trigger" });
    expect(await dispatch('deploy.yml', 'no-such-branch', { version: 'x' })).toEqual({ status: 422, message: 'No ref found for: no-such-branch' });
    // GitHub dispatches on a branch or a tag name; a bare sha is not a ref.
    expect(await dispatch('deploy.yml', main, { version: 'x' })).toEqual({ status: 422, message: `No ref found for: ${main}` });
    expect(await dispatch('deploy.yml', 'main', { version: 'x', colour: 'blue' })).toEqual({ status: 422, message: 'Unexpected inputs provided: ["colour"]' });
    expect(await dispatch('deploy.yml', 'main', { environment: 'canary' })).toEqual({ status: 422, message: "Required input 'version' not provided" });
    expect(await dispatch('deploy.yml', 'main', { version: 'x', environment: 'staging' })).toEqual({ status: 422, message: "Provided value 'staging' for input 'environment' not in the list of allowed values" });
    expect(await dispatch('deploy.yml', 'main', { version: 'x', 'dry-run': 'maybe' })).toEqual({ status: 422, message: "Provided value 'maybe' for input 'dry-run' is not a boolean" });
    expect(fake.state.actions.runs('acme', 'api')).toEqual([]);
  });

  test('starts a run of the branch head that is queued, runs and succeeds on the fake clock, listed with GitHub filters', async () => {
    const { fake, octokit, main } = await setup();
    const answer = await octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'deploy.yml', ref: 'fleet/bump', inputs: { version: main } });
    expect(answer.status).toBe(204);
    const list = () => octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', event: 'workflow_dispatch', branch: 'fleet/bump', head_sha: main });
    const first = (await list()).data;
    expect(first.total_count).toBe(1);
    const run = first.workflow_runs[0];
    expect(run).toMatchObject({ head_branch: 'fleet/bump', head_sha: main, event: 'workflow_dispatch', status: 'queued', conclusion: null, name: 'Deploy', path: '.github/workflows/deploy.yml', run_number: 1 });
    expect(fake.state.actions.runs('acme', 'api')[0]?.inputs).toEqual({ version: main, environment: 'canary', 'dry-run': 'false' });
    // The filters narrow as GitHub's do.
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', branch: 'main' })).data.total_count).toBe(0);
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', head_sha: '0'.repeat(40) })).data.total_count).toBe(0);
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', created: '>=2025-03-01T09:00:00Z' })).data.total_count).toBe(1);
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', created: '>2025-03-01T09:00:00Z' })).data.total_count).toBe(0);
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'ci.yaml' })).data.total_count).toBe(0);
    fake.state.advance(5_000);
    expect((await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: run?.id ?? 0 })).data).toMatchObject({ status: 'in_progress', conclusion: null });
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', status: 'in_progress' })).data.total_count).toBe(1);
    fake.state.advance(60_000);
    const done = (await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: run?.id ?? 0 })).data;
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success', html_url: `${fake.url}/acme/api/actions/runs/${run?.id}` });
    expect((await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml', status: 'success' })).data.total_count).toBe(1);
    expect(await failureOf(octokit.rest.actions.getWorkflowRun({ ...repo, run_id: 424242 }))).toEqual({ status: 404, message: 'Not Found' });
  });

  test("a deploy job's environment records a deployment of the run's commit by the Actions bot; a repository whose deploy breaks fails it", async () => {
    const { fake, octokit, main } = await setup();
    fake.state.actions.setBreaks((name) => (name === 'acme/api' ? 'the canary pod crash-looped: CrashLoopBackOff' : undefined));
    await octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'deploy.yml', ref: 'fleet/bump', inputs: { version: main } });
    fake.state.advance(5_000);
    const [deployment] = fake.state.deployments();
    expect(deployment).toMatchObject({ sha: main, ref: 'fleet/bump', environment: 'canary', creator: 'github-actions[bot]' });
    expect(deployment?.statuses.map((s) => s.state)).toEqual(['in_progress']);
    fake.state.advance(60_000);
    const [run] = (await octokit.rest.actions.listWorkflowRuns({ ...repo, workflow_id: 'deploy.yml' })).data.workflow_runs;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const statuses = fake.state.deployments()[0]?.statuses ?? [];
    expect(statuses.at(-1)).toMatchObject({ state: 'failure', description: 'the canary pod crash-looped: CrashLoopBackOff', logUrl: run?.html_url });
    // Without the break the same workflow deploys, with the environment URL the job names.
    fake.state.actions.setBreaks(() => undefined);
    await octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'deploy.yml', ref: 'fleet/bump', inputs: { version: main, environment: 'production' } });
    fake.state.advance(65_000);
    const second = fake.state.deployments()[1];
    expect(second).toMatchObject({ environment: 'production', production: true });
    expect(second?.statuses.at(-1)).toMatchObject({ state: 'success', environmentUrl: 'https://production.api.acme.test/' });
  });

  test('announces its run with workflow_run webhooks GitHub signs: requested, in_progress, completed', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200).end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { fake, octokit, main } = await setup({ webhook: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, secret: 'shh' } });
    await octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'deploy.yml', ref: 'fleet/bump', inputs: { version: main } });
    fake.state.advance(5_000);
    fake.state.advance(60_000);
    await fake.state.flushWebhooks();
    const runs = received.filter((r) => r.headers['x-github-event'] === 'workflow_run');
    const webhooks = new Webhooks({ secret: 'shh' });
    for (const delivery of runs) expect(await webhooks.verify(delivery.body, String(delivery.headers['x-hub-signature-256']))).toBe(true);
    const payloads = runs.map((r) => JSON.parse(r.body) as { action: string; workflow_run: { status: string; conclusion: string | null; head_sha: string }; workflow: { path: string }; repository: { full_name: string } });
    expect(payloads.map((p) => [p.action, p.workflow_run.status, p.workflow_run.conclusion])).toEqual([
      ['requested', 'queued', null],
      ['in_progress', 'in_progress', null],
      ['completed', 'completed', 'success'],
    ]);
    expect(payloads[2]).toMatchObject({ workflow_run: { head_sha: main }, workflow: { path: '.github/workflows/deploy.yml' }, repository: { full_name: 'acme/api' } });
  });
});
