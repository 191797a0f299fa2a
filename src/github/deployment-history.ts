import type { DeployedVersion, DeploymentHistoryReader } from '../metrics/provider.js';
import type { Deployment, Gateway } from './gateway.js';

export interface GitHubDeploymentHistoryOptions {
  /** Whether a version carries the change being judged (the simulated provider's ground truth). */
  carriesChange: (deployment: Deployment, repo: string, environment: string) => boolean | Promise<boolean>;
  /** Epoch ms, for the cache (default Date.now). */
  now?: () => number;
  /** How long one environment's answer is reused (default 5 s): a judgement asks per metric and track. */
  cacheMs?: number;
}

/**
 * A deployment history (`DeploymentHistoryReader`) read from GitHub's Deployments API, for a
 * simulated provider that runs apart from the sandbox's CD (in the advance worker): each deployment
 * to the environment (the newest 100) whose statuses reached `success` is a version, from that
 * status's time until the first `inactive` (or `failure`, `error`) status after it, or, in an
 * environment that is not transient, until the next version succeeded there (GitHub's
 * auto_inactive leaves production deployments `success`), or still running.
 *
 * @example
 * const history = createGitHubDeploymentHistory(gateway, { carriesChange: (d) => d.sha !== seededSha });
 * await history.versions('acme/api', 'production'); // [{ sha, deployment, from, to, carriesChange }]
 */
export function createGitHubDeploymentHistory(github: Pick<Gateway, 'listDeployments' | 'listDeploymentStatuses'>, options: GitHubDeploymentHistoryOptions): DeploymentHistoryReader {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 5_000;
  const cache = new Map<string, { at: number; versions: Promise<DeployedVersion[]> }>();

  async function read(repo: string, environment: string): Promise<DeployedVersion[]> {
    const deployments = await github.listDeployments(repo, { environment });
    const versions: DeployedVersion[] = [];
    for (const deployment of deployments) {
      // Oldest first, to find the success and what ended it.
      const statuses = (await github.listDeploymentStatuses(repo, deployment.id)).slice().reverse();
      const succeeded = statuses.findIndex((s) => s.state === 'success');
      if (succeeded < 0) continue;
      const ended = statuses.slice(succeeded + 1).find((s) => s.state === 'inactive' || s.state === 'failure' || s.state === 'error');
      versions.push({
        repo,
        environment,
        sha: deployment.sha,
        deployment: deployment.id,
        from: Date.parse(statuses[succeeded].createdAt),
        to: ended ? Date.parse(ended.createdAt) : null,
        carriesChange: await options.carriesChange(deployment, repo, environment),
      });
    }
    versions.sort((a, b) => a.from - b.from);
    // A lasting environment runs one version at a time: the next success replaced the one before.
    const transient = new Map(deployments.map((d) => [d.id, d.transient === true]));
    versions.forEach((version, i) => {
      const next = versions.slice(i + 1).find((v) => !transient.get(v.deployment) && v.from >= version.from);
      if (!transient.get(version.deployment) && next && (version.to === null || next.from < version.to)) version.to = next.from;
    });
    return versions;
  }

  return {
    versions(repo: string, environment: string): Promise<DeployedVersion[]> {
      const key = `${repo}\u0000${environment}`;
      const at = now();
      const hit = cache.get(key);
      if (hit && at - hit.at < cacheMs && at >= hit.at) return hit.versions;
      const versions = read(repo, environment);
      cache.set(key, { at, versions });
      // A failed read is not kept: the next query asks again.
      versions.catch(() => cache.delete(key));
      return versions;
    },
  };
}

/**
 * The sandbox's ground truth read over the API: a version carries the change unless it is the one
 * production ran when the sandbox began, which its simulated CD deployed with the payload
 * `{ sandboxCd: { seeded: true } }`. For the sandbox's simulated provider in the advance worker.
 *
 * @example createGitHubDeploymentHistory(gateway, { carriesChange: changedSinceSandboxSeed(gateway) })
 */
export function changedSinceSandboxSeed(github: Pick<Gateway, 'listDeployments'>): GitHubDeploymentHistoryOptions['carriesChange'] {
  const seeded = new Map<string, Promise<string | undefined>>();
  const seededSha = (repo: string): Promise<string | undefined> => {
    let sha = seeded.get(repo);
    if (!sha) {
      sha = github.listDeployments(repo, { environment: 'production' }).then((list) => list.find((d) => (d.payload.sandboxCd as { seeded?: unknown } | undefined)?.seeded === true)?.sha);
      seeded.set(repo, sha);
      sha.catch(() => seeded.delete(repo));
    }
    return sha;
  };
  return async (deployment, repo) => deployment.sha !== (await seededSha(repo));
}
