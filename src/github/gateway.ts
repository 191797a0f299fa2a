import { createHash } from 'node:crypto';
import { FleetError } from '../errors.js';
import type { Octokit } from './create-octokit.js';
import { CODEOWNERS_PATHS, ownersOfPaths, parseCodeowners, splitOwners, type Codeowners } from './codeowners.js';
import { hasMarker, withMarker, type Marker } from './marker.js';

/**
 * The GitHub gateway: exactly the calls Fleet makes, with typed results holding only the fields
 * Fleet uses. Every GitHub error becomes a FleetError with the HTTP status in `details.status`, a
 * `details.retryable` flag, and a sentence for a person; 429 and exhausted budgets become
 * `budget_exhausted` with `details.retryAt` so the engine waits instead of failing.
 */

export interface RepoInfo {
  fullName: string;
  defaultBranch: string;
  archived: boolean;
  topics: string[];
  language: string | null;
  /** The repository deletes head branches itself after a merge. */
  deleteBranchOnMerge: boolean;
}

export interface TreeEntry {
  path: string;
  sha: string;
  mode: string;
}

/** A file to write (`content`), delete (`content: null`) or restore from an existing blob (`blobSha`). */
export type FileChange = { path: string; content: string | null; mode?: string } | { path: string; blobSha: string; mode?: string };

export interface CommitResult {
  /** The commit the branch points at. */
  sha: string;
  /** The base branch head it was built on. */
  baseSha: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface PullRequest {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  /** The merge commit, once merged. */
  mergedSha: string | null;
  headSha: string;
  headRef: string;
  baseRef: string;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  author: string | null;
  requestedUsers: string[];
  requestedTeams: string[];
}

/** 'queued' covers GitHub's queued, requested, waiting and pending. */
export type CheckStatus = 'queued' | 'in_progress' | 'completed';
export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** success, failure, neutral, cancelled, skipped, timed_out, action_required, stale; null until completed. */
  conclusion: string | null;
  source: 'check-run' | 'status';
  url: string | null;
  /** The check run's id; a re-run is a new run with a new id. Null for a commit status. */
  runId: number | null;
  /** The check suite the run belongs to: what `rerunCheckSuite` asks GitHub to run again. Null for a commit status. */
  suiteId: number | null;
  completedAt: string | null;
}

/** What GitHub said to a re-run request: accepted, or refused with its status and message. */
export type RerunOutcome = { kind: 'requested' } | { kind: 'refused'; status: number; reason: string };

export interface BranchProtection {
  protected: boolean;
  requiredChecks: string[];
  requiredApprovals: number;
}

export interface Review {
  user: string | null;
  state: string;
  commitId: string | null;
  submittedAt: string | null;
}

export interface PrFile {
  path: string;
  previousPath: string | null;
  status: string;
  additions: number;
  deletions: number;
  patch: string | null;
}

export type MergeOutcome = { kind: 'merged'; sha: string } | { kind: 'not-mergeable'; reason: string } | { kind: 'head-changed'; reason: string };

export interface ReviewerRequest {
  users: string[];
  teams: string[];
  /** True when a request was sent in this call. */
  requested: boolean;
  /** Why nothing was requested (no CODEOWNERS, nobody owns the paths, all already requested, GitHub refused). */
  note: string;
}

