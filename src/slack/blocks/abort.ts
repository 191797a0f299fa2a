import type { RootView } from '../../domain/notifications.js';
import { escapeText, link, mention } from './text.js';

/** An abort's facts as the final summary shows them (`final-summary` record's `abort`). */
export interface AbortSummaryInput {
  by: string;
  note: string | null;
  leavePrs: boolean;
  stoppedCount: number;
  merged: AbortPrInput[];
  mergedCount: number;
  closing: AbortPrInput[];
  closingCount: number;
  openingCount: number;
  beforePr: string[];
  beforePrCount: number;
}

export interface AbortPrInput {
  repo: string;
  prNumber: number | null;
  prUrl: string | null;
}

/** How many items a summary names before "and N more". */
const NAMED = 10;

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function pr(p: AbortPrInput): string {
  const label = p.prNumber === null ? 'PR' : `PR #${p.prNumber}`;
  return `\`${escapeText(p.repo)}\` (${link(p.prUrl, label)})`;
}

function listed(items: string[], total: number): string {
  const more = total > Math.min(items.length, NAMED) ? ` and ${total - Math.min(items.length, NAMED)} more` : '';
  return `${items.slice(0, NAMED).join(', ')}${more}`;
}

/** "by <@U1>: superseded by v2" — who aborted, and their reason when they gave one. */
export function byWhom(by: string, note: string | null): string {
  return `by ${mention(by)}${note ? `: ${escapeText(note)}` : ''}`;
}

/** "aborted by <@U1>: superseded by v2". */
export function abortedBy(by: string, note: string | null): string {
  return `aborted ${byWhom(by, note)}`;
}

/**
 * The lines of an abort's final summary: what had merged, which PRs the abort closes (the tick's
 * close pass closes them right after; the thread says when it is done) or leaves open, and what
 * it stopped before a PR was opened.
 */
export function abortSummaryLines(a: AbortSummaryInput): string[] {
  const lines: string[] = [];
  lines.push(
    a.mergedCount > 0
      ? `*Merged before the abort (${a.mergedCount}):* ${listed(a.merged.map(pr), a.mergedCount)}. These stay merged.`
      : '*Nothing had merged* before the abort.',
  );
  if (a.closingCount > 0) {
    lines.push(
      a.leavePrs
        ? `*Left open (${a.closingCount})*, as the spec's \`onAbort: leave\` asks: ${listed(a.closing.map(pr), a.closingCount)}.`
        : `*Closing ${count(a.closingCount, 'open PR', 'open PRs')}* now; this thread says when ${a.closingCount === 1 ? 'it is' : 'they are'} closed: ${listed(a.closing.map(pr), a.closingCount)}.`,
    );
  }
  if (a.openingCount > 0) {
    const were = a.openingCount === 1 ? 'was' : 'were';
    lines.push(
      a.leavePrs
        ? `${count(a.openingCount, 'target', 'targets')} ${were} stopped while a step ran; any PR ${a.openingCount === 1 ? 'it' : 'they'} had opened stays open.`
        : `${count(a.openingCount, 'target', 'targets')} ${were} stopped while a step ran; Fleet closes any PR or branch ${a.openingCount === 1 ? 'it' : 'they'} had opened.`,
    );
  }
  if (a.beforePrCount > 0) {
    lines.push(`*Stopped before opening a PR (${a.beforePrCount}):* ${listed(a.beforePr.map((r) => `\`${escapeText(r)}\``), a.beforePrCount)}.`);
  }
  return lines;
}

/** The root message's line on an aborted campaign: what had merged, how the closes stand, what stopped. */
export function abortRootLine(a: NonNullable<RootView['abort']>): string {
  const parts = [a.merged > 0 ? `${count(a.merged, 'target', 'targets')} had merged` : 'nothing had merged'];
  if (a.leavePrs) parts.push('open PRs stay open (`onAbort: leave`)');
  else if (a.closing > 0 && a.closesPending > 0) parts.push(`Fleet is closing ${count(a.closing, 'PR', 'PRs')} (${a.closed} closed so far)`);
  else if (a.closing > 0) parts.push(`${count(a.closed, 'PR', 'PRs')} closed${a.closeFailed > 0 ? `, ${a.closeFailed} could not be closed (see the thread)` : ''}`);
  if (a.stopped > 0) parts.push(`${count(a.stopped, 'target', 'targets')} stopped, not done`);
  const line = parts.join(' · ');
  return `${line.charAt(0).toUpperCase()}${line.slice(1)}.`;
}
