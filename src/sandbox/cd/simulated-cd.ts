import type { DeployedVersion, DeploymentHistory } from '../../metrics/provider.js';
import { latestStatus, type DeploymentRecord } from '../github/deployments.js';
import type { RepoRecord, World, WorldEvent } from '../github/state.js';

/**
 * A CD system for the sandbox, in the manner of Argo CD or Spinnaker reporting to GitHub's
 * Deployments API. It watches the fake GitHub's deployments (a hook on its state, no HTTP polling)
 * and reports on each one on the fake's clock: `in_progress` after `inProgressMs`, then `success`
 * (with an environment URL) or, for a version whose deploy breaks, `failure` with the reason,
 * `successMs` after the deployment was created. It also runs production: every repository starts
 * with its default branch's head deployed there (history from before the sandbox began, so not
 * announced by webhook), and every later move of the default branch (a merge, a push) is deployed to
 * production by the CD's own account, as Argo CD and Flux deploy what the branch holds.
 *
 * It knows which version ran where and when, so it is the sandbox's `DeploymentHistory`: the
 * simulated metrics provider and the exporter serve series only for versions that really ran.
 */

export interface SimulatedCdOptions {
  world: World;
  delays?: { inProgressMs?: number; successMs?: number };
  /**
   * Ground truth: the failure a repository's deploy ends in (e.g. "the canary pod crash-looped:
   * CrashLoopBackOff"), or undefined when it deploys. Only versions other than the one that ran in
   * production when the sandbox began break: the running version is known to start.
   */
  breaks?: (repo: string) => string | undefined;
  /** The account the CD acts as (default `fleet-sandbox-cd[bot]`). */
  login?: string;
}

export interface SimulatedCd extends DeploymentHistory {
  /** The CD's account. */
  login: string;
  /** The sha each repository ran in production when the sandbox began (`owner/name` → sha). */
  seededVersion(repo: string): string | undefined;
  /** The environment URL the CD reports for a repository's environment. */
  environmentUrl(repo: string, environment: string): string;
  /** Applies what is due now (the fake's clock): seeded production, merges, statuses. */
  sync(): void;
  stop(): void;
}

interface Job {
  deployment: DeploymentRecord;
  repo: RepoRecord;
  inProgressAt: number;
  doneAt: number;
  reported: 'none' | 'in_progress' | 'done';
}

const DEFAULT_IN_PROGRESS_MS = 15_000;
const DEFAULT_SUCCESS_MS = 90_000;

/** Deployments GitHub Actions made are reported by the workflow that made them, not by this CD. */
const WORKFLOW_LOGIN = 'github-actions[bot]';

/**
 * @example
 * const cd = createSimulatedCd({ world, delays: { inProgressMs: 5_000, successMs: 30_000 }, breaks: (repo) => repo === 'acme/ledger' ? 'the canary pod crash-looped: CrashLoopBackOff' : undefined });
 * cd.versions('acme/api', 'production') // [{ sha, deployment, from, to: null, carriesChange: false }]
 */
