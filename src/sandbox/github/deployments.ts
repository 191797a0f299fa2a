import type { FlatTree, GitPerson, ObjectStore } from './git-objects.js';
import type { CheckRunRecord, RepoRecord } from './state.js';

/**
 * The fake's deployments (GitHub's Deployments API): deployments of a commit to an environment and
 * the statuses a CD system reports on them. Plain records and GitHub's rules, no HTTP:
 * `deployment-routes.ts` serves them. What GitHub checks when a deployment is created is checked
 * here with GitHub's statuses and words: the ref must name a commit (422 `No ref found for: x`),
 * every required context must have succeeded on it, as a commit status or a check run (409
 * `Conflict: Commit status checks failed for x.`), and with `auto_merge` (GitHub's default) a ref
 * behind the default branch is refused or, for a branch, merged first (202).
 */

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';
export const DEPLOYMENT_STATES: readonly DeploymentState[] = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

export interface DeploymentStatusRecord {
  id: number;
  state: DeploymentState;
  creator: string;
  description: string;
  environment: string;
  /** GitHub's legacy `target_url`; `log_url` sets it too. */
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: string;
}

export interface DeploymentRecord {
  id: number;
  owner: string;
  repo: string;
  /** The commit the ref resolved to. */
  sha: string;
  /** The ref as it was asked for (a branch, a tag or a sha). */
  ref: string;
  task: string;
  /** An object, or a string when the deployment was given one that is not a JSON object. */
  payload: Record<string, unknown> | string;
  /** The environment the deployment was created for. */
  originalEnvironment: string;
  /** The environment now: a status may move the deployment to another one. */
  environment: string;
  description: string | null;
  creator: string;
  createdAt: string;
  updatedAt: string;
  transient: boolean;
  production: boolean;
  /** Oldest first. */
  statuses: DeploymentStatusRecord[];
}

export interface CreateDeploymentInput {
  ref: string;
  task?: string;
  autoMerge?: boolean;
  /** Undefined: every context on the commit must have succeeded; []: none is checked. */
  requiredContexts?: string[];
  payload?: Record<string, unknown> | string;
  environment?: string;
  description?: string | null;
  transientEnvironment?: boolean;
  productionEnvironment?: boolean;
}

export interface CreateStatusInput {
  state: DeploymentState;
  description?: string;
  environment?: string;
  targetUrl?: string;
  logUrl?: string;
  environmentUrl?: string;
  autoInactive?: boolean;
}

/** What a deployment created or a status added announces (the `deployment` and `deployment_status` webhooks). */
export type DeploymentEvent =
  | { kind: 'deployment'; deployment: DeploymentRecord }
  | { kind: 'deployment_status'; deployment: DeploymentRecord; status: DeploymentStatusRecord };

/** One context required for a deployment, as GitHub lists it in its 409. */
export interface ContextState {
  context: string;
  state: string;
}

export interface DeploymentStateDeps {
  now: () => number;
  iso: (ms: number) => string;
  newId: () => number;
  objects: ObjectStore;
  resolveCommit: (repo: RepoRecord, ref: string) => string | undefined;
  latestRunsFor: (repo: RepoRecord, sha: string) => CheckRunRecord[];
  mergeBase: (a: string, b: string) => string | undefined;
  mergeTrees: (baseSha: string | undefined, oursSha: string, theirsSha: string) => FlatTree | undefined;
  person: (login: string) => GitPerson;
  markSigned: (sha: string) => void;
  setRef: (repo: RepoRecord, ref: string, sha: string, actor: string) => void;
  emit: (event: DeploymentEvent) => void;
  fail: (status: number, message: string, errors?: unknown[]) => never;
}

/** The answer to a create: a deployment (201), or the default branch merged into the ref instead (202). */
export type CreateDeploymentResult = { kind: 'created'; deployment: DeploymentRecord } | { kind: 'merged'; message: string };

/** A check run's conclusion as the commit status it mirrors: what a required context reads. */
function contextState(run: CheckRunRecord): string {
  if (run.status !== 'completed') return 'pending';
  if (run.conclusion === 'success' || run.conclusion === 'neutral' || run.conclusion === 'skipped') return 'success';
  return run.conclusion === 'failure' ? 'failure' : 'error';
}

/** The latest status of a deployment, or undefined before any. */
export function latestStatus(deployment: DeploymentRecord): DeploymentStatusRecord | undefined {
  return deployment.statuses[deployment.statuses.length - 1];
}

