import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileSet } from '../types.js';
import { npmTransform } from './npm.js';
import { baseName, isVendored } from './select.js';
import { ECOSYSTEMS, type Ecosystem, type ManifestOutcome } from './types.js';

/** One ecosystem's manifests: which files to read, and the in-memory edit of them. */
export interface ManifestTransform {
  /** The manifest (and lockfile) paths of the tree this ecosystem reads; honours options.paths. */
  select(treePaths: readonly string[], options: DependencyOptions): string[];
  /** Edits every declaration of options.package in the files given (those select chose). */
  apply(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome>;
}

/** Each ecosystem's transform lives in its own file of this folder. */
export const MANIFEST_TRANSFORMS: Partial<Record<Ecosystem, ManifestTransform>> = { npm: npmTransform };

/** The manifests that mark a repository as using an ecosystem (vendored folders aside). */
const MARKERS: Record<Ecosystem, (path: string) => boolean> = {
  npm: (path) => baseName(path) === 'package.json',
  maven: (path) => baseName(path) === 'pom.xml',
  gradle: (path) => /\.gradle(\.kts)?$/.test(baseName(path)) || path.endsWith('gradle/libs.versions.toml'),
  python: (path) => /^(requirements.*|constraints.*)\.txt$/.test(baseName(path)) || /(^|\/)requirements\/[^/]+\.txt$/.test(path) || baseName(path) === 'pyproject.toml',
  go: (path) => baseName(path) === 'go.mod',
  docker: (path) => /^(Dockerfile(\..+)?|.+\.Dockerfile|Containerfile)$/.test(baseName(path)),
  actions: (path) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path) || /^action\.ya?ml$/.test(baseName(path)),
};

/** The ecosystems whose manifests the tree holds, in ECOSYSTEMS order. */
export function detectEcosystems(treePaths: readonly string[]): Ecosystem[] {
  const own = treePaths.filter((path) => !isVendored(path));
  return ECOSYSTEMS.filter((ecosystem) => MANIFEST_TRANSFORMS[ecosystem] !== undefined && own.some(MARKERS[ecosystem]));
}

/**
 * The projects of an outcome whose lockfiles a tool must regenerate, each with its own manager,
 * root, edits and lockfiles: `outcome.projects` when the edits span several folders, else the
 * outcome itself (when it has lockfiles).
 */
export function lockfileProjects(outcome: ManifestOutcome): ManifestOutcome[] {
  if (outcome.projects && outcome.projects.length > 0) return outcome.projects;
  return outcome.lockfiles.length > 0 ? [outcome] : [];
}
