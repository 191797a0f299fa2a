import type { Store } from '../store/store.js';
import { buildPrior, PRIOR_CAP, type Prior } from './decide-wave.js';
import { buildHistorySignal } from './signals.js';
import type { HistorySignal } from './signals.js';

/**
 * Learned history over `store.history` (the `history_stats` table): one row per change kind as a
 * whole (key '*') and one per repository and change kind. Target outcomes feed both; the kind row
 * also counts finished campaigns, which the explanation shows ("from 9 past campaigns").
 */

const KIND_KEY = '*';

/**
 * The prior for the next campaign of a change kind, capped so that a0 + b0 ≤ cap.
 *
 * @example learnPrior(store, 'npm-dependency') // { a0: 9, b0: 1, campaigns: 9, ... } after 9 clean campaigns
 */
export function learnPrior(store: Pick<Store, 'history'>, changeKind: string, cap = PRIOR_CAP): Prior {
  const row = store.history.get('kind', KIND_KEY, changeKind);
  if (!row) return buildPrior(0, 0, 0, cap);
  return buildPrior(row.successes, row.failures, row.campaigns, cap);
}

export interface Outcome {
  changeKind: string;
  repo: string;
  succeeded: boolean;
  now: number;
}

/**
 * Records one target's final outcome for its repository and for the change kind.
 *
 * @example recordOutcome(store, { changeKind: 'npm-dependency', repo: 'acme/api', succeeded: true, now: Date.now() })
 */
export function recordOutcome(store: Pick<Store, 'history' | 'transaction'>, outcome: Outcome): void {
  const counts = { successes: outcome.succeeded ? 1 : 0, failures: outcome.succeeded ? 0 : 1, now: outcome.now };
  store.transaction(() => {
    store.history.record({ scope: 'repo', key: outcome.repo, changeKind: outcome.changeKind, ...counts });
    store.history.record({ scope: 'kind', key: KIND_KEY, changeKind: outcome.changeKind, ...counts });
  });
}

/**
 * Counts one finished campaign of a change kind (call once, when the campaign completes).
 *
 * @example recordCampaignEnd(store, { changeKind: 'npm-dependency', now: Date.now() })
 */
export function recordCampaignEnd(store: Pick<Store, 'history'>, end: { changeKind: string; now: number }): void {
  store.history.record({ scope: 'kind', key: KIND_KEY, changeKind: end.changeKind, successes: 0, failures: 0, campaigns: 1, now: end.now });
}

/**
 * The repository's history signal for a change kind (Laplace-smoothed success rate).
 *
 * @example readRepoHistory(store, 'acme/api', 'npm-dependency') // { value: 0.5, evidence: { successes: 0, failures: 0 } } when new
 */
export function readRepoHistory(store: Pick<Store, 'history'>, repo: string, changeKind: string): HistorySignal {
  const row = store.history.get('repo', repo, changeKind);
  return buildHistorySignal(row?.successes ?? 0, row?.failures ?? 0);
}
