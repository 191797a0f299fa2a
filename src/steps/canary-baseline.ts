import type { Gateway } from '../github/gateway.js';

/** What reading the baseline needs of the gateway. */
export type BaselineGateway = Pick<Gateway, 'listDeployments' | 'listDeploymentStatuses'>;

/** The production version a canary is compared with: its commit and GitHub deployment. */
export interface BaselineVersion {
  sha: string;
  deploymentId: number;
}

/** How many production deployments are looked at (one statuses read each) before giving up. */
const MAX_CANDIDATES = 10;

/**
 * The version running in `environment` at `at`: the newest deployment there whose statuses reached
 * success by then. Null when the environment has none (the baseline is then the environment
 * without a version).
 *
 * @example await findRunningVersion(github, 'acme/api', 'production', judgeAt) // { sha: '9f8e7d…', deploymentId: 40 }
 */
export async function findRunningVersion(github: BaselineGateway, repo: string, environment: string, at: number): Promise<BaselineVersion | null> {
  const deployments = (await github.listDeployments(repo, { environment }))
    .filter((d) => d.environment === environment && Date.parse(d.createdAt) <= at)
    .sort((a, b) => b.id - a.id)
    .slice(0, MAX_CANDIDATES);
  for (const d of deployments) {
    const statuses = await github.listDeploymentStatuses(repo, d.id);
    const ready = statuses.filter((s) => s.state === 'success').map((s) => Date.parse(s.createdAt));
    if (ready.length > 0 && Math.min(...ready) <= at) return { sha: d.sha, deploymentId: d.id };
  }
  return null;
}
