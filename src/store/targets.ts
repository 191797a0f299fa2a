import type { Db } from './database.js';
import type { TargetState } from '../domain/states.js';
import type { DeploymentFact } from '../domain/deployment.js';
import { createStatementCache, parseJson, patchToSql, type Row } from './sql.js';

/**
 * The `targets` table (one repository in a campaign, updated optimistically by version) and
 * `target_steps` (each target's persisted state per step).
 */

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
  /** The version Fleet deployed for this target (the deploy brick), or null. */
  deployment: DeploymentFact | null;
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

export interface NewTarget {
  repo: string;
  wave: number;
  risk?: Record<string, unknown>;
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
  deployment?: DeploymentFact | null;
  score?: number | null;
  signals?: Record<string, unknown>;
  wave?: number;
}

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
  deployment: 'deployment_json',
  score: 'score',
  signals: 'signals_json',
  wave: 'wave',
};

function readDeployment(text: unknown): DeploymentFact | null {
  if (typeof text !== 'string' || text === '') return null;
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as DeploymentFact) : null;
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
    deployment: readDeployment(r.deployment_json),
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

/**
 * Target rows. `due` reads `campaigns` too: only running campaigns' reached waves are due.
 *
 * @example const targets = createTargetRepository(db); targets.due(Date.now(), 50);
 */
export function createTargetRepository(db: Db) {
  const prep = createStatementCache(db);

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
    /** Targets whose PR was merged as this commit in `repo`, across campaigns (the bake, for deployment webhooks). */
    findByRepoAndMergedSha(repo: string, sha: string): TargetRecord[] {
      return (prep('SELECT * FROM targets WHERE repo = ? AND merged_sha = ?').all(repo, sha) as Row[]).map(toTarget);
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
    /** Every target not in a final state, across campaigns: whose checkouts must stay. */
    unfinished(): { campaignId: string; repo: string }[] {
      const rows = prep(`SELECT campaign_id, repo FROM targets WHERE state NOT IN ('succeeded','failed','skipped','reverted')`).all() as Row[];
      return rows.map((r) => ({ campaignId: r.campaign_id as string, repo: r.repo as string }));
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
    /** Closes of a campaign's skipped targets still to be done (pending or waiting to retry). */
    pendingCloses(campaignId: string): number {
      const row = prep(
        `SELECT COUNT(*) AS n FROM target_steps s JOIN targets t ON t.id = s.target_id
         WHERE t.campaign_id = ? AND s.kind = 'close' AND s.status IN ('pending','waiting')`,
      ).get(campaignId) as { n: number };
      return row.n;
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
  return targets;
}

/**
 * Step state rows, one per (target, step index).
 *
 * @example const steps = createStepRepository(db); steps.list(targetId);
 */
export function createStepRepository(db: Db) {
  const prep = createStatementCache(db);

  return {
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
}

export type TargetRepository = ReturnType<typeof createTargetRepository>;
export type StepRepository = ReturnType<typeof createStepRepository>;