export interface Gateway {
  listOrgRepos(query: { org: string; topics?: readonly string[]; language?: string; includeArchived?: boolean }): Promise<RepoInfo[]>;
  getRepo(repo: string): Promise<RepoInfo | undefined>;
  getRepos(repos: readonly string[]): Promise<{ found: RepoInfo[]; missing: string[] }>;
  getBranchSha(repo: string, branch: string): Promise<string | undefined>;
  /** Every file of a commit, recursively (paths and blob shas). */
  listTree(repo: string, commitSha: string): Promise<TreeEntry[]>;
  /** Reads blobs by sha; returns path → UTF-8 content. */
  readFiles(repo: string, entries: readonly { path: string; sha: string }[]): Promise<Map<string, string>>;
  /** One file through the contents API; undefined when it does not exist. */
  readFile(repo: string, ref: string, path: string): Promise<string | undefined>;
  commitFiles(input: { repo: string; baseBranch: string; branch: string; message: string; files: readonly FileChange[] }): Promise<CommitResult>;
  findPr(input: { repo: string; branch: string; marker: Marker }): Promise<PullRequest | undefined>;
  openPr(input: { repo: string; branch: string; base: string; title: string; body: string; marker: Marker; draft?: boolean }): Promise<PullRequest>;
  requestReviewers(input: { repo: string; pr: PullRequest; paths: readonly string[]; ref: string }): Promise<ReviewerRequest>;
  addLabels(repo: string, number: number, labels: readonly string[]): Promise<void>;
  getChecks(repo: string, sha: string): Promise<CheckResult[]>;
  /** Asks GitHub to run a check suite again (every check run in it); `refused` when GitHub will not. */
  rerunCheckSuite(repo: string, suiteId: number): Promise<RerunOutcome>;
  getRequiredChecks(repo: string, branch: string): Promise<BranchProtection>;
  getReviews(repo: string, number: number): Promise<Review[]>;
  listPrFiles(repo: string, number: number): Promise<PrFile[]>;
  getPr(repo: string, number: number): Promise<PullRequest | undefined>;
  mergePr(input: { repo: string; number: number; sha: string; method: 'merge' | 'squash' | 'rebase' }): Promise<MergeOutcome>;
  closePr(input: { repo: string; number: number }): Promise<void>;
  /**
   * Comments on a PR once: `marker` (a hidden HTML comment) is appended to the body, and a comment
   * already carrying it (posted before a crash) is returned instead of posting a second one.
   */
  commentOnPr(input: { repo: string; number: number; body: string; marker: string }): Promise<{ id: number; url: string; created: boolean }>;
  /** Deletes a branch; false when it was already gone. */
  deleteBranch(repo: string, branch: string): Promise<boolean>;
  /** The CODEOWNERS file GitHub would use at `ref`, parsed, with where it was found. */
  readCodeowners(repo: string, ref: string): Promise<{ path: string; codeowners: Codeowners } | undefined>;
  openRevertPr(input: { repo: string; pr: { number: number; title: string; mergedSha: string; baseRef: string }; branch: string; marker: Marker }): Promise<PullRequest>;
}

interface HttpError {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' && !(error instanceof FleetError);
}

function githubMessage(error: HttpError): string {
  const data = error.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message;
  return error.message;
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof FleetError && typeof error.details.status === 'number') return error.details.status;
  return isHttpError(error) ? error.status : undefined;
}

/** Turns an Octokit error into a FleetError with a sentence that says what to do next. */
export function toFleetError(error: unknown, what: string, repo: string | undefined, now: number): FleetError {
  if (error instanceof FleetError) return error;
  if (!isHttpError(error)) {
    return new FleetError('github_error', `Could not reach GitHub while ${what}: ${String((error as Error)?.message ?? error)}. Fleet will try again; check GITHUB_API_URL if it keeps failing.`, { retryable: true, what }, { cause: error });
  }
  const status = error.status;
  const message = githubMessage(error);
  const headers = error.response?.headers ?? {};
  const where = repo ? ` in ${repo}` : '';
  const base = { status, what, repo, githubMessage: message };
  if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0') || /rate limit/i.test(message)) {
    const retryAfter = Number(headers['retry-after']);
    const reset = Number(headers['x-ratelimit-reset']);
    const retryAt = Number.isFinite(retryAfter) && retryAfter > 0 ? now + retryAfter * 1000 : Number.isFinite(reset) && reset > 0 ? reset * 1000 : now + 60_000;
    return new FleetError('budget_exhausted', `GitHub's rate limit stopped Fleet while ${what}${where}; it will continue at ${new Date(retryAt).toISOString()} on its own.`, { ...base, retryAt, retryable: true }, { cause: error });
  }
  if (status === 401) {
    return new FleetError('github_error', `GitHub refused Fleet's credentials (401) while ${what}: check GITHUB_TOKEN, or the GitHub App id, key and installation.`, { ...base, retryable: false }, { cause: error });
  }
  if (status === 403) {
    return new FleetError('github_error', `GitHub forbade ${what}${where} (403: ${message}): give Fleet's token or app write access to the repository.`, { ...base, retryable: false }, { cause: error });
  }
  if (status === 404) {
    return new FleetError('github_error', `GitHub found nothing while ${what}${where} (404): check that the repository exists and that Fleet's token or app can see it.`, { ...base, retryable: false }, { cause: error });
  }
  if (status === 409) {
    return new FleetError('github_error', `GitHub reported a conflict while ${what}${where} (409: ${message}); Fleet will look again on the next run.`, { ...base, retryable: true }, { cause: error });
  }
  if (status === 422) {
    return new FleetError('github_error', `GitHub rejected ${what}${where} (422: ${message}); check the campaign's branch, labels and files.`, { ...base, retryable: false }, { cause: error });
  }
  if (status >= 500) {
    return new FleetError('github_error', `GitHub failed (${status}) while ${what}${where}, even after retries; Fleet will try again later.`, { ...base, retryable: true }, { cause: error });
  }
  return new FleetError('github_error', `GitHub answered ${status} while ${what}${where} (${message}).`, { ...base, retryable: false }, { cause: error });
}

