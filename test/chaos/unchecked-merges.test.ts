import { describe, expect, test } from 'vitest';
import { uncheckedMerges } from '../../src/chaos/properties.js';

describe('uncheckedMerges', () => {
  test('names every merge whose head still had checks running, and nothing when all had completed', () => {
    const checked = { repo: 'acme/api', number: 1, headSha: 'a'.repeat(40), method: 'squash' as const, checksComplete: true, incompleteChecks: [], via: 'api' as const };
    expect(uncheckedMerges([checked])).toEqual([]);
    const early = { ...checked, number: 2, headSha: 'b'.repeat(40), checksComplete: false, incompleteChecks: ['build', 'lint'], via: 'queue' as const };
    expect(uncheckedMerges([checked, early])).toEqual(['acme/api#2 was merged (queue, squash) at bbbbbbb while build, lint had not completed']);
  });
});
