import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyChange, type Change } from '../../src/changes/apply-change.js';
import { applyChangeInDirectory, splitDiff } from '../../src/changes/apply-in-directory.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { failureOf } from '../support/failure-of.js';
import { createWorkTree, gitIn } from '../support/work-tree.js';

/**
 * The in-memory kinds through a checkout: the same files, the same no-op reasons, and the same
 * diff as applyChange in memory, up to what only git writes (its `index` lines and the function
 * name it puts after a hunk's @@).
 */

const BASE: Record<string, string> = {
  'package.json': '{\n  "name": "api",\n  "dependencies": {\n    "lodash": "^4.17.20",\n    "express": "^4.18.0"\n  }\n}\n',
  'tsconfig.json': '{\n  // strictness\n  "compilerOptions": {\n    "target": "es2022"\n  }\n}\n',
  '.github/workflows/ci.yml': 'name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-20.04 # old\n    steps:\n      - uses: actions/checkout@v3\n',
  'src/a.ts': 'import log from "log";\n\nfunction one() {\n  log("a");\n  return 1;\n}\n\nfunction two() {\n  log("b");\n  return 2;\n}\n',
  'src/b.ts': 'export const b = "log";\n',
  'docs/old.md': 'old\n',
  'docs/keep.md': 'keep\n',
};

