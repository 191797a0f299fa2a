import type { ConfidenceBreakdown } from '../../domain/notifications.js';
import { metricInWords as plainMetricInWords } from '../../domain/words.js';
import { ACTION, encodeValue } from './action-ids.js';
import { LIMITS, actions, button, context, escapeText, fallback, fields, mention, packLines, plural, section, type Block, type SlackMessage } from './text.js';

export type { ConfidenceBreakdown };
export type ConfidenceSignal = ConfidenceBreakdown['signals'][number];

export interface ConfidenceUpdateInput extends ConfidenceBreakdown {
  campaignId: string;
  wave: number;
}

function formatNumber(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits).replace(/\.?0+$/, '') || '0' : 'n/a';
}

/** Past target outcomes at or above this share of successes read "went well". */
const WENT_WELL = 0.9;

/**
 * The breakdown in words, as the thread shows it: how the campaign's repositories have done so
 * far, how its past campaigns of the same change went (this very change's, such as lodash 4.x bumps,
 * when there are any, then the rest of its kind), and the hard gates. The statistics behind
 * them (weights, the Beta prior and posterior) are one click away, on the Details button.
 *
 * @example breakdownInWords({ score: 76, signals: [], prior: { a: 9, b: 1, campaigns: 9, successes: 9, failures: 1 },
 *   changeKind: 'npm-dependency', successes: 2, failures: 0 }, 0)
 * // ['2 of 2 canary repositories passed.', 'Past npm-dependency campaigns went well: 9 of 10 repositories succeeded, over 9 campaigns.']
 */
export function breakdownInWords(c: ConfidenceBreakdown, wave: number): string[] {
  const lines: string[] = [];
  const waveScore = c.signals.find((s) => s.key === 'wave');
  const average = waveScore && waveScore.value !== null ? `; they score ${Math.round(waveScore.value * 100)} of 100 on average` : '';
  if (c.successes !== undefined || c.failures !== undefined) {
    const passed = c.successes ?? 0;
    const judged = passed + (c.failures ?? 0);
    if (judged === 0) {
      // "0 of 0 passed" says nothing: say why there is no evidence.
      lines.push(wave === 0 ? 'No canary repository has passed or failed yet: none needed the change, or none has finished.' : 'No repository has passed or failed yet: none needed the change, or none has finished.');
    } else {
      lines.push(
        wave === 0
          ? `${passed} of ${plural(judged, 'canary repository', 'canary repositories')} passed${average}.`
          : `${passed} of ${plural(judged, 'repository', 'repositories')} so far passed${average}.`,
      );
    }
  }
  // Signals other than the wave decision's two factors (a target's breakdown) are named with their value.
  for (const s of c.signals.filter((x) => x.key !== 'wave' && x.key !== 'campaign')) {
    lines.push(`${escapeText(s.name)}: ${s.value === null ? 'not measured' : `${Math.round(s.value * 100)} of 100`}.`);
  }
  if (c.prior) {
    const kind = c.changeKind ? `${escapeText(c.changeKind)} ` : '';
    const { successes, failures } = c.prior;
    const change = c.prior.change;
    if (change && change.successes + change.failures > 0) {
      // The same change's own history first; the rest of the kind, weighed less, after it.
      const own = change.successes + change.failures;
      const how = change.successes / own >= WENT_WELL ? 'went well' : 'had failures';
      lines.push(`Past ${escapeText(change.label)} ${how}: ${change.successes} of ${plural(own, 'repository', 'repositories')} succeeded, over ${plural(change.campaigns, 'campaign')}.`);
      const otherSuccesses = (successes ?? change.successes) - change.successes;
      const others = otherSuccesses + (failures ?? change.failures) - change.failures;
      if (others > 0) lines.push(`Other ${kind}campaigns count for less: ${otherSuccesses} of ${plural(others, 'repository', 'repositories')} succeeded.`);
    } else if (successes !== undefined && failures !== undefined && successes + failures > 0) {
      const total = successes + failures;
      const how = successes / total >= WENT_WELL ? 'went well' : 'had failures';
      const over = c.prior.campaigns > 0 ? `, over ${plural(c.prior.campaigns, 'campaign')}` : '';
      lines.push(`Past ${kind}campaigns ${how}: ${successes} of ${plural(total, 'repository', 'repositories')} succeeded${over}.`);
    } else if (c.prior.campaigns > 0) {
      lines.push(`Fleet has learned from ${plural(c.prior.campaigns, `past ${kind}campaign`)}.`);
    } else {
      lines.push(`No past ${kind}campaign to learn from yet.`);
    }
  }
  for (const g of c.hardGates ?? []) lines.push(`:no_entry: ${escapeText(g)}`);
  return lines;
}

