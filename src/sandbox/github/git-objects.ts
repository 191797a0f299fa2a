import { createHash } from 'node:crypto';

/** A file mode as GitHub's API spells it (trees are `040000` there, `40000` inside git objects). */
export type GitMode = '100644' | '100755' | '040000';

export interface GitTreeEntry {
  name: string;
  mode: GitMode;
  type: 'blob' | 'tree';
  sha: string;
}

export interface GitPerson {
  name: string;
  email: string;
  /** ISO 8601, second precision (git stores whole seconds). */
  date: string;
}

export type GitObject =
  | { type: 'blob'; sha: string; content: Buffer }
  | { type: 'tree'; sha: string; entries: GitTreeEntry[] }
  | { type: 'commit'; sha: string; tree: string; parents: string[]; message: string; author: GitPerson; committer: GitPerson };

/** A flat view of a tree: path → blob sha and mode. */
export type FlatTree = Map<string, { sha: string; mode: GitMode }>;

function hashObject(type: string, body: Buffer): string {
  const header = Buffer.from(`${type} ${body.length}\0`);
  return createHash('sha1').update(header).update(body).digest('hex');
}

/**
 * The id git gives a blob: SHA-1 over `blob <size>\0<content>`.
 *
 * @example hashBlob(Buffer.from('hello\n')) // 'ce013625030ba8dba906f756967f9e9ca394464a'
 */
export function hashBlob(content: Buffer): string {
  return hashObject('blob', content);
}

/**
 * Git's test for a binary file (and so GitHub's: no text diff, no line merge): a NUL byte in the
 * first 8,000 bytes.
 *
 * @example isBinaryContent(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00])) // true
 */
export function isBinaryContent(content: Uint8Array): boolean {
  return content.subarray(0, 8000).includes(0);
}

/** Git orders tree entries by name, comparing a subtree's name as if it ended in `/`. */
function sortEntries(entries: GitTreeEntry[]): GitTreeEntry[] {
  const key = (entry: GitTreeEntry): string => (entry.type === 'tree' ? `${entry.name}/` : entry.name);
  return [...entries].sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
}

function encodeTree(entries: GitTreeEntry[]): Buffer {
  const parts = sortEntries(entries).map((entry) => {
    const mode = entry.mode === '040000' ? '40000' : entry.mode;
    return Buffer.concat([Buffer.from(`${mode} ${entry.name}\0`), Buffer.from(entry.sha, 'hex')]);
  });
  return Buffer.concat(parts);
}

/**
 * The id git gives a tree.
 *
 * @example hashTree([]) // '4b825dc642cb6eb9a060e54bf8d69288fbee4904' (the empty tree)
 */
export function hashTree(entries: GitTreeEntry[]): string {
  return hashObject('tree', encodeTree(entries));
}

function formatPerson(person: GitPerson): string {
  const seconds = Math.floor(Date.parse(person.date) / 1000);
  return `${person.name} <${person.email}> ${seconds} +0000`;
}

/** The id git gives a commit with these fields (author and committer at +0000). */
export function hashCommit(commit: { tree: string; parents: string[]; message: string; author: GitPerson; committer: GitPerson }): string {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((parent) => `parent ${parent}`)];
  lines.push(`author ${formatPerson(commit.author)}`, `committer ${formatPerson(commit.committer)}`);
  return hashObject('commit', Buffer.from(`${lines.join('\n')}\n\n${commit.message}`));
}

export interface ObjectStore {
  get(sha: string): GitObject | undefined;
  writeBlob(content: Buffer): string;
  writeTree(entries: GitTreeEntry[]): string;
  writeCommit(commit: { tree: string; parents: string[]; message: string; author: GitPerson; committer: GitPerson }): string;
  /** Every blob under a tree, by full path. */
  flatten(treeSha: string): FlatTree;
  /** Builds (and stores) the nested trees for a flat path map; returns the root tree's sha. */
  writeFlat(files: FlatTree): string;
  /** Text of every text blob under a commit's tree, by path; binary files (see `isBinaryContent`) are left out. */
  readFiles(commitSha: string): Record<string, string>;
  /** The commit and all its ancestors, newest first (breadth-first). */
  ancestors(commitSha: string): string[];
}

/**
 * A content-addressed store of git objects: the same content always gets the same sha.
 *
 * @example
 * const store = createObjectStore();
 * const blob = store.writeBlob(Buffer.from('hi'));
 * store.writeFlat(new Map([['a/b.txt', { sha: blob, mode: '100644' }]]));
 */
export function createObjectStore(): ObjectStore {
  const objects = new Map<string, GitObject>();

  function writeBlob(content: Buffer): string {
    const sha = hashBlob(content);
    if (!objects.has(sha)) objects.set(sha, { type: 'blob', sha, content });
    return sha;
  }

  function writeTree(entries: GitTreeEntry[]): string {
    const sorted = sortEntries(entries);
    const sha = hashTree(sorted);
    if (!objects.has(sha)) objects.set(sha, { type: 'tree', sha, entries: sorted });
    return sha;
  }

  function writeCommit(commit: { tree: string; parents: string[]; message: string; author: GitPerson; committer: GitPerson }): string {
    const sha = hashCommit(commit);
    if (!objects.has(sha)) objects.set(sha, { type: 'commit', sha, ...commit });
    return sha;
  }

  function flatten(treeSha: string, prefix = '', into: FlatTree = new Map()): FlatTree {
    const tree = objects.get(treeSha);
    if (tree?.type !== 'tree') return into;
    for (const entry of tree.entries) {
      const path = prefix + entry.name;
      if (entry.type === 'tree') flatten(entry.sha, `${path}/`, into);
      else into.set(path, { sha: entry.sha, mode: entry.mode });
    }
    return into;
  }

  function writeFlat(files: FlatTree): string {
    const direct: GitTreeEntry[] = [];
    const nested = new Map<string, FlatTree>();
    for (const [path, file] of files) {
      const slash = path.indexOf('/');
      if (slash === -1) {
        direct.push({ name: path, mode: file.mode, type: 'blob', sha: file.sha });
        continue;
      }
      const dir = path.slice(0, slash);
      const sub = nested.get(dir) ?? new Map();
      sub.set(path.slice(slash + 1), file);
      nested.set(dir, sub);
    }
    for (const [dir, sub] of nested) direct.push({ name: dir, mode: '040000', type: 'tree', sha: writeFlat(sub) });
    return writeTree(direct);
  }

  function readFiles(commitSha: string): Record<string, string> {
    const commit = objects.get(commitSha);
    if (commit?.type !== 'commit') return {};
    const files: Record<string, string> = {};
    for (const [path, file] of flatten(commit.tree)) {
      const blob = objects.get(file.sha);
      if (blob?.type === 'blob' && !isBinaryContent(blob.content)) files[path] = blob.content.toString('utf8');
    }
    return files;
  }

  function ancestors(commitSha: string): string[] {
    const seen = new Set<string>();
    const queue = [commitSha];
    while (queue.length > 0) {
      const sha = queue.shift() as string;
      if (seen.has(sha)) continue;
      const commit = objects.get(sha);
      if (commit?.type !== 'commit') continue;
      seen.add(sha);
      queue.push(...commit.parents);
    }
    return [...seen];
  }

  return { get: (sha) => objects.get(sha), writeBlob, writeTree, writeCommit, flatten: (sha) => flatten(sha), writeFlat, readFiles, ancestors };
}
