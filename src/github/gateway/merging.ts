import { FleetError } from '../../errors.js';
import { githubMessage, statusOf, toFleetError, type HttpError } from './errors.js';
import { splitRepo, type GatewayContext } from './context.js';

/**
 * Merging as the repository wants it: its merge settings (allowed methods, auto-merge), bringing a
 * PR up to date with its base (`PUT …/update-branch`), and what GitHub offers only through GraphQL:
 * marking a draft ready for review, auto-merge (`enablePullRequestAutoMerge`) and the merge queue
 * (`enqueuePullRequest`, and the PR's `mergeQueueEntry`). GraphQL answers 200 with `errors` when it
 * refuses; those refusals are outcomes, not exceptions, so a step can say what GitHub said.
 */

export type MergeMethod = 'merge' | 'squash' | 'rebase';

/** A repository's merge settings, from its full repository object. */
export interface RepoMergeSettings {
  squash: boolean;
  merge: boolean;
  rebase: boolean;
  autoMerge: boolean;
  /** GitHub's "Always suggest updating pull request branches"; update-branch itself works either way. */
  updateBranch: boolean;
}

/** The fields GitHub's repository object gives for merging (absent in listed forms: GitHub's defaults then). */
export interface RawMergeSettings {
  allow_squash_merge?: boolean | null;
  allow_merge_commit?: boolean | null;
  allow_rebase_merge?: boolean | null;
  allow_auto_merge?: boolean | null;
  allow_update_branch?: boolean | null;
}

export function toMergeSettings(r: RawMergeSettings): RepoMergeSettings {
  return {
    squash: r.allow_squash_merge !== false,
    merge: r.allow_merge_commit !== false,
    rebase: r.allow_rebase_merge !== false,
    autoMerge: r.allow_auto_merge === true,
    updateBranch: r.allow_update_branch === true,
  };
}

/** The methods a repository allows, in Fleet's order of preference (squash, then merge, then rebase). */
export function allowedMethods(settings: RepoMergeSettings): MergeMethod[] {
  return (['squash', 'merge', 'rebase'] as const).filter((method) => settings[method]);
}

export type UpdateBranchOutcome = { kind: 'updating' } | { kind: 'up-to-date'; reason: string } | { kind: 'conflict'; reason: string } | { kind: 'head-changed'; reason: string };

export type EnqueueOutcome = { kind: 'queued'; state: string; position: number | null } | { kind: 'refused'; reason: string };

export type AutoMergeOutcome = { kind: 'enabled' } | { kind: 'clean'; reason: string } | { kind: 'refused'; reason: string };

/** A PR's place in the merge queue, as GraphQL tells it. */
export interface QueueStatus {
  merged: boolean;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  headSha: string;
  /** Null when the PR is not in the queue. */
  entry: { state: string; position: number } | null;
  /** The latest time the queue removed the PR, and GitHub's reason. */
  removed: { reason: string; at: string } | null;
  autoMerge: { method: string } | null;
}

export interface MergingGateway {
  markReadyForReview(repo: string, number: number): Promise<void>;
  /** Merges the base into the PR's head (GitHub writes the commit); `expectedHeadSha` guards against a head that moved. */
  updateBranch(repo: string, number: number, expectedHeadSha: string): Promise<UpdateBranchOutcome>;
  enqueuePr(repo: string, number: number, expectedHeadSha: string): Promise<EnqueueOutcome>;
  /** Undefined when the PR is gone. */
  getQueueEntry(repo: string, number: number): Promise<QueueStatus | undefined>;
  enableAutoMerge(repo: string, number: number, method: MergeMethod, expectedHeadSha: string): Promise<AutoMergeOutcome>;
}

interface GraphqlFailure {
  errors: { type?: string; message: string }[];
}

function graphqlErrors(error: unknown): GraphqlFailure['errors'] | undefined {
  const errors = (error as Partial<GraphqlFailure> | null)?.errors;
  return Array.isArray(errors) && statusOf(error) === undefined ? errors : undefined;
}

const PR_FIELDS = 'id number state merged headRefOid mergeQueueEntry { state position } autoMergeRequest { mergeMethod } timelineItems(itemTypes: [REMOVED_FROM_MERGE_QUEUE_EVENT], last: 1) { nodes { ... on RemovedFromMergeQueueEvent { reason createdAt } } }';

interface RawQueuePr {
  id: string;
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  merged: boolean;
  headRefOid: string;
  mergeQueueEntry: { state: string; position: number } | null;
  autoMergeRequest: { mergeMethod: string } | null;
  timelineItems: { nodes: ({ reason?: string | null; createdAt?: string } | null)[] } | null;
}

