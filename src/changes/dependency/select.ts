import { FleetError } from '../../errors.js';
import { matchPaths } from '../match-paths.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit } from '../types.js';
import type { LockfileManager, ManifestOutcome } from './types.js';

/**
 * What the ecosystems' manifest transforms share: which manifests of the tree they look at, and
 * how edits are grouped into projects (a folder whose lockfile one tool regenerates).
 */

/** Folders of other people's code or of build output, whose manifests are not the repository's own. */
const VENDORED = new Set(['node_modules', 'vendor', '.git', 'target', 'build']);

export function isVendored(path: string): boolean {
  return path.split('/').slice(0, -1).some((segment) => VENDORED.has(segment));
}

/** 'packages/api/package.json' → 'packages/api/' (with the slash), 'package.json' → ''. */
export function folderOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at + 1);
}

/** 'packages/api/package.json' → 'package.json'. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A folder as ManifestOutcome.root writes it: 'packages/api/' → 'packages/api', '' stays ''. */
export function rootOf(folder: string): string {
  return folder.endsWith('/') ? folder.slice(0, -1) : folder;
}

/**
 * The manifests of one ecosystem: the tree's paths `isManifest` accepts, narrowed by the spec's
 * `paths` globs when it has them. Vendored folders (node_modules, vendor, .git, target, build) are
 * left out unless a pattern names the folder itself.
 */
export function chooseManifests(treePaths: readonly string[], options: DependencyOptions, isManifest: (path: string) => boolean): string[] {
  const candidates = treePaths.filter(isManifest);
  if (!options.paths) return [...new Set(candidates.filter((path) => !isVendored(path)))].sort();
  const named = options.paths.some((pattern) => pattern.split('/').some((segment) => VENDORED.has(segment)));
  return matchPaths(options.paths, candidates).filter((path) => named || !isVendored(path));
}

/** A FleetError for a manifest the change cannot read, naming the file and what to do. */
export function unreadable(path: string, ctx: ChangeContext, problem: string): FleetError {
  return new FleetError('change_failed', `${path} in ${ctx.repo} ${problem}. Fix the file in the repository, or leave the repository out of the campaign.`, { path, repo: ctx.repo });
}

/** One text replacement in a file: [start, end) becomes `text`. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping splices to a text, leaving every other byte as it was. */
export function applySplices(text: string, splices: readonly Splice[]): string {
  let next = text;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) next = next.slice(0, s.start) + s.text + next.slice(s.end);
  return next;
}

/** Where an edited manifest's lockfiles live: the folder the tool runs in, the tool, and the lockfiles. */
export interface Project {
  root: string;
  manager: LockfileManager;
  lockfiles: string[];
}

/** The manifest edits of one ecosystem, before lockfiles: `changed[i]` describes `edits[i]`. */
export interface ManifestEdits {
  edits: FileEdit[];
  changed: string[];
  already: string[];
  declarations: number;
  needsPerson?: string;
}

/**
 * The outcome of one ecosystem: its edits grouped by project (`projectOf` says which project an
 * edited manifest belongs to, undefined when it has no lockfile), with the lockfiles, manager and
 * root of the project, or `projects` when the edits span several.
 */
export function withProjects(ecosystem: ManifestOutcome['ecosystem'], found: ManifestEdits, projectOf: (manifest: string) => Project | undefined): ManifestOutcome {
  const groups = new Map<string, { project: Project; edits: FileEdit[]; changed: string[] }>();
  found.edits.forEach((edit, i) => {
    const project = projectOf(edit.path);
    if (!project) return;
    const key = `${project.root}\0${project.manager}`;
    const group = groups.get(key) ?? { project, edits: [], changed: [] };
    group.edits.push(edit);
    group.changed.push(found.changed[i] ?? edit.path);
    groups.set(key, group);
  });
  const outcome: ManifestOutcome = {
    ecosystem,
    edits: found.edits,
    changed: found.changed,
    already: found.already,
    declarations: found.declarations,
    lockfiles: [...new Set([...groups.values()].flatMap((g) => g.project.lockfiles))].sort(),
    ...(found.needsPerson !== undefined ? { needsPerson: found.needsPerson } : {}),
  };
  const list = [...groups.values()].sort((a, b) => a.project.root.localeCompare(b.project.root));
  const first = list[0];
  if (first) {
    outcome.manager = first.project.manager;
    outcome.root = first.project.root;
  }
  if (list.length > 1) {
    outcome.projects = list.map((g) => ({
      ecosystem,
      edits: g.edits,
      changed: g.changed,
      already: [],
      declarations: g.edits.length,
      lockfiles: g.project.lockfiles,
      manager: g.project.manager,
      root: g.project.root,
    }));
  }
  return outcome;
}
