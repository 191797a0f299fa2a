import type { CampaignRecord, GateDecision, TargetRecord } from '../store/store.js';

/** The evidence the wave logic hands the confidence model when a wave is ready for a decision. */
export interface WaveEvidence {
  campaignId: string;
  changeKind: string;
  wave: number;
  waveCount: number;
  /** Targets of the whole campaign so far. */
  successes: number;
  failures: number;
  /** Scores (0–100) of the wave's targets that have one. */
  targetScores: number[];
  /** All targets of the campaign (a percentage failure budget is a share of these). */
  targetCount: number;
  /** Targets with no outcome yet: not final and not parked at this wave's gate. */
  remaining?: number;
  /** The wave's targets, and how many of them were skipped (the reason says so when none was scored). */
  waveTargets?: number;
  skipped?: number;
  /** Failures a person accepted by resuming the campaign past a halt: only failures beyond them halt it again. */
  acceptedFailures?: number;
  /** The wave's targets at the gate whose canary verdict is marginal: the wave then asks a person. */
  marginal?: { repo: string; score: number; thresholds: { pass: number; marginal: number } }[];
  policy: { auto: number; review: number; failureBudget: number | string };
  /** The last decided wave before this one (its gate's confidence and the outcomes it saw): a wave without evidence carries it. */
  previous?: { wave: number; confidence: number; successes: number; failures: number };
}

export interface WaveVerdict {
  decision: GateDecision;
  /** Campaign confidence, 0–100. */
  confidence: number;
  /** One sentence a person can read in Slack. */
  reason: string;
  /** The breakdown shown to approvers (signals, weights, history). */
  explanation: Record<string, unknown>;
}

/**
 * What the engine asks of the confidence model. Kept as a small interface so the tick and the wave
 * logic stay pure units under test; `createConfidenceModel` binds it to src/confidence/.
 */
export interface ConfidenceModel {
  /** A target's score (0–100) from its collected signals; null when there is nothing to score. */
  scoreTarget(signals: Record<string, unknown>): number | null;
  /**
   * The repository's own record in past campaigns of this change kind, as its `history` signal
   * (null: none recorded yet). The tick adds it to a target's signals once, on its first step.
   */
  repoHistory(repo: string, changeKind: string): Record<string, unknown> | null;
  decideWave(evidence: WaveEvidence): WaveVerdict;
  /**
   * Called when a campaign completes, halts or is aborted, with its targets as they stand then, so
   * later campaigns learn from it. Called again when a resumed campaign ends again: what it records
   * replaces what the campaign recorded before (a campaign counts once).
   */
  recordOutcome(campaign: CampaignRecord, targets: readonly TargetRecord[], now: number): void;
}