export function createMerging(context: GatewayContext): MergingGateway {
  const { octokit, now, call } = context;

  /** Runs a GraphQL document; GitHub's refusals come back as `errors`, anything else throws a FleetError. */
  async function graphql<T>(what: string, repo: string, query: string, variables: Record<string, unknown>): Promise<{ data: T } | { errors: GraphqlFailure['errors'] }> {
    try {
      return { data: await octokit.graphql<T>(query, variables) };
    } catch (error) {
      const errors = graphqlErrors(error);
      if (errors) return { errors };
      throw toFleetError(error, what, repo, now());
    }
  }

  /** The PR's node id, which GraphQL's mutations take (read through REST's conditional cache). */
  async function nodeIdOf(repo: string, number: number): Promise<string> {
    const r = splitRepo(repo);
    const { data } = await call(`reading PR #${number}`, repo, async () => octokit.rest.pulls.get({ ...r, pull_number: number }));
    return data.node_id;
  }

  function refusedBy(what: string, repo: string, errors: GraphqlFailure['errors']): never {
    throw new FleetError('github_error', `GitHub refused ${what} in ${repo}: ${errors.map((e) => e.message).join('; ')}.`, { repo, retryable: false, githubMessage: errors[0]?.message ?? '' });
  }

  async function markReadyForReview(repo: string, number: number): Promise<void> {
    const id = await nodeIdOf(repo, number);
    const result = await graphql('marking the PR ready for review', repo, 'mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }', { id });
    if ('errors' in result) refusedBy(`to mark PR #${number} ready for review`, repo, result.errors);
  }

  async function updateBranch(repo: string, number: number, expectedHeadSha: string): Promise<UpdateBranchOutcome> {
    const r = splitRepo(repo);
    try {
      await octokit.rest.pulls.updateBranch({ ...r, pull_number: number, expected_head_sha: expectedHeadSha });
      return { kind: 'updating' };
    } catch (error) {
      if (statusOf(error) !== 422) throw toFleetError(error, `updating the branch of PR #${number}`, repo, now());
      const reason = githubMessage(error as HttpError);
      // GitHub's 422s: the head moved, nothing to merge from the base, or the base conflicts with the head.
      if (/expected head sha/i.test(reason)) return { kind: 'head-changed', reason };
      if (/no new commits/i.test(reason)) return { kind: 'up-to-date', reason };
      return { kind: 'conflict', reason };
    }
  }

  async function enqueuePr(repo: string, number: number, expectedHeadSha: string): Promise<EnqueueOutcome> {
    const id = await nodeIdOf(repo, number);
    const result = await graphql<{ enqueuePullRequest: { mergeQueueEntry: { state: string; position: number } | null } | null }>(
      `enqueuing PR #${number}`,
      repo,
      'mutation($id: ID!, $sha: GitObjectID) { enqueuePullRequest(input: { pullRequestId: $id, expectedHeadOid: $sha }) { mergeQueueEntry { state position } } }',
      { id, sha: expectedHeadSha },
    );
    if ('errors' in result) return { kind: 'refused', reason: result.errors.map((e) => e.message).join('; ') };
    const entry = result.data.enqueuePullRequest?.mergeQueueEntry ?? null;
    // A group with nothing to wait for may merge within the call: no entry is left then.
    return { kind: 'queued', state: entry?.state ?? 'MERGED', position: entry?.position ?? null };
  }

  async function getQueueEntry(repo: string, number: number): Promise<QueueStatus | undefined> {
    const r = splitRepo(repo);
    const result = await graphql<{ repository: { pullRequest: RawQueuePr | null } | null }>(
      `reading the merge queue entry of PR #${number}`,
      repo,
      `query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { ${PR_FIELDS} } } }`,
      { owner: r.owner, name: r.repo, number },
    );
    if ('errors' in result) {
      if (result.errors.every((e) => e.type === 'NOT_FOUND')) return undefined;
      refusedBy(`to read the merge queue entry of PR #${number}`, repo, result.errors);
    }
    const pr = result.data.repository?.pullRequest;
    if (!pr) return undefined;
    const last = pr.timelineItems?.nodes.at(-1);
    return {
      merged: pr.merged,
      state: pr.state,
      headSha: pr.headRefOid,
      entry: pr.mergeQueueEntry,
      removed: last?.reason ? { reason: last.reason, at: last.createdAt ?? '' } : null,
      autoMerge: pr.autoMergeRequest ? { method: pr.autoMergeRequest.mergeMethod.toLowerCase() } : null,
    };
  }

  async function enableAutoMerge(repo: string, number: number, method: MergeMethod, expectedHeadSha: string): Promise<AutoMergeOutcome> {
    const id = await nodeIdOf(repo, number);
    const result = await graphql(
      `enabling auto-merge on PR #${number}`,
      repo,
      'mutation($id: ID!, $mergeMethod: PullRequestMergeMethod, $sha: GitObjectID) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod, expectedHeadOid: $sha }) { pullRequest { autoMergeRequest { mergeMethod } } } }',
      { id, mergeMethod: method.toUpperCase(), sha: expectedHeadSha },
    );
    if (!('errors' in result)) return { kind: 'enabled' };
    const reason = result.errors.map((e) => e.message).join('; ');
    // GitHub will not schedule a merge it could do now ("Pull request is in clean status"): merge directly then.
    if (/clean status/i.test(reason)) return { kind: 'clean', reason };
    return { kind: 'refused', reason };
  }

  return { markReadyForReview, updateBranch, enqueuePr, getQueueEntry, enableAutoMerge };
}
