import { runInNewContext } from 'node:vm';
import { FleetError } from '../errors.js';
import { matchPaths } from './match-paths.js';
import type { ReplaceOptions } from './options.js';
import { readTimeout, type ChangeContext, type FileEdit, type FileSet, type TransformOutcome } from './types.js';

/**
 * The replacement runs inside a fresh V8 context with a time limit: a user's expression such as
 * /(a+)+$/ can backtrack for hours on the wrong file, and `vm`'s timeout interrupts the regular
 * expression engine itself, where a timer on this thread never would.
 */
const REPLACE_ALL = `
  (() => {
    const re = new RegExp(input.find, input.flags);
    return input.texts.map((text) => {
      re.lastIndex = 0;
      return input.literal ? text.replace(re, () => input.replace) : text.replace(re, input.replace);
    });
  })()
`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces text (literally, or by regular expression) in every file that matches the globs.
 * Files with a NUL byte are taken to be binary and left alone.
 *
 * @example
 * await replaceText({ paths: ['**\/*.ts'], find: 'oldLogger', replace: 'logger', regex: false, flags: 'g' },
 *   new Map([['src/a.ts', 'oldLogger.info(1)\n']]), { repo: 'acme/api' });
 * // edits: [{ path: 'src/a.ts', content: 'logger.info(1)\n' }]
 */
export async function replaceText(options: ReplaceOptions, files: FileSet, ctx: ChangeContext): Promise<TransformOutcome> {
  const paths = matchPaths(options.paths, files.keys()).filter((path) => !files.get(path)!.includes('\0'));
  const what = options.regex ? `/${options.find}/${options.flags}` : JSON.stringify(options.find);
  if (paths.length === 0) return { edits: [], summary: '', noopReason: `no text file matches ${options.paths.join(', ')}` };
  const timeoutMs = readTimeout(ctx);
  const input = {
    find: options.regex ? options.find : escapeRegExp(options.find),
    flags: options.flags,
    replace: options.replace,
    literal: !options.regex,
    texts: paths.map((path) => files.get(path)!),
  };
  let results: unknown;
  try {
    results = runInNewContext(REPLACE_ALL, { input }, { timeout: timeoutMs });
  } catch (error) {
    if (isTimeout(error)) {
      throw new FleetError(
        'change_failed',
        `The expression ${what} took longer than ${timeoutMs} ms on the files of ${ctx.repo} and was stopped (it likely backtracks catastrophically). Simplify it, e.g. avoid nested quantifiers such as (a+)+.`,
        { repo: ctx.repo, timeoutMs },
        { cause: error },
      );
    }
    throw new FleetError('change_failed', `The replacement ${what} failed on ${ctx.repo}: ${error instanceof Error ? error.message : String(error)}. Check the expression and the replacement text.`, { repo: ctx.repo }, { cause: error });
  }
  const texts = results as string[];
  const edits: FileEdit[] = paths.map((path, i) => ({ path, content: String(texts[i]) }));
  const changed = edits.filter((edit) => edit.content !== files.get(edit.path)).length;
  return {
    edits,
    summary: `Replace ${what} with ${JSON.stringify(options.replace)} in ${changed} file${changed === 1 ? '' : 's'}`,
    noopReason: `${what} does not occur in ${paths.length} matching file${paths.length === 1 ? '' : 's'} (${options.paths.join(', ')})`,
  };
}

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}
