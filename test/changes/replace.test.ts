import { describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { failureOf } from '../support/failure-of.js';

const ctx = { repo: 'acme/payments-api' };

const repo = {
  'src/logger.ts': "import { oldLogger } from './old-logger.js';\nexport const log = oldLogger;\n",
  'src/server.ts': "import { oldLogger } from './logger.js';\noldLogger.info('up');\n",
  'src/deep/nested/util.ts': 'export const x = oldLogger;\n',
  'test/server.test.ts': "oldLogger.info('test');\n",
  '.github/workflows/ci.yml': 'runs-on: ubuntu-20.04\n',
  Dockerfile: 'FROM node:18-alpine\nRUN npm ci\n',
  'assets/logo.png': 'PNG\0\0oldLogger',
};

function replace(options: Record<string, unknown>, files: Record<string, string> = repo, timeoutMs?: number) {
  return applyChange({ kind: 'replace', options }, new Map(Object.entries(files)), { ...ctx, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
}

describe('path globs', () => {
  test.each([
    [['src/**/*.ts'], ['src/deep/nested/util.ts', 'src/logger.ts', 'src/server.ts']],
    [['src/*.ts'], ['src/logger.ts', 'src/server.ts']],
    [['**/*.ts'], ['src/deep/nested/util.ts', 'src/logger.ts', 'src/server.ts', 'test/server.test.ts']],
    [['**/*.test.ts', 'src/server.ts'], ['src/server.ts', 'test/server.test.ts']],
    [['**'], ['src/deep/nested/util.ts', 'src/logger.ts', 'src/server.ts', 'test/server.test.ts']],
  ])('%j', async (paths, changed) => {
    const result = await replace({ paths, find: 'oldLogger', replace: 'logger' });
    expect(result.files.map((f) => f.path)).toEqual(changed);
  });

  test('globs reach dotfiles such as GitHub workflows', async () => {
    const result = await replace({ paths: ['**/*.yml'], find: 'ubuntu-20.04', replace: 'ubuntu-24.04' });
    expect(result.files).toEqual([{ path: '.github/workflows/ci.yml', content: 'runs-on: ubuntu-24.04\n' }]);
  });

  test('files with NUL bytes are taken to be binary and left alone', async () => {
    const result = await replace({ paths: ['assets/**'], find: 'oldLogger', replace: 'logger' });
    expect(result).toMatchObject({ noop: true, reason: 'no text file matches assets/**' });
  });
});

describe('literal replacement', () => {
  test('replaces every occurrence and reports the count of files', async () => {
    const result = await replace({ paths: ['src/server.ts'], find: 'oldLogger', replace: 'logger' });
    expect(result.files[0].content).toBe("import { logger } from './logger.js';\nlogger.info('up');\n");
    expect(result.reason).toBe('Replace "oldLogger" with "logger" in 1 file');
  });

  test('characters special in regular expressions and "$" patterns are taken literally', async () => {
    const files = { 'a.txt': 'price: $(cost).* and $(cost).*\n' };
    const result = await replace({ paths: ['a.txt'], find: '$(cost).*', replace: "$& $1 $$ $'" }, files);
    expect(result.files[0].content).toBe("price: $& $1 $$ $' and $& $1 $$ $'\n");
  });

  test('without the g flag only the first occurrence changes', async () => {
    const result = await replace({ paths: ['a.txt'], find: 'a', replace: 'b', flags: '' }, { 'a.txt': 'aaa\n' });
    expect(result.files[0].content).toBe('baa\n');
  });

  test('the i flag matches any case', async () => {
    const result = await replace({ paths: ['a.txt'], find: 'NODE', replace: 'node', flags: 'gi' }, { 'a.txt': 'Node NODE node\n' });
    expect(result.files[0].content).toBe('node node node\n');
  });
});

describe('regular expression replacement', () => {
  test('groups and named groups are used in the replacement', async () => {
    const result = await replace({ paths: ['Dockerfile'], find: 'FROM node:(?<major>\\d+)-(\\w+)', replace: 'FROM node:20-$2 # was $<major>', regex: true });
    expect(result.files[0].content).toBe('FROM node:20-alpine # was 18\nRUN npm ci\n');
  });

  test('multi-line flags work across lines', async () => {
    const result = await replace({ paths: ['Dockerfile'], find: '^RUN (.*)$', replace: 'RUN --mount=type=cache,target=/root/.npm $1', regex: true, flags: 'gm' });
    expect(result.files[0].content).toBe('FROM node:18-alpine\nRUN --mount=type=cache,target=/root/.npm npm ci\n');
  });

  test('a CRLF file keeps its line endings', async () => {
    const result = await replace({ paths: ['a.txt'], find: 'v1', replace: 'v2' }, { 'a.txt': 'x v1\r\ny\r\n' });
    expect(result.diff).toContain('-x v1\r\n+x v2\r\n');
  });
});

describe('no-op', () => {
  test('text that does not occur', async () => {
    const result = await replace({ paths: ['src/**'], find: 'winston', replace: 'pino' });
    expect(result).toEqual({ noop: true, reason: '"winston" does not occur in 3 matching files (src/**)', files: [], diff: '', stats: { filesChanged: 0, additions: 0, deletions: 0 } });
  });

  test('a replacement equal to the match', async () => {
    const result = await replace({ paths: ['Dockerfile'], find: 'node:(\\d+)', replace: 'node:$1', regex: true });
    expect(result.noop).toBe(true);
  });

  test('no matching file', async () => {
    expect((await replace({ paths: ['*.go'], find: 'a', replace: 'b' })).reason).toBe('no text file matches *.go');
  });
});

describe('a user expression cannot hang the process', () => {
  test('catastrophic backtracking is stopped with a clear error', async () => {
    const files = { 'big.txt': `${'a'.repeat(40)}!\n` };
    const failure = await failureOf(replace({ paths: ['big.txt'], find: '^(a+)+$', replace: 'x', regex: true, flags: 'gm' }, files, 200));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toBe(
      'The expression /^(a+)+$/gm took longer than 200 ms on the files of acme/payments-api and was stopped (it likely backtracks catastrophically). Simplify it, e.g. avoid nested quantifiers such as (a+)+.',
    );
  });

  test('the same expression on harmless input still works', async () => {
    const result = await replace({ paths: ['a.txt'], find: '^(a+)+$', replace: 'x', regex: true, flags: 'gm' }, { 'a.txt': 'aaaa\nb\n' }, 200);
    expect(result.files[0].content).toBe('x\nb\n');
  });
});

describe('options', () => {
  test.each([
    ['an invalid expression', { paths: ['a'], find: '(unclosed', replace: '', regex: true }, /find: a valid JavaScript regular expression/],
    ['an unknown flag', { paths: ['a'], find: 'a', replace: '', flags: 'gy' }, /flags: only the flags g, i, m, s and u/],
    ['a repeated flag', { paths: ['a'], find: 'a', replace: '', flags: 'gg' }, /each at most once/],
    ['no paths', { paths: [], find: 'a', replace: '' }, /paths:/],
    ['a glob that climbs out', { paths: ['../**'], find: 'a', replace: '' }, /a path or glob inside the repository/],
    ['an empty find', { paths: ['a'], find: '', replace: '' }, /find:/],
  ])('%s is change_invalid', async (_name, options, message) => {
    const failure = await failureOf(replace(options));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(message);
  });
});
