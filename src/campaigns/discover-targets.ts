import picomatch from 'picomatch';
import { cheapCheck } from '../changes/cheap-check.js';
import type { CampaignSpec, Containing } from '../domain/spec.js';
import { searchScopes } from '../domain/search-query.js';
import { plural } from '../domain/words.js';
import { FleetError, isFleetError } from '../errors.js';
import { SEARCH_CAP, type Gateway, type RepoInfo } from '../github/gateway.js';

/**
 * Which repositories a spec targets, and which of them need the change: an explicit list, an
 * organisation's repositories, or a GitHub repository search (`targets.query`), narrowed by code
 * search (`targets.containing`), with forks and archived repositories left out unless asked for;
 * then planning's cheap check (src/changes/cheap-check.ts) drops those that need no change.
 */

/** A repository planning left out, and why, for the preview and the start's event. */
export interface DroppedTarget {
  repo: string;
  reason: string;
}

/** Repositories read at once by the cheap check. */
const CHECK_CONCURRENCY = 4;

function matchesAny(globs: readonly string[], repo: string): boolean {
  return globs.some((g) => picomatch.isMatch(repo, g) || picomatch.isMatch(repo.split('/')[1] ?? repo, g));
}

/**
 * The repository search a spec's targets make: its query, `org:<org>` when `targets.org` is set,
 * and `fork:true` when forks are asked for (GitHub's repository search leaves them out).
 *
 * @example repoSearchQuery({ query: 'topic:node', org: 'acme', includeForks: false }) // 'topic:node org:acme'
 */
export function repoSearchQuery(t: Pick<CampaignSpec['targets'], 'query' | 'org' | 'includeForks'>): string {
  const query = t.query ?? '';
  return [query, t.org ? `org:${t.org}` : '', t.includeForks && !/(^|\s)fork:/i.test(query) ? 'fork:true' : ''].filter((s) => s !== '').join(' ');
}

/**
 * The code search of `targets.containing`, scoped to the given owners (`org:`) unless the raw
 * string names its own scope. A bare file name is at the root (`path:/`).
 *
 * @example codeSearchQuery({ path: 'package.json', text: 'lodash' }, ['acme'], false) // 'lodash filename:package.json path:/ org:acme'
 */
export function codeSearchQuery(containing: Containing, owners: readonly string[], includeForks: boolean): string {
  const parts: string[] = [];
  if (typeof containing === 'string') {
    parts.push(containing);
  } else {
    if (containing.text) parts.push(/\s/.test(containing.text) ? `"${containing.text}"` : containing.text);
    if (containing.path) {
      const slash = containing.path.lastIndexOf('/');
      parts.push(`filename:${containing.path.slice(slash + 1)}`, `path:${slash === -1 ? '/' : containing.path.slice(0, slash)}`);
    }
    if (containing.query) parts.push(containing.query);
  }
  const own = searchScopes(parts.join(' '));
  if (own.accounts.length === 0 && own.repos.length === 0) parts.push(...owners.map((o) => `org:${o}`));
  if (includeForks && !/(^|\s)fork:/i.test(parts.join(' '))) parts.push('fork:true');
  return parts.join(' ');
}

function describeContaining(containing: Containing): string {
  if (typeof containing === 'string') return `code search "${containing}" finds nothing in it`;
  const what = containing.text ? `"${containing.text}"` : `"${containing.query ?? ''}"`;
  return containing.path ? `its ${containing.path} does not mention ${what}` : `no file of it mentions ${what}`;
}

/**
 * The spec's target repositories, filtered by archived, forks, topics, language, include and
 * exclude, and by `containing`. Throws FleetError('not_found') when none of a listed set exists,
 * and when GitHub's search answers incompletely or past its cap (Fleet would miss repositories).
 */
