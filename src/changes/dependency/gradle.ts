import { FleetError } from '../../errors.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { applySplices, baseName, chooseManifests, folderOf, isVendored, rootOf, unreadable, withProjects, type Splice } from './select.js';
import type { ManifestOutcome } from './types.js';

/**
 * Gradle: version catalogs (gradle/libs.versions.toml: `[libraries]` by `module` or
 * `group`/`name`, `[plugins]` by `id`, with `version` or `version.ref` into `[versions]`) and
 * literal coordinates in build scripts (*.gradle, *.gradle.kts): 'g:a:v' strings, the
 * `group: 'g', name: 'a', version: 'v'` map notation and `id 'x' version 'v'` plugins; a
 * "g:a:$name" coordinate's version is set where `name` is (the script, another script, or
 * gradle.properties). The
 * package is "group:artifact", or a plugin id. With dependency locking (gradle.lockfile and its
 * kin listing the package) the lockfile can only be rewritten by running the build: the
 * repository goes to a person unless it has a gradlew wrapper, which the lockfile step may run.
 */

export function isGradleManifest(path: string): boolean {
  return /\.gradle(\.kts)?$/.test(baseName(path)) || /(^|\/)gradle\/[^/]+\.versions\.toml$/.test(path);
}

function isGradleLockfile(path: string): boolean {
  return ['gradle.lockfile', 'buildscript-gradle.lockfile', 'settings-gradle.lockfile'].includes(baseName(path)) || /(^|\/)gradle\/dependency-locks\/[^/]+\.lockfile$/.test(path);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text with comments blanked out (same length), so coordinates in comments are not edited; strings are kept. */
function maskComments(text: string): string {
  const out = text.split('');
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      const end = text.indexOf(text.slice(i, i + 3), i + 3);
      i = end < 0 ? text.length : end + 3;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = j + 1;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
    } else {
      i++;
    }
  }
  return out.join('');
}

interface Found {
  splices: Splice[];
  where: Set<string>;
  froms: Set<string>;
  declarations: number;
  already: number;
}

function offer(found: Found, start: number, old: string, version: string, where: string): void {
  found.declarations += 1;
  if (old === version) {
    found.already += 1;
    return;
  }
  found.splices.push({ start, end: start + old.length, text: version });
  found.where.add(where);
  found.froms.add(old);
}

function newFound(): Found {
  return { splices: [], where: new Set(), froms: new Set(), declarations: 0, already: 0 };
}

/** A build script: literal coordinates, map notation, plugins with a version, and the names of version variables coordinates use. */
function editBuildScript(text: string, target: { module?: [string, string]; plugin?: string }, version: string): Found & { variables: string[] } {
  const found = { ...newFound(), variables: [] as string[] };
  const masked = maskComments(text);
  const each = (re: RegExp, where: string, versionGroup: number) => {
    for (const match of masked.matchAll(re)) offer(found, match.indices![versionGroup][0], match[versionGroup], version, where);
  };
  if (target.module) {
    const [g, a] = target.module.map(escape) as [string, string];
    each(new RegExp(`(["'])${g}:${a}:([^"'$:@\\s]+)(?::[^"'@\\s]*)?(?:@[^"'\\s]+)?\\1`, 'dg'), 'dependencies', 2);
    each(new RegExp(`group\\s*[:=]\\s*(["'])${g}\\1\\s*,\\s*name\\s*[:=]\\s*(["'])${a}\\2\\s*,\\s*version\\s*[:=]\\s*(["'])([^"'$]+)\\3`, 'dg'), 'dependencies', 4);
    // "g:a:$jacksonVersion", "g:a:${rootProject.ext.jacksonVersion}": the version is where the variable is set.
    for (const match of masked.matchAll(new RegExp(`"${g}:${a}:\\$(?:\\{([\\w.]+)\\}|(\\w+))"`, 'g'))) found.variables.push((match[1] ?? match[2]).split('.').pop()!);
  }
  if (target.plugin) {
    each(new RegExp(`\\bid\\s*\\(?\\s*(["'])${escape(target.plugin)}\\1\\s*\\)?\\s*version\\s*\\(?\\s*(["'])([^"'$]+)\\2`, 'dg'), 'plugins', 3);
  }
  return found;
}

