import { splitRepo, type GatewayContext } from './context.js';
import type { ProtectionGateway } from './protection.js';

/**
 * Rules: what a branch requires before a merge, from both of GitHub's sources, merged: the
 * rulesets that apply to it (`GET /repos/{owner}/{repo}/rules/branches/{branch}`, repository and
 * organisation rulesets alike) and classic branch protection. Every requirement says which rule
 * asked for it, so a target's evidence can show it.
 */

/** Where a requirement comes from, as a person reads it: `ruleset "main" (#12)` or `branch protection`. */
export interface RuleSource {
  kind: 'ruleset' | 'protection';
  /** The ruleset's name, or "branch protection". */
  name: string;
  /** The ruleset's id; null for classic protection. */
  id: number | null;
}

export interface RequiredCheck {
  name: string;
  by: RuleSource[];
}

export interface RequiredReviews {
  /** Approving reviews needed (the highest count any rule asks for). */
  count: number;
  /** A code owner of a changed file must approve. */
  codeOwner: boolean;
  /** The most recent push must be approved by someone other than its pusher. */
  lastPushApproval: boolean;
  /** Approvals given before the latest push no longer count. */
  dismissStale: boolean;
  by: RuleSource[];
}

export interface BranchRules {
  /** Whether any rule or protection applies to the branch at all. */
  protected: boolean;
  requiredChecks: RequiredCheck[];
  /** The branch must be up to date with its base before merging (strict checks). */
  upToDate: { required: boolean; by: RuleSource[] };
  /** Null when no review is required. */
  reviews: RequiredReviews | null;
  signatures: { required: boolean; by: RuleSource[] };
  linearHistory: { required: boolean; by: RuleSource[] };
  /** Set when merges go through a merge queue. */
  mergeQueue: { method: 'merge' | 'squash' | 'rebase'; by: RuleSource[] } | null;
}

export interface RulesGateway {
  /** The default branch's requirements from rulesets and classic protection, merged. */
  getBranchRules(repo: string, branch: string): Promise<BranchRules>;
}

export const PROTECTION_SOURCE: RuleSource = { kind: 'protection', name: 'branch protection', id: null };

/** A requirement's source as a person reads it: `ruleset "main" (#12)` or `branch protection`. */
export function ruleSourceLabel(source: RuleSource): string {
  return source.kind === 'ruleset' ? `ruleset "${source.name}" (#${source.id ?? '?'})` : source.name;
}

/** The names of a branch's required checks. */
export function requiredCheckNames(rules: BranchRules): string[] {
  return rules.requiredChecks.map((c) => c.name);
}

/** For each required check, the rules that require it, as people read them (a target's evidence). */
export function requiredBy(rules: BranchRules): Record<string, string[]> {
  return Object.fromEntries(rules.requiredChecks.map((check) => [check.name, check.by.map(ruleSourceLabel)]));
}

/** One rule of `GET /repos/{owner}/{repo}/rules/branches/{branch}`, as far as Fleet reads it. */
interface ActiveRule {
  type: string;
  ruleset_id?: number;
  parameters?: Record<string, unknown>;
}

/** Rules of the same source kind merged: a requirement any of them sets is set, with every source that set it. */
function addSource(list: RuleSource[], source: RuleSource): void {
  if (!list.some((s) => s.kind === source.kind && s.id === source.id)) list.push(source);
}

