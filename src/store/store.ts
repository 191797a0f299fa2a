import type { Db } from './database.js';
import { createCampaignRepository } from './campaigns.js';
import { createEventRepository } from './events.js';
import { createGateRepository } from './gates.js';
import { createGitHubBudgetRepository, createHttpCacheRepository } from './github-cache.js';
import { createHistoryRepository } from './history.js';
import { createOutboxRepository } from './outbox.js';
import { createSeenRequestRepository } from './seen-requests.js';
import { createDigestRepository, createSettingsRepository } from './settings.js';
import { createStepRepository, createTargetRepository } from './targets.js';

/**
 * The database module: one small object per table group over one better-sqlite3 connection.
 * Every statement is prepared once, with named parameters. Writes that must stay together go in
 * `store.transaction(fn)` (an IMMEDIATE transaction, so concurrent writers queue rather than fail).
 * Rows are mapped to camelCase records; JSON columns are parsed here and validated by their users.
 * Each table group lives in its own module (see README.md); this file composes them.
 */

export type { CampaignPatch, CampaignRecord, NewCampaign } from './campaigns.js';
export type { NewTarget, StepStateRecord, StepStatus, TargetPatch, TargetRecord } from './targets.js';
export type { EventRecord, NewEvent } from './events.js';
export type { GateDecision, GateKind, GateRecord, GateState } from './gates.js';
export type { DeliveredAs, NewOutboxMessage, OutboxRecord, OutboxState } from './outbox.js';
export type { HttpCacheEntry, RateRecord } from './github-cache.js';
export type { HistoryOutcomeRecord, HistoryRecord } from './history.js';

export function createStore(db: Db) {
  return {
    db,
    campaigns: createCampaignRepository(db),
    targets: createTargetRepository(db),
    steps: createStepRepository(db),
    events: createEventRepository(db),
    gates: createGateRepository(db),
    outbox: createOutboxRepository(db),
    httpCache: createHttpCacheRepository(db),
    github: createGitHubBudgetRepository(db),
    history: createHistoryRepository(db),
    settings: createSettingsRepository(db),
    digests: createDigestRepository(db),
    seenRequests: createSeenRequestRepository(db),
    /** Runs `fn` in one IMMEDIATE transaction: all of it is written, or none. */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
  };
}

export type Store = ReturnType<typeof createStore>;