/** The breakdown as the thread shows it: words, and the decision's own sentence below. */
function wordsBlocks(c: ConfidenceBreakdown, wave: number, maxBlocks: number): Block[] {
  const blocks = packLines(breakdownInWords(c, wave).map((l) => `• ${l}`), Math.max(1, maxBlocks - 1), 'lines');
  if (c.explanation) blocks.push(context([escapeText(c.explanation)]));
  return blocks;
}

/**
 * The statistics behind a breakdown, one line each: every signal with its value, weight and
 * contribution (and the factor's own account), the history prior, the posterior and its quantile,
 * the thresholds and the failure budget. What the Details button shows; never the thread.
 */
export function breakdownStatistics(c: ConfidenceBreakdown): string[] {
  const lines = c.signals.map((s) => {
    const value = s.value === null ? 'absent' : formatNumber(s.value);
    return `• *${escapeText(s.name)}*: ${value} × weight ${formatNumber(s.weight)} → +${formatNumber(s.contribution, 1)}${s.detail ? ` (${escapeText(s.detail)})` : ''}`;
  });
  if (c.prior) {
    const outcomes = c.prior.successes !== undefined && c.prior.failures !== undefined ? `: ${c.prior.successes} succeeded, ${c.prior.failures} failed` : '';
    lines.push(`• *history prior*: Beta(${formatNumber(c.prior.a)}, ${formatNumber(c.prior.b)}) from ${plural(c.prior.campaigns, 'past campaign')}${outcomes}`);
  }
  if (c.successes !== undefined || c.failures !== undefined) {
    lines.push(`• *this campaign*: ${c.successes ?? 0} succeeded, ${c.failures ?? 0} failed`);
  }
  if (c.posterior) {
    const quantile = c.quantile !== undefined ? `; its ${Math.round(c.quantile * 100)}th percentile is the campaign evidence` : '';
    lines.push(`• *posterior*: Beta(${formatNumber(c.posterior.a)}, ${formatNumber(c.posterior.b)})${quantile}`);
  }
  if (c.thresholds) lines.push(`• *thresholds*: merges on its own at ${c.thresholds.auto} or above; asks a person at ${c.thresholds.review} or above; halts below`);
  if (c.failureBudget) {
    const b = c.failureBudget;
    lines.push(`• *failure budget*: ${b.used} of ${b.allowed} used; ${formatNumber(b.projected, 1)} projected with ${plural(b.remaining, 'target')} left`);
  }
  for (const g of c.hardGates ?? []) lines.push(`• :no_entry: hard gate: ${escapeText(g)}`);
  return lines;
}

/** The full statistics as blocks (a confidence update, the details reply). */
function breakdownBlocks(c: ConfidenceBreakdown, maxBlocks: number): Block[] {
  const blocks = packLines(breakdownStatistics(c), Math.max(1, maxBlocks - 1), 'signals');
  if (c.explanation) blocks.push(context([escapeText(c.explanation)]));
  return blocks;
}

const DECISION_TEXT = { auto: 'proceeds on its own', review: 'needs a review', halt: 'halts the campaign' } as const;

