import type { RulesetRecord, RulesetRule } from './rulesets.js';

/**
 * Required reviews, as GitHub enforces them: from classic protection's `required_pull_request_reviews`
 * and the `pull_request` rule of the active rulesets (the strictest of each wins), counted as GitHub
 * counts them. Also the organisations' teams (CODEOWNERS names `@org/team`) and the sandbox's
 * reviewers, people who answer a review request some time after it was made. No HTTP here.
 */

/** What the branch asks of a PR's reviews before it merges. */
export interface ReviewRequirement {
  count: number;
  codeOwner: boolean;
  lastPush: boolean;
  dismissStale: boolean;
}

/** A person of the sandbox who reviews a PR `afterMs` after a review was asked of them (or of a team they are in). */
export interface SandboxReviewer {
  login: string;
  afterMs: number;
  /** Default 'approve'. */
  verdict?: 'approve' | 'request-changes';
  /** Count `afterMs` from when every check on the PR's head has completed (a reviewer who looks at green PRs only), not from the request. */
  afterChecks?: boolean;
  body?: string;
}

export interface ReviewState {
  id: number;
  login: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING' | 'DISMISSED';
  commitId: string;
}

/** The classic protection fields reviews read. */
export interface ClassicReviewSettings {
  requiredApprovals?: number;
  requireCodeOwnerReviews?: boolean;
  requireLastPushApproval?: boolean;
  dismissStaleReviews?: boolean;
}

/** The review requirement of a branch: classic protection and every active `pull_request` rule merged; null when none asks. */
export function reviewRequirement(classic: ClassicReviewSettings | null, rules: readonly { rule: RulesetRule; ruleset: RulesetRecord }[]): ReviewRequirement | null {
  const asks: ReviewRequirement[] = [];
  if (classic && classic.requiredApprovals !== undefined) {
    asks.push({ count: classic.requiredApprovals, codeOwner: classic.requireCodeOwnerReviews === true, lastPush: classic.requireLastPushApproval === true, dismissStale: classic.dismissStaleReviews === true });
  }
  for (const { rule } of rules) {
    if (rule.type !== 'pull_request') continue;
    const p = rule.parameters;
    asks.push({ count: p.required_approving_review_count, codeOwner: p.require_code_owner_review, lastPush: p.require_last_push_approval, dismissStale: p.dismiss_stale_reviews_on_push });
  }
  if (asks.length === 0) return null;
  return {
    count: Math.max(...asks.map((a) => a.count)),
    codeOwner: asks.some((a) => a.codeOwner),
    lastPush: asks.some((a) => a.lastPush),
    dismissStale: asks.some((a) => a.dismissStale),
  };
}

/**
 * Each reviewer's decisive review, as GitHub counts them: the latest that approved, requested
 * changes or was dismissed (a dismissed review withdraws that reviewer's earlier verdict); comments
 * and pending reviews decide nothing. The PR's author is left out.
 */
export function decisiveReviews(reviews: readonly ReviewState[], author: string): Map<string, ReviewState> {
  const latest = new Map<string, ReviewState>();
  for (const review of reviews) {
    if (review.state === 'COMMENTED' || review.state === 'PENDING') continue;
    if (review.login.toLowerCase() === author.toLowerCase()) continue;
    latest.set(review.login.toLowerCase(), review);
  }
  return latest;
}

/** CODEOWNERS as GitHub reads it (the last matching line wins); the fake's own small reading of it. */
export function codeownersMatcher(text: string): (path: string) => string[] {
  const rules: { regex: RegExp; owners: string[] }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern || pattern.startsWith('!') || /[[\]]/.test(pattern)) continue;
    rules.push({ regex: patternRegex(pattern), owners });
  }
  return (path) => {
    for (let i = rules.length - 1; i >= 0; i -= 1) if (rules[i].regex.test(path)) return rules[i].owners;
    return [];
  };
}

function patternRegex(raw: string): RegExp {
  let pattern = raw;
  let anchored = pattern.startsWith('/');
  if (anchored) pattern = pattern.slice(1);
  const directory = pattern.endsWith('/');
  if (directory) pattern = pattern.slice(0, -1);
  if (pattern.includes('/')) anchored = true;
  if (pattern === '*' || pattern === '**') return /^.+$/;
  let body = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      body += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') body += '[^/]*';
    else if (c === '?') body += '[^/]';
    else body += /[.+^${}()|\\]/.test(c) ? `\\${c}` : c;
  }
  const last = pattern.slice(pattern.lastIndexOf('/') + 1);
  const tail = directory ? '/.+$' : last.includes('*') && !last.includes('**') ? '$' : '(?:/.*)?$';
  return new RegExp(`${anchored ? '^' : '^(?:.*/)?'}${body}${tail}`);
}

export interface ReviewFacts {
  requirement: ReviewRequirement;
  reviews: readonly ReviewState[];
  author: string;
  headSha: string;
  /** Who pushed the PR's head (GitHub's "most recent reviewable push"). */
  lastPusher: string;
  /** The owners (`@user`, `@org/team`) of each changed file with owners, per the base branch's CODEOWNERS. */
  ownedFiles: { path: string; owners: string[] }[];
  /** Whether a login is a member of `org/team`. */
  inTeam: (org: string, slug: string, login: string) => boolean;
}

/** Whether `login` is one of `owners` (a user, or a member of an owning team). */
export function isOwner(owners: readonly string[], login: string, inTeam: ReviewFacts['inTeam']): boolean {
  return owners.some((owner) => {
    const name = owner.replace(/^@/, '');
    const slash = name.indexOf('/');
    if (slash === -1) return name.toLowerCase() === login.toLowerCase();
    return inTeam(name.slice(0, slash), name.slice(slash + 1), login);
  });
}

/**
 * Why the reviews do not let the PR merge, in the words of GitHub's 405; undefined when they do.
 * A reviewer's standing "changes requested" blocks; then the approvals are counted (with last-push
 * approval, only those of the head by someone other than its pusher); then each owned file needs
 * an approval by one of its code owners.
 */
export function reviewRefusal(facts: ReviewFacts): string | undefined {
  const { requirement: need, headSha } = facts;
  const decisive = [...decisiveReviews(facts.reviews, facts.author).values()];
  // GitHub's merge box: "Changes requested: N reviews requesting changes by reviewers with write access."
  const changes = decisive.filter((r) => r.state === 'CHANGES_REQUESTED');
  if (changes.length > 0) return `Changes requested by reviewers with write access.`;
  let approvals = decisive.filter((r) => r.state === 'APPROVED');
  if (need.dismissStale) approvals = approvals.filter((r) => r.commitId === headSha);
  if (approvals.length < need.count) return `At least ${need.count} approving review${need.count === 1 ? ' is' : 's are'} required by reviewers with write access.`;
  if (need.lastPush && !approvals.some((r) => r.commitId === headSha && r.login.toLowerCase() !== facts.lastPusher.toLowerCase())) {
    return 'The most recent push must be approved by someone other than the person who pushed it.';
  }
  if (need.codeOwner) {
    const waiting = new Set<string>();
    for (const file of facts.ownedFiles) {
      if (!approvals.some((r) => isOwner(file.owners, r.login, facts.inTeam))) for (const owner of file.owners) waiting.add(owner);
    }
    if (waiting.size > 0) return `Waiting on code owner review from ${[...waiting].join(', ')}.`;
  }
  return undefined;
}
