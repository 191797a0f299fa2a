/**
 * Rulesets, as GitHub's REST API describes them (`POST /repos/{owner}/{repo}/rulesets`,
 * `GET /repos/{owner}/{repo}/rules/branches/{branch}`): the rule types the fake knows and
 * enforces, and which rulesets apply to a branch. Repository and organisation rulesets both apply.
 */

export interface MergeQueueParameters {
  merge_method: 'MERGE' | 'SQUASH' | 'REBASE';
  grouping_strategy: 'ALLGREEN' | 'HEADGREEN';
  max_entries_to_build: number;
  min_entries_to_merge: number;
  max_entries_to_merge: number;
  min_entries_to_merge_wait_minutes: number;
  check_response_timeout_minutes: number;
}

export type RulesetRule =
  | { type: 'required_status_checks'; parameters: { required_status_checks: { context: string; integration_id?: number }[]; strict_required_status_checks_policy: boolean } }
  | {
      type: 'pull_request';
      parameters: {
        required_approving_review_count: number;
        require_code_owner_review: boolean;
        require_last_push_approval: boolean;
        dismiss_stale_reviews_on_push: boolean;
        required_review_thread_resolution: boolean;
      };
    }
  | { type: 'required_signatures' }
  | { type: 'required_linear_history' }
  | { type: 'merge_queue'; parameters: MergeQueueParameters }
  | { type: 'deletion' }
  | { type: 'non_fast_forward' };

export interface RulesetInput {
  name: string;
  /** Default 'active'; 'evaluate' reports but does not block, 'disabled' does nothing. */
  enforcement?: 'active' | 'evaluate' | 'disabled';
  /** Ref patterns: `~DEFAULT_BRANCH`, `~ALL`, `refs/heads/main`, `refs/heads/release/*`. Default: the default branch. */
  include?: string[];
  exclude?: string[];
  rules: RulesetRule[];
}

export interface RulesetRecord extends Required<Pick<RulesetInput, 'name' | 'enforcement' | 'include' | 'exclude' | 'rules'>> {
  id: number;
  /** `owner/name` for a repository ruleset, the organisation's login for an organisation one. */
  source: string;
  sourceType: 'Repository' | 'Organization';
  /** When it was created (ISO 8601). */
  createdAt: string;
}

/** A repository's merge settings, as the repository object reports them. */
export interface RepoSettings {
  allowSquashMerge: boolean;
  allowMergeCommit: boolean;
  allowRebaseMerge: boolean;
  allowAutoMerge: boolean;
  allowUpdateBranch: boolean;
  deleteBranchOnMerge: boolean;
}

export const DEFAULT_REPO_SETTINGS: RepoSettings = {
  allowSquashMerge: true,
  allowMergeCommit: true,
  allowRebaseMerge: true,
  allowAutoMerge: false,
  allowUpdateBranch: false,
  deleteBranchOnMerge: false,
};

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i += 1;
      } else out += '[^/]*';
    } else out += /[.+?^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${out}$`);
}

function matchesRef(pattern: string, branch: string, defaultBranch: string): boolean {
  if (pattern === '~ALL') return true;
  if (pattern === '~DEFAULT_BRANCH') return branch === defaultBranch;
  return globToRegExp(pattern).test(`refs/heads/${branch}`);
}

/** The rulesets that apply to `branch` (any enforcement; callers decide what 'evaluate' means). */
export function rulesetsFor(rulesets: readonly RulesetRecord[], branch: string, defaultBranch: string): RulesetRecord[] {
  return rulesets.filter((r) => r.enforcement !== 'disabled' && r.include.some((p) => matchesRef(p, branch, defaultBranch)) && !r.exclude.some((p) => matchesRef(p, branch, defaultBranch)));
}

/** The rules that block on `branch`: those of its active rulesets, each with its ruleset. */
export function activeRules(rulesets: readonly RulesetRecord[], branch: string, defaultBranch: string): { rule: RulesetRule; ruleset: RulesetRecord }[] {
  return rulesetsFor(rulesets, branch, defaultBranch)
    .filter((r) => r.enforcement === 'active')
    .flatMap((ruleset) => ruleset.rules.map((rule) => ({ rule, ruleset })));
}
