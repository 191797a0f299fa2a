import { parse as parseYaml } from 'yaml';
import { failHttp, type RepoRecord, type World, type WorldEvent } from './state.js';

/**
 * GitHub Actions as far as a deploy workflow needs it: the workflows of a repository (read from
 * `.github/workflows/*.yml` on its default branch, as GitHub lists them), `workflow_dispatch`
 * (checked as GitHub checks it: the trigger, the inputs it declares, the ref), and the runs it
 * starts, which move on the fake's clock (queued → in_progress → completed) and announce
 * themselves with `workflow_run` webhooks. A job with an `environment` makes the run a deploy: GitHub
 * Actions then records a deployment of the run's commit to that environment, which the fake does
 * through the `deployer` hook (the fake's deployments state, when it serves them).
 */

export interface WorkflowInput {
  required: boolean;
  default?: string;
  type: 'string' | 'boolean' | 'choice' | 'number' | 'environment';
  options?: string[];
}

export interface WorkflowRecord {
  id: number;
  owner: string;
  repo: string;
  path: string;
  name: string;
  createdAt: string;
}

/** What a workflow file says, read at the commit a run uses. */
interface WorkflowDefinition {
  name: string;
  /** null: the workflow has no `workflow_dispatch` trigger. */
  dispatchInputs: Record<string, WorkflowInput> | null;
  /** The `environment` of the first job that names one (`name`, `url`), with `${{ inputs.x }}` unexpanded. */
  environment: { name: string; url: string | null } | null;
}

export interface WorkflowRunRecord {
  id: number;
  workflowId: number;
  owner: string;
  repo: string;
  path: string;
  name: string;
  runNumber: number;
  headBranch: string;
  headSha: string;
  event: 'workflow_dispatch';
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | null;
  actor: string;
  inputs: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
  /** Epoch ms (fake clock) the run starts and completes. */
  startsAt: number;
  completesAt: number;
  /** Why the run fails (the repository's deploy breaks), or null for a run that succeeds. */
  failure: string | null;
  /** The environment the run deploys to (expanded), and the deployment the deployer recorded. */
  environment: string | null;
  environmentUrl: string | null;
  deploymentId: number | null;
}

/** Where a deploy run's deployment goes: the fake's deployments (its REST routes and webhooks). */
export interface ActionsDeployer {
  /** Records a deployment of `sha` to `environment`, created by the Actions bot, with an `in_progress` status; null when none could be made. */
  start(input: { owner: string; repo: string; sha: string; ref: string; environment: string; logUrl: string }): number | null;
  /** Adds the deployment's final status. */
  finish(input: { owner: string; repo: string; deploymentId: number; state: 'success' | 'failure'; environmentUrl: string | null; logUrl: string; description: string }): void;
}

export interface ActionsOptions {
  /** How long a dispatched run is queued before it starts (ms of the fake's clock). */
  queuedMs?: number;
  /** How long a run takes once started. */
  durationMs?: number;
}

const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Reads a workflow file; a file that is not a workflow (bad YAML, no `on`) has no dispatch trigger. */
function readDefinition(path: string, source: string): WorkflowDefinition {
  let doc: unknown;
  try {
    doc = parseYaml(source);
  } catch {
    doc = null;
  }
  const root = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  const name = text(root.name) ?? path;
  const on = root.on ?? root.true;
  let dispatch: unknown;
  let hasDispatch = false;
  if (on === 'workflow_dispatch') hasDispatch = true;
  else if (Array.isArray(on)) hasDispatch = on.includes('workflow_dispatch');
  else if (on !== null && typeof on === 'object' && 'workflow_dispatch' in on) {
    hasDispatch = true;
    dispatch = (on as Record<string, unknown>).workflow_dispatch;
  }
  let dispatchInputs: Record<string, WorkflowInput> | null = null;
  if (hasDispatch) {
    dispatchInputs = {};
    const declared = dispatch !== null && typeof dispatch === 'object' ? (dispatch as Record<string, unknown>).inputs : undefined;
    if (declared !== null && typeof declared === 'object') {
      for (const [key, raw] of Object.entries(declared as Record<string, unknown>)) {
        const spec = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
        const type = ['string', 'boolean', 'choice', 'number', 'environment'].includes(String(spec.type)) ? (spec.type as WorkflowInput['type']) : 'string';
        const fallback = text(spec.default);
        dispatchInputs[key] = {
          required: spec.required === true,
          type,
          ...(fallback !== undefined ? { default: fallback } : {}),
          ...(Array.isArray(spec.options) ? { options: spec.options.map((option) => String(option)) } : {}),
        };
      }
    }
  }
  let environment: WorkflowDefinition['environment'] = null;
  const jobs = root.jobs !== null && typeof root.jobs === 'object' ? Object.values(root.jobs as Record<string, unknown>) : [];
  for (const job of jobs) {
    const env = job !== null && typeof job === 'object' ? (job as Record<string, unknown>).environment : undefined;
    if (typeof env === 'string') environment = { name: env, url: null };
    else if (env !== null && typeof env === 'object' && typeof (env as Record<string, unknown>).name === 'string') environment = { name: String((env as Record<string, unknown>).name), url: text((env as Record<string, unknown>).url) ?? null };
    if (environment) break;
  }
  return { name, dispatchInputs, environment };
}

