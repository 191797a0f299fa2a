import { z } from 'zod';

/**
 * The confidence signals a target collects, as the steps store them in `target.signals` (the
 * `signals_json` column). Each signal is a value in [0, 1] (1 = safest) and the evidence behind it.
 * Only the evidence fields the hard gates read are declared; anything else a step records is kept.
 */

const Unit = z.number().min(0).max(1);

/** `value`: the share of required checks that pass, counting only failures this change caused. */
export const ChecksSignal = z.object({
  value: Unit,
  evidence: z
    .looseObject({
      /** Required checks that failed on the PR's head. */
      failed: z.array(z.string()).default([]),
      /** Required checks failing because of this change (pre-existing failures already left out). */
      failing: z.array(z.string()).default([]),
      /** Of those, the ones that also fail on the default branch (not this change's fault). */
      preExisting: z.array(z.string()).default([]),
    })
    .prefault({}),
});
export type ChecksSignal = z.infer<typeof ChecksSignal>;

/** `value`: the canary judge's summary score / 100; `evidence`: the judge's result. */
export const CanarySignal = z.object({
  value: Unit,
  evidence: z
    .looseObject({
      verdict: z.enum(['pass', 'marginal', 'fail']).optional(),
      score: z.number().optional(),
      thresholds: z.object({ pass: z.number(), marginal: z.number() }).optional(),
    })
    .prefault({}),
});
export type CanarySignal = z.infer<typeof CanarySignal>;

/** `value`: 1 when every rule holds; any violation is a hard gate. */
export const ComplianceSignal = z.object({
  value: Unit,
  evidence: z
    .looseObject({
      violations: z.array(z.union([z.string(), z.looseObject({ rule: z.string().optional(), message: z.string().optional() })])).default([]),
    })
    .prefault({}),
});
export type ComplianceSignal = z.infer<typeof ComplianceSignal>;

/**
 * `value`: see `scoreDiffSize`; `evidence.changedLines` (or `evidence.lines`) the lines added plus
 * removed. Steps build it with `buildDiffSizeSignal`. When the evidence has a line count, the score
 * applies `scoreDiffSize` to it, so a row written before that (open-pr once stored
 * `1 / (1 + lines / 100)` under `lines`) is measured on the same documented curve.
 */
export const DiffSizeSignal = z.object({
  value: Unit,
  evidence: z.looseObject({ changedLines: z.number().int().min(0).optional(), lines: z.number().int().min(0).optional() }).prefault({}),
});
export type DiffSizeSignal = z.infer<typeof DiffSizeSignal>;

/** `value`: the repository's Laplace-smoothed success rate in past campaigns of this change kind. */
export const HistorySignal = z.object({
  value: Unit,
  evidence: z.looseObject({ successes: z.number().int().min(0).optional(), failures: z.number().int().min(0).optional() }).prefault({}),
});
export type HistorySignal = z.infer<typeof HistorySignal>;

export const TargetSignals = z.looseObject({
  checks: ChecksSignal.optional(),
  canary: CanarySignal.optional(),
  compliance: ComplianceSignal.optional(),
  diffSize: DiffSizeSignal.optional(),
  history: HistorySignal.optional(),
});
export type TargetSignals = z.infer<typeof TargetSignals>;
/** What a step writes before parsing (defaults not yet filled in). */
export type TargetSignalsInput = z.input<typeof TargetSignals>;

export const SIGNAL_NAMES = ['checks', 'canary', 'compliance', 'diffSize', 'history'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Lines at which the diff-size signal is 0.5. */
export const DIFF_HALF_LINES = 300;
/** How sharply the curve falls around the half point. */
export const DIFF_STEEPNESS = 2;

/**
 * The diff-size signal: 1 / (1 + (lines / 300)²). Small diffs are nearly free (10 lines → 0.999,
 * 100 → 0.90), 300 lines is the midpoint (0.5), and large rewrites fall fast (1,000 → 0.08).
 *
 * @example scoreDiffSize(100) // 0.9
 */
export function scoreDiffSize(changedLines: number): number {
  const lines = Math.max(0, changedLines);
  return 1 / (1 + (lines / DIFF_HALF_LINES) ** DIFF_STEEPNESS);
}

/**
 * The diff-size signal with its evidence, ready for `signals.diffSize`.
 *
 * @example buildDiffSizeSignal(100) // { value: 0.9, evidence: { changedLines: 100, curve: '1 / (1 + (lines / 300)^2)' } }
 */
export function buildDiffSizeSignal(changedLines: number): DiffSizeSignal {
  return {
    value: scoreDiffSize(changedLines),
    evidence: { changedLines, curve: `1 / (1 + (lines / ${DIFF_HALF_LINES})^${DIFF_STEEPNESS})` },
  };
}

/**
 * The history signal: (successes + 1) / (successes + failures + 2), Laplace's rule of succession,
 * so a repository never seen before scores 0.5 and one success does not make it certain.
 *
 * @example buildHistorySignal(3, 0) // { value: 0.8, evidence: { successes: 3, failures: 0 } }
 */
export function buildHistorySignal(successes: number, failures: number): HistorySignal {
  return { value: (successes + 1) / (successes + failures + 2), evidence: { successes, failures } };
}
