import type { StepContext, StepResult } from './types.js';
import type { MergeOptions } from '../domain/step-options.js';
import { ruleSourceLabel, type BranchRules, type GitHubStepDeps, type PullRequest, type RequiredReviews, type Review } from '../github/gateway.js';
import { ownersOf } from '../github/codeowners.js';

/**
 * The review gate the merge step passes before it asks GitHub to merge: the reviews the branch's
 * rules require (count, code-owner review, approval of the last push), counted as GitHub counts
 * them. Undefined when the rules are satisfied (or ask for no review); otherwise the step's result:
 * a visible wait naming who is asked, or a person's attention when a reviewer requested changes.
 */

/** How often a review wait looks again by itself; a `pull_request_review` webhook wakes it sooner. */
export const REVIEW_POLL_MS = 10 * 60_000;

/** What the merge step keeps while it waits for reviews (its state's `review`); the digest reads it. */
export interface ReviewWait {
  /** The PR head the wait is about (`review.waiting` is told once per head). */
  head: string;
  /** When the wait began (epoch ms), kept across heads: the timeout counts from here. */
  since: number;
  /** Who is asked: `@org/team` and `@user`, as CODEOWNERS and review requests name them. */
  asked: string[];
  approvals: number;
  required: number;
  /** What the counted approvals still lack, for a person: "code owner review", "approval of the last push". */
  missing: string[];
}

export interface ReviewAssessment {
  /** The latest decisive review of each reviewer that requested changes. */
  changesRequested: Review[];
  /** Approvals the rules count (latest decisive per reviewer, the author left out, stale ones left out when dismissal is on). */
  approvals: Review[];
  /** Owners of changed files none of whose owners approved, with those files. */
  ownersWaiting: { owner: string; paths: string[] }[];
  lastPushApproved: boolean;
  met: boolean;
}

/** Whether `login` is an owner: the user itself, or a member of an owning team whose members are known. */
function owns(owner: string, login: string, members: ReadonlyMap<string, readonly string[] | undefined>): boolean {
  if (!owner.includes('/')) return owner.replace(/^@/, '').toLowerCase() === login.toLowerCase();
  return (members.get(owner.toLowerCase()) ?? []).some((m) => m.toLowerCase() === login.toLowerCase());
}

/**
 * Counts a PR's reviews as GitHub does under `rules`: each reviewer's latest decisive review
 * (approved, changes requested, dismissed); the author's own are left out; with stale dismissal,
 * an approval of an older head does not count; with last-push approval, one approval must be of
 * the current head; with code-owner review, every changed file that has owners needs an approval
 * by one of them (a user, or a member of an owning team).
 *
 * @example
 * assessReviews({ rules: { count: 1, codeOwner: false, lastPushApproval: false, dismissStale: false, by: [] }, reviews, author: 'fleet-bot', headSha, owned: [], members: new Map() }).met
 */
