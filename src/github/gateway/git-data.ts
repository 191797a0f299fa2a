import { createHash } from 'node:crypto';
import { FleetError } from '../../errors.js';
import { statusOf, toFleetError } from './errors.js';
import { splitRepo, type GatewayContext } from './context.js';
import type { RepoGateway } from './repos.js';

/** Git data: trees, blobs and files of a commit, and the commits and branches Fleet writes. */

export interface TreeEntry {
  path: string;
  sha: string;
  mode: string;
}

/**
 * A file to write (`content`, UTF-8 text), delete (`content: null`), restore from an existing blob
 * (`blobSha`), or write as bytes (`base64`: a binary file, written as a blob first). `mode` is git's
 * (100644, 100755, 120000 for a symbolic link whose content is its target).
 */
export type FileChange = { path: string; content: string | null; mode?: string } | { path: string; blobSha: string; mode?: string } | { path: string; base64: string; mode?: string };

export interface CommitResult {
  /** The commit the branch points at. */
  sha: string;
  /** The base branch head it was built on. */
  baseSha: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface CommitFacts {
  sha: string;
  treeSha: string;
  parents: string[];
  author: { name: string; email: string };
}

export interface GitDataGateway {
  /** Every file of a commit, recursively (paths and blob shas). */
  listTree(repo: string, commitSha: string): Promise<TreeEntry[]>;
  /** Reads blobs by sha; returns path → UTF-8 content. */
  readFiles(repo: string, entries: readonly { path: string; sha: string }[]): Promise<Map<string, string>>;
  /** One file through the contents API; undefined when it does not exist. */
  readFile(repo: string, ref: string, path: string): Promise<string | undefined>;
  /**
   * One commit on the base branch's head that changes `files`, on `branch`. With `lease`, the
   * branch must be at that sha (null: must not exist) or nothing is written and the error is
   * FleetError('branch_moved'); without it, the branch is moved whatever it holds.
   */
  commitFiles(input: { repo: string; baseBranch: string; branch: string; message: string; files: readonly FileChange[]; lease?: string | null }): Promise<CommitResult>;
  /** A commit's tree, parents and author. */
  readCommit(repo: string, commitSha: string): Promise<CommitFacts>;
  /** Deletes a branch; false when it was already gone. */
  deleteBranch(repo: string, branch: string): Promise<boolean>;
  /** Whether `sha` is `ancestor` or comes after it (GitHub's compare: identical or ahead); false when either is unknown. */
  containsCommit(repo: string, sha: string, ancestor: string): Promise<boolean>;
}

/** The git data area as the other areas see it: also a commit's parents, which the gateway does not offer. */
export interface GitData extends GitDataGateway {
  getCommitParents: (repo: string, commitSha: string) => Promise<string[]>;
}

/** Git's blob id for a text, so Fleet can tell whether a branch already holds its change without reading it. */
export function gitBlobSha(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function decodeBase64(content: string): string {
  return Buffer.from(content.replace(/\n/g, ''), 'base64').toString('utf8');
}

export function createGitData(context: GatewayContext, repos: Pick<RepoGateway, 'getBranchSha'>): GitData {
  const { octokit, now, call, callOrMissing } = context;
  const { getBranchSha } = repos;
  // Commits are immutable, so their trees can be remembered for the life of the gateway.
  const treeOfCommit = new Map<string, string>();

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
      if ('base64' in f) return got.status !== 'removed' && got.sha === gitBlobSha(Buffer.from(f.base64, 'base64'));
      if (f.content === null) return got.status === 'removed';
      return got.status !== 'removed' && got.sha === gitBlobSha(f.content);
    });
  }

  async function readCommit(repo: string, commitSha: string): Promise<CommitFacts> {
    const r = splitRepo(repo);
    const data = await call(`reading commit ${commitSha.slice(0, 7)}`, repo, async () => (await octokit.rest.git.getCommit({ ...r, commit_sha: commitSha })).data);
    treeOfCommit.set(commitSha, data.tree.sha);
    return { sha: data.sha, treeSha: data.tree.sha, parents: data.parents.map((p) => p.sha), author: { name: data.author.name ?? '', email: data.author.email ?? '' } };
  }

  async function commitFiles(input: { repo: string; baseBranch: string; branch: string; message: string; files: readonly FileChange[]; lease?: string | null }): Promise<CommitResult> {
    const { repo, baseBranch, branch } = input;
    const r = splitRepo(repo);
    const baseSha = await getBranchSha(repo, baseBranch);
    if (!baseSha) throw new FleetError('github_error', `${repo} has no branch ${baseBranch}; check the repository's default branch.`, { repo, status: 404, retryable: false });
    const branchSha = await getBranchSha(repo, branch);
    // Idempotency: a crash after the branch was written leaves it holding exactly this change on this base.
    if (branchSha && (await branchHolds(repo, baseSha, branchSha, input.files))) return { sha: branchSha, baseSha, action: 'unchanged' };
    if (input.lease !== undefined && (branchSha ?? null) !== input.lease) {
      throw new FleetError(
        'branch_moved',
        `${branch} in ${repo} is at ${branchSha ? branchSha.slice(0, 7) : 'nothing (deleted)'}, not at ${input.lease ? input.lease.slice(0, 7) : 'nothing'} as Fleet left it: someone else changed it, so Fleet does not overwrite it.`,
        { repo, branch, expected: input.lease, found: branchSha ?? null, retryable: false },
      );
    }

    const baseTree = await getTreeSha(repo, baseSha);
    const tree: { path: string; mode: '100644'; type: 'blob'; sha?: string | null; content?: string }[] = [];
    for (const f of input.files) {
      const mode = (f.mode ?? '100644') as '100644';
      if ('blobSha' in f) tree.push({ path: f.path, mode, type: 'blob', sha: f.blobSha });
      else if ('base64' in f) {
        // Bytes that are not UTF-8 cannot travel as a tree entry's content: they go as a blob first.
        const blob = await call(`writing ${f.path}`, repo, async () => (await octokit.rest.git.createBlob({ ...r, content: f.base64, encoding: 'base64' })).data);
        tree.push({ path: f.path, mode, type: 'blob', sha: blob.sha });
      } else if (f.content === null) tree.push({ path: f.path, mode, type: 'blob', sha: null });
      else tree.push({ path: f.path, mode, type: 'blob', content: f.content });
    }
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
      if (input.lease !== undefined) throw new FleetError('branch_moved', `${branch} appeared in ${repo} while Fleet was creating it: someone else made it, so Fleet does not overwrite it.`, { repo, branch, expected: null, retryable: false });
      await call(`updating branch ${branch}`, repo, async () => octokit.rest.git.updateRef({ ...r, ref: `heads/${branch}`, sha: commit.sha, force: true }));
      return { sha: commit.sha, baseSha, action: 'updated' };
    }
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

  async function containsCommit(repo: string, sha: string, ancestor: string): Promise<boolean> {
    if (sha === ancestor) return true;
    const r = splitRepo(repo);
    // One commit of the list is enough: only the status is read.
    const data = await callOrMissing(`comparing ${ancestor.slice(0, 7)} with ${sha.slice(0, 7)}`, repo, async () => (await octokit.rest.repos.compareCommitsWithBasehead({ ...r, basehead: `${ancestor}...${sha}`, per_page: 1 })).data);
    return data?.status === 'ahead' || data?.status === 'identical';
  }

  return { listTree, readFiles, readFile, commitFiles, readCommit, deleteBranch, getCommitParents, containsCommit };
}
