import type { HistoryOutcomeRecord, Store } from '../store/store.js';
import type { ChangeHistoryKey } from './change-key.js';
import { buildPooledPrior, PRIOR_CAP, type Prior } from './decide-wave.js';
import { buildHistorySignal } from './signals.js';
import type { HistorySignal } from './signals.js';

/**
 * Learned history over `store.history` (the `history_stats` table): one row per change kind as a
 * whole (key '*'), one per change (key: the change's history key, e.g. "dependency:npm:lodash@4")
 * and one per repository and change kind. Target outcomes feed all three; the kind and change rows
 * also count campaigns, which the explanation shows ("from 9 past campaigns").
 *
 * A campaign's outcomes are recorded when it completes, halts or is aborted, as they stand then
 * (`recordCampaignHistory`), and again whenever it ends again after a resume: the ledger
 * (`history_outcomes`) says what the campaign added, so recording it again replaces its
 * contribution rather than adding to it, and a campaign counts once.
 */

const KIND_KEY = '*';

type HistoryStore = Pick<Store, 'history'>;

export interface PriorQuery {
  changeKind: string;
  /** What changed: the prior draws on this change's own history first, pooled with the kind's. */
  change?: ChangeHistoryKey;
  /** A campaign whose own recorded outcomes stay out of the prior (its own wave decisions, after a resume). */
  excludeCampaign?: string;
}

function countsOf(store: HistoryStore, key: string, changeKind: string): { successes: number; failures: number; campaigns: number } {
  const row = store.history.get('kind', key, changeKind);
  return { successes: row?.successes ?? 0, failures: row?.failures ?? 0, campaigns: row?.campaigns ?? 0 };
}

/** Counts minus what one campaign contributed (its own evidence must not count twice). */
function without(counts: { successes: number; failures: number; campaigns: number }, own: readonly HistoryOutcomeRecord[]) {
  if (own.length === 0) return counts;
  const successes = own.filter((o) => o.succeeded).length;
  return {
    successes: Math.max(0, counts.successes - successes),
    failures: Math.max(0, counts.failures - (own.length - successes)),
    campaigns: Math.max(0, counts.campaigns - 1),
  };
}

/**
 * The prior for the next campaign of a change kind, capped so that a0 + b0 ≤ cap. With a change
 * key, the change's own past campaigns are weighed first and the kind's others fill the rest of
 * the room (`buildPooledPrior`); the prior's `change` says which history it used.
 *
 * @example learnPrior(store, 'npm-dependency') // { a0: 9, b0: 1, campaigns: 9, ... } after 9 clean campaigns
 * @example learnPrior(store, { changeKind: 'npm-dependency', change: { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps' }, excludeCampaign: 'c-1' })
 */
export function learnPrior(store: HistoryStore, query: string | PriorQuery, cap = PRIOR_CAP): Prior {
  const q: PriorQuery = typeof query === 'string' ? { changeKind: query } : query;
  const own = q.excludeCampaign ? store.history.outcomes(q.excludeCampaign).filter((o) => o.changeKind === q.changeKind) : [];
  const kind = without(countsOf(store, KIND_KEY, q.changeKind), own);
  if (!q.change) return buildPooledPrior(kind, undefined, cap);
  const change = without(countsOf(store, q.change.key, q.changeKind), own.filter((o) => o.changeKey === q.change!.key));
  return buildPooledPrior(kind, { key: q.change.key, label: q.change.label, ...change }, cap);
}

export interface Outcome {
  changeKind: string;
  repo: string;
  succeeded: boolean;
  now: number;
  /** Also counted for this change (its history key), beside the kind as a whole. */
  changeKey?: string;
}

/**
 * Adds one target's outcome to its repository, its change kind and (with a key) its change, or takes
 * it back with `sign` −1. Outside any campaign's ledger: campaigns record through
 * `recordCampaignHistory`.
 *
 * @example recordOutcome(store, { changeKind: 'npm-dependency', repo: 'acme/api', succeeded: true, now: Date.now() })
 */
export function recordOutcome(store: Pick<Store, 'history' | 'transaction'>, outcome: Outcome, sign: 1 | -1 = 1): void {
  const counts = { successes: outcome.succeeded ? sign : 0, failures: outcome.succeeded ? 0 : sign, now: outcome.now };
  store.transaction(() => {
    store.history.record({ scope: 'repo', key: outcome.repo, changeKind: outcome.changeKind, ...counts });
    store.history.record({ scope: 'kind', key: KIND_KEY, changeKind: outcome.changeKind, ...counts });
    if (outcome.changeKey) store.history.record({ scope: 'kind', key: outcome.changeKey, changeKind: outcome.changeKind, ...counts });
  });
}

