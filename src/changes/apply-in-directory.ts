import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FleetError } from '../errors.js';
import { runGit, runGitBuffer } from '../workspace/git.js';
import { applyChange, parseChange, pathsToRead, type Change, type ChangeResult } from './apply-change.js';
import { applyDependencyInDirectory, dependencyPathsToRead, fromNpmDependency } from './dependency/index.js';
import type { DependencyOptions, NpmDependencyOptions, RunOptions } from './options.js';
import { commandText, runCommands } from './run-commands.js';
import type { ChangeContext } from './types.js';

/**
 * One code path for every change kind in a checkout. In-memory kinds read the files they need
 * from the folder and write their edits back; `run` runs its commands there. Either way the
 * change is then read from the work tree with git, so renames, binary files, modes and
 * .gitignore come out as git sees them, and the result is exactly what a commit would hold.
 */

export interface ChangedEntry {
  path: string;
  /** For a rename: where the file was. */
  previousPath?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  /** git's mode of the new file ("100644", "100755", "120000" for a symbolic link); the old mode for a deleted one. */
  mode: string;
  /** git sees the file as binary (a NUL in its first 8000 bytes); its diff is a binary patch. */
  binary: boolean;
}

export interface DirectoryChange extends ChangeResult {
  entries: ChangedEntry[];
}

/** git's file modes that a change may produce: regular, executable, symbolic link. */
const FILE_MODES = new Set(['100644', '100755', '120000']);

interface RawEntry {
  oldMode: string;
  newMode: string;
  newSha: string;
  status: string;
  path: string;
  previousPath?: string;
}

/** `git diff --raw -z`: ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0[<new path>\0]". */
function parseRaw(output: Buffer): RawEntry[] {
  const fields = output.toString('utf8').split('\0');
  const entries: RawEntry[] = [];
  for (let i = 0; i < fields.length; ) {
    const head = fields[i++];
    if (head === '') continue;
    const [oldMode, newMode, , newSha, status] = head.slice(1).split(' ');
    if (status.startsWith('R') || status.startsWith('C')) {
      const previousPath = fields[i++];
      entries.push({ oldMode, newMode, newSha, status, path: fields[i++], previousPath });
    } else {
      entries.push({ oldMode, newMode, newSha, status, path: fields[i++] });
    }
  }
  return entries;
}

/** `git diff --numstat -z`: "<added>\t<deleted>\t<path>\0" or, for a rename, "<added>\t<deleted>\t\0<old>\0<new>\0"; "-" for binary. */
function parseNumstat(output: Buffer): Map<string, { additions: number; deletions: number; binary: boolean }> {
  const fields = output.toString('utf8').split('\0');
  const byPath = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  for (let i = 0; i < fields.length; ) {
    const head = fields[i++];
    if (head === '') continue;
    const [added, deleted, path] = head.split('\t');
    const binary = added === '-' && deleted === '-';
    const stat = { additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary };
    if (path === '') {
      i++; // the old path
      byPath.set(fields[i++], stat);
    } else {
      byPath.set(path, stat);
    }
  }
  return byPath;
}

/**
 * `git diff --raw --numstat --binary -z` in one: the raw records (each starts with ":"), then the
 * numstat records, then an empty field and the patch. No field of the first two is empty (paths
 * never are), so the first empty field ends them.
 */
export function splitDiff(output: Buffer): { raw: RawEntry[]; numstat: ReturnType<typeof parseNumstat>; diff: string } {
  if (output.length === 0) return { raw: [], numstat: new Map(), diff: '' };
  const end = output.indexOf('\0\0');
  const records = end === -1 ? output : output.subarray(0, end + 1);
  const patch = end === -1 ? '' : output.subarray(end + 2).toString('utf8');
  // Raw records come first and each begins with ":"; the numstat ones begin with a digit or "-".
  const fields = records.toString('utf8').split('\0');
  let at = 0;
  while (at < fields.length && fields[at].startsWith(':')) {
    const status = fields[at].split(' ')[4] ?? '';
    at += status.startsWith('R') || status.startsWith('C') ? 3 : 2;
  }
  const rawPart = fields.slice(0, at).join('\0');
  const numstatPart = fields.slice(at).join('\0');
  return { raw: parseRaw(Buffer.from(rawPart, 'utf8')), numstat: parseNumstat(Buffer.from(numstatPart, 'utf8')), diff: patch };
}

