import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../../src/sandbox/github/server.js';
import { DEPLOY_BREAKS, deployBreaking, generateFleet } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleetOverHttp } from '../../../src/sandbox/fleet/seed-fleet.js';
import { startWebhookReceiver, type ReceivedDelivery } from '../../support/webhook-receiver.js';

/**
 * The sandbox's CD over the fake GitHub, through the real Octokit client: production deployed
 * from the start, each deployment reported on the fake's clock (in_progress, then success or the
 * failure the ground truth names), merges deployed to production by the CD's account, and the
 * history of which version ran where.
 */

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };
const START = Date.parse('2025-03-01T09:00:00Z');
const BREAKS = 'the canary pod crash-looped: CrashLoopBackOff';

let open: FakeGitHub[] = [];
const servers: { close: () => void }[] = [];
afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
  for (const server of servers.splice(0)) server.close();
});

async function receiver(): Promise<{ url: string; received: ReceivedDelivery[] }> {
  const hook = await startWebhookReceiver('/hooks');
  servers.push(hook);
  return hook;
}

async function setup(options: FakeGitHubOptions = {}) {
  const fake = await startFakeGitHub({
    now: () => START,
    log: () => undefined,
    cd: { delays: { inProgressMs: 10_000, successMs: 60_000 }, breaks: (name) => (name === 'acme/ledger' ? BREAKS : undefined) },
    ...options,
  });
  open.push(fake);
  const api = fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n', 'src/a.txt': 'one\n' } });
  const ledger = fake.state.seedRepo({ owner: 'acme', name: 'ledger', files: { 'README.md': '# ledger\n' } });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'secret-token', log: quiet, request: { retries: 0 } });
  return { fake, octokit, api: api.headSha, ledger: ledger.headSha };
}

