import { spawn } from 'node:child_process';
import { lstat, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FleetError } from '../errors.js';
import { folderBytes } from './folder-bytes.js';

/**
 * Runs a program that Fleet did not write (a codemod, later a repository's own commands) in a
 * separate process that cannot reach Fleet's secrets. On Linux that is bubblewrap: its own mount,
 * PID, IPC, UTS, user and network namespaces, an empty environment, a read-only view of /usr (the
 * node binary and its libraries) and nothing else of the host but the workspace folder, so the
 * database, FLEET_WORKDIR, Fleet's own checkout and key files are simply not there, and a fresh
 * /proc shows no process of Fleet's. Without bubblewrap Fleet refuses, unless the operator chose
 * FLEET_UNSANDBOXED=1: then a plain child process with an empty environment, marked as such.
 */

export const DEFAULT_OUTPUT_LIMIT = 1024 * 1024;
/** Where the workspace folder appears inside the sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';

export interface SandboxedCommand {
  /** The program and its arguments as seen inside the sandbox (`node` is process.execPath in both). */
  command: string;
  args: readonly string[];
  /** A host folder, writable, bound at /workspace and used as the working directory. */
  workspace: string;
  /** Host folders or files to show read-only at the given path inside. */
  readOnly?: readonly { host: string; inside: string }[];
  /** Variables the step declares; PATH and HOME=/workspace are given unless overridden. */
  env?: Readonly<Record<string, string>>;
  /** Network access: off unless the step asks for it. */
  network?: boolean;
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept before the process is stopped (default 1 MiB each). */
  maxOutputBytes?: number;
  /** Who is running, for messages: 'The codemod "rename-logger"'. */
  label: string;
  /** What to do about a time-out, appended to its message. */
  timeoutHint?: string;
  /**
   * The most the workspace folder may hold while the program runs: it is measured every few
   * hundred milliseconds and the program's group killed when it is over (FleetError('change_failed')).
   */
  diskLimitBytes?: number;
  /** Folders of the workspace (relative, e.g. ".git") shown read-only inside, when they exist. */
  protect?: readonly string[];
}

/** How much of the end of a program's output is kept for the person who reads a failure. */
export const TAIL_LINES = 40;
export const TAIL_BYTES = 4096;

export interface SandboxedResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last lines of stdout and stderr, interleaved in the order they arrived (at most 40 lines / 4 KB). */
  outputTail: string;
  /** True when it ran without a sandbox because FLEET_UNSANDBOXED=1 allowed it. */
  unsandboxed: boolean;
  durationMs: number;
}

export interface SandboxDeps {
  /** The bubblewrap binary (default /usr/bin/bwrap). */
  bwrapPath?: string;
  /** FLEET_UNSANDBOXED=1: run in a plain child process when no sandbox can start. */
  allowUnsandboxed?: boolean;
  /** The node binary the sandbox must show (default process.execPath). */
  nodePath?: string;
}

export type SandboxStatus = { kind: 'bwrap' } | { kind: 'unavailable'; reason: string };

export interface Sandbox {
  /** Whether bubblewrap starts here (checked once, then remembered). */
  check(): Promise<SandboxStatus>;
  /**
   * Runs the command; throws FleetError('change_failed') when no sandbox starts and
   * FLEET_UNSANDBOXED is not set. Read-only binds and /workspace exist only inside the sandbox:
   * call `check()` first to know which paths to pass.
   */
  run(command: SandboxedCommand): Promise<SandboxedResult>;
}

export const INSTALL_HINT = 'Install bubblewrap (apt-get install bubblewrap) so Fleet can sandbox it, or set FLEET_UNSANDBOXED=1 to run such code without a sandbox at your own risk.';

/** The top-level entries the node binary needs: /usr itself, and /lib, /lib64, /bin, /sbin as links or folders. */
async function systemBinds(nodePath: string): Promise<string[]> {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib64', '/lib32']) {
    try {
      const info = await lstat(top);
      if (info.isSymbolicLink()) args.push('--symlink', await readlink(top), top);
      else if (info.isDirectory()) args.push('--ro-bind', top, top);
    } catch {
      // Absent on this system: nothing to show.
    }
  }
  for (const etc of ['/etc/ssl', '/etc/ca-certificates', '/etc/alternatives', '/etc/ld.so.cache', '/etc/localtime']) {
    try {
      await lstat(etc);
      args.push('--ro-bind', etc, etc);
    } catch {
      // Not every system has every one.
    }
  }
  // A node installed outside /usr (nvm, /opt/node): show its installation, read-only.
  if (!nodePath.startsWith('/usr/') && !nodePath.startsWith('/bin/')) {
    const prefix = dirname(dirname(nodePath));
    args.push('--ro-bind', prefix, prefix);
  }
  return args;
}

