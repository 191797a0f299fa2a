import { FleetError } from '../../errors.js';
import { CODEOWNERS_PATHS, ownersOfPaths, parseCodeowners, splitOwners, type Codeowners } from '../codeowners.js';
import { hasMarker, withMarker, type Marker } from '../marker.js';
import { githubMessage, statusOf, toFleetError, type HttpError } from './errors.js';
import { splitRepo, type GatewayContext } from './context.js';
import type { FileChange, GitData } from './git-data.js';

/**
 * Pulls: finding, opening, reading, merging and closing the campaign's PRs; their reviewers (from
 * CODEOWNERS), labels, reviews and files; and the revert PR.
 */

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

export interface Review {
  id: number;
  /** The review on GitHub (its `html_url`), for a person to open. */
  url: string;
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

/**
 * GitHub's view of whether a PR can merge. `mergeable` is null while GitHub computes it (read
 * again a little later); `state` is GitHub's `mergeable_state`: clean, dirty (a merge conflict),
 * behind, blocked, unstable, draft, has_hooks or unknown.
 */
export interface Mergeability {
  mergeable: boolean | null;
  state: string;
  draft: boolean;
}

export type MergeOutcome = { kind: 'merged'; sha: string } | { kind: 'not-mergeable'; reason: string } | { kind: 'head-changed'; reason: string };

export interface ReviewerRequest {
  users: string[];
  teams: string[];
  /** True when a request was sent in this call. */
  requested: boolean;
  /** Why nothing was requested (no CODEOWNERS, nobody owns the paths, all already requested, GitHub requests them itself, GitHub refused). */
  note: string;
}

export interface PullsGateway {
  findPr(input: { repo: string; branch: string; marker: Marker }): Promise<PullRequest | undefined>;
  openPr(input: { repo: string; branch: string; base: string; title: string; body: string; marker: Marker; draft?: boolean }): Promise<PullRequest>;
  requestReviewers(input: { repo: string; pr: PullRequest; paths: readonly string[]; ref: string }): Promise<ReviewerRequest>;
  addLabels(repo: string, number: number, labels: readonly string[]): Promise<void>;
  getReviews(repo: string, number: number): Promise<Review[]>;
  listPrFiles(repo: string, number: number): Promise<PrFile[]>;
  getPr(repo: string, number: number): Promise<PullRequest | undefined>;
  /** The PR's mergeability as GitHub reports it; undefined when the PR is gone. */
  getMergeability(repo: string, number: number): Promise<Mergeability | undefined>;
  mergePr(input: { repo: string; number: number; sha: string; method: 'merge' | 'squash' | 'rebase' }): Promise<MergeOutcome>;
  closePr(input: { repo: string; number: number }): Promise<void>;
  /**
   * Comments on a PR once: `marker` (a hidden HTML comment) is appended to the body, and a comment
   * already carrying it (posted before a crash) is returned instead of posting a second one.
   */
  commentOnPr(input: { repo: string; number: number; body: string; marker: string }): Promise<{ id: number; url: string; created: boolean }>;
  /** The CODEOWNERS file GitHub would use at `ref`, parsed, with where it was found. */
  readCodeowners(repo: string, ref: string): Promise<{ path: string; codeowners: Codeowners } | undefined>;
  openRevertPr(input: { repo: string; pr: { number: number; title: string; mergedSha: string; baseRef: string }; branch: string; marker: Marker }): Promise<PullRequest>;
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

/** The pulls area over the git data area (CODEOWNERS is read through it, and a revert PR is committed with it). */
export function createPulls(context: GatewayContext, git: Pick<GitData, 'readFile' | 'listTree' | 'commitFiles' | 'getCommitParents'>): PullsGateway {
  const { octokit, now, call, callOrMissing } = context;
  const { readFile, listTree, commitFiles, getCommitParents } = git;

  async function getPr(repo: string, number: number): Promise<PullRequest | undefined> {
    const r = splitRepo(repo);
    const data = await callOrMissing(`reading PR #${number}`, repo, async () => (await octokit.rest.pulls.get({ ...r, pull_number: number })).data);
    return data ? toPr(data) : undefined;
  }

  async function getMergeability(repo: string, number: number): Promise<Mergeability | undefined> {
    const r = splitRepo(repo);
    // The same conditional GET as getPr: an unchanged PR answers 304 and costs no budget.
    const data = await callOrMissing(`reading PR #${number}`, repo, async () => (await octokit.rest.pulls.get({ ...r, pull_number: number })).data);
    if (!data) return undefined;
    return { mergeable: typeof data.mergeable === 'boolean' ? data.mergeable : null, state: data.mergeable_state || 'unknown', draft: data.draft === true };
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
    // GitHub asks the code owners of an open, ready PR itself, from the base branch's CODEOWNERS
    // (the file read here): a request of Fleet's would be a second, content-creating write. A
    // draft asks nobody until it is marked ready, so its owners are asked now.
    if (!input.pr.draft && input.pr.state === 'open') return { users, teams, requested: false, note: 'GitHub requests the code owners itself' };
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

  async function getReviews(repo: string, number: number): Promise<Review[]> {
    const r = splitRepo(repo);
    const reviews = await call('reading reviews', repo, async () => octokit.paginate(octokit.rest.pulls.listReviews, { ...r, pull_number: number, per_page: 100 }));
    return reviews.map((rv) => ({ id: rv.id, url: rv.html_url, user: rv.user?.login ?? null, state: rv.state, commitId: rv.commit_id ?? null, submittedAt: rv.submitted_at ?? null }));
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

  return { findPr, openPr, requestReviewers, addLabels, getReviews, listPrFiles, getPr, getMergeability, mergePr, closePr, commentOnPr, readCodeowners, openRevertPr };
}