/** Where a version variable is set: `val x = "1"`, `def x = '1'`, `ext.x = '1'`, `extra["x"] = "1"`, `set("x", "1")` in a script, `x=1` in gradle.properties. */
function findVariable(path: string, text: string, name: string): { start: number; old: string } | undefined {
  const n = escape(name);
  const patterns = path.endsWith('gradle.properties')
    ? [new RegExp(`^[ \\t]*${n}[ \\t]*[=:][ \\t]*()([^\\s#!]+)[ \\t]*\\r?$`, 'dm')]
    : [
        new RegExp(`(?:^|[\\s.;{])${n}\\s*(?::\\s*String\\s*)?=\\s*(["'])([^"'$\\s]+)\\1`, 'dm'),
        new RegExp(`(?:extra|ext)\\s*\\[\\s*(["'])${n}\\1\\s*\\]\\s*=\\s*["']([^"'$\\s]+)["']`, 'd'),
        new RegExp(`\\bset\\s*\\(\\s*(["'])${n}\\1\\s*,\\s*["']([^"'$\\s]+)["']`, 'd'),
      ];
  const searched = path.endsWith('gradle.properties') ? text : maskComments(text);
  for (const re of patterns) {
    const match = re.exec(searched);
    if (match) return { start: match.indices![2][0], old: match[2] };
  }
  return undefined;
}

/** A version catalog, line by line: the entries of the package and the [versions] they refer to. */
function editCatalog(path: string, text: string, target: { module?: [string, string]; plugin?: string }, version: string, ctx: ChangeContext): Found {
  const found = newFound();
  const refs = new Map<string, string>();
  const versionLines = new Map<string, { start: number; old: string }>();
  let table = '';
  let offset = 0;
  let number = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    number += 1;
    const header = /^\s*\[\s*([\w-]+)\s*\]/.exec(line);
    if (header) {
      table = header[1]!;
      continue;
    }
    const entry = /^(\s*)("[^"]+"|[\w.-]+)(\s*=\s*)(.*?)\s*(#.*)?\r?$/.exec(line);
    // In these tables every entry is one line (TOML inline tables do not span lines), so anything else is a broken catalog.
    const strict = table === 'versions' || table === 'libraries' || table === 'plugins';
    if (strict && !/^\s*(#.*)?\r?$/.test(line) && (!entry || (entry[4].startsWith('{') && !entry[4].endsWith('}')))) {
      throw unreadable(path, ctx, `is not a version catalog Gradle can read (line ${number} of [${table}]: "${line.trim()}")`);
    }
    if (!entry) continue;
    const key = entry[2].replace(/^"|"$/g, '');
    const valueStart = start + entry[1].length + entry[2].length + entry[3].length;
    const value = entry[4];
    if (table === 'versions') {
      const plain = /^"([^"]*)"/.exec(value);
      // A rich version ({ strictly = "…" }, { require = "…" }) has its version in the first of those.
      const rich = /^\{.*?\b(?:strictly|require|prefer)\s*=\s*"([^"]*)"/.exec(value);
      if (plain) versionLines.set(key, { start: valueStart + 1, old: plain[1] });
      else if (rich) versionLines.set(key, { start: valueStart + rich[0].length - 1 - rich[1].length, old: rich[1] });
      continue;
    }
    if (table !== 'libraries' && table !== 'plugins') continue;
    const string = /^"([^"]*)"$/.exec(value)?.[1];
    if (string !== undefined) {
      const parts = string.split(':');
      const matches = table === 'libraries' ? target.module && parts.length === 3 && parts[0] === target.module[0] && parts[1] === target.module[1] : target.plugin && parts.length === 2 && parts[0] === target.plugin;
      if (matches) offer(found, valueStart + 1 + string.lastIndexOf(':') + 1, parts[parts.length - 1], version, table);
      continue;
    }
    if (!value.startsWith('{')) continue;
    const field = (name: string) => new RegExp(`(?:^|[{,\\s])${escape(name)}\\s*=\\s*"([^"]*)"`).exec(value)?.[1];
    const module = field('module')?.split(':') ?? [field('group'), field('name')];
    const matches = table === 'libraries' ? target.module && module[0] === target.module[0] && module[1] === target.module[1] : target.plugin && field('id') === target.plugin;
    if (!matches) continue;
    const ref = field('version.ref') ?? /version\s*=\s*\{\s*ref\s*=\s*"([^"]*)"/.exec(value)?.[1];
    if (ref !== undefined) {
      refs.set(ref, table);
      continue;
    }
    const literal = /(?:^|[{,\s])version\s*=\s*"([^"]*)"/.exec(value);
    if (literal) offer(found, valueStart + literal.index + literal[0].length - 1 - literal[1].length, literal[1], version, table);
  }
  for (const [ref, table] of refs) {
    const line = versionLines.get(ref);
    if (line) offer(found, line.start, line.old, version, `versions.${ref} (${table})`);
  }
  return found;
}