/**
 * Counts one finished campaign of a change kind (and of its change, with a key), or takes it back
 * with `sign` −1.
 *
 * @example recordCampaignEnd(store, { changeKind: 'npm-dependency', now: Date.now() })
 */
export function recordCampaignEnd(store: HistoryStore, end: { changeKind: string; now: number; changeKey?: string }, sign: 1 | -1 = 1): void {
  store.history.record({ scope: 'kind', key: KIND_KEY, changeKind: end.changeKind, successes: 0, failures: 0, campaigns: sign, now: end.now });
  if (end.changeKey) store.history.record({ scope: 'kind', key: end.changeKey, changeKind: end.changeKind, successes: 0, failures: 0, campaigns: sign, now: end.now });
}

export interface CampaignHistory {
  campaignId: string;
  changeKind: string;
  change: ChangeHistoryKey;
  /** The campaign's targets that have an outcome now (a target without one is left out). */
  outcomes: readonly { targetId: number; repo: string; succeeded: boolean }[];
  now: number;
}

/**
 * Records a campaign's target outcomes as they stand, replacing what it recorded before: an outcome
 * that is unchanged is left alone, a changed one is taken back and added anew, one that is no longer
 * an outcome (a failed target a person retried, still running) is taken back. The campaign counts
 * once, from its first recorded outcome; with none it is not a past campaign to learn from. Safe to
 * call again after a crash or each time a resumed campaign ends again. Returns what changed.
 *
 * @example recordCampaignHistory(store, { campaignId: 'c-1', changeKind: 'npm-dependency', change, outcomes: [{ targetId: 1, repo: 'acme/api', succeeded: true }], now })
 */
export function recordCampaignHistory(store: Pick<Store, 'history' | 'transaction'>, h: CampaignHistory): { added: number; changed: number; removed: number } {
  return store.transaction(() => {
    const before = new Map(store.history.outcomes(h.campaignId).map((o) => [o.targetId, o]));
    const report = { added: 0, changed: 0, removed: 0 };
    const wasCounted = before.size > 0;
    const seen = new Set<number>();
    for (const o of h.outcomes) {
      seen.add(o.targetId);
      const old = before.get(o.targetId);
      const record: HistoryOutcomeRecord = { campaignId: h.campaignId, targetId: o.targetId, repo: o.repo, changeKind: h.changeKind, changeKey: h.change.key, succeeded: o.succeeded };
      if (old && old.succeeded === o.succeeded && old.changeKind === h.changeKind && old.changeKey === h.change.key && old.repo === o.repo) continue;
      if (old) recordOutcome(store, { changeKind: old.changeKind, repo: old.repo, succeeded: old.succeeded, changeKey: old.changeKey, now: h.now }, -1);
      recordOutcome(store, { changeKind: h.changeKind, repo: o.repo, succeeded: o.succeeded, changeKey: h.change.key, now: h.now });
      store.history.putOutcome({ ...record, now: h.now });
      if (old) report.changed++;
      else report.added++;
    }
    for (const old of before.values()) {
      if (seen.has(old.targetId)) continue;
      recordOutcome(store, { changeKind: old.changeKind, repo: old.repo, succeeded: old.succeeded, changeKey: old.changeKey, now: h.now }, -1);
      store.history.dropOutcome(h.campaignId, old.targetId);
      report.removed++;
    }
    const isCounted = h.outcomes.length > 0;
    const first = [...before.values()][0];
    // Counted under another kind or key before (a key whose wording changed): the count moves with it.
    const moved = wasCounted && (first.changeKind !== h.changeKind || first.changeKey !== h.change.key);
    if (wasCounted && (!isCounted || moved)) recordCampaignEnd(store, { changeKind: first.changeKind, changeKey: first.changeKey, now: h.now }, -1);
    if (isCounted && (!wasCounted || moved)) recordCampaignEnd(store, { changeKind: h.changeKind, changeKey: h.change.key, now: h.now });
    return report;
  });
}

/**
 * The repository's history signal for a change kind (Laplace-smoothed success rate).
 *
 * @example readRepoHistory(store, 'acme/api', 'npm-dependency') // { value: 0.5, evidence: { successes: 0, failures: 0 } } when new
 */
export function readRepoHistory(store: HistoryStore, repo: string, changeKind: string): HistorySignal {
  const row = store.history.get('repo', repo, changeKind);
  return buildHistorySignal(row?.successes ?? 0, row?.failures ?? 0);
}
