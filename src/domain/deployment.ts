/**
 * What Fleet knows about the version of a target it deployed, or that it waits on in production:
 * the target row's `deployment` fact (targets.deployment_json). The deploy brick writes it, the
 * canary reads when its window starts from `readyAt`, the engine marks it inactive on skip and abort.
 */
export type DeploymentMethod = 'deployments' | 'workflow-dispatch' | 'webhook';

export type DeploymentState = 'pending' | 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface DeploymentFact {
  method: DeploymentMethod;
  /** The environment deployed to ("canary" by default). */
  environment: string;
  /** The commit deployed (the PR's head). */
  sha: string;
  /** GitHub's deployment id, when the deploy went through (or created) a GitHub deployment. */
  deploymentId: number | null;
  /** The workflow run (workflow-dispatch) or the external system's execution id (webhook). */
  runId: string | null;
  state: DeploymentState;
  /** The environment's URL the CD system reported on success (a link for the thread). */
  environmentUrl: string | null;
  /** The log or run URL to look at when it fails. */
  logUrl: string | null;
  /** Epoch ms the deploy was asked for. */
  startedAt: number;
  /** Epoch ms the deployment reported success: the canary window starts then. */
  readyAt: number | null;
  /** The failure's description, as the CD system gave it. */
  description: string | null;
  /** Where the deploy's status is polled (a `webhook` deploy whose system answered with one, or the spec's `statusUrl`). */
  statusUrl?: string | null;
}

/**
 * Still deploying or serving: a deployment Fleet must mark inactive once it is done with it (after
 * the canary, on skip and on abort).
 *
 * @example isActiveDeployment({ ...fact, state: 'success' }) // true
 */
export function isActiveDeployment(fact: DeploymentFact | null | undefined): fact is DeploymentFact {
  return fact !== null && fact !== undefined && (fact.state === 'pending' || fact.state === 'queued' || fact.state === 'in_progress' || fact.state === 'success');
}