export const gradleTransform: ManifestTransform = {
  select(treePaths, options) {
    const own = treePaths.filter((path) => !isVendored(path));
    const manifests = chooseManifests(treePaths, options, isGradleManifest);
    const locking = own.filter((path) => isGradleLockfile(path) || baseName(path) === 'gradlew' || baseName(path) === 'gradle.properties');
    return [...new Set([...manifests, ...locking])].sort();
  },
  apply: gradleOutcome,
};

export function gradleOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const parts = options.package.split(':');
  const target = parts.length === 2 ? { module: parts as [string, string] } : parts.length === 1 ? { plugin: options.package } : {};
  const scripts = chooseManifests([...files.keys()], options, isGradleManifest);
  const perFile = new Map<string, Found>();
  const foundIn = (path: string) => perFile.get(path) ?? perFile.set(path, newFound()).get(path)!;
  const variables: { path: string; name: string }[] = [];
  for (const path of scripts) {
    const text = files.get(path)!;
    if (path.endsWith('.toml')) {
      perFile.set(path, editCatalog(path, text, target, options.version, ctx));
    } else {
      const found = editBuildScript(text, target, options.version);
      perFile.set(path, found);
      for (const name of found.variables) variables.push({ path, name });
    }
  }
  // A variable is looked up in the script that uses it, then the other scripts, then gradle.properties (the nearest first).
  const properties = [...files.keys()].filter((p) => baseName(p) === 'gradle.properties').sort((a, b) => b.length - a.length);
  const resolved = new Set<string>();
  for (const { path, name } of variables) {
    // $version is the project's own version, not the library's.
    if (name === 'version') continue;
    for (const candidate of [path, ...scripts.filter((p) => p !== path && !p.endsWith('.toml')), ...properties]) {
      const at = findVariable(candidate, files.get(candidate)!, name);
      if (!at) continue;
      const key = `${candidate}\0${at.start}`;
      if (!resolved.has(key)) offer(foundIn(candidate), at.start, at.old, options.version, name);
      resolved.add(key);
      break;
    }
  }
  const edits: FileEdit[] = [];
  const changed: string[] = [];
  const already: string[] = [];
  let declarations = 0;
  for (const [path, found] of [...perFile].sort(([a], [b]) => a.localeCompare(b))) {
    declarations += found.declarations;
    if (found.declarations > 0 && /["'$\s\\]/.test(options.version)) {
      throw new FleetError('change_invalid', `"${options.version}" cannot be written as a Gradle version (${options.package} is declared in ${path} of ${ctx.repo}).`, { repo: ctx.repo, version: options.version });
    }
    if (found.splices.length === 0) {
      if (found.already > 0) already.push(path);
      continue;
    }
    edits.push({ path, content: applySplices(files.get(path)!, found.splices) });
    changed.push(`${path} (${[...found.where].join(', ')}; was ${[...found.froms].join(', ')})`);
  }

  const listed = target.module ? `${target.module[0]}:${target.module[1]}:` : `${target.plugin ?? '\0'}:${target.plugin ?? ''}.gradle.plugin:`;
  const locks = [...files.keys()].filter((path) => isGradleLockfile(path) && files.get(path)!.split('\n').some((line) => line.startsWith(listed))).sort();
  const wrappers = [...files.keys()].filter((path) => baseName(path) === 'gradlew');
  // The wrapper of a lockfile is the one in its folder or the nearest folder above.
  const wrapperOf = (lockfile: string) => wrappers.filter((w) => lockfile.startsWith(folderOf(w))).sort((a, b) => b.length - a.length)[0];
  let needsPerson: string | undefined;
  if (edits.length > 0 && locks.length > 0 && locks.some((lock) => !wrapperOf(lock))) {
    needsPerson = `${ctx.repo} uses Gradle dependency locking (${locks.join(', ')} lists ${options.package}); its lockfile can only be regenerated by running the build (./gradlew dependencies --write-locks), which Fleet does not run, and the repository has no gradlew wrapper. Update the lockfile with the build, or leave the repository out of the campaign.`;
  }
  const byRoot = new Map<string, string[]>();
  for (const lock of locks) {
    const wrapper = wrapperOf(lock);
    if (!wrapper) continue;
    byRoot.set(folderOf(wrapper), [...(byRoot.get(folderOf(wrapper)) ?? []), lock]);
  }
  const projectOf = (manifest: string) => {
    const roots = [...byRoot.keys()].filter((root) => manifest.startsWith(root)).sort((a, b) => b.length - a.length);
    const root = roots[0];
    return root === undefined ? undefined : { root: rootOf(root), manager: 'gradle' as const, lockfiles: byRoot.get(root)! };
  };
  return Promise.resolve(withProjects('gradle', { edits, changed, already, declarations, ...(needsPerson ? { needsPerson } : {}) }, projectOf));
}
