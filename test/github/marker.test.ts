import { describe, expect, test } from 'vitest';
import { formatMarker, hasMarker, parseMarker, withMarker } from '../../src/github/marker.js';

describe('PR markers', () => {
  const marker = { campaignId: 'c-7f3a', repo: 'acme/api' };

  test('round-trips through a PR body', () => {
    const body = withMarker('Bumps lodash.', marker);
    expect(body).toContain('<!-- fleet:campaign=c-7f3a target=acme/api -->');
    expect(parseMarker(body)).toEqual(marker);
    expect(hasMarker(body, marker)).toBe(true);
  });

  test('a revert marker is not the original PR marker, and the other way round', () => {
    const revert = { ...marker, revertOf: 12 };
    expect(formatMarker(revert)).toBe('<!-- fleet:campaign=c-7f3a target=acme/api revert=12 -->');
    expect(hasMarker(withMarker('x', revert), marker)).toBe(false);
    expect(hasMarker(withMarker('x', marker), revert)).toBe(false);
    expect(hasMarker(withMarker('x', revert), revert)).toBe(true);
  });

  test('another campaign or repository does not match', () => {
    const body = withMarker('x', marker);
    expect(hasMarker(body, { campaignId: 'c-0000', repo: 'acme/api' })).toBe(false);
    expect(hasMarker(body, { campaignId: 'c-7f3a', repo: 'acme/web' })).toBe(false);
    expect(parseMarker('no marker here')).toBeUndefined();
    expect(parseMarker(null)).toBeUndefined();
  });

  test('re-rendering a body keeps exactly one marker', () => {
    const once = withMarker('Body', marker);
    const twice = withMarker(once, marker);
    expect(twice.match(/fleet:campaign/g)).toHaveLength(1);
    expect(twice).toBe(once);
  });
});
