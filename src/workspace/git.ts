import { spawn } from 'node:child_process';
import { FleetError } from '../errors.js';

/**
 * The one way Fleet runs `git`. Every command gets an explicit environment: no system or global
 * configuration (so an operator's ~/.gitconfig, credential helpers and hooks paths do not leak
 * in), no prompts, the C locale (git's messages are read, not translated). A remote's
 * Authorization header travels only in that one command's environment, as git's own
 * configuration (`GIT_CONFIG_COUNT`/`KEY`/`VALUE`, `http.<url>.extraHeader`): never in argv
 * (visible in `ps`), a URL (kept in .git/config and in git's messages) or a file.
 */

export interface GitRemote {
  /** https://host/owner/name.git: never contains a credential. */
  url: string;
  /** The value of the Authorization header for this remote, e.g. 'Basic eC1hY2Nlc3MtdG9rZW46Z2hzX...' (fetched per command: installation tokens expire). */
  authorization: () => Promise<string>;
}

export interface GitIdentity {
  name: string;
  email: string;
}

export interface RunGitOptions {
  cwd: string;
  remote?: GitRemote;
  /** Default 10 minutes: a shallow fetch of a large repository takes a while. */
  timeoutMs?: number;
  /** More variables for this command (GIT_AUTHOR_NAME, ...). They cannot replace the fixed ones. */
  env?: Record<string, string>;
  /** Bytes to pipe to git's stdin. */
  input?: string | Buffer;
}

export const GIT_TIMEOUT_MS = 10 * 60_000;
/** Output past this is dropped (git's output for a workspace is a diff or a list of files). */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Settings every git command runs with (as GIT_CONFIG_*, after a remote's header): a checkout
 * lives for one target, so the housekeeping git would otherwise start after a fetch or a commit
 * (`git maintenance run --auto`, one more process each time) is work for nothing.
 */
const GIT_SETTINGS: readonly [string, string][] = [
  ['maintenance.auto', 'false'],
  ['gc.auto', '0'],
];

/** The variables every git command runs with, whatever the host has. */
export function gitEnvironment(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    ...extra,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    LC_ALL: 'C',
    // No pager, no editor: git never waits for a person.
    GIT_PAGER: 'cat',
    GIT_EDITOR: 'true',
  };
}

/** Every form of the secret an Authorization value holds: itself, its base64 blob, the decoded "user:token" and the token. */
export function secretsOf(authorization: string): string[] {
  const secrets = new Set<string>();
  const value = authorization.trim();
  if (value !== '') secrets.add(value);
  const match = /^(\w+)\s+(.+)$/.exec(value);
  if (match) {
    const [, scheme, credential] = match;
    secrets.add(credential);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      if (decoded !== '') secrets.add(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0 && colon < decoded.length - 1) secrets.add(decoded.slice(colon + 1));
    }
  }
  // Longest first, so a token inside the header is not half-replaced.
  return [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces each secret, and any URL userinfo, with "***". */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out.replace(/(https?:\/\/)[^/@\s]+@/g, '$1***@');
}

/** git's own sentence from its stderr: its fatal/error lines, else its last line. */
export function gitSentence(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines.filter((line) => /^(fatal|error|remote: error|! \[)/i.test(line));
  const chosen = errors.length > 0 ? errors : lines.slice(-1);
  const sentence = chosen.join(' ').slice(0, 1000);
  return sentence === '' ? 'git printed nothing' : sentence;
}

/** "fetch" for ['-c', 'x=y', 'fetch', ...]: the first word that is not an option or an option's value. */
function subcommandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '-C') {
      i++;
      continue;
    }
    if (!args[i].startsWith('-')) return args[i];
  }
  return '';
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs `git <args>` in `cwd` and returns its output. With a remote, the remote's Authorization
 * header goes in that command's environment only. A non-zero exit is FleetError('github_error')
 * when the command talked to a remote (the network or the server: worth retrying) and
 * FleetError('internal') otherwise, with git's sentence, redacted; the time limit kills git's
 * whole process group (FleetError('timeout')).
 *
 * @example
 * const remote = { url: 'https://github.com/acme/api.git', authorization: async () => `Basic ${btoa('x-access-token:' + token)}` };
 * await runGit(['fetch', '--depth=1', 'origin', sha], { cwd: dir, remote });
 */
