import { describe, expect, test } from 'vitest';
import { resumedText } from '../../../src/slack/blocks/resumed.js';

describe('resumedText', () => {
  test('a running campaign is simply resumed', () => {
    expect(resumedText({ id: 'c-1', name: 'bump <lodash>', state: 'running', stateReason: '', currentWave: 0 })).toBe(':arrow_forward: Resumed *bump &lt;lodash&gt;* (`c-1`).');
  });

  test('a halt weighed again that asks a person says so and why, without repeating the wave', () => {
    const text = resumedText({
      id: 'c-1',
      name: 'bump',
      state: 'awaiting-approval',
      stateReason: 'wave 1 needs approval: Fleet would halt after wave 1 again: confidence 40 is below 60. A person resumed the campaign, so Fleet asks instead: approve to merge wave 1 anyway, or reject to halt the campaign again',
      currentWave: 0,
    });
    expect(text).toBe(
      ":arrow_forward: Resumed *bump* (`c-1`). Wave 1 waits for an approval in the campaign's thread: Fleet would halt after wave 1 again: confidence 40 is below 60. A person resumed the campaign, so Fleet asks instead: approve to merge wave 1 anyway, or reject to halt the campaign again.",
    );
  });

  test("a state reason that is the verdict's own 'Wave N needs an approval' is not repeated", () => {
    const text = resumedText({ id: 'c-1', name: 'bump', state: 'awaiting-approval', stateReason: 'Wave 2 needs an approval: confidence 81 is between 60 and 90 (4 targets succeeded)', currentWave: 1 });
    expect(text).toBe(":arrow_forward: Resumed *bump* (`c-1`). Wave 2 waits for an approval in the campaign's thread: confidence 81 is between 60 and 90 (4 targets succeeded).");
  });

  test('halted again at once: the reason, with its mention rendered', () => {
    expect(resumedText({ id: 'c-1', name: 'bump', state: 'halted', stateReason: '3 failed targets: 1 more than the 2 accepted when <@U1> resumed the campaign', currentWave: 1 })).toBe(
      ':arrow_forward: Resumed *bump* (`c-1`), but Fleet halted it again: 3 failed targets: 1 more than the 2 accepted when <@U1> resumed the campaign.',
    );
  });
});
