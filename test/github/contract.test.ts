import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';

/**
 * The fake's responses, checked against GitHub's published OpenAPI description: for every route
 * Fleet calls, the status must be documented for that operation and the body must satisfy the
 * documented schema's required fields and types. If the fake drifts from the real API, this fails.
 */

interface Schema {
  type?: string;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

const require = createRequire(import.meta.url);
const description = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.deref.json'), 'utf8')) as { paths: Record<string, Record<string, Operation>> };

/** A small JSON Schema checker for the subset GitHub's description uses (OpenAPI 3.0). */
function checkSchema(value: unknown, schema: Schema, path = '$'): string[] {
  if (value === null) return schema.nullable || schema.type === 'null' || (schema.oneOf ?? schema.anyOf ?? []).some((option) => checkSchema(null, option).length === 0) || (!schema.type && !schema.oneOf && !schema.anyOf && !schema.allOf) ? [] : [`${path}: null is not allowed`];
  if (schema.allOf) return schema.allOf.flatMap((part) => checkSchema(value, part, path));
  const options = schema.oneOf ?? schema.anyOf;
  if (options) {
    const results = options.map((option) => checkSchema(value, option, path));
    return results.some((errors) => errors.length === 0) ? [] : [`${path}: matches none of ${options.length} options (${results.map((errors) => errors[0]).join(' | ')})`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${JSON.stringify(value)}`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${JSON.stringify(value)}`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected an array`];
      return schema.items ? value.flatMap((item, index) => checkSchema(item, schema.items as Schema, `${path}[${index}]`)) : [];
    case 'object':
    case undefined: {
      if (schema.type === undefined && !schema.properties) return [];
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
      const record = value as Record<string, unknown>;
      const missing = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${path}.${key}: required but missing`);
      const nested = Object.entries(schema.properties ?? {}).flatMap(([key, child]) => (key in record && record[key] !== undefined ? checkSchema(record[key], child, `${path}.${key}`) : []));
      return [...missing, ...nested];
    }
    default:
      return [];
  }
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Exchange {
  method: string;
  route: string;
  status: number;
  body: unknown;
}

function checkExchange(exchange: Exchange): string[] {
  const operation = description.paths[exchange.route]?.[exchange.method.toLowerCase()];
  if (!operation) return [`${exchange.method} ${exchange.route}: not in GitHub's description`];
  const response = operation.responses[String(exchange.status)];
  if (!response) return [`${exchange.method} ${exchange.route}: status ${exchange.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema || exchange.status === 204 || exchange.status === 304) return [];
  return checkSchema(exchange.body, schema).map((error) => `${exchange.method} ${exchange.route} ${exchange.status}: ${error}`);
}

/** The routes Fleet calls; each must be exercised below and pass the contract. */
const ROUTES = [
  'GET /orgs/{org}/repos',
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/git/ref/{ref}',
  'POST /repos/{owner}/{repo}/git/refs',
  'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
  'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  'POST /repos/{owner}/{repo}/git/trees',
  'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
  'POST /repos/{owner}/{repo}/git/blobs',
  'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  'POST /repos/{owner}/{repo}/git/commits',
  'GET /repos/{owner}/{repo}/contents/{path}',
  'GET /repos/{owner}/{repo}/compare/{basehead}',
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/pulls',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  'POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest',
  'GET /repos/{owner}/{repo}/commits/{ref}/status',
  'GET /repos/{owner}/{repo}/branches/{branch}/protection',
  'GET /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures',
  'GET /orgs/{org}/teams/{team_slug}/members',
  'GET /repos/{owner}/{repo}/rules/branches/{branch}',
  'GET /repos/{owner}/{repo}/rulesets',
  'GET /repos/{owner}/{repo}/rulesets/{ruleset_id}',
  'GET /user',
  'GET /rate_limit',
  'GET /app',
  'GET /app/installations',
  'POST /app/installations/{installation_id}/access_tokens',
  'GET /repos/{owner}/{repo}/installation',
  'GET /orgs/{org}/installation',
  'GET /users/{username}',
  'GET /search/repositories',
  'GET /search/code',
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch',
  'POST /repos/{owner}/{repo}/deployments',
  'GET /repos/{owner}/{repo}/deployments',
  'GET /repos/{owner}/{repo}/deployments/{deployment_id}',
  'DELETE /repos/{owner}/{repo}/deployments/{deployment_id}',
  'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}',
  'GET /repos/{owner}/{repo}/actions/workflows',
  'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}',
  'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
  'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
  'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
];

describe('the fake GitHub against the published OpenAPI description', () => {
  let fake: FakeGitHub;
  let author: Octokit;
  let reviewer: Octokit;
  const exchanges: Exchange[] = [];

  function record(octokit: Octokit): void {
    octokit.hook.wrap('request', async (request, options) => {
      const route = String(options.url);
      const method = String(options.method);
      try {
        const response = await request(options);
        exchanges.push({ method, route, status: response.status, body: response.data });
        return response;
      } catch (error) {
        const failure = error as { status?: number; response?: { data?: unknown } };
        exchanges.push({ method, route, status: failure.status ?? 0, body: failure.response?.data });
        throw error;
      }
    });
  }

  async function expectStatus(call: Promise<unknown>, status: number): Promise<void> {
    await expect(call).rejects.toMatchObject({ status });
  }

  beforeAll(async () => {
    let clock = Date.parse('2025-03-01T09:00:00Z');
    fake = await startFakeGitHub({ now: () => clock, tokens: { 'author-token': 'fleet-bot', 'reviewer-token': 'alice' }, log: () => undefined, app: { id: 77, slug: 'fleet-contract', installations: [{ id: 11, account: 'acme' }, { id: 22, account: 'globex' }] } });
    fake.state.seedRepo({
      owner: 'acme',
      name: 'payments-api',
      files: { 'package.json': '{\n  "dependencies": { "lodash": "4.17.15" }\n}\n', 'README.md': '# payments-api\n', 'src/index.ts': 'export {};\n' },
      topics: ['node', 'payments'],
      language: 'TypeScript',
      protection: { requiredChecks: ['build'], requiredApprovals: 1 },
      ci: { checks: ['build', 'lint'], outcome: 'pass', durationMs: 60_000 },
    });
    fake.state.seedRepo({ owner: 'acme', name: 'search-web', files: { 'README.md': '# search-web\n' } });
    fake.state.seedRepo({ owner: 'acme', name: 'payments-api-fork', files: { 'package.json': '{ "dependencies": { "lodash": "4.17.15" } }\n' }, forkOf: 'acme/payments-api' });
    fake.state.addTeam('acme', 'payments', ['payments-lead', 'alice']);
    author = new Octokit({ baseUrl: fake.url, auth: 'author-token', request: { retries: 0 }, log: quiet });
    reviewer = new Octokit({ baseUrl: fake.url, auth: 'reviewer-token', request: { retries: 0 }, log: quiet });
    record(author);
    record(reviewer);

    const repo = { owner: 'acme', repo: 'payments-api' };
    await author.rest.repos.listForOrg({ org: 'acme', type: 'all', per_page: 1 });
    await author.rest.repos.get(repo);
    await expectStatus(author.rest.repos.get({ owner: 'acme', repo: 'missing' }), 404);
    const main = await author.rest.git.getRef({ ...repo, ref: 'heads/main' });
    await expectStatus(author.rest.git.getRef({ ...repo, ref: 'heads/missing' }), 404);
    const base = main.data.object.sha;
    const baseCommit = await author.rest.git.getCommit({ ...repo, commit_sha: base });
    await author.rest.git.getTree({ ...repo, tree_sha: baseCommit.data.tree.sha, recursive: '1' });
    const blob = await author.rest.git.createBlob({ ...repo, content: 'hello\n', encoding: 'utf-8' });
    await author.rest.git.getBlob({ ...repo, file_sha: blob.data.sha });
    const tree = await author.rest.git.createTree({
      ...repo,
      base_tree: baseCommit.data.tree.sha,
      tree: [
        { path: 'package.json', mode: '100644', type: 'blob', content: '{\n  "dependencies": { "lodash": "4.17.21" }\n}\n' },
        { path: 'docs/hello.txt', mode: '100644', type: 'blob', sha: blob.data.sha },
      ],
    });
    const commit = await author.rest.git.createCommit({ ...repo, message: 'Bump lodash', tree: tree.data.sha, parents: [base] });
    await author.rest.git.createRef({ ...repo, ref: 'refs/heads/fleet/lodash', sha: commit.data.sha });
    await expectStatus(author.rest.git.createRef({ ...repo, ref: 'refs/heads/fleet/lodash', sha: commit.data.sha }), 422);
    await author.rest.git.createRef({ ...repo, ref: 'refs/heads/scratch', sha: base });
    await author.rest.git.updateRef({ ...repo, ref: 'heads/scratch', sha: commit.data.sha, force: true });
    await author.rest.git.deleteRef({ ...repo, ref: 'heads/scratch' });
    await expectStatus(author.rest.git.deleteRef({ ...repo, ref: 'heads/scratch' }), 422);
    await author.rest.repos.getContent({ ...repo, path: 'package.json', ref: 'fleet/lodash' });
    await author.rest.repos.getContent({ ...repo, path: 'docs', ref: 'fleet/lodash' });
    await expectStatus(author.rest.repos.getContent({ ...repo, path: 'nope.txt' }), 404);
    await author.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `main...fleet/lodash` });
    const pull = await author.rest.pulls.create({ ...repo, title: 'Bump lodash to 4.17.21', head: 'fleet/lodash', base: 'main', body: '<!-- fleet:campaign=1 -->' });
    await expectStatus(author.rest.pulls.create({ ...repo, title: 'again', head: 'fleet/lodash', base: 'main' }), 422);
    const number = pull.data.number;
    await author.rest.pulls.list({ ...repo, head: 'acme:fleet/lodash', state: 'open' });
    await author.rest.pulls.get({ ...repo, pull_number: number });
    await expectStatus(author.rest.pulls.get({ ...repo, pull_number: 999 }), 404);
    await author.rest.pulls.update({ ...repo, pull_number: number, body: '<!-- fleet:campaign=1 -->\nUpdated.' });
    await author.rest.pulls.listFiles({ ...repo, pull_number: number });
    await author.rest.pulls.requestReviewers({ ...repo, pull_number: number, reviewers: ['alice'], team_reviewers: ['payments'] });
    await author.rest.issues.addLabels({ ...repo, issue_number: number, labels: ['fleet', 'dependencies'] });
    await author.rest.issues.createComment({ ...repo, issue_number: number, body: 'Canary passed.' });
    await author.rest.issues.listComments({ ...repo, issue_number: number });
    await author.rest.checks.listForRef({ ...repo, ref: commit.data.sha });
    await author.rest.repos.getCombinedStatusForRef({ ...repo, ref: commit.data.sha });
    await author.rest.repos.getBranchProtection({ ...repo, branch: 'main' });
    await expectStatus(author.rest.repos.getBranchProtection({ owner: 'acme', repo: 'search-web', branch: 'main' }), 404);
    await author.rest.repos.getCommitSignatureProtection({ ...repo, branch: 'main' });
    await expectStatus(author.rest.repos.getCommitSignatureProtection({ owner: 'acme', repo: 'search-web', branch: 'main' }), 404);
    await author.rest.users.getAuthenticated();
    await author.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'payments', per_page: 1 });
    // Rulesets: a repository one and an organisation one, read as Fleet reads them.
    fake.state.seedRepo({
      owner: 'acme',
      name: 'ledger',
      files: { 'README.md': '# ledger\n' },
      rulesets: [
        {
          name: 'main',
          rules: [
            { type: 'required_status_checks', parameters: { required_status_checks: [{ context: 'build' }], strict_required_status_checks_policy: true } },
            { type: 'pull_request', parameters: { required_approving_review_count: 1, require_code_owner_review: true, require_last_push_approval: false, dismiss_stale_reviews_on_push: true, required_review_thread_resolution: false } },
            { type: 'required_linear_history' },
            { type: 'merge_queue', parameters: { merge_method: 'SQUASH', grouping_strategy: 'ALLGREEN', max_entries_to_build: 5, min_entries_to_merge: 1, max_entries_to_merge: 5, min_entries_to_merge_wait_minutes: 5, check_response_timeout_minutes: 60 } },
          ],
        },
      ],
    });
    const orgRuleset = fake.state.addRuleset('acme', null, { name: 'signed', include: ['~ALL'], rules: [{ type: 'required_signatures' }] });
    const ledger = { owner: 'acme', repo: 'ledger' };
    await author.rest.repos.getBranchRules({ ...ledger, branch: 'main' });
    await author.rest.repos.getBranchRules({ owner: 'acme', repo: 'search-web', branch: 'feature/x' });
    const rulesets = await author.rest.repos.getRepoRulesets({ ...ledger, includes_parents: true });
    await author.rest.repos.getRepoRuleset({ ...ledger, ruleset_id: rulesets.data[0]?.id ?? 0 });
    await author.rest.repos.getRepoRuleset({ ...ledger, ruleset_id: orgRuleset.id });
    await expectStatus(author.rest.repos.getRepoRuleset({ ...ledger, ruleset_id: orgRuleset.id, includes_parents: false }), 404);
    await expectStatus(author.rest.pulls.merge({ ...repo, pull_number: number }), 405);
    clock += 120_000;
    await author.rest.checks.listForRef({ ...repo, ref: commit.data.sha });
    await expectStatus(author.rest.pulls.merge({ ...repo, pull_number: number }), 405);
    await reviewer.rest.pulls.createReview({ ...repo, pull_number: number, event: 'APPROVE', body: 'LGTM' });
    await author.rest.pulls.listReviews({ ...repo, pull_number: number });
    await expectStatus(author.rest.pulls.merge({ ...repo, pull_number: number, sha: base }), 409);
    await author.rest.pulls.merge({ ...repo, pull_number: number, sha: commit.data.sha, merge_method: 'squash' });
    await author.rest.pulls.get({ ...repo, pull_number: number });
    // GitHub documents only 201 for a re-run request; its 403/404 answers are tested in the fake's own tests.
    const runs = await author.rest.checks.listForRef({ ...repo, ref: commit.data.sha });
    await author.rest.checks.rerequestSuite({ ...repo, check_suite_id: runs.data.check_runs[0]?.check_suite?.id ?? 0 });
    await author.rest.repos.getContent({ ...repo, path: '' });
    await author.rest.repos.get({ owner: 'acme', repo: 'payments-api-fork' });
    await author.rest.search.repos({ q: 'org:acme topic:payments fork:true', per_page: 1 });
    await author.rest.search.code({ q: 'lodash filename:package.json path:/ org:acme', per_page: 1 });
    await expectStatus(author.rest.search.code({ q: 'lodash' }), 422);
    await expectStatus(author.rest.search.repos({ q: 'org:acme', page: 11, per_page: 100 }), 422);
    await author.rest.rateLimit.get();

    // The GitHub App: its routes with a JWT, an installation token minted and used.
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const seconds = Math.floor(clock / 1000);
    const signed = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 77, iat: seconds - 30, exp: seconds + 570 })}`;
    const jwt = `${signed}.${sign('sha256', Buffer.from(signed), fake.app?.privateKey ?? '').toString('base64url')}`;
    const app = new Octokit({ baseUrl: fake.url, auth: jwt, request: { retries: 0 }, log: quiet });
    record(app);
    await app.rest.apps.getAuthenticated();
    await app.rest.apps.listInstallations({ per_page: 100 });
    await app.rest.apps.getRepoInstallation(repo);
    await expectStatus(app.rest.apps.getRepoInstallation({ owner: 'initech', repo: 'api' }), 404);
    await app.rest.apps.getOrgInstallation({ org: 'globex' });
    const minted = await app.rest.apps.createInstallationAccessToken({ installation_id: 11 });
    await expectStatus(app.rest.apps.createInstallationAccessToken({ installation_id: 99 }), 404);
    await expectStatus(author.rest.apps.createInstallationAccessToken({ installation_id: 11 }), 401);
    const installation = new Octokit({ baseUrl: fake.url, auth: minted.data.token, request: { retries: 0 }, log: quiet });
    record(installation);
    await installation.rest.repos.get(repo);
    await expectStatus(installation.rest.repos.get({ owner: 'globex', repo: 'web' }), 404);
    await installation.rest.users.getByUsername({ username: 'fleet-contract[bot]' });
    // update-branch: a PR whose base moved on is brought up to date (202); one already up to date, or with a stale expected head, is 422.
    const readme = await author.rest.git.createTree({ ...repo, base_tree: baseCommit.data.tree.sha, tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: '# payments-api, again\n' }] });
    const readmeCommit = await author.rest.git.createCommit({ ...repo, message: 'Readme', tree: readme.data.sha, parents: [base] });
    await author.rest.git.createRef({ ...repo, ref: 'refs/heads/fleet/readme', sha: readmeCommit.data.sha });
    const behind = await author.rest.pulls.create({ ...repo, title: 'Readme', head: 'fleet/readme', base: 'main' });
    await expectStatus(author.rest.pulls.updateBranch({ ...repo, pull_number: behind.data.number, expected_head_sha: base }), 422);
    await author.rest.pulls.updateBranch({ ...repo, pull_number: behind.data.number, expected_head_sha: readmeCommit.data.sha });
    await expectStatus(author.rest.pulls.updateBranch({ ...repo, pull_number: behind.data.number }), 422);
    // Deployments: a canary of a commit, its statuses, the refusals GitHub documents (422 no such ref, 409 failed contexts, 202 auto-merge) and a delete.
    const head = (await author.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
    const canary = await author.rest.repos.createDeployment({ ...repo, ref: head, environment: 'canary', auto_merge: false, required_contexts: [], transient_environment: true, production_environment: false, payload: { fleet: { campaign: 1 } }, description: 'Fleet canary' });
    const canaryId = 'id' in canary.data ? canary.data.id : 0;
    await expectStatus(author.rest.repos.createDeployment({ ...repo, ref: 'no-such-branch', auto_merge: false }), 422);
    await expectStatus(author.rest.repos.createDeployment({ ...repo, ref: head, auto_merge: false, required_contexts: ['security-scan'] }), 409);
    await author.rest.git.createRef({ ...repo, ref: 'refs/heads/old-topic', sha: base });
    const merged = await author.rest.repos.createDeployment({ ...repo, ref: 'old-topic', required_contexts: [] });
    expect(merged.status).toBe(202);
    // Once the default branch is merged in, the same request creates the deployment.
    await author.rest.repos.createDeployment({ ...repo, ref: 'old-topic', required_contexts: [] });
    const progress = await author.rest.repos.createDeploymentStatus({ ...repo, deployment_id: canaryId, state: 'in_progress', log_url: 'https://cd.example/logs/1' });
    await author.rest.repos.createDeploymentStatus({ ...repo, deployment_id: canaryId, state: 'success', environment_url: 'https://canary.payments-api.example/' });
    await author.rest.repos.listDeployments({ ...repo, environment: 'canary', sha: head, per_page: 100 });
    await author.rest.repos.getDeployment({ ...repo, deployment_id: canaryId });
    await expectStatus(author.rest.repos.getDeployment({ ...repo, deployment_id: 999_999 }), 404);
    await author.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: canaryId, per_page: 100 });
    await author.rest.repos.getDeploymentStatus({ ...repo, deployment_id: canaryId, status_id: progress.data.id });
    await expectStatus(author.rest.repos.getDeploymentStatus({ ...repo, deployment_id: canaryId, status_id: 999_999 }), 404);
    await expectStatus(author.rest.repos.deleteDeployment({ ...repo, deployment_id: canaryId }), 422);
    await author.rest.repos.createDeploymentStatus({ ...repo, deployment_id: canaryId, state: 'inactive' });
    await author.rest.repos.deleteDeployment({ ...repo, deployment_id: canaryId });
    // Actions: a deploy workflow dispatched on a branch (204, and 200 with the run's details), its runs listed and read as they move on.
    // (GitHub documents no 4xx for these operations; the fake's refusals are tested in test/sandbox/github/actions.test.ts.)
    fake.state.seedRepo({
      owner: 'acme',
      name: 'deployer',
      files: { '.github/workflows/deploy.yml': 'name: Deploy\non:\n  workflow_dispatch:\n    inputs:\n      version:\n        required: true\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: canary\n    steps:\n      - run: ./deploy.sh\n' },
    });
    const deployer = { owner: 'acme', repo: 'deployer' };
    const workflows = await author.rest.actions.listRepoWorkflows(deployer);
    await author.rest.actions.getWorkflow({ ...deployer, workflow_id: workflows.data.workflows[0]?.id ?? 0 });
    await author.rest.actions.createWorkflowDispatch({ ...deployer, workflow_id: 'deploy.yml', ref: 'main', inputs: { version: 'v1' } });
    await author.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { ...deployer, workflow_id: 'deploy.yml', ref: 'main', inputs: { version: 'v2' }, return_run_details: true });
    const queued = await author.rest.actions.listWorkflowRuns({ ...deployer, workflow_id: 'deploy.yml', event: 'workflow_dispatch', branch: 'main', per_page: 100 });
    clock += 120_000;
    await author.rest.actions.getWorkflowRun({ ...deployer, run_id: queued.data.workflow_runs[0]?.id ?? 0 });
    await author.rest.actions.listWorkflowRuns({ ...deployer, workflow_id: 'deploy.yml', status: 'success' });
  });

  afterAll(async () => {
    await fake.close();
  });

  test('the recorder sees OpenAPI path templates, not expanded URLs', () => {
    expect(exchanges.map((exchange) => exchange.route)).toContain('/repos/{owner}/{repo}/pulls/{pull_number}/merge');
  });

  test('every route Fleet calls was exercised', () => {
    const seen = new Set(exchanges.map((exchange) => `${exchange.method} ${exchange.route}`));
    expect(ROUTES.filter((route) => !seen.has(route))).toEqual([]);
  });

  test('every route the fake served is a GitHub route', () => {
    const unknown = Object.keys(fake.counts()).filter((key) => {
      const [method, route] = key.split(' ');
      return !description.paths[route ?? '']?.[(method ?? '').toLowerCase()];
    });
    expect(unknown).toEqual([]);
  });

  test('every status is documented and every body matches its schema', () => {
    const problems = exchanges.flatMap(checkExchange);
    expect(problems).toEqual([]);
  });

  test('the checker catches a drifted body', () => {
    const pull = exchanges.find((exchange) => exchange.method === 'GET' && exchange.route === '/repos/{owner}/{repo}/pulls/{pull_number}' && exchange.status === 200);
    expect(pull).toBeDefined();
    const drifted = { ...(pull?.body as Record<string, unknown>), merged: 'yes', head: undefined };
    delete drifted.head;
    const problems = checkExchange({ ...(pull as Exchange), body: drifted });
    expect(problems.some((problem) => problem.includes('$.merged'))).toBe(true);
    expect(problems.some((problem) => problem.includes('$.head: required'))).toBe(true);
    expect(checkExchange({ method: 'GET', route: '/repos/{owner}/{repo}', status: 418, body: {} })[0]).toContain('not documented');
  });
});