async function protectedBinds(command: SandboxedCommand): Promise<string[]> {
  const args: string[] = [];
  for (const relative of command.protect ?? []) {
    try {
      if ((await lstat(join(command.workspace, relative))).isDirectory()) args.push('--ro-bind', join(command.workspace, relative), `${SANDBOX_WORKSPACE}/${relative}`);
    } catch {
      // Not there: nothing to protect.
    }
  }
  return args;
}

function bwrapArgs(system: readonly string[], command: SandboxedCommand, env: Record<string, string>, protect: readonly string[]): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv'];
  if (command.network) args.push('--share-net');
  args.push(...system, '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push('--bind', command.workspace, SANDBOX_WORKSPACE, ...protect, '--chdir', SANDBOX_WORKSPACE);
  for (const bind of command.readOnly ?? []) args.push('--ro-bind', bind.host, bind.inside);
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  args.push('--', command.command, ...command.args);
  return args;
}

interface Spawned {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputTail: string;
}

/**
 * The end of a program's output: stdout and stderr chunks in arrival order, trimmed to the last
 * TAIL_LINES lines and TAIL_BYTES bytes.
 */
class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].length >= TAIL_BYTES) this.bytes -= this.chunks.shift()!.length;
  }

  text(): string {
    let all = Buffer.concat(this.chunks);
    const cut = all.length > TAIL_BYTES;
    if (cut) all = all.subarray(all.length - TAIL_BYTES);
    let text = all.toString('utf8');
    // The first line of a cut is partial (maybe mid-character): it goes.
    const firstBreak = text.indexOf('\n');
    if (cut && firstBreak >= 0 && firstBreak < text.length - 1) text = text.slice(firstBreak + 1);
    const lines = text.split('\n');
    const trailing = lines[lines.length - 1] === '';
    const body = trailing ? lines.slice(0, -1) : lines;
    if (body.length > TAIL_LINES) text = body.slice(-TAIL_LINES).join('\n') + (trailing ? '\n' : '');
    return text;
  }
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Spawns with an explicit environment in its own process group, with the time, output and disk limits. */
function spawnLimited(file: string, args: readonly string[], env: Record<string, string>, cwd: string, command: SandboxedCommand): Promise<Spawned> {
  const limit = command.maxOutputBytes ?? DEFAULT_OUTPUT_LIMIT;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const tail = new OutputTail();
    const size = { stdout: 0, stderr: 0 };
    let settled = false;
    let diskTimer: NodeJS.Timeout | undefined;
    function stopTimers(): void {
      clearTimeout(timer);
      if (diskTimer) clearTimeout(diskTimer);
    }
    function fail(code: 'change_failed', message: string, details: Record<string, unknown>): void {
      if (settled) return;
      settled = true;
      stopTimers();
      killGroup(child.pid);
      reject(new FleetError(code, message, { ...details, outputTail: tail.text() }));
    }
    const timer = setTimeout(() => {
      fail('change_failed', `${command.label} ran longer than ${command.timeoutMs} ms and was stopped. ${command.timeoutHint ?? 'Make it faster.'}`, { timeoutMs: command.timeoutMs });
    }, command.timeoutMs);
    const diskLimit = command.diskLimitBytes;
    if (diskLimit !== undefined) {
      // Measuring a big tree takes time: look again after four times as long as the last walk took, at least every 250 ms.
      const measure = async () => {
        if (settled) return;
        const started = Date.now();
        const bytes = await folderBytes(command.workspace);
        if (settled) return;
        if (bytes > diskLimit) {
          fail('change_failed', `${command.label} filled its disk share: the workspace grew to ${megabytes(bytes)}, more than the ${megabytes(diskLimit)} it may take, and was stopped. Make it write less, or give workspaces more room (FLEET_WORKDIR_MAX_MB).`, { diskLimitBytes: diskLimit, bytes });
          return;
        }
        diskTimer = setTimeout(() => void measure(), Math.max(250, 4 * (Date.now() - started)));
      };
      diskTimer = setTimeout(() => void measure(), 250);
    }
    function collect(stream: 'stdout' | 'stderr', into: Buffer[]) {
      return (chunk: Buffer) => {
        if (settled) return;
        size[stream] += chunk.length;
        tail.push(chunk);
        if (size[stream] > limit) {
          fail('change_failed', `${command.label} wrote more than ${limit} bytes to ${stream} and was stopped. Make it print less.`, { limit, stream });
          return;
        }
        into.push(chunk);
      };
    }
    child.stdout.on('data', collect('stdout', out));
    child.stderr.on('data', collect('stderr', err));
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      stopTimers();
      killGroup(child.pid);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      if (settled) return;
      settled = true;
      stopTimers();
      // The program's own children may outlive it; the group goes with it.
      killGroup(child.pid);
      void (async () => {
        // A last look: a program that wrote fast and ended between two measurements is over too.
        if (diskLimit !== undefined) {
          const bytes = await folderBytes(command.workspace);
          if (bytes > diskLimit) {
            reject(new FleetError('change_failed', `${command.label} filled its disk share: the workspace grew to ${megabytes(bytes)}, more than the ${megabytes(diskLimit)} it may take. Make it write less, or give workspaces more room (FLEET_WORKDIR_MAX_MB).`, { diskLimitBytes: diskLimit, bytes, outputTail: tail.text() }));
            return;
          }
        }
        resolvePromise({ exitCode, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), outputTail: tail.text() });
      })();
    });
  });
}