export function assessReviews(input: {
  rules: RequiredReviews;
  reviews: readonly Review[];
  author: string | null;
  headSha: string;
  /** Each changed file that has code owners, with its owners (`@user`, `@org/team`). */
  owned: readonly { path: string; owners: readonly string[] }[];
  /** `@org/team` (lower case) → its members' logins; undefined when GitHub did not show them. */
  members: ReadonlyMap<string, readonly string[] | undefined>;
}): ReviewAssessment {
  const { rules, headSha } = input;
  const author = input.author?.toLowerCase() ?? null;
  const latest = new Map<string, Review>();
  for (const review of input.reviews) {
    if (!review.user || !['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) continue;
    if (review.user.toLowerCase() === author) continue;
    latest.set(review.user.toLowerCase(), review);
  }
  const decisive = [...latest.values()];
  const changesRequested = decisive.filter((r) => r.state === 'CHANGES_REQUESTED');
  let approvals = decisive.filter((r) => r.state === 'APPROVED');
  if (rules.dismissStale) approvals = approvals.filter((r) => r.commitId === headSha);
  const lastPushApproved = !rules.lastPushApproval || approvals.some((r) => r.commitId === headSha);
  const waiting = new Map<string, string[]>();
  if (rules.codeOwner) {
    for (const file of input.owned) {
      if (approvals.some((r) => file.owners.some((o) => owns(o, r.user ?? '', input.members)))) continue;
      for (const owner of file.owners) waiting.set(owner, [...(waiting.get(owner) ?? []), file.path]);
    }
  }
  const ownersWaiting = [...waiting].map(([owner, paths]) => ({ owner, paths }));
  const met = changesRequested.length === 0 && approvals.length >= rules.count && lastPushApproved && ownersWaiting.length === 0;
  return { changesRequested, approvals, ownersWaiting, lastPushApproved, met };
}

function listOf(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** The wait kept in the step's state, as far as it reads as one. */
function readWait(value: unknown): Partial<ReviewWait> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { since, head } = value as Record<string, unknown>;
  return { ...(typeof since === 'number' ? { since } : {}), ...(typeof head === 'string' ? { head } : {}) };
}

export async function reviewGate(ctx: StepContext<MergeOptions, GitHubStepDeps>, pr: PullRequest, rules: BranchRules): Promise<StepResult | undefined> {
  const need = rules.reviews;
  if (!need) return undefined;
  const { github } = ctx.deps;
  const { now, options } = ctx;
  const repo = ctx.target.repo;
  const reviews = await github.getReviews(repo, pr.number);

  // Code owners come from the base branch's CODEOWNERS, as GitHub reads them for a PR.
  const owned: { path: string; owners: string[] }[] = [];
  const members = new Map<string, string[] | undefined>();
  if (need.codeOwner) {
    const found = await github.readCodeowners(repo, pr.baseRef);
    if (found) {
      for (const file of await github.listPrFiles(repo, pr.number)) {
        for (const path of file.previousPath ? [file.path, file.previousPath] : [file.path]) {
          const owners = ownersOf(found.codeowners, path);
          if (owners.length > 0 && !owned.some((o) => o.path === path)) owned.push({ path, owners });
        }
      }
    }
    // A team's members are read only when someone approved: an approval may be the team's.
    const approvers = reviews.some((r) => r.state === 'APPROVED' && r.user && r.user.toLowerCase() !== pr.author?.toLowerCase());
    if (approvers) {
      for (const team of new Set(owned.flatMap((o) => o.owners.filter((owner) => owner.includes('/'))))) {
        const [org, slug] = team.replace(/^@/, '').split('/') as [string, string];
        members.set(team.toLowerCase(), await github.listTeamMembers(org, slug));
      }
    }
  }

  const assessment = assessReviews({ rules: need, reviews, author: pr.author, headSha: pr.headSha, owned, members });
  if (assessment.met) return undefined;
  const by = need.by.map(ruleSourceLabel);
  const required = by.length ? `required by ${listOf(by)}` : 'required by the branch';

  const [changes] = assessment.changesRequested;
  if (changes) {
    const who = assessment.changesRequested.map((r) => `@${r.user ?? 'someone'}`);
    return {
      kind: 'needs-human',
      reason: `${listOf(who)} requested changes on PR #${pr.number} in ${repo} (${changes.url}); address the review, or ask for it to be dismissed, then retry; or skip the target.`,
      data: { ...ctx.state, changesRequested: { reviewId: changes.id, url: changes.url, by: who } },
      events: [{ kind: 'review.changes-requested', data: { prNumber: pr.number, headSha: pr.headSha, by: who, reviewId: changes.id, url: changes.url } }],
    };
  }

  // Who is asked: the code owners still waited for; else the owners of the changed paths or the requested reviewers.
  let asked = assessment.ownersWaiting.map((w) => w.owner);
  if (asked.length === 0) asked = [...new Set(owned.flatMap((o) => o.owners))];
  if (asked.length === 0) asked = [...pr.requestedTeams.map((t) => `@${repo.split('/')[0]}/${t}`), ...pr.requestedUsers.map((u) => `@${u}`)];
  const missing: string[] = [];
  if (assessment.approvals.length < need.count) missing.push(`${assessment.approvals.length} of ${need.count} approvals`);
  if (assessment.ownersWaiting.length > 0) missing.push('code owner review');
  if (!assessment.lastPushApproved) missing.push('an approval of the last push');

  const previous = readWait(ctx.state.review);
  const since = typeof previous?.since === 'number' ? previous.since : now;
  const wait: ReviewWait = { head: pr.headSha, since, asked, approvals: assessment.approvals.length, required: need.count, missing };
  const paths = [...new Set(assessment.ownersWaiting.flatMap((w) => w.paths))];
  const whom = asked.length ? `a review from ${listOf(asked)}` : 'a review';
  const role = paths.length ? `code owner of ${listOf(paths)}, ${required}` : required;
  const reason = `waiting for ${whom} (${role}): ${missing.join(', ')}`;

  if (now - since >= options.reviewTimeout) {
    return {
      kind: 'needs-human',
      reason: `PR #${pr.number} in ${repo} has waited ${Math.round((now - since) / 3_600_000)}h for ${whom} (${role}); ask them to review it, then retry; or skip the target.`,
      // A Retry starts a new wait (and a new timeout): the old one is not kept.
      data: { ...ctx.state, review: undefined, reviewTimedOut: { ...wait, at: now } },
      events: [{ kind: 'review.timeout', data: { prNumber: pr.number, headSha: pr.headSha, asked, waitedMs: now - since } }],
    };
  }
  const told = previous?.head === pr.headSha;
  return {
    kind: 'wait',
    until: Math.min(now + REVIEW_POLL_MS, since + options.reviewTimeout),
    reason,
    data: { ...ctx.state, review: wait },
    ...(told ? {} : { events: [{ kind: 'review.waiting', data: { prNumber: pr.number, headSha: pr.headSha, asked, approvals: wait.approvals, required: need.count, missing, by, paths } }] }),
  };
}
