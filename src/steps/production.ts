import type { DeploymentsGateway, DeploymentStatus, DeploymentStatusState, Deployment } from '../github/gateway/deployments.js';
import type { GitDataGateway } from '../github/gateway/git-data.js';

/**
 * What reading production needs of the gateway: its deployments and their statuses, and (for
 * `laterSince`) whether one commit comes after another.
 */
export type ProductionGateway = Pick<DeploymentsGateway, 'listDeployments' | 'listDeploymentStatuses'> & Partial<Pick<GitDataGateway, 'containsCommit'>>;

/** One deployment of an environment, with what its statuses say. */
export interface EnvironmentDeployment {
  /** GitHub's deployment id. */
  id: number;
  sha: string;
  environment: string;
  /** The newest status's state; 'pending' while it has none (as GitHub reports it). */
  state: DeploymentStatusState;
  /** Epoch ms the deployment was created. */
  createdAt: number;
  /** Epoch ms of the newest status (createdAt while it has none): "in_progress since …". */
  stateSince: number;
  /** Epoch ms of its first `success` status: the version ran from then. Null if it never succeeded. */
  readyAt: number | null;
  environmentUrl: string | null;
  logUrl: string | null;
  /** The newest status's description ('' when it gave none). */
  description: string;
}

/** What runs (or is to run) in an environment, and the version that ran before it. */
export interface ProductionVersion {
  environment: string;
  /**
   * With `sha`: that commit's newest deployment to the environment, whatever its state (null: none
   * yet). Without: the version running at `before`, the newest deployment that had succeeded by then.
   */
  deployment: EnvironmentDeployment | null;
  /**
   * The version that ran before `deployment`: the newest earlier deployment of another commit whose
   * statuses reached success. Null when there is none, and, with `sha`, while `deployment` has not
   * finished (pending, queued, in_progress): it is read once there is something to compare.
   */
  previous: EnvironmentDeployment | null;
}

export interface FindProductionOptions {
  /** The commit whose deployment is looked for (the merge commit, for the bake). */
  sha?: string;
  /** Without `sha`: the moment whose running version is wanted (epoch ms; default: now, i.e. the newest). */
  before?: number;
  /**
   * With `sha`, while that commit has no deployment: a deployment created at or after this moment
   * (epoch ms) of a later commit that contains it counts as its deployment. A CD that deploys its
   * branch's head (Argo CD, Flux) skips commits merged in quick succession.
   */
  laterSince?: number;
}

/** How many later deployments are compared with the commit (one compare each) per read. */
const MAX_LATER = 3;

/** How many earlier deployments are looked at (each costs a statuses read) before giving up. */
const MAX_CANDIDATES = 20;

/** The terminal-or-not states: a deployment in one of these has not finished yet. */
export function isUnfinished(state: DeploymentStatusState): boolean {
  return state === 'pending' || state === 'queued' || state === 'in_progress';
}

/**
 * Reads an environment's deployments (GitHub Deployments, which Argo CD, Flux, Spinnaker and most
 * CD systems report to): the deployment of a given commit and its latest state, and the version
 * that ran before it; or, without a commit, the version running at a moment and the one before.
 * A number as fourth argument is `{ before }`. Costs one deployments list per filter used and one
 * statuses read per deployment looked at (at most 20 earlier ones).
 *
 * @example
 * const { deployment, previous } = await findProductionVersion(github, 'acme/api', 'production', { sha: mergedSha });
 * // deployment: { id: 41, sha: mergedSha, state: 'success', readyAt: 1767614400000, ... }, previous: { id: 40, sha: '9f8e7d…', ... }
 * const running = (await findProductionVersion(github, 'acme/api', 'production', Date.now())).deployment;
 */
