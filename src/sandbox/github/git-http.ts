import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { encodeObject } from './git-objects.js';
import type { BranchProtection, RefUpdate, RepoRecord, World } from './state.js';

/**
 * Git's smart HTTP protocol for the fake, served by real git: `git http-backend` (CGI) over bare
 * repositories under the fake's git root. The world's object store stays the source of truth:
 * before git serves a repository, the objects it lacks are written as loose objects and its refs
 * are set to the world's; after a push, the new objects are read back byte-exact and the ref
 * updates are applied through the world's own operations (CI, `synchronize`, closing PRs, the
 * `push` webhook). Operations on one repository run one at a time.
 */

export type GitService = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';

export interface GitPathMatch {
  owner: string;
  name: string;
  /** null: a path under `{repo}.git/` that is not one of the three smart routes (404). */
  service: GitService | null;
}

/** The request-log template of a git route. */
export function gitRouteTemplate(service: GitService): string {
  return service === 'info/refs' ? '/{owner}/{repo}.git/info/refs' : `/{owner}/{repo}.git/${service}`;
}

/**
 * Recognises a git smart-HTTP path: `/{owner}/{repo}(.git)/info/refs|git-upload-pack|git-receive-pack`,
 * or anything else under `/{owner}/{repo}.git/`.
 *
 * @example matchGitPath('/acme/api.git/info/refs') // { owner: 'acme', name: 'api', service: 'info/refs' }
 */
export function matchGitPath(path: string): GitPathMatch | undefined {
  const smart = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(path);
  if (smart) return { owner: decodeURIComponent(smart[1] ?? ''), name: decodeURIComponent(smart[2] ?? ''), service: smart[3] as GitService };
  const other = /^\/([^/]+)\/([^/]+)\.git(?:\/.*)?$/.exec(path);
  if (other && other[1] !== 'repos') return { owner: decodeURIComponent(other[1] ?? ''), name: decodeURIComponent(other[2] ?? ''), service: null };
  return undefined;
}

/**
 * The token of a git request: HTTP Basic with the token as the password (any user; a token given
 * as the user with no password is taken too), or `Bearer` / `token`.
 */
export function gitToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization);
  if (bearer) return bearer[1];
  const basic = /^basic\s+(\S+)$/i.exec(authorization);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  return password || user || undefined;
}

export interface GitHttpOptions {
  world: World;
  /** Where the bare repositories live; default a temporary folder removed by `close()`. */
  root?: string;
  log: (line: string) => void;
}

export interface GitExchange {
  status: number;
  bytesIn: number;
  bytesOut: number;
}

