import { Octokit } from '@octokit/rest';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions, type SeedRepoInput } from '../../../src/sandbox/github/server.js';
import { startWebhookReceiver, type ReceivedDelivery } from '../../support/webhook-receiver.js';

/**
 * The fake's Deployments API over real HTTP through Octokit: GitHub's checks when a deployment is
 * created (ref, required contexts, auto-merge, payload), its list filters and order, statuses with
 * their environment and `auto_inactive`, delete rules, and the `deployment` and
 * `deployment_status` webhooks.
 */

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };

let open: FakeGitHub[] = [];
const servers: { close: () => void }[] = [];
afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
  for (const server of servers.splice(0)) server.close();
});

async function setup(options: FakeGitHubOptions = {}, seed: Partial<SeedRepoInput> = {}) {
  const clock = Date.parse('2025-03-01T09:00:00Z');
  const fake = await startFakeGitHub({ now: () => clock, log: () => undefined, ...options });
  open.push(fake);
  const seeded = fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n', 'src/a.txt': 'one\n' }, ci: { checks: ['build', 'lint'], outcome: 'pass', durationMs: 60_000 }, ...seed });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'secret-token', log: quiet, request: { retries: 0 } });
  return { fake, octokit, main: seeded.headSha };
}

/** A commit on a new branch changing one file, from `parent` (default: main's head). */
async function commitOn(octokit: Octokit, branch: string, path: string, content: string, parent?: string): Promise<string> {
  const base = parent ?? (await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
  const baseCommit = await octokit.rest.git.getCommit({ ...repo, commit_sha: base });
  const tree = await octokit.rest.git.createTree({ ...repo, base_tree: baseCommit.data.tree.sha, tree: [{ path, mode: '100644', type: 'blob', content }] });
  const commit = await octokit.rest.git.createCommit({ ...repo, message: `Change ${path}`, tree: tree.data.sha, parents: [base] });
  await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  return commit.data.sha;
}

async function failureOf(call: Promise<unknown>): Promise<{ status: number; message: string; errors: unknown }> {
  return call.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => {
      const failure = error as { status: number; response: { data: { message: string; errors?: unknown } } };
      return { status: failure.status, message: failure.response.data.message, errors: failure.response.data.errors };
    },
  );
}

function deploymentId(data: unknown): number {
  if (data && typeof data === 'object' && 'id' in data && typeof data.id === 'number') return data.id;
  throw new Error(`not a deployment: ${JSON.stringify(data)}`);
}

