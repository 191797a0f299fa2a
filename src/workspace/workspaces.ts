import { createHash } from 'node:crypto';
import { appendFile, lstat, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError } from '../errors.js';
import { folderBytes } from './folder-bytes.js';
import { execGit, gitFailure, runGit, type GitIdentity, type GitRemote } from './git.js';

export { folderBytes } from './folder-bytes.js';

/**
 * Checkouts of the repositories a campaign changes: one folder per target under `root`, at most
 * `max` in use at once, and new ones wait while the folders already take `maxMb` or more.
 */

export interface WorkspacePoolOptions {
  root: string;
  max: number;
  maxMb: number;
}

export interface WorkspaceRequest {
  key: string;
  remote: GitRemote;
  sha: string;
  branch: string;
}

export interface Workspace {
  key: string;
  dir: string;
  sha: string;
  release(): Promise<void>;
}

export interface WorkspacePool {
  /** Waits for one of `max` slots and for disk room under maxMb; checks out `sha` shallowly (partial where the server allows); a retry with the same key and sha reuses the folder, restored to a clean checkout of sha. */
  acquire(request: WorkspaceRequest): Promise<Workspace>;
  /** The target is done: its folder goes. */
  remove(key: string): Promise<void>;
  /** Removes folders whose key is not in `keep` (start-up sweep). */
  sweep(keep: ReadonlySet<string>): Promise<void>;
  usage(): { active: number; waiting: number; bytes: number };
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The folder name of a key: a short hash (unique) and a readable slug of the key.
 *
 * @example
 * workspaceFolderName('42:acme/api') // '3f1c0d9a2b7e-42-acme-api'
 */
export function workspaceFolderName(key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const slug = key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug === '' ? hash : `${hash}-${slug}`;
}

interface Waiter {
  request: WorkspaceRequest;
  resolve: () => void;
}

/**
 * Creates the pool. `acquire` hands out a checkout; waiting requests are served in FIFO order,
 * except that a request whose folder is already on disk (a retry) does not wait for disk room:
 * it adds no folder, and making it wait for targets it may be holding up could wait forever.
 *
 * @example
 * const pool = createWorkspacePool({ root: '/var/lib/fleet/workspaces', max: 4, maxMb: 10240 });
 * const ws = await pool.acquire({ key: `${campaignId}:${repo}`, remote, sha, branch: 'fleet/bump-lodash' });
 * try { ... } finally { await ws.release(); }
 */
export function createWorkspacePool(options: WorkspacePoolOptions): WorkspacePool {
  if (!Number.isInteger(options.max) || options.max < 1) {
    throw new FleetError('config_invalid', `The workspace pool needs at least one slot (got ${options.max}). Set FLEET_WORKSPACES to a whole number of 1 or more.`);
  }
  if (!(options.maxMb > 0)) {
    throw new FleetError('config_invalid', `The workspace disk bound must be above 0 MB (got ${options.maxMb}). Set FLEET_WORKDIR_MAX_MB to a number of megabytes.`);
  }
  const maxBytes = options.maxMb * 1024 * 1024;
  const held = new Set<string>();
  const queue: Waiter[] = [];
  /** Folders known to be on disk, by key, with the sha they hold. */
  const folders = new Map<string, { dir: string; sha: string | undefined }>();
  let bytes = 0;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;

  const dirOf = (key: string) => join(options.root, workspaceFolderName(key));

  async function onDisk(key: string): Promise<boolean> {
    if (folders.has(key)) return true;
    try {
      return (await lstat(dirOf(key))).isDirectory();
    } catch {
      return false;
    }
  }

  /** Grants slots to waiters, in order, measuring the disk once per pass. */
  async function pumpOnce(): Promise<void> {
    bytes = await folderBytes(options.root);
    for (let i = 0; i < queue.length && held.size < options.max; ) {
      const waiter = queue[i];
      if (held.has(waiter.request.key)) {
        i++;
        continue;
      }
      const reuse = await onDisk(waiter.request.key);
      if (!reuse && bytes >= maxBytes) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      held.add(waiter.request.key);
      waiter.resolve();
    }
  }

  function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          pumpAgain = false;
          await pumpOnce();
        } while (pumpAgain);
      } finally {
        pumping = undefined;
      }
    })();
    return pumping;
  }

  async function removeFolder(key: string): Promise<void> {
    folders.delete(key);
    await rm(dirOf(key), { recursive: true, force: true });
  }

  /** Whether `dir` is a checkout that holds the commit `sha` (it may have moved on: a retry after a commit). */
  async function holds(dir: string, sha: string): Promise<boolean> {
    // A folder without its own .git would let git look further up, into whatever holds the root.
    if (!(await lstat(join(dir, '.git'))).isDirectory()) return false;
    const result = await execGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: dir, timeoutMs: 30_000 });
    return result.exitCode === 0;
  }

  async function checkout(request: WorkspaceRequest, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    // No templates: their sample hooks and info/exclude are files no checkout of Fleet's reads.
    await runGit(['init', '-q', '--template='], { cwd: dir });
    // What `git remote add origin <url>` writes, without one more git process.
    await appendFile(join(dir, '.git', 'config'), `[remote "origin"]\n\turl = ${configValue(request.remote.url)}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
    // Partial where the server allows it: git ignores the filter (with a warning) where it is not advertised.
    await runGit(['fetch', '-q', '--no-tags', '--depth=1', '--filter=blob:none', 'origin', request.sha], { cwd: dir, remote: request.remote });
    // The blobs of a partial fetch come in with the checkout, so it needs the remote's header too.
    await runGit(['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', request.sha], { cwd: dir, remote: request.remote });
  }

  async function restore(request: WorkspaceRequest, dir: string): Promise<boolean> {
    try {
      if (!(await holds(dir, request.sha))) return false;
      await runGit(['remote', 'set-url', 'origin', request.remote.url], { cwd: dir });
      await runGit(['-c', 'advice.detachedHead=false', 'checkout', '-q', '--force', '--detach', request.sha], { cwd: dir, remote: request.remote });
      await runGit(['reset', '-q', '--hard', request.sha], { cwd: dir, remote: request.remote });
      await runGit(['clean', '-q', '-ffdx'], { cwd: dir });
      return true;
    } catch {
      return false;
    }
  }

  async function prepare(request: WorkspaceRequest): Promise<string> {
    const dir = dirOf(request.key);
    if ((await onDisk(request.key)) && (await restore(request, dir))) {
      folders.set(request.key, { dir, sha: request.sha });
      return dir;
    }
    await removeFolder(request.key);
    try {
      await checkout(request, dir);
    } catch (error) {
      await removeFolder(request.key);
      throw error;
    }
    folders.set(request.key, { dir, sha: request.sha });
    return dir;
  }

  return {
    async acquire(request) {
      if (!SHA.test(request.sha)) {
        throw new FleetError('bad_input', `A workspace needs a full commit sha to check out, got "${request.sha}".`, { key: request.key });
      }
      if (hasCredential(request.remote.url)) {
        throw new FleetError('internal', 'A workspace remote URL carries a credential; Fleet passes credentials only as a header. Report this.', { key: request.key });
      }
      await new Promise<void>((resolve) => {
        queue.push({ request, resolve });
        void pump();
      });
      let dir: string;
      try {
        dir = await prepare(request);
      } catch (error) {
        held.delete(request.key);
        void pump();
        throw error;
      }
      let released = false;
      return {
        key: request.key,
        dir,
        sha: request.sha,
        async release() {
          if (released) return;
          released = true;
          held.delete(request.key);
          await pump();
        },
      };
    },
    async remove(key) {
      await removeFolder(key);
      await pump();
    },
    async sweep(keep) {
      const wanted = new Set([...keep].map(workspaceFolderName));
      let names: string[];
      try {
        names = await readdir(options.root);
      } catch {
        names = [];
      }
      for (const name of names) {
        if (wanted.has(name)) continue;
        await rm(join(options.root, name), { recursive: true, force: true });
      }
      for (const key of [...folders.keys()]) if (!keep.has(key)) folders.delete(key);
      await pump();
    },
    usage() {
      return { active: held.size, waiting: queue.length, bytes };
    },
  };
}

/** A value as git's config file holds it: quoted, with `\\` and `"` escaped, where it would otherwise be read differently. */
export function configValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new FleetError('bad_input', 'A git remote URL cannot hold a line break or a NUL.', {});
  if (/^[^\s"\\#;]*$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function hasCredential(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    // A local path (tests, a mirror on disk) carries none.
    return false;
  }
}

/** The commit HEAD is at: read from .git/HEAD where it is detached (the pool's checkouts are), else asked of git. */
async function headSha(dir: string): Promise<string> {
  const head = (await readFile(join(dir, '.git', 'HEAD'), 'utf8').catch(() => '')).trim();
  if (SHA.test(head)) return head;
  return (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
}

/** `refs/heads/<branch>` for a branch name git accepts. */
function branchRef(branch: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-') || branch.includes('..') || branch.endsWith('/') || branch.endsWith('.lock')) {
    throw new FleetError('bad_input', `"${branch}" is not a branch name Fleet pushes to. Use letters, digits, ".", "_", "-" and "/".`, { branch });
  }
  return `refs/heads/${branch}`;
}

/** One ref's line of `git push --porcelain`: "<flag>\t<from>:<to>\t<summary>". */
interface PushLine {
  flag: string;
  to: string;
  summary: string;
}

function readPorcelain(stdout: string): PushLine[] {
  const lines: PushLine[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(.)\t([^\t]*):([^\t]*)\t(.*)$/.exec(line);
    if (match) lines.push({ flag: match[1], to: match[3], summary: match[4] });
  }
  return lines;
}

/**
 * Commits the working tree (git add -A) as `author`, pushes HEAD to refs/heads/<branch> in one
 * `git push` with --force-with-lease=<branch>:<lease> (lease null: the branch must not exist
 * yet). Throws FleetError('branch_moved') when the lease does not hold, FleetError('github_refused')
 * for a rejected push, with git's sentence.
 *
 * @example
 * const { sha } = await commitAndPush(ws, { remote, branch: 'fleet/bump-lodash', message: 'Bump lodash', author: { name: 'fleet[bot]', email: '1+fleet[bot]@users.noreply.github.com' }, lease: null });
 */
export async function commitAndPush(ws: Workspace, input: { remote: GitRemote; branch: string; message: string; author: GitIdentity; lease: string | null }): Promise<{ sha: string }> {
  const ref = branchRef(input.branch);
  if (input.lease !== null && !SHA.test(input.lease)) {
    throw new FleetError('bad_input', `The lease for ${input.branch} must be a full commit sha or null, got "${input.lease}".`, { branch: input.branch });
  }
  const identity = {
    GIT_AUTHOR_NAME: input.author.name,
    GIT_AUTHOR_EMAIL: input.author.email,
    GIT_COMMITTER_NAME: input.author.name,
    GIT_COMMITTER_EMAIL: input.author.email,
  };
  await runGit(['add', '-A'], { cwd: ws.dir });
  const committed = await execGit(['-c', 'commit.gpgsign=false', 'commit', '-q', '--no-verify', '--cleanup=verbatim', '-F', '-'], { cwd: ws.dir, env: identity, input: input.message.endsWith('\n') ? input.message : `${input.message}\n` });
  if (committed.exitCode !== 0) {
    // Only when the commit failed is it worth a look whether there was anything to commit.
    const staged = await execGit(['diff', '--cached', '--quiet'], { cwd: ws.dir });
    if (staged.exitCode === 0) {
      throw new FleetError('internal', `The workspace for ${ws.key} has nothing to commit: the change left the checkout as it was. Report this: a change with no effect should have been a no-op.`, { key: ws.key });
    }
    throw gitFailure(committed, {});
  }
  const sha = await headSha(ws.dir);
  const args = ['push', '--porcelain', '--no-verify', `--force-with-lease=${ref}:${input.lease ?? ''}`, 'origin', `HEAD:${ref}`];
  const result = await execGit(args, { cwd: ws.dir, remote: input.remote });
  const line = readPorcelain(result.stdout.toString('utf8')).find((l) => l.to === ref);
  if (result.exitCode === 0 && line && line.flag !== '!') return { sha };
  if (line?.flag === '!' && /stale info/.test(line.summary)) {
    const expected = input.lease === null ? 'not to exist yet' : `to be at ${input.lease.slice(0, 7)}`;
    throw new FleetError('branch_moved', `The branch ${input.branch} moved on the server: Fleet expected it ${expected}, and someone else's push got there first, so Fleet did not overwrite it. Look at the branch, then press Retry to regenerate the change, or Skip the target.`, { branch: input.branch, lease: input.lease, gitMessage: line.summary });
  }
  if (line?.flag === '!') {
    const sentence = [line.summary, ...result.stderr.split('\n').filter((l) => /^remote:\s*\S/.test(l) || /^(error|fatal):/.test(l))].map((l) => l.trim()).join(' ').slice(0, 1000);
    throw new FleetError('github_refused', `GitHub refused the push to ${input.branch}: ${sentence}`, { branch: input.branch, gitMessage: sentence });
  }
  throw gitFailure(result, { remote: input.remote });
}
