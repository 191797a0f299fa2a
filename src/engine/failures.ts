import type { FailedTarget, TeamFailures } from '../domain/notifications.js';
import type { Store, TargetRecord } from '../store/store.js';

/**
 * Which targets failed, worst first, and whose they are: what the wave's end, the final summary,
 * the digest and `/fleet status <id> failed` name.
 *
 * "Worst" is: failed before needing attention (a failure is final, attention is waiting on a
 * person), then the lowest target score first (a target never scored counts as worse than any
 * score: nothing vouched for it), then by repository name.
 *
 * A target's team is its code owners: the CODEOWNERS teams (else users) of the files its PR
 * changes, as open-pr recorded them when it asked them to review. A target that never got a PR,
 * or whose files nobody owns, has no team on record.
 */

/** How many failed targets a wave's end and each team's line show before "and N more". */
export const FAILURES_SHOWN = 10;
/** How many teams, and failures per team, the final summary and the digest show. */
export const TEAMS_SHOWN = 10;
export const FAILURES_PER_TEAM = 5;
/** The label of the targets with no code owner on record. */
export const NO_TEAM = 'no code owner on record';

const PR_EVENTS = ['pr.opened', 'pr.found', 'pr.rebuilt'];

export function isFailure(target: Pick<TargetRecord, 'state'>): boolean {
  return target.state === 'failed' || target.state === 'needs-attention';
}

/** Orders targets worst first (see the module comment). */
export function worstFirst(a: Pick<TargetRecord, 'state' | 'score' | 'repo'>, b: Pick<TargetRecord, 'state' | 'score' | 'repo'>): number {
  const rank = (t: Pick<TargetRecord, 'state'>) => (t.state === 'failed' ? 0 : 1);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const score = (t: Pick<TargetRecord, 'score'>) => (t.score === null ? -1 : t.score);
  if (score(a) !== score(b)) return score(a) - score(b);
  return a.repo.localeCompare(b.repo);
}

export function toFailedTarget(t: TargetRecord): FailedTarget {
  return { repo: t.repo, state: t.state === 'failed' ? 'failed' : 'needs-attention', reason: t.stateReason, prUrl: t.prUrl, score: t.score };
}

/** The failed and needing-attention targets, worst first, the first `limit` of them and how many more. */
export function listFailures(targets: readonly TargetRecord[], limit = FAILURES_SHOWN): { shown: FailedTarget[]; more: number } {
  const failures = targets.filter(isFailure).sort(worstFirst);
  return { shown: failures.slice(0, limit).map(toFailedTarget), more: Math.max(0, failures.length - limit) };
}

/** Each target's code owners as open-pr recorded them: CODEOWNERS team slugs and users. */
export function readOwners(store: Store, campaignId: string): Map<number, { teams: string[]; users: string[] }> {
  const owners = new Map<number, { teams: string[]; users: string[] }>();
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  // Events come oldest first: the last PR event of a target is the one that counts.
  for (const e of store.events.list({ campaignId, kinds: PR_EVENTS })) {
    if (e.targetId === null) continue;
    const reviewers = (e.data.reviewers ?? {}) as { users?: unknown; teams?: unknown };
    owners.set(e.targetId, { teams: strings(reviewers.teams), users: strings(reviewers.users) });
  }
  return owners;
}

/** A target's team as people read it: "@acme/payments" (teams belong to the repository's organisation), else "@alice". */
export function teamLabel(repo: string, owners: { teams: string[]; users: string[] } | undefined): string {
  const org = repo.split('/')[0];
  if (owners?.teams.length) return owners.teams.map((t) => `@${org}/${t}`).join(', ');
  if (owners?.users.length) return owners.users.map((u) => `@${u}`).join(', ');
  return NO_TEAM;
}

/**
 * The failed targets grouped by team, the teams with the most failures first (then by name; the
 * targets with no team last), each team's worst first, bounded for a message.
 */
export function failuresByTeam(store: Store, campaignId: string, targets: readonly TargetRecord[], filter: (t: TargetRecord) => boolean = (t) => t.state === 'failed'): { teams: TeamFailures[]; moreTeams: number } {
  const owners = readOwners(store, campaignId);
  const groups = new Map<string, TargetRecord[]>();
  for (const t of targets) {
    if (!filter(t)) continue;
    const team = teamLabel(t.repo, owners.get(t.id));
    groups.set(team, [...(groups.get(team) ?? []), t]);
  }
  const ordered = [...groups.entries()].sort(([a, ta], [b, tb]) => {
    if ((a === NO_TEAM) !== (b === NO_TEAM)) return a === NO_TEAM ? 1 : -1;
    return tb.length - ta.length || a.localeCompare(b);
  });
  const teams = ordered.slice(0, TEAMS_SHOWN).map(([team, list]) => {
    const sorted = [...list].sort(worstFirst);
    return { team, total: sorted.length, failures: sorted.slice(0, FAILURES_PER_TEAM).map(toFailedTarget) };
  });
  return { teams, moreTeams: Math.max(0, ordered.length - TEAMS_SHOWN) };
}
