import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV = {
  PATH: process.env.PATH,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Base',
  GIT_AUTHOR_EMAIL: 'base@example.com',
  GIT_COMMITTER_NAME: 'Base',
  GIT_COMMITTER_EMAIL: 'base@example.com',
};

/** Runs git in `dir` for a test, throwing with its stderr when it fails. */
export function gitIn(dir: string, args: string[], input?: string | Buffer): string {
  const result = spawnSync('git', args, { cwd: dir, env: GIT_ENV, input });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

/** Writes files (a Buffer for binary content; `{ content, mode: 0o755 }` for an executable) into dir. */
export function writeFiles(dir: string, files: Record<string, string | Buffer | { content: string; mode: number }>): void {
  for (const [path, value] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof value === 'object' && !Buffer.isBuffer(value)) {
      writeFileSync(full, value.content);
      chmodSync(full, value.mode);
    } else {
      writeFileSync(full, value);
    }
  }
}

/** A fresh git work tree under the system's temp folder with `files` committed as its HEAD. */
export function createWorkTree(files: Record<string, string | Buffer | { content: string; mode: number }>, prefix = 'fleet-worktree-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  gitIn(dir, ['init', '-q', '-b', 'main']);
  writeFiles(dir, files);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '--allow-empty', '-m', 'base']);
  return dir;
}
