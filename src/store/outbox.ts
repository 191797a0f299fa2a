import type { Db } from './database.js';
import { createStatementCache, parseJson, type Row } from './sql.js';

/**
 * The `outbox` table: Slack calls written in the same transaction as the state change they
 * report, then delivered by the notify job. Its columns are known only to this file.
 */

export type OutboxMethod = 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'views.publish';
export type OutboxState = 'pending' | 'sending' | 'sent' | 'dead';

export interface OutboxRecord {
  id: number;
  campaignId: string | null;
  channel: string;
  method: OutboxMethod;
  threadOf: string | null;
  payload: Record<string, unknown>;
  coalesceKey: string | null;
  state: OutboxState;
  attempts: number;
  notBefore: number;
  lastError: string | null;
  resultTs: string | null;
  createdAt: number;
  sentAt: number | null;
}

export interface NewOutboxMessage {
  campaignId?: string | null;
  channel: string;
  method: OutboxMethod;
  /** 'root' threads the message under the campaign's root message once it is known. */
  threadOf?: string | null;
  payload: Record<string, unknown>;
  /** A pending message with the same key is replaced by this one (used for root-message updates). */
  coalesceKey?: string | null;
  notBefore?: number;
  now: number;
}

function toOutbox(r: Row): OutboxRecord {
  return {
    id: r.id as number,
    campaignId: (r.campaign_id as string | null) ?? null,
    channel: r.channel as string,
    method: r.method as OutboxMethod,
    threadOf: (r.thread_of as string | null) ?? null,
    payload: parseJson(r.payload_json),
    coalesceKey: (r.coalesce_key as string | null) ?? null,
    state: r.state as OutboxState,
    attempts: r.attempts as number,
    notBefore: r.not_before as number,
    lastError: (r.last_error as string | null) ?? null,
    resultTs: (r.result_ts as string | null) ?? null,
    createdAt: r.created_at as number,
    sentAt: (r.sent_at as number | null) ?? null,
  };
}

/**
 * Outbox rows.
 *
 * @example const outbox = createOutboxRepository(db); for (const m of outbox.ready(Date.now(), 20)) outbox.markSending(m.id);
 */
export function createOutboxRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
    /** Queues a message. A pending message with the same coalesce key is replaced (root updates). */
    enqueue(m: NewOutboxMessage): number {
      if (m.coalesceKey) {
        prep(`DELETE FROM outbox WHERE coalesce_key = ? AND state = 'pending'`).run(m.coalesceKey);
      }
      const info = prep(
        `INSERT INTO outbox (campaign_id, channel, method, thread_of, payload_json, coalesce_key, not_before, created_at)
         VALUES (@campaignId, @channel, @method, @threadOf, @payload, @coalesceKey, @notBefore, @now)`,
      ).run({
        campaignId: m.campaignId ?? null,
        channel: m.channel,
        method: m.method,
        threadOf: m.threadOf ?? null,
        payload: JSON.stringify(m.payload),
        coalesceKey: m.coalesceKey ?? null,
        notBefore: m.notBefore ?? 0,
        now: m.now,
      });
      return Number(info.lastInsertRowid);
    },
    get(id: number): OutboxRecord | undefined {
      const row = prep('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
      return row ? toOutbox(row) : undefined;
    },
    /** Messages ready to send, oldest first (a 'sending' one was interrupted by a crash). */
    ready(now: number, limit: number): OutboxRecord[] {
      return (
        prep(`SELECT * FROM outbox WHERE state IN ('pending','sending') AND not_before <= ? ORDER BY id LIMIT ?`).all(now, limit) as Row[]
      ).map(toOutbox);
    },
    list(filter: { campaignId?: string; state?: OutboxState } = {}): OutboxRecord[] {
      return (prep('SELECT * FROM outbox ORDER BY id').all() as Row[])
        .map(toOutbox)
        .filter((m) => (filter.campaignId === undefined || m.campaignId === filter.campaignId) && (filter.state === undefined || m.state === filter.state));
    },
    markSending(id: number): boolean {
      return prep(`UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state IN ('pending','sending')`).run(id).changes === 1;
    },
    markSent(id: number, ts: string | null, now: number): void {
      prep(`UPDATE outbox SET state = 'sent', result_ts = ?, sent_at = ?, last_error = NULL WHERE id = ?`).run(ts, now, id);
    },
    /** Puts a message back to wait until `notBefore` (429 Retry-After, 5xx backoff). */
    retryLater(id: number, notBefore: number, error: string): void {
      prep(`UPDATE outbox SET state = 'pending', not_before = ?, last_error = ? WHERE id = ?`).run(notBefore, error, id);
    },
    markDead(id: number, error: string, now: number): void {
      prep(`UPDATE outbox SET state = 'dead', last_error = ?, sent_at = ? WHERE id = ?`).run(error, now, id);
    },
    pendingCount(): number {
      return (prep(`SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending','sending')`).get() as { n: number }).n;
    },
    /** When a message with this coalesce key was last sent (to pace root-message updates across runs). */
    lastSentAt(coalesceKey: string): number | undefined {
      const row = prep(`SELECT MAX(sent_at) AS at FROM outbox WHERE coalesce_key = ? AND state = 'sent'`).get(coalesceKey) as { at: number | null };
      return row.at ?? undefined;
    },
    /** When a message was last posted to a channel (to pace posts across notify runs). */
    lastPostedAt(channel: string): number | undefined {
      const row = prep(`SELECT MAX(sent_at) AS at FROM outbox WHERE channel = ? AND method = 'chat.postMessage' AND state = 'sent'`).get(channel) as { at: number | null };
      return row.at ?? undefined;
    },
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
