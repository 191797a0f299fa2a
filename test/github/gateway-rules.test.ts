import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { requiredBy } from '../../src/github/gateway.js';
import { startHarness, type Harness } from './harness.js';

/** getBranchRules over real HTTP: rulesets (repository and organisation) and classic protection, merged. */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const checks = (contexts: string[], strict = false) => ({
  type: 'required_status_checks' as const,
  parameters: { required_status_checks: contexts.map((context) => ({ context })), strict_required_status_checks_policy: strict },
});

describe('getBranchRules', () => {
  test('merges classic protection, a repository ruleset and an organisation ruleset, each requirement with every rule that asks for it', async () => {
    h.fake.state.seedRepo({
      owner: 'acme',
      name: 'api',
      files: { 'README.md': '# api\n' },
      protection: { requiredChecks: ['build'], requiredApprovals: 2, requiredSignatures: true },
      rulesets: [
        {
          name: 'main',
          rules: [
            checks(['build', 'test'], true),
            { type: 'pull_request', parameters: { required_approving_review_count: 1, require_code_owner_review: true, require_last_push_approval: true, dismiss_stale_reviews_on_push: false, required_review_thread_resolution: false } },
            { type: 'merge_queue', parameters: { merge_method: 'SQUASH', grouping_strategy: 'ALLGREEN', max_entries_to_build: 5, min_entries_to_merge: 1, max_entries_to_merge: 5, min_entries_to_merge_wait_minutes: 5, check_response_timeout_minutes: 60 } },
          ],
        },
        { name: 'trial', enforcement: 'evaluate', rules: [checks(['e2e'])] },
      ],
    });
    const org = h.fake.state.addRuleset('acme', null, { name: 'org-linear', include: ['~ALL'], rules: [{ type: 'required_linear_history' }, { type: 'deletion' }] });
    const main = h.fake.state.addRuleset('acme', 'api', { name: 'extra', rules: [checks(['lint'])] });
    const repoRuleset = (await h.octokit.rest.repos.getRepoRulesets({ owner: 'acme', repo: 'api', includes_parents: false })).data.find((r) => r.name === 'main')!;
    const rules = await h.github.getBranchRules('acme/api', 'main');
    const ruleset = (name: string, id: number) => ({ kind: 'ruleset', name, id });
    const protection = { kind: 'protection', name: 'branch protection', id: null };
    expect(rules).toEqual({
      protected: true,
      requiredChecks: [
        { name: 'build', by: [protection, ruleset('main', repoRuleset.id)] },
        { name: 'test', by: [ruleset('main', repoRuleset.id)] },
        { name: 'lint', by: [ruleset('extra', main.id)] },
      ],
      upToDate: { required: true, by: [ruleset('main', repoRuleset.id)] },
      reviews: { count: 2, codeOwner: true, lastPushApproval: true, dismissStale: false, by: [protection, ruleset('main', repoRuleset.id)] },
      signatures: { required: true, by: [protection] },
      linearHistory: { required: true, by: [ruleset('org-linear', org.id)] },
      mergeQueue: { method: 'squash', by: [ruleset('main', repoRuleset.id)] },
    });
    expect(requiredBy(rules)).toEqual({ build: ['branch protection', `ruleset "main" (#${repoRuleset.id})`], test: [`ruleset "main" (#${repoRuleset.id})`], lint: [`ruleset "extra" (#${main.id})`] });
  });

  test('a repository with neither is unprotected; one with only an evaluate ruleset too; a branch the ruleset does not include is not bound by it', async () => {
    h.fake.state.seedRepo({ owner: 'acme', name: 'free', files: { 'README.md': '# free\n' }, rulesets: [{ name: 'trial', enforcement: 'evaluate', rules: [checks(['build'])] }, { name: 'release', include: ['refs/heads/release/**'], rules: [checks(['build'])] }] });
    const none = { protected: false, requiredChecks: [], upToDate: { required: false, by: [] }, reviews: null, signatures: { required: false, by: [] }, linearHistory: { required: false, by: [] }, mergeQueue: null };
    expect(await h.github.getBranchRules('acme/free', 'main')).toEqual(none);
    expect((await h.github.getBranchRules('acme/free', 'release/2.0')).requiredChecks.map((c) => c.name)).toEqual(['build']);
  });

  test('classic protection without a review count asks for no review', async () => {
    h.fake.state.seedRepo({ owner: 'acme', name: 'classic', files: { 'README.md': '# classic\n' }, protection: { requiredChecks: ['build'], requiredApprovals: 0 } });
    const rules = await h.github.getBranchRules('acme/classic', 'main');
    expect(rules).toMatchObject({ protected: true, reviews: null, signatures: { required: false }, requiredChecks: [{ name: 'build' }] });
    // No ruleset applies: the ruleset list is not read.
    expect(h.fake.requestLog.filter((r) => r.route === '/repos/{owner}/{repo}/rulesets')).toEqual([]);
  });
});
