import { choosePackageJsonPaths, editPackageJsons } from '../npm-dependency.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import type { ManifestOutcome } from './types.js';

/** The lockfiles npm, yarn and pnpm write beside the package.json at the root of a project. */
export const NPM_LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'] as const;

export function folderOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at + 1);
}

/** Lockfiles in the folders of the chosen package.json files or any folder above them (a workspace root). */
function lockfilesFor(manifests: readonly string[], treePaths: readonly string[]): string[] {
  const tree = new Set(treePaths);
  const found = new Set<string>();
  for (const manifest of manifests) {
    let folder = folderOf(manifest);
    for (;;) {
      for (const name of NPM_LOCKFILES) if (tree.has(`${folder}${name}`)) found.add(`${folder}${name}`);
      if (folder === '') break;
      folder = folderOf(folder.slice(0, -1));
    }
  }
  return [...found].sort();
}

function manifestsOf(treePaths: readonly string[], options: DependencyOptions): string[] {
  return choosePackageJsonPaths({ package: options.package, version: options.version, paths: options.paths ?? ['**/package.json'] }, treePaths);
}

export const npmTransform: ManifestTransform = {
  select(treePaths, options) {
    const manifests = manifestsOf(treePaths, options);
    return [...manifests, ...lockfilesFor(manifests, treePaths)];
  },
  apply: npmOutcome,
};

/** Every package.json chosen: each declaration of the package set to the version, formatting kept. */
export function npmOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const manifests = [...files.keys()].filter((p) => p === 'package.json' || p.endsWith('/package.json'));
  const found = editPackageJsons({ package: options.package, version: options.version, paths: manifests, ...(options.sections ? { sections: options.sections } : {}) }, files, ctx);
  return Promise.resolve({ ecosystem: 'npm', edits: found.edits, changed: found.changed, already: found.already, declarations: found.declarations, lockfiles: lockfilesFor(found.edits.map((e) => e.path), [...files.keys()]) });
}
