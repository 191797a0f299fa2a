import { ErrorCode, WebClient } from '@slack/web-api';
import { readRootView } from '../engine/notifications.js';
import type { DeliveredAs, OutboxRecord, Store } from '../store/store.js';
import type { FleetLogger } from './logger.js';
import { renderNotification, UnrenderableNotification, type RenderedNotification } from './render-notification.js';


export interface DeliveryLimits {
  /** Least time between two posts to one channel (Slack: about one message per second). */
  perChannelIntervalMs: number;
  /** Least time between two in-place updates of one campaign's root message. */
  rootUpdateIntervalMs: number;
  /** Messages looked at in one run. */
  batchSize: number;
  /** Attempts before a message that keeps failing is given up as dead. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Delay before looking again at a message that waits for its root or gate message. */
  waitForParentMs: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  perChannelIntervalMs: 1100,
  rootUpdateIntervalMs: 5000,
  batchSize: 200,
  maxAttempts: 8,
  backoffBaseMs: 2000,
  backoffMaxMs: 5 * 60_000,
  waitForParentMs: 2000,
};

export interface DeliveryReport {
  posted: number;
  updated: number;
  other: number;
  /** Interrupted sends found already posted in Slack (recovered without posting again). */
  recovered: number;
  /** Put back for later: 429, 5xx, network, pacing, or waiting for a root message. */
  deferred: number;
  dead: number;
  /** Web API calls made, by method. */
  calls: Record<string, number>;
}

export interface DeliverOutboxDeps {
  store: Store;
  client: WebClient;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger?: FleetLogger;
  limits?: Partial<DeliveryLimits>;
}

/** The event type Fleet stamps on every message it posts, so a crash mid-send can be resolved. */
export const OUTBOX_EVENT_TYPE = 'fleet_outbox';

/** Slack errors that no retry will fix: the message is dead, with a log line. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'user_not_found',
  'user_not_in_channel',
  'invalid_thread_ts',
  'thread_not_found',
  'restricted_action',
]);

/** Errors that concern every message (the token): stop the run and try again later. */
const STOP_RUN = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'missing_scope']);

/**
 * A WebClient fit for delivery: it does not retry or wait on its own, so 429s and 5xx come back
 * here and are scheduled through the outbox instead of blocking the job.
 *
 * @example const client = createOutboxClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL);
 */
export function createOutboxClient(token: string, apiUrl?: string): WebClient {
  return new WebClient(token, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000 });
}

type Outcome =
  | { kind: 'sent'; ts: string | null; recovered?: boolean }
  | { kind: 'wait'; until: number; reason: string }
  | { kind: 'dead'; reason: string }
  | { kind: 'stop'; reason: string }
  /** A newer update of the same message replaced this one while it waited: the newer one is sent. */
  | { kind: 'superseded' };

interface HistoryPage {
  messages?: { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }[];
  response_metadata?: { next_cursor?: string };
}

const DELIVERED_AS: Record<RenderedNotification['method'], DeliveredAs> = {
  'chat.postMessage': 'post',
  'chat.update': 'update',
  'chat.postEphemeral': 'ephemeral',
  'views.publish': 'publish',
};

/**
 * Drains the outbox to Slack, rendering each notification record (`renderNotification`) as it
 * sends it; a root record is rendered from the campaign as it is now. In order per channel and thread, about one post per second per
 * channel, root-message updates at a bounded rate, 429s after their Retry-After, 5xx and network
 * errors with backoff, permanent errors marked dead with a log line. Every post carries
 * `metadata.event_payload.outbox_id`; a message found in 'sending' (the process died mid-send) or
 * retried after an uncertain failure is first looked for in Slack and only posted if absent.
 * When a campaign's root message is posted its ts is saved on the campaign; when a gate request
 * is posted its ts is saved on the gate.
 *
 * @example
 * const report = await deliverOutbox({ store, client: createOutboxClient(token), now: Date.now, sleep });
 */