/** Reads blobs by sha with one `git cat-file --batch`. */
async function readBlobs(dir: string, shas: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  if (shas.length === 0) return blobs;
  const { stdout } = await runGitBuffer(['cat-file', '--batch'], { cwd: dir, input: `${shas.join('\n')}\n` });
  let at = 0;
  while (at < stdout.length) {
    const end = stdout.indexOf(0x0a, at);
    const [sha, type, size] = stdout.subarray(at, end).toString('utf8').split(' ');
    if (type === 'missing' || size === undefined) throw new FleetError('internal', `git has no object ${sha} in ${dir} after staging the change. Report this.`);
    const length = Number(size);
    blobs.set(sha, stdout.subarray(end + 1, end + 1 + length));
    at = end + 1 + length + 1;
  }
  return blobs;
}

/** A file's content for a commit through the API: UTF-8 text when it is, else base64. */
function contentOf(bytes: Buffer, binary: boolean): { content: string; encoding?: 'base64' } {
  const text = bytes.toString('utf8');
  if (!binary && Buffer.from(text, 'utf8').equals(bytes)) return { content: text };
  return { content: bytes.toString('base64'), encoding: 'base64' };
}

/** Refuses a path whose folders or file are symbolic links: the change may only touch the checkout. */
async function assertInsideCheckout(dir: string, path: string, kind: string): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const at = join(dir, ...parts.slice(0, i));
    let info;
    try {
      info = await lstat(at);
    } catch {
      return; // Not there yet: nothing below it is either.
    }
    if (info.isSymbolicLink()) {
      throw new FleetError('change_failed', `The ${kind} change would write ${path} through the symbolic link ${parts.slice(0, i).join('/')}, which may point outside the repository, so Fleet does not follow it. Leave the link out of the change's paths.`, { path });
    }
  }
}

async function readTrackedFiles(dir: string, paths: readonly string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const path of paths) {
    const full = join(dir, path);
    let info;
    try {
      info = await lstat(full);
    } catch {
      continue; // Deleted in the work tree: not there to read.
    }
    // A symbolic link could point anywhere on the host; a transform reads regular files only.
    if (!info.isFile()) continue;
    files.set(path, await readFile(full, 'utf8'));
  }
  return files;
}

