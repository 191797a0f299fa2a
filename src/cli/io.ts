/** What a CLI command may touch; the entry point passes the process's, tests pass their own. */
export interface CliIo {
  /** Raw text; commands end their lines with "\n". */
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
  env: Record<string, string | undefined>;
}

export interface CliCommand {
  /** One line for `fleet help`. */
  summary: string;
  /** e.g. "fleet validate <spec.yml>..." */
  usage: string;
  /** Returns the exit code: 0 success, 1 the work found a problem, 2 bad usage or input (`fleet apply`: 3 nothing to change). */
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
