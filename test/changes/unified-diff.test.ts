import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createFileDiff, diffLines, splitLines } from '../../src/changes/unified-diff.js';

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const gitAvailable = hasGit();
if (!gitAvailable) console.log('git is not installed: the `git apply` round-trip tests do not run');

/** Applies a diff with git in a scratch folder and returns the resulting file (null when gone). */
function applyWithGit(path: string, before: string | null, diff: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-diff-'));
  try {
    if (before !== null) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), before);
    }
    writeFileSync(join(dir, 'change.patch'), diff);
    execFileSync('git', ['apply', '--whitespace=nowarn', 'change.patch'], { cwd: dir, stdio: 'pipe' });
    return existsSync(join(dir, path)) ? readFileSync(join(dir, path), 'utf8') : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('splitLines', () => {
  test.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a\n']],
    ['a\r\nb', ['a\r\n', 'b']],
    ['\n\n', ['\n', '\n']],
  ])('%j', (text, lines) => {
    expect(splitLines(text)).toEqual(lines);
  });
});

describe('diffLines', () => {
  test('finds the shortest edit script', () => {
    const ops = diffLines(['a\n', 'b\n', 'c\n', 'a\n', 'b\n', 'b\n', 'a\n'], ['c\n', 'b\n', 'a\n', 'b\n', 'a\n', 'c\n']);
    // Myers' classic example: the edit distance is 5.
    expect(ops.filter((op) => op.kind !== 'equal')).toHaveLength(5);
    expect(ops.filter((op) => op.kind !== 'insert').map((op) => op.line)).toEqual(['a\n', 'b\n', 'c\n', 'a\n', 'b\n', 'b\n', 'a\n']);
    expect(ops.filter((op) => op.kind !== 'delete').map((op) => op.line)).toEqual(['c\n', 'b\n', 'a\n', 'b\n', 'a\n', 'c\n']);
  });

  test('keeps both sides for any pair of inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a\n', 'b\n', 'c\n', 'd')), fc.array(fc.constantFrom('a\n', 'b\n', 'c\n', 'd')), (a, b) => {
        const ops = diffLines(a, b);
        expect(ops.filter((op) => op.kind !== 'insert').map((op) => op.line)).toEqual(a);
        expect(ops.filter((op) => op.kind !== 'delete').map((op) => op.line)).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });
});

