import { ACTION, encodeValue } from './action-ids.js';
import { LIMITS, actions, button, context, escapeText, fallback, fields, mention, packLines, section, type Block, type SlackMessage } from './text.js';

export interface ConfidenceSignal {
  name: string;
  /** The signal's value in [0, 1], or null when absent (its weight is shared out). */
  value: number | null;
  weight: number;
  /** Points this signal adds to the score (0–100 scale). */
  contribution: number;
}

export interface ConfidenceBreakdown {
  score: number;
  decision?: 'auto' | 'review' | 'halt';
  signals: ConfidenceSignal[];
  /** The history prior Beta(a0, b0) and how many past campaigns it comes from. */
  prior: { a: number; b: number; campaigns: number } | null;
  successes?: number;
  failures?: number;
  /** Hard gates that forced the score to 0, with their reason. */
  hardGates?: string[];
  explanation?: string;
}

export interface ConfidenceUpdateInput extends ConfidenceBreakdown {
  campaignId: string;
  wave: number;
}

function formatNumber(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits).replace(/\.?0+$/, '') || '0' : 'n/a';
}

/** The breakdown lines shared by confidence updates and gate requests. */
function breakdownBlocks(c: ConfidenceBreakdown, maxBlocks: number): Block[] {
  const lines = c.signals.map((s) => {
    const value = s.value === null ? 'absent' : formatNumber(s.value);
    return `• *${escapeText(s.name)}*: ${value} × weight ${formatNumber(s.weight)} → +${formatNumber(s.contribution, 1)}`;
  });
  if (c.prior) {
    lines.push(`• *history prior*: Beta(${formatNumber(c.prior.a)}, ${formatNumber(c.prior.b)}) from ${c.prior.campaigns} past campaigns`);
  }
  if (c.successes !== undefined || c.failures !== undefined) {
    lines.push(`• *this campaign*: ${c.successes ?? 0} succeeded, ${c.failures ?? 0} failed`);
  }
  for (const g of c.hardGates ?? []) lines.push(`• :no_entry: hard gate: ${escapeText(g)}`);
  const blocks = packLines(lines, Math.max(1, maxBlocks - 1), 'signals');
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
      ...breakdownBlocks(input.confidence, 10),
      actions(
        [
          button({ text: 'Approve', actionId: ACTION.approve, value, style: 'primary' }),
          button({ text: 'Reject', actionId: ACTION.reject, value, style: 'danger' }),
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
        ...breakdownBlocks(input.confidence, 10),
      ],
    };
  }
  const request = gateRequest(input);
  const withoutButtons = request.blocks.filter((b) => b.type !== 'actions');
  const by = input.decidedBy ? ` by ${mention(input.decidedBy)}` : '';
  const icon = input.state === 'approved' ? ':white_check_mark:' : ':no_entry_sign:';
  const verdict = `${icon} ${input.state.charAt(0).toUpperCase()}${input.state.slice(1)}${by}`;
  return { text: fallback(`Wave ${input.wave + 1} gate ${input.state}`), blocks: [...withoutButtons, context([verdict])] };
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

export interface WaveCanaryTarget {
  repo: string;
  verdict: 'pass' | 'marginal' | 'fail';
  score: number;
  reason: string;
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
  const lines = shown.map((t) => `${t.verdict === 'fail' ? ':x:' : ':warning:'} \`${escapeText(t.repo)}\` ${t.verdict}, score ${Math.round(t.score)}: ${escapeText(t.reason)}`);
  if (notPassed.length > shown.length) lines.push(`…and ${notPassed.length - shown.length} more below the pass threshold (\`/fleet status\` lists them).`);
  const summary = `${count('pass')} passed · ${count('marginal')} marginal · ${count('fail')} failed${input.notJudged ? ` · ${input.notJudged} not judged` : ''}`;
  const blocks: Block[] = [section(`:bird: *Canary results, wave ${input.wave + 1} of ${input.waveCount}*: ${summary}`)];
  if (lines.length) blocks.push(...packLines(lines, 5, 'canary'));
  return { text: fallback(`Canary results, wave ${input.wave + 1}: ${summary}`), blocks };
}

/** Short facts as fields (used by the digest and the preview). */
export function factFields(facts: [string, string][]): Block {
  return fields(facts.map(([k, v]) => `*${escapeText(k)}*\n${v}`));
}
