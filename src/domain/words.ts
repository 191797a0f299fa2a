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