/** A CGI answer kept to be given again: its status, headers and body. */
interface Advertisement {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const ZERO = '0'.repeat(40);
/** The commits GitHub signed (one sha a line), kept in the folder of a repository that requires signatures for its hook. */
const SIGNED_LIST = 'fake-signed-commits';
/** From this many objects on, an export is written as one pack instead of loose objects. */
const PACK_AT = 64;
const PACK_TYPES = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

/** A pack entry's header: the type in bits 6-4 of the first byte, the size in 4 + 7·n bits. */
function packEntryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let rest = Math.floor(size / 16);
  let byte = (type << 4) | (size & 0x0f);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
/** Settings for every git process the backend starts (passed as GIT_CONFIG_* so no file holds them). */
const GIT_CONFIG: [string, string][] = [
  ['uploadpack.allowFilter', 'true'],
  ['uploadpack.allowAnySHA1InWant', 'true'],
  ['http.receivepack', 'true'],
  ['http.uploadpack', 'true'],
  ['receive.fsckObjects', 'true'],
  ['receive.autogc', 'false'],
  ['receive.denyDeleteCurrent', 'false'],
  // GitHub's read-only pull refs: a push to refs/pull/* is "deny updating a hidden ref".
  ['receive.hideRefs', 'refs/pull'],
  ['gc.auto', '0'],
  ['core.logAllRefUpdates', 'false'],
];

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The pre-receive hook for a protected branch, with GitHub's GH006 text: deleting and
 * force-pushing are refused; so is any push while the protection requires reviews or checks
 * (a commit pushed straight to the branch has neither).
 */
export function protectionHook(branch: string, protection: BranchProtection): string {
  const checks = protection.requiredChecks;
  const reason = (protection.requiredApprovals ?? 0) > 0
    ? 'Changes must be made through a pull request.'
    : checks.length === 1
      ? `Required status check "${checks[0]}" is expected.`
      : checks.length > 1
        ? `${checks.length} of ${checks.length} required status checks are expected.`
        : '';
  return [
    '#!/bin/sh',
    '# Written by the fake GitHub: branch protection as GitHub enforces it on a push.',
    `protected=${shellQuote(`refs/heads/${branch}`)}`,
    `reason=${shellQuote(reason)}`,
    'status=0',
    'while read old new ref; do',
    '  [ "$ref" = "$protected" ] || continue',
    `  if [ "$new" = "${ZERO}" ]; then why='Cannot delete this branch'`,
    `  elif [ "$old" != "${ZERO}" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then why='Cannot force-push to this branch'`,
    ...(protection.requiredSignatures
      ? [
          // Every commit the push brings onto the branch must be one GitHub verified: here, one the
          // fake signed itself (the list it keeps in the repository's folder, where the hook runs);
          // a pushed signature is never verified, the fake holding nobody's key.
          `  elif { [ "$old" = "${ZERO}" ] && set -- --not --all || set -- "^$old"; } && [ -n "$(git rev-list "$new" "$@" | while read c; do grep -qx "$c" ${SIGNED_LIST} 2>/dev/null || echo "$c"; done)" ]; then why='Commits must have verified signatures.'`,
        ]
      : []),
    '  else why="$reason"; fi',
    '  [ -n "$why" ] || continue',
    '  echo "error: GH006: Protected branch update failed for $ref." >&2',
    '  echo "error: $why" >&2',
    '  status=1',
    'done',
    'exit $status',
    '',
  ].join('\n');
}

/** A name safe as one path segment of the git root. */
function safeSegment(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..';
}

export function createGitHttp(options: GitHttpOptions) {
  const { world, log } = options;
  const ownsRoot = options.root === undefined;
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'fleet-fake-git-'));
  mkdirSync(root, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'fleet-fake-git-home-'));
  const exported = new Map<string, Set<string>>();
  const hooks = new Map<string, string>();
  /** How many signed commits a repository's list holds (the world's list only grows). */
  const signedListed = new Map<string, number>();
  const locks = new Map<string, Promise<void>>();
  /** The protocol v2 `info/refs` answer for upload-pack, by Git-Protocol header: git's capabilities, which no repository changes. */
  const advertisements = new Map<string, Advertisement>();
  const children = new Set<ChildProcess>();
  let closed = false;

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_COUNT: String(GIT_CONFIG.length),
  };
  GIT_CONFIG.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });

  function keyOf(repo: RepoRecord): string {
    return `${repo.owner}/${repo.name}`.toLowerCase();
  }

  function dirOf(repo: RepoRecord): string {
    return join(root, repo.owner.toLowerCase(), `${repo.name.toLowerCase()}.git`);
  }

  /** Runs `fn` after every earlier operation on the same repository. */
  function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    locks.set(key, tail);
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key);
    });
    return run;
  }

  /** Runs git in a bare repository, feeding `input`; resolves with stdout, rejects with stderr. */
  function git(dir: string, args: string[], input?: string | Buffer): Promise<Buffer> {
    return run(dir, 'git', args, input);
  }

  /** Runs a fixed pipeline of git commands (`sh -c`, no value of a request in it) in a bare repository: one process started from here instead of one per command. */
  function sh(dir: string, script: string, input?: string | Buffer): Promise<Buffer> {
    return run(dir, 'sh', ['-c', `set -e; ${script}`], input);
  }

  function run(dir: string, command: string, args: string[], input?: string | Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: dir, env: { ...env, GIT_DIR: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
      children.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.stdin.on('error', () => undefined);
      child.on('error', reject);
      child.on('close', (code) => {
        children.delete(child);
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new Error(`${command} ${args.join(' ')} failed (${String(code)}): ${Buffer.concat(err).toString('utf8').trim()}`));
      });
      child.stdin.end(input ?? '');
    });
  }

  /** The bare repository's refs (`heads/main` → sha); `loose` names those not only in packed-refs. */
  async function readRefs(dir: string, loose = new Set<string>()): Promise<Map<string, string>> {
    const refs = new Map<string, string>();
    const packed = await readFile(join(dir, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) {
      const match = /^([0-9a-f]{40}) refs\/(.+)$/.exec(line);
      if (match?.[1] && match[2]) refs.set(match[2], match[1]);
    }
    const walk = async (relative: string): Promise<void> => {
      const entries = await readdir(join(dir, 'refs', relative), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
        if (entry.isDirectory()) await walk(name);
        else if (entry.isFile() && !entry.name.endsWith('.lock')) {
          const text = (await readFile(join(dir, 'refs', name), 'utf8').catch(() => '')).trim();
          if (/^[0-9a-f]{40}$/.test(text)) {
            refs.set(name, text);
            loose.add(name);
          }
        }
      }
    };
    await walk('');
    return refs;
  }

  async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    // A name ending in `.lock` is never read as a ref (or an object) by a git process running meanwhile.
    const temp = `${path}.fake-${process.pid}-${Math.random().toString(36).slice(2)}.lock`;
    await writeFile(temp, data);
    await rename(temp, path);
  }

  /** Creates the bare repository (no git process needed) the first time it is served. */
  async function ensureRepository(repo: RepoRecord): Promise<string> {
    const dir = dirOf(repo);
    const exists = await stat(join(dir, 'objects')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      for (const sub of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'hooks', 'info']) await mkdir(join(dir, sub), { recursive: true });
      await writeFile(join(dir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
      await writeFile(join(dir, 'description'), `${repo.owner}/${repo.name} (served by the fake GitHub)\n`);
      await writeFile(join(dir, 'HEAD'), `ref: refs/heads/${repo.defaultBranch}\n`);
    }
    return dir;
  }

  /** Writes objects as loose objects (zlib of `type size\0body`), skipping those already there. */
  async function writeLoose(dir: string, shas: string[]): Promise<void> {
    for (let at = 0; at < shas.length; at += 64) {
      await Promise.all(
        shas.slice(at, at + 64).map(async (sha) => {
          const object = world.objects.get(sha);
          if (!object) return;
          const path = join(dir, 'objects', sha.slice(0, 2), sha.slice(2));
          const present = await stat(path).then(
            () => true,
            () => false,
          );
          if (present) return;
          const { type, body } = encodeObject(object);
          await writeAtomically(path, deflateSync(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]), { level: 1 }));
        }),
      );
    }
  }

  /**
   * Writes many objects at once as one pack (no deltas) that `git index-pack` checks and indexes:
   * far quicker than hundreds of loose files, for the export and for every fetch that follows.
   */
  async function writePack(dir: string, shas: string[]): Promise<void> {
    const parts: Buffer[] = [];
    const header = Buffer.alloc(12);
    header.write('PACK', 0, 'latin1');
    header.writeUInt32BE(2, 4);
    let count = 0;
    for (const sha of shas) {
      const object = world.objects.get(sha);
      if (!object) continue;
      const { type, body } = encodeObject(object);
      parts.push(packEntryHeader(PACK_TYPES[type], body.length), deflateSync(body, { level: 1 }));
      count += 1;
    }
    header.writeUInt32BE(count, 8);
    const pack = Buffer.concat([header, ...parts]);
    const trailer = createHash('sha1').update(pack).digest();
    await git(dir, ['index-pack', '--stdin'], Buffer.concat([pack, trailer]));
  }

  /** Writes the objects the bare repository lacks, its refs, HEAD and its protection hook. */
  async function sync(repo: RepoRecord): Promise<{ dir: string; refs: Map<string, string> }> {
    const key = keyOf(repo);
    const dir = await ensureRepository(repo);
    const done = exported.get(key) ?? new Set<string>();
    exported.set(key, done);
    const refs = new Map(repo.refs);
    const pending: string[] = [];
    const seen = new Set<string>();
    const stack = [...refs.values()];
    while (stack.length > 0) {
      const sha = stack.pop() as string;
      if (done.has(sha) || seen.has(sha)) continue;
      seen.add(sha);
      const object = world.objects.get(sha);
      if (!object) continue;
      pending.push(sha);
      if (object.type === 'commit') {
        stack.push(object.tree, ...object.parents);
      } else if (object.type === 'tree') {
        for (const entry of object.entries) if (entry.type !== 'commit') stack.push(entry.sha);
      } else if (object.type === 'tag') {
        stack.push(object.object);
      }
    }
    if (pending.length >= PACK_AT) await writePack(dir, pending);
    else await writeLoose(dir, pending);
    for (const sha of pending) done.add(sha);

    const loose = new Set<string>();
    const current = await readRefs(dir, loose);
    // Every ref is kept loose: what packed-refs held is written out below.
    await unlink(join(dir, 'packed-refs')).catch(() => undefined);
    for (const ref of current.keys()) {
      if (refs.has(ref)) continue;
      await unlink(join(dir, 'refs', ref)).catch(() => undefined);
      // Leave no empty folder that would block a ref of that name later.
      let parent = dirname(join(dir, 'refs', ref));
      while (parent.startsWith(join(dir, 'refs', '')) && parent !== join(dir, 'refs', 'heads') && parent !== join(dir, 'refs', 'tags')) {
        const removed = await rmdir(parent).then(
          () => true,
          () => false,
        );
        if (!removed) break;
        parent = dirname(parent);
      }
    }
    for (const [ref, sha] of refs) {
      if (current.get(ref) === sha && loose.has(ref)) continue;
      await writeAtomically(join(dir, 'refs', ref), `${sha}\n`).catch((error: unknown) => log(`git: ref ${ref} of ${repo.owner}/${repo.name} not written: ${String(error)}`));
    }
    await writeAtomically(join(dir, 'HEAD'), `ref: refs/heads/${repo.defaultBranch}\n`);

    if (repo.protection?.requiredSignatures) {
      const list = world.signedCommits();
      if (signedListed.get(key) !== list.length) {
        await writeAtomically(join(dir, SIGNED_LIST), list.map((sha) => `${sha}\n`).join(''));
        signedListed.set(key, list.length);
      }
    }
    const hook = repo.protection ? protectionHook(repo.defaultBranch, repo.protection) : '';
    if (hooks.get(key) !== hook) {
      const path = join(dir, 'hooks', 'pre-receive');
      if (hook === '') await rm(path, { force: true });
      else await writeFile(path, hook, { mode: 0o755 });
      hooks.set(key, hook);
    }
    return { dir, refs };
  }

  /** Reads the objects a push added and stores them byte-exact in the world's object store. */
  async function importPushed(repo: RepoRecord, dir: string, tips: string[], known: string[]): Promise<number> {
    if (tips.length === 0) return 0;
    const done = exported.get(keyOf(repo)) ?? new Set<string>();
    // rev-list's listing into cat-file, in one process of ours (a failing rev-list fails it:
    // `set -e` and the assignment): each object the push brought, "<sha> <type> <size> <path>"
    // and its bytes (%(rest) takes the path rev-list printed, so cat-file reads only the sha).
    const batch = await sh(dir, `list=$(git rev-list --objects --stdin); [ -z "$list" ] || printf '%s\\n' "$list" | git cat-file --batch='%(objectname) %(objecttype) %(objectsize) %(rest)'`, [...tips, ...known.map((sha) => `^${sha}`)].join('\n') + '\n');
    let at = 0;
    let count = 0;
    while (at < batch.length) {
      const newline = batch.indexOf(0x0a, at);
      const header = batch.toString('utf8', at, newline).split(' ');
      const [sha, type, size] = [header[0] ?? '', header[1] ?? '', Number(header[2])];
      if (type === 'missing' || !Number.isFinite(size)) {
        at = newline + 1;
        continue;
      }
      if (done.has(sha)) {
        at = newline + 1 + size + 1;
        continue;
      }
      const body = batch.subarray(newline + 1, newline + 1 + size);
      const stored = world.objects.writeRaw(type, body);
      if (stored !== sha) throw new Error(`object ${sha} read back as ${stored}`);
      done.add(sha);
      count += 1;
      at = newline + 1 + size + 1;
    }
    return count;
  }

  /** Runs `git http-backend` for one request, streaming the body in and the CGI answer out. */
  function backend(request: IncomingMessage, response: ServerResponse, input: { pathInfo: string; query: string; login: string }, finish?: () => Promise<void>, record?: (answer: Advertisement) => void): Promise<GitExchange> {
    return new Promise((resolve) => {
      const cgiEnv: Record<string, string> = {
        ...env,
        PATH_INFO: input.pathInfo,
        REQUEST_METHOD: (request.method ?? 'GET').toUpperCase(),
        QUERY_STRING: input.query,
        REMOTE_USER: input.login,
        REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
        GATEWAY_INTERFACE: 'CGI/1.1',
        SERVER_PROTOCOL: `HTTP/${request.httpVersion}`,
      };
      const header = (name: string): string | undefined => {
        const value = request.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      if (header('content-type')) cgiEnv.CONTENT_TYPE = header('content-type') as string;
      if (header('content-length')) cgiEnv.CONTENT_LENGTH = header('content-length') as string;
      if (header('content-encoding')) cgiEnv.HTTP_CONTENT_ENCODING = header('content-encoding') as string;
      if (header('git-protocol')) cgiEnv.GIT_PROTOCOL = header('git-protocol') as string;
      const child = spawn('git', ['http-backend'], { env: cgiEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      children.add(child);
      let bytesIn = 0;
      let bytesOut = 0;
      let status = 200;
      let head: Buffer | null = Buffer.alloc(0);
      let answered: Record<string, string> = {};
      const body: Buffer[] = [];
      const errors: Buffer[] = [];
      request.on('data', (chunk: Buffer) => {
        bytesIn += chunk.length;
      });
      request.pipe(child.stdin);
      child.stdin.on('error', () => undefined);
      // A client that goes away mid-request must not leave git waiting (and the repository locked).
      response.on('close', () => {
        if (!response.writableFinished && child.exitCode === null) child.kill('SIGKILL');
      });
      child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
      child.stdout.on('data', (chunk: Buffer) => {
        if (head === null) {
          bytesOut += chunk.length;
          if (record) body.push(chunk);
          response.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const crlf = head.indexOf('\r\n\r\n');
        const lf = head.indexOf('\n\n');
        const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf !== -1 ? lf + 2 : -1;
        if (end === -1) return;
        const headers: Record<string, string> = {};
        for (const line of head.toString('latin1', 0, end).split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
          else headers[name] = value;
        }
        const rest = head.subarray(end);
        head = null;
        answered = headers;
        response.writeHead(status, headers);
        if (rest.length > 0) {
          bytesOut += rest.length;
          if (record) body.push(rest);
          response.write(rest);
        }
      });
      child.on('error', (error) => log(`git http-backend did not start: ${error.message}`));
      child.on('close', (code) => {
        children.delete(child);
        const stderr = Buffer.concat(errors).toString('utf8').trim();
        if (stderr !== '') log(`git http-backend ${input.pathInfo}: ${stderr}`);
        void (async () => {
          if (head !== null) {
            // No CGI header came back: the backend failed before answering.
            status = 500;
            log(`git http-backend exited ${String(code)} without an answer for ${input.pathInfo}`);
            const text = 'Server Error\n';
            bytesOut += text.length;
            response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(text);
            resolve({ status, bytesIn, bytesOut });
            return;
          }
          if (record && code === 0 && status === 200) record({ status, headers: answered, body: Buffer.concat(body) });
          try {
            await finish?.();
          } catch (error) {
            log(`git push on ${input.pathInfo} not applied: ${error instanceof Error ? error.message : String(error)}`);
          }
          response.end();
          resolve({ status, bytesIn, bytesOut });
        })();
      });
    });
  }

  function plain(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): GitExchange {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
    response.end(text);
    return { status, bytesIn: 0, bytesOut: Buffer.byteLength(text) };
  }

  /**
   * Answers one git request. `login` is who the request's token acts as (undefined: none or an
   * unknown one; `hadCredentials` tells which).
   */
  async function handle(request: IncomingMessage, response: ServerResponse, match: GitPathMatch, url: URL, login: string | undefined, hadCredentials: boolean): Promise<GitExchange> {
    try {
      return await answer(request, response, match, url, login, hadCredentials);
    } catch (error) {
      log(`git ${request.method ?? ''} ${url.pathname} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      if (response.headersSent) {
        response.destroy();
        return { status: 500, bytesIn: 0, bytesOut: 0 };
      }
      request.resume();
      return plain(response, 500, 'Server Error\n');
    }
  }

  async function answer(request: IncomingMessage, response: ServerResponse, match: GitPathMatch, url: URL, login: string | undefined, hadCredentials: boolean): Promise<GitExchange> {
    const method = (request.method ?? 'GET').toUpperCase();
    if (!login) {
      request.resume();
      return plain(response, 401, hadCredentials ? 'Invalid username or token. Password authentication is not supported for Git operations.\n' : 'Authentication required.\n', { 'www-authenticate': 'Basic realm="GitHub"' });
    }
    const service = url.searchParams.get('service');
    const smart =
      (match.service === 'info/refs' && method === 'GET' && (service === 'git-upload-pack' || service === 'git-receive-pack')) ||
      ((match.service === 'git-upload-pack' || match.service === 'git-receive-pack') && method === 'POST');
    if (!smart || closed) {
      request.resume();
      return plain(response, 404, 'Not Found\n');
    }
    let repo: RepoRecord;
    try {
      repo = world.getRepo(match.owner, match.name);
    } catch {
      request.resume();
      return plain(response, 404, 'Repository not found.\n');
    }
    if (!safeSegment(repo.owner) || !safeSegment(repo.name)) {
      request.resume();
      return plain(response, 404, 'Repository not found.\n');
    }
    const pushing = match.service === 'git-receive-pack' || service === 'git-receive-pack';
    if (pushing && repo.archived) {
      request.resume();
      return plain(response, 403, 'This repository was archived so it is read-only.\n');
    }
    const pathInfo = `/${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}.git/${match.service}`;
    const key = keyOf(repo);
    const protocol = request.headers['git-protocol'];
    if (match.service === 'info/refs' && service === 'git-upload-pack' && typeof protocol === 'string' && /(^|:)version=2(:|$)/.test(protocol)) {
      // Protocol v2's advertisement is the server's capabilities, not the repository's refs (those
      // come with ls-refs in the POST): the same bytes for every repository, so git runs for the first only.
      const known = advertisements.get(protocol);
      if (known) {
        request.resume();
        response.writeHead(known.status, known.headers);
        response.end(known.body);
        return { status: known.status, bytesIn: 0, bytesOut: known.body.length };
      }
      await serialized(key, () => sync(repo));
      return backend(request, response, { pathInfo, query: url.search.slice(1), login }, undefined, (answer) => advertisements.set(protocol, answer));
    }
    if (match.service !== 'git-receive-pack') {
      await serialized(key, () => sync(repo));
      return backend(request, response, { pathInfo, query: url.search.slice(1), login });
    }
    return serialized(key, async () => {
      const { dir, refs } = await sync(repo);
      return backend(request, response, { pathInfo, query: url.search.slice(1), login }, async () => {
        const after = await readRefs(dir);
        const updates: RefUpdate[] = [];
        for (const ref of new Set([...refs.keys(), ...after.keys()])) {
          const before = refs.get(ref) ?? null;
          const now = after.get(ref) ?? null;
          if (before !== now) updates.push({ ref: `refs/${ref}`, before, after: now });
        }
        if (updates.length === 0) return;
        const tips = updates.flatMap((update) => (update.after ? [update.after] : []));
        await importPushed(repo, dir, tips, [...new Set(refs.values())]);
        const { skipped } = world.applyPush(repo, updates, login);
        for (const update of skipped) log(`git push to ${repo.owner}/${repo.name} ${update.ref} not applied: the ref moved while the push ran`);
      });
    });
  }

  /**
   * Runs a REST change that moves refs of `owner/name` (create, update or delete a ref, a merge)
   * between the repository's git operations: it waits for a push in flight, so a push is never
   * told a ref was updated that REST then overwrote, and the next push syncs from REST's result.
   */
  function exclusive<T>(owner: string, name: string, fn: () => T): Promise<T> {
    return serialized(`${owner}/${name}`.toLowerCase(), async () => fn());
  }

  return {
    root,
    handle,
    exclusive,
    /** Stops the git processes still running; removes the git root when the fake made it. */
    close(): void {
      closed = true;
      for (const child of children) child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
      if (ownsRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}

export type GitHttp = ReturnType<typeof createGitHttp>;
