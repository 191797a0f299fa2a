import type { Actions, ActionsDeployer, WorkflowRecord, WorkflowRunRecord } from './actions.js';
import { localDate } from './git-objects.js';
import type { Renderer } from './render.js';
import type { RouteRequest, RouteResult } from './routes.js';
import { nodeId, renderUser, type ShapeContext } from './shapes.js';
import { failHttp, type RepoRecord, type World } from './state.js';

/**
 * The Actions routes a deploy workflow needs: `GET …/actions/workflows`, `POST
 * …/actions/workflows/{workflow_id}/dispatches`, `GET …/actions/workflows/{workflow_id}/runs` and
 * `GET …/actions/runs/{run_id}`, in GitHub's shapes (workflow, workflow-run).
 */

type Add = (method: 'GET' | 'POST', template: string, handle: (request: RouteRequest) => RouteResult) => void;
type Paginate = <T>(items: T[], request: RouteRequest) => { page: T[]; headers: Record<string, string> };

/** The run statuses GitHub's `status` filter takes: a status, or a conclusion. */
const STATUS_FILTER = new Set(['completed', 'action_required', 'cancelled', 'failure', 'neutral', 'skipped', 'stale', 'success', 'timed_out', 'in_progress', 'queued', 'requested', 'waiting', 'pending']);

/** GitHub's `created` filter: a date, `>=date`, `<=date`, `>date`, `<date` or `from..to` (dates or date-times). */
function createdFilter(raw: string | null): (iso: string) => boolean {
  if (raw === null || raw === '') return () => true;
  const at = (value: string): number => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) failHttp(422, `Invalid request.\n\nFor 'created', "${raw}" is not a valid date range.`);
    return ms;
  };
  const range = /^(.+)\.\.(.+)$/.exec(raw);
  if (range?.[1] && range[2]) {
    const from = range[1] === '*' ? -Infinity : at(range[1]);
    const to = range[2] === '*' ? Infinity : at(range[2]);
    return (iso) => Date.parse(iso) >= from && Date.parse(iso) <= to;
  }
  const op = /^(>=|<=|>|<)(.+)$/.exec(raw);
  if (op?.[1] && op[2]) {
    const bound = at(op[2]);
    const compare = { '>=': (t: number) => t >= bound, '<=': (t: number) => t <= bound, '>': (t: number) => t > bound, '<': (t: number) => t < bound }[op[1]] ?? (() => true);
    return (iso) => compare(Date.parse(iso));
  }
  // A bare date is that whole day; a date-time is that second.
  const start = at(raw);
  const end = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? start + 86_400_000 - 1 : start;
  return (iso) => Date.parse(iso) >= start && Date.parse(iso) <= end;
}

export function createActionsRenderer(world: World, render: Renderer, ctx: ShapeContext, actions: Actions) {
  function workflow(record: WorkflowRecord): Record<string, unknown> {
    const api = render.repoUrl(record.owner, record.repo);
    return {
      id: record.id,
      node_id: nodeId('W', record.id),
      name: record.name,
      path: record.path,
      state: 'active',
      created_at: record.createdAt,
      updated_at: record.createdAt,
      url: `${api}/actions/workflows/${record.id}`,
      html_url: `${ctx.base}/${record.owner}/${record.repo}/blob/${world.getRepo(record.owner, record.repo).defaultBranch}/${record.path}`,
      badge_url: `${ctx.base}/${record.owner}/${record.repo}/workflows/${encodeURIComponent(record.name)}/badge.svg`,
    };
  }

  function run(record: WorkflowRunRecord, options: { excludePulls?: boolean } = {}): Record<string, unknown> {
    const repo = world.getRepo(record.owner, record.repo);
    const api = render.repoUrl(record.owner, record.repo);
    const url = `${api}/actions/runs/${record.id}`;
    const commit = world.objects.get(record.headSha);
    const headCommit =
      commit?.type === 'commit'
        ? { id: commit.sha, tree_id: commit.tree, message: commit.message.replace(/\n+$/, ''), timestamp: localDate(commit.committer), author: { name: commit.author.name, email: commit.author.email }, committer: { name: commit.committer.name, email: commit.committer.email } }
        : null;
    const pulls = world.pulls
      .filter(() => options.excludePulls !== true)
      .filter((pull) => pull.owner === record.owner && pull.repo === record.repo && pull.state === 'open' && (pull.headRef === record.headBranch || pull.headSha === record.headSha))
      .map((pull) => ({
        id: pull.id,
        number: pull.number,
        url: `${api}/pulls/${pull.number}`,
        head: { ref: pull.headRef, sha: pull.headSha, repo: { id: repo.id, url: api, name: repo.name } },
        base: { ref: pull.baseRef, sha: repo.refs.get(`heads/${pull.baseRef}`) ?? '', repo: { id: repo.id, url: api, name: repo.name } },
      }));
    const actor = renderUser(ctx, record.actor, record.actor.endsWith('[bot]') ? 'Bot' : 'User');
    const repository = render.repo(repo);
    return {
      id: record.id,
      name: record.name,
      node_id: nodeId('WFR', record.id),
      check_suite_id: record.id + 1,
      check_suite_node_id: nodeId('CS', record.id + 1),
      head_branch: record.headBranch,
      head_sha: record.headSha,
      path: record.path,
      display_title: record.name,
      run_number: record.runNumber,
      run_attempt: 1,
      referenced_workflows: [],
      event: record.event,
      status: record.status,
      conclusion: record.conclusion,
      workflow_id: record.workflowId,
      url,
      html_url: actions.htmlUrl(record),
      pull_requests: pulls,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      actor,
      triggering_actor: actor,
      run_started_at: record.runStartedAt,
      jobs_url: `${url}/jobs`,
      logs_url: `${url}/logs`,
      check_suite_url: `${api}/check-suites/${record.id + 1}`,
      artifacts_url: `${url}/artifacts`,
      cancel_url: `${url}/cancel`,
      rerun_url: `${url}/rerun`,
      previous_attempt_url: null,
      workflow_url: `${api}/actions/workflows/${record.workflowId}`,
      head_commit: headCommit,
      repository,
      head_repository: repository,
    };
  }

  /** The `workflow_run` webhook's payload parts: the run and its workflow. */
  function webhook(record: WorkflowRunRecord): { workflow_run: Record<string, unknown>; workflow: Record<string, unknown> } {
    const repo = world.getRepo(record.owner, record.repo);
    const found = actions.workflowsOf(repo).find((w) => w.id === record.workflowId);
    return { workflow_run: run(record), workflow: workflow(found ?? { id: record.workflowId, owner: record.owner, repo: record.repo, path: record.path, name: record.name, createdAt: record.createdAt }) };
  }

  return { workflow, run, webhook };
}