export async function deliverOutbox(deps: DeliverOutboxDeps): Promise<DeliveryReport> {
  const limits = { ...DEFAULT_DELIVERY_LIMITS, ...deps.limits };
  const { store, client, now } = deps;
  const report: DeliveryReport = { posted: 0, updated: 0, other: 0, recovered: 0, deferred: 0, dead: 0, calls: {} };
  const lastPostAt = new Map<string, number>();
  // A thread (or channel) that had to defer a message defers everything after it this run, to keep order.
  const blocked = new Set<string>();

  async function call<T>(method: string, args: Record<string, unknown>): Promise<T> {
    report.calls[method] = (report.calls[method] ?? 0) + 1;
    return (await client.apiCall(method, args)) as T;
  }

  async function findPosted(m: OutboxRecord, threadTs: string | undefined): Promise<string | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const base = { channel: m.channel, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
      const result = threadTs
        ? await call<HistoryPage>('conversations.replies', { ...base, ts: threadTs })
        : await call<HistoryPage>('conversations.history', { ...base, oldest: String(Math.floor(m.createdAt / 1000) - 60) });
      const found = (result.messages ?? []).find((msg) => msg.metadata?.event_type === OUTBOX_EVENT_TYPE && Number(msg.metadata?.event_payload?.outbox_id) === m.id);
      if (found) return String(found.ts);
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  async function pace(channel: string): Promise<void> {
    // The previous run's posts count too: the job runs every few seconds.
    if (!lastPostAt.has(channel)) {
      const previous = store.outbox.lastPostedAt(channel);
      if (previous !== undefined) lastPostAt.set(channel, previous);
    }
    const last = lastPostAt.get(channel);
    if (last === undefined) return;
    const wait = last + limits.perChannelIntervalMs - now();
    if (wait > 0) await deps.sleep(wait);
  }

  /** The row's record as Slack arguments, or why it cannot be sent. */
  function render(m: OutboxRecord): RenderedNotification | string {
    if (!m.record) return `the stored notification is not valid (${m.kind})`;
    try {
      if (m.record.kind !== 'root') return renderNotification(m.record);
      const campaign = store.campaigns.get(m.record.campaignId);
      return renderNotification(m.record, campaign ? { rootView: readRootView(store, campaign) } : {});
    } catch (error) {
      if (error instanceof UnrenderableNotification) return error.message;
      throw error;
    }
  }

  /**
   * A root record rendered again right before its call, after any pacing wait: the campaign as it
   * is at that moment, so an update rendered before a wait never lands after a newer state.
   */
  function renderLatest(m: OutboxRecord, r: RenderedNotification): RenderedNotification | string {
    return m.record?.kind === 'root' ? render(m) : r;
  }

  async function send(m: OutboxRecord, r: RenderedNotification): Promise<Outcome> {
    const campaign = m.campaignId ? store.campaigns.get(m.campaignId) : undefined;
    let threadTs: string | undefined;
    if (m.threadOf === 'root') {
      if (!campaign?.rootTs) return { kind: 'wait', until: now() + limits.waitForParentMs, reason: 'waiting for the root message' };
      threadTs = campaign.rootTs;
    } else if (m.threadOf) {
      threadTs = m.threadOf;
    }

    if (r.method === 'chat.update') {
      const ts = r.ts ?? (r.gateId !== undefined ? (store.gates.get(r.gateId)?.messageTs ?? undefined) : threadTs);
      if (!ts) return { kind: 'wait', until: now() + limits.waitForParentMs, reason: 'waiting for the message to update' };
      if (m.coalesceKey) {
        const last = store.outbox.lastSentAt(m.coalesceKey);
        if (last !== undefined && now() - last < limits.rootUpdateIntervalMs) return { kind: 'wait', until: last + limits.rootUpdateIntervalMs, reason: 'pacing root updates' };
      }
      await pace(m.channel);
      // While it waited, a newer root update may have replaced this row (coalescing deletes it): send that one instead.
      if (!store.outbox.markSending(m.id)) return { kind: 'superseded' };
      const latest = renderLatest(m, r);
      if (typeof latest === 'string') return { kind: 'dead', reason: latest };
      await call('chat.update', { ...latest.args, channel: m.channel, ts });
      lastPostAt.set(m.channel, now());
      return { kind: 'sent', ts };
    }

    if (r.method === 'chat.postMessage') {
      // A previous attempt may have reached Slack before failing (crash, timeout): look before posting.
      const uncertain = m.state === 'sending' || m.attempts > 0;
      // Marked before the look-up too: a look-up that fails is an attempt, so a dead Slack ends in 'dead'.
      store.outbox.markSending(m.id);
      if (uncertain) {
        const existing = await findPosted(m, threadTs);
        if (existing) return { kind: 'sent', ts: existing, recovered: true };
      }
      await pace(m.channel);
      const latest = renderLatest(m, r);
      if (typeof latest === 'string') return { kind: 'dead', reason: latest };
      const result = await call<{ ts?: string }>('chat.postMessage', {
        unfurl_links: false,
        unfurl_media: false,
        ...latest.args,
        channel: m.channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { outbox_id: m.id } },
      });
      lastPostAt.set(m.channel, now());
      return { kind: 'sent', ts: result.ts ?? null };
    }

    if (r.method === 'chat.postEphemeral') {
      const user = r.user;
      if (typeof user !== 'string') return { kind: 'dead', reason: 'an ephemeral message needs payload.user' };
      store.outbox.markSending(m.id);
      await call('chat.postEphemeral', { ...r.args, channel: m.channel, user, ...(threadTs ? { thread_ts: threadTs } : {}) });
      return { kind: 'sent', ts: null };
    }

    // views.publish replaces the whole Home tab, so sending it twice is harmless.
    store.outbox.markSending(m.id);
    await call('views.publish', r.args);
    return { kind: 'sent', ts: null };
  }

  function classify(m: OutboxRecord, error: unknown): Outcome {
    const e = error as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
    const backoff = Math.min(limits.backoffMaxMs, limits.backoffBaseMs * 2 ** Math.max(0, m.attempts));
    if (e.code === ErrorCode.RateLimitedError) return { kind: 'wait', until: now() + Math.max(1, e.retryAfter ?? 1) * 1000, reason: `rate limited (Retry-After ${e.retryAfter ?? 1}s)` };
    if (e.code === ErrorCode.PlatformError) {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited') return { kind: 'wait', until: now() + 1000, reason: 'rate limited' };
      if (STOP_RUN.has(code)) return { kind: 'stop', reason: code };
      if (PERMANENT.has(code)) return { kind: 'dead', reason: code };
      if (m.attempts + 1 >= limits.maxAttempts) return { kind: 'dead', reason: `${code} after ${m.attempts + 1} attempts` };
      return { kind: 'wait', until: now() + backoff, reason: code };
    }
    const reason = e.code === ErrorCode.HTTPError ? `HTTP ${e.statusCode}` : `network: ${e.message ?? 'unknown'}`;
    if (m.attempts + 1 >= limits.maxAttempts) return { kind: 'dead', reason: `${reason} after ${m.attempts + 1} attempts` };
    return { kind: 'wait', until: now() + backoff, reason };
  }

  function recordSent(m: OutboxRecord, r: RenderedNotification, ts: string | null): void {
    store.outbox.markSent(m.id, ts, DELIVERED_AS[r.method], now());
    if (!ts || r.method !== 'chat.postMessage') return;
    if (r.root === true && m.campaignId) saveRootTs(m.campaignId, ts);
    if (r.gateId !== undefined) store.gates.setMessageTs(r.gateId, ts);
  }

  function saveRootTs(campaignId: string, ts: string): void {
    // The engine updates campaigns concurrently: re-read and retry on a version conflict.
    for (let attempt = 0; attempt < 10; attempt++) {
      const c = store.campaigns.get(campaignId);
      if (!c || c.rootTs === ts) return;
      if (store.campaigns.update(campaignId, c.version, { rootTs: ts }, now())) return;
    }
    deps.logger?.error('could not save the root message ts after 10 version conflicts', { campaignId });
  }

  const batch = store.outbox.ready(now(), limits.batchSize);
  for (const m of batch) {
    if (blocked.has(m.channel)) continue;
    const rendered = render(m);
    if (typeof rendered === 'string') {
      store.outbox.markDead(m.id, rendered, now());
      deps.logger?.error('Slack message given up', { outboxId: m.id, channel: m.channel, kind: m.kind, campaignId: m.campaignId, reason: rendered });
      report.dead++;
      continue;
    }
    // Order is kept per stream: a campaign's root post, its thread posts, each message being updated.
    const stream = rendered.method === 'chat.update' ? `update:${m.coalesceKey ?? m.id}` : rendered.root === true ? 'root' : `thread:${m.threadOf ?? ''}`;
    const threadKey = `${m.channel}:${m.campaignId ?? ''}:${stream}`;
    if (blocked.has(threadKey)) continue;
    let outcome: Outcome;
    try {
      outcome = await send(m, rendered);
    } catch (error) {
      outcome = classify(m, error);
      // A 429 concerns the whole channel; other failures only this thread.
      if (outcome.kind === 'wait' && outcome.reason.startsWith('rate limited')) blocked.add(m.channel);
    }
    if (outcome.kind === 'stop') {
      deps.logger?.error('Slack refused the bot token; delivery stops until it is fixed', { reason: outcome.reason });
      store.outbox.retryLater(m.id, now() + limits.backoffMaxMs, outcome.reason);
      report.deferred++;
      return report;
    }
    if (outcome.kind === 'sent') {
      recordSent(m, rendered, outcome.ts);
      if (outcome.recovered) report.recovered++;
      else if (rendered.method === 'chat.postMessage') report.posted++;
      else if (rendered.method === 'chat.update') report.updated++;
      else report.other++;
    } else if (outcome.kind === 'superseded') {
      // Nothing to record: the row is gone, and the update that replaced it is sent in its turn.
    } else if (outcome.kind === 'wait') {
      store.outbox.retryLater(m.id, outcome.until, outcome.reason);
      blocked.add(threadKey);
      report.deferred++;
    } else {
      store.outbox.markDead(m.id, outcome.reason, now());
      deps.logger?.error('Slack message given up', { outboxId: m.id, channel: m.channel, kind: m.kind, method: rendered.method, campaignId: m.campaignId, reason: outcome.reason });
      report.dead++;
    }
  }
  return report;
}
