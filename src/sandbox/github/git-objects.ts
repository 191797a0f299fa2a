import { createHash } from 'node:crypto';

/**
 * A file mode as GitHub's API spells it (trees are `040000` there, `40000` inside git objects):
 * a file, an executable, a symbolic link (`120000`, the blob holds the target), a directory, or a
 * submodule (`160000`, a gitlink: the entry names a commit of another repository).
 */
export type GitMode = '100644' | '100755' | '120000' | '160000' | '040000';

export interface GitTreeEntry {
  name: string;
  mode: GitMode;
  /** `commit` for a gitlink (mode 160000). */
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface GitPerson {
  name: string;
  email: string;
  /** ISO 8601 in UTC, second precision (git stores whole seconds). */
  date: string;
  /** The time zone git recorded, e.g. `+0200`; `+0000` when absent. */
  tz?: string;
}

export interface GitCommitFields {
  tree: string;
  parents: string[];
  message: string;
  author: GitPerson;
  committer: GitPerson;
}

export type GitObject =
  | { type: 'blob'; sha: string; content: Buffer }
  /** `raw`: the bytes git sent, kept only when they differ from what the entries encode to. */
  | { type: 'tree'; sha: string; entries: GitTreeEntry[]; raw?: Buffer }
  /** `raw`: the bytes of a commit that came from git (time zones, gpgsig, encoding and other headers). */
  | ({ type: 'commit'; sha: string; raw?: Buffer } & GitCommitFields)
  | { type: 'tag'; sha: string; raw: Buffer; object: string; tag: string };

/** A flat view of a tree: path → blob sha and mode. */
export type FlatTree = Map<string, { sha: string; mode: GitMode }>;

export function hashObject(type: string, body: Buffer): string {
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

export function encodeTree(entries: GitTreeEntry[]): Buffer {
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
  return `${person.name} <${person.email}> ${seconds} ${person.tz ?? '+0000'}`;
}

/** The bytes of a commit with these fields and no other headers. */
export function encodeCommit(commit: GitCommitFields): Buffer {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((parent) => `parent ${parent}`)];
  lines.push(`author ${formatPerson(commit.author)}`, `committer ${formatPerson(commit.committer)}`);
  return Buffer.from(`${lines.join('\n')}\n\n${commit.message}`);
}

/** The id git gives a commit with these fields (at +0000 unless a person carries `tz`). */
export function hashCommit(commit: GitCommitFields): string {
  return hashObject('commit', encodeCommit(commit));
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * An `author` / `committer` line's value as git writes it: `Name <email> <seconds> <±hhmm>`.
 *
 * @example parsePerson('A U Thor <a@x> 1700000000 +0200') // { name: 'A U Thor', email: 'a@x', date: '2023-11-14T22:13:20Z', tz: '+0200' }
 */
export function parsePerson(value: string): GitPerson {
  const match = /^(.*?) ?<([^>]*)> (-?\d+)(?: ([+-]\d{4}))?$/.exec(value);
  if (!match) return { name: value, email: '', date: isoSeconds(0), tz: '+0000' };
  return { name: match[1] ?? '', email: match[2] ?? '', date: isoSeconds(Number(match[3])), tz: match[4] ?? '+0000' };
}

/** A person's date in the time zone git recorded, e.g. `2024-03-01T12:00:00+02:00` (push payload timestamps). */
export function localDate(person: GitPerson): string {
  const tz = person.tz ?? '+0000';
  const sign = tz.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date(Date.parse(person.date) + minutes * 60_000).toISOString().slice(0, 19);
  return `${local}${tz.slice(0, 3)}:${tz.slice(3, 5)}`;
}

const TREE_MODES: Record<string, { mode: GitMode; type: GitTreeEntry['type'] }> = {
  '100644': { mode: '100644', type: 'blob' },
  '100755': { mode: '100755', type: 'blob' },
  '120000': { mode: '120000', type: 'blob' },
  '160000': { mode: '160000', type: 'commit' },
  '40000': { mode: '040000', type: 'tree' },
};

/** The mode git means by a non-canonical one (old tools wrote e.g. `100664` or `040000`). */
function legacyMode(mode: string): string {
  if (mode.startsWith('4')) return '40000';
  if (mode.startsWith('12')) return '120000';
  if (mode.startsWith('16')) return '160000';
  return (Number.parseInt(mode.slice(-3), 8) & 0o100) !== 0 ? '100755' : '100644';
}

/** Reads a tree object's bytes; unusual modes (e.g. `100664` from old tools) read as the mode git means. */
export function parseTree(body: Buffer): GitTreeEntry[] {
  const entries: GitTreeEntry[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space);
    if (space === -1 || nul === -1 || nul + 21 > body.length) throw new Error('malformed tree object');
    const mode = body.toString('latin1', at, space);
    const known = TREE_MODES[mode] ?? TREE_MODES[legacyMode(mode)] ?? { mode: '100644', type: 'blob' };
    entries.push({ name: body.toString('utf8', space + 1, nul), mode: known.mode, type: known.type, sha: body.toString('hex', nul + 1, nul + 21) });
    at = nul + 21;
  }
  return entries;
}

/** Reads a commit object's bytes: its tree, parents, people and message (other headers stay in the raw bytes). */
export function parseCommit(body: Buffer): GitCommitFields {
  const split = body.indexOf('\n\n');
  const head = body.toString('utf8', 0, split === -1 ? body.length : split);
  const message = split === -1 ? '' : body.toString('utf8', split + 2);
  let tree = '';
  const parents: string[] = [];
  let author: GitPerson | undefined;
  let committer: GitPerson | undefined;
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue;
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') tree = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') author = parsePerson(value);
    else if (key === 'committer') committer = parsePerson(value);
  }
  if (!/^[0-9a-f]{40}$/.test(tree)) throw new Error('commit object without a tree');
  const nobody = parsePerson('');
  return { tree, parents, message, author: author ?? committer ?? nobody, committer: committer ?? author ?? nobody };
}