describe('creating a deployment', () => {
  test('a ref that names no commit is 422 in GitHub words; a branch, a tag and a sha are deployed at their commit', async () => {
    const { fake, octokit, main } = await setup();
    expect(await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: 'nope', required_contexts: [] }))).toMatchObject({ status: 422, message: 'No ref found for: nope' });
    expect(await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: '0'.repeat(40), required_contexts: [] }))).toMatchObject({ status: 422, message: `No ref found for: ${'0'.repeat(40)}` });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/tags/v1.0.0', sha: main });
    for (const ref of ['main', 'v1.0.0', main]) {
      const created = await octokit.rest.repos.createDeployment({ ...repo, ref, required_contexts: [] });
      expect(created.status).toBe(201);
      expect(created.data).toMatchObject({ ref, sha: main, task: 'deploy', environment: 'production', original_environment: 'production', production_environment: true, transient_environment: false, payload: {}, description: '', creator: { login: 'fleet-bot' } });
    }
    expect(fake.state.deployments()).toHaveLength(3);
  });

  test('without required_contexts every context on the commit must have succeeded (409 with the contexts); [] checks none; named ones must exist and pass', async () => {
    const { fake, octokit, main } = await setup();
    const sha = await commitOn(octokit, 'topic', 'src/a.txt', 'two\n');
    const pending = await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: sha, auto_merge: false }));
    expect(pending).toMatchObject({ status: 409, message: `Conflict: Commit status checks failed for ${sha}.` });
    expect(pending.errors).toEqual([{ contexts: [{ context: 'build', state: 'pending' }, { context: 'lint', state: 'pending' }], resource: 'Deployment', field: 'required_contexts', code: 'invalid' }]);
    // [] bypasses the check, as GitHub documents.
    expect((await octokit.rest.repos.createDeployment({ ...repo, ref: sha, auto_merge: false, required_contexts: [], environment: 'canary' })).status).toBe(201);
    fake.state.completeCheck('acme', 'api', sha, 'build', 'success');
    fake.state.completeCheck('acme', 'api', sha, 'lint', 'failure');
    const failed = await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: 'topic', auto_merge: false }));
    expect(failed).toMatchObject({ status: 409, message: 'Conflict: Commit status checks failed for topic.' });
    expect(failed.errors).toEqual([expect.objectContaining({ contexts: [{ context: 'build', state: 'success' }, { context: 'lint', state: 'failure' }] })]);
    expect((await octokit.rest.repos.createDeployment({ ...repo, ref: sha, auto_merge: false, required_contexts: ['build'] })).status).toBe(201);
    const missing = await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: sha, auto_merge: false, required_contexts: ['build', 'security'] }));
    expect(missing.status).toBe(409);
    expect(missing.errors).toEqual([expect.objectContaining({ contexts: [{ context: 'build', state: 'success' }, { context: 'security', state: 'missing' }] })]);
    // The seeded head's CI completed at seed time: it deploys with the default check.
    expect((await octokit.rest.repos.createDeployment({ ...repo, ref: main })).status).toBe(201);
    expect(fake.state.deployments().map((d) => d.environment)).toEqual(['canary', 'production', 'production']);
  });

  test('auto_merge (the default): a branch behind the default branch gets the default branch merged in (202, no deployment); a sha behind it, or a conflict, is 409', async () => {
    const { fake, octokit, main } = await setup({}, { ci: undefined });
    const topic = await commitOn(octokit, 'topic', 'docs/new.txt', 'new\n');
    await commitOn(octokit, 'clash', 'src/a.txt', 'clash\n', main);
    // main moves on: both branches are now behind it.
    const mainNext = await commitOn(octokit, 'next', 'src/a.txt', 'three\n', main);
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: mainNext });
    expect(await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: topic }))).toMatchObject({ status: 409, message: `Conflict merging main into ${topic}.` });
    expect(await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: 'clash' }))).toMatchObject({ status: 409, message: 'Conflict merging main into clash.' });
    const merged = await octokit.rest.repos.createDeployment({ ...repo, ref: 'topic' });
    expect([merged.status, merged.data]).toEqual([202, { message: 'Auto-merged main into topic on deployment.' }]);
    expect(fake.state.deployments()).toEqual([]);
    const head = (await octokit.rest.git.getRef({ ...repo, ref: 'heads/topic' })).data.object.sha;
    const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: head });
    expect(commit.data.parents.map((parent) => parent.sha)).toEqual([topic, mainNext]);
    expect(fake.state.readFiles('acme', 'api', 'topic')).toMatchObject({ 'docs/new.txt': 'new\n', 'src/a.txt': 'three\n' });
    // Asked again, the branch is up to date and is deployed; auto_merge false deploys a stale sha as it is.
    expect((await octokit.rest.repos.createDeployment({ ...repo, ref: 'topic' })).data).toMatchObject({ sha: head });
    expect((await octokit.rest.repos.createDeployment({ ...repo, ref: topic, auto_merge: false })).data).toMatchObject({ sha: topic });
  });

  test('a payload is an object or a JSON string; bad bodies are refused in GitHub words and create nothing', async () => {
    const { fake, octokit, main } = await setup();
    const asObject = await octokit.rest.repos.createDeployment({ ...repo, ref: main, payload: { fleet: { campaign: 3, target: 9 } }, environment: 'canary', transient_environment: true, description: 'Fleet canary' });
    expect(asObject.data).toMatchObject({ payload: { fleet: { campaign: 3, target: 9 } }, environment: 'canary', production_environment: false, transient_environment: true, description: 'Fleet canary' });
    const asString = await octokit.rest.repos.createDeployment({ ...repo, ref: main, payload: '{"version":"1.2.3"}', task: 'deploy:migrations', production_environment: false });
    expect(asString.data).toMatchObject({ payload: { version: '1.2.3' }, task: 'deploy:migrations', environment: 'production', production_environment: false });
    const request = (body: Record<string, unknown>) => failureOf(octokit.request('POST /repos/{owner}/{repo}/deployments', { ...repo, ...body } as never));
    expect(await request({ payload: 'not json', ref: main })).toMatchObject({ status: 422, message: 'Validation Failed' });
    expect(await request({})).toMatchObject({ status: 422, message: 'Invalid request.\n\n"ref" wasn\'t supplied.' });
    expect(await request({ ref: main, auto_merge: 'no' })).toMatchObject({ status: 422, message: 'Invalid request.\n\nFor \'properties/auto_merge\', "no" is not a boolean.' });
    expect(await request({ ref: main, required_contexts: 'build' })).toMatchObject({ status: 422 });
    expect(fake.state.deployments()).toHaveLength(2);
  });

  test('an archived repository refuses deployments', async () => {
    const { octokit, main } = await setup({}, { archived: true });
    expect(await failureOf(octokit.rest.repos.createDeployment({ ...repo, ref: main, required_contexts: [] }))).toMatchObject({ status: 403, message: 'Repository was archived so is read-only.' });
  });
});