/**
 * A thread post with the campaign confidence and how it was reached: each signal, its weight and
 * contribution, and the history prior.
 *
 * @example confidenceUpdate({ campaignId: 'c-1', wave: 0, score: 87, decision: 'review',
 *   signals: [{ name: 'checks', value: 1, weight: 0.4, contribution: 40 }], prior: null })
 */
export function confidenceUpdate(input: ConfidenceUpdateInput): SlackMessage {
  const decision = input.decision ? ` — ${DECISION_TEXT[input.decision]}` : '';
  return {
    text: fallback(`Confidence after wave ${input.wave + 1}: ${Math.round(input.score)}/100`),
    blocks: [section(`:bar_chart: *Confidence after wave ${input.wave + 1}: ${Math.round(input.score)}/100*${decision}`), ...breakdownBlocks(input, 10)],
  };
}

export interface GateRequestInput {
  campaignId: string;
  gateId: number;
  /** The wave parked at its gate: approval merges its pull requests, then the next wave starts. */
  wave: number;
  waveCount: number;
  confidence: ConfidenceBreakdown;
  approvers: string[];
  expiresAt?: number | null;
}

/** An approval request in the thread with Approve / Reject. */
export function gateRequest(input: GateRequestInput): SlackMessage {
  const value = encodeValue({ c: input.campaignId, g: input.gateId });
  const who = input.approvers.length ? input.approvers.slice(0, 30).map(mention).join(' ') : 'the owner';
  const then = input.wave + 1 < input.waveCount ? `, then start wave ${input.wave + 2}` : '';
  const expires = input.expiresAt ? ` Expires <!date^${Math.floor(input.expiresAt / 1000)}^{date_short_pretty} {time}|later>.` : '';
  return {
    text: fallback(`Approval needed to merge wave ${input.wave + 1} of ${input.waveCount} (confidence ${Math.round(input.confidence.score)}/100)`),
    blocks: [
      section(
        `:raised_hand: *Approval needed* to merge wave ${input.wave + 1} of ${input.waveCount}${then}: confidence *${Math.round(input.confidence.score)}/100*.\n${who}, please review.${expires}`,
        `gate:${input.gateId}`,
      ),
      ...wordsBlocks(input.confidence, input.wave, 10),
      actions(
        [
          button({ text: 'Approve', actionId: ACTION.approve, value, style: 'primary' }),
          button({ text: 'Reject', actionId: ACTION.reject, value, style: 'danger' }),
          button({ text: 'Details', actionId: ACTION.gateDetails, value }),
        ],
        `gate-actions:${input.gateId}`,
      ),
    ],
  };
}

export interface GateDecidedInput extends GateRequestInput {
  state: 'approved' | 'rejected' | 'expired' | 'cancelled';
  decidedBy: string | null;
  /** Decided by the policy (confidence at or above `auto`): no request was posted, nobody is asked. */
  automatic?: boolean;
}

/** The gate message after a decision: the same text, the buttons replaced by who decided. */
export function gateDecided(input: GateDecidedInput): SlackMessage {
  if (input.automatic && input.state === 'approved') {
    const then = input.wave + 1 < input.waveCount ? `; wave ${input.wave + 2} starts when it is done` : '';
    const score = Math.round(input.confidence.score);
    return {
      text: fallback(`Wave ${input.wave + 1} of ${input.waveCount} merges on its own (confidence ${score}/100)`),
      blocks: [
        section(`:white_check_mark: *Wave ${input.wave + 1} of ${input.waveCount} merges on its own*: confidence *${score}/100*, no approval needed${then}.`, `gate:${input.gateId}`),
        ...wordsBlocks(input.confidence, input.wave, 10),
        actions([button({ text: 'Details', actionId: ACTION.gateDetails, value: encodeValue({ c: input.campaignId, g: input.gateId }) })], `gate-details:${input.gateId}`),
      ],
    };
  }
  const request = gateRequest(input);
  const withoutButtons = request.blocks.filter((b) => b.type !== 'actions');
  const by = input.decidedBy ? ` by ${mention(input.decidedBy)}` : '';
  const icon = input.state === 'approved' ? ':white_check_mark:' : ':no_entry_sign:';
  const verdict = `${icon} ${input.state.charAt(0).toUpperCase()}${input.state.slice(1)}${by}`;
  // The decision buttons go; Details stays, since what was weighed is worth reading afterwards too.
  const details = actions([button({ text: 'Details', actionId: ACTION.gateDetails, value: encodeValue({ c: input.campaignId, g: input.gateId }) })], `gate-details:${input.gateId}`);
  return { text: fallback(`Wave ${input.wave + 1} gate ${input.state}`), blocks: [...withoutButtons, context([verdict]), details] };
}

