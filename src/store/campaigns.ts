import type { Db } from './database.js';
import type { CampaignState } from '../domain/states.js';
import { createStatementCache, patchToSql, type Row } from './sql.js';

/** The `campaigns` table: one row per campaign, updated optimistically by version. */

export interface CampaignRecord {
  id: string;
  name: string;
  specJson: string;
  specSource: string;
  changeKind: string;
  owner: string;
  /** Who started the campaign (the spec's owner for campaigns started before this was recorded). */
  launchedBy: string;
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

export interface NewCampaign {
  id: string;
  name: string;
  specJson: string;
  specSource: string;
  changeKind: string;
  owner: string;
  /** Who starts it; the owner when not given. */
  launchedBy?: string;
  channel: string;
  state: CampaignState;
  waveCount: number;
  now: number;
}

/** Fields a campaign transition may change. */
export interface CampaignPatch {
  state?: CampaignState;
  stateReason?: string;
  currentWave?: number;
  rootTs?: string | null;
}

const CAMPAIGN_COLUMNS: Record<keyof CampaignPatch, string> = {
  state: 'state',
  stateReason: 'state_reason',
  currentWave: 'current_wave',
  rootTs: 'root_ts',
};

function toCampaign(r: Row): CampaignRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    specJson: r.spec_json as string,
    specSource: r.spec_source as string,
    changeKind: r.change_kind as string,
    owner: r.owner as string,
    launchedBy: r.launched_by as string,
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

/**
 * Campaign rows.
 *
 * @example const campaigns = createCampaignRepository(db); campaigns.list({ states: ['running'] });
 */
export function createCampaignRepository(db: Db) {
  const prep = createStatementCache(db);

  const campaigns = {
    insert(c: NewCampaign): CampaignRecord {
      prep(
        `INSERT INTO campaigns (id, name, spec_json, spec_source, change_kind, owner, launched_by, channel, state, wave_count, created_at, updated_at)
         VALUES (@id, @name, @specJson, @specSource, @changeKind, @owner, @launchedBy, @channel, @state, @waveCount, @now, @now)`,
      ).run({ ...c, launchedBy: c.launchedBy ?? c.owner });
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
  return campaigns;
}

export type CampaignRepository = ReturnType<typeof createCampaignRepository>;