const CHANGES: Change[] = [
  { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
  { kind: 'json-set', options: { path: 'tsconfig.json', key: 'compilerOptions.strict', value: true } },
  { kind: 'yaml-set', options: { path: '.github/workflows/ci.yml', key: 'jobs.build.runs-on', value: 'ubuntu-24.04' } },
  { kind: 'replace', options: { paths: ['src/**/*.ts'], find: 'log', replace: 'logger' } },
  { kind: 'file-write', options: { path: 'docs/new/CONTRIBUTING.md', content: '# Contributing\n' } },
  { kind: 'file-delete', options: { paths: ['docs/old.md'] } },
];

const NOOPS: Change[] = [
  { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.20' } },
  { kind: 'replace', options: { paths: ['src/**'], find: 'nowhere', replace: 'x' } },
  { kind: 'file-delete', options: { paths: ['missing/**'] } },
];

const dirs: string[] = [];
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fleet-in-dir-'));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string> = BASE): string {
  const dir = createWorkTree(files, 'fleet-in-dir-');
  dirs.push(dir);
  return dir;
}

/** git's diff without what only git writes. */
function comparable(diff: string): string {
  return diff
    .split('\n')
    .filter((line) => !line.startsWith('index '))
    .map((line) => line.replace(/^(@@ [^@]+ @@).*$/, '$1'))
    .join('\n');
}

describe('in-memory kinds in a directory', () => {
  test.each(CHANGES.map((change) => [change.kind, change] as const))('%s gives the same change as in memory', async (_kind, change) => {
    const memory = await applyChange(change, new Map(Object.entries(BASE)), { repo: 'acme/api' });
    const dir = tree();
    const result = await applyChangeInDirectory(change, dir, { repo: 'acme/api' });
    expect(memory.noop).toBe(false);
    expect(result.noop).toBe(false);
    expect(result.reason).toBe(memory.reason);
    expect(comparable(result.diff)).toBe(comparable(memory.diff));
    expect(result.stats).toEqual(memory.stats);
    expect(result.files.map(({ path, content }) => ({ path, content }))).toEqual(memory.files);
    // What it wrote is on disk and staged.
    for (const file of memory.files) {
      if (file.content !== null) expect(readFileSync(join(dir, file.path), 'utf8')).toBe(file.content);
    }
    expect(gitIn(dir, ['diff', '--cached', '--name-only']).trim().split('\n').sort()).toEqual(memory.files.map((f) => f.path).sort());
  });

  test.each(NOOPS.map((change) => [change.kind, change] as const))('a %s that changes nothing is a no-op with the same reason', async (_kind, change) => {
    const memory = await applyChange(change, new Map(Object.entries(BASE)), { repo: 'acme/api' });
    const result = await applyChangeInDirectory(change, tree(), { repo: 'acme/api' });
    expect(memory.noop).toBe(true);
    expect(result).toEqual({ ...memory, entries: [] });
  });

  test('the in-memory kinds read only tracked regular files: an ignored file and a symbolic link out of the checkout are not read', async () => {
    const outside = join(root, 'secret.txt');
    writeFileSync(outside, 'log the secret\n');
    const dir = tree({ '.gitignore': 'build/\n', 'src/a.ts': 'log\n' });
    symlinkSync(outside, join(dir, 'src', 'link.ts'));
    gitIn(dir, ['add', 'src/link.ts']);
    gitIn(dir, ['commit', '-q', '-m', 'link']);
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build', 'out.ts'), 'log\n');
    const result = await applyChangeInDirectory({ kind: 'replace', options: { paths: ['**'], find: 'log', replace: 'logger' } }, dir, { repo: 'acme/api' });
    expect(result.files.map((f) => f.path)).toEqual(['src/a.ts']);
    expect(readFileSync(outside, 'utf8')).toBe('log the secret\n');
    expect(readFileSync(join(dir, 'build', 'out.ts'), 'utf8')).toBe('log\n');
  });

  test('a write through a symbolic link to a folder outside the checkout is refused', async () => {
    const outside = join(root, 'elsewhere');
    mkdirSync(outside);
    const dir = tree({ 'a.txt': 'a\n' });
    symlinkSync(outside, join(dir, 'docs'));
    gitIn(dir, ['add', 'docs']);
    gitIn(dir, ['commit', '-q', '-m', 'link']);
    const failure = await failureOf(applyChangeInDirectory({ kind: 'file-write', options: { path: 'docs/x.md', content: 'x\n' } }, dir, { repo: 'acme/api' }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toContain('through the symbolic link docs');
    expect(() => readFileSync(join(outside, 'x.md'))).toThrow();
  });

  test('bad options are change_invalid before anything is touched', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const failure = await failureOf(applyChangeInDirectory({ kind: 'json-set', options: { path: '../x.json', key: 'a', value: 1 } }, dir, { repo: 'acme/api' }));
    expect(failure.code).toBe('change_invalid');
    expect(gitIn(dir, ['status', '--porcelain'])).toBe('');
  });
});

explainBwrapMissing('a codemod in a directory');

describe.skipIf(!bwrapAvailable)(`a codemod in a directory${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, () => {
  test('gives the same change as in memory', async () => {
    const catalog = join(root, 'catalog');
    mkdirSync(join(catalog, 'codemods'), { recursive: true });
    writeFileSync(join(catalog, 'codemods', 'shout.mjs'), 'export function transform(files) { return Object.fromEntries(Object.entries(files).map(([p, c]) => [p, c.toUpperCase()])); }\n');
    const change: Change = { kind: 'codemod', options: { module: 'shout', paths: ['src/b.ts'] } };
    const memory = await applyChange(change, new Map(Object.entries(BASE)), { repo: 'acme/api', catalogDir: catalog });
    const result = await applyChangeInDirectory(change, tree(), { repo: 'acme/api', catalogDir: catalog });
    expect(result.files.map(({ path, content }) => ({ path, content }))).toEqual(memory.files);
    expect(comparable(result.diff)).toBe(comparable(memory.diff));
    expect(result.reason).toBe('Codemod shout changed 1 file');
  });
});

describe('the staged change read in one git diff', () => {
  test('splitDiff gives the raw records, the numstat records and the patch that three separate diffs give: renames, binary, a mode change, odd names', () => {
    const dir = tree({ 'a.txt': 'a\nb\n', 'moved.txt': 'same\ncontent\nhere\n', 'run.sh': 'echo\n', 'gone.md': 'x\n' });
    writeFileSync(join(dir, 'a.txt'), 'a\nc\nd\n');
    gitIn(dir, ['mv', 'moved.txt', 'renamed.txt']);
    writeFileSync(join(dir, 'b.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    writeFileSync(join(dir, 'é x"q.txt'), 'q\n');
    writeFileSync(join(dir, 'tab\tname'), 'tab\n');
    rmSync(join(dir, 'gone.md'));
    chmodSync(join(dir, 'run.sh'), 0o755);
    gitIn(dir, ['add', '-A']);
    const common = ['diff', '--cached', '-M', '--no-color', '--no-ext-diff', '--no-textconv'];
    const combined = splitDiff(Buffer.from(gitIn(dir, [...common, '--raw', '--no-abbrev', '--numstat', '--binary', '-z']), 'utf8'));
    const raw = gitIn(dir, [...common, '--raw', '--no-abbrev', '-z']).split('\0').filter((f) => f !== '');
    expect(combined.raw.map((e) => e.path).sort()).toEqual(['a.txt', 'b.bin', 'gone.md', 'renamed.txt', 'run.sh', 'tab\tname', 'é x"q.txt']);
    expect(combined.raw.find((e) => e.path === 'renamed.txt')).toMatchObject({ previousPath: 'moved.txt' });
    expect(combined.raw.find((e) => e.path === 'run.sh')).toMatchObject({ oldMode: '100644', newMode: '100755' });
    expect(combined.raw.length).toBe(raw.filter((f) => f.startsWith(':')).length);
    expect(combined.numstat.get('b.bin')).toEqual({ additions: 0, deletions: 0, binary: true });
    expect(combined.numstat.get('a.txt')).toEqual({ additions: 2, deletions: 1, binary: false });
    expect(combined.numstat.size).toBe(7);
    expect(combined.diff).toBe(gitIn(dir, [...common, '--binary']));
    expect(splitDiff(Buffer.alloc(0))).toEqual({ raw: [], numstat: new Map(), diff: '' });
  });
});
