import type { Renderer } from './render.js';
import type { Route, RouteRequest, RouteResult } from './routes.js';
import { failHttp, type RepoRecord, type World } from './state.js';
import { paginate } from './paginate.js';

/**
 * GitHub's search API as the fake serves it: `GET /search/repositories` and `GET /search/code`
 * over the world's repositories, with the qualifiers Fleet uses (org:, user:, repo:, topic:,
 * language:, fork:, archived:, is:, in:, filename:, path:, extension:), GitHub's cap of 1,000
 * results, its pagination, `incomplete_results`, and search's own rate limits (30 requests a
 * minute, 10 for code search), kept apart from the core limit.
 */

/** GitHub answers at most the first 1,000 results of a search. */
export const SEARCH_RESULT_CAP = 1000;
/** The longest query GitHub accepts. */
const MAX_QUERY = 256;
/** Legacy code search indexes files up to 384 KB. */
const CODE_FILE_LIMIT = 384 * 1024;
/** Requests a minute: search and code search (GitHub's limits for an authenticated client). */
export const SEARCH_LIMITS = { search: 30, code_search: 10 } as const;
export type SearchResource = keyof typeof SEARCH_LIMITS;
const WINDOW_MS = 60_000;
const DOCS = 'https://docs.github.com/rest/search/search';

interface Term {
  key: string | null;
  value: string;
  negated: boolean;
}

/**
 * A search query split as GitHub splits it: `key:value` qualifiers (a value may be quoted),
 * `-key:value` negations, and free text (a quoted phrase is one term).
 *
 * @example parseSearchQuery('lodash in:file org:acme -topic:"legacy app"') // [{ key: null, value: 'lodash', negated: false }, { key: 'in', … }, …]
 */
export function parseSearchQuery(q: string): Term[] {
  const terms: Term[] = [];
  const pattern = /(-?)(?:([A-Za-z_]+):)?(?:"([^"]*)"|(\S+))/g;
  for (const match of q.matchAll(pattern)) {
    const [, minus, key, quoted, bare] = match;
    const value = quoted ?? bare ?? '';
    if (!key && (value === 'AND' || value === 'OR' || value === 'NOT')) continue;
    terms.push({ key: key ? key.toLowerCase() : null, value, negated: minus === '-' });
  }
  return terms;
}

function validationFailed(message: string): never {
  failHttp(422, 'Validation Failed', [{ message, resource: 'Search', field: 'q', code: 'invalid' }]);
}

function readQuery(request: RouteRequest): Term[] {
  const q = request.query.get('q');
  if (q === null || q.trim() === '') failHttp(422, 'Validation Failed', [{ resource: 'Search', field: 'q', code: 'missing' }]);
  if (q.length > MAX_QUERY) validationFailed(`The search is longer than ${MAX_QUERY} characters.`);
  return parseSearchQuery(q);
}

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether a repository passes the scope and repository qualifiers both searches share. */
function repoQualifiers(repo: RepoRecord, terms: readonly Term[], forksByDefault: boolean): boolean {
  let forks: 'true' | 'only' | 'false' = forksByDefault ? 'true' : 'false';
  const scopes = terms.filter((t) => !t.negated && (t.key === 'org' || t.key === 'user' || t.key === 'repo'));
  if (scopes.length > 0 && !scopes.some((t) => (t.key === 'repo' ? eq(t.value, `${repo.owner}/${repo.name}`) : eq(t.value, repo.owner)))) return false;
  for (const t of terms) {
    const key = t.key;
    if (key === 'org' || key === 'user' || key === 'repo') {
      // A negated scope names what to leave out.
      if (t.negated && eq(t.value, key === 'repo' ? `${repo.owner}/${repo.name}` : repo.owner)) return false;
      continue;
    }
    if (key === 'fork') {
      const value = t.value.toLowerCase();
      if (!t.negated && (value === 'true' || value === 'only' || value === 'false')) forks = value;
      continue;
    }
    let hit: boolean | undefined;
    if (key === 'topic') hit = repo.topics.some((topic) => eq(topic, t.value));
    else if (key === 'language') hit = repo.language !== null && eq(repo.language, t.value);
    else if (key === 'archived') hit = repo.archived === (t.value.toLowerCase() === 'true');
    // The fake's repositories are all private, as an organisation's usually are.
    else if (key === 'is') hit = t.value === 'private' ? true : t.value === 'public' ? false : t.value === 'archived' ? repo.archived : t.value === 'fork' ? repo.fork : undefined;
    if (hit === undefined) continue;
    if (t.negated ? hit : !hit) return false;
  }
  if (forks === 'false' && repo.fork) return false;
  if (forks === 'only' && !repo.fork) return false;
  return true;
}

