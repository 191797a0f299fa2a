import { FleetError } from '../../errors.js';
import { editPackageJsons } from '../npm-dependency.js';
import { isNpmVersion } from '../npm-version.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { baseName, chooseManifests, folderOf, rootOf, withProjects, type Project } from './select.js';
import type { ManifestOutcome } from './types.js';

export { folderOf } from './select.js';

/** The lockfiles npm, yarn and pnpm write beside the package.json at the root of a project. */
export const NPM_LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'] as const;

/** Files read only to tell yarn berry from yarn 1 (besides the root package.json and yarn.lock). */
const YARN_BERRY_MARKERS = ['.yarnrc.yml'] as const;

function isPackageJson(path: string): boolean {
  return baseName(path) === 'package.json';
}

/**
 * The folder of a manifest's lockfiles: its own folder or the nearest one above that holds a
 * lockfile (a workspace root), with the lockfiles found there.
 */
function lockFolderOf(manifest: string, tree: ReadonlySet<string>): { folder: string; lockfiles: string[] } | undefined {
  let folder = folderOf(manifest);
  for (;;) {
    const lockfiles = NPM_LOCKFILES.map((name) => `${folder}${name}`).filter((path) => tree.has(path));
    if (lockfiles.length > 0) return { folder, lockfiles };
    if (folder === '') return undefined;
    folder = folderOf(folder.slice(0, -1));
  }
}

/** The `packageManager` field of a package.json ("pnpm@9.15.9"), when it can be read. */
function packageManagerField(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    if (json !== null && typeof json === 'object' && 'packageManager' in json && typeof json.packageManager === 'string') return json.packageManager;
  } catch {
    // An unreadable package.json at the root is reported by the edit when it is a manifest; here it only means no packageManager.
  }
  return undefined;
}

/**
 * The package manager of a project folder. `packageManager` in its package.json picks among the
 * lockfiles present; yarn.lock is yarn berry's when `packageManager` says yarn 2 or later, or,
 * when it names no yarn version, when a .yarnrc.yml sits beside it or the lockfile has berry's
 * `__metadata` header.
 */
export function npmProjectOf(folder: string, lockfiles: readonly string[], files: FileSet): Project {
  const declared = packageManagerField(files.get(`${folder}package.json`));
  const declaredName = declared?.split('@')[0];
  const declaredMajor = Number(/^[^@]+@(\d+)/.exec(declared ?? '')?.[1] ?? NaN);
  const has = (name: string) => lockfiles.includes(`${folder}${name}`);
  // packageManager decides when it names yarn's version; else the files yarn berry leaves.
  const yarnBerry = () =>
    declaredName === 'yarn' && Number.isFinite(declaredMajor)
      ? declaredMajor >= 2
      : YARN_BERRY_MARKERS.some((name) => files.has(`${folder}${name}`)) || /^__metadata:/m.test(files.get(`${folder}yarn.lock`) ?? '');
  const npmLocks = ['npm-shrinkwrap.json', 'package-lock.json'].filter(has).map((name) => `${folder}${name}`);
  const yarn = (): Project => ({ root: rootOf(folder), manager: yarnBerry() ? 'yarn-berry' : 'yarn', lockfiles: [`${folder}yarn.lock`] });
  const pnpm: Project = { root: rootOf(folder), manager: 'pnpm', lockfiles: [`${folder}pnpm-lock.yaml`] };
  const npm: Project = { root: rootOf(folder), manager: 'npm', lockfiles: npmLocks };
  if (declaredName === 'yarn' && has('yarn.lock')) return yarn();
  if (declaredName === 'pnpm' && has('pnpm-lock.yaml')) return pnpm;
  if (declaredName === 'npm' && npmLocks.length > 0) return npm;
  if (npmLocks.length > 0) return npm;
  if (has('pnpm-lock.yaml')) return pnpm;
  return yarn();
}

function manifestsOf(treePaths: readonly string[], options: DependencyOptions): string[] {
  return chooseManifests(treePaths, options, isPackageJson);
}

export const npmTransform: ManifestTransform = {
  select(treePaths, options) {
    const tree = new Set(treePaths);
    const manifests = manifestsOf(treePaths, options);
    const paths = new Set(manifests);
    for (const manifest of manifests) {
      const lock = lockFolderOf(manifest, tree);
      if (!lock) continue;
      for (const path of lock.lockfiles) paths.add(path);
      for (const name of ['package.json', ...YARN_BERRY_MARKERS]) if (tree.has(`${lock.folder}${name}`)) paths.add(`${lock.folder}${name}`);
    }
    return [...paths].sort();
  },
  apply: npmOutcome,
};

/**
 * Every package.json chosen (the root and each workspace package; all four dependency sections
 * unless `sections` narrows them): each declaration of the package set to the version, only the
 * version string rewritten. The lockfiles are those of the project each edited package.json
 * belongs to, with the tool that owns them.
 */
export function npmOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const tree = new Set(files.keys());
  const manifests = manifestsOf([...tree], options);
  const found = editPackageJsons({ package: options.package, version: options.version, paths: manifests, ...(options.sections ? { sections: options.sections } : {}) }, files, ctx);
  if (found.edits.length > 0 && !isNpmVersion(options.version)) {
    throw new FleetError('change_invalid', `"${options.version}" is not a version npm understands (${options.package} is an npm package in ${ctx.repo}): use a version or range such as "4.17.21" or "^4.17.21".`, { repo: ctx.repo, version: options.version });
  }
  const projectOf = (manifest: string): Project | undefined => {
    const lock = lockFolderOf(manifest, tree);
    return lock ? npmProjectOf(lock.folder, lock.lockfiles, files) : undefined;
  };
  return Promise.resolve(withProjects('npm', found, projectOf));
}