export async function runGit(args: readonly string[], options: RunGitOptions): Promise<{ stdout: string; stderr: string }> {
  const result = await runGitBuffer(args, options);
  return { stdout: result.stdout.toString('utf8'), stderr: result.stderr };
}

/** As runGit, with stdout as bytes (for `git diff --binary`, `-z` listings and blobs). */
export async function runGitBuffer(args: readonly string[], options: RunGitOptions): Promise<{ stdout: Buffer; stderr: string }> {
  const result = await execGit(args, options);
  if (result.exitCode === 0) return { stdout: result.stdout, stderr: result.stderr };
  throw gitFailure(result, options);
}

export interface GitExit {
  /** "git fetch": the subcommand, for messages. */
  what: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** Redacted. */
  stderr: string;
}

/** The FleetError for a git command that exited non-zero. */
export function gitFailure(result: GitExit, options: Pick<RunGitOptions, 'remote'>): FleetError {
  const sentence = gitSentence(result.stderr);
  const how = result.exitCode === null ? `signal ${result.signal}` : `exit code ${result.exitCode}`;
  if (!options.remote) {
    return new FleetError('internal', `${result.what} failed (${how}): ${sentence}`, { command: result.what, exitCode: result.exitCode, gitMessage: sentence });
  }
  // Refused credentials or a missing repository do not pass by themselves; the network and 5xx do.
  const refused = /Authentication failed|could not read Username|returned error: 40[134]|Repository not found|not found/i.test(result.stderr);
  return new FleetError('github_error', `${result.what} failed (${how}): ${sentence}`, { command: result.what, exitCode: result.exitCode, gitMessage: sentence, ...(refused ? { retryable: false } : {}) });
}

/** Runs git and reports how it ended without throwing for a non-zero exit (a rejected push prints its porcelain lines and exits 1). */
export async function execGit(args: readonly string[], options: RunGitOptions): Promise<GitExit> {
  const timeoutMs = options.timeoutMs ?? GIT_TIMEOUT_MS;
  const env = gitEnvironment(options.env);
  let secrets: string[] = [];
  const config: [string, string][] = [];
  if (options.remote) {
    const authorization = await options.remote.authorization();
    secrets = secretsOf(authorization);
    config.push([`http.${options.remote.url}.extraHeader`, `Authorization: ${authorization}`]);
  }
  config.push(...GIT_SETTINGS);
  for (const name of Object.keys(env)) if (name.startsWith('GIT_CONFIG_KEY_') || name.startsWith('GIT_CONFIG_VALUE_')) delete env[name];
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  const what = `git ${subcommandOf(args)}`.trim();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, { cwd: options.cwd, env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let settled = false;
    const finish = (error: Error | undefined, value?: GitExit) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child.pid);
      if (error) reject(error);
      else resolvePromise(value!);
    };
    const timer = setTimeout(() => {
      const limit = timeoutMs < 10_000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
      finish(new FleetError('timeout', `${what} ran longer than ${limit} and was stopped; Fleet will try again.`, { command: what, timeoutMs }));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= MAX_OUTPUT_BYTES) out.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      // stderr is progress and messages; the last 64 KiB say what went wrong.
      err.push(chunk);
      errBytes += chunk.length;
      while (err.length > 1 && errBytes > 65_536) errBytes -= err.shift()!.length;
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.once('error', (error) => {
      finish(new FleetError('internal', `git could not start (${error.message}). Install git (apt-get install git) on the host that runs Fleet.`, { command: what }));
    });
    child.once('close', (exitCode, signal) => {
      if (outBytes > MAX_OUTPUT_BYTES) {
        finish(new FleetError('internal', `${what} printed more than ${MAX_OUTPUT_BYTES} bytes, more than Fleet reads.`, { command: what }));
        return;
      }
      finish(undefined, { what, exitCode, signal, stdout: Buffer.concat(out), stderr: redact(Buffer.concat(err).toString('utf8'), secrets) });
    });
  });
}