/** The repository's default-branch files as GitHub's index sees them (path → text). */
function defaultBranchFiles(world: World, repo: RepoRecord): Map<string, { sha: string; text: string; size: number }> {
  const out = new Map<string, { sha: string; text: string; size: number }>();
  const head = world.resolveCommit(repo, repo.defaultBranch);
  const commit = head ? world.objects.get(head) : undefined;
  if (commit?.type !== 'commit') return out;
  for (const [path, entry] of world.objects.flatten(commit.tree)) {
    const blob = world.objects.get(entry.sha);
    if (blob?.type !== 'blob') continue;
    out.set(path, { sha: entry.sha, text: blob.content.toString('utf8'), size: blob.content.length });
  }
  return out;
}

/** `path:` names a directory: the file is in it or below it; `path:/` is the repository's root. */
function inDirectory(path: string, dir: string): boolean {
  const wanted = dir.replace(/^\/+|\/+$/g, '');
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  if (wanted === '') return parent === '';
  return parent === wanted || parent.startsWith(`${wanted}/`) || path === wanted;
}

function textTerms(terms: readonly Term[]): Term[] {
  const known = new Set(['org', 'user', 'repo', 'topic', 'language', 'fork', 'archived', 'is', 'in', 'filename', 'path', 'extension', 'size', 'stars', 'pushed', 'created']);
  return terms.filter((t) => t.key === null || !known.has(t.key)).map((t) => (t.key === null ? t : { ...t, value: `${t.key}:${t.value}`, key: null }));
}

/**
 * Slices search results by `per_page` (≤ 100) and `page` within GitHub's first 1,000, with its
 * `Link` header; a page past them is GitHub's 422.
 */
function searchPage<T>(items: readonly T[], request: RouteRequest): { page: T[]; headers: Record<string, string> } {
  const { page, headers, perPage, pageNumber } = paginate(items, request, { cap: SEARCH_RESULT_CAP });
  if ((pageNumber - 1) * perPage >= SEARCH_RESULT_CAP && pageNumber > 1) failHttp(422, `Only the first ${SEARCH_RESULT_CAP} search results are available`);
  return { page, headers };
}

export interface SearchOptions {
  /** When true, every search answers `incomplete_results: true` (GitHub's search timed out). */
  incomplete?: () => boolean;
}

/**
 * Registers the two search routes on the fake's route table.
 *
 * @example addSearchRoutes(add, world, render)
 */
