import { scoreDiffSize, SIGNAL_NAMES, TargetSignals, type SignalName, type TargetSignalsInput } from './signals.js';

/** Default weight of each signal; they sum to 1. Checks and the canary carry most of the evidence. */
export const DEFAULT_WEIGHTS: Readonly<Record<SignalName, number>> = {
  checks: 0.3,
  canary: 0.3,
  compliance: 0.15,
  diffSize: 0.1,
  history: 0.15,
};

export const SIGNAL_LABELS: Readonly<Record<SignalName, string>> = {
  checks: 'Required checks',
  canary: 'Canary analysis',
  compliance: 'Compliance',
  diffSize: 'Diff size',
  history: 'Repository history',
};

/** The canary's marginal threshold (0–100) when neither the options nor the evidence give one. */
export const DEFAULT_MARGINAL = 75;
/** The canary's pass threshold (0–100) when the evidence gives none. */
export const DEFAULT_PASS = 95;

export interface ScoreOptions {
  /** Weights per signal (any scale; they are normalised over the signals present). */
  weights?: Partial<Record<SignalName, number>>;
  /** The canary judge's marginal threshold, 0–100; a canary score at or below it is a hard gate. */
  marginal?: number;
}

/** One line of the breakdown: plain data for the Slack builders. */
export interface ScoreFactor {
  signal: SignalName;
  label: string;
  present: boolean;
  /** The signal in [0, 1], or null when absent. */
  value: number | null;
  /** The configured weight before sharing out absent signals' weights. */
  baseWeight: number;
  /** The weight actually used (0 for an absent signal); the used weights sum to 1. */
  weight: number;
  /** Points this factor adds to the 0–100 score (value × weight × 100). */
  contribution: number;
}

export interface TargetScore {
  /** 0–100; 0 when a hard gate holds. */
  score: number;
  gated: boolean;
  gate: { signal: SignalName; reason: string } | null;
  factors: ScoreFactor[];
  /** One line for a person. */
  reason: string;
}

function describeViolation(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') {
    const r = v as { rule?: unknown; message?: unknown };
    return [r.rule, r.message].filter((x): x is string => typeof x === 'string').join(': ') || 'a rule';
  }
  return 'a rule';
}

function findHardGate(signals: TargetSignals, marginal: number | undefined): TargetScore['gate'] {
  const compliance = signals.compliance;
  if (compliance) {
    const violations = compliance.evidence.violations;
    if (violations.length > 0) {
      return { signal: 'compliance', reason: `Compliance violation: ${violations.map(describeViolation).join('; ')}.` };
    }
    if (compliance.value === 0) return { signal: 'compliance', reason: 'Compliance violation (the compliance step scored 0).' };
  }
  const checks = signals.checks;
  if (checks) {
    const preExisting = new Set(checks.evidence.preExisting);
    const caused = [...new Set([...checks.evidence.failing, ...checks.evidence.failed])].filter((name) => !preExisting.has(name));
    if (caused.length > 0) return { signal: 'checks', reason: `Required check failing because of this change: ${caused.join(', ')}.` };
    if (checks.value === 0) return { signal: 'checks', reason: 'Every required check fails on this change.' };
  }
  const canary = signals.canary;
  if (canary) {
    const threshold = marginal ?? canary.evidence.thresholds?.marginal ?? DEFAULT_MARGINAL;
    const score = canary.value * 100;
    if (score <= threshold) {
      return { signal: 'canary', reason: `Canary score ${formatNumber(score)} is at or below the marginal threshold ${formatNumber(threshold)}.` };
    }
  }
  return null;
}

function readDiffSize(signal: NonNullable<TargetSignals['diffSize']>): number {
  const lines = signal.evidence.changedLines ?? signal.evidence.lines;
  return lines === undefined ? signal.value : scoreDiffSize(lines);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * A target's confidence, 0–100, with its breakdown. Hard gates come first (a compliance violation,
 * a required check failing because of this change, a canary at or below its marginal threshold:
 * score 0 with the reason); otherwise the weighted mean of the signals present, the weights of
 * absent signals shared out in proportion among the present ones.
 *
 * @example
 * scoreTarget({ checks: { value: 1, evidence: {} }, canary: { value: 0.9, evidence: {} } }).score
 * // checks 0.3 and canary 0.3 present → each weighs 0.5 → (1 × 0.5 + 0.9 × 0.5) × 100 = 95
 */
