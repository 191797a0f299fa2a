import { FleetError } from '../errors.js';
import { sharedSandbox } from '../workspace/run-sandboxed.js';
import { parseDuration } from './duration.js';
import type { RunCommand, RunOptions } from './options.js';
import type { ChangeContext } from './types.js';

/**
 * The `run` kind: a repository's own tools (a package manager, a formatter, a script) run in its
 * checkout under the sandbox of src/workspace/run-sandboxed.ts, one after the other. The change is
 * whatever they leave in the working tree; apply-in-directory.ts reads it back with git.
 *
 * Each command sees the checkout at /workspace (its working directory), `.git` read-only (so a
 * command cannot plant configuration or hooks that the host's git would run later, with the
 * token in its environment), HOME=/tmp (a tmpfs: caches do not end up in the change), PATH, and
 * only the variables the spec writes. No network unless `network: true`.
 */

/** How a command is named in messages: its shell line, or its argv joined by spaces. */
export function commandText(command: RunCommand): string {
  const text = command.run ?? (command.argv ?? []).join(' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function durationText(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/**
 * Runs the commands in order in `dir`; stops at the first that fails. A command that exits
 * non-zero, outlives its timeout, prints more than 1 MiB to a stream or grows the workspace past
 * `ctx.diskLimitBytes` throws FleetError('change_failed') naming the command and why, with
 * `details.outputTail` (its last 40 lines / 4 KB of stdout and stderr, interleaved).
 *
 * @example
 * await runCommands({ commands: [{ run: 'npm pkg set engines.node=">=20"', timeout: '5m', network: false, env: {} }] }, '/var/lib/fleet/workspaces/3f1c-acme-api', { repo: 'acme/api' });
 * // { unsandboxed: false }
 */
export async function runCommands(options: RunOptions, dir: string, ctx: ChangeContext): Promise<{ unsandboxed: boolean }> {
  const sandbox = sharedSandbox(ctx.sandbox);
  let unsandboxed = false;
  for (const [index, command] of options.commands.entries()) {
    const text = commandText(command);
    const label = `The command "${text}"${options.commands.length > 1 ? ` (command ${index + 1} of ${options.commands.length})` : ''}`;
    const [program, ...args] = command.run !== undefined ? ['/bin/sh', '-c', command.run] : (command.argv ?? []);
    const timeoutMs = parseDuration(command.timeout) ?? 5 * 60_000;
    let result;
    try {
      result = await sandbox.run({
        command: program,
        args,
        workspace: dir,
        env: { HOME: '/tmp', ...command.env },
        network: command.network,
        timeoutMs,
        label: `${label} on ${ctx.repo}`,
        timeoutHint: `Its timeout is ${durationText(timeoutMs)}: make it faster or raise \`timeout\` in the spec.`,
        ...(ctx.diskLimitBytes !== undefined ? { diskLimitBytes: ctx.diskLimitBytes } : {}),
        protect: ['.git'],
      });
    } catch (error) {
      if (error instanceof FleetError) {
        throw new FleetError(error.code, error.message, { ...error.details, command: text, repo: ctx.repo }, { cause: error });
      }
      throw error;
    }
    unsandboxed ||= result.unsandboxed;
    if (result.exitCode !== 0) {
      const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : result.exitCode === 127 && command.argv ? `could not be started (exit code 127: ${program} is not on PATH in the sandbox)` : `exited with code ${result.exitCode}`;
      const last = result.outputTail.trim().split('\n').slice(-1)[0] ?? '';
      throw new FleetError('change_failed', `${label} ${how} on ${ctx.repo}${last ? `; its last line: ${last.slice(0, 300)}` : ''}. Fix the command or the repository, or leave the repository out of the campaign.`, {
        command: text,
        repo: ctx.repo,
        exitCode: result.exitCode,
        outputTail: result.outputTail,
      });
    }
  }
  return { unsandboxed };
}
