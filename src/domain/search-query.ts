/**
 * What a GitHub search query is scoped to: its `org:`, `user:` and `repo:` qualifiers (a negated
 * one, `-org:x`, leaves out rather than scopes). Pure; spec validation and FLEET_ORGS checks use it.
 */

export interface SearchScopes {
  /** Accounts named by `org:` and `user:`. */
  accounts: string[];
  /** Repositories named by `repo:owner/name`. */
  repos: string[];
}

const QUALIFIER = /(^|\s)(-?)(org|user|repo):(?:"([^"]*)"|(\S+))/gi;

/**
 * @example searchScopes('topic:node org:acme repo:globex/shop') // { accounts: ['acme'], repos: ['globex/shop'] }
 */
export function searchScopes(query: string): SearchScopes {
  const accounts: string[] = [];
  const repos: string[] = [];
  for (const match of query.matchAll(QUALIFIER)) {
    if (match[2] === '-') continue;
    const value = match[4] ?? match[5] ?? '';
    if (match[3].toLowerCase() === 'repo') repos.push(value);
    else accounts.push(value);
  }
  return { accounts, repos };
}

/** The owners a query's scopes reach: its accounts and the owners of its repositories. */
export function scopeOwners(query: string): string[] {
  const { accounts, repos } = searchScopes(query);
  return [...new Set([...accounts, ...repos.map((r) => r.split('/')[0] ?? r)])];
}
