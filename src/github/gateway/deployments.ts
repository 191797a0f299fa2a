import { FleetError } from '../../errors.js';
import { splitRepo, type GatewayContext } from './context.js';

/**
 * Deployments (GitHub's Deployments API, which Argo CD, Spinnaker, Flux and most CD systems report
 * to): Fleet creates one for a canary and reads its statuses; the bake reads the production
 * environment's deployments of the merge commit and of the version it replaced.
 */

export type DeploymentStatusState = 'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  payload: Record<string, unknown>;
  createdAt: string;
  url: string;
  /** GitHub's transient_environment: the environment goes away (a canary); a later version does not replace it. */
  transient?: boolean;
}

export interface DeploymentStatus {
  id: number;
  state: DeploymentStatusState;
  description: string;
  environment: string | null;
  environmentUrl: string | null;
  logUrl: string | null;
  createdAt: string;
}

export interface CreateDeploymentInput {
  repo: string;
  /** The commit to deploy (a full sha). */
  ref: string;
  environment: string;
  description: string;
  /** Status contexts GitHub must see pass first ([] = none). */
  requiredContexts: string[];
  payload: Record<string, unknown>;
  /** Not a production environment, and one that goes away: a canary. */
  transient: boolean;
  production: boolean;
}

export interface DeploymentsGateway {
  /** `POST /repos/{o}/{r}/deployments` with `auto_merge: false`; a 409 or 422 becomes a FleetError that says why. */
  createDeployment(input: CreateDeploymentInput): Promise<Deployment>;
  /** `GET /repos/{o}/{r}/deployments/{id}`; undefined when it is gone. */
  getDeployment(repo: string, id: number): Promise<Deployment | undefined>;
  /** `GET /repos/{o}/{r}/deployments?environment=&sha=`, newest first (first page of 100). */
  listDeployments(repo: string, filter: { environment?: string; sha?: string }): Promise<Deployment[]>;
  /** `GET .../deployments/{id}/statuses`, newest first (first page of 100). */
  listDeploymentStatuses(repo: string, id: number): Promise<DeploymentStatus[]>;
  /** `POST .../deployments/{id}/statuses` (Fleet uses it to mark its canary inactive). */
  createDeploymentStatus(repo: string, id: number, status: { state: DeploymentStatusState; description: string; environmentUrl?: string; logUrl?: string }): Promise<DeploymentStatus>;
}

interface RawDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  payload: unknown;
  created_at: string;
  url: string;
  transient_environment?: boolean;
}

interface RawStatus {
  id: number;
  state: string;
  description?: string | null;
  environment?: string | null;
  environment_url?: string | null;
  log_url?: string | null;
  target_url?: string | null;
  created_at: string;
}

function toDeployment(raw: RawDeployment): Deployment {
  const payload = raw.payload !== null && typeof raw.payload === 'object' && !Array.isArray(raw.payload) ? (raw.payload as Record<string, unknown>) : {};
  return { id: raw.id, sha: raw.sha, ref: raw.ref, environment: raw.environment, payload, createdAt: raw.created_at, url: raw.url, transient: raw.transient_environment === true };
}

function toStatus(raw: RawStatus): DeploymentStatus {
  return {
    id: raw.id,
    state: raw.state as DeploymentStatusState,
    description: raw.description ?? '',
    environment: raw.environment ?? null,
    environmentUrl: raw.environment_url || null,
    logUrl: raw.log_url || raw.target_url || null,
    createdAt: raw.created_at,
  };
}

export function createDeployments(context: GatewayContext): DeploymentsGateway {
  const { octokit, call, callOrMissing } = context;

  async function createDeployment(input: CreateDeploymentInput): Promise<Deployment> {
    const { owner, repo } = splitRepo(input.repo);
    const response = await call(`creating a deployment of ${input.ref.slice(0, 7)} to ${input.environment}`, input.repo, () =>
      octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: input.ref,
        environment: input.environment,
        description: input.description,
        required_contexts: input.requiredContexts,
        payload: input.payload as Record<string, never>,
        auto_merge: false,
        transient_environment: input.transient,
        production_environment: input.production,
      }),
    );
    // 202 is GitHub merging the default branch into the ref first; Fleet asks with auto_merge off, so it is unexpected.
    if (response.status !== 201 || !('id' in response.data)) {
      throw new FleetError('github_error', `GitHub did not create the deployment of ${input.ref.slice(0, 7)} to ${input.environment} in ${input.repo}: ${'message' in response.data ? String(response.data.message) : `status ${response.status}`}.`, { status: response.status, retryable: false, repo: input.repo });
    }
    return toDeployment(response.data);
  }

  async function getDeployment(repoName: string, id: number): Promise<Deployment | undefined> {
    const { owner, repo } = splitRepo(repoName);
    const response = await callOrMissing(`reading deployment ${id}`, repoName, () => octokit.rest.repos.getDeployment({ owner, repo, deployment_id: id }));
    return response ? toDeployment(response.data) : undefined;
  }

  async function listDeployments(repoName: string, filter: { environment?: string; sha?: string }): Promise<Deployment[]> {
    const { owner, repo } = splitRepo(repoName);
    const response = await call(`listing the deployments${filter.environment ? ` to ${filter.environment}` : ''}`, repoName, () =>
      octokit.rest.repos.listDeployments({ owner, repo, per_page: 100, ...(filter.environment ? { environment: filter.environment } : {}), ...(filter.sha ? { sha: filter.sha } : {}) }),
    );
    return (response.data as RawDeployment[]).map(toDeployment);
  }

  async function listDeploymentStatuses(repoName: string, id: number): Promise<DeploymentStatus[]> {
    const { owner, repo } = splitRepo(repoName);
    const response = await call(`reading the statuses of deployment ${id}`, repoName, () => octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: id, per_page: 100 }));
    return (response.data as RawStatus[]).map(toStatus);
  }

  async function createDeploymentStatus(repoName: string, id: number, status: { state: DeploymentStatusState; description: string; environmentUrl?: string; logUrl?: string }): Promise<DeploymentStatus> {
    const { owner, repo } = splitRepo(repoName);
    const response = await call(`setting deployment ${id} ${status.state}`, repoName, () =>
      octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: id,
        state: status.state,
        description: status.description.slice(0, 140),
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
      }),
    );
    return toStatus(response.data);
  }

  return { createDeployment, getDeployment, listDeployments, listDeploymentStatuses, createDeploymentStatus };
}
