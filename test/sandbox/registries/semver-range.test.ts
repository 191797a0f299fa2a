import { describe, expect, test } from 'vitest';
import { compareVersions, isRange, maxSatisfying, parseVersion, satisfies } from '../../../src/sandbox/registries/semver-range.js';

// Expectations as node-semver answers them (checked by hand against its documentation).
const CASES: [string, string, boolean][] = [
  ['4.17.21', '4.17.21', true],
  ['4.17.21', '=4.17.21', true],
  ['4.17.20', '4.17.21', false],
  ['4.17.21', '^4.17.4', true],
  ['5.0.0', '^4.17.4', false],
  ['0.2.5', '^0.2.3', true],
  ['0.3.0', '^0.2.3', false],
  ['0.0.3', '^0.0.3', true],
  ['0.0.4', '^0.0.3', false],
  ['1.2.9', '~1.2.3', true],
  ['1.3.0', '~1.2.3', false],
  ['1.9.0', '~1', true],
  ['2.0.0', '~1', false],
  ['1.4.0', '1.x', true],
  ['2.0.0', '1.x', false],
  ['1.2.7', '1.2', true],
  ['1.3.0', '1.2', false],
  ['9.9.9', '*', true],
  ['9.9.9', '', true],
  ['1.0.0', '>=1.0.0 <2.0.0', true],
  ['2.0.0', '>=1.0.0 <2.0.0', false],
  ['1.0.0', '>1.0.0', false],
  ['1.0.1', '>1', false],
  ['2.0.0', '>1', true],
  ['1.9.9', '<=1.9', true],
  ['1.10.0', '<=1.9', false],
  ['1.5.0', '1.2.3 - 1.6', true],
  ['1.7.0', '1.2.3 - 1.6', false],
  ['3.0.0', '^1.0.0 || ^3.0.0', true],
  ['2.0.0', '^1.0.0 || ^3.0.0', false],
  ['2.0.0-rc.1', '^2.0.0', false],
  ['2.0.0-rc.2', '>=2.0.0-rc.1', true],
  ['2.0.1-rc.1', '>=2.0.0-rc.1', false],
  ['1.2.3', '>= 1.2.0', true],
];

describe('the range matcher the local registries resolve with', () => {
  test.each(CASES)('%s in %s is %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  test('picks the highest version in range, and none when none is', () => {
    expect(maxSatisfying(['4.17.4', '4.17.21', '4.17.11', '5.0.0'], '^4.17.0')).toBe('4.17.21');
    expect(maxSatisfying(['4.17.4', '4.17.21'], '^5')).toBeUndefined();
  });

  test('orders versions, prereleases before their release', () => {
    expect(['1.0.0', '1.0.0-rc.1', '1.0.0-alpha', '0.9.10', '0.9.9'].sort(compareVersions)).toEqual(['0.9.9', '0.9.10', '1.0.0-alpha', '1.0.0-rc.1', '1.0.0']);
    expect(parseVersion('v1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, pre: [] });
    expect(parseVersion('1.2')).toBeUndefined();
  });

  test('says what is not a range instead of matching it', () => {
    expect(isRange('github:lodash/lodash')).toBe(false);
    expect(isRange('^4.17.21')).toBe(true);
    expect(satisfies('not-a-version', '*')).toBe(false);
    expect(() => satisfies('1.0.0', 'file:../x')).toThrow('not a version range');
  });
});
