import { Notification } from '../domain/notifications.js';
import type { Db } from './database.js';
import { createStatementCache, type Row } from './sql.js';

/**
 * The `outbox` table: notification records (what happened, `domain/notifications.ts`) written in
 * the same transaction as the state change they report, then rendered and delivered by the
 * notify job. Its columns are known only to this file.
 */

export type OutboxState = 'pending' | 'sending' | 'sent' | 'dead';
/** How a delivered notification reached the chat: a new message, an edit, an ephemeral, a published view. */
export type DeliveredAs = 'post' | 'update' | 'ephemeral' | 'publish';

export interface OutboxRecord {
  id: number;
  campaignId: string | null;
  channel: string;
  /** The notification's kind, as stored (also when the record does not read back as valid). */
  kind: string;
  /** The notification; null when the stored JSON is not a valid notification (delivery gives it up). */
  record: Notification | null;
  threadOf: string | null;
  coalesceKey: string | null;
  state: OutboxState;
  attempts: number;
  notBefore: number;
  lastError: string | null;
  deliveredAs: DeliveredAs | null;
  /** The chat message that carries it (Slack's ts), once delivered. */
  deliveredTs: string | null;
  createdAt: number;
  /** When it was delivered or given up. */
  settledAt: number | null;
}

export interface NewOutboxMessage {
  campaignId?: string | null;
  channel: string;
  /** 'root' threads the message under the campaign's root message once it is known. */
  threadOf?: string | null;
  record: Notification;
  /** A pending message with the same key is replaced by this one (used for root-message updates). */
  coalesceKey?: string | null;
  notBefore?: number;
  now: number;
}

function readRecord(text: unknown): Notification | null {
  if (typeof text !== 'string') return null;
  try {
    const parsed = Notification.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toOutbox(r: Row): OutboxRecord {
  return {
    id: r.id as number,
    campaignId: (r.campaign_id as string | null) ?? null,
    channel: r.channel as string,
    kind: r.kind as string,
    record: readRecord(r.record_json),
    threadOf: (r.thread_of as string | null) ?? null,
    coalesceKey: (r.coalesce_key as string | null) ?? null,
    state: r.state as OutboxState,
    attempts: r.attempts as number,
    notBefore: r.not_before as number,
    lastError: (r.last_error as string | null) ?? null,
    deliveredAs: (r.delivered_as as DeliveredAs | null) ?? null,
    deliveredTs: (r.delivered_ts as string | null) ?? null,
    createdAt: r.created_at as number,
    settledAt: (r.settled_at as number | null) ?? null,
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
    /** Queues a notification. A pending one with the same coalesce key is replaced (root updates). */
    enqueue(m: NewOutboxMessage): number {
      if (m.coalesceKey) {
        prep(`DELETE FROM outbox WHERE coalesce_key = ? AND state = 'pending'`).run(m.coalesceKey);
      }
      const record = Notification.parse(m.record);
      const info = prep(
        `INSERT INTO outbox (campaign_id, channel, kind, record_json, thread_of, coalesce_key, not_before, created_at)
         VALUES (@campaignId, @channel, @kind, @record, @threadOf, @coalesceKey, @notBefore, @now)`,
      ).run({
        campaignId: m.campaignId ?? null,
        channel: m.channel,
        kind: record.kind,
        record: JSON.stringify(record),
        threadOf: m.threadOf ?? null,
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
    /** Whether any message is ready to send now (what `ready` would find), without reading one. */
    hasReady(now: number): boolean {
      return prep(`SELECT 1 FROM outbox WHERE state IN ('pending','sending') AND not_before <= ? LIMIT 1`).get(now) !== undefined;
    },
    list(filter: { campaignId?: string; state?: OutboxState } = {}): OutboxRecord[] {
      return (prep('SELECT * FROM outbox ORDER BY id').all() as Row[])
        .map(toOutbox)
        .filter((m) => (filter.campaignId === undefined || m.campaignId === filter.campaignId) && (filter.state === undefined || m.state === filter.state));
    },
    markSending(id: number): boolean {
      return prep(`UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state IN ('pending','sending')`).run(id).changes === 1;
    },
    markSent(id: number, ts: string | null, as: DeliveredAs, now: number): void {
      prep(`UPDATE outbox SET state = 'sent', delivered_ts = ?, delivered_as = ?, settled_at = ?, last_error = NULL WHERE id = ?`).run(ts, as, now, id);
    },
    /** Puts a message back to wait until `notBefore` (429 Retry-After, 5xx backoff). */
    retryLater(id: number, notBefore: number, error: string): void {
      prep(`UPDATE outbox SET state = 'pending', not_before = ?, last_error = ? WHERE id = ?`).run(notBefore, error, id);
    },
    markDead(id: number, error: string, now: number): void {
      prep(`UPDATE outbox SET state = 'dead', last_error = ?, settled_at = ? WHERE id = ?`).run(error, now, id);
    },
    pendingCount(): number {
      return (prep(`SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending','sending')`).get() as { n: number }).n;
    },
    /** When a message with this coalesce key was last sent (to pace root-message updates across runs). */
    lastSentAt(coalesceKey: string): number | undefined {
      const row = prep(`SELECT MAX(settled_at) AS at FROM outbox WHERE coalesce_key = ? AND state = 'sent'`).get(coalesceKey) as { at: number | null };
      return row.at ?? undefined;
    },
    /** When a new message was last posted to a channel (to pace posts across notify runs). */
    lastPostedAt(channel: string): number | undefined {
      const row = prep(`SELECT MAX(settled_at) AS at FROM outbox WHERE channel = ? AND delivered_as = 'post' AND state = 'sent'`).get(channel) as { at: number | null };
      return row.at ?? undefined;
    },
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
