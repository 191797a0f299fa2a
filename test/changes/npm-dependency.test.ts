import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { failureOf } from '../support/failure-of.js';

const ctx = { repo: 'acme/payments-api' };
const fixture = readFileSync(new URL('./fixtures/package.json', import.meta.url), 'utf8');

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return applyChange({ kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21', ...options } }, new Map(Object.entries(files)), ctx);
}

describe('npm-dependency on a real-looking package.json', () => {
  test('bumps every section that lists the package and touches nothing else', async () => {
    const result = await bump({ 'package.json': fixture });
    expect(result.noop).toBe(false);
    expect(result.files).toEqual([{ path: 'package.json', content: fixture.replace('"lodash": "^4.17.20"', '"lodash": "^4.17.21"').replace('"lodash": ">=4"', '"lodash": "^4.17.21"') }]);
    expect(result.stats).toEqual({ filesChanged: 1, additions: 2, deletions: 2 });
    expect(result.reason).toBe('Set lodash to ^4.17.21 in package.json (dependencies, peerDependencies; was ^4.17.20, >=4)');
    expect(result.diff).toContain('-    "lodash": "^4.17.20",\n+    "lodash": "^4.17.21",\n');
  });

  test('sections limits which sections change', async () => {
    const result = await bump({ 'package.json': fixture }, { sections: ['peerDependencies'] });
    expect(result.files[0].content).toContain('"lodash": "^4.17.20"');
    expect(result.files[0].content).toContain('"peerDependencies": {\n    "lodash": "^4.17.21"');
    expect(result.stats).toMatchObject({ additions: 1, deletions: 1 });
  });

  test('a scoped package is found', async () => {
    const result = await bump({ 'package.json': fixture }, { package: '@acme/logger', version: '^3.0.0' });
    expect(result.files[0].content).toContain('"@acme/logger": "^3.0.0",');
  });
});

describe('each dependency section', () => {
  test.each(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])('%s', async (section) => {
    const text = `{\n  "name": "x",\n  "${section}": {\n    "lodash": "4.0.0"\n  }\n}\n`;
    const result = await bump({ 'package.json': text });
    expect(result.files[0].content).toBe(text.replace('4.0.0', '^4.17.21'));
  });
});

describe('formatting is preserved', () => {
  const layouts: [string, string][] = [
    ['two spaces', '{\n  "dependencies": {\n    "a": "1.0.0",\n    "lodash": "4.0.0"\n  }\n}\n'],
    ['four spaces', '{\n    "dependencies": {\n        "lodash": "4.0.0",\n        "z": "1.0.0"\n    }\n}\n'],
    ['tabs', '{\n\t"dependencies": {\n\t\t"lodash": "4.0.0"\n\t}\n}\n'],
    ['no final newline', '{\n  "dependencies": {\n    "lodash": "4.0.0"\n  }\n}'],
    ['CRLF', '{\r\n  "dependencies": {\r\n    "lodash": "4.0.0"\r\n  }\r\n}\r\n'],
    ['one line', '{"dependencies":{"lodash":"4.0.0","zod":"3.0.0"}}'],
    ['odd spacing kept', '{ "dependencies" : { "lodash" :   "4.0.0" } }\n'],
    ['byte order mark', '\uFEFF{\n  "dependencies": {\n    "lodash": "4.0.0"\n  }\n}\n'],
    ['key order (lodash before name)', '{\n  "dependencies": {\n    "lodash": "4.0.0"\n  },\n  "name": "x"\n}\n'],
  ];
  test.each(layouts)('%s', async (_name, text) => {
    const result = await bump({ 'package.json': text });
    expect(result.files).toEqual([{ path: 'package.json', content: text.replace('"4.0.0"', '"^4.17.21"') }]);
  });

  test('a CRLF file gives a diff with CRLF lines', async () => {
    const result = await bump({ 'package.json': '{\r\n  "dependencies": {\r\n    "lodash": "4.0.0"\r\n  }\r\n}\r\n' });
    expect(result.diff).toContain('-    "lodash": "4.0.0"\r\n+    "lodash": "^4.17.21"\r\n');
  });

  test('a version with characters JSON escapes is written as valid JSON', async () => {
    const result = await bump({ 'package.json': '{"dependencies":{"lodash":"1"}}' }, { version: 'github:lodash/lodash#"main"' });
    expect(JSON.parse(result.files[0].content!)).toEqual({ dependencies: { lodash: 'github:lodash/lodash#"main"' } });
  });
});

