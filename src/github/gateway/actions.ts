import { splitRepo, type GatewayContext } from './context.js';

/**
 * GitHub Actions, for a deploy run by a workflow (`deploy.method: workflow-dispatch`): dispatch a
 * workflow on a branch with inputs, find the run it started, and read how it ended.
 */

export interface WorkflowRun {
  id: number;
  workflowId: number;
  headSha: string;
  headBranch: string | null;
  event: string;
  status: string | null;
  conclusion: string | null;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface ActionsGateway {
  /** `POST …/actions/workflows/{workflow_id}/dispatches` on a branch (GitHub dispatches on a ref name, not a sha). */
  dispatchWorkflow(repo: string, workflow: string, input: { ref: string; inputs: Record<string, string> }): Promise<void>;
  /** `GET …/actions/workflows/{workflow_id}/runs` filtered as GitHub filters them, newest first (first page of 100). */
  listWorkflowRuns(repo: string, workflow: string, filter: { branch?: string; headSha?: string; event?: string; createdSince?: number }): Promise<WorkflowRun[]>;
  /** `GET …/actions/runs/{run_id}`; undefined when it is gone. */
  getWorkflowRun(repo: string, id: number): Promise<WorkflowRun | undefined>;
}

interface RawRun {
  id: number;
  workflow_id: number;
  head_sha: string;
  head_branch: string | null;
  event: string;
  status: string | null;
  conclusion: string | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}

function toRun(raw: RawRun): WorkflowRun {
  return {
    id: raw.id,
    workflowId: raw.workflow_id,
    headSha: raw.head_sha,
    headBranch: raw.head_branch,
    event: raw.event,
    status: raw.status,
    conclusion: raw.conclusion,
    htmlUrl: raw.html_url,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

/** GitHub's `created` filter from a time: runs created at or after that second. */
function createdSince(ms: number): string {
  return `>=${new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')}`;
}

export function createActions(context: GatewayContext): ActionsGateway {
  const { octokit, call, callOrMissing } = context;

  async function dispatchWorkflow(repoName: string, workflow: string, input: { ref: string; inputs: Record<string, string> }): Promise<void> {
    const { owner, repo } = splitRepo(repoName);
    await call(`running workflow ${workflow} on ${input.ref}`, repoName, () =>
      octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: workflow, ref: input.ref, inputs: input.inputs }),
    );
  }

  async function listWorkflowRuns(repoName: string, workflow: string, filter: { branch?: string; headSha?: string; event?: string; createdSince?: number }): Promise<WorkflowRun[]> {
    const { owner, repo } = splitRepo(repoName);
    const response = await call(`listing the runs of workflow ${workflow}`, repoName, () =>
      octokit.rest.actions.listWorkflowRuns({
        owner,
        repo,
        workflow_id: workflow,
        per_page: 100,
        exclude_pull_requests: true,
        ...(filter.branch ? { branch: filter.branch } : {}),
        ...(filter.headSha ? { head_sha: filter.headSha } : {}),
        ...(filter.event ? { event: filter.event } : {}),
        ...(filter.createdSince !== undefined ? { created: createdSince(filter.createdSince) } : {}),
      }),
    );
    return (response.data.workflow_runs as RawRun[]).map(toRun);
  }

  async function getWorkflowRun(repoName: string, id: number): Promise<WorkflowRun | undefined> {
    const { owner, repo } = splitRepo(repoName);
    const response = await callOrMissing(`reading workflow run ${id}`, repoName, () => octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: id, exclude_pull_requests: true }));
    return response ? toRun(response.data) : undefined;
  }

  return { dispatchWorkflow, listWorkflowRuns, getWorkflowRun };
}
