import { betaQuantile } from './distributions.js';

/**
 * The wave gate. The campaign's own evidence (s successes, f failures so far) updates a prior
 * Beta(a0, b0) learned from past campaigns of the same change kind; campaign confidence is a low
 * quantile of the posterior Beta(a0 + s, b0 + f), so a handful of successes is not mistaken for
 * certainty. It is then averaged with the wave's mean target score (the two weigh half each by
 * default): the posterior says how often targets of this change succeed, the target scores say how
 * strong the evidence on this wave's targets is.
 */

/** The largest a0 + b0 a prior may have: history informs but never outvotes the campaign itself. */
export const PRIOR_CAP = 10;
export const DEFAULT_QUANTILE = 0.1;
/**
 * The failure-rate quantile behind a projected budget halt: a campaign halts early only when it is
 * 95% sure to fail at a rate that spends its budget (a stronger claim than the confidence's 90%,
 * since a halt stops everyone).
 */
export const HALT_QUANTILE = 0.05;
export const DEFAULT_EVIDENCE_WEIGHT = 0.5;
export const DEFAULT_POLICY = { auto: 90, review: 60, failureBudget: '5%' as number | string };

export interface Prior {
  a0: number;
  b0: number;
  /** Past campaigns of this change kind the prior was learned from. */
  campaigns: number;
  /** Target outcomes behind it, before capping. */
  successes: number;
  failures: number;
  /** True when the history was scaled down to the cap. */
  capped: boolean;
  /**
   * This change's own history (same package and major version, same file, ...) when it has one:
   * its outcomes are part of `successes` and `failures` above, weighed more than those of other
   * changes of the kind (see `buildPooledPrior`).
   */
  change?: PriorChange;
}

/** The history of past campaigns of the same change (a `ChangeHistoryKey`), inside a prior. */
export interface PriorChange {
  key: string;
  /** "lodash 4.x bumps". */
  label: string;
  successes: number;
  failures: number;
  campaigns: number;
  /** Targets' worth of evidence the prior gives this change's outcomes, and the other changes' of the kind. */
  weight: number;
  othersWeight: number;
}

/** The uninformative prior, Beta(1, 1), for a change kind never run before. */
export const UNIFORM_PRIOR: Prior = { a0: 1, b0: 1, campaigns: 0, successes: 0, failures: 0, capped: false };

/**
 * A prior from past outcomes: Beta(1 + S·k, 1 + F·k) where k shrinks the history so that
 * a0 + b0 ≤ cap.
 *
 * @example buildPrior(90, 0, 9) // { a0: 9, b0: 1, campaigns: 9, capped: true, ... }
 */
export function buildPrior(successes: number, failures: number, campaigns: number, cap = PRIOR_CAP): Prior {
  const n = successes + failures;
  const room = Math.max(0, cap - 2);
  const scale = n > room ? room / n : 1;
  return { a0: 1 + successes * scale, b0: 1 + failures * scale, campaigns, successes, failures, capped: scale < 1 };
}

/** The share of the prior's room (cap − 2) the change's own outcomes may take when others of the kind fill the rest. */
export const CHANGE_SHARE = 0.75;

/**
 * A prior pooled from a change's own history and its kind's. `kind` counts every outcome of the
 * change kind (the change's own included); `change` those of campaigns that made the same change.
 * The prior has room for cap − 2 targets' worth of evidence beyond Beta(1, 1): the change's own
 * outcomes take up to `CHANGE_SHARE` of it (more when the other changes of the kind have too few
 * outcomes to fill the rest), the other changes' outcomes fill what is left; each share keeps
 * its own success rate and is scaled down when it has more outcomes than room. Without the change's
 * own history it is `buildPrior` over the kind.
 *
 * @example buildPooledPrior({ successes: 100, failures: 0, campaigns: 10 }, { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps', successes: 4, failures: 4, campaigns: 2 })
 * // the change takes 6 of the 8 (4 + 4 scaled by 0.75 → 3 + 3), the others 2 (100 + 0 → 2 + 0): Beta(6, 4)
 */
