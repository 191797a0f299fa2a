import { matchPaths } from './match-paths.js';
import type { FileDeleteOptions, FileWriteOptions } from './options.js';
import type { ChangeContext, FileSet, TransformOutcome } from './types.js';

/**
 * Writes one file with the given content (creating or overwriting it).
 *
 * @example
 * await writeFile({ path: '.nvmrc', content: '20\n', onlyIfMissing: false }, new Map(), { repo: 'acme/api' });
 * // edits: [{ path: '.nvmrc', content: '20\n' }]
 */
export async function writeFile(options: FileWriteOptions, files: FileSet, _ctx: ChangeContext): Promise<TransformOutcome> {
  const current = files.get(options.path);
  if (current !== undefined && options.onlyIfMissing) {
    return { edits: [], summary: '', noopReason: `${options.path} already exists (onlyIfMissing is set)` };
  }
  return {
    edits: [{ path: options.path, content: options.content }],
    summary: `${current === undefined ? 'Create' : 'Rewrite'} ${options.path}`,
    noopReason: `${options.path} already has the wanted content`,
  };
}

/**
 * Deletes every file that matches the paths or globs.
 *
 * @example
 * await deleteFiles({ paths: ['.travis.yml'] }, new Map([['.travis.yml', 'language: node_js\n']]), { repo: 'acme/api' });
 * // edits: [{ path: '.travis.yml', content: null }]
 */
export async function deleteFiles(options: FileDeleteOptions, files: FileSet, _ctx: ChangeContext): Promise<TransformOutcome> {
  const paths = matchPaths(options.paths, files.keys());
  return {
    edits: paths.map((path) => ({ path, content: null })),
    summary: `Delete ${paths.join(', ')}`,
    noopReason: `nothing to delete: no file matches ${options.paths.join(', ')}`,
  };
}