export async function findProductionVersion(github: ProductionGateway, repo: string, environment: string, opts: FindProductionOptions | number = {}): Promise<ProductionVersion> {
  const options: FindProductionOptions = typeof opts === 'number' ? { before: opts } : opts;
  if (options.sha !== undefined) {
    const sha = options.sha;
    if (!/^[0-9a-f]{40}$/i.test(sha)) throw new TypeError(`findProductionVersion needs a full commit sha (40 hex digits), not "${sha}".`);
    // The sha filter: found even when many deployments came after it.
    const own = (await github.listDeployments(repo, { environment, sha })).filter((d) => d.environment === environment && d.sha.toLowerCase() === sha.toLowerCase());
    let all: Deployment[] | undefined;
    const inEnvironment = async () => (all ??= newestFirst(await github.listDeployments(repo, { environment })).filter((d) => d.environment === environment));
    let newest = newestFirst(own)[0];
    let deployment = newest ? await describe(github, repo, newest) : undefined;
    // None of its own, or one let go before it ever ran (a CD moving on to a newer head): a later commit may carry it.
    if ((!deployment || (deployment.state === 'inactive' && deployment.readyAt === null)) && options.laterSince !== undefined) {
      const later = await laterContaining(github, repo, sha, options.laterSince, await inEnvironment());
      if (later) [newest, deployment] = [later, await describe(github, repo, later)];
    }
    if (!newest || !deployment) return { environment, deployment: null, previous: null };
    if (isUnfinished(deployment.state)) return { environment, deployment, previous: null };
    const earlier = (await inEnvironment()).filter((d) => d.id < newest.id);
    return { environment, deployment, previous: await firstSucceeded(github, repo, earlier, (d) => d.sha.toLowerCase() !== newest.sha.toLowerCase() && d.sha.toLowerCase() !== sha.toLowerCase()) };
  }
  const before = options.before ?? Number.POSITIVE_INFINITY;
  const all = newestFirst(await github.listDeployments(repo, { environment })).filter((d) => d.environment === environment && Date.parse(d.createdAt) <= before);
  const candidates = all.slice(0, MAX_CANDIDATES);
  for (let i = 0; i < candidates.length; i++) {
    const described = await describe(github, repo, candidates[i]);
    if (described.readyAt === null || described.readyAt > before) continue;
    const previous = await firstSucceeded(github, repo, all.slice(i + 1), (d) => d.sha !== described.sha);
    return { environment, deployment: described, previous };
  }
  return { environment, deployment: null, previous: null };
}

/** The newest deployment created since `since` of a commit that contains `sha`, when the gateway can compare commits. */
async function laterContaining(github: ProductionGateway, repo: string, sha: string, since: number, deployments: Deployment[]): Promise<Deployment | undefined> {
  if (!github.containsCommit) return undefined;
  const later = deployments.filter((d) => Date.parse(d.createdAt) >= since && d.sha.toLowerCase() !== sha.toLowerCase());
  for (const candidate of later.slice(0, MAX_LATER)) {
    if (await github.containsCommit(repo, candidate.sha, sha)) return candidate;
  }
  return undefined;
}

/** GitHub's ids grow with time; the list is already newest first, the sort makes it certain. */
function newestFirst(deployments: Deployment[]): Deployment[] {
  return [...deployments].sort((a, b) => b.id - a.id);
}

async function firstSucceeded(github: ProductionGateway, repo: string, older: Deployment[], keep: (d: Deployment) => boolean): Promise<EnvironmentDeployment | null> {
  for (const candidate of older.filter(keep).slice(0, MAX_CANDIDATES)) {
    const described = await describe(github, repo, candidate);
    if (described.readyAt !== null) return described;
  }
  return null;
}

/** A deployment with its statuses read: the newest gives the state, the first success the time it ran from. */
async function describe(github: ProductionGateway, repo: string, deployment: Deployment): Promise<EnvironmentDeployment> {
  const statuses = await github.listDeploymentStatuses(repo, deployment.id);
  return summarize(deployment, statuses);
}

/**
 * The summary of one deployment from its statuses (any order; GitHub sends newest first).
 *
 * @example summarize(deployment, [{ state: 'success', createdAt: '2026-01-05T12:04:00Z', ... }]).readyAt // 1767614640000
 */
export function summarize(deployment: Deployment, statuses: readonly DeploymentStatus[]): EnvironmentDeployment {
  const ordered = [...statuses].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
  const latest = ordered[0];
  const successes = ordered.filter((s) => s.state === 'success');
  const firstSuccess = successes[successes.length - 1];
  const withUrl = ordered.find((s) => s.environmentUrl);
  const createdAt = Date.parse(deployment.createdAt);
  return {
    id: deployment.id,
    sha: deployment.sha,
    environment: deployment.environment,
    state: latest?.state ?? 'pending',
    createdAt,
    stateSince: latest ? Date.parse(latest.createdAt) : createdAt,
    readyAt: firstSuccess ? Date.parse(firstSuccess.createdAt) : null,
    environmentUrl: withUrl?.environmentUrl ?? null,
    logUrl: latest?.logUrl ?? ordered.find((s) => s.logUrl)?.logUrl ?? null,
    description: latest?.description ?? '',
  };
}