export async function discoverTargets(gateway: Gateway, spec: CampaignSpec): Promise<{ repos: RepoInfo[]; dropped: DroppedTarget[] }> {
  const t = spec.targets;
  let repos: RepoInfo[];
  if (t.repos) {
    const { found, missing } = await gateway.getRepos(t.repos);
    if (missing.length > 0 && found.length === 0) {
      throw new FleetError('not_found', `None of the listed repositories were found (${missing.slice(0, 5).join(', ')}). Check the names in the spec's targets.repos.`, { missing });
    }
    repos = found;
  } else if (t.query) {
    const q = repoSearchQuery(t);
    const result = await gateway.searchRepos(q);
    if (result.incomplete) {
      throw new FleetError('github_error', `GitHub's repository search for "${q}" timed out before it had looked everywhere, so the targets would miss repositories; try again in a moment, or narrow targets.query.`, { retryable: true, query: q });
    }
    if (result.total > SEARCH_CAP) {
      throw new FleetError('bad_input', `The search "${q}" finds ${result.total} repositories, more than the ${SEARCH_CAP} GitHub's search returns; narrow targets.query (topic:, language:) or split the campaign.`, { query: q, total: result.total });
    }
    const language = t.language?.toLowerCase();
    repos = result.repos.filter((r) => t.topics.every((topic) => r.topics.includes(topic)) && (language === undefined || r.language?.toLowerCase() === language));
  } else {
    repos = await gateway.listOrgRepos({ org: t.org!, topics: t.topics, language: t.language, includeArchived: t.includeArchived });
  }
  // A listed repository is meant even when it is a fork: only selectors leave forks out.
  const selected = repos.filter(
    (r) => (t.includeArchived || !r.archived) && (t.includeForks || t.repos !== undefined || r.fork !== true) && (t.include.length === 0 || matchesAny(t.include, r.fullName)) && !matchesAny(t.exclude, r.fullName),
  );
  if (!t.containing || selected.length === 0) return { repos: selected, dropped: [] };
  const owners = [...new Set(selected.map((r) => r.fullName.split('/')[0] ?? r.fullName))];
  const q = codeSearchQuery(t.containing, owners, t.includeForks || t.repos !== undefined);
  const found = await gateway.searchCode(q);
  if (found.incomplete || found.total > SEARCH_CAP) {
    throw new FleetError(
      found.incomplete ? 'github_error' : 'bad_input',
      found.incomplete
        ? `GitHub's code search for "${q}" timed out before it had looked everywhere, so targets.containing would leave out repositories that need the change; try again in a moment.`
        : `The code search "${q}" finds ${found.total} files, more than the ${SEARCH_CAP} GitHub's search returns; narrow targets.containing (a path) or targets.query.`,
      { retryable: found.incomplete, query: q },
    );
  }
  const holding = new Set(found.repos.map((r) => r.toLowerCase()));
  const why = describeContaining(t.containing);
  return {
    repos: selected.filter((r) => holding.has(r.fullName.toLowerCase())),
    dropped: selected.filter((r) => !holding.has(r.fullName.toLowerCase())).map((r) => ({ repo: r.fullName, reason: why })),
  };
}

/**
 * Planning's cheap check: for a change that one file can judge, that file is read from each
 * repository's default branch (through the conditional-request cache) and the repositories that
 * need no change are dropped with the reason. A repository whose file cannot be read, or whose
 * verdict is unknown, is kept; a spent GitHub budget stops the check and keeps the rest.
 */
export async function dropUnchanged(gateway: Gateway, spec: CampaignSpec, repos: readonly RepoInfo[]): Promise<{ kept: RepoInfo[]; dropped: DroppedTarget[]; stoppedBy?: string }> {
  const check = cheapCheck(spec.change);
  if (!check) return { kept: [...repos], dropped: [] };
  const verdicts = new Map<string, string>();
  let stoppedBy: string | undefined;
  let next = 0;
  async function lane(): Promise<void> {
    while (next < repos.length && stoppedBy === undefined) {
      const repo = repos[next++];
      try {
        const head = await gateway.getBranchSha(repo.fullName, repo.defaultBranch);
        if (!head) continue;
        const verdict = check!.judge(await gateway.readFile(repo.fullName, head, check!.path));
        if (verdict.needsChange === false) verdicts.set(repo.fullName, verdict.reason);
      } catch (error) {
        if (isFleetError(error, 'budget_exhausted')) stoppedBy = `${error.message} The repositories not checked are kept.`;
        else if (!isFleetError(error, 'github_error')) throw error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(CHECK_CONCURRENCY, repos.length)) }, lane));
  return {
    kept: repos.filter((r) => !verdicts.has(r.fullName)),
    dropped: repos.filter((r) => verdicts.has(r.fullName)).map((r) => ({ repo: r.fullName, reason: verdicts.get(r.fullName)! })),
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}

/**
 * The refusal when planning dropped every repository the targets select.
 *
 * @example allDropped('bump-lodash', [{ repo: 'acme/a', reason: 'lodash is already at 4.17.21 in its package.json' }])
 */
export function allDropped(name: string, dropped: readonly DroppedTarget[]): FleetError {
  const shown = dropped.slice(0, 3).map((d) => `${d.repo}: ${d.reason}`).join('; ');
  return new FleetError('bad_input', `None of the ${plural(dropped.length, 'repository', 'repositories')} ${name} targets needs the change (${shown}${dropped.length > 3 ? '; …' : ''}). There is nothing to do.`, { dropped: dropped.slice(0, 50) });
}

/**
 * What the start event records of the repositories planning dropped: how many, and the first 50 with their reasons.
 *
 * @example summarizeDropped({ dropped: [{ repo: 'acme/a', reason: '…' }] }) // { dropped: 1, droppedRepos: [{ repo: 'acme/a', reason: '…' }] }
 */
export function summarizeDropped(selection: { dropped: readonly DroppedTarget[]; stoppedBy?: string }): Record<string, unknown> {
  if (selection.dropped.length === 0 && !selection.stoppedBy) return {};
  return { dropped: selection.dropped.length, droppedRepos: selection.dropped.slice(0, 50), ...(selection.stoppedBy ? { droppedStoppedBy: selection.stoppedBy } : {}) };
}