export function addSearchRoutes(add: (method: Route['method'], template: string, handle: Route['handle']) => void, world: World, render: Renderer, options: SearchOptions = {}): void {
  const incomplete = (): boolean => options.incomplete?.() === true;
  const allRepos = (): RepoRecord[] => [...world.repos.values()].sort((a, b) => `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`));

  add('GET', '/search/repositories', (request): RouteResult => {
    const terms = readQuery(request);
    const text = textTerms(terms);
    const where = terms.filter((t) => t.key === 'in').flatMap((t) => t.value.toLowerCase().split(','));
    const fields = where.length > 0 ? where : ['name', 'description', 'topics'];
    const matches = allRepos().filter((repo) => {
      if (!repoQualifiers(repo, terms, false)) return false;
      return text.every((t) => {
        const needle = t.value.toLowerCase();
        const hay = [
          ...(fields.includes('name') ? [repo.name] : []),
          ...(fields.includes('description') ? [repo.description ?? ''] : []),
          ...(fields.includes('topics') ? repo.topics : []),
          ...(fields.includes('readme') ? [defaultBranchFiles(world, repo).get('README.md')?.text ?? ''] : []),
        ].map((s) => s.toLowerCase());
        const found = hay.some((s) => s.includes(needle));
        return t.negated ? !found : found;
      });
    });
    const { page, headers } = searchPage(matches, request);
    return { status: 200, body: { total_count: matches.length, incomplete_results: incomplete(), items: page.map((repo) => ({ ...render.repo(repo), score: 1 })) }, headers };
  });

  add('GET', '/search/code', (request): RouteResult => {
    const terms = readQuery(request);
    const text = textTerms(terms);
    if (!terms.some((t) => !t.negated && (t.key === 'org' || t.key === 'user' || t.key === 'repo'))) validationFailed('Must include at least one user, organization, or repository');
    if (text.filter((t) => !t.negated).length === 0) validationFailed('Must include at least one search term');
    const where = terms.filter((t) => t.key === 'in').flatMap((t) => t.value.toLowerCase().split(','));
    const inFile = where.length === 0 || where.includes('file');
    const inPath = where.length === 0 || where.includes('path');
    const filenames = terms.filter((t) => t.key === 'filename');
    const paths = terms.filter((t) => t.key === 'path');
    const extensions = terms.filter((t) => t.key === 'extension');
    const languages = terms.filter((t) => t.key === 'language');
    const items: Record<string, unknown>[] = [];
    // Code search's own qualifiers are the file's; language names the file's language, not the repository's.
    const repoTerms = terms.filter((t) => t.key !== 'language');
    for (const repo of allRepos()) {
      if (!repoQualifiers(repo, repoTerms, false)) continue;
      const head = world.resolveCommit(repo, repo.defaultBranch);
      for (const [path, file] of defaultBranchFiles(world, repo)) {
        if (file.size > CODE_FILE_LIMIT) continue;
        const name = path.split('/').at(-1) ?? path;
        const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
        if (!filenames.every((t) => eq(name, t.value) !== t.negated)) continue;
        if (!paths.every((t) => inDirectory(path, t.value) !== t.negated)) continue;
        if (!extensions.every((t) => eq(ext, t.value.replace(/^\./, '')) !== t.negated)) continue;
        if (!languages.every((t) => (repo.language !== null && eq(repo.language, t.value)) !== t.negated)) continue;
        const content = file.text.toLowerCase();
        const ok = text.every((t) => {
          const needle = t.value.toLowerCase();
          const found = (inFile && content.includes(needle)) || (inPath && path.toLowerCase().includes(needle));
          return t.negated ? !found : found;
        });
        if (!ok) continue;
        const base = render.repoUrl(repo.owner, repo.name);
        items.push({
          name,
          path,
          sha: file.sha,
          url: `${base}/contents/${path}?ref=${head ?? repo.defaultBranch}`,
          git_url: `${base}/git/blobs/${file.sha}`,
          html_url: `${base.replace('/repos/', '/')}/blob/${head ?? repo.defaultBranch}/${path}`,
          repository: render.repo(repo),
          score: 1,
        });
      }
    }
    const { page, headers } = searchPage(items, request);
    return { status: 200, body: { total_count: items.length, incomplete_results: incomplete(), items: page }, headers };
  });
}

/**
 * Search's own rate limits, per token identity and per resource (`search`, `code_search`), in
 * one-minute windows as GitHub counts them. `take` counts a request, or says it is over the limit,
 * with the `x-ratelimit-*` headers GitHub sends for the resource.
 */
export function createSearchLimits(now: () => number, limits: Record<SearchResource, number> = SEARCH_LIMITS) {
  const windows = new Map<string, { start: number; used: number }>();
  const windowOf = (resource: SearchResource, login: string) => {
    const key = `${resource}:${login}`;
    const at = now();
    let w = windows.get(key);
    if (!w || at >= w.start + WINDOW_MS) {
      w = { start: at, used: 0 };
      windows.set(key, w);
    }
    return w;
  };
  const headersOf = (resource: SearchResource, w: { start: number; used: number }): Record<string, string> => ({
    'x-ratelimit-limit': String(limits[resource]),
    'x-ratelimit-remaining': String(Math.max(0, limits[resource] - w.used)),
    'x-ratelimit-used': String(w.used),
    'x-ratelimit-reset': String(Math.ceil((w.start + WINDOW_MS) / 1000)),
    'x-ratelimit-resource': resource,
  });
  return {
    /** The resource a route counts against, or undefined for a route that is not search. */
    resourceOf(template: string): SearchResource | undefined {
      if (template === '/search/code') return 'code_search';
      return template.startsWith('/search/') ? 'search' : undefined;
    },
    take(resource: SearchResource, login: string): { ok: true; headers: Record<string, string> } | { ok: false; status: 403; body: Record<string, unknown>; headers: Record<string, string> } {
      const w = windowOf(resource, login);
      if (w.used >= limits[resource]) {
        return { ok: false, status: 403, body: { message: `API rate limit exceeded for user ${login}.`, documentation_url: `${DOCS}#rate-limit`, status: '403' }, headers: headersOf(resource, w) };
      }
      w.used += 1;
      return { ok: true, headers: headersOf(resource, w) };
    },
    /** The `/rate_limit` entry of a resource. */
    status(resource: SearchResource, login: string): { limit: number; used: number; remaining: number; reset: number } {
      const w = windowOf(resource, login);
      return { limit: limits[resource], used: w.used, remaining: Math.max(0, limits[resource] - w.used), reset: Math.ceil((w.start + WINDOW_MS) / 1000) };
    },
  };
}
export type SearchLimits = ReturnType<typeof createSearchLimits>;