export function createDeploymentState(deps: DeploymentStateDeps) {
  const deployments: DeploymentRecord[] = [];
  const createdListeners: ((deployment: DeploymentRecord) => void)[] = [];
  const statusListeners: ((deployment: DeploymentRecord, status: DeploymentStatusRecord) => void)[] = [];

  const ofRepo = (repo: RepoRecord): DeploymentRecord[] => deployments.filter((d) => d.owner === repo.owner && d.repo === repo.name);

  /**
   * GitHub's create-a-deployment. Throws GitHub's refusals (422 for a ref that names no commit or a
   * payload that is not JSON, 409 for a failed required context or a default branch that cannot be
   * merged into the ref).
   */
  function create(repo: RepoRecord, input: CreateDeploymentInput, actor: string, options: { announce?: boolean } = {}): CreateDeploymentResult {
    if (repo.archived) deps.fail(403, 'Repository was archived so is read-only.');
    const sha = deps.resolveCommit(repo, input.ref);
    if (!sha) deps.fail(422, `No ref found for: ${input.ref}`);
    const payload = parsePayload(input.payload);
    if (input.autoMerge !== false) {
      const merged = autoMerge(repo, input.ref, sha, actor);
      if (merged) return { kind: 'merged', message: merged };
    }
    const contexts = failedContexts(repo, sha, input.requiredContexts);
    if (contexts) deps.fail(409, `Conflict: Commit status checks failed for ${input.ref}.`, [{ contexts, resource: 'Deployment', field: 'required_contexts', code: 'invalid' }]);
    const environment = input.environment ?? 'production';
    const at = deps.iso(deps.now());
    const deployment: DeploymentRecord = {
      id: deps.newId(),
      owner: repo.owner,
      repo: repo.name,
      sha,
      ref: input.ref,
      task: input.task ?? 'deploy',
      payload,
      originalEnvironment: environment,
      environment,
      description: input.description === undefined ? '' : input.description,
      creator: actor,
      createdAt: at,
      updatedAt: at,
      transient: input.transientEnvironment ?? false,
      production: input.productionEnvironment ?? environment === 'production',
      statuses: [],
    };
    deployments.push(deployment);
    // History seeded from before the sandbox began is not announced: GitHub sent no webhook for it.
    if (options.announce !== false) deps.emit({ kind: 'deployment', deployment });
    for (const listener of createdListeners) listener(deployment);
    return { kind: 'created', deployment };
  }

  /** A payload given as a string must be JSON; an object stays as it is. */
  function parsePayload(payload: CreateDeploymentInput['payload']): DeploymentRecord['payload'] {
    if (payload === undefined || payload === '') return {};
    if (typeof payload !== 'string') return payload;
    try {
      const parsed: unknown = JSON.parse(payload);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Not JSON: refused below.
    }
    return deps.fail(422, 'Validation Failed', [{ resource: 'Deployment', field: 'payload', code: 'invalid', message: 'payload must be a JSON object' }]);
  }

  /**
   * `auto_merge`: a ref behind the default branch is brought up to date first, as GitHub does. A
   * branch gets a merge commit (the answer is 202 and no deployment is made); a tag or a sha
   * cannot take one, so GitHub answers 409, as it does for a conflict.
   */
  function autoMerge(repo: RepoRecord, ref: string, sha: string, actor: string): string | undefined {
    const base = deps.resolveCommit(repo, repo.defaultBranch);
    if (!base || base === sha || deps.objects.ancestors(sha).includes(base)) return undefined;
    const short = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '');
    const isBranch = repo.refs.get(`heads/${short}`) === sha && !/^[0-9a-f]{40}$/.test(ref);
    const conflict = (): never => deps.fail(409, `Conflict merging ${repo.defaultBranch} into ${ref}.`);
    if (!isBranch) return conflict();
    const tree = deps.mergeTrees(deps.mergeBase(base, sha), sha, base);
    if (!tree) return conflict();
    const commit = deps.objects.writeCommit({ tree: deps.objects.writeFlat(tree), parents: [sha, base], message: `Auto-merged ${repo.defaultBranch} into ${short} on deployment.`, author: deps.person(actor), committer: deps.person('web-flow') });
    deps.markSigned(commit);
    deps.setRef(repo, `heads/${short}`, commit, actor);
    return `Auto-merged ${repo.defaultBranch} into ${ref} on deployment.`;
  }

  /** The contexts that keep the commit from being deployed, or undefined when it may be. */
  function failedContexts(repo: RepoRecord, sha: string, required: string[] | undefined): ContextState[] | undefined {
    const runs = deps.latestRunsFor(repo, sha);
    const states = new Map<string, string>();
    // A commit status and a check run of the same name are one context; a failing one of either fails it.
    for (const run of runs) {
      const state = contextState(run);
      const seen = states.get(run.name);
      if (!seen || seen === 'success') states.set(run.name, state);
    }
    const wanted = required ?? [...states.keys()];
    const listed = wanted.map((context) => ({ context, state: states.get(context) ?? 'missing' }));
    return listed.some((item) => item.state !== 'success') ? listed : undefined;
  }

  function get(repo: RepoRecord, id: number): DeploymentRecord {
    const deployment = ofRepo(repo).find((d) => d.id === id);
    if (!deployment) deps.fail(404, 'Not Found');
    return deployment;
  }

  /** Newest first, filtered as GitHub's list is (each filter exact). */
  function list(repo: RepoRecord, filter: { sha?: string; ref?: string; task?: string; environment?: string }): DeploymentRecord[] {
    return ofRepo(repo)
      .filter((d) => (filter.sha === undefined || d.sha === filter.sha) && (filter.ref === undefined || d.ref === filter.ref) && (filter.task === undefined || d.task === filter.task) && (filter.environment === undefined || d.environment === filter.environment))
      .sort((a, b) => b.id - a.id);
  }

  /**
   * GitHub deletes an inactive deployment, or the repository's only one; an active one (its latest
   * status not a non-successful one) is refused with 422.
   */
  function remove(repo: RepoRecord, id: number): void {
    const deployment = get(repo, id);
    const latest = latestStatus(deployment);
    const inactive = latest !== undefined && latest.state !== 'success';
    if (!inactive && ofRepo(repo).length > 1) deps.fail(422, 'We cannot delete an active deployment unless it is the only deployment in a given environment.');
    deployments.splice(deployments.indexOf(deployment), 1);
  }

  /**
   * GitHub's create-a-deployment-status. The status's environment defaults to the previous
   * status's, then the deployment's, and moves the deployment to it. With `auto_inactive` (the
   * default) a `success` marks inactive every earlier deployment of the repository to the same
   * environment that is neither transient nor production and whose latest status is success.
   */
  function addStatus(repo: RepoRecord, deployment: DeploymentRecord, input: CreateStatusInput, actor: string, options: { announce?: boolean } = {}): DeploymentStatusRecord {
    if (repo.archived) deps.fail(403, 'Repository was archived so is read-only.');
    const description = input.description ?? '';
    if (description.length > 140) deps.fail(422, 'Validation Failed', [{ resource: 'DeploymentStatus', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }]);
    const environment = input.environment ?? latestStatus(deployment)?.environment ?? deployment.environment;
    const logUrl = input.logUrl ?? input.targetUrl ?? '';
    const announce = options.announce !== false;
    const status = record(deployment, { state: input.state, creator: actor, description, environment, targetUrl: logUrl, logUrl, environmentUrl: input.environmentUrl ?? '' }, announce);
    if (input.state === 'success' && input.autoInactive !== false) {
      for (const other of ofRepo(repo)) {
        if (other.id >= deployment.id || other.environment !== environment || other.transient || other.production) continue;
        if (latestStatus(other)?.state !== 'success') continue;
        record(other, { state: 'inactive', creator: actor, description: '', environment, targetUrl: '', logUrl: '', environmentUrl: '' }, announce);
      }
    }
    return status;
  }

  function record(deployment: DeploymentRecord, fields: Omit<DeploymentStatusRecord, 'id' | 'createdAt'>, announce: boolean): DeploymentStatusRecord {
    const status: DeploymentStatusRecord = { id: deps.newId(), createdAt: deps.iso(deps.now()), ...fields };
    deployment.statuses.push(status);
    deployment.environment = status.environment;
    deployment.updatedAt = status.createdAt;
    if (announce) deps.emit({ kind: 'deployment_status', deployment, status });
    for (const listener of statusListeners) listener(deployment, status);
    return status;
  }

  function getStatus(deployment: DeploymentRecord, id: number): DeploymentStatusRecord {
    const status = deployment.statuses.find((s) => s.id === id);
    if (!status) deps.fail(404, 'Not Found');
    return status;
  }

  return {
    create,
    get,
    list,
    remove,
    addStatus,
    getStatus,
    /** Every deployment of every repository, oldest first (for the sandbox's CD and assertions). */
    all: (): DeploymentRecord[] => [...deployments],
    /** Calls `listener` after each deployment is created (how the sandbox's CD watches, with no HTTP). */
    onCreated(listener: (deployment: DeploymentRecord) => void): () => void {
      createdListeners.push(listener);
      return () => void createdListeners.splice(createdListeners.indexOf(listener), 1);
    },
    /** Calls `listener` after each status is added, by anyone. */
    onStatus(listener: (deployment: DeploymentRecord, status: DeploymentStatusRecord) => void): () => void {
      statusListeners.push(listener);
      return () => void statusListeners.splice(statusListeners.indexOf(listener), 1);
    },
  };
}

export type Deployments = ReturnType<typeof createDeploymentState>;
