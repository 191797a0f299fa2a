import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { LoadSample, type LoadPlan } from './ack-plan.js';
import { findBuiltEntry } from './child-entry.js';

/** An app under load in a process of its own. */
export interface AppProcess {
  /** Where Slack sends requests: http://127.0.0.1:PORT/slack/events */
  eventsUrl: string;
  pid: number;
  /** Log lines at level error so far (Fleet only; the bare app logs nothing). */
  errors: string[];
  stop(): Promise<void>;
}

/** The environment a child gets: the variables given and what git and node need to run, nothing of the bench's own. */
function childEnv(vars: Record<string, string>): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return { ...Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]]))), ...vars };
}

/** Resolves with the first line `pick` accepts, or rejects when the process exits or `timeoutMs` passes first. */
function waitForLine(child: ChildProcess, stream: NodeJS.ReadableStream, pick: (line: string) => number | undefined, onLine: (line: string) => void, timeoutMs: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs);
    const lines = createInterface({ input: stream });
    let done = false;
    lines.on('line', (line) => {
      onLine(line);
      const port = done ? undefined : pick(line);
      if (port !== undefined) {
        done = true;
        clearTimeout(timer);
        resolve(port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!done) reject(new Error(`${what} exited with code ${code} before it listened`));
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

const RunningLine = z.object({ msg: z.literal('Fleet is running'), port: z.number().int().positive() });

/**
 * Starts Fleet as `npm start` does (`node dist/src/runtime/main.js`, configured by the
 * environment `env`) and resolves once its log says it is running, with the port it chose.
 * `nodeArgs` go before the script, e.g. `--cpu-prof` to profile Fleet under the load.
 */
export async function startFleetProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<AppProcess> {
  const child = spawn(process.execPath, [...nodeArgs, findBuiltEntry('runtime/main.js')], { env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  const errors: string[] = [];
  const stop = stopper(child);
  try {
    const port = await waitForLine(
      child,
      child.stderr,
      (line) => {
        try {
          const parsed = RunningLine.safeParse(JSON.parse(line));
          return parsed.success ? parsed.data.port : undefined;
        } catch {
          return undefined;
        }
      },
      (line) => {
        if (line.includes('"level":"error"') || !line.startsWith('{')) errors.push(line);
      },
      60_000,
      'Fleet',
    );
    return { eventsUrl: `http://127.0.0.1:${port}/slack/events`, pid: child.pid!, errors, stop };
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${errors.length ? `:\n${errors.slice(-5).join('\n')}` : ''}`);
  }
}

/** Starts the bare Bolt app (`bare-bolt.ts`) and resolves once it listens. */
export async function startBareProcess(env: { SLACK_SIGNING_SECRET: string; SLACK_BOT_TOKEN: string }): Promise<AppProcess> {
  const child = spawn(process.execPath, [findBuiltEntry('sandbox/slack/bare-bolt.js')], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
  const stop = stopper(child);
  try {
    const pick = (line: string) => {
      try {
        return z.object({ port: z.number().int().positive() }).safeParse(JSON.parse(line)).data?.port;
      } catch {
        return undefined;
      }
    };
    const port = await waitForLine(child, child.stdout, pick, () => undefined, 30_000, 'The bare Bolt app');
    return { eventsUrl: `http://127.0.0.1:${port}/slack/events`, pid: child.pid!, errors, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The load generator (`ack-load.ts`), one process for the whole run. */
export interface LoadProcess {
  /** Sends one plan's requests and resolves with their samples. */
  run(plan: LoadPlan): Promise<LoadSample[]>;
  stop(): Promise<void>;
}

/** Starts the load generator in a process of its own. */
export function startLoadProcess(): LoadProcess {
  const child = spawn(process.execPath, [findBuiltEntry('bench/ack-load.js')], { env: childEnv({}), stdio: ['pipe', 'pipe', 'pipe'] });
  const err: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  let waiting: { resolve: (s: LoadSample[]) => void; reject: (e: Error) => void } | undefined;
  lines.on('line', (line) => {
    const w = waiting;
    waiting = undefined;
    try {
      w?.resolve(z.array(LoadSample).parse(JSON.parse(line)));
    } catch (error) {
      w?.reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
  child.once('exit', (code) => waiting?.reject(new Error(`The load generator exited with code ${code}: ${err.join('').slice(-2000)}`)));
  return {
    run(plan) {
      if (waiting) return Promise.reject(new Error('The load generator runs one plan at a time.'));
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        child.stdin.write(`${JSON.stringify(plan)}\n`);
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.stdin.end();
      });
    },
  };
}

/** CPU time a process has used so far, in ms: its main thread's and its other threads' (Linux `/proc`; null elsewhere). */
export function processCpuMs(pid: number): { main: number; others: number } | null {
  try {
    const ticks = (stat: string) => {
      // Fields after the command name: utime and stime are the 12th and 13th (clock ticks of 10 ms).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    };
    const total = ticks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const main = ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    return { main, others: total - main };
  } catch {
    return null;
  }
}
