import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redact, runGit, secretsOf, type GitRemote } from '../../src/workspace/git.js';
import { failureOf } from '../support/failure-of.js';
import { commitFiles, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';

const TOKEN = 'ghs_testTokenThatMustNeverLeak1234567890';
const BASIC = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;

let root: string;
let server: GitHttpServer;
let sha: string;

function remote(url: string, authorization = BASIC): GitRemote {
  return { url, authorization: async () => authorization };
}

/** Every file under dir, read as bytes, joined: to look for the token anywhere in a checkout. */
function everyByte(dir: string): string {
  let all = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) all += everyByte(path);
    else all += readFileSync(path).toString('latin1');
  }
  return all;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleet-git-'));
  server = await startGitHttpServer(join(root, 'server'), TOKEN);
  const bare = server.createBare('acme/api');
  sha = commitFiles(bare, { 'README.md': '# api\n', 'package.json': '{"name":"api"}\n' });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function freshDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('runGit with a remote', () => {
  test('fetches over HTTP with the Authorization header, which is in no argv, URL or file of the checkout', async () => {
    // A git on PATH that records its argv and environment, then runs the real git.
    const shim = freshDir('shim');
    const log = join(root, 'argv.log');
    writeFileSync(join(shim, 'git'), `#!/bin/sh\nprintf '%s\\n' "ARGV: $*" >> ${log}\ntr '\\0' ' ' < /proc/$$/cmdline >> ${log}; echo >> ${log}\nenv | grep '^GIT_CONFIG' >> ${log}\nexec /usr/bin/git "$@"\n`);
    chmodSync(join(shim, 'git'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${shim}:${savedPath ?? ''}`;
    const dir = freshDir('checkout');
    try {
      await runGit(['init', '-q'], { cwd: dir });
      await runGit(['remote', 'add', 'origin', server.repoUrl('acme/api')], { cwd: dir });
      await runGit(['fetch', '-q', '--depth=1', '--filter=blob:none', 'origin', sha], { cwd: dir, remote: remote(server.repoUrl('acme/api')) });
      await runGit(['checkout', '-q', '--detach', sha], { cwd: dir, remote: remote(server.repoUrl('acme/api')) });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# api\n');
    // The server saw the header on the authenticated requests.
    expect(server.requests.filter((r) => r.authorization === BASIC).length).toBeGreaterThan(0);
    const recorded = readFileSync(log, 'utf8');
    expect(recorded).toContain('ARGV: fetch -q --depth=1');
    // The environment carries it (as git's own configuration), the command lines never do.
    expect(recorded).toContain(`GIT_CONFIG_KEY_0=http.${server.repoUrl('acme/api')}.extraHeader`);
    const argvLines = recorded.split('\n').filter((line) => !line.startsWith('GIT_CONFIG'));
    expect(argvLines.join('\n')).not.toContain(TOKEN);
    expect(argvLines.join('\n')).not.toContain(BASIC.slice(6));
    // Nothing in .git (config, logs, packs, FETCH_HEAD) or the work tree holds it.
    const bytes = everyByte(dir);
    expect(bytes).not.toContain(TOKEN);
    expect(bytes).not.toContain(BASIC.slice(6));
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).toContain(`url = ${server.repoUrl('acme/api')}`);
  });

  test('without the header the server refuses, and git does not prompt', async () => {
    const dir = freshDir('refused');
    await runGit(['init', '-q'], { cwd: dir });
    await runGit(['remote', 'add', 'origin', server.repoUrl('acme/api')], { cwd: dir });
    const failure = await failureOf(runGit(['fetch', '-q', 'origin', sha], { cwd: dir, remote: remote(server.repoUrl('acme/api'), 'Basic bm9ib2R5Om5vcGU=') }));
    expect(failure.code).toBe('github_error');
    expect(failure.message).toMatch(/^git fetch failed \(exit code 128\): fatal: /);
    expect(failure.message).not.toContain('bm9ib2R5Om5vcGU=');
  });

  test("git's stderr is redacted before it becomes an error: the header, its base64 and the token", async () => {
    const dir = freshDir('trace');
    await runGit(['init', '-q'], { cwd: dir });
    await runGit(['remote', 'add', 'origin', server.repoUrl('acme/api')], { cwd: dir });
    // Curl's trace with git's own redaction off prints the header; a missing sha makes it fail.
    const failure = await failureOf(
      runGit(['fetch', 'origin', 'f'.repeat(40)], { cwd: dir, remote: remote(server.repoUrl('acme/api')), env: { GIT_TRACE_CURL: '1', GIT_TRACE_REDACT: '0' } }),
    );
    expect(failure.code).toBe('github_error');
    expect(JSON.stringify(failure)).not.toContain(TOKEN);
    const shim = freshDir('leaky');
    // A git that prints every form of the secret in its fatal line.
    writeFileSync(join(shim, 'git'), `#!/bin/sh\necho "fatal: $GIT_CONFIG_VALUE_0 / $(echo "$GIT_CONFIG_VALUE_0" | cut -d' ' -f3 | base64 -d)" >&2\nexit 128\n`);
    chmodSync(join(shim, 'git'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${shim}:${savedPath ?? ''}`;
    try {
      const leaky = await failureOf(runGit(['fetch', 'origin'], { cwd: dir, remote: remote(server.repoUrl('acme/api')) }));
      expect(leaky.message).toBe('git fetch failed (exit code 128): fatal: Authorization: *** / ***');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  test('the time limit stops git and its children', async () => {
    const dir = freshDir('slow');
    const started = Date.now();
    const failure = await failureOf(runGit(['-c', 'alias.wait=!sleep 30', 'wait'], { cwd: dir, timeoutMs: 300 }));
    expect(failure).toEqual({ code: 'timeout', message: 'git wait ran longer than 300 ms and was stopped; Fleet will try again.' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('host configuration is not read: GIT_CONFIG_GLOBAL is /dev/null and system config is off', async () => {
    const dir = freshDir('config');
    const home = freshDir('home');
    writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Host Person\n');
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const { stdout } = await runGit(['config', '--show-origin', '--list'], { cwd: dir });
      expect(stdout).not.toContain('Host Person');
    } finally {
      process.env.HOME = savedHome;
    }
  });
});

describe('redaction', () => {
  test('secretsOf finds the header, its credential, the decoded pair and the token', () => {
    expect(secretsOf(BASIC)).toEqual(expect.arrayContaining([BASIC, BASIC.slice(6), `x-access-token:${TOKEN}`, TOKEN]));
    expect(secretsOf(`Bearer ${TOKEN}`)).toEqual([`Bearer ${TOKEN}`, TOKEN]);
  });

  test('redact replaces each and any URL userinfo', () => {
    expect(redact(`x ${TOKEN} https://u:p@host/x ${BASIC}`, secretsOf(BASIC))).toBe('x *** https://***@host/x ***');
  });
});
