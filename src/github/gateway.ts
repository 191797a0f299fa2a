import type { DependencyEnvironment } from '../changes/dependency/types.js';
import type { Octokit } from './create-octokit.js';
import type { GitIdentity } from '../workspace/git.js';
import type { WorkspacePool } from '../workspace/workspaces.js';
import { createGatewayContext } from './gateway/context.js';
import { createChecks, type ChecksGateway } from './gateway/checks.js';
import { createGitData, type GitDataGateway } from './gateway/git-data.js';
import { createGitRemote, type GitRemoteGateway } from './gateway/git-remote.js';
import { createProtection, type ProtectionGateway } from './gateway/protection.js';
import { createPulls, type PullsGateway } from './gateway/pulls.js';
import { createRepos, type RepoGateway } from './gateway/repos.js';
import { createRules, type RulesGateway } from './gateway/rules.js';
import { createSearch, type SearchGateway } from './gateway/search.js';
import { createMerging, type MergingGateway } from './gateway/merging.js';
import { createTeams, type TeamsGateway } from './gateway/teams.js';
import { createDeployments, type DeploymentsGateway } from './gateway/deployments.js';
import { createActions, type ActionsGateway } from './gateway/actions.js';

/**
 * The GitHub gateway: exactly the calls Fleet makes, with typed results holding only the fields
 * Fleet uses. Every GitHub error becomes a FleetError with the HTTP status in `details.status`, a
 * `details.retryable` flag, and a sentence for a person; 429 and exhausted budgets become
 * `budget_exhausted` with `details.retryAt` so the engine waits instead of failing.
 *
 * Each area lives in `gateway/` (repos, git data, pulls, checks, protection, rules, merging, teams, search, deployments, actions); this module composes
 * them and is the one importers use.
 */

export { toFleetError } from './gateway/errors.js';
export { splitRepo } from './gateway/context.js';
export { gitBlobSha } from './gateway/git-data.js';
export { gitBaseUrl, noreplyEmail } from './gateway/git-remote.js';
export { createGatewayReaders, type GatewayReaders } from './gateway/catalog-readers.js';
export type { RepoInfo } from './gateway/repos.js';
export type { RepoSearchResult, CodeSearchResult } from './gateway/search.js';
export { SEARCH_CAP } from './gateway/search.js';
export type { TreeEntry, FileChange, CommitResult, CommitFacts } from './gateway/git-data.js';
export type { PullRequest, Review, PrFile, Mergeability, MergeOutcome, ReviewerRequest } from './gateway/pulls.js';
export type { CheckStatus, CheckResult, RerunOutcome } from './gateway/checks.js';
export type { BranchProtection } from './gateway/protection.js';
export type { BranchRules, RequiredCheck, RequiredReviews, RuleSource } from './gateway/rules.js';
export { requiredCheckNames, requiredBy, ruleSourceLabel } from './gateway/rules.js';
export type { MergeMethod, RepoMergeSettings, UpdateBranchOutcome, EnqueueOutcome, AutoMergeOutcome, QueueStatus } from './gateway/merging.js';
export { allowedMethods } from './gateway/merging.js';
export type { Deployment, DeploymentStatus, DeploymentStatusState, CreateDeploymentInput } from './gateway/deployments.js';
export type { WorkflowRun } from './gateway/actions.js';

export interface Gateway extends RepoGateway, GitDataGateway, PullsGateway, ChecksGateway, ProtectionGateway, RulesGateway, MergingGateway, GitRemoteGateway, TeamsGateway, SearchGateway, DeploymentsGateway, ActionsGateway {}

/**
 * Builds the gateway over an Octokit client from `createOctokit`.
 *
 * @example
 * const github = createGateway({ octokit, now: Date.now });
 * const pr = await github.findPr({ repo: 'acme/api', branch: 'fleet/bump-lodash', marker: { campaignId: 'c-7f3a', repo: 'acme/api' } });
 */
export function createGateway(deps: { octokit: Octokit; now: () => number }): Gateway {
  const context = createGatewayContext(deps);
  const repos = createRepos(context);
  const git = createGitData(context, repos);
  // A commit's parents are for the revert PR only; the gateway itself does not offer them.
  const { getCommitParents: _parents, ...gitData } = git;
  const protection = createProtection(context);
  return { ...repos, ...gitData, ...createPulls(context, git), ...createChecks(context), ...protection, ...createRules(context, protection), ...createMerging(context), ...createGitRemote(context), ...createTeams(context), ...createSearch(context), ...createDeployments(context), ...createActions(context) };
}

/** What the repository steps get in `ctx.deps`. */
export interface GitHubStepDeps {
  github: Gateway;
  /** The campaign catalog directory, for codemods. */
  catalogDir?: string;
  /** FLEET_UNSANDBOXED=1: codemods may run without bubblewrap, and the PR says so. */
  unsandboxed?: boolean;
  /** Checkouts for changes made in a real working tree and pushed with git (the runtime always sets it). */
  workspaces?: WorkspacePool;
  /** FLEET_GIT_AUTHOR; unset: the App's bot identity (or the token's user), from `github.botIdentity()`. */
  gitAuthor?: GitIdentity;
  /** The dependency change's registries and allowed credentials (FLEET_NPM_REGISTRY, …). */
  dependencies?: DependencyEnvironment;
}
