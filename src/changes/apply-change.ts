import { FleetError } from '../errors.js';
import { runCodemod } from './codemod.js';
import { deleteFiles, writeFile } from './files.js';
import { setJsonValue } from './json-set.js';
import { applyDependencyInMemory, dependencyPathsToRead, fromNpmDependency } from './dependency/index.js';
import { matchPaths } from './match-paths.js';
import { CHANGE_KINDS, CHANGE_OPTIONS, type ChangeKind, type NpmDependencyOptions } from './options.js';
import { replaceText } from './replace.js';
import type { ChangeContext, FileEdit, FileSet, TransformOutcome } from './types.js';
import { createFileDiff } from './unified-diff.js';
import { setYamlValue } from './yaml-set.js';

export type { ChangeContext, FileSet } from './types.js';

/** A change as a campaign spec gives it (`spec.change`): a kind and its options. */
export interface Change {
  kind: string;
  options: unknown;
}

export interface ChangeResult {
  /** True when the repository already is as the change wants it. */
  noop: boolean;
  /** Why nothing changes, or a one-line summary of the change. */
  reason: string;
  /**
   * Only the files that change; content null deletes the file. Sorted by path. In a directory
   * (apply-in-directory.ts) an entry also carries its git `mode`, and a binary file's content is
   * base64 with `encoding: 'base64'`; in memory all content is text with the file's old mode.
   */
  files: { path: string; content: string | null; encoding?: 'base64'; mode?: string }[];
  /** A git-style unified diff of all changed files ('' for a no-op). */
  diff: string;
  stats: { filesChanged: number; additions: number; deletions: number };
  /** True when a codemod ran without a sandbox (FLEET_UNSANDBOXED=1): the PR should say so. */
  unsandboxed?: boolean;
}

type Transform = (options: never, files: FileSet, ctx: ChangeContext) => Promise<TransformOutcome>;

const TRANSFORMS: Record<ChangeKind, Transform> = {
  dependency: applyDependencyInMemory,
  // The npm-only alias of `dependency`: the same edits, and the same refusal when a lockfile needs its tool.
  'npm-dependency': (options: NpmDependencyOptions, files, ctx) => applyDependencyInMemory(fromNpmDependency(options), files, ctx),
  'json-set': setJsonValue,
  'yaml-set': setYamlValue,
  replace: replaceText,
  'file-write': writeFile,
  'file-delete': deleteFiles,
  codemod: runCodemod,
  run: refuseInMemory,
};

/** The `run` kind runs commands in a checkout: there is nothing to do with files in memory. */
function refuseInMemory(): Promise<TransformOutcome> {
  return Promise.reject(
    new FleetError('change_invalid', 'The run change runs commands in a checkout of the repository, so it cannot be applied to files in memory. Run it through a workspace (applyChangeInDirectory), as campaigns and `fleet apply` do.', { kind: 'run' }),
  );
}

function isChangeKind(kind: string): kind is ChangeKind {
  return (CHANGE_KINDS as string[]).includes(kind);
}

/** Parses a change's options; bad options are a FleetError('change_invalid') naming each problem. */
export function parseChange(change: Change): { kind: ChangeKind; options: unknown } {
  if (!isChangeKind(change.kind)) {
    throw new FleetError('change_invalid', `Unknown change kind "${change.kind}". Use one of: ${CHANGE_KINDS.join(', ')}.`, { kind: change.kind });
  }
  const parsed = CHANGE_OPTIONS[change.kind].safeParse(change.options ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'options'}: ${issue.message}`);
    throw new FleetError('change_invalid', `The options of the ${change.kind} change are not valid (${problems.join('; ')}). Fix them in the campaign spec.`, { kind: change.kind, problems });
  }
  return { kind: change.kind, options: parsed.data };
}

/**
 * The files of a repository's tree that the change needs to read, so the caller fetches only
 * those blobs. Files the change would create are not listed: they are not in the tree.
 *
 * @example
 * pathsToRead({ kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } }, ['package.json', 'src/a.ts'])
 * // ['package.json']
 */
export function pathsToRead(change: Change, treePaths: readonly string[]): string[] {
  const { kind, options } = parseChange(change);
  switch (kind) {
    case 'dependency':
      return dependencyPathsToRead(CHANGE_OPTIONS[kind].parse(options), treePaths);
    case 'npm-dependency':
      return dependencyPathsToRead(fromNpmDependency(CHANGE_OPTIONS[kind].parse(options)), treePaths);
    case 'json-set':
    case 'yaml-set':
    case 'file-write': {
      // One exact path, even when it holds glob characters (Next.js folders such as "app/[id]").
      const { path } = options as { path: string };
      return treePaths.includes(path) ? [path] : [];
    }
    case 'replace':
    case 'file-delete':
    case 'codemod':
      return matchPaths((options as { paths: string[] }).paths, treePaths);
    case 'run':
      // Its commands read the checkout themselves.
      return [];
  }
}

/**
 * Applies a change to a repository's files in memory. Returns the files that change, a unified
 * diff and its stats, or `noop: true` with the reason when the repository needs no change.
 * Throws FleetError 'change_invalid' for bad options and 'change_failed' when a file of the
 * repository keeps the change from applying (invalid JSON, a codemod that throws, a timeout).
 *
 * @example
 * const result = await applyChange(
 *   { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
 *   new Map([['package.json', '{\n  "dependencies": {\n    "lodash": "^4.17.20"\n  }\n}\n']]),
 *   { repo: 'acme/api' },
 * );
 * // result.noop === false, result.stats → { filesChanged: 1, additions: 1, deletions: 1 }
 */
export async function applyChange(change: Change, files: FileSet, ctx: ChangeContext): Promise<ChangeResult> {
  const { kind, options } = parseChange(change);
  const outcome = await TRANSFORMS[kind](options as never, files, ctx);
  const effective = keepEffectiveEdits(outcome.edits, files);
  const note = outcome.unsandboxed ? { unsandboxed: true } : {};
  if (effective.length === 0) {
    return { noop: true, reason: outcome.noopReason, files: [], diff: '', stats: { filesChanged: 0, additions: 0, deletions: 0 }, ...note };
  }
  let diff = '';
  let additions = 0;
  let deletions = 0;
  for (const edit of effective) {
    const fileDiff = createFileDiff(edit.path, files.get(edit.path) ?? null, edit.content);
    diff += fileDiff.text;
    additions += fileDiff.additions;
    deletions += fileDiff.deletions;
  }
  return { noop: false, reason: outcome.summary, files: effective, diff, stats: { filesChanged: effective.length, additions, deletions }, ...note };
}

/** Drops edits that leave a file as it is (or delete a file that is not there); last edit of a path wins. */
function keepEffectiveEdits(edits: readonly FileEdit[], files: FileSet): FileEdit[] {
  const byPath = new Map<string, string | null>();
  for (const edit of edits) byPath.set(edit.path, edit.content);
  return [...byPath]
    .filter(([path, content]) => (content === null ? files.has(path) : files.get(path) !== content))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, content]) => ({ path, content }));
}