const bool = (value: unknown): boolean => value === true;
const int = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function createRules(context: GatewayContext, _protection: ProtectionGateway): RulesGateway {
  const { octokit, callOrMissing } = context;

  /** Ruleset id → name, for the rulesets that apply to a branch (one list, the organisation's included). */
  async function rulesetNames(repo: string): Promise<Map<number, string>> {
    const r = splitRepo(repo);
    const list = await callOrMissing('listing the rulesets', repo, async () => octokit.paginate(octokit.rest.repos.getRepoRulesets, { ...r, includes_parents: true, per_page: 100 }));
    return new Map((list ?? []).map((ruleset) => [ruleset.id, ruleset.name]));
  }

  async function getBranchRules(repo: string, branch: string): Promise<BranchRules> {
    const r = splitRepo(repo);
    // 404 "Branch not protected": no classic protection, not an error.
    const classic = await callOrMissing(`reading the protection of ${branch}`, repo, async () => (await octokit.rest.repos.getBranchProtection({ ...r, branch })).data);
    // The active rules of every ruleset (repository and organisation) that applies to the branch; 404: none.
    const active = ((await callOrMissing(`reading the rules of ${branch}`, repo, async () => octokit.paginate(octokit.rest.repos.getBranchRules, { ...r, branch, per_page: 100 }))) ?? []) as ActiveRule[];
    const names = active.length > 0 ? await rulesetNames(repo) : new Map<number, string>();

    const rules: BranchRules = {
      protected: classic !== undefined || active.length > 0,
      requiredChecks: [],
      upToDate: { required: false, by: [] },
      reviews: null,
      signatures: { required: false, by: [] },
      linearHistory: { required: false, by: [] },
      mergeQueue: null,
    };
    const requireCheck = (name: string, source: RuleSource): void => {
      const found = rules.requiredChecks.find((c) => c.name === name);
      if (found) addSource(found.by, source);
      else rules.requiredChecks.push({ name, by: [source] });
    };
    const requireReviews = (input: { count: number; codeOwner: boolean; lastPushApproval: boolean; dismissStale: boolean }, source: RuleSource): void => {
      if (input.count <= 0 && !input.codeOwner && !input.lastPushApproval) return;
      const current = rules.reviews ?? { count: 0, codeOwner: false, lastPushApproval: false, dismissStale: false, by: [] };
      rules.reviews = {
        count: Math.max(current.count, input.count),
        codeOwner: current.codeOwner || input.codeOwner,
        lastPushApproval: current.lastPushApproval || input.lastPushApproval,
        dismissStale: current.dismissStale || input.dismissStale,
        by: current.by,
      };
      addSource(rules.reviews.by, source);
    };
    const flag = (which: { required: boolean; by: RuleSource[] }, source: RuleSource): void => {
      which.required = true;
      addSource(which.by, source);
    };

    if (classic) {
      const source = PROTECTION_SOURCE;
      const status = classic.required_status_checks;
      for (const name of new Set([...(status?.contexts ?? []), ...(status?.checks ?? []).map((c) => c.context)])) requireCheck(name, source);
      if (status?.strict === true) flag(rules.upToDate, source);
      const reviews = classic.required_pull_request_reviews;
      if (reviews) {
        requireReviews(
          { count: reviews.required_approving_review_count ?? 0, codeOwner: reviews.require_code_owner_reviews === true, lastPushApproval: reviews.require_last_push_approval === true, dismissStale: reviews.dismiss_stale_reviews === true },
          source,
        );
      }
      if (classic.required_signatures?.enabled === true) flag(rules.signatures, source);
      if (classic.required_linear_history?.enabled === true) flag(rules.linearHistory, source);
    }

    for (const rule of active) {
      const id = typeof rule.ruleset_id === 'number' ? rule.ruleset_id : null;
      const source: RuleSource = { kind: 'ruleset', name: (id !== null ? names.get(id) : undefined) ?? 'unnamed', id };
      const p = rule.parameters ?? {};
      switch (rule.type) {
        case 'required_status_checks': {
          const checks = Array.isArray(p.required_status_checks) ? (p.required_status_checks as { context?: unknown }[]) : [];
          for (const check of checks) if (typeof check.context === 'string') requireCheck(check.context, source);
          if (bool(p.strict_required_status_checks_policy) && checks.length > 0) flag(rules.upToDate, source);
          break;
        }
        case 'pull_request':
          requireReviews({ count: int(p.required_approving_review_count), codeOwner: bool(p.require_code_owner_review), lastPushApproval: bool(p.require_last_push_approval), dismissStale: bool(p.dismiss_stale_reviews_on_push) }, source);
          break;
        case 'required_signatures':
          flag(rules.signatures, source);
          break;
        case 'required_linear_history':
          flag(rules.linearHistory, source);
          break;
        case 'merge_queue': {
          const method = typeof p.merge_method === 'string' ? p.merge_method.toLowerCase() : 'merge';
          const queueMethod = method === 'squash' || method === 'rebase' ? method : 'merge';
          if (rules.mergeQueue) addSource(rules.mergeQueue.by, source);
          else rules.mergeQueue = { method: queueMethod, by: [source] };
          break;
        }
        default:
          // Rules about pushes (deletion, non_fast_forward, creation, …) do not change what a merge needs.
          break;
      }
    }
    return rules;
  }
  return { getBranchRules };
}
