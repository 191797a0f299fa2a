import type { Db } from './database.js';
import { createStatementCache, parseJson, type Row } from './sql.js';

/** The `gates` table: at most one gate per (campaign, wave, kind), decided once. */

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

/**
 * Gate rows.
 *
 * @example const gates = createGateRepository(db); gates.decide(gate.id, 'approved', userId, Date.now());
 */
export function createGateRepository(db: Db) {
  const prep = createStatementCache(db);

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
    /**
     * Weighs a rejected or cancelled gate again (its campaign was resumed past it): the gate is open
     * once more with the new decision and evidence. Its message stays until a new request is posted
     * (delivery then records the new one), so an update still queued for the old message lands there.
     * False if the gate was in any other state.
     */
    redecide(id: number, g: { decision: GateDecision; confidence: Record<string, unknown>; now: number; expiresAt?: number | null }): boolean {
      return (
        prep(
          `UPDATE gates SET state = 'open', decision = @decision, confidence_json = @confidence, decided_by = NULL, decided_at = NULL, opened_at = @now, expires_at = @expiresAt
           WHERE id = @id AND state IN ('rejected', 'cancelled')`,
        ).run({ id, decision: g.decision, confidence: JSON.stringify(g.confidence), now: g.now, expiresAt: g.expiresAt ?? null }).changes === 1
      );
    },
    /** Asks again after an approval request expired (a resumed campaign); false if it was not expired. */
    reopen(id: number, now: number, expiresAt: number | null): boolean {
      return (
        prep(`UPDATE gates SET state = 'open', decided_by = NULL, decided_at = NULL, opened_at = @now, expires_at = @expiresAt WHERE id = @id AND state = 'expired'`).run({ id, now, expiresAt })
          .changes === 1
      );
    },
  };
  return gates;
}

export type GateRepository = ReturnType<typeof createGateRepository>;