export type ActionsRenderer = ReturnType<typeof createActionsRenderer>;

const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Where a deploy run records its deployment: the fake's deployments, made by the Actions bot with
 * the run's branch as the ref (its commit when the branch has moved on), not transient, production
 * when the environment is named so, and reported `in_progress` then `success` or `failure`.
 */
export function createActionsDeployer(world: World): ActionsDeployer {
  return {
    start({ owner, repo, sha, ref, environment, logUrl }) {
      const record = world.getRepo(owner, repo);
      const atRef = world.resolveCommit(record, ref) === sha ? ref : sha;
      try {
        const created = world.deployments.create(record, { ref: atRef, environment, task: 'deploy', autoMerge: false, requiredContexts: [], payload: {}, description: null, productionEnvironment: environment === 'production' }, ACTIONS_BOT);
        if (created.kind !== 'created') return null;
        world.deployments.addStatus(record, created.deployment, { state: 'in_progress', logUrl }, ACTIONS_BOT);
        return created.deployment.id;
      } catch {
        // GitHub would refuse it too (an archived repository): the run goes on without a deployment.
        return null;
      }
    },
    finish({ owner, repo, deploymentId, state, environmentUrl, logUrl, description }) {
      const record = world.getRepo(owner, repo);
      const deployment = world.deployments.get(record, deploymentId);
      world.deployments.addStatus(record, deployment, { state, logUrl, description: description.slice(0, 140), ...(environmentUrl ? { environmentUrl } : {}) }, ACTIONS_BOT);
    },
  };
}

export function addActionsRoutes(add: Add, world: World, actions: Actions, view: ActionsRenderer, paginate: Paginate): void {
  const repoOf = (params: Record<string, string>): RepoRecord => world.getRepo(params.owner ?? '', params.repo ?? '');

  add('GET', '/repos/{owner}/{repo}/actions/workflows', (request) => {
    const repo = repoOf(request.params);
    const all = actions.workflowsOf(repo);
    const { page, headers } = paginate(all, request);
    return { status: 200, body: { total_count: all.length, workflows: page.map(view.workflow) }, headers };
  });

  add('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}', (request) => {
    const repo = repoOf(request.params);
    return { status: 200, body: view.workflow(actions.findWorkflow(repo, request.params.workflow_id ?? '')) };
  });

  add('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', (request) => {
    const repo = repoOf(request.params);
    const details = request.body.return_run_details;
    if (details !== undefined && typeof details !== 'boolean') failHttp(422, `Invalid request.\n\nFor 'properties/return_run_details', ${JSON.stringify(details)} is not a boolean.`);
    const started = actions.dispatch(repo, request.params.workflow_id ?? '', request.body.ref, request.body.inputs, request.login);
    if (details !== true) return { status: 204 };
    return { status: 200, body: { workflow_run_id: started.id, run_url: String(view.run(started).url), html_url: actions.htmlUrl(started) } };
  });

  add('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', (request) => {
    const repo = repoOf(request.params);
    const workflow = actions.findWorkflow(repo, request.params.workflow_id ?? '');
    const q = request.query;
    const status = q.get('status');
    if (status !== null && !STATUS_FILTER.has(status)) failHttp(422, `Invalid request.\n\nFor 'status', "${status}" is not a valid value.`);
    const created = createdFilter(q.get('created'));
    const checkSuite = q.get('check_suite_id');
    const list = actions
      .runsOf(repo)
      .filter((run) => run.workflowId === workflow.id)
      .filter((run) => (q.get('branch') === null || run.headBranch === q.get('branch')) && (q.get('event') === null || run.event === q.get('event')) && (q.get('actor') === null || run.actor === q.get('actor')))
      .filter((run) => (q.get('head_sha') === null || run.headSha === q.get('head_sha')) && (checkSuite === null || run.id + 1 === Number(checkSuite)))
      .filter((run) => status === null || run.status === status || run.conclusion === status)
      .filter((run) => created(run.createdAt))
      .reverse();
    const { page, headers } = paginate(list, request);
    return { status: 200, body: { total_count: list.length, workflow_runs: page.map((r) => view.run(r, { excludePulls: q.get('exclude_pull_requests') === 'true' })) }, headers };
  });

  add('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}', (request) => {
    const repo = repoOf(request.params);
    const id = Number(request.params.run_id);
    if (!Number.isInteger(id)) failHttp(404, 'Not Found');
    return { status: 200, body: view.run(actions.getRun(repo, id), { excludePulls: request.query.get('exclude_pull_requests') === 'true' }) };
  });
}
