import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createObjectStore, encodeObject, encodeTree, hashBlob, hashTree, localDate, parsePerson, parseTree } from '../../../src/sandbox/github/git-objects.js';
import { diffLines } from '../../../src/sandbox/github/diff.js';

function gitAvailable(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasGit = gitAvailable();
if (!hasGit) console.log('git is not installed: the comparison with real git is not run (apt-get install git)');

describe('git object ids', () => {
  test('a blob and the empty tree get the ids git gives them', () => {
    expect(hashBlob(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(hashTree([])).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  test('the same content always gets the same sha, whatever order it was written in', () => {
    const one = createObjectStore();
    const two = createObjectStore();
    const a = new Map([
      ['src/a.ts', { sha: one.writeBlob(Buffer.from('a')), mode: '100644' as const }],
      ['src.ts', { sha: one.writeBlob(Buffer.from('b')), mode: '100644' as const }],
    ]);
    const b = new Map([...a].reverse());
    for (const [, file] of b) two.writeBlob(one.get(file.sha)?.type === 'blob' ? (one.get(file.sha) as { content: Buffer }).content : Buffer.alloc(0));
    expect(one.writeFlat(a)).toBe(two.writeFlat(b));
    expect(one.flatten(one.writeFlat(a))).toEqual(new Map([['src.ts', a.get('src.ts')], ['src/a.ts', a.get('src/a.ts')]]));
  });

  test.runIf(hasGit)('trees and commits match what git itself computes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-git-'));
    try {
      const files = { 'README.md': '# x\n', 'src/index.ts': 'export {};\n', 'src.ts': 'x\n', 'a-b/c.txt': 'c\n' };
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000', GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@x' } }).toString().trim();
      git('init', '-q');
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      git('add', '.');
      const tree = git('write-tree');
      const commit = git('commit-tree', tree, '-m', 'Initial');
      const store = createObjectStore();
      const flat = new Map(Object.entries(files).map(([path, text]) => [path, { sha: store.writeBlob(Buffer.from(text)), mode: '100644' as const }]));
      const ourTree = store.writeFlat(flat);
      expect(ourTree).toBe(tree);
      const person = { name: 'A', email: 'a@x', date: new Date(1_700_000_000_000).toISOString() };
      expect(store.writeCommit({ tree: ourTree, parents: [], message: 'Initial\n', author: person, committer: person })).toBe(commit);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('objects as git sent them', () => {
  test('people, dates in their zone and trees of every mode read back to the same bytes and ids', () => {
    expect(parsePerson('A U Thor <a@x> 1709287200 +0200')).toEqual({ name: 'A U Thor', email: 'a@x', date: '2024-03-01T10:00:00Z', tz: '+0200' });
    expect(localDate(parsePerson('A <a@x> 1709287200 -0530'))).toBe('2024-03-01T04:30:00-05:30');
    const store = createObjectStore();
    const blob = store.writeBlob(Buffer.from('target'));
    const entries = [
      { name: 'link', mode: '120000' as const, type: 'blob' as const, sha: blob },
      { name: 'sub', mode: '160000' as const, type: 'commit' as const, sha: '1'.repeat(40) },
      { name: 'run.sh', mode: '100755' as const, type: 'blob' as const, sha: blob },
      { name: 'dir', mode: '040000' as const, type: 'tree' as const, sha: hashTree([]) },
    ];
    const body = encodeTree(entries);
    const sha = store.writeRaw('tree', body);
    expect(sha).toBe(hashTree(entries));
    expect(parseTree(body).map((entry) => `${entry.mode} ${entry.type} ${entry.name}`)).toEqual(['040000 tree dir', '120000 blob link', '100755 blob run.sh', '160000 commit sub']);
    const tree = store.get(sha);
    expect(tree && encodeObject(tree).body.equals(body)).toBe(true);

    const raw = Buffer.from(`tree ${sha}\nauthor B <b@x> 1709287200 +0200\ncommitter B <b@x> 1709287200 +0200\nencoding ISO-8859-1\n\nCaf\xe9\n`, 'latin1');
    const commit = store.writeRaw('commit', raw);
    const stored = store.get(commit);
    expect(stored?.type === 'commit' && stored.author.date).toBe('2024-03-01T10:00:00Z');
    expect(stored && encodeObject(stored).body.equals(raw)).toBe(true);
    expect(() => store.writeRaw('commit', Buffer.from('no tree here\n\nmsg'))).toThrow(/without a tree/);
    expect(() => store.writeRaw('tree', Buffer.from('100644 broken'))).toThrow(/malformed/);
  });
});

describe('line diff', () => {
  test('counts changed lines and writes a unified hunk', () => {
    expect(diffLines('a\nb\nc\n', 'a\nB\nc\nd\n')).toEqual({ additions: 2, deletions: 1, patch: '@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d' });
    expect(diffLines('', 'x\n')).toMatchObject({ additions: 1, deletions: 0 });
  });
});
