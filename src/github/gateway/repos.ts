import { splitRepo, type GatewayContext } from './context.js';
import { toMergeSettings, type RawMergeSettings, type RepoMergeSettings } from './merging.js';

/** Repositories and targets: what a campaign's target list is built from, and branch heads. */

export interface RepoInfo {
  fullName: string;
  defaultBranch: string;
  archived: boolean;
  topics: string[];
  language: string | null;
  /** The repository deletes head branches itself after a merge. */
  deleteBranchOnMerge: boolean;
  /** A fork of another repository: left out of targets unless the spec asks for forks (absent: not known to be one). */
  fork?: boolean;
  /** The merge methods it allows, auto-merge and update-branch (GitHub's defaults where a listing leaves them out; always set by the gateway). */
  merge?: RepoMergeSettings;
}

export interface RepoGateway {
  listOrgRepos(query: { org: string; topics?: readonly string[]; language?: string; includeArchived?: boolean }): Promise<RepoInfo[]>;
  getRepo(repo: string): Promise<RepoInfo | undefined>;
  getRepos(repos: readonly string[]): Promise<{ found: RepoInfo[]; missing: string[] }>;
  getBranchSha(repo: string, branch: string): Promise<string | undefined>;
}

/** The fields Fleet reads from GitHub's repository objects (both the full and the listed forms). */
export interface RawRepo extends RawMergeSettings {
  full_name: string;
  default_branch?: string | null;
  archived?: boolean | null;
  topics?: string[] | null;
  language?: string | null;
  delete_branch_on_merge?: boolean | null;
  fork?: boolean | null;
}

export function toRepo(r: RawRepo): RepoInfo {
  return {
    fullName: r.full_name,
    defaultBranch: r.default_branch ?? 'main',
    archived: r.archived === true,
    topics: Array.isArray(r.topics) ? r.topics : [],
    language: r.language ?? null,
    deleteBranchOnMerge: r.delete_branch_on_merge === true,
    fork: r.fork === true,
    merge: toMergeSettings(r),
  };
}

export function createRepos(context: GatewayContext): RepoGateway {
  const { octokit, call, callOrMissing } = context;

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

  return { listOrgRepos, getRepo, getRepos, getBranchSha };
}