export interface GateDetailsInput {
  campaignId: string;
  wave: number;
  waveCount: number;
  confidence: ConfidenceBreakdown;
}

/**
 * The Details button's answer, shown only to the person who clicked: the statistics behind the
 * gate's confidence, and where the canary's own statistics are (the audit export).
 *
 * @example gateDetails({ campaignId: 'c-1', wave: 0, waveCount: 3, confidence: { score: 76, signals: [], prior: null } })
 */
export function gateDetails(input: GateDetailsInput): SlackMessage {
  const score = Math.round(input.confidence.score);
  const title = `Confidence ${score}/100 at wave ${input.wave + 1} of ${input.waveCount}, in full`;
  return {
    text: fallback(title),
    blocks: [
      section(`:bar_chart: *${title}*`),
      ...breakdownBlocks(input.confidence, 8),
      context([`The canary judge's statistics for each repository are in \`fleet audit ${escapeText(input.campaignId)}\` (its canary.judged events).`]),
    ],
  };
}

export interface CanaryMetricResult {
  name: string;
  group?: string;
  classification: 'Pass' | 'High' | 'Low' | 'NoData';
  critical?: boolean;
  canaryMedian?: number | null;
  baselineMedian?: number | null;
  /** Hodges-Lehmann estimate of the shift and its confidence interval. */
  estimate?: number | null;
  interval?: [number, number] | null;
  pValue?: number | null;
  points?: number;
}

export interface CanaryResultInput {
  campaignId: string;
  repo: string;
  score: number;
  verdict: 'pass' | 'marginal' | 'fail';
  metrics: CanaryMetricResult[];
  warnings?: string[];
}

const CLASS_ICON = { Pass: ':large_green_circle:', High: ':red_circle:', Low: ':large_blue_circle:', NoData: ':white_circle:' } as const;

/** A canary judgement for one target: per metric, its classification and key statistics. */
export function canaryResult(input: CanaryResultInput): SlackMessage {
  const lines = input.metrics.map((m) => {
    const stats: string[] = [];
    if (m.canaryMedian != null && m.baselineMedian != null) stats.push(`median ${formatNumber(m.canaryMedian)} vs ${formatNumber(m.baselineMedian)}`);
    if (m.estimate != null) stats.push(`shift ${formatNumber(m.estimate, 3)}`);
    if (m.interval) stats.push(`98% CI [${formatNumber(m.interval[0], 3)}, ${formatNumber(m.interval[1], 3)}]`);
    if (m.pValue != null) stats.push(`p=${formatNumber(m.pValue, 4)}`);
    if (m.points !== undefined) stats.push(`${m.points} points`);
    const critical = m.critical ? ' _(critical)_' : '';
    return `${CLASS_ICON[m.classification]} *${escapeText(m.name)}*${critical} ${m.classification}${stats.length ? ` · ${stats.join(' · ')}` : ''}`;
  });
  const icon = input.verdict === 'pass' ? ':white_check_mark:' : input.verdict === 'marginal' ? ':warning:' : ':x:';
  const blocks: Block[] = [section(`${icon} *Canary ${input.verdict}* for \`${escapeText(input.repo)}\`: score *${Math.round(input.score)}*/100`)];
  blocks.push(...packLines(lines, 8, 'metrics'));
  if (input.warnings?.length) blocks.push(context(input.warnings.slice(0, LIMITS.contextElements).map((w) => `:grey_exclamation: ${escapeText(w)}`)));
  return { text: fallback(`Canary ${input.verdict} for ${escapeText(input.repo)}: ${Math.round(input.score)}/100`), blocks };
}