describe('createFileDiff', () => {
  test('a one-line change in a longer file has three lines of context and git headers', () => {
    const before = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'].map((l) => `${l}\n`).join('');
    const after = before.replace('six\n', 'SIX\n');
    const diff = createFileDiff('src/numbers.txt', before, after);
    expect(diff.text).toBe(
      [
        'diff --git a/src/numbers.txt b/src/numbers.txt',
        '--- a/src/numbers.txt',
        '+++ b/src/numbers.txt',
        '@@ -3,7 +3,7 @@',
        ' three',
        ' four',
        ' five',
        '-six',
        '+SIX',
        ' seven',
        ' eight',
        ' nine',
        '',
      ].join('\n'),
    );
    expect(diff).toMatchObject({ additions: 1, deletions: 1 });
  });

  test('changes far apart make two hunks, changes close together make one', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`);
    const far = [...lines];
    far[2] = 'changed 3\n';
    far[25] = 'changed 26\n';
    const farDiff = createFileDiff('f.txt', lines.join(''), far.join(''));
    expect(farDiff.text.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@']);

    const near = [...lines];
    near[2] = 'changed 3\n';
    near[9] = 'changed 10\n';
    const nearDiff = createFileDiff('f.txt', lines.join(''), near.join(''));
    expect(nearDiff.text.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,13 +1,13 @@']);
  });

  test('an added file is diffed against /dev/null', () => {
    expect(createFileDiff('.nvmrc', null, '20\n').text).toBe('diff --git a/.nvmrc b/.nvmrc\nnew file mode 100644\n--- /dev/null\n+++ b/.nvmrc\n@@ -0,0 +1 @@\n+20\n');
  });

  test('a deleted file is diffed to /dev/null', () => {
    const diff = createFileDiff('.travis.yml', 'language: node_js\nnode_js: 12\n', null);
    expect(diff.text).toBe('diff --git a/.travis.yml b/.travis.yml\ndeleted file mode 100644\n--- a/.travis.yml\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-language: node_js\n-node_js: 12\n');
    expect(diff).toMatchObject({ additions: 0, deletions: 2 });
  });

  test('an added empty file has only the header lines, as git writes it', () => {
    expect(createFileDiff('.keep', null, '').text).toBe('diff --git a/.keep b/.keep\nnew file mode 100644\n');
  });

  test('a missing final newline is marked on both sides', () => {
    const diff = createFileDiff('a.txt', 'a\nb', 'a\nc');
    expect(diff.text).toContain('@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n');
  });

  test('adding a final newline is a change of the last line', () => {
    const diff = createFileDiff('a.txt', 'a\nb', 'a\nb\n');
    expect(diff.text).toContain('-b\n\\ No newline at end of file\n+b\n');
  });

  test('CRLF lines are kept as they are', () => {
    const diff = createFileDiff('win.txt', 'a\r\nb\r\nc\r\n', 'a\r\nB\r\nc\r\n');
    expect(diff.text).toContain('@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n');
  });

  test('identical contents give no diff', () => {
    expect(createFileDiff('a.txt', 'same\n', 'same\n')).toEqual({ text: '', additions: 0, deletions: 0 });
  });

  test('a very different large file still gives a correct diff', () => {
    const before = Array.from({ length: 6000 }, (_, i) => `old ${i}\n`).join('');
    const after = Array.from({ length: 6000 }, (_, i) => `new ${i}\n`).join('');
    const diff = createFileDiff('big.txt', before, after);
    expect(diff).toMatchObject({ additions: 6000, deletions: 6000 });
    expect(diff.text).toContain('@@ -1,6000 +1,6000 @@');
  });
});

describe('edits past the edit-distance cap', () => {
  const before = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? 'keep\n' : `old ${i}\n`));
  const after = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? 'keep\n' : `new ${i}\n`));

  test('still give a script that turns one side into the other', () => {
    const ops = diffLines(before, after);
    expect(ops.filter((op) => op.kind !== 'insert').map((op) => op.line)).toEqual(before);
    expect(ops.filter((op) => op.kind !== 'delete').map((op) => op.line)).toEqual(after);
  });

  test.runIf(gitAvailable)('and a diff git applies', () => {
    const diff = createFileDiff('big.txt', before.join(''), after.join(''));
    expect(applyWithGit('big.txt', before.join(''), diff.text)).toBe(after.join(''));
  });
});

describe.runIf(gitAvailable)('git apply accepts the diffs', () => {
  const realistic: [string, string | null, string | null][] = [
    ['modified', 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n', 'a\nb\nX\nd\ne\nf\ng\nh\nY\nZ\nj\nk\n'],
    ['added', null, 'hello\nworld\n'],
    ['deleted', 'bye\n', null],
    ['no final newline', 'a\nb', 'a\nb\nc'],
    ['final newline removed', 'a\nb\n', 'a\nb'],
    ['crlf', 'x\r\ny\r\nz\r\n', 'x\r\ny2\r\nz\r\n'],
    ['emptied', 'a\nb\n', ''],
  ];
  test.each(realistic)('%s', (_name, before, after) => {
    const diff = createFileDiff('dir/file.txt', before, after);
    expect(applyWithGit('dir/file.txt', before, diff.text)).toBe(after);
  });

  test('random edits round-trip through git apply', () => {
    const line = fc.constantFrom('alpha\n', 'beta\n', 'gamma\n', 'delta\n', '\n', 'crlf\r\n');
    const text = fc.tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom('', 'tail')).map(([lines, tail]) => lines.join('') + tail);
    fc.assert(
      fc.property(text, text, (before, after) => {
        fc.pre(before !== after && before !== '');
        const diff = createFileDiff('f.txt', before, after);
        expect(applyWithGit('f.txt', before, diff.text)).toBe(after);
      }),
      { numRuns: 40 },
    );
  });
});
