import { cp, lstat, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { formatSpecErrors, loadSpec } from '../campaigns/load-spec.js';
import { applyChangeInDirectory, type DirectoryChange } from '../changes/apply-in-directory.js';
import { dependencyEnvironment } from '../changes/dependency/environment.js';
import { describeError, isFleetError } from '../errors.js';
import { runGit } from '../workspace/git.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/**
 * `fleet apply <spec.yml> <dir> [--write]`: runs the spec's change on a local folder with the
 * code a campaign uses (applyChangeInDirectory), in a temporary copy of the folder made into a git
 * work tree, so the folder itself is untouched unless `--write` is given.
 *
 * Exit codes: 0 and the unified diff on stdout; 3 and the no-op reason when there is nothing to
 * change; 1 with the reason (and the command's output tail) when the change fails or the spec is
 * not valid; 2 for bad usage.
 *
 * @example
 * await applyCommand.run(['campaigns/examples/bump-lodash.yml', '../api'], io);
 * // stdout: diff --git a/package.json b/package.json ...
 */
export const applyCommand: CliCommand = {
  summary: "Run a spec's change on a local folder and print the diff (--write leaves it in the folder)",
  usage: 'fleet apply <spec.yml> <dir> [--write]',
  run: runApply,
};

/** Exit code for "nothing to change". */
export const EXIT_NOOP = 3;

const IDENTITY = { GIT_AUTHOR_NAME: 'fleet apply', GIT_AUTHOR_EMAIL: 'fleet-apply@localhost', GIT_COMMITTER_NAME: 'fleet apply', GIT_COMMITTER_EMAIL: 'fleet-apply@localhost' };

/**
 * Where codemods are looked up: FLEET_CAMPAIGNS when it names a local folder (the catalog the app
 * would use), otherwise the folder the spec file is in.
 */
export function catalogDirFor(specPath: string, env: CliIo['env']): string {
  const configured = env.FLEET_CAMPAIGNS;
  if (configured && !configured.startsWith('github:')) return resolve(configured);
  return dirname(resolve(specPath));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The files of `dir` a checkout would hold when `dir` is in a git work tree: tracked and untracked
 * ones, without what its .gitignore ignores (node_modules, build output), paths relative to `dir`.
 * Undefined when `dir` is not in a work tree: then everything is copied but `.git`.
 */
async function workTreeFiles(dir: string): Promise<string[] | undefined> {
  try {
    if ((await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: dir })).stdout.trim() !== 'true') return undefined;
  } catch {
    return undefined;
  }
  const listed = (await runGit(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: dir })).stdout;
  return [...new Set(listed.split('\0').filter((path) => path !== ''))];
}

/**
 * Copies `from` to a new temporary folder and commits it there as the base: in a git work tree
 * only what a checkout would hold (so a clone's node_modules is neither copied nor seen by the
 * commands, as in a campaign's checkout), elsewhere all but `.git` folders.
 */
async function baselineCopy(from: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fleet-apply-'));
  const copy = join(root, basename(from) || 'repo');
  const files = await workTreeFiles(from);
  if (files === undefined) {
    await cp(from, copy, { recursive: true, verbatimSymlinks: true, filter: (source) => basename(source) !== '.git' || source === from });
  } else {
    await mkdir(copy, { recursive: true });
    for (const path of files) {
      const source = join(from, path);
      // A tracked file deleted in the working tree, or a submodule's folder: nothing to copy.
      const info = await lstat(source).catch(() => undefined);
      if (!info || info.isDirectory()) continue;
      await mkdir(dirname(join(copy, path)), { recursive: true });
      await cp(source, join(copy, path), { verbatimSymlinks: true });
    }
  }
  await runGit(['init', '-q'], { cwd: copy });
  await runGit(['add', '-A'], { cwd: copy });
  await runGit(['-c', 'commit.gpgsign=false', 'commit', '-q', '--no-verify', '--allow-empty', '-m', 'fleet apply: the folder as it was'], { cwd: copy, env: IDENTITY });
  return copy;
}

function describeEntries(change: DirectoryChange): string {
  const marks = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R' } as const;
  return change.entries.map((e) => `  ${marks[e.status]} ${e.previousPath ? `${e.previousPath} -> ` : ''}${e.path}`).join('\n');
}

async function runApply(args: string[], io: CliIo): Promise<number> {
  const write = args.includes('--write');
  const positional = args.filter((a) => a !== '--write');
  const unknown = positional.find((a) => a.startsWith('-'));
  if (unknown || positional.length !== 2) {
    io.stderr(`${unknown ? `Unknown option ${unknown}.` : 'Give a spec file and a folder.'} Usage: ${applyCommand.usage}\n`);
    return EXIT.usage;
  }
  const [specPath, target] = positional;
  let text: string;
  try {
    text = await io.readFile(specPath);
  } catch (error) {
    io.stderr(`${specPath}: cannot be read (${describeError(error)}). Check the path.\n`);
    return EXIT.failed;
  }
  const loaded = loadSpec(text, specPath);
  if (!loaded.ok) {
    io.stderr(`${formatSpecErrors(specPath, loaded.errors)}\n`);
    io.stderr(`${specPath}: ${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'}; nothing was applied.\n`);
    return EXIT.failed;
  }
  const dir = resolve(target);
  if (!(await isDirectory(dir))) {
    io.stderr(`${target} is not a folder. Give the folder of a repository (a clone, or any directory).\n`);
    return EXIT.failed;
  }
  const copy = await baselineCopy(dir);
  try {
    let change: DirectoryChange;
    try {
      change = await applyChangeInDirectory(loaded.spec.change, copy, {
        repo: basename(dir),
        catalogDir: catalogDirFor(specPath, io.env),
        sandbox: { allowUnsandboxed: io.env.FLEET_UNSANDBOXED === '1' },
        dependencies: dependencyEnvironment(io.env),
      });
    } catch (error) {
      if (!isFleetError(error)) throw error;
      io.stderr(`fleet apply: ${error.message}\n`);
      const tail = error.details.outputTail;
      if (typeof tail === 'string' && tail !== '') io.stderr(`--- the last lines of its output ---\n${tail}${tail.endsWith('\n') ? '' : '\n'}`);
      return EXIT.failed;
    }
    if (change.noop) {
      io.stdout(`Nothing to change: ${change.reason}.\n`);
      return EXIT_NOOP;
    }
    io.stdout(change.diff);
    const { filesChanged, additions, deletions } = change.stats;
    const summary = `${change.reason}: ${filesChanged} file${filesChanged === 1 ? '' : 's'}, +${additions} -${deletions}${change.unsandboxed ? ' (ran without a sandbox: FLEET_UNSANDBOXED=1)' : ''}.`;
    if (!write) {
      io.stderr(`${summary} Run again with --write to make the change in ${target}.\n`);
      return EXIT.ok;
    }
    // The copy's git applies its own staged diff to the original folder, checking that each file
    // there is still as it was copied; it works whether or not the folder is a git repository.
    try {
      await runGit(['--git-dir', join(copy, '.git'), '--work-tree', dir, 'apply', '--binary', '--whitespace=nowarn', '-'], { cwd: dir, input: change.diff });
    } catch (error) {
      io.stderr(`fleet apply: the change could not be written to ${target}: ${describeError(error)} Did the folder change while the command ran? Nothing was written.\n`);
      return EXIT.failed;
    }
    io.stderr(`${summary}\nWrote to ${target}:\n${describeEntries(change)}\n`);
    return EXIT.ok;
  } finally {
    await rm(dirname(copy), { recursive: true, force: true });
  }
}