describe('listing, statuses and deleting', () => {
  test('the list is newest first, filtered by sha, ref, task and environment, and paginated with Link', async () => {
    const { octokit, main } = await setup({}, { ci: undefined });
    const topic = await commitOn(octokit, 'topic', 'src/a.txt', 'two\n');
    const ids: number[] = [];
    for (const [ref, environment, task] of [[main, 'production', 'deploy'], [topic, 'canary', 'deploy'], ['topic', 'canary', 'deploy:migrations'], [main, 'staging', 'deploy']] as const) {
      ids.push(deploymentId((await octokit.rest.repos.createDeployment({ ...repo, ref, environment, task, auto_merge: false })).data));
    }
    const all = await octokit.rest.repos.listDeployments(repo);
    expect(all.data.map((d) => d.id)).toEqual([...ids].reverse());
    expect((await octokit.rest.repos.listDeployments({ ...repo, sha: topic })).data.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    expect((await octokit.rest.repos.listDeployments({ ...repo, ref: 'topic' })).data.map((d) => d.id)).toEqual([ids[2]]);
    expect((await octokit.rest.repos.listDeployments({ ...repo, environment: 'canary', task: 'deploy' })).data.map((d) => d.id)).toEqual([ids[1]]);
    const first = await octokit.rest.repos.listDeployments({ ...repo, per_page: 3 });
    expect(first.data.map((d) => d.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(first.headers.link).toContain('rel="next"');
    const pages = await octokit.paginate(octokit.rest.repos.listDeployments, { ...repo, per_page: 1 });
    expect(pages.map((d) => d.id)).toEqual([...ids].reverse());
    expect(await failureOf(octokit.rest.repos.getDeployment({ ...repo, deployment_id: 123 }))).toMatchObject({ status: 404 });
    expect(await failureOf(octokit.rest.repos.listDeployments({ owner: 'acme', repo: 'other' }))).toMatchObject({ status: 404 });
  });

  test('statuses: newest first, environment inherited then moved, log_url sets target_url, a long description refused, auto_inactive on success', async () => {
    const { octokit, main } = await setup({}, { ci: undefined });
    const create = async (environment: string, extra: { transient_environment?: boolean; production_environment?: boolean } = {}) => deploymentId((await octokit.rest.repos.createDeployment({ ...repo, ref: main, environment, auto_merge: false, ...extra })).data);
    const first = await create('staging');
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: first, state: 'success' });
    const queued = await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: first, state: 'queued', log_url: 'https://cd.example/1' });
    expect(queued.data).toMatchObject({ state: 'queued', environment: 'staging', log_url: 'https://cd.example/1', target_url: 'https://cd.example/1', environment_url: '', description: '' });
    // Back to success, so auto_inactive has something to mark.
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: first, state: 'success', environment_url: 'https://staging.example/' });
    const transient = await create('staging', { transient_environment: true });
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: transient, state: 'success' });
    const prod = await create('production');
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: prod, state: 'success' });
    const second = await create('staging');
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: second, state: 'success' });
    const states = async (id: number) => (await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id })).data.map((s) => s.state);
    expect(await states(first)).toEqual(['inactive', 'success', 'queued', 'success']);
    // A transient deployment is not marked, nor is another environment's.
    expect(await states(transient)).toEqual(['success']);
    expect(await states(prod)).toEqual(['success']);
    // auto_inactive false leaves the earlier one as it is; a success of a production deployment does not mark production ones (GitHub marks non-production ones only).
    const third = await create('staging');
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: third, state: 'success', auto_inactive: false });
    expect(await states(second)).toEqual(['success']);
    const prod2 = await create('production');
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: prod2, state: 'success' });
    expect(await states(prod)).toEqual(['success']);
    // A status may move the deployment to another environment.
    const moved = await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: third, state: 'in_progress', environment: 'qa' });
    expect(moved.data.environment).toBe('qa');
    expect((await octokit.rest.repos.getDeployment({ ...repo, deployment_id: third })).data).toMatchObject({ environment: 'qa', original_environment: 'staging' });
    expect((await octokit.rest.repos.getDeploymentStatus({ ...repo, deployment_id: third, status_id: moved.data.id })).data).toMatchObject({ id: moved.data.id, state: 'in_progress' });
    expect(await failureOf(octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: third, state: 'failure', description: 'x'.repeat(141) }))).toMatchObject({ status: 422, message: 'Validation Failed' });
    expect(await failureOf(octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { ...repo, deployment_id: third, state: 'done' } as never))).toMatchObject({ status: 422 });
    expect(await failureOf(octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: 4242, state: 'success' }))).toMatchObject({ status: 404 });
    expect(await failureOf(octokit.rest.repos.getDeploymentStatus({ ...repo, deployment_id: third, status_id: queued.data.id }))).toMatchObject({ status: 404 });
    expect(await states(third)).toEqual(['in_progress', 'success']);
  });

  test('only an inactive deployment, or the repository\'s only one, can be deleted', async () => {
    const { fake, octokit, main } = await setup({}, { ci: undefined });
    const only = deploymentId((await octokit.rest.repos.createDeployment({ ...repo, ref: main, auto_merge: false })).data);
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: only, state: 'success' });
    const other = deploymentId((await octokit.rest.repos.createDeployment({ ...repo, ref: main, environment: 'canary', auto_merge: false })).data);
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: other, state: 'success' });
    expect(await failureOf(octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: other }))).toMatchObject({ status: 422, message: 'We cannot delete an active deployment unless it is the only deployment in a given environment.' });
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: other, state: 'inactive' });
    expect((await octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: other })).status).toBe(204);
    expect((await octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: only })).status).toBe(204);
    expect(fake.state.deployments()).toEqual([]);
    expect(await failureOf(octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: only }))).toMatchObject({ status: 404 });
  });
});

