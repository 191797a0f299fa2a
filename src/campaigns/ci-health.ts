import { isFleetError } from '../errors.js';
import type { CheckResult, Gateway, RepoInfo } from '../github/gateway.js';

/**
 * A repository's CI health for wave planning: how its own default branch is doing, read from the
 * checks GitHub reports on the branch's head commit. The planner puts repositories whose main is
 * green in the early waves and those whose main is red or flaky late.
 */

/** The conclusion that counts as a pass. */
const PASSED = new Set(['success']);
/**
 * Conclusions that count as a failure. `cancelled` (usually a run superseded by a newer push),
 * `action_required` (waiting for a person), `neutral`, `skipped` and `stale` say nothing about
 * whether the branch builds, and are left out, as are checks not completed yet.
 */
const FAILED = new Set(['failure', 'timed_out', 'startup_failure']);

/** Parallel repositories while reading, so a fleet of hundreds does not wait on one at a time. */
export const CI_HEALTH_CONCURRENCY = 8;

/** GitHub requests per repository: the branch's ref, its check runs and its commit statuses (all conditional). */
export const CI_HEALTH_REQUESTS = 3;

/**
 * The share of counted checks that passed, in [0, 1]; null (unknown) when no check counts.
 *
 * @example scoreCiHealth([{ status: 'completed', conclusion: 'success' }, { status: 'completed', conclusion: 'failure' }]) // 0.5
 */
export function scoreCiHealth(checks: readonly Pick<CheckResult, 'status' | 'conclusion'>[]): number | null {
  let passed = 0;
  let failed = 0;
  for (const check of checks) {
    if (check.status !== 'completed' || check.conclusion === null) continue;
    if (PASSED.has(check.conclusion)) passed += 1;
    else if (FAILED.has(check.conclusion)) failed += 1;
  }
  return passed + failed === 0 ? null : passed / (passed + failed);
}

/**
 * How long CI took on a commit, in minutes: from the first check run's start to the last one's
 * end (runs go in parallel; a wave waits for the slowest). Null when no completed check run
 * carries both times (commit statuses carry no start).
 *
 * @example ciMinutesOf([{ startedAt: '2026-01-01T10:00:00Z', completedAt: '2026-01-01T10:07:30Z' }]) // 7.5
 */
export function ciMinutesOf(checks: readonly Pick<CheckResult, 'startedAt' | 'completedAt'>[]): number | null {
  let first = Infinity;
  let last = -Infinity;
  for (const check of checks) {
    if (!check.startedAt || !check.completedAt) continue;
    const start = Date.parse(check.startedAt);
    const end = Date.parse(check.completedAt);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) continue;
    first = Math.min(first, start);
    last = Math.max(last, end);
  }
  return Number.isFinite(first) ? (last - first) / 60_000 : null;
}

export interface CiHealthReport {
  /** Repository → CI health; null when unknown (no default branch, no counted check, or not read). */
  health: Map<string, number | null>;
  /** Repositories with a known CI health. */
  known: number;
  /** Repository → minutes its default branch's latest CI took (ciMinutesOf), for those where it is known. */
  ciMinutes: Map<string, number>;
  /** Repositories whose checks could not be read (GitHub refused or failed); they plan as unknown. */
  unreadable: string[];
  /** Set when GitHub's rate limit stopped the reading: the repositories not read yet plan as unknown. */
  stoppedBy?: string;
}

/**
 * Reads every repository's CI health from its default branch: `getBranchSha` then `getChecks` on
 * that head, both through the conditional-request cache, so reading again for the start after a
 * preview costs free 304s while nothing changed. A repository GitHub will not answer for plans as
 * unknown rather than stopping the campaign; once the rate limit is hit no more are read. The same
 * check runs give how long each repository's CI took (`ciMinutes`), for the preview's estimate.
 *
 * @example
 * const { health } = await readCiHealth(gateway, repos); // Map { 'acme/api' => 1, 'acme/flaky' => 0.67, 'acme/new' => null }
 */
export async function readCiHealth(
  gateway: Pick<Gateway, 'getBranchSha' | 'getChecks'>,
  repos: readonly Pick<RepoInfo, 'fullName' | 'defaultBranch'>[],
  concurrency = CI_HEALTH_CONCURRENCY,
): Promise<CiHealthReport> {
  const report: CiHealthReport = { health: new Map(repos.map((r) => [r.fullName, null])), known: 0, ciMinutes: new Map(), unreadable: [] };
  let next = 0;
  async function lane(): Promise<void> {
    while (next < repos.length && report.stoppedBy === undefined) {
      const repo = repos[next++];
      try {
        const head = await gateway.getBranchSha(repo.fullName, repo.defaultBranch);
        if (!head) continue;
        const checks = await gateway.getChecks(repo.fullName, head);
        const health = scoreCiHealth(checks);
        report.health.set(repo.fullName, health);
        const minutes = ciMinutesOf(checks);
        if (minutes !== null) report.ciMinutes.set(repo.fullName, minutes);
        if (health !== null) report.known += 1;
      } catch (error) {
        if (isFleetError(error, 'budget_exhausted')) report.stoppedBy = error.message;
        else if (isFleetError(error, 'github_error')) report.unreadable.push(repo.fullName);
        else throw error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, repos.length)) }, lane));
  report.unreadable.sort();
  return report;
}