async function writeEdits(dir: string, edits: readonly { path: string; content: string | null }[], kind: string): Promise<void> {
  for (const edit of edits) {
    await assertInsideCheckout(dir, edit.path, kind);
    const full = join(dir, edit.path);
    if (edit.content === null) {
      await rm(full, { force: true });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, edit.content);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One code path for every kind: in-memory kinds read the files they need from `dir` and write
 * their edits there; `run` runs its commands in `dir` under the sandbox. The change is then read
 * from the work tree with git (respecting .gitignore): renames, binary files, modes; no change →
 * noop with the reason. `dir` is a git work tree whose HEAD is the base; the change is left
 * staged in it.
 *
 * `files` in the result lists what a commit through the API needs: for each added, modified or
 * renamed file its content as committed (UTF-8 text, or base64 with `encoding: 'base64'` for a
 * binary file or one that is not valid UTF-8) and its `mode`; `content: null` for a deleted file
 * and for the old path of a rename.
 *
 * @example
 * const result = await applyChangeInDirectory({ kind: 'run', options: { commands: [{ run: 'npx prettier --write .' }] } }, ws.dir, { repo: 'acme/api' });
 * // result.noop === false, result.entries → [{ path: 'src/a.ts', status: 'modified', mode: '100644', binary: false }]
 */
export async function applyChangeInDirectory(change: Change, dir: string, ctx: ChangeContext): Promise<DirectoryChange> {
  const { kind, options } = parseChange(change);
  let summary: (count: number) => string;
  let noopReason: string;
  let unsandboxed = false;
  if (kind === 'run') {
    // parseChange has parsed (and defaulted) them already.
    const parsed = options as RunOptions;
    const texts = parsed.commands.map((c) => `"${commandText(c)}"`).join(', ');
    unsandboxed = (await runCommands(parsed, dir, ctx)).unsandboxed;
    summary = (count) => `${parsed.commands.length === 1 ? 'The command' : 'The commands'} ${texts} changed ${plural(count, 'file')}`;
    noopReason = `the ${parsed.commands.length === 1 ? 'command' : 'commands'} ${texts} changed nothing in the checkout`;
  } else if (kind === 'dependency' || kind === 'npm-dependency') {
    // Manifests edited in memory, then the lockfiles regenerated here by the ecosystem's tool.
    const dependency = kind === 'dependency' ? (options as DependencyOptions) : fromNpmDependency(options as NpmDependencyOptions);
    const tracked = await listTracked(dir);
    const files = await readTrackedFiles(dir, dependencyPathsToRead(dependency, tracked));
    const result = await applyDependencyInDirectory(dependency, { dir, files, treePaths: tracked, write: (edits) => writeEdits(dir, edits, kind) }, ctx);
    unsandboxed = result.unsandboxed;
    summary = () => result.summary;
    noopReason = result.noopReason;
  } else {
    const tracked = await listTracked(dir);
    const files = await readTrackedFiles(dir, pathsToRead(change, tracked));
    const result = await applyChange(change, files, ctx);
    await writeEdits(dir, result.files, kind);
    unsandboxed = result.unsandboxed === true;
    summary = () => result.reason;
    noopReason = result.reason;
  }
  return { ...(await readStagedChange(dir, summary, noopReason)), ...(unsandboxed ? { unsandboxed: true } : {}) };
}

async function listTracked(dir: string): Promise<string[]> {
  return (await runGitBuffer(['ls-files', '-z'], { cwd: dir })).stdout.toString('utf8').split('\0').filter((p) => p !== '');
}

/** Stages the work tree (git add -A) and reads the change back from git. */
async function readStagedChange(dir: string, summary: (count: number) => string, noopReason: string): Promise<DirectoryChange> {
  await runGit(['add', '-A'], { cwd: dir });
  // One git process for the three views of the change: its raw entries, its line counts, its patch.
  const { raw, numstat, diff } = splitDiff((await runGitBuffer(['diff', '--cached', '-M', '--no-color', '--no-ext-diff', '--no-textconv', '--raw', '--no-abbrev', '--numstat', '--binary', '-z'], { cwd: dir })).stdout);
  if (raw.length === 0) {
    return { noop: true, reason: noopReason, files: [], diff: '', stats: { filesChanged: 0, additions: 0, deletions: 0 }, entries: [] };
  }
  const gitlink = raw.find((e) => e.newMode === '160000');
  if (gitlink) {
    throw new FleetError('change_failed', `The change left a git repository inside the checkout at ${gitlink.path}, which git would commit as a submodule. Make the commands clean up what they clone (or add it to .gitignore).`, { path: gitlink.path });
  }
  const entries: ChangedEntry[] = raw.map((e) => {
    const status = e.status.startsWith('A') ? 'added' : e.status.startsWith('D') ? 'deleted' : e.status.startsWith('R') ? 'renamed' : 'modified';
    return {
      path: e.path,
      ...(e.previousPath !== undefined ? { previousPath: e.previousPath } : {}),
      status,
      mode: status === 'deleted' ? e.oldMode : e.newMode,
      binary: numstat.get(e.path)?.binary ?? false,
    };
  });
  for (const entry of entries) {
    if (!FILE_MODES.has(entry.mode)) throw new FleetError('internal', `git reported the mode ${entry.mode} for ${entry.path}, which Fleet does not commit. Report this.`, { path: entry.path });
  }
  const blobs = await readBlobs(dir, raw.filter((e) => !e.status.startsWith('D')).map((e) => e.newSha));
  const files: DirectoryChange['files'] = [];
  raw.forEach((e, i) => {
    const entry = entries[i];
    if (entry.previousPath !== undefined) files.push({ path: entry.previousPath, content: null });
    if (entry.status === 'deleted') files.push({ path: entry.path, content: null });
    else files.push({ path: entry.path, ...contentOf(blobs.get(e.newSha)!, entry.binary), mode: entry.mode });
  });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let additions = 0;
  let deletions = 0;
  for (const stat of numstat.values()) {
    additions += stat.additions;
    deletions += stat.deletions;
  }
  return { noop: false, reason: summary(entries.length), files, diff, stats: { filesChanged: entries.length, additions, deletions }, entries };
}
