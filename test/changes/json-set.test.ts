import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { failureOf } from '../support/failure-of.js';

const ctx = { repo: 'acme/payments-api' };
const tsconfig = readFileSync(new URL('./fixtures/tsconfig.json', import.meta.url), 'utf8');

function setJson(text: string | undefined, key: string, value: unknown, extra: Record<string, unknown> = {}) {
  const files = new Map<string, string>(text === undefined ? [] : [['config.json', text]]);
  return applyChange({ kind: 'json-set', options: { path: 'config.json', key, value, ...extra } }, files, ctx);
}

async function contentAfter(text: string, key: string, value: unknown): Promise<string | null | undefined> {
  return (await setJson(text, key, value)).files[0]?.content;
}

describe('tsconfig.json with comments and trailing commas (JSONC)', () => {
  test('adds a compiler option after the last one, keeping every comment and the trailing-comma style', async () => {
    const result = await setJson(tsconfig, 'compilerOptions.strict', true);
    expect(result.files[0].content).toBe(tsconfig.replace('      "@app/*": ["src/*"], // path aliases\n    },\n', '      "@app/*": ["src/*"], // path aliases\n    },\n    "strict": true,\n'));
    expect(result.diff).toContain('@@ -9,6 +9,7 @@');
    expect(result.stats).toEqual({ filesChanged: 1, additions: 1, deletions: 0 });
    expect(result.reason).toBe('Set compilerOptions.strict to true in config.json');
  });

  test('replaces an existing value in place', async () => {
    expect(await contentAfter(tsconfig, 'compilerOptions.outDir', 'build')).toBe(tsconfig.replace('"outDir": "dist"', '"outDir": "build"'));
  });

  test('a value that is already set is a no-op with the reason', async () => {
    const result = await setJson(tsconfig, 'compilerOptions.declaration', true);
    expect(result).toMatchObject({ noop: true, reason: 'compilerOptions.declaration is already true in config.json', diff: '', files: [] });
  });

  test('an object value that is equal in another key order is a no-op', async () => {
    const result = await setJson('{"a": {"x": 1, "y": [1, {"z": null}]}}', 'a', { y: [1, { z: null }], x: 1 });
    expect(result.noop).toBe(true);
  });

  test('an array item is reached by its index', async () => {
    expect(await contentAfter('{\n  "include": ["src", "test"]\n}\n', 'include.1', 'spec')).toBe('{\n  "include": ["src", "spec"]\n}\n');
  });

  test('a key with a dot is written with "\\."', async () => {
    expect(await contentAfter('{"paths": {"a.b": 1}}', 'paths.a\\.b', 2)).toBe('{"paths": {"a.b": 2}}');
  });
});

describe('layout of inserted members', () => {
  test.each([
    ['two spaces', '{\n  "a": 1\n}\n', 'b', 2, '{\n  "a": 1,\n  "b": 2\n}\n'],
    ['four spaces', '{\n    "a": 1\n}\n', 'b', 2, '{\n    "a": 1,\n    "b": 2\n}\n'],
    ['tabs', '{\n\t"a": 1\n}', 'b', 2, '{\n\t"a": 1,\n\t"b": 2\n}'],
    ['CRLF', '{\r\n  "a": 1\r\n}\r\n', 'b', 2, '{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n'],
    ['one line', '{"a": 1}', 'b', 2, '{"a": 1, "b": 2}'],
    ['one line, nested value', '{"a": 1}', 'b', { c: [1] }, '{"a": 1, "b": {"c":[1]}}'],
    ['empty root object', '{}\n', 'a', 1, '{\n  "a": 1\n}\n'],
    ['empty nested object', '{\n  "compilerOptions": {}\n}\n', 'compilerOptions.strict', true, '{\n  "compilerOptions": {\n    "strict": true\n  }\n}\n'],
    ['trailing comment on the last member', '{\n  "a": 1 // one\n}\n', 'b', 2, '{\n  "a": 1, // one\n  "b": 2\n}\n'],
    [
      'missing objects are created',
      '{\n  "name": "x"\n}\n',
      'a.b.c',
      5,
      '{\n  "name": "x",\n  "a": {\n    "b": {\n      "c": 5\n    }\n  }\n}\n',
    ],
    [
      'object value at a nested level, four spaces',
      '{\n    "a": {\n        "x": 1\n    }\n}\n',
      'a.y',
      { p: [1, 2] },
      '{\n    "a": {\n        "x": 1,\n        "y": {\n            "p": [\n                1,\n                2\n            ]\n        }\n    }\n}\n',
    ],
    ['a value replaced by an object', '{\n  "a": 1\n}\n', 'a', { b: true }, '{\n  "a": {\n    "b": true\n  }\n}\n'],
  ])('%s', async (_name, text, key, value, expected) => {
    const after = await contentAfter(text, key, value);
    expect(after).toBe(expected);
    expect(JSON.parse(expected.replace(/\/\/.*$/gm, ''))).toBeTruthy();
  });
});

describe('missing files', () => {
  test('without createFile the repository is left alone', async () => {
    const result = await setJson(undefined, 'a', 1);
    expect(result).toMatchObject({ noop: true, reason: 'config.json does not exist (set createFile to create it)' });
  });

  test('with createFile the file is created', async () => {
    const result = await setJson(undefined, 'compilerOptions.strict', true, { createFile: true });
    expect(result.files).toEqual([{ path: 'config.json', content: '{\n  "compilerOptions": {\n    "strict": true\n  }\n}\n' }]);
    expect(result.diff).toContain('new file mode 100644\n--- /dev/null\n+++ b/config.json\n@@ -0,0 +1,5 @@');
  });
});

describe('files the change cannot apply to', () => {
  test.each([
    ['a scalar on the way', '{"compilerOptions": true}', 'compilerOptions.strict', /compilerOptions is a boolean, not an object/],
    ['a list on the way', '{"a": [1]}', 'a.b', /a is a list, not an object/],
    ['an index past the end', '{"a": [1]}', 'a.3', /a is a list, not an object/],
    ['a top-level array', '[1]', 'a', /the top level is a list/],
    ['invalid JSON', '{\n  "a": 1\n  "b": 2\n}\n', 'a', /config\.json in acme\/payments-api is not valid JSON \(expected "," or "}" at line 3, column 3\)/],
    ['an unterminated comment', '{ /* a', 'a', /unterminated comment/],
    ['a bad string escape', '{"a": "\\x"}', 'a', /invalid string/],
  ])('%s is change_failed', async (_name, text, key, message) => {
    const failure = await failureOf(setJson(text, key, 1));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(message);
  });

  test.each([
    ['no value', { path: 'a.json', key: 'a' }],
    ['an empty key segment', { path: 'a.json', key: 'a..b', value: 1 }],
    ['an absolute path', { path: '/etc/a.json', key: 'a', value: 1 }],
  ])('%s is change_invalid', async (_name, options) => {
    const failure = await failureOf(applyChange({ kind: 'json-set', options }, new Map(), ctx));
    expect(failure.code).toBe('change_invalid');
  });
});
