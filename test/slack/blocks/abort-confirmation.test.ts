import { describe, expect, test } from 'vitest';
import { abortConfirmation } from '../../../src/slack/blocks/status.js';

function sectionText(onAbort?: 'close' | 'leave'): string {
  const message = abortConfirmation('c-1a2b3c', 'bump-lodash', onAbort);
  return JSON.stringify(message.blocks[0]);
}

describe('abortConfirmation', () => {
  test('says Fleet closes the open PRs when the spec lets an abort close them (the default)', () => {
    for (const text of [sectionText(), sectionText('close')]) {
      expect(text).toContain("Fleet closes the campaign's open PRs and deletes their branches");
      expect(text).toContain('what has merged stays merged');
      expect(text).not.toContain('stay open');
    }
  });

  test("says the open PRs stay open under the spec's onAbort: leave", () => {
    const text = sectionText('leave');
    expect(text).toContain('open PRs stay open for you to close');
    expect(text).toContain('onAbort: leave');
    expect(text).not.toContain('Fleet closes');
  });
});
