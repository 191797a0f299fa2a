import type { DeploymentFact, DeploymentState } from '../domain/deployment.js';
import type { DeployOptions } from '../domain/step-options.js';
import { FleetError } from '../errors.js';
import type { Gateway, WorkflowRun } from '../github/gateway.js';
import type { DeployMethod } from './deploy-method.js';
import type { StepContext } from './types.js';

/**
 * `deploy.method: workflow-dispatch`: runs the spec's workflow (`deploy.workflow.workflow`, a file
 * name or id) on the PR's branch with its inputs, finds the run it started, and follows that run
 * to its conclusion. GitHub dispatches on a ref name, not a sha, so the run is recognised by its
 * branch, its head sha (the PR's head) and its creation at or after the dispatch. A workflow whose
 * job names an `environment` makes GitHub record a deployment of the run's commit there: when one
 * exists for the sha and the environment, its id and environment URL are the fact's.
 */

export interface WorkflowDeployDeps {
  github: Pick<Gateway, 'dispatchWorkflow' | 'listWorkflowRuns' | 'getWorkflowRun' | 'listDeployments' | 'listDeploymentStatuses' | 'createDeploymentStatus'>;
}

/** The placeholders a workflow input may hold. */
const PLACEHOLDERS = ['sha', 'environment', 'campaign', 'repo'] as const;

/** A workflow's conclusions GitHub reports that mean the deploy did not happen. */
const FAILED: Record<string, string> = {
  failure: 'failed',
  cancelled: 'was cancelled',
  timed_out: 'timed out',
  action_required: 'is waiting for an approval (action required)',
  startup_failure: 'failed to start',
  stale: 'went stale',
  neutral: 'ended neutral',
  skipped: 'was skipped',
};

const FINISHED_BADLY = new Set<DeploymentState>(['failure', 'error', 'inactive']);

/** GitHub's `created` filter has second resolution: look back that far, so a run made in the dispatch's second is found. */
const CREATED_SLACK_MS = 1000;

/**
 * Fills `{{sha}}`, `{{environment}}`, `{{campaign}}` and `{{repo}}` into the workflow's inputs; any
 * other placeholder is a spec mistake named in the error.
 *
 * @example renderInputs({ version: '{{sha}}' }, { sha: 'abc', environment: 'canary', campaign: 'c-1', repo: 'acme/api' }) // { version: 'abc' }
 */
export function renderInputs(inputs: Record<string, string>, values: Record<(typeof PLACEHOLDERS)[number], string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(inputs)) {
    out[key] = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_match, name: string) => {
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        throw new FleetError('spec_invalid', `The deploy workflow's input "${key}" uses {{${name}}}, which Fleet does not fill in: use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`);
      }
      return values[name as (typeof PLACEHOLDERS)[number]];
    });
  }
  return out;
}

function stateOf(run: WorkflowRun): DeploymentState {
  if (run.status === 'completed') return run.conclusion === 'success' ? 'success' : 'failure';
  if (run.status === 'in_progress') return 'in_progress';
  if (run.status === 'queued' || run.status === 'requested' || run.status === 'waiting') return 'queued';
  return 'pending';
}

/** The run Fleet's dispatch started: a `workflow_dispatch` run of the PR's head on its branch, created at or after `since`. */
async function findRun(deps: WorkflowDeployDeps, repo: string, workflow: string, branch: string, sha: string, since: number | null): Promise<WorkflowRun | undefined> {
  const runs = await deps.github.listWorkflowRuns(repo, workflow, { branch, headSha: sha, event: 'workflow_dispatch', ...(since !== null ? { createdSince: since - CREATED_SLACK_MS } : {}) });
  const mine = runs.filter((run) => run.headSha === sha && (since === null || Date.parse(run.createdAt) >= since - CREATED_SLACK_MS));
  if (since !== null) return mine.at(-1);
  // Nothing says when this deploy began (a crash before its state was kept): a run of this head
  // still going, or one that deployed it, is this deploy; one that failed is an earlier attempt.
  return mine.find((run) => run.status !== 'completed' || run.conclusion === 'success');
}

/** The GitHub deployment the run recorded for the sha and environment, when its workflow has one (best effort). */
async function deploymentOf(deps: WorkflowDeployDeps, repo: string, sha: string, environment: string, since: number): Promise<{ id: number; environmentUrl: string | null } | undefined> {
  try {
    const found = (await deps.github.listDeployments(repo, { sha, environment })).find((d) => Date.parse(d.createdAt) >= since - CREATED_SLACK_MS);
    if (!found) return undefined;
    const statuses = await deps.github.listDeploymentStatuses(repo, found.id);
    return { id: found.id, environmentUrl: statuses.find((s) => s.environmentUrl)?.environmentUrl ?? null };
  } catch {
    // The run's own conclusion is what counts; a deployment is a link more, not a condition.
    return undefined;
  }
}

