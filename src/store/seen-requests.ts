import type { Db } from './database.js';
import { createStatementCache } from './sql.js';

/**
 * The `seen_requests` table: keys of Slack requests already accepted, so a replay of one is
 * refused. A key is a request's `X-Slack-Signature`, or `event:<event_id>` for an Events API
 * delivery (whose retries carry a new signature). Rows past their expiry are pruned on each claim.
 */

/**
 * Seen Slack requests.
 *
 * @example const seen = createSeenRequestRepository(db); if (!seen.claim(signature, now + 300_000, now)) refuse();
 */
export function createSeenRequestRepository(db: Db) {
  const prep = createStatementCache(db);
  const claimOnce = db.transaction((key: string, expiresAt: number, now: number): boolean => {
    prep('DELETE FROM seen_requests WHERE expires_at <= ?').run(now);
    return prep('INSERT INTO seen_requests (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, expiresAt).changes === 1;
  });

  return {
    /**
     * Records `key` until `expiresAt` (ms) unless it is already recorded and unexpired at `now`;
     * true when this call recorded it. One IMMEDIATE transaction, so two processes sharing the file
     * cannot both claim the same key.
     */
    claim(key: string, expiresAt: number, now: number): boolean {
      return claimOnce.immediate(key, expiresAt, now);
    },
  };
}

export type SeenRequestRepository = ReturnType<typeof createSeenRequestRepository>;
