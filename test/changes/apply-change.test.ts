import { describe, expect, test } from 'vitest';
import { applyChange, pathsToRead, type Change } from '../../src/changes/apply-change.js';
import { CHANGE_KINDS } from '../../src/changes/options.js';
import { failureOf } from '../support/failure-of.js';

const ctx = { repo: 'acme/web' };

const tree = [
  'package.json',
  'packages/ui/package.json',
  'packages/api/package.json',
  'node_modules/left-pad/package.json',
  'tsconfig.json',
  '.github/workflows/ci.yml',
  '.travis.yml',
  'src/index.ts',
  'src/lib/util.ts',
  'README.md',
];

describe('pathsToRead', () => {
  test.each<[string, Change, string[]]>([
    ['npm-dependency, root only', { kind: 'npm-dependency', options: { package: 'react', version: '^18.3.1' } }, ['package.json']],
    ['npm-dependency, workspace glob', { kind: 'npm-dependency', options: { package: 'react', version: '^18.3.1', paths: ['packages/*/package.json'] } }, ['packages/api/package.json', 'packages/ui/package.json']],
    ['json-set', { kind: 'json-set', options: { path: 'tsconfig.json', key: 'compilerOptions.strict', value: true } }, ['tsconfig.json']],
    ['json-set of a missing file', { kind: 'json-set', options: { path: 'renovate.json', key: 'extends', value: ['config:base'], createFile: true } }, []],
    ['yaml-set', { kind: 'yaml-set', options: { path: '.github/workflows/ci.yml', key: 'jobs.test.runs-on', value: 'ubuntu-24.04' } }, ['.github/workflows/ci.yml']],
    ['replace', { kind: 'replace', options: { paths: ['src/**/*.ts'], find: 'a', replace: 'b' } }, ['src/index.ts', 'src/lib/util.ts']],
    ['file-write of an existing file', { kind: 'file-write', options: { path: 'README.md', content: '# web\n' } }, ['README.md']],
    ['file-write of a new file', { kind: 'file-write', options: { path: '.nvmrc', content: '20\n' } }, []],
    ['file-delete', { kind: 'file-delete', options: { paths: ['.travis.yml', 'appveyor.yml'] } }, ['.travis.yml']],
    ['codemod', { kind: 'codemod', options: { module: 'x', paths: ['src/**'] } }, ['src/index.ts', 'src/lib/util.ts']],
  ])('%s', (_name, change, expected) => {
    expect(pathsToRead(change, tree)).toEqual(expected);
  });

  test('json-set reads exactly its path, not look-alikes', () => {
    expect(pathsToRead({ kind: 'json-set', options: { path: 'tsconfig.json', key: 'a', value: 1 } }, ['tsconfig.json.bak', 'x/tsconfig.json'])).toEqual([]);
  });

  test('a single path with glob characters is read as written', () => {
    const paths = ['app/[id]/config.json', 'app/i/config.json'];
    expect(pathsToRead({ kind: 'json-set', options: { path: 'app/[id]/config.json', key: 'a', value: 1 } }, paths)).toEqual(['app/[id]/config.json']);
  });

  test('bad options are change_invalid here too', () => {
    expect(() => pathsToRead({ kind: 'replace', options: { paths: [] } }, tree)).toThrow(expect.objectContaining({ code: 'change_invalid' }));
  });
});

describe('file-write and file-delete', () => {
  test('creates a new file', async () => {
    const result = await applyChange({ kind: 'file-write', options: { path: '.nvmrc', content: '20\n' } }, new Map(), ctx);
    expect(result).toEqual({
      noop: false,
      reason: 'Create .nvmrc',
      files: [{ path: '.nvmrc', content: '20\n' }],
      diff: 'diff --git a/.nvmrc b/.nvmrc\nnew file mode 100644\n--- /dev/null\n+++ b/.nvmrc\n@@ -0,0 +1 @@\n+20\n',
      stats: { filesChanged: 1, additions: 1, deletions: 0 },
    });
  });

  test('rewrites an existing file', async () => {
    const result = await applyChange({ kind: 'file-write', options: { path: '.nvmrc', content: '20\n' } }, new Map([['.nvmrc', '18\n']]), ctx);
    expect(result).toMatchObject({ noop: false, reason: 'Rewrite .nvmrc', stats: { filesChanged: 1, additions: 1, deletions: 1 } });
  });

  test.each([
    ['same content', { path: '.nvmrc', content: '20\n' }, '.nvmrc already has the wanted content'],
    ['onlyIfMissing', { path: '.nvmrc', content: '22\n', onlyIfMissing: true }, '.nvmrc already exists (onlyIfMissing is set)'],
  ])('no-op: %s', async (_name, options, reason) => {
    const result = await applyChange({ kind: 'file-write', options }, new Map([['.nvmrc', '20\n']]), ctx);
    expect(result).toEqual({ noop: true, reason, files: [], diff: '', stats: { filesChanged: 0, additions: 0, deletions: 0 } });
  });

  test('deletes the files that match', async () => {
    const files = new Map([['.travis.yml', 'language: node_js\n'], ['ci/appveyor.yml', 'x: 1\n'], ['README.md', '# hi\n']]);
    const result = await applyChange({ kind: 'file-delete', options: { paths: ['.travis.yml', '**/appveyor.yml'] } }, files, ctx);
    expect(result.files).toEqual([{ path: '.travis.yml', content: null }, { path: 'ci/appveyor.yml', content: null }]);
    expect(result.reason).toBe('Delete .travis.yml, ci/appveyor.yml');
    expect(result.stats).toEqual({ filesChanged: 2, additions: 0, deletions: 2 });
    expect(result.diff).toContain('--- a/.travis.yml\n+++ /dev/null\n');
  });

  test('deleting files that are not there is a no-op', async () => {
    const result = await applyChange({ kind: 'file-delete', options: { paths: ['.travis.yml'] } }, new Map([['README.md', '# hi\n']]), ctx);
    expect(result).toMatchObject({ noop: true, reason: 'nothing to delete: no file matches .travis.yml' });
  });
});

