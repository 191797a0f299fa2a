import type { ChildProcess } from 'node:child_process';

/** A child process's stdout and stderr as one text, and a wait for a line in it. */
export interface ChildOutput {
  /** Everything printed so far. */
  text(): string;
  /** Resolves with the first match of `pattern`; rejects when the child exits first or the time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

/**
 * Collects what a spawned child prints, for tests that drive a command by its output.
 *
 * @example
 * const output = watchOutput(spawn(process.execPath, [demo, '--port', '0']), 'the demo');
 * const [, url] = await output.waitFor(/Slack page:\s+(http:\S+)/, 60_000);
 */
export function watchOutput(child: ChildProcess, name: string): ChildOutput {
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    text: () => out,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const until = Date.now() + timeoutMs;
        const poll = () => {
          const match = pattern.exec(out);
          if (match) return resolve(match);
          if (child.exitCode !== null) return reject(new Error(`${name} exited (${child.exitCode}) before printing ${pattern}:\n${out.slice(-3000)}`));
          if (Date.now() > until) return reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${out.slice(-3000)}`));
          setTimeout(poll, 200);
        };
        poll();
      });
    },
  };
}