export function scoreTarget(signals: TargetSignalsInput, options: ScoreOptions = {}): TargetScore {
  const parsed = TargetSignals.parse(signals);
  const baseWeights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const present = SIGNAL_NAMES.filter((name) => parsed[name] !== undefined && (baseWeights[name] ?? 0) > 0);
  const presentWeight = present.reduce((sum, name) => sum + baseWeights[name], 0);
  const gate = findHardGate(parsed, options.marginal);

  const factors: ScoreFactor[] = SIGNAL_NAMES.map((name) => {
    const signal = parsed[name];
    const isPresent = present.includes(name);
    const weight = isPresent ? baseWeights[name] / presentWeight : 0;
    const value = name === 'diffSize' && parsed.diffSize ? readDiffSize(parsed.diffSize) : signal ? signal.value : null;
    return {
      signal: name,
      label: SIGNAL_LABELS[name],
      present: isPresent,
      value,
      baseWeight: baseWeights[name],
      weight,
      contribution: isPresent && value !== null ? value * weight * 100 : 0,
    };
  });

  if (gate) return { score: 0, gated: true, gate, factors, reason: gate.reason };
  if (present.length === 0) return { score: 0, gated: false, gate: null, factors, reason: 'No confidence signals collected yet.' };

  const score = factors.reduce((sum, f) => sum + f.contribution, 0);
  const weakest = factors.filter((f) => f.present).sort((a, b) => (a.value ?? 0) - (b.value ?? 0))[0];
  const missing = factors.filter((f) => !f.present).map((f) => f.label.toLowerCase());
  const reason =
    `Confidence ${formatNumber(Math.round(score * 10) / 10)} from ${present.length} of ${SIGNAL_NAMES.length} signals; ` +
    `weakest: ${weakest.label.toLowerCase()} ${weakest.value!.toFixed(2)}` +
    (missing.length > 0 ? `; not yet known: ${missing.join(', ')}.` : '.');
  return { score, gated: false, gate: null, factors, reason };
}

/**
 * Reads the signals JSON column without trusting it: each known signal that fails validation is
 * dropped (and named in `invalid`) rather than failing the whole target.
 *
 * @example parseTargetSignals({ checks: { value: 2 } }) // { signals: {}, invalid: ['checks'] }
 */
export function parseTargetSignals(json: unknown): { signals: TargetSignals; invalid: SignalName[] } {
  const source = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const invalid: SignalName[] = [];
  const kept: Record<string, unknown> = {};
  for (const name of SIGNAL_NAMES) {
    if (source[name] === undefined) continue;
    const one = TargetSignals.safeParse({ [name]: source[name] });
    if (one.success) kept[name] = one.data[name];
    else invalid.push(name);
  }
  return { signals: TargetSignals.parse(kept), invalid };
}

/**
 * The target's canary when its verdict is marginal (scored above the marginal threshold, below
 * pass): such a target is weighed by a person before it merges. Null for any other verdict or none.
 *
 * @example readMarginalCanary('acme/a', { canary: { value: 0.85, evidence: { verdict: 'marginal', score: 85 } } })
 * // { repo: 'acme/a', score: 85, thresholds: { pass: 95, marginal: 75 } }
 */
export function readMarginalCanary(repo: string, json: unknown): { repo: string; score: number; thresholds: { pass: number; marginal: number } } | null {
  const canary = parseTargetSignals(json).signals.canary;
  if (!canary || canary.evidence.verdict !== 'marginal') return null;
  return { repo, score: canary.evidence.score ?? canary.value * 100, thresholds: canary.evidence.thresholds ?? { pass: DEFAULT_PASS, marginal: DEFAULT_MARGINAL } };
}