describe('change validation', () => {
  test('an unknown kind lists the known ones', async () => {
    const failure = await failureOf(applyChange({ kind: 'pip-dependency', options: {} }, new Map(), ctx));
    expect(failure).toEqual({ code: 'change_invalid', message: `Unknown change kind "pip-dependency". Use one of: ${CHANGE_KINDS.join(', ')}.` });
  });

  test('every problem is named with its option', async () => {
    const failure = await failureOf(applyChange({ kind: 'file-write', options: { path: '../x', content: 1 } }, new Map(), ctx));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/^The options of the file-write change are not valid \(path: a path inside the repository .*; content: .*\)\. Fix them in the campaign spec\.$/);
  });

  test('missing options are reported, not thrown as a TypeError', async () => {
    const failure = await failureOf(applyChange({ kind: 'npm-dependency', options: undefined }, new Map(), ctx));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/package: /);
  });
});

describe('a no-op never carries a diff, and a change always does', () => {
  const files = new Map([
    ['package.json', '{\n  "dependencies": {\n    "react": "^18.3.1"\n  }\n}\n'],
    ['tsconfig.json', '{\n  "compilerOptions": { "strict": true }\n}\n'],
    ['.github/workflows/ci.yml', 'jobs:\n  test:\n    runs-on: ubuntu-24.04\n'],
    ['src/index.ts', 'export {};\n'],
  ]);
  const changes: Change[] = [
    { kind: 'npm-dependency', options: { package: 'react', version: '^18.3.1' } },
    { kind: 'npm-dependency', options: { package: 'react', version: '^19.0.0' } },
    { kind: 'json-set', options: { path: 'tsconfig.json', key: 'compilerOptions.strict', value: true } },
    { kind: 'json-set', options: { path: 'tsconfig.json', key: 'compilerOptions.strict', value: false } },
    { kind: 'yaml-set', options: { path: '.github/workflows/ci.yml', key: 'jobs.test.runs-on', value: 'ubuntu-24.04' } },
    { kind: 'yaml-set', options: { path: '.github/workflows/ci.yml', key: 'jobs.test.runs-on', value: 'ubuntu-22.04' } },
    { kind: 'replace', options: { paths: ['src/**'], find: 'export', replace: 'export' } },
    { kind: 'replace', options: { paths: ['src/**'], find: '{}', replace: '{ }' } },
    { kind: 'file-write', options: { path: 'src/index.ts', content: 'export {};\n' } },
    { kind: 'file-delete', options: { paths: ['src/index.ts'] } },
  ];
  test.each(changes.map((change) => [`${change.kind} ${JSON.stringify(change.options)}`, change] as const))('%s', async (_name, change) => {
    const result = await applyChange(change, files, ctx);
    if (result.noop) {
      expect(result).toMatchObject({ diff: '', files: [], stats: { filesChanged: 0 } });
      expect(result.reason.length).toBeGreaterThan(10);
    } else {
      expect(result.diff).toMatch(/^diff --git /);
      expect(result.stats.filesChanged).toBe(result.files.length);
      expect(result.stats.additions + result.stats.deletions).toBeGreaterThan(0);
      for (const file of result.files) expect(file.content).not.toBe(files.get(file.path));
    }
  });

  test('half of those changes are no-ops', async () => {
    const results = await Promise.all(changes.map((change) => applyChange(change, files, ctx)));
    expect(results.map((r) => r.noop)).toEqual([true, false, true, false, true, false, true, false, true, false]);
  });
});