export function splitRepo(repo: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!match) throw new FleetError('bad_input', `"${repo}" is not a repository: write it as owner/name, e.g. acme/api.`);
  return { owner: match[1], repo: match[2] };
}

/** Git's blob id for a text, so Fleet can tell whether a branch already holds its change without reading it. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The fields Fleet reads from GitHub's repository objects (both the full and the listed forms). */
interface RawRepo {
  full_name: string;
  default_branch?: string | null;
  archived?: boolean | null;
  topics?: string[] | null;
  language?: string | null;
  delete_branch_on_merge?: boolean | null;
}

interface RawPr {
  number: number;
  html_url?: string | null;
  state: string;
  merged?: boolean | null;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head?: { sha?: string; ref?: string } | null;
  base?: { ref?: string } | null;
  title?: string | null;
  body?: string | null;
  draft?: boolean | null;
  labels?: ({ name?: string } | string)[] | null;
  user?: { login?: string } | null;
  requested_reviewers?: { login?: string }[] | null;
  requested_teams?: { slug?: string }[] | null;
}

function toRepo(r: RawRepo): RepoInfo {
  return {
    fullName: r.full_name,
    defaultBranch: r.default_branch ?? 'main',
    archived: r.archived === true,
    topics: Array.isArray(r.topics) ? r.topics : [],
    language: r.language ?? null,
    deleteBranchOnMerge: r.delete_branch_on_merge === true,
  };
}

