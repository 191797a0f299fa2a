import { requiredCheckNames, ruleSourceLabel, type CheckResult, type Gateway, type Mergeability, type Review, type RuleSource } from '../github/gateway.js';

/**
 * Why GitHub would not merge a PR, told from the PR's own `mergeable_state` rather than guessed
 * from the 405's text: each state has its own sentence and next step. `dirty` and `behind` are
 * mended by rebuilding the change on the base's new head, which a Retry does (`rebuild`).
 */

export interface MergeRefusal {
  /** The sentence a person reads: what is wrong and what to do next. */
  reason: string;
  /** GitHub's mergeable_state that was read. */
  state: string;
  /** False when waiting can mend it (a required check still running, a review on its way). */
  final: boolean;
  /** Retry goes back to open-pr, which regenerates the change on the base's new head. */
  rebuild?: 'dirty' | 'behind';
}

export interface RefusalFacts {
  repo: string;
  number: number;
  base: string;
  /** GitHub's 405 message, e.g. "Pull Request is not mergeable". */
  githubReason: string;
}

const PASSED = new Set(['success', 'neutral', 'skipped']);

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function listNames(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

function quoteGitHub(reason: string): string {
  const trimmed = reason.trim().replace(/\.$/, '');
  return trimmed ? ` (GitHub: "${trimmed}")` : '';
}

/** Approving reviews that count: each reviewer's latest decisive review. */
export function countApprovals(reviews: readonly Review[]): number {
  const latest = new Map<string, string>();
  for (const review of reviews) if (review.user && review.state !== 'COMMENTED' && review.state !== 'PENDING') latest.set(review.user, review.state);
  return [...latest.values()].filter((state) => state === 'APPROVED').length;
}

/** What a required check lacks: failed, or not passed yet. */
export function missingChecks(required: readonly string[], checks: readonly CheckResult[]): { failed: string[]; pending: string[] } {
  const failed: string[] = [];
  const pending: string[] = [];
  for (const name of required) {
    const check = checks.find((c) => c.name === name);
    if (check?.status === 'completed' && PASSED.has(check.conclusion ?? '')) continue;
    if (check?.status === 'completed') failed.push(name);
    else pending.push(name);
  }
  return { failed, pending };
}

/**
 * The sentence for a `blocked` PR: which required check or how many reviews the branch's rules
 * (rulesets and classic protection, as `getBranchRules` merges them) still want, and which rule
 * asks for it.
 */
export async function explainBlocked(github: Pick<Gateway, 'getBranchRules' | 'getChecks' | 'getReviews'>, facts: RefusalFacts, headSha: string): Promise<string> {
  const { repo, number, base } = facts;
  const rules = await github.getBranchRules(repo, base);
  const parts: string[] = [];
  const next: string[] = [];
  const sources: RuleSource[] = [];
  const blame = (by: readonly RuleSource[]): void => {
    for (const source of by) if (!sources.some((s) => s.kind === source.kind && s.id === source.id)) sources.push(source);
  };
  if (rules.requiredChecks.length > 0) {
    const { failed, pending } = missingChecks(requiredCheckNames(rules), await github.getChecks(repo, headSha));
    if (failed.length) parts.push(`the required ${failed.length === 1 ? 'check' : 'checks'} ${listNames(failed)} failed`);
    if (pending.length) parts.push(`the required ${pending.length === 1 ? 'check' : 'checks'} ${listNames(pending)} ${pending.length === 1 ? 'has' : 'have'} not passed yet`);
    if (failed.length || pending.length) next.push(failed.length ? 'fix or re-run the failing check' : 'wait for the check to pass');
    for (const check of rules.requiredChecks) if (failed.includes(check.name) || pending.includes(check.name)) blame(check.by);
  }
  if (rules.reviews && rules.reviews.count > 0) {
    const approvals = countApprovals(await github.getReviews(repo, number));
    if (approvals < rules.reviews.count) {
      parts.push(`it needs ${plural(rules.reviews.count, 'approving review')} and has ${approvals}`);
      next.push(`ask a reviewer to approve it`);
      blame(rules.reviews.by);
    }
  }
  if (/signature/i.test(facts.githubReason)) {
    // Required signed commits: GitHub's sentence is the only place that says so at merge time.
    parts.push(`${base} requires verified signatures and the PR brings a commit without one${quoteGitHub(facts.githubReason)}`);
    next.push(`replace the PR's unsigned commits with signed ones (a commit Fleet makes where signatures are required goes through GitHub's API, which signs it)`);
    blame(rules.signatures.by);
  }
  if (/merge commits/i.test(facts.githubReason) && rules.linearHistory.required) {
    parts.push(`${base} requires a linear history, so a merge commit is refused${quoteGitHub(facts.githubReason)}`);
    next.push(`merge with squash or rebase (the merge step's \`method\`)`);
    blame(rules.linearHistory.by);
  }
  if (parts.length === 0) {
    return (
      `GitHub will not merge PR #${number} in ${repo}: a rule on ${base} blocks it${quoteGitHub(facts.githubReason)}, ` +
      `and neither ${base}'s rulesets nor its branch protection name a missing check or review. Open the PR on GitHub to see which rule, satisfy it, then retry; or skip the target.`
    );
  }
  const todo = next.join(' and ');
  return `GitHub will not merge PR #${number} in ${repo}: ${base}'s ${whose(sources)} not satisfied: ${parts.join('; ')}. ${todo.charAt(0).toUpperCase()}${todo.slice(1)}, then retry; or skip the target.`;
}

/** "branch protection is", `ruleset "main" (#12) is`, or "rules (…, …) are": who asks for what is missing. */
function whose(sources: readonly RuleSource[]): string {
  if (sources.length === 0 || (sources.length === 1 && sources[0].kind === 'protection')) return 'branch protection is';
  if (sources.length === 1) return `${ruleSourceLabel(sources[0])} is`;
  return `rules (${sources.map(ruleSourceLabel).join(', ')}) are`;
}

/** The mergeable_state a PR reports, with a draft and a PR still being computed named as such. */
export function stateOf(m: Mergeability): string {
  return m.draft ? 'draft' : m.mergeable === null ? 'unknown' : m.state;
}

/** States that waiting cannot mend: a conflict, a branch behind a strict base, a draft. */
export function isFinalState(state: string): boolean {
  return state === 'dirty' || state === 'behind' || state === 'draft';
}

/**
 * Tells a not-mergeable answer apart by the PR's mergeable_state.
 *
 * @example
 * await explainRefusal(github, { repo: 'acme/api', number: 2, base: 'main', githubReason: 'Pull Request is not mergeable' }, { mergeable: false, state: 'dirty', draft: false }, sha)
 * // { state: 'dirty', final: true, rebuild: 'dirty', reason: 'PR #2 in acme/api has a merge conflict with main: …' }
 */
export async function explainRefusal(github: Pick<Gateway, 'getBranchRules' | 'getChecks' | 'getReviews'>, facts: RefusalFacts, m: Mergeability, headSha: string): Promise<MergeRefusal> {
  const { repo, number, base } = facts;
  const state = stateOf(m);
  switch (state) {
    case 'dirty':
      return {
        state,
        final: true,
        rebuild: 'dirty',
        reason:
          `PR #${number} in ${repo} has a merge conflict with ${base}: commits added to ${base} since the PR was made change the same files${quoteGitHub(facts.githubReason)}. ` +
          `Retry regenerates the change on the new ${base} and updates the PR; or skip the target.`,
      };
    case 'behind':
      return {
        state,
        final: true,
        rebuild: 'behind',
        reason:
          `PR #${number} in ${repo} is behind ${base}, and ${base}'s rules require branches to be up to date before merging. ` +
          `Retry rebuilds the change on the new ${base} and updates the PR; or skip the target.`,
      };
    case 'draft':
      return { state, final: true, reason: `PR #${number} in ${repo} is a draft, and GitHub does not merge drafts. Mark it ready for review on GitHub, then retry; or skip the target.` };
    case 'blocked':
      return { state, final: false, reason: await explainBlocked(github, facts, headSha) };
    case 'unstable': {
      const failing = (await github.getChecks(repo, headSha)).filter((c) => c.status === 'completed' && !PASSED.has(c.conclusion ?? '')).map((c) => c.name);
      const which = failing.length ? ` (${listNames(failing)})` : '';
      return {
        state,
        final: false,
        reason: `GitHub will not merge PR #${number} in ${repo}${quoteGitHub(facts.githubReason)}: checks that ${base} does not require are failing${which}. Fix or re-run them, then retry; or skip the target.`,
      };
    }
    case 'unknown':
      return { state, final: false, reason: `GitHub has not finished working out whether PR #${number} in ${repo} can be merged${quoteGitHub(facts.githubReason)}. Retry in a few minutes; or skip the target.` };
    default:
      return {
        state,
        final: false,
        reason: `GitHub will not merge PR #${number} in ${repo}${quoteGitHub(facts.githubReason)}, although it reports the PR as ${state}. Open the PR on GitHub to see what its merge box asks for, then retry; or skip the target.`,
      };
  }
}
