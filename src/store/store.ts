import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { CampaignState, TargetState } from '../domain/states.js';
import { FleetError } from '../errors.js';

/**
 * The database module: one small object per table group over one better-sqlite3 connection.
 * Every statement is prepared once, with named parameters. Writes that must stay together go in
 * `store.transaction(fn)` (an IMMEDIATE transaction, so concurrent writers queue rather than fail).
 * Rows are mapped to camelCase records; JSON columns are parsed here and validated by their users.
 */

export interface CampaignRecord {
  id: string;
  name: string;
  specJson: string;
  specSource: string;
  changeKind: string;
  owner: string;
  channel: string;
  rootTs: string | null;
  state: CampaignState;
  stateReason: string;
  currentWave: number;
  waveCount: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface TargetRecord {
  id: number;
  campaignId: string;
  repo: string;
  wave: number;
  state: TargetState;
  stateReason: string;
  stepIndex: number;
  dueAt: number;
  attempts: number;
  prNumber: number | null;
  prUrl: string | null;
  branch: string | null;
  headSha: string | null;
  mergedSha: string | null;
  score: number | null;
  signals: Record<string, unknown>;
  risk: Record<string, unknown>;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type StepStatus = 'pending' | 'running' | 'waiting' | 'done' | 'failed' | 'needs-human' | 'skipped';

export interface StepStateRecord {
  targetId: number;
  stepIndex: number;
  kind: string;
  status: StepStatus;
  data: Record<string, unknown>;
  reason: string;
  runs: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface EventRecord {
  id: number;
  campaignId: string | null;
  targetId: number | null;
  at: number;
  actor: string;
  kind: string;
  data: Record<string, unknown>;
}

export type GateKind = 'wave' | 'rollback';
export type GateState = 'open' | 'approved' | 'rejected' | 'expired' | 'cancelled';
export type GateDecision = 'auto' | 'review' | 'halt';

export interface GateRecord {
  id: number;
  campaignId: string;
  wave: number;
  kind: GateKind;
  state: GateState;
  decision: GateDecision;
  confidence: Record<string, unknown>;
  decidedBy: string | null;
  decidedAt: number | null;
  openedAt: number;
  expiresAt: number | null;
  messageTs: string | null;
}

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
}

export interface HistoryRecord {
  scope: 'repo' | 'kind';
  key: string;
  changeKind: string;
  successes: number;
  failures: number;
  campaigns: number;
}

type Row = Record<string, unknown>;

function parseJson(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function toCampaign(r: Row): CampaignRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    specJson: r.spec_json as string,
    specSource: r.spec_source as string,
    changeKind: r.change_kind as string,
    owner: r.owner as string,
    channel: r.channel as string,
    rootTs: (r.root_ts as string | null) ?? null,
    state: r.state as CampaignState,
    stateReason: r.state_reason as string,
    currentWave: r.current_wave as number,
    waveCount: r.wave_count as number,
    version: r.version as number,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toTarget(r: Row): TargetRecord {
  return {
    id: r.id as number,
    campaignId: r.campaign_id as string,
    repo: r.repo as string,
    wave: r.wave as number,
    state: r.state as TargetState,
    stateReason: r.state_reason as string,
    stepIndex: r.step_index as number,
    dueAt: r.due_at as number,
    attempts: r.attempts as number,
    prNumber: (r.pr_number as number | null) ?? null,
    prUrl: (r.pr_url as string | null) ?? null,
    branch: (r.branch as string | null) ?? null,
    headSha: (r.head_sha as string | null) ?? null,
    mergedSha: (r.merged_sha as string | null) ?? null,
    score: (r.score as number | null) ?? null,
    signals: parseJson(r.signals_json),
    risk: parseJson(r.risk_json),
    version: r.version as number,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toStep(r: Row): StepStateRecord {
  return {
    targetId: r.target_id as number,
    stepIndex: r.step_index as number,
    kind: r.kind as string,
    status: r.status as StepStatus,
    data: parseJson(r.data_json),
    reason: r.reason as string,
    runs: r.runs as number,
    startedAt: (r.started_at as number | null) ?? null,
    finishedAt: (r.finished_at as number | null) ?? null,
  };
}

function toEvent(r: Row): EventRecord {
  return {
    id: r.id as number,
    campaignId: (r.campaign_id as string | null) ?? null,
    targetId: (r.target_id as number | null) ?? null,
    at: r.at as number,
    actor: r.actor as string,
    kind: r.kind as string,
    data: parseJson(r.data_json),
  };
}

function toGate(r: Row): GateRecord {
  return {
    id: r.id as number,
    campaignId: r.campaign_id as string,
    wave: r.wave as number,
    kind: r.kind as GateKind,
    state: r.state as GateState,
    decision: r.decision as GateDecision,
    confidence: parseJson(r.confidence_json),
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as number | null) ?? null,
    openedAt: r.opened_at as number,
    expiresAt: (r.expires_at as number | null) ?? null,
    messageTs: (r.message_ts as string | null) ?? null,
  };
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

export interface NewCampaign {
  id: string;
  name: string;
  specJson: string;
  specSource: string;
  changeKind: string;
  owner: string;
  channel: string;
  state: CampaignState;
  waveCount: number;
  now: number;
}

export interface NewTarget {
  repo: string;
  wave: number;
  risk?: Record<string, unknown>;
}

/** Fields a campaign transition may change. */
export interface CampaignPatch {
  state?: CampaignState;
  stateReason?: string;
  currentWave?: number;
  rootTs?: string | null;
}

/** Fields a target update may change. */
export interface TargetPatch {
  state?: TargetState;
  stateReason?: string;
  stepIndex?: number;
  dueAt?: number;
  attempts?: number;
  prNumber?: number | null;
  prUrl?: string | null;
  branch?: string | null;
  headSha?: string | null;
  mergedSha?: string | null;
  score?: number | null;
  signals?: Record<string, unknown>;
  wave?: number;
}

export interface NewEvent {
  campaignId?: string | null;
  targetId?: number | null;
  at: number;
  actor: string;
  kind: string;
  data?: Record<string, unknown>;
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

const CAMPAIGN_COLUMNS: Record<keyof CampaignPatch, string> = {
  state: 'state',
  stateReason: 'state_reason',
  currentWave: 'current_wave',
  rootTs: 'root_ts',
};

const TARGET_COLUMNS: Record<keyof TargetPatch, string> = {
  state: 'state',
  stateReason: 'state_reason',
  stepIndex: 'step_index',
  dueAt: 'due_at',
  attempts: 'attempts',
  prNumber: 'pr_number',
  prUrl: 'pr_url',
  branch: 'branch',
  headSha: 'head_sha',
  mergedSha: 'merged_sha',
  score: 'score',
  signals: 'signals_json',
  wave: 'wave',
};

function patchToSql<P extends object>(patch: P, columns: Record<keyof P, string>): { sets: string[]; params: Row } {
  const sets: string[] = [];
  const params: Row = {};
  for (const [key, value] of Object.entries(patch) as [keyof P & string, unknown][]) {
    if (value === undefined) continue;
    const column = columns[key];
    if (!column) throw new FleetError('internal', `Unknown field ${key} in an update.`);
    sets.push(`${column} = @p_${key}`);
    params[`p_${key}`] = column.endsWith('_json') ? JSON.stringify(value) : value;
  }
  return { sets, params };
}

export function createStore(db: Db) {
  const statements = new Map<string, Statement<unknown[]>>();
  const prep = (sql: string): Statement<unknown[]> => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare<unknown[]>(sql);
      statements.set(sql, s);
    }
    return s;
  };

  const campaigns = {
    insert(c: NewCampaign): CampaignRecord {
      prep(
        `INSERT INTO campaigns (id, name, spec_json, spec_source, change_kind, owner, channel, state, wave_count, created_at, updated_at)
         VALUES (@id, @name, @specJson, @specSource, @changeKind, @owner, @channel, @state, @waveCount, @now, @now)`,
      ).run(c);
      return campaigns.get(c.id)!;
    },
    get(id: string): CampaignRecord | undefined {
      const row = prep('SELECT * FROM campaigns WHERE id = ?').get(id) as Row | undefined;
      return row ? toCampaign(row) : undefined;
    },
    list(filter: { states?: readonly CampaignState[]; channel?: string } = {}): CampaignRecord[] {
      const rows = prep('SELECT * FROM campaigns ORDER BY created_at DESC, id').all() as Row[];
      return rows
        .map(toCampaign)
        .filter((c) => (!filter.states || filter.states.includes(c.state)) && (!filter.channel || c.channel === filter.channel));
    },
    /**
     * Optimistic update: applies the patch only if the row still has `expectedVersion`.
     * Returns the new record, or undefined when another writer won.
     */
    update(id: string, expectedVersion: number, patch: CampaignPatch, now: number): CampaignRecord | undefined {
      const { sets, params } = patchToSql(patch, CAMPAIGN_COLUMNS);
      const sql = `UPDATE campaigns SET ${[...sets, 'version = version + 1', 'updated_at = @now'].join(', ')} WHERE id = @id AND version = @expected`;
      const info = db.prepare(sql).run({ ...params, id, expected: expectedVersion, now });
      return info.changes === 1 ? campaigns.get(id) : undefined;
    },
  };

  const targets = {
    insertMany(campaignId: string, list: readonly NewTarget[], now: number): void {
      const stmt = prep(
        `INSERT INTO targets (campaign_id, repo, wave, state, due_at, risk_json, created_at, updated_at)
         VALUES (@campaignId, @repo, @wave, 'pending', 0, @risk, @now, @now)`,
      );
      for (const t of list) stmt.run({ campaignId, repo: t.repo, wave: t.wave, risk: JSON.stringify(t.risk ?? {}), now });
    },
    get(id: number): TargetRecord | undefined {
      const row = prep('SELECT * FROM targets WHERE id = ?').get(id) as Row | undefined;
      return row ? toTarget(row) : undefined;
    },
    findByRepo(campaignId: string, repo: string): TargetRecord | undefined {
      const row = prep('SELECT * FROM targets WHERE campaign_id = ? AND repo = ?').get(campaignId, repo) as Row | undefined;
      return row ? toTarget(row) : undefined;
    },
    /** Targets with an open PR in `repo` with this number, across campaigns (for webhooks). */
    findByPr(repo: string, prNumber: number): TargetRecord[] {
      return (prep('SELECT * FROM targets WHERE repo = ? AND pr_number = ?').all(repo, prNumber) as Row[]).map(toTarget);
    },
    findByRepoAndSha(repo: string, sha: string): TargetRecord[] {
      return (prep('SELECT * FROM targets WHERE repo = ? AND head_sha = ?').all(repo, sha) as Row[]).map(toTarget);
    },
    /** A campaign's targets in one state (e.g. those that need attention), without reading the rest. */
    inState(campaignId: string, state: TargetState): TargetRecord[] {
      return (prep('SELECT * FROM targets WHERE campaign_id = ? AND state = ? ORDER BY wave, id').all(campaignId, state) as Row[]).map(toTarget);
    },
    list(campaignId: string, wave?: number): TargetRecord[] {
      const rows =
        wave === undefined
          ? prep('SELECT * FROM targets WHERE campaign_id = ? ORDER BY wave, id').all(campaignId)
          : prep('SELECT * FROM targets WHERE campaign_id = ? AND wave = ? ORDER BY id').all(campaignId, wave);
      return (rows as Row[]).map(toTarget);
    },
    /** Targets of running campaigns whose current wave includes them and that are due now. */
    due(now: number, limit: number): TargetRecord[] {
      const rows = prep(
        `SELECT t.* FROM targets t JOIN campaigns c ON c.id = t.campaign_id
         WHERE c.state = 'running' AND t.wave <= c.current_wave
           AND t.state IN ('pending','running','waiting') AND t.due_at <= @now
         ORDER BY t.due_at, t.id LIMIT @limit`,
      ).all({ now, limit }) as Row[];
      return rows.map(toTarget);
    },
    /**
     * Skipped targets whose PR is still to be closed (a `close` step row not yet finished) and due,
     * across campaigns in any state: an aborted campaign's targets are closed after it stopped.
     */
    closesDue(now: number, limit: number): TargetRecord[] {
      const rows = prep(
        `SELECT t.* FROM targets t
         WHERE t.state = 'skipped' AND t.due_at <= @now
           AND EXISTS (SELECT 1 FROM target_steps s WHERE s.target_id = t.id AND s.kind = 'close' AND s.status IN ('pending','waiting'))
         ORDER BY t.due_at, t.id LIMIT @limit`,
      ).all({ now, limit }) as Row[];
      return rows.map(toTarget);
    },
    update(id: number, expectedVersion: number, patch: TargetPatch, now: number): TargetRecord | undefined {
      const { sets, params } = patchToSql(patch, TARGET_COLUMNS);
      const sql = `UPDATE targets SET ${[...sets, 'version = version + 1', 'updated_at = @now'].join(', ')} WHERE id = @id AND version = @expected`;
      const info = db.prepare(sql).run({ ...params, id, expected: expectedVersion, now });
      return info.changes === 1 ? targets.get(id) : undefined;
    },
    /**
     * Makes a waiting target due now without taking its version: a webhook that wakes a target must
     * not make the tick holding it drop its step's result. A target a tick is running is left alone
     * (its own result schedules it); returns whether the target was woken.
     */
    wake(id: number, now: number): boolean {
      return (
        prep(`UPDATE targets SET due_at = @now WHERE id = @id AND due_at > @now AND state IN ('pending','waiting')`).run({ id, now }).changes === 1
      );
    },
    /**
     * Makes every leased target due now and takes its version. Only for a process starting on a
     * database no other Fleet process uses: the leases it finds were taken by a predecessor that
     * is gone (killed or crashed), and the engine cannot tell a dead worker from a slow one, so
     * without this those targets wait for the step time limit plus a grace period before running
     * again. Steps are idempotent, so running them again is safe. Returns the targets released.
     */
    releaseLeases(now: number): { id: number; campaignId: string; repo: string }[] {
      const rows = prep(
        `UPDATE targets SET due_at = @now, version = version + 1, updated_at = @now
         WHERE state = 'running' AND due_at > @now
         RETURNING id, campaign_id, repo`,
      ).all({ now }) as Row[];
      return rows.map((r) => ({ id: r.id as number, campaignId: r.campaign_id as string, repo: r.repo as string }));
    },
    /** Counts per state, for a campaign (and optionally one wave). */
    counts(campaignId: string, wave?: number): Record<TargetState, number> {
      const rows = (
        wave === undefined
          ? prep('SELECT state, COUNT(*) AS n FROM targets WHERE campaign_id = ? GROUP BY state').all(campaignId)
          : prep('SELECT state, COUNT(*) AS n FROM targets WHERE campaign_id = ? AND wave = ? GROUP BY state').all(campaignId, wave)
      ) as { state: TargetState; n: number }[];
      const counts: Record<TargetState, number> = {
        pending: 0,
        running: 0,
        waiting: 0,
        'needs-attention': 0,
        succeeded: 0,
        failed: 0,
        skipped: 0,
        reverted: 0,
      };
      for (const r of rows) counts[r.state] = r.n;
      return counts;
    },
    /** Open PRs (created, not yet merged or closed) of a campaign, for the max-open-PRs cap. */
    openPrCount(campaignId: string): number {
      const row = prep(
        `SELECT COUNT(*) AS n FROM targets WHERE campaign_id = ? AND pr_number IS NOT NULL AND merged_sha IS NULL
         AND state IN ('pending','running','waiting','needs-attention')`,
      ).get(campaignId) as { n: number };
      return row.n;
    },
  };

  const steps = {
    get(targetId: number, stepIndex: number): StepStateRecord | undefined {
      const row = prep('SELECT * FROM target_steps WHERE target_id = ? AND step_index = ?').get(targetId, stepIndex) as Row | undefined;
      return row ? toStep(row) : undefined;
    },
    list(targetId: number): StepStateRecord[] {
      return (prep('SELECT * FROM target_steps WHERE target_id = ? ORDER BY step_index').all(targetId) as Row[]).map(toStep);
    },
    save(s: {
      targetId: number;
      stepIndex: number;
      kind: string;
      status: StepStatus;
      data: Record<string, unknown>;
      reason?: string;
      now: number;
      finished?: boolean;
    }): void {
      prep(
        `INSERT INTO target_steps (target_id, step_index, kind, status, data_json, reason, runs, started_at, finished_at)
         VALUES (@targetId, @stepIndex, @kind, @status, @data, @reason, 1, @now, @finishedAt)
         ON CONFLICT (target_id, step_index) DO UPDATE SET
           kind = excluded.kind, status = excluded.status, data_json = excluded.data_json, reason = excluded.reason,
           runs = runs + 1, finished_at = excluded.finished_at`,
      ).run({
        targetId: s.targetId,
        stepIndex: s.stepIndex,
        kind: s.kind,
        status: s.status,
        data: JSON.stringify(s.data),
        reason: s.reason ?? '',
        now: s.now,
        finishedAt: s.finished ? s.now : null,
      });
    },
  };

  const events = {
    append(e: NewEvent): number {
      const info = prep(
        `INSERT INTO events (campaign_id, target_id, at, actor, kind, data_json)
         VALUES (@campaignId, @targetId, @at, @actor, @kind, @data)`,
      ).run({
        campaignId: e.campaignId ?? null,
        targetId: e.targetId ?? null,
        at: e.at,
        actor: e.actor,
        kind: e.kind,
        data: JSON.stringify(e.data ?? {}),
      });
      return Number(info.lastInsertRowid);
    },
    list(filter: { campaignId?: string; targetId?: number; since?: number; afterId?: number; kinds?: readonly string[]; limit?: number } = {}): EventRecord[] {
      const where: string[] = [];
      const params: Row = {};
      if (filter.campaignId !== undefined) {
        where.push('campaign_id = @campaignId');
        params.campaignId = filter.campaignId;
      }
      if (filter.targetId !== undefined) {
        where.push('target_id = @targetId');
        params.targetId = filter.targetId;
      }
      if (filter.since !== undefined) {
        where.push('at >= @since');
        params.since = filter.since;
      }
      if (filter.afterId !== undefined) {
        where.push('id > @afterId');
        params.afterId = filter.afterId;
      }
      if (filter.kinds && filter.kinds.length > 0) {
        const names = filter.kinds.map((k, i) => {
          params[`k${i}`] = k;
          return `@k${i}`;
        });
        where.push(`kind IN (${names.join(', ')})`);
      }
      params.limit = filter.limit ?? 100_000;
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT @limit`;
      return (db.prepare(sql).all(params) as Row[]).map(toEvent);
    },
  };

  const gates = {
    /** Opens a gate once per (campaign, wave, kind); returns the existing one if already there. */
    open(g: { campaignId: string; wave: number; kind: GateKind; decision: GateDecision; confidence: Record<string, unknown>; now: number; expiresAt?: number | null }): GateRecord {
      prep(
        `INSERT INTO gates (campaign_id, wave, kind, state, decision, confidence_json, opened_at, expires_at)
         VALUES (@campaignId, @wave, @kind, 'open', @decision, @confidence, @now, @expiresAt)
         ON CONFLICT (campaign_id, wave, kind) DO NOTHING`,
      ).run({ ...g, confidence: JSON.stringify(g.confidence), expiresAt: g.expiresAt ?? null });
      return gates.find(g.campaignId, g.wave, g.kind)!;
    },
    get(id: number): GateRecord | undefined {
      const row = prep('SELECT * FROM gates WHERE id = ?').get(id) as Row | undefined;
      return row ? toGate(row) : undefined;
    },
    find(campaignId: string, wave: number, kind: GateKind): GateRecord | undefined {
      const row = prep('SELECT * FROM gates WHERE campaign_id = ? AND wave = ? AND kind = ?').get(campaignId, wave, kind) as Row | undefined;
      return row ? toGate(row) : undefined;
    },
    list(campaignId: string): GateRecord[] {
      return (prep('SELECT * FROM gates WHERE campaign_id = ? ORDER BY id').all(campaignId) as Row[]).map(toGate);
    },
    listOpen(): GateRecord[] {
      return (prep(`SELECT * FROM gates WHERE state = 'open' ORDER BY id`).all() as Row[]).map(toGate);
    },
    /** Decides an open gate. Exactly one caller wins; the others get undefined. */
    decide(id: number, state: Exclude<GateState, 'open'>, by: string, now: number): GateRecord | undefined {
      const info = prep(`UPDATE gates SET state = @state, decided_by = @by, decided_at = @now WHERE id = @id AND state = 'open'`).run({ id, state, by, now });
      return info.changes === 1 ? gates.get(id) : undefined;
    },
    setMessageTs(id: number, ts: string): void {
      prep('UPDATE gates SET message_ts = ? WHERE id = ?').run(ts, id);
    },
    /** Asks again after an approval request expired (a resumed campaign); false if it was not expired. */
    reopen(id: number, now: number, expiresAt: number | null): boolean {
      return (
        prep(`UPDATE gates SET state = 'open', decided_by = NULL, decided_at = NULL, opened_at = @now, expires_at = @expiresAt WHERE id = @id AND state = 'expired'`).run({ id, now, expiresAt })
          .changes === 1
      );
    },
  };

  const outbox = {
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

  const httpCache = {
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

  const github = {
    recordRate(r: RateRecord): void {
      prep(
        `INSERT INTO github_rate (resource, lim, remaining, reset_at, updated_at) VALUES (@resource, @limit, @remaining, @resetAt, @updatedAt)
         ON CONFLICT (resource) DO UPDATE SET lim = excluded.lim, remaining = excluded.remaining, reset_at = excluded.reset_at, updated_at = excluded.updated_at`,
      ).run(r);
    },
    rate(resource = 'core'): RateRecord | undefined {
      const row = prep('SELECT * FROM github_rate WHERE resource = ?').get(resource) as Row | undefined;
      if (!row) return undefined;
      return { resource: row.resource as string, limit: row.lim as number, remaining: row.remaining as number, resetAt: row.reset_at as number, updatedAt: row.updated_at as number };
    },
    recordWrite(route: string, at: number): void {
      prep('INSERT INTO github_writes (at, route) VALUES (?, ?)').run(at, route);
    },
    writesSince(since: number): number {
      return (prep('SELECT COUNT(*) AS n FROM github_writes WHERE at >= ?').get(since) as { n: number }).n;
    },
    /** The time the oldest write inside the window was made (to know when pacing frees a slot). */
    oldestWriteSince(since: number): number | undefined {
      const row = prep('SELECT MIN(at) AS at FROM github_writes WHERE at >= ?').get(since) as { at: number | null };
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

  const history = {
    record(h: { scope: 'repo' | 'kind'; key: string; changeKind: string; successes: number; failures: number; campaigns?: number; now: number }): void {
      prep(
        `INSERT INTO history_stats (scope, key, change_kind, successes, failures, campaigns, updated_at)
         VALUES (@scope, @key, @changeKind, @successes, @failures, @campaigns, @now)
         ON CONFLICT (scope, key, change_kind) DO UPDATE SET successes = successes + excluded.successes,
           failures = failures + excluded.failures, campaigns = campaigns + excluded.campaigns, updated_at = excluded.updated_at`,
      ).run({ ...h, campaigns: h.campaigns ?? 0 });
    },
    get(scope: 'repo' | 'kind', key: string, changeKind: string): HistoryRecord | undefined {
      const row = prep('SELECT * FROM history_stats WHERE scope = ? AND key = ? AND change_kind = ?').get(scope, key, changeKind) as Row | undefined;
      if (!row) return undefined;
      return {
        scope: row.scope as 'repo' | 'kind',
        key: row.key as string,
        changeKind: row.change_kind as string,
        successes: row.successes as number,
        failures: row.failures as number,
        campaigns: row.campaigns as number,
      };
    },
  };

  const settings = {
    get<T = unknown>(key: string): T | undefined {
      const row = prep('SELECT value_json FROM settings WHERE key = ?').get(key) as { value_json: string } | undefined;
      return row ? (JSON.parse(row.value_json) as T) : undefined;
    },
    set(key: string, value: unknown, by: string, now: number): void {
      prep(
        `INSERT INTO settings (key, value_json, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      ).run(key, JSON.stringify(value), by, now);
    },
    isFrozen(): boolean {
      return settings.get<{ on: boolean }>('freeze')?.on === true;
    },
  };

  const digests = {
    /** Claims the digest of a channel for a local day; false if it was already posted. */
    claim(channel: string, day: string, now: number): boolean {
      return prep('INSERT INTO digest_runs (channel, day, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(channel, day, now).changes === 1;
    },
  };

  return {
    db,
    campaigns,
    targets,
    steps,
    events,
    gates,
    outbox,
    httpCache,
    github,
    history,
    settings,
    digests,
    /** Runs `fn` in one IMMEDIATE transaction: all of it is written, or none. */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
  };
}

export type Store = ReturnType<typeof createStore>;