function toPr(p: RawPr): PullRequest {
  return {
    number: p.number,
    url: p.html_url ?? '',
    state: p.state === 'closed' ? 'closed' : 'open',
    merged: p.merged === true || (p.merged_at !== null && p.merged_at !== undefined),
    mergedSha: p.merged === true || p.merged_at ? (p.merge_commit_sha ?? null) : null,
    headSha: p.head?.sha ?? '',
    headRef: p.head?.ref ?? '',
    baseRef: p.base?.ref ?? '',
    title: p.title ?? '',
    body: p.body ?? '',
    draft: p.draft === true,
    labels: (p.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
    author: p.user?.login ?? null,
    requestedUsers: (p.requested_reviewers ?? []).map((u) => u.login ?? ''),
    requestedTeams: (p.requested_teams ?? []).map((t) => t.slug ?? ''),
  };
}

function decodeBase64(content: string): string {
  return Buffer.from(content.replace(/\n/g, ''), 'base64').toString('utf8');
}

/**
 * Builds the gateway over an Octokit client from `createOctokit`.
 *
 * @example
 * const github = createGateway({ octokit, now: Date.now });
 * const pr = await github.findPr({ repo: 'acme/api', branch: 'fleet/bump-lodash', marker: { campaignId: 'c-7f3a', repo: 'acme/api' } });
 */
export function createGateway(deps: { octokit: Octokit; now: () => number }): Gateway {
  const { octokit, now } = deps;
  // Commits are immutable, so their trees can be remembered for the life of the gateway.
  const treeOfCommit = new Map<string, string>();

  async function call<T>(what: string, repo: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toFleetError(error, what, repo, now());
    }
  }

  /** Like `call`, but a 404 means "not there" rather than an error. */
  async function callOrMissing<T>(what: string, repo: string | undefined, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toFleetError(error, what, repo, now());
    }
  }

  async function getRepo(repo: string): Promise<RepoInfo | undefined> {
    const r = splitRepo(repo);
    const data = await callOrMissing('reading the repository', repo, async () => (await octokit.rest.repos.get(r)).data);
    return data ? toRepo(data) : undefined;
  }

  async function getBranchSha(repo: string, branch: string): Promise<string | undefined> {
    const r = splitRepo(repo);
    const data = await callOrMissing(`reading branch ${branch}`, repo, async () => (await octokit.rest.git.getRef({ ...r, ref: `heads/${branch}` })).data);
    return data?.object.sha;
  }

  async function getTreeSha(repo: string, commitSha: string): Promise<string> {
    const known = treeOfCommit.get(commitSha);
    if (known) return known;
    const r = splitRepo(repo);
    const data = await call(`reading commit ${commitSha.slice(0, 7)}`, repo, async () => (await octokit.rest.git.getCommit({ ...r, commit_sha: commitSha })).data);
    treeOfCommit.set(commitSha, data.tree.sha);
    return data.tree.sha;
  }

  async function getCommitParents(repo: string, commitSha: string): Promise<string[]> {
    const r = splitRepo(repo);
    const data = await call(`reading commit ${commitSha.slice(0, 7)}`, repo, async () => (await octokit.rest.git.getCommit({ ...r, commit_sha: commitSha })).data);
    treeOfCommit.set(commitSha, data.tree.sha);
    return data.parents.map((p) => p.sha);
  }

  async function listTree(repo: string, commitSha: string): Promise<TreeEntry[]> {
    const r = splitRepo(repo);
    const treeSha = await getTreeSha(repo, commitSha);
    const data = await call('listing the files', repo, async () => (await octokit.rest.git.getTree({ ...r, tree_sha: treeSha, recursive: 'true' })).data);
    if (data.truncated) {
      throw new FleetError('github_error', `${repo} has more files than GitHub lists in one tree; narrow the campaign's change to named paths or exclude this repository.`, { repo, retryable: false });
    }
    return data.tree.filter((e) => e.type === 'blob' && e.path && e.sha).map((e) => ({ path: e.path, sha: e.sha, mode: e.mode ?? '100644' }));
  }

  async function readFiles(repo: string, entries: readonly { path: string; sha: string }[]): Promise<Map<string, string>> {
    const r = splitRepo(repo);
    const bySha = new Map<string, string>();
    const files = new Map<string, string>();
    for (const entry of entries) {
      let content = bySha.get(entry.sha);
      if (content === undefined) {
        const data = await call(`reading ${entry.path}`, repo, async () => (await octokit.rest.git.getBlob({ ...r, file_sha: entry.sha })).data);
        content = data.encoding === 'base64' ? decodeBase64(data.content) : data.content;
        bySha.set(entry.sha, content);
      }
      files.set(entry.path, content);
    }
    return files;
  }

  async function readFile(repo: string, ref: string, path: string): Promise<string | undefined> {
    const r = splitRepo(repo);
    const data = await callOrMissing(`reading ${path}`, repo, async () => (await octokit.rest.repos.getContent({ ...r, path, ref })).data);
    if (!data || Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
    return decodeBase64(data.content);
  }

  /** True when `branchSha` is one commit on top of `baseSha` that changes exactly `files` as wanted. */
  async function branchHolds(repo: string, baseSha: string, branchSha: string, files: readonly FileChange[]): Promise<boolean> {
    const r = splitRepo(repo);
    const data = await call('comparing the branch with its base', repo, async () => (await octokit.rest.repos.compareCommitsWithBasehead({ ...r, basehead: `${baseSha}...${branchSha}` })).data);
    if (data.ahead_by !== 1 || data.behind_by !== 0) return false;
    const changed = new Map((data.files ?? []).map((f) => [f.filename, f]));
    if (changed.size !== files.length) return false;
    return files.every((f) => {
      const got = changed.get(f.path);
      if (!got) return false;
      if ('blobSha' in f) return got.status !== 'removed' && got.sha === f.blobSha;
      if (f.content === null) return got.status === 'removed';
      return got.status !== 'removed' && got.sha === gitBlobSha(f.content);
    });
  }

  async function commitFiles(input: { repo: string; baseBranch: string; branch: string; message: string; files: readonly FileChange[] }): Promise<CommitResult> {
    const { repo, baseBranch, branch } = input;
    const r = splitRepo(repo);
    const baseSha = await getBranchSha(repo, baseBranch);
    if (!baseSha) throw new FleetError('github_error', `${repo} has no branch ${baseBranch}; check the repository's default branch.`, { repo, status: 404, retryable: false });
    const branchSha = await getBranchSha(repo, branch);
    // Idempotency: a crash after the branch was written leaves it holding exactly this change on this base.
    if (branchSha && (await branchHolds(repo, baseSha, branchSha, input.files))) return { sha: branchSha, baseSha, action: 'unchanged' };

    const baseTree = await getTreeSha(repo, baseSha);
    const tree = input.files.map((f) => {
      const mode = (f.mode ?? '100644') as '100644';
      if ('blobSha' in f) return { path: f.path, mode, type: 'blob' as const, sha: f.blobSha };
      if (f.content === null) return { path: f.path, mode, type: 'blob' as const, sha: null };
      return { path: f.path, mode, type: 'blob' as const, content: f.content };
    });
    const newTree = await call('writing the changed files', repo, async () => (await octokit.rest.git.createTree({ ...r, base_tree: baseTree, tree: tree })).data);
    const commit = await call('writing the commit', repo, async () => (await octokit.rest.git.createCommit({ ...r, message: input.message, tree: newTree.sha, parents: [baseSha] })).data);
    treeOfCommit.set(commit.sha, newTree.sha);
    if (branchSha) {
      await call(`updating branch ${branch}`, repo, async () => octokit.rest.git.updateRef({ ...r, ref: `heads/${branch}`, sha: commit.sha, force: true }));
      return { sha: commit.sha, baseSha, action: 'updated' };
    }
    try {
      await octokit.rest.git.createRef({ ...r, ref: `refs/heads/${branch}`, sha: commit.sha });
      return { sha: commit.sha, baseSha, action: 'created' };
    } catch (error) {
      // 422: the branch appeared since we looked (another worker, or a retried request that had landed).
      if (statusOf(error) !== 422) throw toFleetError(error, `creating branch ${branch}`, repo, now());
      await call(`updating branch ${branch}`, repo, async () => octokit.rest.git.updateRef({ ...r, ref: `heads/${branch}`, sha: commit.sha, force: true }));
      return { sha: commit.sha, baseSha, action: 'updated' };
    }
  }

  async function getPr(repo: string, number: number): Promise<PullRequest | undefined> {
    const r = splitRepo(repo);
    const data = await callOrMissing(`reading PR #${number}`, repo, async () => (await octokit.rest.pulls.get({ ...r, pull_number: number })).data);
    return data ? toPr(data) : undefined;
  }

  async function findPr(input: { repo: string; branch: string; marker: Marker }): Promise<PullRequest | undefined> {
    const r = splitRepo(input.repo);
    const byHead = await call('looking for the campaign PR', input.repo, async () =>
      octokit.paginate(octokit.rest.pulls.list, { ...r, head: `${r.owner}:${input.branch}`, state: 'all', per_page: 100 }),
    );
    const heads = byHead.map((p) => toPr(p)).filter((p) => p.headRef === input.branch);
    const open = heads.find((p) => p.state === 'open');
    if (open) return open;
    // A merged PR of this campaign counts as found; one a person closed unmerged does not, so a retry opens a new one.
    const merged = heads.find((p) => p.merged && hasMarker(p.body, input.marker));
    if (merged) return merged;
    // The branch may have been renamed or deleted: the marker in the body still identifies the PR.
    const openPrs = await call('looking for the campaign PR', input.repo, async () => octokit.paginate(octokit.rest.pulls.list, { ...r, state: 'open', per_page: 100 }));
    const marked = openPrs.map((p) => toPr(p)).find((p) => hasMarker(p.body, input.marker));
    return marked;
  }

  async function openPr(input: { repo: string; branch: string; base: string; title: string; body: string; marker: Marker; draft?: boolean }): Promise<PullRequest> {
    const r = splitRepo(input.repo);
    try {
      const { data } = await octokit.rest.pulls.create({ ...r, head: input.branch, base: input.base, title: input.title, body: withMarker(input.body, input.marker), draft: input.draft ?? false });
      return toPr(data);
    } catch (error) {
      // 422 "A pull request already exists": a request that landed before a crash or a lost response.
      if (statusOf(error) === 422) {
        const existing = await findPr({ repo: input.repo, branch: input.branch, marker: input.marker });
        if (existing) return existing;
      }
      throw toFleetError(error, 'opening the PR', input.repo, now());
    }
  }

  async function readCodeowners(repo: string, ref: string): Promise<{ path: string; codeowners: Codeowners } | undefined> {
    for (const path of CODEOWNERS_PATHS) {
      const text = await readFile(repo, ref, path);
      if (text !== undefined) return { path, codeowners: parseCodeowners(text) };
    }
    return undefined;
  }

  async function requestReviewers(input: { repo: string; pr: PullRequest; paths: readonly string[]; ref: string }): Promise<ReviewerRequest> {
    const found = await readCodeowners(input.repo, input.ref);
    if (!found) return { users: [], teams: [], requested: false, note: 'no CODEOWNERS file' };
    const { owners } = ownersOfPaths(found.codeowners, input.paths);
    const { users, teams } = splitOwners(owners);
    const author = input.pr.author?.toLowerCase();
    const already = new Set(input.pr.requestedUsers.map((u) => u.toLowerCase()));
    const alreadyTeams = new Set(input.pr.requestedTeams.map((t) => t.toLowerCase()));
    // GitHub refuses a review request to the PR's author (422), and re-requesting is a wasted write.
    const newUsers = users.filter((u) => u.toLowerCase() !== author && !already.has(u.toLowerCase()));
    const newTeams = teams.filter((t) => !alreadyTeams.has(t.toLowerCase()));
    if (newUsers.length === 0 && newTeams.length === 0) {
      return { users, teams, requested: false, note: owners.length === 0 ? 'nobody owns the changed paths' : 'the owners were already requested' };
    }
    const r = splitRepo(input.repo);
    try {
      await octokit.rest.pulls.requestReviewers({ ...r, pull_number: input.pr.number, reviewers: newUsers, team_reviewers: newTeams });
      return { users: newUsers, teams: newTeams, requested: true, note: '' };
    } catch (error) {
      // 422: an owner is not a collaborator (or a team lacks access). The PR stands; the note says why.
      if (statusOf(error) === 422) return { users: newUsers, teams: newTeams, requested: false, note: `GitHub refused the review request: ${githubMessage(error as HttpError)}` };
      throw toFleetError(error, 'requesting reviews', input.repo, now());
    }
  }

  async function addLabels(repo: string, number: number, labels: readonly string[]): Promise<void> {
    if (labels.length === 0) return;
    const r = splitRepo(repo);
    await call('adding labels', repo, async () => octokit.rest.issues.addLabels({ ...r, issue_number: number, labels: [...labels] }));
  }

  async function getChecks(repo: string, sha: string): Promise<CheckResult[]> {
    const r = splitRepo(repo);
    const runs = await call('reading check runs', repo, async () => octokit.paginate(octokit.rest.checks.listForRef, { ...r, ref: sha, per_page: 100 }));
    const combined = await call('reading commit statuses', repo, async () => (await octokit.rest.repos.getCombinedStatusForRef({ ...r, ref: sha, per_page: 100 })).data);
    const byName = new Map<string, CheckResult & { id: number }>();
    for (const run of runs) {
      // Re-runs add runs with the same name; the newest one is the verdict.
      const seen = byName.get(run.name);
      if (seen && seen.id > run.id) continue;
      byName.set(run.name, {
        id: run.id,
        name: run.name,
        status: run.status === 'completed' || run.status === 'in_progress' ? run.status : 'queued',
        conclusion: run.conclusion ?? null,
        source: 'check-run',
        url: run.html_url ?? null,
        runId: run.id,
        suiteId: run.check_suite?.id ?? null,
        completedAt: run.completed_at ?? null,
      });
    }
    const checks: CheckResult[] = [...byName.values()].map(({ id: _id, ...check }) => check);
    for (const s of combined.statuses ?? []) {
      if (byName.has(s.context)) continue;
      const pending = s.state === 'pending';
      checks.push({
        name: s.context,
        status: pending ? 'in_progress' : 'completed',
        conclusion: pending ? null : s.state === 'success' ? 'success' : 'failure',
        source: 'status',
        url: s.target_url ?? null,
        runId: null,
        suiteId: null,
        completedAt: pending ? null : s.updated_at,
      });
    }
    return checks;
  }

  /**
   * POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest: the check runs Fleet reads
   * carry their suite's id, and this works for any CI that reports check runs (GitHub Actions
   * re-runs the suite's whole workflow run; another app gets the `check_suite` `rerequested`
   * webhook and runs again). GitHub Actions' own `POST .../actions/runs/{run_id}/rerun-failed-jobs`
   * would re-run only the failed jobs, but needs the workflow run's id (another request) and does
   * nothing for other CI apps. GitHub answers 201 with an empty object; it refuses with 403 when the
   * suite is not rerequestable or the credentials may not ask (OAuth apps and classic personal
   * access tokens cannot use this endpoint), 404 when the suite is gone or not visible, and 422 when
   * the suite cannot run again: those come back as `refused`, so the caller decides without a re-run.
   */
  async function rerunCheckSuite(repo: string, suiteId: number): Promise<RerunOutcome> {
    const r = splitRepo(repo);
    try {
      await octokit.rest.checks.rerequestSuite({ ...r, check_suite_id: suiteId });
      return { kind: 'requested' };
    } catch (error) {
      const failure = toFleetError(error, 're-running checks', repo, now());
      const status = statusOf(error);
      if (failure.code !== 'budget_exhausted' && (status === 403 || status === 404 || status === 422)) {
        return { kind: 'refused', status, reason: githubMessage(error as HttpError) };
      }
      throw failure;
    }
  }

  async function getRequiredChecks(repo: string, branch: string): Promise<BranchProtection> {
    const r = splitRepo(repo);
    // GitHub answers 404 "Branch not protected" for an unprotected branch: no required checks, not an error.
    const data = await callOrMissing(`reading the protection of ${branch}`, repo, async () => (await octokit.rest.repos.getBranchProtection({ ...r, branch })).data);
    if (!data) return { protected: false, requiredChecks: [], requiredApprovals: 0 };
    const status = data.required_status_checks;
    const names = new Set<string>([...(status?.contexts ?? []), ...(status?.checks ?? []).map((c) => c.context)]);
    return { protected: true, requiredChecks: [...names], requiredApprovals: data.required_pull_request_reviews?.required_approving_review_count ?? 0 };
  }

  async function getReviews(repo: string, number: number): Promise<Review[]> {
    const r = splitRepo(repo);
    const reviews = await call('reading reviews', repo, async () => octokit.paginate(octokit.rest.pulls.listReviews, { ...r, pull_number: number, per_page: 100 }));
    return reviews.map((rv) => ({ user: rv.user?.login ?? null, state: rv.state, commitId: rv.commit_id ?? null, submittedAt: rv.submitted_at ?? null }));
  }

  async function listPrFiles(repo: string, number: number): Promise<PrFile[]> {
    const r = splitRepo(repo);
    const files = await call('listing the PR files', repo, async () => octokit.paginate(octokit.rest.pulls.listFiles, { ...r, pull_number: number, per_page: 100 }));
    return files.map((f) => ({
      path: f.filename,
      previousPath: f.previous_filename ?? null,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      patch: f.patch ?? null,
    }));
  }

  async function mergePr(input: { repo: string; number: number; sha: string; method: 'merge' | 'squash' | 'rebase' }): Promise<MergeOutcome> {
    const r = splitRepo(input.repo);
    try {
      const { data } = await octokit.rest.pulls.merge({ ...r, pull_number: input.number, sha: input.sha, merge_method: input.method });
      return { kind: 'merged', sha: data.sha };
    } catch (error) {
      const status = statusOf(error);
      // 405: branch protection or mergeability says no (reviews, checks, conflicts); the message says which.
      if (status === 405) return { kind: 'not-mergeable', reason: githubMessage(error as HttpError) };
      // 409: the head moved since Fleet checked it; merging now would ship unchecked code.
      if (status === 409) return { kind: 'head-changed', reason: githubMessage(error as HttpError) };
      throw toFleetError(error, `merging PR #${input.number}`, input.repo, now());
    }
  }

  async function closePr(input: { repo: string; number: number }): Promise<void> {
    const r = splitRepo(input.repo);
    await call(`closing PR #${input.number}`, input.repo, async () => octokit.rest.pulls.update({ ...r, pull_number: input.number, state: 'closed' }));
  }

  async function commentOnPr(input: { repo: string; number: number; body: string; marker: string }): Promise<{ id: number; url: string; created: boolean }> {
    const r = splitRepo(input.repo);
    const what = `commenting on PR #${input.number}`;
    const existing = await call(what, input.repo, async () => octokit.paginate(octokit.rest.issues.listComments, { ...r, issue_number: input.number, per_page: 100 }));
    const found = existing.find((c) => (c.body ?? '').includes(input.marker));
    if (found) return { id: found.id, url: found.html_url, created: false };
    const { data } = await call(what, input.repo, async () => octokit.rest.issues.createComment({ ...r, issue_number: input.number, body: `${input.body.trimEnd()}\n\n${input.marker}\n` }));
    return { id: data.id, url: data.html_url, created: true };
  }

  async function deleteBranch(repo: string, branch: string): Promise<boolean> {
    const r = splitRepo(repo);
    try {
      await octokit.rest.git.deleteRef({ ...r, ref: `heads/${branch}` });
      return true;
    } catch (error) {
      // 404/422 "Reference does not exist": already deleted (by GitHub after the merge, or before a crash).
      const status = statusOf(error);
      if (status === 404 || status === 422) return false;
      throw toFleetError(error, `deleting branch ${branch}`, repo, now());
    }
  }

  async function openRevertPr(input: { repo: string; pr: { number: number; title: string; mergedSha: string; baseRef: string }; branch: string; marker: Marker }): Promise<PullRequest> {
    const { repo, pr, branch, marker } = input;
    const existing = await findPr({ repo, branch, marker });
    if (existing) return existing;
    const [parent] = await getCommitParents(repo, pr.mergedSha);
    if (!parent) throw new FleetError('github_error', `The merge commit of PR #${pr.number} in ${repo} has no parent to restore; revert it by hand.`, { repo, retryable: false });
    const touched = await listPrFiles(repo, pr.number);
    const before = new Map((await listTree(repo, parent)).map((e) => [e.path, e]));
    const paths = new Set<string>();
    for (const f of touched) {
      paths.add(f.path);
      if (f.previousPath) paths.add(f.previousPath);
    }
    // Restore each touched path to its state before the merge: the old blob, or gone if the PR added it.
    const files: FileChange[] = [...paths].sort().map((path) => {
      const old = before.get(path);
      return old ? { path, blobSha: old.sha, mode: old.mode } : { path, content: null };
    });
    await commitFiles({ repo, baseBranch: pr.baseRef, branch, message: `Revert "${pr.title}"\n\nThis reverts PR #${pr.number} (${pr.mergedSha}).`, files });
    return openPr({
      repo,
      branch,
      base: pr.baseRef,
      title: `Revert "${pr.title}"`.slice(0, 256),
      body: `Reverts #${pr.number}: it restores the files that PR changed to their state before merge commit ${pr.mergedSha}.`,
      marker,
    });
  }

  async function listOrgRepos(query: { org: string; topics?: readonly string[]; language?: string; includeArchived?: boolean }): Promise<RepoInfo[]> {
    const repos = await call(`listing the repositories of ${query.org}`, undefined, async () =>
      octokit.paginate(octokit.rest.repos.listForOrg, { org: query.org, type: 'all', per_page: 100 }),
    );
    const topics = query.topics ?? [];
    const language = query.language?.toLowerCase();
    return repos
      .map((r) => toRepo(r))
      .filter((r) => (query.includeArchived ?? false) || !r.archived)
      .filter((r) => topics.every((t) => r.topics.includes(t)))
      .filter((r) => language === undefined || r.language?.toLowerCase() === language);
  }

  async function getRepos(repos: readonly string[]): Promise<{ found: RepoInfo[]; missing: string[] }> {
    const found: RepoInfo[] = [];
    const missing: string[] = [];
    for (const repo of repos) {
      const info = await getRepo(repo);
      if (info) found.push(info);
      else missing.push(repo);
    }
    return { found, missing };
  }

  return {
    listOrgRepos,
    getRepo,
    getRepos,
    getBranchSha,
    listTree,
    readFiles,
    readFile,
    commitFiles,
    findPr,
    openPr,
    requestReviewers,
    addLabels,
    getChecks,
    rerunCheckSuite,
    getRequiredChecks,
    getReviews,
    listPrFiles,
    getPr,
    mergePr,
    closePr,
    commentOnPr,
    deleteBranch,
    readCodeowners,
    openRevertPr,
  };
}

