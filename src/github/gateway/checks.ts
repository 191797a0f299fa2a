import { classifyFailure } from '../../errors.js';
import { githubMessage, statusOf, toFleetError, type HttpError } from './errors.js';
import { splitRepo, type GatewayContext } from './context.js';

/** Checks: the check runs and commit statuses on a commit, and asking CI to run again. */

/** 'queued' covers GitHub's queued, requested, waiting and pending. */
export type CheckStatus = 'queued' | 'in_progress' | 'completed';
export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** success, failure, neutral, cancelled, skipped, timed_out, action_required, stale; null until completed. */
  conclusion: string | null;
  source: 'check-run' | 'status';
  url: string | null;
  /** The check run's id; a re-run is a new run with a new id. Null for a commit status. */
  runId: number | null;
  /** The check suite the run belongs to: what `rerunCheckSuite` asks GitHub to run again. Null for a commit status. */
  suiteId: number | null;
  /** When the check run started; null for a commit status (GitHub keeps no start for one). */
  startedAt: string | null;
  completedAt: string | null;
}

/** What GitHub said to a re-run request: accepted, or refused with its status and message. */
export type RerunOutcome = { kind: 'requested' } | { kind: 'refused'; status: number; reason: string };

export interface ChecksGateway {
  getChecks(repo: string, sha: string): Promise<CheckResult[]>;
  /** Asks GitHub to run a check suite again (every check run in it); `refused` when GitHub will not. */
  rerunCheckSuite(repo: string, suiteId: number): Promise<RerunOutcome>;
}

export function createChecks(context: GatewayContext): ChecksGateway {
  const { octokit, now, call } = context;

  async function getChecks(repo: string, sha: string): Promise<CheckResult[]> {
    const r = splitRepo(repo);
    const runs = await call('reading check runs', repo, async () => octokit.paginate(octokit.rest.checks.listForRef, { ...r, ref: sha, per_page: 100 }));
    const combined = await call('reading commit statuses', repo, async () => (await octokit.rest.repos.getCombinedStatusForRef({ ...r, ref: sha, per_page: 100 })).data);
    const byName = new Map<string, CheckResult & { id: number }>();
    for (const run of runs) {
      // Re-runs add runs with the same name; the newest one is the verdict.
      const seen = byName.get(run.name);
      if (seen && seen.id > run.id) continue;
      byName.set(run.name, {
        id: run.id,
        name: run.name,
        status: run.status === 'completed' || run.status === 'in_progress' ? run.status : 'queued',
        conclusion: run.conclusion ?? null,
        source: 'check-run',
        url: run.html_url ?? null,
        runId: run.id,
        suiteId: run.check_suite?.id ?? null,
        startedAt: run.started_at ?? null,
        completedAt: run.completed_at ?? null,
      });
    }
    const checks: CheckResult[] = [...byName.values()].map(({ id: _id, ...check }) => check);
    for (const s of combined.statuses ?? []) {
      if (byName.has(s.context)) continue;
      const pending = s.state === 'pending';
      checks.push({
        name: s.context,
        status: pending ? 'in_progress' : 'completed',
        conclusion: pending ? null : s.state === 'success' ? 'success' : 'failure',
        source: 'status',
        url: s.target_url ?? null,
        runId: null,
        suiteId: null,
        startedAt: null,
        completedAt: pending ? null : s.updated_at,
      });
    }
    return checks;
  }

  /**
   * POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest: the check runs Fleet reads
   * carry their suite's id, and this works for any CI that reports check runs (GitHub Actions
   * re-runs the suite's whole workflow run; another app gets the `check_suite` `rerequested`
   * webhook and runs again). GitHub Actions' own `POST .../actions/runs/{run_id}/rerun-failed-jobs`
   * would re-run only the failed jobs, but needs the workflow run's id (another request) and does
   * nothing for other CI apps. GitHub answers 201 with an empty object; it refuses with 403 when the
   * suite is not rerequestable or the credentials may not ask (OAuth apps and classic personal
   * access tokens cannot use this endpoint), 404 when the suite is gone or not visible, and 422 when
   * the suite cannot run again: those come back as `refused`, so the caller decides without a re-run.
   */
  async function rerunCheckSuite(repo: string, suiteId: number): Promise<RerunOutcome> {
    const r = splitRepo(repo);
    try {
      await octokit.rest.checks.rerequestSuite({ ...r, check_suite_id: suiteId });
      return { kind: 'requested' };
    } catch (error) {
      const failure = toFleetError(error, 're-running checks', repo, now());
      const status = statusOf(error);
      // A refusal retrying cannot change is the suite's answer; a 401 is Fleet's credentials, for the step to report.
      if (status !== undefined && status !== 401 && !classifyFailure(failure).retryable) {
        return { kind: 'refused', status, reason: githubMessage(error as HttpError) };
      }
      throw failure;
    }
  }

  return { getChecks, rerunCheckSuite };
}