/** `${{ inputs.x }}` and `${{ github.event.inputs.x }}` filled in from the run's inputs; `${{ github.sha }}` too. */
function expand(template: string, inputs: Record<string, string>, sha: string): string {
  return template.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_match, expression: string) => {
    const input = /^(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)$/.exec(expression);
    if (input?.[1]) return inputs[input[1]] ?? '';
    if (expression === 'github.sha') return sha;
    return '';
  });
}

export function createActions(world: World, emit: (event: WorldEvent) => void, base: () => string, options: ActionsOptions = {}) {
  const queuedMs = options.queuedMs ?? 5_000;
  const durationMs = options.durationMs ?? 60_000;
  /** `owner/repo:path` (lower case owner/repo) → the workflow's id and when it was first seen. */
  const known = new Map<string, { id: number; createdAt: string }>();
  const runs: WorkflowRunRecord[] = [];
  let breaks: (repo: string) => string | undefined = () => undefined;
  let deployer: ActionsDeployer | null = null;

  const keyOf = (repo: RepoRecord, path: string): string => `${repo.owner}/${repo.name}:${path}`.toLowerCase();

  function filesAt(sha: string): Map<string, { sha: string }> {
    const commit = world.objects.get(sha);
    return commit?.type === 'commit' ? world.objects.flatten(commit.tree) : new Map();
  }

  function sourceAt(sha: string, path: string): string | undefined {
    const file = filesAt(sha).get(path);
    const blob = file ? world.objects.get(file.sha) : undefined;
    return blob?.type === 'blob' ? blob.content.toString('utf8') : undefined;
  }

  /** The repository's workflows: the workflow files on its default branch's head, by path. */
  function workflowsOf(repo: RepoRecord): WorkflowRecord[] {
    const head = repo.refs.get(`heads/${repo.defaultBranch}`);
    if (!head) return [];
    const list: WorkflowRecord[] = [];
    for (const path of [...filesAt(head).keys()].filter((p) => WORKFLOW_FILE.test(p)).sort()) {
      let entry = known.get(keyOf(repo, path));
      if (!entry) known.set(keyOf(repo, path), (entry = { id: world.newId(), createdAt: world.iso(world.now()) }));
      list.push({ id: entry.id, owner: repo.owner, repo: repo.name, path, name: readDefinition(path, sourceAt(head, path) ?? '').name, createdAt: entry.createdAt });
    }
    return list;
  }

  /** A workflow by its numeric id or its file name (`deploy.yml`), as GitHub's `{workflow_id}` takes either. */
  function findWorkflow(repo: RepoRecord, idOrFile: string): WorkflowRecord {
    const all = workflowsOf(repo);
    const found = /^\d+$/.test(idOrFile) ? all.find((w) => w.id === Number(idOrFile)) : all.find((w) => w.path.split('/').at(-1) === idOrFile);
    if (!found) failHttp(404, 'Not Found');
    return found;
  }

  /**
   * `POST …/actions/workflows/{workflow_id}/dispatches`: GitHub runs the workflow file as it is at
   * `ref` (a branch or a tag, never a bare sha), with the inputs it declares there.
   */
  function dispatch(repo: RepoRecord, idOrFile: string, ref: unknown, given: unknown, actor: string): WorkflowRunRecord {
    const workflow = findWorkflow(repo, idOrFile);
    if (typeof ref !== 'string' || ref === '') failHttp(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    const name = ref.replace(/^refs\/(heads|tags)\//, '');
    const branchSha = repo.refs.get(`heads/${name}`);
    const tagSha = branchSha ? undefined : world.resolveCommit(repo, `tags/${name}`);
    const sha = branchSha ?? tagSha;
    if (!sha) failHttp(422, `No ref found for: ${ref}`);
    const source = sourceAt(sha, workflow.path);
    const definition = source === undefined ? null : readDefinition(workflow.path, source);
    if (!definition?.dispatchInputs) failHttp(422, "Workflow does not have 'workflow_dispatch' trigger");
    if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) failHttp(422, `Invalid request.\n\nFor 'properties/inputs', ${JSON.stringify(given)} is not an object.`);
    const provided = (given ?? {}) as Record<string, unknown>;
    if (Object.keys(provided).length > 25) failHttp(422, 'Invalid request.\n\nNo more than 25 properties are allowed; ' + Object.keys(provided).length + ' were supplied.');
    const unexpected = Object.keys(provided).filter((key) => !(key in (definition.dispatchInputs ?? {})));
    if (unexpected.length > 0) failHttp(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    const inputs: Record<string, string> = {};
    for (const [key, input] of Object.entries(definition.dispatchInputs)) {
      const value = provided[key] === undefined ? input.default : text(provided[key]);
      if (provided[key] !== undefined && value === undefined) failHttp(422, `Invalid request.\n\nFor 'properties/${key}', ${JSON.stringify(provided[key])} is not a string.`);
      if (value === undefined || value === '') {
        if (input.required) failHttp(422, `Required input '${key}' not provided`);
        continue;
      }
      if (input.type === 'choice' && input.options && !input.options.includes(value)) failHttp(422, `Provided value '${value}' for input '${key}' not in the list of allowed values`);
      if (input.type === 'boolean' && value !== 'true' && value !== 'false') failHttp(422, `Provided value '${value}' for input '${key}' is not a boolean`);
      if (input.type === 'number' && !Number.isFinite(Number(value))) failHttp(422, `Provided value '${value}' for input '${key}' is not a number`);
      inputs[key] = value;
    }
    const at = world.now();
    const environment = definition.environment ? expand(definition.environment.name, inputs, sha) || null : null;
    const run: WorkflowRunRecord = {
      id: world.newId(),
      workflowId: workflow.id,
      owner: repo.owner,
      repo: repo.name,
      path: workflow.path,
      name: definition.name,
      runNumber: runs.filter((r) => r.workflowId === workflow.id).length + 1,
      headBranch: name,
      headSha: sha,
      event: 'workflow_dispatch',
      status: 'queued',
      conclusion: null,
      actor,
      inputs,
      createdAt: world.iso(at),
      updatedAt: world.iso(at),
      runStartedAt: world.iso(at),
      startsAt: at + queuedMs,
      completesAt: at + queuedMs + durationMs,
      failure: breaks(`${repo.owner}/${repo.name}`) ?? null,
      environment,
      environmentUrl: environment ? (definition.environment?.url ? expand(definition.environment.url, inputs, sha) || null : `https://${environment}.${repo.name}.sandbox.fleet.invalid/`) : null,
      deploymentId: null,
    };
    runs.push(run);
    emit({ kind: 'workflow_run', action: 'requested', run });
    return run;
  }

  /** Moves every run whose time has come; called on each request and on `advance`. */
  function evaluate(): void {
    const at = world.now();
    for (const run of runs) {
      if (run.status === 'queued' && run.startsAt <= at) {
        run.status = 'in_progress';
        run.updatedAt = world.iso(at);
        run.runStartedAt = world.iso(run.startsAt);
        if (run.environment && deployer) {
          const id = deployer.start({ owner: run.owner, repo: run.repo, sha: run.headSha, ref: run.headBranch, environment: run.environment, logUrl: htmlUrl(run) });
          run.deploymentId = id !== null && id >= 0 ? id : null;
        }
        emit({ kind: 'workflow_run', action: 'in_progress', run });
      }
      if (run.status === 'in_progress' && run.completesAt <= at) {
        run.status = 'completed';
        run.conclusion = run.failure ? 'failure' : 'success';
        run.updatedAt = world.iso(at);
        if (run.deploymentId !== null && deployer) {
          deployer.finish({ owner: run.owner, repo: run.repo, deploymentId: run.deploymentId, state: run.conclusion, environmentUrl: run.failure ? null : run.environmentUrl, logUrl: htmlUrl(run), description: run.failure ?? 'Deployed by GitHub Actions' });
        }
        emit({ kind: 'workflow_run', action: 'completed', run });
      }
    }
  }

  function htmlUrl(run: WorkflowRunRecord): string {
    return `${base()}/${run.owner}/${run.repo}/actions/runs/${run.id}`;
  }

  return {
    workflowsOf,
    findWorkflow,
    dispatch,
    evaluate,
    htmlUrl,
    runsOf: (repo: RepoRecord): WorkflowRunRecord[] => runs.filter((run) => run.owner === repo.owner && run.repo === repo.name),
    getRun(repo: RepoRecord, id: number): WorkflowRunRecord {
      const run = runs.find((r) => r.id === id && r.owner === repo.owner && r.repo === repo.name);
      if (!run) failHttp(404, 'Not Found');
      return run;
    },
    /** Which repositories' deploy runs fail, and why (the sandbox fleet's ground truth). */
    setBreaks(fn: (repo: string) => string | undefined): void {
      breaks = fn;
    },
    setDeployer(next: ActionsDeployer | null): void {
      deployer = next;
    },
  };
}

export type Actions = ReturnType<typeof createActions>;