export interface WaveCanaryMetric {
  /** As the spec names it ("latency-p99"). */
  name: string;
  classification: 'High' | 'Low' | 'NoData';
  /** What decided it in the judge: 'new-errors' (errors where the baseline had none) and 'spread' are told apart. */
  decidedBy?: string;
  critical?: boolean;
}

export interface WaveCanaryTarget {
  repo: string;
  verdict: 'pass' | 'marginal' | 'fail';
  score: number;
  reason: string;
  /** The metrics that did not pass; when absent (older records) the reason is shown instead. */
  metrics?: WaveCanaryMetric[];
}

/**
 * How a metric moved, in words, under the name the spec gives it, escaped for mrkdwn.
 *
 * @example metricInWords({ name: 'latency-p99', classification: 'High' }) // 'latency-p99: higher than the baseline'
 */
export function metricInWords(m: WaveCanaryMetric): string {
  return escapeText(plainMetricInWords(m));
}

const VERDICT_WORDS = { pass: 'passed the canary', marginal: 'was marginal in the canary', fail: 'failed the canary' } as const;

function canaryLine(t: WaveCanaryTarget): string {
  const why = t.metrics?.length ? t.metrics.map(metricInWords).join('; ') : escapeText(t.reason);
  return `${t.verdict === 'fail' ? ':x:' : ':warning:'} \`${escapeText(t.repo)}\` ${VERDICT_WORDS[t.verdict]} (score ${Math.round(t.score)} of 100)${why ? `: ${why}` : ''}`;
}

export interface WaveCanaryInput {
  wave: number;
  waveCount: number;
  /** Every target of the wave the canary judged. */
  judged: WaveCanaryTarget[];
  /** Targets of the wave that never reached the canary (skipped, failed checks, waiting on a person). */
  notJudged: number;
}

/**
 * One message per wave with its canary results: counts by verdict, and a line with the score and
 * the judge's reason for every target that did not pass (the first ten; the rest are counted), so
 * a wave of 500 targets posts one message, not 500.
 */
export function waveCanary(input: WaveCanaryInput): SlackMessage {
  const count = (v: WaveCanaryTarget['verdict']) => input.judged.filter((t) => t.verdict === v).length;
  const notPassed = input.judged.filter((t) => t.verdict !== 'pass').sort((a, b) => a.score - b.score);
  const shown = notPassed.slice(0, 10);
  const lines = shown.map(canaryLine);
  if (notPassed.length > shown.length) lines.push(`…and ${notPassed.length - shown.length} more below the pass threshold (\`/fleet status\` lists them).`);
  const summary = `${count('pass')} passed · ${count('marginal')} marginal · ${count('fail')} failed${input.notJudged ? ` · ${input.notJudged} not judged` : ''}`;
  const blocks: Block[] = [section(`:bird: *Canary results, wave ${input.wave + 1} of ${input.waveCount}*: ${summary}`)];
  if (lines.length) blocks.push(...packLines(lines, 5, 'targets'));
  return { text: fallback(`Canary results, wave ${input.wave + 1}: ${summary}`), blocks };
}

/** Short facts as fields (used by the digest and the preview). */
export function factFields(facts: [string, string][]): Block {
  return fields(facts.map(([k, v]) => `*${escapeText(k)}*\n${v}`));
}
