import { describe, expect, test } from 'vitest';
import { awaitingReason } from '../../src/engine/waves.js';

describe('awaitingReason', () => {
  test('a verdict that says the wave needs an approval is the reason as it is, not "wave 2 needs approval: Wave 2 needs an approval: …"', () => {
    expect(awaitingReason('Wave 2 needs an approval: confidence 81.5 is between 0 and 100 (4 targets succeeded)', 1)).toBe('Wave 2 needs an approval: confidence 81.5 is between 0 and 100 (4 targets succeeded)');
  });

  test("the marginal canary's 'needs an approval although …' is not repeated either", () => {
    expect(awaitingReason('Wave 1 needs an approval although its confidence 70.7 is at or above 70', 0)).toBe('Wave 1 needs an approval although its confidence 70.7 is at or above 70');
  });

  test('another reason gets the lead that names the wave', () => {
    expect(awaitingReason('Fleet would halt after wave 1 again: confidence 10 is below 99', 0)).toBe('wave 1 needs approval: Fleet would halt after wave 1 again: confidence 10 is below 99');
  });
});