export function createSimulatedCd(options: SimulatedCdOptions): SimulatedCd {
  const { world } = options;
  const login = options.login ?? 'fleet-sandbox-cd[bot]';
  const inProgressMs = Math.max(0, options.delays?.inProgressMs ?? DEFAULT_IN_PROGRESS_MS);
  const successMs = Math.max(inProgressMs, options.delays?.successMs ?? DEFAULT_SUCCESS_MS);
  const jobs: Job[] = [];
  /** `owner/name` (lower case) → the production sha when the sandbox began. */
  const seeded = new Map<string, string>();
  /** Default-branch moves seen in `push` events, deployed once the operation that moved it is over. */
  const pendingMerges: { repo: RepoRecord; sha: string }[] = [];
  let stopped = false;
  let flushQueued = false;

  const nameOf = (repo: { owner: string; name: string } | { owner: string; repo: string }): string => `${repo.owner}/${'name' in repo ? repo.name : repo.repo}`;
  const keyOf = (name: string): string => name.toLowerCase();

  function environmentUrl(repo: string, environment: string): string {
    const name = repo.split('/')[1] ?? repo;
    return `https://${slug(environment)}.${slug(name)}.sandbox.fleet.invalid/`;
  }

  function logUrl(deployment: DeploymentRecord): string {
    return `https://cd.sandbox.fleet.invalid/${deployment.owner}/${deployment.repo}/deployments/${deployment.id}`;
  }

  /** Every repository starts with its default branch's head running in production. */
  function seedProduction(): void {
    if (seeded.size >= world.repos.size) return;
    for (const repo of world.repos.values()) {
      const key = keyOf(nameOf(repo));
      if (seeded.has(key)) continue;
      const sha = world.resolveCommit(repo, repo.defaultBranch);
      if (!sha) continue;
      seeded.set(key, sha);
      if (repo.archived) continue;
      const made = world.deployments.create(repo, { ref: sha, environment: 'production', requiredContexts: [], autoMerge: false, description: 'Running when the sandbox began', payload: { sandboxCd: { seeded: true } } }, login, { announce: false });
      if (made.kind !== 'created') continue;
      world.deployments.addStatus(repo, made.deployment, { state: 'success', environmentUrl: environmentUrl(nameOf(repo), 'production'), logUrl: logUrl(made.deployment), description: 'Deployed.' }, login, { announce: false });
    }
  }

  function deployMerges(): void {
    for (const { repo, sha } of pendingMerges.splice(0)) {
      // A push right after seeding may come before the seeded version is recorded.
      seedProduction();
      if (world.resolveCommit(repo, repo.defaultBranch) !== sha) continue;
      if (world.deployments.list(repo, { sha, environment: 'production' }).length > 0) continue;
      world.deployments.create(repo, { ref: sha, environment: 'production', requiredContexts: [], autoMerge: false, description: `Deploy ${repo.defaultBranch} at ${sha.slice(0, 7)}` }, login);
    }
  }

  function watch(deployment: DeploymentRecord): void {
    if (stopped || deployment.creator === WORKFLOW_LOGIN) return;
    // The seeded production versions are already running.
    if (deployment.statuses.length > 0 || (deployment.payload as { sandboxCd?: { seeded?: boolean } }).sandboxCd?.seeded) return;
    const repo = world.getRepo(deployment.owner, deployment.repo);
    const created = Date.parse(deployment.createdAt);
    jobs.push({ deployment, repo, inProgressAt: created + inProgressMs, doneAt: created + successMs, reported: 'none' });
  }

  function report(): void {
    const now = world.now();
    for (const job of jobs) {
      if (job.reported === 'done') continue;
      const latest = latestStatus(job.deployment);
      // Someone else decided first (marked it inactive, reported it themselves): the CD stops there.
      if (latest && latest.creator !== login) {
        job.reported = 'done';
        continue;
      }
      if (!world.deployments.all().includes(job.deployment)) {
        job.reported = 'done';
        continue;
      }
      const name = nameOf(job.deployment);
      if (job.reported === 'none' && now >= job.inProgressAt && now < job.doneAt) {
        world.deployments.addStatus(job.repo, job.deployment, { state: 'in_progress', logUrl: logUrl(job.deployment), description: `Rolling out ${job.deployment.sha.slice(0, 7)} to ${job.deployment.environment}.` }, login);
        job.reported = 'in_progress';
      }
      if (now < job.doneAt) continue;
      if (job.reported === 'none') world.deployments.addStatus(job.repo, job.deployment, { state: 'in_progress', logUrl: logUrl(job.deployment), description: `Rolling out ${job.deployment.sha.slice(0, 7)} to ${job.deployment.environment}.` }, login);
      const broken = job.deployment.sha === seeded.get(keyOf(name)) ? undefined : options.breaks?.(name);
      if (broken) world.deployments.addStatus(job.repo, job.deployment, { state: 'failure', logUrl: logUrl(job.deployment), description: broken.slice(0, 140) }, login);
      else world.deployments.addStatus(job.repo, job.deployment, { state: 'success', logUrl: logUrl(job.deployment), environmentUrl: environmentUrl(name, job.deployment.environment), description: 'Deployed.' }, login);
      job.reported = 'done';
    }
    for (let index = jobs.length - 1; index >= 0; index -= 1) if (jobs[index]?.reported === 'done') jobs.splice(index, 1);
  }

  function sync(): void {
    if (stopped) return;
    seedProduction();
    deployMerges();
    report();
  }

  function onEvent(event: WorldEvent): void {
    if (stopped || event.kind !== 'push' || !event.push.after) return;
    const repo = world.getRepo(event.push.owner, event.push.repo);
    if (event.push.ref !== `refs/heads/${repo.defaultBranch}`) return;
    pendingMerges.push({ repo, sha: event.push.after });
    // Deployed once the merge (or push) that moved the branch has finished, at the same moment.
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(() => {
        flushQueued = false;
        if (!stopped) deployMerges();
      });
    }
  }

  const unsubscribe = [world.deployments.onCreated(watch), world.onEvaluate(sync), world.onEvent(onEvent)];
  for (const deployment of world.deployments.all()) watch(deployment);

  function versions(repo: string, environment: string): DeployedVersion[] {
    sync();
    const [owner, name] = repo.split('/');
    let record: RepoRecord;
    try {
      record = world.getRepo(owner ?? '', name ?? '');
    } catch {
      return [];
    }
    const ran = world.deployments
      .list(record, {})
      .map((deployment) => {
        // The version started running at its first success in this environment.
        const success = deployment.statuses.find((status) => status.state === 'success' && status.environment === environment);
        return success ? { deployment, from: Date.parse(success.createdAt) } : undefined;
      })
      .filter((item): item is { deployment: DeploymentRecord; from: number } => item !== undefined)
      .sort((a, b) => a.from - b.from || a.deployment.id - b.deployment.id);
    return ran.map(({ deployment, from }) => {
      const ends: number[] = [];
      const stoppedAt = deployment.statuses.find((status) => Date.parse(status.createdAt) >= from && (status.state === 'inactive' || status.environment !== environment));
      if (stoppedAt) ends.push(Date.parse(stoppedAt.createdAt));
      // A persistent environment runs one version: the next one to succeed there replaces it. A
      // transient one (a canary) lives beside the others until it is marked inactive.
      if (!deployment.transient) {
        const next = ran.find((other) => !other.deployment.transient && other.deployment !== deployment && (other.from > from || (other.from === from && other.deployment.id > deployment.id)));
        if (next) ends.push(next.from);
      }
      return {
        repo: nameOf(deployment),
        environment,
        sha: deployment.sha,
        deployment: deployment.id,
        from,
        to: ends.length > 0 ? Math.min(...ends) : null,
        carriesChange: deployment.sha !== seeded.get(keyOf(nameOf(deployment))),
      };
    });
  }

  return {
    login,
    versions,
    seededVersion: (repo) => {
      sync();
      return seeded.get(keyOf(repo));
    },
    environmentUrl,
    sync,
    stop(): void {
      stopped = true;
      for (const remove of unsubscribe) remove();
    },
  };
}

function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'env';
}
