import type { StepRegistry } from '../steps/registry.js';
import type { Store } from '../store/store.js';
import type { ConfidenceModel } from './confidence-model.js';
import type { WavesReport } from './waves.js';

/*
 * The tick's input and report, shared by tick.ts (the step pass) and close-targets.ts (the close
 * pass). tick.ts re-exports the public ones.
 */

export interface TickLimits {
  /** Targets picked per tick. */
  maxTargets: number;
  /** Steps running at once. */
  concurrency: number;
  /** A step that takes longer is abandoned for this tick and counts as a retryable failure. */
  stepTimeoutMs: number;
  /** Failed attempts of one step before the target needs a person (default 5). */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt up to `backoffCapMs` (defaults 30 s and 30 min). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export interface TickInput<Deps> {
  store: Store;
  registry: StepRegistry<Deps>;
  deps: Deps;
  now: () => number;
  limits: TickLimits;
  /** Default: the model over src/confidence/ with history from the store. */
  confidence?: ConfidenceModel;
}

export type TargetOutcome = 'done' | 'wait' | 'retry' | 'failed' | 'needs-human' | 'skipped' | 'succeeded' | 'lost-race' | 'timeout' | 'budget' | 'deferred' | 'closed';

export interface TickReport {
  frozen: boolean;
  picked: number;
  /** Steps actually run. */
  ran: number;
  outcomes: Partial<Record<TargetOutcome, number>>;
  /** Targets not started because of a schedule window, the open-PR cap or the GitHub budget. */
  deferred: { window: number; openPrs: number; budget: number };
  waves: WavesReport;
}

/**
 * Counts one outcome in the tick's report.
 *
 * @example bump(report, 'lost-race');
 */
export function bump(report: TickReport, outcome: TargetOutcome): void {
  report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
}
