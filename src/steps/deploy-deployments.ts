import type { DeploymentFact, DeploymentState } from '../domain/deployment.js';
import { FleetError } from '../errors.js';
import type { DeployOptions } from '../domain/step-options.js';
import type { Deployment, DeploymentStatus, Gateway } from '../github/gateway.js';
import type { DeployMethod } from './deploy-method.js';
import type { StepContext } from './types.js';

/** What the GitHub Deployments method needs: the gateway's Deployments calls. */
export interface DeploymentsDeps {
  github: Pick<Gateway, 'createDeployment' | 'listDeployments' | 'listDeploymentStatuses' | 'createDeploymentStatus'>;
}

/** What Fleet writes in a deployment's payload, so a run after a crash finds the deployment it created. */
export interface FleetDeploymentPayload {
  fleet: { campaign: string; target: number; repo: string };
}

/** Whether a deployment's payload names this campaign and target (Fleet's own canary deployment). */
export function isFleetDeploymentOf(payload: Record<string, unknown>, campaign: string, target: number): boolean {
  const fleet = payload.fleet;
  if (fleet === null || typeof fleet !== 'object' || Array.isArray(fleet)) return false;
  const named = fleet as Record<string, unknown>;
  return named.campaign === campaign && named.target === target;
}

function parseTime(iso: string): number | null {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The deployment's fact from its statuses (newest first, as GitHub lists them): the newest status's
 * state (no status yet is `pending`), the newest environment and log URLs reported, and the time of
 * the success status as `readyAt`.
 *
 * @example factFromStatuses(deployment, statuses, startedAt) // { state: 'success', readyAt: 1767614400000, ... }
 */
export function factFromStatuses(deployment: Deployment, statuses: readonly DeploymentStatus[], startedAt: number): DeploymentFact {
  const latest = statuses[0];
  const state: DeploymentState = latest?.state ?? 'pending';
  const success = statuses.find((s) => s.state === 'success');
  const ended = latest && (latest.state === 'failure' || latest.state === 'error' || latest.state === 'inactive');
  return {
    method: 'deployments',
    environment: deployment.environment,
    sha: deployment.sha,
    deploymentId: deployment.id,
    runId: null,
    state,
    environmentUrl: statuses.find((s) => s.environmentUrl)?.environmentUrl ?? null,
    logUrl: statuses.find((s) => s.logUrl)?.logUrl ?? null,
    startedAt,
    readyAt: success ? parseTime(success.createdAt) : null,
    description: ended && latest.description ? latest.description : null,
  };
}

/** The deployment request Fleet makes for a canary: the PR's head, transient, not production, no auto-merge. */
function requestFor(ctx: StepContext<DeployOptions, DeploymentsDeps>, sha: string) {
  const payload: FleetDeploymentPayload = { fleet: { campaign: ctx.campaign.id, target: ctx.target.id, repo: ctx.target.repo } };
  return {
    repo: ctx.target.repo,
    ref: sha,
    environment: ctx.options.environment,
    description: `Fleet canary for ${ctx.campaign.name}`,
    requiredContexts: ctx.options.requiredContexts,
    payload: payload as unknown as Record<string, unknown>,
    transient: true,
    production: false,
  };
}

/**
 * `deploy.method: deployments` (the default): Fleet creates a GitHub deployment of the PR's head
 * and the CD system watching the repository's deployments (Argo CD, Spinnaker, Flux, an Actions
 * workflow on `deployment`) deploys it and reports statuses. Idempotent: before creating one,
 * Fleet looks for a deployment of that sha to that environment whose payload names this campaign
 * and target, so a crash between the request and the step's state never deploys twice.
 *
 * @example
 * const fact = await deploymentsMethod.advance(ctx, null); // { state: 'pending', deploymentId: 41, ... }
 */
export const deploymentsMethod: DeployMethod<DeploymentsDeps> = {
  async advance(ctx, fact) {
    const { github } = ctx.deps;
    const repo = ctx.target.repo;
    const sha = fact?.sha ?? ctx.target.headSha;
    if (!sha) throw new FleetError('internal', `The deploy of ${repo} has no commit to deploy: the PR's head is not recorded.`);
    const startedAt = fact?.startedAt ?? ctx.now;
    let deployment: Deployment | undefined;
    if (fact?.deploymentId !== null && fact?.deploymentId !== undefined) {
      deployment = { id: fact.deploymentId, sha: fact.sha, ref: fact.sha, environment: fact.environment, payload: {}, createdAt: '', url: '' };
    } else {
      const existing = await github.listDeployments(repo, { sha, environment: ctx.options.environment });
      deployment = existing.find((d) => isFleetDeploymentOf(d.payload, ctx.campaign.id, ctx.target.id)) ?? (await github.createDeployment(requestFor(ctx, sha)));
    }
    const statuses = await github.listDeploymentStatuses(repo, deployment.id);
    return factFromStatuses(deployment, statuses, startedAt);
  },
  async deactivate({ repo, deps }, fact) {
    if (fact.deploymentId === null) return;
    const statuses = await deps.github.listDeploymentStatuses(repo, fact.deploymentId);
    if (statuses[0]?.state === 'inactive') return;
    await deps.github.createDeploymentStatus(repo, fact.deploymentId, { state: 'inactive', description: 'Fleet is done with this canary.' });
  },
};
