import { describe, expect, test } from 'vitest';
import { compilePattern, ownersOf, ownersOfPaths, parseCodeowners, splitOwners } from '../../src/github/codeowners.js';

describe('CODEOWNERS patterns', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'src/a.ts', true],
    ['*.js', 'a.js', true],
    ['*.js', 'deep/nested/b.js', true],
    ['*.js', 'a.ts', false],
    ['/build/logs/', 'build/logs/x.log', true],
    ['/build/logs/', 'other/build/logs/x.log', false],
    ['docs/*', 'docs/getting-started.md', true],
    ['docs/*', 'docs/build-app/troubleshooting.md', false],
    ['apps/', 'apps/web/index.ts', true],
    ['apps/', 'services/apps/web/index.ts', true],
    ['apps/', 'apps', false],
    ['/docs/', 'docs/a/b/c.md', true],
    ['**/logs', 'deep/logs/x.log', true],
    ['**/logs', 'logs/x.log', true],
    ['/scripts/**', 'scripts/a/b.sh', true],
    ['package.json', 'packages/x/package.json', true],
    ['/package.json', 'packages/x/package.json', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'lib/src/a.ts', false],
    ['a?c.txt', 'abc.txt', true],
    ['a?c.txt', 'a/c.txt', false],
  ];
  test.each(cases)('%s against %s → %s', (pattern, path, expected) => {
    expect(compilePattern(pattern).test(path)).toBe(expected);
  });
});

describe('parseCodeowners', () => {
  const text = [
    '# global owners',
    '*       @acme/platform',
    '',
    '*.js    @alice  # inline comment',
    '/docs/  @bob docs@acme.example',
    '/docs/generated/',
    'apps/   @acme/web-team @carol',
  ].join('\n');
  const owners = parseCodeowners(text);

  test('the last matching rule wins', () => {
    expect(ownersOf(owners, 'README.md')).toEqual(['@acme/platform']);
    expect(ownersOf(owners, 'src/index.js')).toEqual(['@alice']);
    expect(ownersOf(owners, 'docs/intro.md')).toEqual(['@bob', 'docs@acme.example']);
    expect(ownersOf(owners, 'apps/web/main.js')).toEqual(['@acme/web-team', '@carol']);
  });

  test('a rule without owners leaves its paths unowned', () => {
    expect(ownersOf(owners, 'docs/generated/api.md')).toEqual([]);
    expect(ownersOfPaths(owners, ['docs/generated/api.md', 'x.js'])).toEqual({ owners: ['@alice'], unowned: ['docs/generated/api.md'] });
  });

  test('users and teams are split for the review request; emails are dropped', () => {
    expect(splitOwners(['@alice', '@acme/web-team', 'docs@acme.example', '@alice'])).toEqual({ users: ['alice'], teams: ['web-team'] });
  });

  test('lines GitHub rejects are reported with their line numbers and skipped', () => {
    const parsed = parseCodeowners('* @ok\n!secret.txt @x\n[ab].txt @y\n*.md not-an-owner\n');
    expect(parsed.rules.map((r) => r.pattern)).toEqual(['*']);
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(parsed.errors[2].message).toContain('not-an-owner');
  });

  test('an escaped # starts a pattern instead of a comment', () => {
    const parsed = parseCodeowners('\\#notes.md @alice\n');
    expect(ownersOf(parsed, '#notes.md')).toEqual(['@alice']);
  });
});
