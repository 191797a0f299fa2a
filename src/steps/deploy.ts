import type { DeploymentFact, DeploymentMethod } from '../domain/deployment.js';
export { isActiveDeployment } from '../domain/deployment.js';
import type { DeployOptions } from '../domain/step-options.js';
import { deploymentsMethod, type DeploymentsDeps } from './deploy-deployments.js';
import type { DeployMethod } from './deploy-method.js';
import { webhookMethod, type WebhookDeployDeps } from './deploy-webhook.js';
import { workflowDispatchMethod, type WorkflowDeployDeps } from './deploy-workflow.js';
import type { Step, StepEvent, StepResult } from './types.js';

/** What the deploy brick needs: the gateway (GitHub Deployments), and what the other methods need. */
export type DeployDeps = DeploymentsDeps & WorkflowDeployDeps & WebhookDeployDeps;

const METHODS: Record<DeploymentMethod, DeployMethod<DeployDeps>> = {
  deployments: deploymentsMethod,
  'workflow-dispatch': workflowDispatchMethod,
  webhook: webhookMethod,
};

/** The method that deployed (or deploys) a fact, for the canary and the close brick to mark it inactive. */
export function deployMethodFor(method: DeploymentMethod): DeployMethod<DeployDeps> {
  return METHODS[method];
}

/**
 * Marks a target's deployment inactive, best effort: an error becomes a `deploy.deactivate-failed`
 * event, never the step's failure. Returns the fact as it now stands and the event to record.
 *
 * @example const { fact, event } = await deactivateDeployment({ repo, now, deps }, target.deployment);
 */
export async function deactivateDeployment(ctx: { repo: string; now: number; deps: DeployDeps }, fact: DeploymentFact, why: string): Promise<{ fact: DeploymentFact; event: StepEvent }> {
  const data = { repo: ctx.repo, environment: fact.environment, sha: fact.sha, deploymentId: fact.deploymentId, method: fact.method, why };
  try {
    await deployMethodFor(fact.method).deactivate(ctx, fact);
    return { fact: { ...fact, state: 'inactive' }, event: { kind: 'deploy.deactivated', data } };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { fact, event: { kind: 'deploy.deactivate-failed', data: { ...data, reason } } };
  }
}

/**
 * A duration in a person's words: "30m", "2h", "1h30m", "45s".
 *
 * @example formatDuration(5_400_000) // '1h30m'
 */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}

const short = (sha: string) => sha.slice(0, 7);

function readFact(value: unknown): DeploymentFact | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const f = value as Partial<DeploymentFact>;
  return typeof f.sha === 'string' && typeof f.environment === 'string' && typeof f.method === 'string' && typeof f.startedAt === 'number' ? (f as DeploymentFact) : null;
}

/**
 * The deploy brick: deploys the PR's head to the `environment` the options name (default
 * `canary`) by `method` (GitHub Deployments by default), then waits for the deployment's outcome,
 * woken by `deployment_status` webhooks and polling every `pollEvery` as the fallback. `success`
 * is done, with the environment's URL and the time recorded on the target's `deployment` fact
 * (the canary window starts then); `failure` or `error` fails the target with the CD system's
 * description; no outcome after `timeout` asks a person (a Retry waits `timeout` again). The fact
 * is kept in the step's state too, so a run after a crash reads the deployment it started instead
 * of starting another; a new head (a rebuilt PR) deploys again.
 *
 * @example
 * const registry = createStepRegistry([deployStep, canaryStep, ...]); // deps: { github }
 */
export const deployStep: Step<DeployOptions, DeployDeps> = {
  kind: 'deploy',
  async run(ctx) {
    const sha = ctx.target.headSha;
    const env = ctx.options.environment;
    if (!sha) {
      return { kind: 'failed', retryable: false, reason: `The deploy step has no commit to deploy to ${env}: put open-pr before deploy in the campaign's steps.` };
    }
    const saved = readFact(ctx.state.fact);
    // A fact of another head, environment or method is an earlier deploy's: this head is deployed anew.
    const previous = saved && saved.sha === sha && saved.environment === env && saved.method === ctx.options.method ? saved : null;
    const fact = await METHODS[ctx.options.method].advance(ctx, previous);
    const events: StepEvent[] = [];
    const base = { repo: ctx.target.repo, environment: fact.environment, sha: fact.sha, method: fact.method, deploymentId: fact.deploymentId, runId: fact.runId };
    if (!previous) events.push({ kind: 'deploy.started', data: { ...base, startedAt: fact.startedAt } });
    const patch = { deployment: fact };
    // After a timeout the state has no `waitSince`: a Retry starts a new wait now.
    const waitSince = !previous ? fact.startedAt : typeof ctx.state.waitSince === 'number' ? ctx.state.waitSince : ctx.now;
    const data = { fact, waitSince };
    const where = `${short(fact.sha)} to ${fact.environment}`;

    if (fact.state === 'success') {
      events.push({ kind: 'deploy.succeeded', data: { ...base, environmentUrl: fact.environmentUrl, logUrl: fact.logUrl, readyAt: fact.readyAt } });
      return { kind: 'done', data, patch, events };
    }
    if (fact.state === 'failure' || fact.state === 'error' || fact.state === 'inactive') {
      const description = fact.description ?? (fact.state === 'inactive' ? 'it was marked inactive before it succeeded' : `its status is ${fact.state}, without a description`);
      const log = fact.logUrl ? ` (log: ${fact.logUrl})` : '';
      const reason = `The deployment of ${where} failed: ${description}${log}`;
      events.push({ kind: 'deploy.failed', data: { ...base, state: fact.state, description, logUrl: fact.logUrl } });
      return { kind: 'failed', retryable: false, reason, data, patch, events };
    }
    const deadline = waitSince + ctx.options.timeout;
    if (ctx.now >= deadline) {
      const look = fact.logUrl ?? fact.environmentUrl ?? (fact.deploymentId !== null ? `deployment ${fact.deploymentId} in ${ctx.target.repo}` : `the CD system`);
      const result: StepResult = {
        kind: 'needs-human',
        reason: `The deployment of ${where} has not finished after ${formatDuration(ctx.now - waitSince)} (still ${fact.state}): check ${look}, then Retry or Skip.`,
        // A Retry waits a new `timeout` for the same deployment: the old wait is not kept.
        data: { fact, timedOutAt: ctx.now },
        patch,
        events: [...events, { kind: 'deploy.timeout', data: { ...base, state: fact.state, waitedMs: ctx.now - waitSince } }],
      };
      return result;
    }
    const until = Math.min(ctx.now + ctx.options.pollEvery, deadline);
    const state = fact.state === 'in_progress' ? 'in progress' : fact.state;
    return { kind: 'wait', until, reason: `waiting for the deployment of ${where}: ${state}`, data, patch, ...(events.length > 0 ? { events } : {}) };
  },
};
