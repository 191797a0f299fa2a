import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileSet } from '../types.js';
import { npmTransform } from './npm.js';
import type { Ecosystem, ManifestOutcome } from './types.js';

/** One ecosystem's manifests: which files to read, and the in-memory edit of them. */
export interface ManifestTransform {
  /** The manifest (and lockfile) paths of the tree this ecosystem reads; honours options.paths. */
  select(treePaths: readonly string[], options: DependencyOptions): string[];
  /** Edits every declaration of options.package in the files given (those select chose). */
  apply(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome>;
}

/** Each ecosystem's transform lives in its own file of this folder. */
export const MANIFEST_TRANSFORMS: Partial<Record<Ecosystem, ManifestTransform>> = { npm: npmTransform };

/** The ecosystems whose manifests the tree holds, in ECOSYSTEMS order. */
export function detectEcosystems(treePaths: readonly string[]): Ecosystem[] {
  return treePaths.some((p) => p === 'package.json' || (p.endsWith('/package.json') && !p.split('/').includes('node_modules'))) ? ['npm'] : [];
}
