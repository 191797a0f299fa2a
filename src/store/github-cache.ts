import type { Db } from './database.js';
import { createStatementCache, type Row } from './sql.js';

/**
 * GitHub's cache and budget: `http_cache` (conditional requests), `github_rate` (the last rate-limit
 * headers per resource), `github_writes` (content-creating requests, for pacing),
 * `github_requests` (requests per day, for the digest) and `github_deliveries` (webhooks handled).
 */

export interface HttpCacheEntry {
  key: string;
  etag: string | null;
  lastModified: string | null;
  status: number;
  body: string;
  updatedAt: number;
}

export interface RateRecord {
  resource: string;
  limit: number;
  remaining: number;
  resetAt: number;
  updatedAt: number;
  /** Whose budget: `installation:<id>` for one of a GitHub App's installations; unset for the one budget of a token or a single installation. */
  budget?: string;
}

/** The key a rate record is kept under: the resource, with the budget after an `@` when there is one. */
function rateKey(resource: string, budget: string | undefined): string {
  return budget ? `${resource}@${budget}` : resource;
}

function toRate(row: Row): RateRecord {
  const [resource = '', budget] = (row.resource as string).split('@');
  return { resource, limit: row.lim as number, remaining: row.remaining as number, resetAt: row.reset_at as number, updatedAt: row.updated_at as number, ...(budget ? { budget } : {}) };
}

/**
 * Cached GitHub responses by request key.
 *
 * @example const cache = createHttpCacheRepository(db); cache.get('GET /repos/o/r')?.etag;
 */
export function createHttpCacheRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
    get(key: string): HttpCacheEntry | undefined {
      const row = prep('SELECT * FROM http_cache WHERE key = ?').get(key) as Row | undefined;
      if (!row) return undefined;
      return {
        key: row.key as string,
        etag: (row.etag as string | null) ?? null,
        lastModified: (row.last_modified as string | null) ?? null,
        status: row.status as number,
        body: row.body as string,
        updatedAt: row.updated_at as number,
      };
    },
    put(e: HttpCacheEntry): void {
      prep(
        `INSERT INTO http_cache (key, etag, last_modified, status, body, updated_at) VALUES (@key, @etag, @lastModified, @status, @body, @updatedAt)
         ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, status = excluded.status,
           body = excluded.body, updated_at = excluded.updated_at`,
      ).run(e);
    },
    delete(key: string): void {
      prep('DELETE FROM http_cache WHERE key = ?').run(key);
    },
  };
}

/**
 * The shared GitHub budget: rate limits, write pacing, request counts and webhook deliveries.
 *
 * @example const github = createGitHubBudgetRepository(db); github.writesSince(Date.now() - 60_000);
 */
export function createGitHubBudgetRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
    recordRate(r: RateRecord): void {
      prep(
        `INSERT INTO github_rate (resource, lim, remaining, reset_at, updated_at) VALUES (@resource, @limit, @remaining, @resetAt, @updatedAt)
         ON CONFLICT (resource) DO UPDATE SET lim = excluded.lim, remaining = excluded.remaining, reset_at = excluded.reset_at, updated_at = excluded.updated_at`,
      ).run({ resource: rateKey(r.resource, r.budget), limit: r.limit, remaining: r.remaining, resetAt: r.resetAt, updatedAt: r.updatedAt });
    },
    /**
     * The last rate record of a resource for a budget; without a budget, the one budget of a token
     * (or single installation) or else the tightest of the installations' (least remaining).
     */
    rate(resource = 'core', budget?: string): RateRecord | undefined {
      const row = (
        budget !== undefined
          ? prep('SELECT * FROM github_rate WHERE resource = ?').get(rateKey(resource, budget))
          : prep("SELECT * FROM github_rate WHERE resource = ? OR resource LIKE ? ESCAPE '\\' ORDER BY resource = ? DESC, remaining ASC LIMIT 1").get(resource, `${resource.replace(/[\\%_]/g, (c) => `\\${c}`)}@%`, resource)
      ) as Row | undefined;
      return row ? toRate(row) : undefined;
    },
    /** Every budget's last record of a resource (one per installation of a GitHub App). */
    rates(resource = 'core'): RateRecord[] {
      const rows = prep("SELECT * FROM github_rate WHERE resource = ? OR resource LIKE ? ESCAPE '\\' ORDER BY resource").all(resource, `${resource.replace(/[\\%_]/g, (c) => `\\${c}`)}@%`) as Row[];
      return rows.map(toRate);
    },
    recordWrite(route: string, at: number, budget = ''): void {
      prep('INSERT INTO github_writes (at, route, budget) VALUES (?, ?, ?)').run(at, route, budget);
    },
    /** Content-creating requests since a time, in one budget ('' is the one budget of a token or single installation). */
    writesSince(since: number, budget = ''): number {
      return (prep('SELECT COUNT(*) AS n FROM github_writes WHERE budget = ? AND at >= ?').get(budget, since) as { n: number }).n;
    },
    /** The time the oldest write inside the window was made (to know when pacing frees a slot). */
    oldestWriteSince(since: number, budget = ''): number | undefined {
      const row = prep('SELECT MIN(at) AS at FROM github_writes WHERE budget = ? AND at >= ?').get(budget, since) as { at: number | null };
      return row.at ?? undefined;
    },
    pruneWrites(before: number): void {
      prep('DELETE FROM github_writes WHERE at < ?').run(before);
    },
    countRequest(day: string, notModified: boolean): void {
      prep(
        `INSERT INTO github_requests (day, counted, not_modified) VALUES (@day, @counted, @nm)
         ON CONFLICT (day) DO UPDATE SET counted = counted + excluded.counted, not_modified = not_modified + excluded.not_modified`,
      ).run({ day, counted: notModified ? 0 : 1, nm: notModified ? 1 : 0 });
    },
    /** Records a webhook delivery id; false when it was already handled (a redelivery). */
    claimDelivery(id: string, event: string, at: number): boolean {
      return prep('INSERT INTO github_deliveries (id, event, at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING').run(id, event, at).changes === 1;
    },
    requestsOn(day: string): { counted: number; notModified: number } {
      const row = prep('SELECT counted, not_modified FROM github_requests WHERE day = ?').get(day) as { counted: number; not_modified: number } | undefined;
      return { counted: row?.counted ?? 0, notModified: row?.not_modified ?? 0 };
    },
  };
}

export type HttpCacheRepository = ReturnType<typeof createHttpCacheRepository>;
export type GitHubBudgetRepository = ReturnType<typeof createGitHubBudgetRepository>;
