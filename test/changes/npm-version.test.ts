import { describe, expect, test } from 'vitest';
import { isNpmVersion } from '../../src/changes/npm-version.js';
import { CampaignSpec } from '../../src/domain/spec.js';

describe('npm version syntax', () => {
  test.each(['4.17.21', '^4.17.21', '~1.2', '>=4 <5', '>= 1.2.3', '1.2.3 - 2.0.0', '1.x || 2.x', '*', 'x', 'v1.2.3', '1.2.3-beta.1', '^1.2.3-rc.1+build.5', '~>1.2', '4.17', 'npm:lodash@^4', 'github:lodash/lodash#main', 'lodash/lodash#4.17.21', 'file:../lodash', 'https://example.com/lodash.tgz'])('%s is a version npm reads', (v) => {
    expect(isNpmVersion(v)).toBe(true);
  });

  test.each(['banana', 'latest', '01.2.3', '1.2.3.4', '^', '^a', '1 || banana', '1.2.3 -2', '', ' '])('"%s" is refused', (v) => {
    expect(isNpmVersion(v)).toBe(false);
  });

  test('the spec schema refuses a version npm cannot read, with a phrase for a person', () => {
    const result = CampaignSpec.safeParse({
      name: 'bump-lodash',
      owner: 'U0OWNER01',
      channel: 'C0FLEET01',
      targets: { org: 'acme' },
      change: { kind: 'npm-dependency', options: { package: 'lodash', version: 'banana' } },
      pr: { title: 'Bump lodash' },
      steps: ['open-pr'],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['change.options.version', 'a version or range npm understands, such as "4.17.21", "^4.17.21" or ">=4 <5"']]);
  });
});
