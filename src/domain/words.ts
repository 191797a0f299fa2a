/**
 * Counts in sentences for people: "1 repository", "2 repositories", "0 targets". The plural is
 * the noun with an "s" unless given (`plural(n, 'repository', 'repositories')`).
 *
 * @example plural(1, 'past campaign') // '1 past campaign'
 * @example plural(3, 'repository', 'repositories') // '3 repositories'
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/**
 * The verb that agrees with a count: `agree(1, 'needs', 'need')` is "needs", any other count "need".
 *
 * @example `${plural(n, 'target')} ${agree(n, 'needs', 'need')} no change`
 */
export function agree(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** A canary metric that did not pass, as the judge reports it (`confidence/judge.ts` MetricResult). */
export interface MovedMetric {
  /** As the spec names it ("latency-p99"). */
  name: string;
  classification: 'High' | 'Low' | 'NoData' | 'Pass';
  /** What decided it: 'new-errors' (errors where the baseline had none) and 'spread' are told apart. */
  decidedBy?: string;
  critical?: boolean;
}

/**
 * How a canary metric moved, in words, under the name the spec gives it (plain text: escape it
 * for chat). The statistics behind it stay in the judge's evidence.
 *
 * @example metricInWords({ name: 'latency-p99', classification: 'High' }) // 'latency-p99: higher than the baseline'
 */
export function metricInWords(m: MovedMetric): string {
  const critical = m.critical ? ' (critical)' : '';
  if (m.classification === 'Pass') return `${m.name}: no change`;
  if (m.classification === 'NoData') return `${m.name}: no data${critical}`;
  if (m.decidedBy === 'new-errors') return `${m.name}: errors where the baseline had none, too few to call a regression${critical}`;
  if (m.decidedBy === 'spread') return `${m.name}: more spread out than the baseline${critical}`;
  return `${m.name}: ${m.classification === 'High' ? 'higher' : 'lower'} than the baseline${critical}`;
}

/**
 * A canary judgement's reason in words: the metrics that did not pass, or, when none moved (no
 * data to judge), the judge's own sentence.
 *
 * @example judgementInWords({ reason: '1 of 2 metrics moved: latency-p99 High.', metrics: [{ name: 'latency-p99', classification: 'High' }] })
 * // 'latency-p99: higher than the baseline.'
 */
export function judgementInWords(result: { reason: string; metrics: readonly MovedMetric[] }): string {
  const moved = result.metrics.filter((m) => m.classification !== 'Pass' && (m.classification !== 'NoData' || m.critical));
  return moved.length ? `${moved.map(metricInWords).join('; ')}.` : result.reason;
}
