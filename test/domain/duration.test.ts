import { describe, expect, test } from 'vitest';
import { Duration, parseDuration } from '../../src/domain/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    [' 5m ', 300_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '30', 'm', '1.5h', '-1h', '1w', '1h 30m', 'soon'])('%j is malformed', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test('the schema parses to milliseconds and says what it expects', () => {
    expect(Duration.parse('2h')).toBe(7_200_000);
    const result = Duration.safeParse('2 hours');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe('a duration such as "90s", "30m", "2h" or "1d"');
  });
});