/**
 * Creates a sandboxed runner. `run` starts `command` with the workspace bound at /workspace,
 * nothing else writable, no network unless asked, and kills the whole process group at the time
 * limit or when stdout or stderr passes the output limit (both FleetError('change_failed')).
 *
 * @example
 * const sandbox = createSandbox({ allowUnsandboxed: config.unsandboxed });
 * const result = await sandbox.run({ command: process.execPath, args: ['-e', 'console.log(1)'], workspace: dir, timeoutMs: 5000, label: 'The codemod "x"' });
 * result.stdout; // '1\n'
 */
export function createSandbox(deps: SandboxDeps = {}): Sandbox {
  const bwrap = deps.bwrapPath ?? '/usr/bin/bwrap';
  const nodePath = deps.nodePath ?? process.execPath;
  let status: Promise<SandboxStatus> | undefined;
  let system: Promise<string[]> | undefined;

  async function selfCheck(): Promise<SandboxStatus> {
    system ??= systemBinds(nodePath);
    const probe: SandboxedCommand = { command: nodePath, args: ['-e', ''], workspace: '/', timeoutMs: 10_000, label: 'The sandbox self-check' };
    try {
      const args = ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv', ...(await system), '--proc', '/proc', '--dev', '/dev', '--', nodePath, '-e', ''];
      const result = await spawnLimited(bwrap, args, {}, '/', probe);
      if (result.exitCode === 0) return { kind: 'bwrap' };
      return { kind: 'unavailable', reason: `${bwrap} exited with ${result.exitCode ?? result.signal}: ${result.stderr.trim().slice(0, 200)}` };
    } catch (error) {
      return { kind: 'unavailable', reason: `${bwrap} could not start: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  function environment(command: SandboxedCommand, home: string): Record<string, string> {
    return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, ...command.env };
  }

  return {
    check() {
      status ??= selfCheck();
      return status;
    },
    async run(command) {
      const started = Date.now();
      const found = await this.check();
      if (found.kind === 'bwrap') {
        system ??= systemBinds(nodePath);
        const args = bwrapArgs(await system, command, environment(command, SANDBOX_WORKSPACE), await protectedBinds(command));
        const result = await spawnLimited(bwrap, args, {}, '/', command);
        return { ...result, unsandboxed: false, durationMs: Date.now() - started };
      }
      if (!deps.allowUnsandboxed) {
        throw new FleetError('change_failed', `${command.label} was not run: no sandbox can be started here (${found.reason}). ${INSTALL_HINT}`, { reason: found.reason });
      }
      const result = await spawnLimited(command.command, command.args, environment(command, command.workspace), command.workspace, command);
      return { ...result, unsandboxed: true, durationMs: Date.now() - started };
    },
  };
}

const sandboxes = new Map<string, Sandbox>();

/**
 * The sandbox for these settings, made once per process so bubblewrap's self-check runs once.
 *
 * @example const sandbox = sharedSandbox({ allowUnsandboxed: false }); // the same object on every call with these settings
 */
export function sharedSandbox(deps: SandboxDeps | undefined): Sandbox {
  const key = JSON.stringify(deps ?? {});
  let sandbox = sandboxes.get(key);
  if (!sandbox) {
    sandbox = createSandbox(deps);
    sandboxes.set(key, sandbox);
  }
  return sandbox;
}
