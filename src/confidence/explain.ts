import { describeHistory, type WaveDecision } from './decide-wave.js';
import type { TargetScore } from './score-target.js';

/**
 * The breakdown in the flat shape the Slack builders render: one line per factor with its value in
 * [0, 1], its weight and the points it adds, the history prior, and the hard gates. Pure data.
 */
export interface Breakdown {
  score: number;
  decision?: WaveDecision['decision'];
  signals: { name: string; value: number | null; weight: number; contribution: number }[];
  /** The history prior; `history` says in words which history it drew on (the same change's, then its kind's). */
  prior: { a: number; b: number; campaigns: number; history?: string } | null;
  successes?: number;
  failures?: number;
  hardGates: string[];
  explanation: string;
}

/**
 * A target score as a breakdown.
 *
 * @example explainTarget(scoreTarget(signals)).signals[0] // { name: 'Required checks', value: 1, weight: 0.3, contribution: 30 }
 */
export function explainTarget(score: TargetScore): Breakdown {
  return {
    score: score.score,
    signals: score.factors.map((f) => ({ name: f.label, value: f.value, weight: f.weight, contribution: f.contribution })),
    prior: null,
    hardGates: score.gate ? [score.gate.reason] : [],
    explanation: score.reason,
  };
}

/**
 * A wave decision as a breakdown (factor values scaled from 0–100 to [0, 1]).
 *
 * @example explainWave(decideWave(input)).prior // { a: 9, b: 1, campaigns: 9 }
 */
export function explainWave(decision: WaveDecision): Breakdown {
  return {
    score: decision.confidence,
    decision: decision.decision,
    signals: decision.factors.map((f) => ({ name: f.label, value: f.value === null ? null : f.value / 100, weight: f.weight, contribution: f.contribution })),
    prior: { a: decision.prior.a0, b: decision.prior.b0, campaigns: decision.prior.campaigns, ...(decision.prior.change ? { history: describeHistory(decision.prior) } : {}) },
    successes: decision.successes,
    failures: decision.failures,
    hardGates: decision.failureBudget.exceeded ? [`${decision.failures} failures exceed the failure budget of ${decision.failureBudget.allowed}.`] : [],
    explanation: decision.reason,
  };
}