describe('webhooks', () => {
  async function receiver(): Promise<{ url: string; received: ReceivedDelivery[] }> {
    const hook = await startWebhookReceiver('/github/webhooks');
    servers.push(hook);
    return hook;
  }

  test('deployment and deployment_status (created) carry GitHub\'s payloads, signed', async () => {
    const hook = await receiver();
    const { fake, octokit, main } = await setup({ webhook: { url: hook.url, secret: 'shh' } }, { ci: undefined });
    const id = deploymentId((await octokit.rest.repos.createDeployment({ ...repo, ref: main, environment: 'canary', auto_merge: false, transient_environment: true, payload: { fleet: { campaign: 1 } } })).data);
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: id, state: 'success', environment_url: 'https://canary.example/', log_url: 'https://cd.example/7' });
    await fake.state.flushWebhooks();
    const deliveries = hook.received.filter((d) => String(d.headers['x-github-event']).startsWith('deployment'));
    expect(deliveries.map((d) => d.headers['x-github-event'])).toEqual(['deployment', 'deployment_status']);
    const webhooks = new Webhooks({ secret: 'shh' });
    for (const delivery of deliveries) expect(await webhooks.verify(delivery.body, String(delivery.headers['x-hub-signature-256']))).toBe(true);
    const [created, status] = deliveries.map((d) => JSON.parse(d.body) as Record<string, unknown>);
    expect(created).toMatchObject({ action: 'created', deployment: { id, sha: main, environment: 'canary', transient_environment: true, payload: { fleet: { campaign: 1 } } }, workflow: null, workflow_run: null, repository: { full_name: 'acme/api' }, sender: { login: 'fleet-bot' } });
    expect(status).toMatchObject({
      action: 'created',
      deployment_status: { state: 'success', environment: 'canary', environment_url: 'https://canary.example/', log_url: 'https://cd.example/7', target_url: 'https://cd.example/7' },
      deployment: { id, sha: main },
      repository: { full_name: 'acme/api' },
    });
  });
});