export function buildPooledPrior(
  kind: { successes: number; failures: number; campaigns: number },
  change: { key: string; label: string; successes: number; failures: number; campaigns: number } | undefined,
  cap = PRIOR_CAP,
): Prior {
  const own = change ? change.successes + change.failures : 0;
  if (!change || own === 0) return buildPrior(kind.successes, kind.failures, kind.campaigns, cap);
  const room = Math.max(0, cap - 2);
  const otherSuccesses = Math.max(0, kind.successes - change.successes);
  const otherFailures = Math.max(0, kind.failures - change.failures);
  const others = otherSuccesses + otherFailures;
  const weight = Math.min(own, Math.max(room * CHANGE_SHARE, room - others));
  const othersWeight = Math.min(others, room - weight);
  const ownScale = weight / own;
  const otherScale = others > 0 ? othersWeight / others : 0;
  return {
    a0: 1 + change.successes * ownScale + otherSuccesses * otherScale,
    b0: 1 + change.failures * ownScale + otherFailures * otherScale,
    campaigns: kind.campaigns,
    successes: change.successes + otherSuccesses,
    failures: change.failures + otherFailures,
    capped: weight < own || othersWeight < others,
    change: { ...change, weight, othersWeight },
  };
}

export interface WavePolicy {
  /** At or above: the next wave starts on its own (0–100). */
  auto?: number;
  /** At or above (and below auto): a person approves. Below: halt. */
  review?: number;
  /** Failures allowed in the whole campaign: a count, or a share of targets such as "5%". */
  failureBudget?: number | string;
}

export interface WaveInput {
  /** The wave that just finished, counted from 0 (the reason line counts from 1). */
  wave: number;
  /** Targets of this campaign that succeeded / failed so far (all waves up to this one). */
  successes: number;
  failures: number;
  /** Scores (0–100) of this wave's targets; gated targets count with their 0. */
  targetScores: readonly number[];
  /** Learned from past campaigns of this change kind; uniform when absent. */
  prior?: Prior;
  policy?: WavePolicy;
  /** All targets of the campaign, to turn a percentage failure budget into a count. */
  targetCount?: number;
  /** Targets with no outcome yet (not final and not parked at a gate); default targetCount − successes − failures. */
  remaining?: number;
  /** The posterior quantile used as campaign confidence (default 0.1, the 10th percentile). */
  quantile?: number;
  /** Weight of the campaign confidence against the wave's mean target score (default 0.5). */
  evidenceWeight?: number;
  /** Targets in this wave, and how many of them were skipped (needing no change, or by a person): said in the reason. */
  waveTargets?: number;
  skipped?: number;
  /**
   * Failures a person has seen and accepted by resuming the campaign past a halt: they do not halt
   * it again; only failures beyond them count against the budget.
   */
  acceptedFailures?: number;
  /** This wave's targets whose canary verdict is marginal: a person weighs them, so the wave never passes on its own. */
  marginal?: readonly MarginalCanary[];
  /**
   * The decision of the campaign's last decided wave before this one. A wave without scored targets
   * and without a new outcome gives no evidence: its decision carries this one's confidence instead
   * of being taken on the prior alone.
   */
  previous?: PreviousWave;
}

/** What a wave decision carries forward to a later wave that gives no evidence of its own. */
export interface PreviousWave {
  wave: number;
  confidence: number;
  successes: number;
  failures: number;
}

/** A target whose canary scored in the marginal band (above `marginal`, below `pass`). */
export interface MarginalCanary {
  repo: string;
  score: number;
  thresholds: { pass: number; marginal: number };
}

export interface WaveFactor {
  name: 'campaign' | 'wave';
  label: string;
  /** 0–100, or null when there is nothing to measure. */
  value: number | null;
  weight: number;
  /** Points added to the combined confidence. */
  contribution: number;
  detail: string;
}

export type WaveDecisionKind = 'auto' | 'review' | 'halt';

export interface WaveDecision {
  decision: WaveDecisionKind;
  /** Combined confidence, 0–100. */
  confidence: number;
  /** One line for a person. */
  reason: string;
  factors: WaveFactor[];
  prior: Prior;
  posterior: { a: number; b: number };
  quantile: number;
  /** The posterior quantile as 0–100. */
  campaignConfidence: number;
  /** The wave's mean target score, or null for an empty wave. */
  waveMean: number | null;
  successes: number;
  failures: number;
  thresholds: { auto: number; review: number };
  /**
   * `projected`: the failures so far plus the targets left times the low end (`HALT_QUANTILE`) of
   * the failure rate's posterior; above `allowed`, the budget would be spent even at that rate.
   */
  failureBudget: { allowed: number; used: number; exceeded: boolean; projected: number; remaining: number };
  /** The marginal canaries a person is asked to weigh (empty when none). */
  marginal: MarginalCanary[];
  /** Set when the wave gave no evidence: the confidence is the one carried from that wave (null: none decided before, so a person is asked). */
  carried?: { from: number | null };
}

