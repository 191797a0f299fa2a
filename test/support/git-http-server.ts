import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A git smart-HTTP server for the workspace tests: real `git http-backend` (CGI) over bare
 * repositories under `root`, on 127.0.0.1, that wants `Authorization: Basic` with the given token
 * as the password (as GitHub does) and records every request's headers.
 */
export interface GitHttpServer {
  url: string;
  /** `${url}/${name}.git` */
  repoUrl(name: string): string;
  /** Creates a bare repository that allows shallow, partial fetches of any sha. */
  createBare(name: string): string;
  requests: { method: string; url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

function git(args: string[], cwd: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', HOME: cwd } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startGitHttpServer(root: string, token: string): Promise<GitHttpServer> {
  mkdirSync(root, { recursive: true });
  const requests: GitHttpServer['requests'] = [];
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  const server: Server = createServer((request, response) => {
    void (async () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"', 'Content-Type': 'text/plain' });
        response.end('Bad credentials\n');
        return;
      }
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const input = await body(request);
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'x-access-token',
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(input.length),
      };
      if (request.headers['git-protocol']) env.GIT_PROTOCOL = String(request.headers['git-protocol']);
      if (request.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(request.headers['content-encoding']);
      const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', () => undefined);
      // git may answer and exit before it has read the whole body (EPIPE): its answer says what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
      child.on('close', () => {
        const all = Buffer.concat(out);
        const split = all.indexOf('\r\n\r\n') >= 0 ? all.indexOf('\r\n\r\n') : all.indexOf('\n\n');
        const sep = all.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
        const head = all.subarray(0, split).toString('utf8');
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of head.split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
          else headers[name] = value;
        }
        response.writeHead(status, headers);
        response.end(all.subarray(split + sep));
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    repoUrl: (name) => `${url}/${name}.git`,
    createBare(name) {
      const dir = join(root, `${name}.git`);
      mkdirSync(dir, { recursive: true });
      git(['init', '-q', '--bare', '-b', 'main'], dir);
      git(['config', 'uploadpack.allowFilter', 'true'], dir);
      git(['config', 'uploadpack.allowAnySHA1InWant', 'true'], dir);
      git(['config', 'http.receivepack', 'true'], dir);
      return dir;
    },
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Makes a commit in a bare repository on `branch` from its tip plus `files` (path → content), returns its sha. */
export function commitFiles(bare: string, files: Record<string, string | Buffer>, branch = 'main', message = 'seed'): string {
  const index = join(bare, `fleet-test-index-${process.pid}`);
  const run = (args: string[], input?: string | Buffer) => {
    const result = spawnSync('git', args, {
      input,
      env: {
        PATH: process.env.PATH,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_DIR: bare,
        GIT_INDEX_FILE: index,
        GIT_AUTHOR_NAME: 'Seed',
        GIT_AUTHOR_EMAIL: 'seed@example.com',
        GIT_COMMITTER_NAME: 'Seed',
        GIT_COMMITTER_EMAIL: 'seed@example.com',
      },
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.toString()}`);
    return result.stdout.toString().trim();
  };
  const parent = spawnSync('git', ['rev-parse', '-q', '--verify', `refs/heads/${branch}`], { env: { PATH: process.env.PATH, GIT_DIR: bare } }).stdout.toString().trim();
  if (parent) run(['read-tree', parent]);
  else run(['read-tree', '--empty']);
  for (const [path, content] of Object.entries(files)) {
    const blob = run(['hash-object', '-w', '--stdin'], content);
    run(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`]);
  }
  const tree = run(['write-tree']);
  const sha = run(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message]);
  run(['update-ref', `refs/heads/${branch}`, sha]);
  rmSync(index, { force: true });
  return sha;
}
