import { readFile } from 'node:fs/promises';
import type { CliIo } from '../../src/cli/io.js';

export interface Captured extends CliIo {
  out: string;
  err: string;
}

/** A CliIo that keeps what a command prints, for the CLI tests. */
export function capture(env: Record<string, string | undefined> = {}): Captured {
  const io: Captured = {
    out: '',
    err: '',
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
    readFile: (path) => readFile(path, 'utf8'),
    env,
  };
  return io;
}
