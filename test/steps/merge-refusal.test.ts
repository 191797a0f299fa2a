import { describe, expect, test } from 'vitest';
import { explainBlocked } from '../../src/steps/merge-refusal.js';

/** A gateway whose branch rules require no check or review, as for a branch that only requires signatures. */
function gateway(protection: { requiredChecks: string[]; requiredApprovals: number }) {
  const by = [{ kind: 'protection' as const, name: 'branch protection', id: null }];
  return {
    getBranchRules: async () => ({
      protected: true,
      requiredChecks: protection.requiredChecks.map((name) => ({ name, by })),
      upToDate: { required: false, by: [] },
      reviews: protection.requiredApprovals > 0 ? { count: protection.requiredApprovals, codeOwner: false, lastPushApproval: false, dismissStale: false, by } : null,
      signatures: { required: true, by },
      linearHistory: { required: false, by: [] },
      mergeQueue: null,
    }),
    getChecks: async () => [],
    getReviews: async () => [],
  };
}

describe('explainBlocked', () => {
  test('names required signatures when GitHub refuses the merge for them', async () => {
    const text = await explainBlocked(gateway({ requiredChecks: [], requiredApprovals: 0 }), { repo: 'acme/web', number: 4, base: 'main', githubReason: 'Commits must have verified signatures.' }, 'abc');
    expect(text).toBe(
      "GitHub will not merge PR #4 in acme/web: main's branch protection is not satisfied: main requires verified signatures and the PR brings a commit without one (GitHub: \"Commits must have verified signatures\"). Replace the PR's unsigned commits with signed ones (a commit Fleet makes where signatures are required goes through GitHub's API, which signs it), then retry; or skip the target.",
    );
  });

  test('a block with no named cause still says a rule blocks it', async () => {
    const text = await explainBlocked(gateway({ requiredChecks: [], requiredApprovals: 0 }), { repo: 'acme/web', number: 4, base: 'main', githubReason: 'Repository rule violations found' }, 'abc');
    expect(text).toContain('a rule on main blocks it (GitHub: "Repository rule violations found")');
    expect(text).not.toContain('signature');
  });
});