describe('no-op cases', () => {
  test.each([
    ['already at the version', { 'package.json': fixture }, { version: '^4.17.20', sections: ['dependencies'] }, 'lodash is already at ^4.17.20 in package.json'],
    ['not listed', { 'package.json': fixture }, { package: 'left-pad' }, 'left-pad is not listed in package.json'],
    ['not in the chosen sections', { 'package.json': fixture }, { sections: ['devDependencies'] }, 'lodash is not listed in package.json (devDependencies)'],
    ['no package.json', { 'README.md': '# hi\n' }, {}, 'no package.json matches package.json'],
    ['no match for a glob', { 'package.json': fixture }, { paths: ['packages/*/package.json'] }, 'no package.json matches packages/*/package.json'],
  ] as const)('%s', async (_name, files, options, reason) => {
    const result = await bump(files, options);
    expect(result).toEqual({ noop: true, reason, files: [], diff: '', stats: { filesChanged: 0, additions: 0, deletions: 0 } });
  });

  test('the listed dependency is only looked up by exact name', async () => {
    const result = await bump({ 'package.json': '{"dependencies":{"lodash.merge":"4.0.0","@types/lodash":"4.0.0"}}' });
    expect(result.noop).toBe(true);
  });
});

describe('paths', () => {
  const monorepo = {
    'package.json': '{\n  "private": true,\n  "devDependencies": {\n    "lodash": "4.0.0"\n  }\n}\n',
    'packages/a/package.json': '{\n  "dependencies": {\n    "lodash": "4.0.0"\n  }\n}\n',
    'packages/b/package.json': '{\n  "dependencies": {\n    "lodash": "^4.17.21"\n  }\n}\n',
    'packages/c/package.json': '{\n  "dependencies": {}\n}\n',
  };

  test('by default only the root package.json changes', async () => {
    const result = await bump(monorepo);
    expect(result.files.map((f) => f.path)).toEqual(['package.json']);
  });

  test('a glob over the whole tree skips vendored node_modules unless it names them', async () => {
    const vendored = { ...monorepo, 'node_modules/x/package.json': '{"dependencies":{"lodash":"4.0.0"}}' };
    const everywhere = await bump(vendored, { paths: ['**/package.json'] });
    expect(everywhere.files.map((f) => f.path)).toEqual(['package.json', 'packages/a/package.json']);
    const named = await bump(vendored, { paths: ['node_modules/*/package.json'] });
    expect(named.files.map((f) => f.path)).toEqual(['node_modules/x/package.json']);
  });

  test('globs pick several package.json files; unchanged ones are left out', async () => {
    const result = await bump(monorepo, { paths: ['package.json', 'packages/*/package.json'] });
    expect(result.files.map((f) => f.path)).toEqual(['package.json', 'packages/a/package.json']);
    expect(result.stats).toEqual({ filesChanged: 2, additions: 2, deletions: 2 });
    expect(result.diff.match(/^diff --git .*$/gm)).toEqual(['diff --git a/package.json b/package.json', 'diff --git a/packages/a/package.json b/packages/a/package.json']);
  });
});

describe('repository files that keep the change from applying', () => {
  test.each([
    ['invalid JSON', '{\n  "dependencies": {\n    "lodash": "4.0.0",\n  }\n}\n', /package\.json in acme\/payments-api is not valid JSON \(trailing comma at line 4, column 3\)/],
    ['a comment', '{\n  // deps\n  "dependencies": {}\n}\n', /comments are not allowed in this file at line 2/],
    ['not an object', '[1, 2]\n', /is not a JSON object/],
    ['a section that is not an object', '{"dependencies": ["lodash"]}', /"dependencies" in package\.json of acme\/payments-api is not an object/],
    ['a version that is not a string', '{"dependencies": {"lodash": 4}}', /lodash in "dependencies" of package\.json \(acme\/payments-api\) has a number where a version string belongs/],
    ['truncated file', '{"dependencies": {"lodash": "4.0.0"', /unexpected end of file|expected/],
  ])('%s is change_failed', async (_name, text, message) => {
    const failure = await failureOf(bump({ 'package.json': text }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(message);
  });
});

describe('options', () => {
  test.each([
    ['a package name with spaces', { package: 'lo dash' }],
    ['an empty version', { version: '' }],
    ['an unknown section', { sections: ['bundledDependencies'] }],
    ['a path that climbs out', { paths: ['../package.json'] }],
    ['an unknown option', { pin: true }],
  ])('%s is change_invalid', async (_name, options) => {
    const failure = await failureOf(bump({ 'package.json': fixture }, options));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/^The options of the npm-dependency change are not valid \(.+\)\. Fix them in the campaign spec\.$/);
  });
});
