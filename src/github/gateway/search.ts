import type { GatewayContext } from './context.js';
import { toRepo, type RawRepo, type RepoInfo } from './repos.js';

/**
 * GitHub's search: repositories (`GET /search/repositories`) and code (`GET /search/code`), every
 * page up to GitHub's cap of 1,000 results. Octokit's throttling spaces search requests for the
 * search limit (30 a minute) and createOctokit spaces code search for its own (10 a minute).
 */

/** GitHub answers at most the first 1,000 results of a search. */
export const SEARCH_CAP = 1000;
const PER_PAGE = 100;

export interface RepoSearchResult {
  repos: RepoInfo[];
  /** GitHub's `total_count`: more than `repos.length` when the cap cut the answer. */
  total: number;
  /** GitHub's search timed out on some of its shards: results may be missing. */
  incomplete: boolean;
}

export interface CodeSearchResult {
  /** The files found, with their repository. */
  files: { repo: string; path: string }[];
  /** The repositories that hold at least one, in the order first found. */
  repos: string[];
  total: number;
  incomplete: boolean;
}

export interface SearchGateway {
  /** Every repository a repository search finds (up to GitHub's 1,000). */
  searchRepos(query: string): Promise<RepoSearchResult>;
  /** Every file a code search finds (up to GitHub's 1,000). */
  searchCode(query: string): Promise<CodeSearchResult>;
}

export function createSearch(context: GatewayContext): SearchGateway {
  const { octokit, call } = context;

  async function searchRepos(query: string): Promise<RepoSearchResult> {
    const repos: RepoInfo[] = [];
    let total = 0;
    let incomplete = false;
    for (let page = 1; (page - 1) * PER_PAGE < SEARCH_CAP; page++) {
      const data = await call(`searching repositories for "${query}"`, undefined, async () => (await octokit.rest.search.repos({ q: query, per_page: PER_PAGE, page })).data);
      total = data.total_count;
      incomplete ||= data.incomplete_results;
      repos.push(...data.items.map((item) => toRepo(item as RawRepo)));
      if (data.items.length < PER_PAGE || repos.length >= Math.min(total, SEARCH_CAP)) break;
    }
    return { repos, total, incomplete };
  }

  async function searchCode(query: string): Promise<CodeSearchResult> {
    const files: { repo: string; path: string }[] = [];
    let total = 0;
    let incomplete = false;
    for (let page = 1; (page - 1) * PER_PAGE < SEARCH_CAP; page++) {
      const data = await call(`searching code for "${query}"`, undefined, async () => (await octokit.rest.search.code({ q: query, per_page: PER_PAGE, page })).data);
      total = data.total_count;
      incomplete ||= data.incomplete_results;
      files.push(...data.items.map((item) => ({ repo: item.repository.full_name, path: item.path })));
      if (data.items.length < PER_PAGE || files.length >= Math.min(total, SEARCH_CAP)) break;
    }
    return { files, repos: [...new Set(files.map((f) => f.repo))], total, incomplete };
  }

  return { searchRepos, searchCode };
}