export const workflowDispatchMethod: DeployMethod<WorkflowDeployDeps> = {
  async advance(ctx: StepContext<DeployOptions, WorkflowDeployDeps>, fact: DeploymentFact | null): Promise<DeploymentFact> {
    const { options, target, deps, now } = ctx;
    const spec = options.workflow;
    if (!spec) throw new FleetError('spec_invalid', 'deploy.method is workflow-dispatch but deploy.workflow is not set: name the workflow file, e.g. workflow: { workflow: deploy.yml, inputs: { version: "{{sha}}" } }.');
    const sha = target.headSha;
    const branch = target.branch;
    if (!sha || !branch) throw new FleetError('bad_input', `The workflow deploy of ${target.repo} needs the PR's branch and head, which open-pr records: put open-pr before deploy.`);
    const repo = target.repo;
    // A fact of another head (someone pushed to the PR) is an older deploy: this head gets its own;
    // so does a deploy that failed (the brick asks again only on a person's Retry).
    // The target's fact outlives the step's state (a Retry may start the step afresh).
    const stored = target.deployment && target.deployment.sha === sha && target.deployment.method === 'workflow-dispatch' && target.deployment.environment === options.environment ? target.deployment : null;
    const known = fact ?? stored;
    const retry = known !== null && known.sha === sha && FINISHED_BADLY.has(known.state);
    const current = known && known.sha === sha && known.method === 'workflow-dispatch' && !retry ? known : null;
    const stateStart = typeof ctx.state.startedAt === 'number' ? ctx.state.startedAt : null;
    const since = retry ? now : current?.startedAt ?? stateStart;

    let run: WorkflowRun | undefined;
    let startedAt = since ?? now;
    if (current?.runId) {
      run = await deps.github.getWorkflowRun(repo, Number(current.runId));
      if (!run) throw new FleetError('not_found', `Workflow run ${current.runId} of ${repo} is gone; press Retry to deploy ${sha.slice(0, 7)} again, or Skip the target.`);
    } else {
      run = await findRun(deps, repo, spec.workflow, branch, sha, since);
      if (!run && !current) {
        startedAt = now;
        const inputs = renderInputs(spec.inputs, { sha, environment: options.environment, campaign: ctx.campaign.id, repo });
        await deps.github.dispatchWorkflow(repo, spec.workflow, { ref: branch, inputs });
        // GitHub creates the run a moment after it accepts the dispatch: it may be listed already.
        run = await findRun(deps, repo, spec.workflow, branch, sha, startedAt);
      }
    }

    const base: DeploymentFact = {
      method: 'workflow-dispatch',
      environment: options.environment,
      sha,
      deploymentId: current?.deploymentId ?? null,
      runId: run ? String(run.id) : null,
      state: run ? stateOf(run) : 'queued',
      environmentUrl: current?.environmentUrl ?? null,
      logUrl: run?.htmlUrl ?? null,
      startedAt,
      readyAt: null,
      description: null,
    };
    if (!run) return { ...base, description: `waiting for GitHub to start the ${spec.workflow} run it was asked for` };
    const deployment = base.deploymentId === null || base.environmentUrl === null ? await deploymentOf(deps, repo, sha, options.environment, startedAt) : undefined;
    const withDeployment = deployment ? { ...base, deploymentId: deployment.id, environmentUrl: deployment.environmentUrl ?? base.environmentUrl } : base;
    if (base.state === 'success') return { ...withDeployment, readyAt: Date.parse(run.updatedAt) || now, description: `workflow ${spec.workflow} run #${run.id} succeeded` };
    if (base.state === 'failure') {
      const conclusion = run.conclusion ?? 'unknown';
      return { ...withDeployment, description: `the ${spec.workflow} run ${FAILED[conclusion] ?? `ended ${conclusion}`} (conclusion: ${conclusion})` };
    }
    return { ...withDeployment, description: `workflow ${spec.workflow} run #${run.id} is ${run.status ?? 'pending'}` };
  },

  async deactivate(ctx, fact) {
    if (fact.deploymentId === null) return;
    await ctx.deps.github.createDeploymentStatus(ctx.repo, fact.deploymentId, { state: 'inactive', description: 'Fleet canary finished' });
  },
};
