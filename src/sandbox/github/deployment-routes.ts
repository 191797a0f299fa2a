import { DEPLOYMENT_STATES, type CreateDeploymentInput, type CreateStatusInput, type DeploymentRecord, type DeploymentState, type DeploymentStatusRecord } from './deployments.js';
import type { Renderer } from './render.js';
import { nodeId } from './shapes.js';
import { failHttp, type RepoRecord, type World } from './state.js';
import type { Route, RouteRequest, RouteResult } from './routes.js';

/**
 * GitHub's Deployments routes over the world's deployments (`deployments.ts`):
 * `GET|POST /repos/{owner}/{repo}/deployments` (filters `sha`, `ref`, `task`, `environment`;
 * newest first, paginated), `GET|DELETE …/deployments/{deployment_id}`,
 * `GET|POST …/deployments/{deployment_id}/statuses` and `GET …/statuses/{status_id}`, with
 * GitHub's field names and its refusals.
 */

type Add = (method: Route['method'], template: string, handle: (request: RouteRequest) => RouteResult) => void;
type Paginate = <T>(items: T[], request: RouteRequest) => { page: T[]; headers: Record<string, string> };

const botType = (login: string): 'Bot' | 'User' => (login.endsWith('[bot]') ? 'Bot' : 'User');

/** The deployment and status shapes GitHub gives, for the routes and the webhooks. */
export function createDeploymentShapes(render: Renderer) {
  const creator = (login: string): Record<string, unknown> => ({ ...render.user(login), type: botType(login) });

  function deployment(record: DeploymentRecord): Record<string, unknown> {
    const url = `${render.repoUrl(record.owner, record.repo)}/deployments/${record.id}`;
    return {
      url,
      id: record.id,
      node_id: nodeId('DE', record.id),
      sha: record.sha,
      ref: record.ref,
      task: record.task,
      payload: record.payload,
      original_environment: record.originalEnvironment,
      environment: record.environment,
      description: record.description,
      creator: creator(record.creator),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      statuses_url: `${url}/statuses`,
      repository_url: render.repoUrl(record.owner, record.repo),
      transient_environment: record.transient,
      production_environment: record.production,
    };
  }

  function status(record: DeploymentRecord, item: DeploymentStatusRecord): Record<string, unknown> {
    const deploymentUrl = `${render.repoUrl(record.owner, record.repo)}/deployments/${record.id}`;
    return {
      url: `${deploymentUrl}/statuses/${item.id}`,
      id: item.id,
      node_id: nodeId('DES', item.id),
      state: item.state,
      creator: creator(item.creator),
      description: item.description,
      environment: item.environment,
      target_url: item.targetUrl,
      created_at: item.createdAt,
      updated_at: item.createdAt,
      deployment_url: deploymentUrl,
      repository_url: render.repoUrl(record.owner, record.repo),
      environment_url: item.environmentUrl,
      log_url: item.logUrl,
    };
  }

  return { deployment, status };
}

/** GitHub's schema refusals for a request body: a missing required field, a value of the wrong type. */
function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'boolean', required: true): T;
function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'boolean', required?: false): T | undefined;
function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'boolean', required = false): T | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) failHttp(422, `Invalid request.\n\n"${name}" wasn't supplied.`);
    return undefined;
  }
  if (typeof value !== type) failHttp(422, `Invalid request.\n\nFor 'properties/${name}', ${JSON.stringify(value)} is not a ${type}.`);
  return value as T;
}

function createInput(body: Record<string, unknown>): CreateDeploymentInput {
  const ref = field<string>(body, 'ref', 'string', true);
  const contexts = body.required_contexts;
  if (contexts !== undefined && (!Array.isArray(contexts) || contexts.some((item) => typeof item !== 'string'))) {
    failHttp(422, `Invalid request.\n\nFor 'properties/required_contexts', ${JSON.stringify(contexts)} is not an array of strings.`);
  }
  const payload = body.payload;
  if (payload !== undefined && typeof payload !== 'string' && (payload === null || typeof payload !== 'object' || Array.isArray(payload))) {
    failHttp(422, `Invalid request.\n\nFor 'properties/payload', ${JSON.stringify(payload)} is not an object or a string.`);
  }
  const description = body.description;
  if (description !== undefined && description !== null && typeof description !== 'string') failHttp(422, `Invalid request.\n\nFor 'properties/description', ${JSON.stringify(description)} is not a string or null.`);
  const task = field<string>(body, 'task', 'string');
  const autoMerge = field<boolean>(body, 'auto_merge', 'boolean');
  const environment = field<string>(body, 'environment', 'string');
  const transientEnvironment = field<boolean>(body, 'transient_environment', 'boolean');
  const productionEnvironment = field<boolean>(body, 'production_environment', 'boolean');
  if (ref === '') failHttp(422, 'No ref found for: ');
  if (environment === '') failHttp(422, 'Validation Failed', [{ resource: 'Deployment', field: 'environment', code: 'missing_field' }]);
  return {
    ref,
    ...(task !== undefined ? { task } : {}),
    ...(autoMerge !== undefined ? { autoMerge } : {}),
    ...(contexts !== undefined ? { requiredContexts: contexts as string[] } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> | string } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(description !== undefined ? { description: description } : {}),
    ...(transientEnvironment !== undefined ? { transientEnvironment } : {}),
    ...(productionEnvironment !== undefined ? { productionEnvironment } : {}),
  };
}

