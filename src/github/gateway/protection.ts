import { splitRepo, type GatewayContext } from './context.js';

/** Protection: what classic branch protection requires of a branch before a merge. */

export interface BranchProtection {
  protected: boolean;
  requiredChecks: string[];
  requiredApprovals: number;
}

export interface ProtectionGateway {
  getRequiredChecks(repo: string, branch: string): Promise<BranchProtection>;
  /** Whether classic protection of `branch` requires signed commits (false when it is not protected). */
  requiresSignedCommits(repo: string, branch: string): Promise<boolean>;
}

export function createProtection(context: GatewayContext): ProtectionGateway {
  const { octokit, callOrMissing } = context;

  async function getRequiredChecks(repo: string, branch: string): Promise<BranchProtection> {
    const r = splitRepo(repo);
    // GitHub answers 404 "Branch not protected" for an unprotected branch: no required checks, not an error.
    const data = await callOrMissing(`reading the protection of ${branch}`, repo, async () => (await octokit.rest.repos.getBranchProtection({ ...r, branch })).data);
    if (!data) return { protected: false, requiredChecks: [], requiredApprovals: 0 };
    const status = data.required_status_checks;
    const names = new Set<string>([...(status?.contexts ?? []), ...(status?.checks ?? []).map((c) => c.context)]);
    return { protected: true, requiredChecks: [...names], requiredApprovals: data.required_pull_request_reviews?.required_approving_review_count ?? 0 };
  }

  async function requiresSignedCommits(repo: string, branch: string): Promise<boolean> {
    const r = splitRepo(repo);
    // 404 when the branch is not protected (or the protection does not require signatures).
    const data = await callOrMissing(`reading whether ${branch} requires signed commits`, repo, async () => (await octokit.rest.repos.getCommitSignatureProtection({ ...r, branch })).data);
    return data?.enabled === true;
  }

  return { getRequiredChecks, requiresSignedCommits };
}
