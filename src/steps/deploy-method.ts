import type { DeploymentFact } from '../domain/deployment.js';
import type { DeployOptions } from '../domain/step-options.js';
import type { StepContext } from './types.js';

/**
 * One way of deploying a canary (`deploy.method`): GitHub Deployments, a workflow run, or a signed
 * webhook to an external CD system. The deploy brick (`deploy.ts`) owns the waiting, the timeout,
 * the events and the target's `deployment` fact; a method only starts a deploy and says where it is.
 */
export interface DeployMethod<Deps> {
  /**
   * Starts the deploy when `fact` is null, or finds the one already started (a crash between the
   * request and the step's state must not deploy twice); otherwise reads where it is now. Returns
   * the fact as it stands: `state` success (with `readyAt`), failure or error (with
   * `description`), or still pending / queued / in_progress.
   */
  advance(ctx: StepContext<DeployOptions, Deps>, fact: DeploymentFact | null): Promise<DeploymentFact>;
  /** Marks the deployment inactive (after the canary, on skip and abort); best effort, idempotent. */
  deactivate(ctx: { repo: string; now: number; deps: Deps }, fact: DeploymentFact): Promise<void>;
}