/** An object's type and the bytes git stores for it (the body after `type size\0`). */
export function encodeObject(object: GitObject): { type: GitObject['type']; body: Buffer } {
  switch (object.type) {
    case 'blob':
      return { type: 'blob', body: object.content };
    case 'tree':
      return { type: 'tree', body: object.raw ?? encodeTree(object.entries) };
    case 'commit':
      return { type: 'commit', body: object.raw ?? encodeCommit(object) };
    case 'tag':
      return { type: 'tag', body: object.raw };
  }
}

export interface ObjectStore {
  get(sha: string): GitObject | undefined;
  writeBlob(content: Buffer): string;
  writeTree(entries: GitTreeEntry[]): string;
  writeCommit(commit: GitCommitFields): string;
  /**
   * Stores an object exactly as git sent it (a push) and returns its id; throws on bytes that do
   * not parse. What REST shows is read from these bytes, and a later fetch serves the same bytes.
   */
  writeRaw(type: string, body: Buffer): string;
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

  function writeCommit(commit: GitCommitFields): string {
    const sha = hashCommit(commit);
    if (!objects.has(sha)) objects.set(sha, { type: 'commit', sha, ...commit });
    return sha;
  }

  function writeRaw(type: string, body: Buffer): string {
    const sha = hashObject(type, body);
    if (objects.has(sha)) return sha;
    if (type === 'blob') objects.set(sha, { type: 'blob', sha, content: Buffer.from(body) });
    else if (type === 'tree') {
      const entries = parseTree(body);
      const canonical = encodeTree(entries).equals(body);
      objects.set(sha, { type: 'tree', sha, entries: canonical ? sortEntries(entries) : entries, ...(canonical ? {} : { raw: Buffer.from(body) }) });
    } else if (type === 'commit') {
      const fields = parseCommit(body);
      objects.set(sha, { type: 'commit', sha, ...fields, ...(encodeCommit(fields).equals(body) ? {} : { raw: Buffer.from(body) }) });
    } else if (type === 'tag') {
      const text = body.toString('utf8');
      const object = /^object ([0-9a-f]{40})$/m.exec(text)?.[1];
      if (!object) throw new Error('tag object without an object');
      objects.set(sha, { type: 'tag', sha, raw: Buffer.from(body), object, tag: /^tag (.*)$/m.exec(text)?.[1] ?? '' });
    } else throw new Error(`unknown object type "${type}"`);
    return sha;
  }

  function flatten(treeSha: string, prefix = '', into: FlatTree = new Map()): FlatTree {
    const tree = objects.get(treeSha);
    if (tree?.type !== 'tree') return into;
    for (const entry of tree.entries) {
      const path = prefix + entry.name;
      if (entry.type === 'tree') flatten(entry.sha, `${path}/`, into);
      // A gitlink is listed with its mode; there is no blob behind it in this repository.
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
        direct.push({ name: path, mode: file.mode, type: file.mode === '160000' ? 'commit' : 'blob', sha: file.sha });
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

  return { get: (sha) => objects.get(sha), writeBlob, writeTree, writeCommit, writeRaw, flatten: (sha) => flatten(sha), writeFlat, readFiles, ancestors };
}
