import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileSet } from '../types.js';
import { actionsTransform, isActionsFile } from './actions.js';
import { dockerTransform, isDockerfile } from './docker.js';
import { goModTransform } from './go-mod.js';
import { mavenTransform } from './maven.js';
import { isGradleManifest, gradleTransform } from './gradle.js';
import { npmTransform } from './npm.js';
import { isPythonManifest, pythonTransform } from './python.js';
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
export const MANIFEST_TRANSFORMS: Partial<Record<Ecosystem, ManifestTransform>> = {
  npm: npmTransform,
  maven: mavenTransform,
  gradle: gradleTransform,
  python: pythonTransform,
  go: goModTransform,
  docker: dockerTransform,
  actions: actionsTransform,
};

/** The manifests that mark a repository as using an ecosystem (vendored folders aside). */
const MARKERS: Record<Ecosystem, (path: string) => boolean> = {
  npm: (path) => baseName(path) === 'package.json',
  maven: (path) => baseName(path) === 'pom.xml',
  gradle: isGradleManifest,
  python: isPythonManifest,
  go: (path) => baseName(path) === 'go.mod',
  docker: isDockerfile,
  actions: isActionsFile,
};

/**
 * The ecosystems whose manifests the tree holds, in ECOSYSTEMS order.
 *
 * @example
 * detectEcosystems(['pom.xml', 'Dockerfile', 'node_modules/x/package.json']) // ['maven', 'docker']
 */
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