async function branchCommit(octokit: Octokit, owner: string, name: string, branch: string): Promise<string> {
  const base = (await octokit.rest.git.getRef({ owner, repo: name, ref: 'heads/main' })).data.object.sha;
  const baseCommit = await octokit.rest.git.getCommit({ owner, repo: name, commit_sha: base });
  const tree = await octokit.rest.git.createTree({ owner, repo: name, base_tree: baseCommit.data.tree.sha, tree: [{ path: 'src/change.txt', mode: '100644', type: 'blob', content: 'the change\n' }] });
  const commit = await octokit.rest.git.createCommit({ owner, repo: name, message: 'The change', tree: tree.data.sha, parents: [base] });
  await octokit.rest.git.createRef({ owner, repo: name, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  return commit.data.sha;
}

async function canary(octokit: Octokit, owner: string, name: string, sha: string): Promise<number> {
  const created = await octokit.rest.repos.createDeployment({ owner, repo: name, ref: sha, environment: 'canary', transient_environment: true, production_environment: false, auto_merge: false, required_contexts: [], payload: { fleet: { campaign: 1, target: 1 } } });
  if (!('id' in created.data)) throw new Error('no deployment');
  return created.data.id;
}

async function states(octokit: Octokit, owner: string, name: string, id: number): Promise<string[]> {
  return (await octokit.rest.repos.listDeploymentStatuses({ owner, repo: name, deployment_id: id })).data.map((status) => status.state).reverse();
}

describe('the simulated CD', () => {
  test('every repository starts with its default branch head running in production, announced by no webhook', async () => {
    const hook = await receiver();
    const { fake, octokit, api } = await setup({ webhook: { url: hook.url, secret: 's' } });
    const listed = await octokit.rest.repos.listDeployments({ ...repo, environment: 'production' });
    expect(listed.data.map((d) => [d.sha, d.creator?.login, d.production_environment])).toEqual([[api, 'fleet-sandbox-cd[bot]', true]]);
    const statuses = await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: listed.data[0]?.id ?? 0 });
    expect(statuses.data.map((s) => [s.state, s.environment_url])).toEqual([['success', 'https://production.api.sandbox.fleet.invalid/']]);
    expect(fake.history?.versions('acme/api', 'production')).toEqual([{ repo: 'acme/api', environment: 'production', sha: api, deployment: listed.data[0]?.id, from: START, to: null, carriesChange: false }]);
    expect(fake.cd?.seededVersion('acme/api')).toBe(api);
    await fake.state.flushWebhooks();
    expect(hook.received.filter((d) => String(d.headers['x-github-event']).startsWith('deployment'))).toEqual([]);
  });

  test('a canary is reported in_progress, then success with its environment URL, on the fake clock; marked inactive, it stops running', async () => {
    const hook = await receiver();
    const { fake, octokit } = await setup({ webhook: { url: hook.url, secret: 's' } });
    const sha = await branchCommit(octokit, 'acme', 'api', 'fleet/change');
    const id = await canary(octokit, 'acme', 'api', sha);
    expect(await states(octokit, 'acme', 'api', id)).toEqual([]);
    fake.state.advance(9_000);
    expect(await states(octokit, 'acme', 'api', id)).toEqual([]);
    fake.state.advance(1_000);
    expect(await states(octokit, 'acme', 'api', id)).toEqual(['in_progress']);
    expect(fake.history?.versions('acme/api', 'canary')).toEqual([]);
    fake.state.advance(50_000);
    const statuses = (await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id })).data;
    expect(statuses.map((s) => [s.state, s.creator?.login, s.environment_url])).toEqual([
      ['success', 'fleet-sandbox-cd[bot]', 'https://canary.api.sandbox.fleet.invalid/'],
      ['in_progress', 'fleet-sandbox-cd[bot]', ''],
    ]);
    expect(statuses[0]?.log_url).toBe(`https://cd.sandbox.fleet.invalid/acme/api/deployments/${id}`);
    expect(statuses[0]?.created_at).toBe(new Date(START + 60_000).toISOString().replace('.000Z', 'Z'));
    expect(fake.history?.versions('acme/api', 'canary')).toEqual([{ repo: 'acme/api', environment: 'canary', sha, deployment: id, from: START + 60_000, to: null, carriesChange: true }]);
    // The canary runs beside production: production's version is not replaced by it.
    expect(fake.history?.versions('acme/api', 'production').map((v) => v.to)).toEqual([null]);
    fake.state.advance(120_000);
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: id, state: 'inactive' });
    expect(fake.history?.versions('acme/api', 'canary').map((v) => [v.from, v.to])).toEqual([[START + 60_000, START + 180_000]]);
    await fake.state.flushWebhooks();
    const events = hook.received.map((d) => `${String(d.headers['x-github-event'])}:${(JSON.parse(d.body) as { deployment_status?: { state: string } }).deployment_status?.state ?? ''}`).filter((e) => e.startsWith('deployment'));
    expect(events).toEqual(['deployment:', 'deployment_status:in_progress', 'deployment_status:success', 'deployment_status:inactive']);
  });

  test('a repository whose deploy breaks reports failure with the ground truth\'s description, and no version runs', async () => {
    const { fake, octokit } = await setup();
    const sha = await branchCommit(octokit, 'acme', 'ledger', 'fleet/change');
    const id = await canary(octokit, 'acme', 'ledger', sha);
    // One jump past both delays still reports both steps.
    fake.state.advance(600_000);
    const statuses = (await octokit.rest.repos.listDeploymentStatuses({ owner: 'acme', repo: 'ledger', deployment_id: id })).data;
    expect(statuses.map((s) => [s.state, s.description])).toEqual([
      ['failure', BREAKS],
      ['in_progress', `Rolling out ${sha.slice(0, 7)} to canary.`],
    ]);
    expect(fake.history?.versions('acme/ledger', 'canary')).toEqual([]);
    expect(fake.history?.versions('acme/ledger', 'production').map((v) => v.carriesChange)).toEqual([false]);
  });

  test('a deployment someone else decides first (marked inactive) is left alone', async () => {
    const { fake, octokit } = await setup();
    const sha = await branchCommit(octokit, 'acme', 'api', 'fleet/change');
    const id = await canary(octokit, 'acme', 'api', sha);
    fake.state.advance(20_000);
    await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: id, state: 'inactive' });
    fake.state.advance(600_000);
    expect(await states(octokit, 'acme', 'api', id)).toEqual(['in_progress', 'inactive']);
  });

  test('a merge into the default branch is deployed to production by the CD, replacing the version that ran', async () => {
    const { fake, octokit, api } = await setup();
    await branchCommit(octokit, 'acme', 'api', 'fleet/change');
    const pull = await octokit.rest.pulls.create({ ...repo, title: 'The change', head: 'fleet/change', base: 'main' });
    fake.state.advance(5_000);
    const merged = await octokit.rest.pulls.merge({ ...repo, pull_number: pull.data.number, merge_method: 'squash' });
    const production = await octokit.rest.repos.listDeployments({ ...repo, environment: 'production' });
    expect(production.data.map((d) => [d.sha, d.creator?.login, d.created_at])).toEqual([
      [merged.data.sha, 'fleet-sandbox-cd[bot]', new Date(START + 5_000).toISOString().replace('.000Z', 'Z')],
      [api, 'fleet-sandbox-cd[bot]', new Date(START).toISOString().replace('.000Z', 'Z')],
    ]);
    fake.state.advance(60_000);
    expect(fake.history?.versions('acme/api', 'production').map((v) => [v.sha, v.from, v.to, v.carriesChange])).toEqual([
      [api, START, START + 65_000, false],
      [merged.data.sha, START + 65_000, null, true],
    ]);
    // A push that moves the default branch is deployed the same way, once.
    const next = await octokit.rest.git.createCommit({ ...repo, message: 'Another', tree: (await octokit.rest.git.getCommit({ ...repo, commit_sha: merged.data.sha })).data.tree.sha, parents: [merged.data.sha] });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: next.data.sha });
    expect((await octokit.rest.repos.listDeployments({ ...repo, sha: next.data.sha })).data).toHaveLength(1);
  });

  test('deployments GitHub Actions made are left to the workflow that made them', async () => {
    const { fake, api } = await setup({ tokens: { actions: 'github-actions[bot]', fleet: 'fleet-bot' } });
    const actions = new Octokit({ baseUrl: fake.url, auth: 'actions', log: quiet, request: { retries: 0 } });
    const id = await canary(actions, 'acme', 'api', api);
    fake.state.advance(600_000);
    expect(await states(actions, 'acme', 'api', id)).toEqual([]);
  });

  test('the generated fleet\'s truth travels with the seed (over the control API too): its deploy-breaking repository fails, the others deploy', async () => {
    const fake = await startFakeGitHub({ now: () => START, log: () => undefined, cd: { delays: { inProgressMs: 1_000, successMs: 2_000 } } });
    open.push(fake);
    const fleet = generateFleet({ seed: 42, repos: 48, size: 'small' }).filter((repo) => repo.org === 'acme');
    await seedFleetOverHttp({ url: fake.url, fetch }, fleet);
    const octokit = new Octokit({ baseUrl: fake.url, auth: 'secret-token', log: quiet, request: { retries: 0 } });
    const [owner, broken] = (deployBreaking(fleet) ?? '').split('/');
    const healthy = fleet.find((repo) => repo.deployBreaks === undefined)?.name ?? '';
    const ids = [];
    for (const name of [broken ?? '', healthy]) ids.push(await canary(octokit, owner ?? '', name, await branchCommit(octokit, owner ?? '', name, 'fleet/change')));
    // The version running in production at the start deploys even where the change breaks.
    const seededSha = fake.cd?.seededVersion(`${owner ?? ''}/${broken ?? ''}`) ?? '';
    const rerun = await canary(octokit, owner ?? '', broken ?? '', seededSha);
    fake.state.advance(2_000);
    const last = async (name: string, id: number) => (await octokit.rest.repos.listDeploymentStatuses({ owner: owner ?? '', repo: name, deployment_id: id })).data[0];
    expect(await last(broken ?? '', ids[0] ?? 0)).toMatchObject({ state: 'failure', description: DEPLOY_BREAKS });
    expect(await last(healthy, ids[1] ?? 0)).toMatchObject({ state: 'success' });
    expect(await last(broken ?? '', rerun)).toMatchObject({ state: 'success' });
    expect(fake.history?.versions(`${owner ?? ''}/${broken ?? ''}`, 'canary').map((v) => [v.sha, v.carriesChange])).toEqual([[seededSha, false]]);
  });

  test('without the cd option the fake deploys nothing by itself', async () => {
    const fake = await startFakeGitHub({ now: () => START, log: () => undefined });
    open.push(fake);
    fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    fake.state.advance(600_000);
    expect([fake.cd, fake.history, fake.state.deployments()]).toEqual([undefined, undefined, []]);
  });
});