/** The readers the campaign catalog uses when FLEET_CAMPAIGNS is `github:owner/repo/path`. */
export interface GatewayReaders {
  /** `github:owner/repo/path/to/file.yml` → its text, or undefined when missing. */
  readRemoteFile(location: string): Promise<string | undefined>;
  /** `github:owner/repo/dir` → the locations of the files under it (recursively), sorted. */
  listRemoteFiles(location: string): Promise<string[]>;
}

function parseLocation(location: string): { repo: string; path: string } {
  const match = /^github:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?:\/(.*))?$/.exec(location);
  if (!match) throw new FleetError('bad_input', `"${location}" is not a GitHub location: write it as github:owner/repo/path, e.g. github:acme/fleet-campaigns/campaigns.`);
  return { repo: match[1], path: (match[2] ?? '').replace(/\/+$/, '') };
}

/**
 * Reads a campaign catalog kept in a GitHub repository, on its default branch.
 *
 * @example
 * const readers = createGatewayReaders(gateway);
 * await readers.listRemoteFiles('github:acme/fleet-campaigns/campaigns'); // ['github:acme/fleet-campaigns/campaigns/bump.yml']
 */
export function createGatewayReaders(gateway: Gateway): GatewayReaders {
  async function headOf(repo: string): Promise<string> {
    const info = await gateway.getRepo(repo);
    if (!info) throw new FleetError('spec_not_found', `The campaign catalog repository ${repo} was not found: check FLEET_CAMPAIGNS and that Fleet can see the repository.`, { repo });
    return info.defaultBranch;
  }
  return {
    async readRemoteFile(location) {
      const { repo, path } = parseLocation(location);
      return gateway.readFile(repo, await headOf(repo), path);
    },
    async listRemoteFiles(location) {
      const { repo, path } = parseLocation(location);
      const branch = await headOf(repo);
      const sha = await gateway.getBranchSha(repo, branch);
      if (!sha) return [];
      const prefix = path === '' ? '' : `${path}/`;
      return (await gateway.listTree(repo, sha))
        .filter((e) => e.path.startsWith(prefix))
        .map((e) => `github:${repo}/${e.path}`)
        .sort();
    },
  };
}

/** What the repository steps get in `ctx.deps`. */
export interface GitHubStepDeps {
  github: Gateway;
  /** The campaign catalog directory, for codemods. */
  catalogDir?: string;
}