function statusInput(body: Record<string, unknown>): CreateStatusInput {
  const state = field<string>(body, 'state', 'string', true);
  if (!DEPLOYMENT_STATES.includes(state as DeploymentState)) failHttp(422, `Invalid request.\n\nFor 'properties/state', ${JSON.stringify(state)} is not a member of ${JSON.stringify(DEPLOYMENT_STATES)}.`);
  const strings = ['description', 'environment', 'target_url', 'log_url', 'environment_url'].map((name) => field<string>(body, name, 'string'));
  const [description, environment, targetUrl, logUrl, environmentUrl] = strings;
  const autoInactive = field<boolean>(body, 'auto_inactive', 'boolean');
  if (environment === '') failHttp(422, 'Validation Failed', [{ resource: 'DeploymentStatus', field: 'environment', code: 'missing_field' }]);
  return {
    state: state as DeploymentState,
    ...(description !== undefined ? { description } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(targetUrl !== undefined ? { targetUrl } : {}),
    ...(logUrl !== undefined ? { logUrl } : {}),
    ...(environmentUrl !== undefined ? { environmentUrl } : {}),
    ...(autoInactive !== undefined ? { autoInactive } : {}),
  };
}

/** A path id GitHub reads as an integer; anything else names nothing (404). */
function idParam(request: RouteRequest, name: string): number {
  const raw = request.params[name] ?? '';
  if (!/^\d+$/.test(raw)) failHttp(404, 'Not Found');
  return Number(raw);
}

export function addDeploymentRoutes(add: Add, world: World, render: Renderer, paginate: Paginate): void {
  const shapes = createDeploymentShapes(render);
  const repoOf = (params: Record<string, string>): RepoRecord => world.getRepo(params.owner ?? '', params.repo ?? '');
  const deploymentOf = (request: RouteRequest): { repo: RepoRecord; deployment: DeploymentRecord } => {
    const repo = repoOf(request.params);
    return { repo, deployment: world.deployments.get(repo, idParam(request, 'deployment_id')) };
  };

  add('GET', '/repos/{owner}/{repo}/deployments', (request) => {
    const repo = repoOf(request.params);
    const filter: { sha?: string; ref?: string; task?: string; environment?: string } = {};
    for (const name of ['sha', 'ref', 'task', 'environment'] as const) {
      const value = request.query.get(name);
      // GitHub documents `none` as the default of each filter: no filter.
      if (value !== null && value !== 'none') filter[name] = value;
    }
    const { page, headers } = paginate(world.deployments.list(repo, filter), request);
    return { status: 200, body: page.map(shapes.deployment), headers };
  });

  add('POST', '/repos/{owner}/{repo}/deployments', (request) => {
    const repo = repoOf(request.params);
    const result = world.deployments.create(repo, createInput(request.body), request.login);
    if (result.kind === 'merged') return { status: 202, body: { message: result.message } };
    const body = shapes.deployment(result.deployment);
    return { status: 201, body, headers: { location: String(body.url) } };
  });

  add('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}', (request) => ({ status: 200, body: shapes.deployment(deploymentOf(request).deployment) }));

  add('DELETE', '/repos/{owner}/{repo}/deployments/{deployment_id}', (request) => {
    const { repo, deployment } = deploymentOf(request);
    world.deployments.remove(repo, deployment.id);
    return { status: 204 };
  });

  add('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', (request) => {
    const { deployment } = deploymentOf(request);
    const newestFirst = [...deployment.statuses].reverse();
    const { page, headers } = paginate(newestFirst, request);
    return { status: 200, body: page.map((item) => shapes.status(deployment, item)), headers };
  });

  add('POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', (request) => {
    // GitHub answers an unknown deployment here with 404 too, though its description lists only 201 and 422.
    const { repo, deployment } = deploymentOf(request);
    const status = world.deployments.addStatus(repo, deployment, statusInput(request.body), request.login);
    const body = shapes.status(deployment, status);
    return { status: 201, body, headers: { location: String(body.url) } };
  });

  add('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}', (request) => {
    const { deployment } = deploymentOf(request);
    return { status: 200, body: shapes.status(deployment, world.deployments.getStatus(deployment, idParam(request, 'status_id'))) };
  });
}