/**
 * The failures a campaign may have: a count as is, a percentage of the targets rounded up (so a
 * small campaign with "5%" may still lose one target rather than none).
 *
 * @example resolveFailureBudget('5%', 30) // 2
 */
export function resolveFailureBudget(budget: number | string, targetCount: number): number {
  if (typeof budget === 'number') return budget;
  const percent = Number(budget.replace('%', ''));
  if (!Number.isFinite(percent)) return 0;
  return Math.ceil((percent / 100) * targetCount);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Decides what happens after a wave: 'auto' (the next wave starts), 'review' (an approval request)
 * or 'halt' (the campaign stops and says why).
 *
 * @example
 * decideWave({ wave: 0, successes: 3, failures: 0, targetScores: [95, 95, 95] })
 * // posterior Beta(4, 1), 10th percentile 0.1^(1/4) = 0.562 → 56.2;
 * // combined 0.5 × 56.2 + 0.5 × 95 = 75.6 → 'review'
 */
export function decideWave(input: WaveInput): WaveDecision {
  const prior = input.prior ?? UNIFORM_PRIOR;
  const policy = { ...DEFAULT_POLICY, ...input.policy };
  const quantile = input.quantile ?? DEFAULT_QUANTILE;
  const evidenceWeight = input.evidenceWeight ?? DEFAULT_EVIDENCE_WEIGHT;
  const a = prior.a0 + input.successes;
  const b = prior.b0 + input.failures;
  const campaignConfidence = betaQuantile(quantile, a, b) * 100;
  const waveMean = input.targetScores.length > 0 ? input.targetScores.reduce((s, x) => s + x, 0) / input.targetScores.length : null;

  // An empty wave has no target evidence: the campaign factor then carries the whole weight.
  const campaignWeight = waveMean === null ? 1 : evidenceWeight;
  const waveWeight = waveMean === null ? 0 : 1 - evidenceWeight;
  const confidence = campaignConfidence * campaignWeight + (waveMean ?? 0) * waveWeight;
  const percentile = Math.round(quantile * 100);
  const factors: WaveFactor[] = [
    {
      name: 'campaign',
      label: 'Campaign evidence',
      value: campaignConfidence,
      weight: campaignWeight,
      contribution: campaignConfidence * campaignWeight,
      detail:
        `${input.successes} succeeded, ${input.failures} failed so far; prior Beta(${round1(prior.a0)}, ${round1(prior.b0)}) ` +
        `from ${prior.campaigns} past campaign${prior.campaigns === 1 ? '' : 's'}; ` +
        `${percentile}th percentile of Beta(${round1(a)}, ${round1(b)})`,
    },
    {
      name: 'wave',
      label: 'Wave target scores',
      value: waveMean,
      weight: waveWeight,
      contribution: (waveMean ?? 0) * waveWeight,
      detail: waveMean === null ? 'no targets in this wave' : `mean of ${input.targetScores.length} target score${input.targetScores.length === 1 ? '' : 's'}`,
    },
  ];

  const budget = resolveFailureBudget(policy.failureBudget, input.targetCount ?? input.successes + input.failures);
  // Failures a person accepted on resume raise the budget to them: only a new failure halts again.
  const accepted = Math.max(0, input.acceptedFailures ?? 0);
  const allowed = Math.max(budget, accepted);
  const exceeded = input.failures > allowed;
  // The failure rate's posterior is the mirror of the success rate's: Beta(b, a). Its low quantile
  // is a rate the campaign is (1 − quantile) sure to reach or exceed.
  const remaining = Math.max(0, input.remaining ?? (input.targetCount ?? 0) - input.successes - input.failures);
  const lowFailureRate = input.failures > 0 ? betaQuantile(HALT_QUANTILE, b, a) : 0;
  const projected = input.failures + remaining * lowFailureRate;
  const marginal = [...(input.marginal ?? [])];
  const base = {
    confidence,
    factors,
    prior,
    posterior: { a, b },
    quantile,
    campaignConfidence,
    waveMean,
    successes: input.successes,
    failures: input.failures,
    thresholds: { auto: policy.auto, review: policy.review },
    failureBudget: { allowed, used: input.failures, exceeded, projected, remaining },
    marginal,
  };
  const shown = round1(confidence);
  // Waves are counted from 1 where people read them (wave 0 is the canary wave, "wave 1" in Slack).
  const shownWave = input.wave + 1;
  // Said only where a person is asked; a halt has no button to approve the wave with.
  const weigh = marginal.length > 0 ? `. ${describeMarginal(marginal)}` : '';
  if (exceeded) {
    const over = accepted > budget ? `the ${accepted} failures accepted when the campaign was resumed (the failure budget is ${budget})` : `the failure budget of ${allowed}`;
    return {
      ...base,
      decision: 'halt',
      reason: `Halt after wave ${shownWave}: ${input.failures} failed targets exceed ${over}`,
    };
  }
  // A projection from failures a person already accepted is no new evidence: it halts again only after a new failure.
  if (projected > allowed && input.failures > accepted) {
    const sure = Math.round((1 - HALT_QUANTILE) * 100);
    return {
      ...base,
      decision: 'halt',
      reason:
        `Halt after wave ${shownWave}: ${input.failures} of ${input.successes + input.failures} targets failed so far; at ${round1(lowFailureRate * 100)}% ` +
        `(the rate this campaign fails at or above, ${sure}% sure) the ${remaining} targets left would bring it to ${Math.ceil(projected)} failures, past the failure budget of ${allowed}`,
    };
  }
  const evidence = describeEvidence(input, prior, shownWave);
  const previous = input.previous;
  const noEvidence = input.targetScores.length === 0 && input.successes === (previous?.successes ?? 0) && input.failures === (previous?.failures ?? 0);
  if (noEvidence && marginal.length === 0) return carryEvidence(input, base, policy, evidence, shownWave);
  if (confidence >= policy.auto && marginal.length > 0) {
    return {
      ...base,
      decision: 'review',
      reason: `Wave ${shownWave} needs an approval although its confidence ${shown} is at or above ${policy.auto} (${evidence})${weigh}`,
    };
  }
  if (confidence >= policy.auto) {
    return { ...base, decision: 'auto', reason: `Wave ${shownWave} passed: confidence ${shown} is at or above ${policy.auto} (${evidence}), so it merges on its own` };
  }
  if (confidence >= policy.review) {
    return {
      ...base,
      decision: 'review',
      reason: `Wave ${shownWave} needs an approval: confidence ${shown} is between ${policy.review} and ${policy.auto} (${evidence})${weigh}`,
    };
  }
  return { ...base, decision: 'halt', reason: `Halt after wave ${shownWave}: confidence ${shown} is below ${policy.review} (${evidence})` };
}

/**
 * The decision for a wave that gave no evidence (no scored target, no new outcome): it neither
 * raises nor lowers confidence. The last decided wave's confidence is carried and judged against
 * the thresholds again; before any wave was decided there is nothing to carry, so a person is asked
 * rather than the campaign halting on the prior alone.
 */
function carryEvidence(input: WaveInput, base: Omit<WaveDecision, 'decision' | 'reason'>, policy: { auto: number; review: number }, evidence: string, shownWave: number): WaveDecision {
  const previous = input.previous;
  if (!previous) {
    return {
      ...base,
      carried: { from: null },
      decision: 'review',
      reason: `Wave ${shownWave} gave no evidence to measure confidence on (${evidence}), so it neither raises nor lowers confidence: approve to go on to the next wave, whose targets give the first evidence, or reject it to halt the campaign`,
    };
  }
  const confidence = previous.confidence;
  const shown = round1(confidence);
  const from = `carried from wave ${previous.wave + 1}, as wave ${shownWave} gave no new evidence (${evidence})`;
  const carried = { ...base, confidence, carried: { from: previous.wave } };
  if (confidence >= policy.auto) return { ...carried, decision: 'auto', reason: `Wave ${shownWave} passed: confidence ${shown} is at or above ${policy.auto} (${from}), so it merges on its own` };
  if (confidence >= policy.review) return { ...carried, decision: 'review', reason: `Wave ${shownWave} needs an approval: confidence ${shown} is between ${policy.review} and ${policy.auto} (${from})` };
  return { ...carried, decision: 'halt', reason: `Halt after wave ${shownWave}: confidence ${shown} is below ${policy.review} (${from})` };
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What the confidence came from, in words: the campaign's outcomes so far, the wave's target
 * scores (or why it has none) and the history behind the prior. "Passed", not "succeeded": the
 * successes count targets parked at the gate, which passed every check before it but have not
 * merged (the root message shows them as running).
 *
 * @example describeEvidence({ wave: 0, successes: 0, failures: 0, targetScores: [], waveTargets: 2, skipped: 2 }, UNIFORM_PRIOR, 1)
 * // 'there is no evidence yet: no target has passed or failed, wave 1\'s 2 targets were all skipped (needing no change, or skipped by a person), and no past campaign of this change kind gives a history'
 */
export function describeEvidence(input: WaveInput, prior: Prior, shownWave: number): string {
  const { successes: s, failures: f } = input;
  const outcomes =
    s + f === 0 ? 'no target has passed or failed' : s === 0 ? `no target passed and ${f} failed so far` : `${count(s, 'target')} passed and ${f === 0 ? 'none' : f} failed so far`;
  const scores = input.targetScores;
  const skipped = input.skipped ?? 0;
  const waveTargets = input.waveTargets ?? scores.length + skipped;
  let wave: string;
  if (scores.length > 0) {
    const mean = round1(scores.reduce((sum, x) => sum + x, 0) / scores.length);
    wave = scores.length === 1 ? `wave ${shownWave}'s one scored target has a score of ${mean}` : `wave ${shownWave}'s ${scores.length} scored targets have a mean score of ${mean}`;
  } else if (skipped > 0 && skipped === waveTargets) {
    wave = waveTargets === 1 ? `wave ${shownWave}'s one target was skipped (needing no change, or skipped by a person)` : `wave ${shownWave}'s ${waveTargets} targets were all skipped (needing no change, or skipped by a person)`;
  } else {
    wave = `no target of wave ${shownWave} has a score yet${skipped > 0 ? ` (${skipped} of ${waveTargets} skipped)` : ''}`;
  }
  const history = describeHistory(prior);
  if (s + f === 0 && scores.length === 0 && prior.campaigns === 0) return `there is no evidence yet: ${outcomes}, ${wave}, and ${history}`;
  return `${outcomes}; ${wave}; ${history}`;
}

/**
 * Which history the prior drew on, in words: the same change's past campaigns when there are any
 * (and the rest of the kind, which counts for less), else the change kind's.
 *
 * @example describeHistory(UNIFORM_PRIOR) // 'no past campaign of this change kind gives a history'
 */
export function describeHistory(prior: Prior): string {
  const c = prior.change;
  if (c && c.successes + c.failures > 0) {
    const own = `past ${c.label} (${count(c.campaigns, 'campaign')}) saw ${c.successes} of ${count(c.successes + c.failures, 'target')} succeed`;
    const otherSuccesses = prior.successes - c.successes;
    const others = otherSuccesses + prior.failures - c.failures;
    if (others === 0) return own;
    return `${own}; other campaigns of this change kind saw ${otherSuccesses} of ${count(others, 'target')} succeed and count for less`;
  }
  if (prior.campaigns === 0) return 'no past campaign of this change kind gives a history';
  return `${count(prior.campaigns, 'past campaign')} of this change kind saw ${prior.successes} of ${count(prior.successes + prior.failures, 'target')} succeed`;
}

/**
 * Which canaries scored in the marginal band, with their scores and the band.
 *
 * @example describeMarginalScores([{ repo: 'acme/a', score: 85, thresholds: { pass: 95, marginal: 75 } }])
 * // 'The canary of acme/a scored 85, in the marginal band (above 75, below 95)'
 */
export function describeMarginalScores(marginal: readonly MarginalCanary[]): string {
  const [first] = marginal;
  const band = `in the marginal band (above ${round1(first.thresholds.marginal)}, below ${round1(first.thresholds.pass)})`;
  if (marginal.length === 1) return `The canary of ${first.repo} scored ${round1(first.score)}, ${band}`;
  const named = marginal.slice(0, 5).map((m) => `${m.repo} ${round1(m.score)}`).join(', ');
  return `The canaries of ${marginal.length} targets scored ${band}: ${named}${marginal.length > 5 ? ` and ${marginal.length - 5} more` : ''}`;
}

/**
 * The marginal canaries of a wave in one sentence, and what a person does about them.
 *
 * @example describeMarginal([{ repo: 'acme/a', score: 85, thresholds: { pass: 95, marginal: 75 } }])
 * // 'The canary of acme/a scored 85, in the marginal band (above 75, below 95): Fleet does not merge it without a person, so approve the wave to merge it or reject it to halt the campaign'
 */
export function describeMarginal(marginal: readonly MarginalCanary[]): string {
  const it = marginal.length === 1 ? 'it' : 'them';
  return `${describeMarginalScores(marginal)}: Fleet does not merge ${it} without a person, so approve the wave to merge ${it} or reject it to halt the campaign`;
}
