import { FleetError } from '../../errors.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { applySplices, baseName, chooseManifests, folderOf, isVendored, unreadable, type Splice } from './select.js';
import type { ManifestOutcome } from './types.js';

/**
 * Maven: every pom.xml of a (multi-module) build. A `<dependency>` (in `<dependencies>` or
 * `<dependencyManagement>`), `<plugin>` (in `<plugins>` or `<pluginManagement>`),
 * `<extension>` or `<parent>` whose groupId and artifactId are the package's gets the version: a literal
 * `<version>` is rewritten; a `${property}` version is set where the property is defined, in the
 * same pom or a parent pom of the repository. Without `<version>` the version is managed elsewhere
 * and there is nothing to edit. Comments and CDATA are left alone. Maven has no lockfile.
 */

interface XmlElement {
  name: string;
  children: XmlElement[];
  parent?: XmlElement;
  /** The element's content: from after its start tag to before its end tag. */
  contentStart: number;
  contentEnd: number;
  /** Content holds a comment or CDATA, so its text is not one plain value. */
  markup: boolean;
}

/** A small XML reader that keeps offsets: elements, their nesting and content ranges. */
function parseXml(path: string, text: string, ctx: ChangeContext): XmlElement {
  const document: XmlElement = { name: '#document', children: [], contentStart: 0, contentEnd: text.length, markup: false };
  const stack: XmlElement[] = [document];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  const skipTo = (from: number, end: string, what: string) => {
    const at = text.indexOf(end, from);
    if (at < 0) throw unreadable(path, ctx, `is not XML Maven can read: the ${what} on line ${lineOf(from)} is never closed`);
    return at + end.length;
  };
  let i = 0;
  while ((i = text.indexOf('<', i)) >= 0) {
    const top = stack[stack.length - 1];
    if (text.startsWith('<!--', i)) {
      top.markup = true;
      i = skipTo(i + 4, '-->', 'comment');
    } else if (text.startsWith('<![CDATA[', i)) {
      top.markup = true;
      i = skipTo(i + 9, ']]>', 'CDATA section');
    } else if (text.startsWith('<?', i)) {
      i = skipTo(i + 2, '?>', 'processing instruction');
    } else if (text.startsWith('<!', i)) {
      i = skipTo(i + 2, '>', 'declaration');
    } else if (text.startsWith('</', i)) {
      const close = /^<\/([\w.:-]+)\s*>/.exec(text.slice(i, i + 300));
      if (!close || close[1] !== top.name) {
        throw unreadable(path, ctx, `is not XML Maven can read: line ${lineOf(i)} closes ${close ? `<${close[1]}>` : 'a tag'} where <${top.name}> is open`);
      }
      top.contentEnd = i;
      stack.pop();
      i += close[0].length;
    } else {
      const open = /^<([\w.:-]+)(?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/.exec(text.slice(i, i + 2000));
      if (!open) throw unreadable(path, ctx, `is not XML Maven can read: line ${lineOf(i)} has a tag that is not well formed`);
      const element: XmlElement = { name: open[1], children: [], parent: top, contentStart: i + open[0].length, contentEnd: i + open[0].length, markup: false };
      top.children.push(element);
      if (open[2] !== '/') stack.push(element);
      i += open[0].length;
    }
  }
  if (stack.length > 1) throw unreadable(path, ctx, `is not XML Maven can read: <${stack[stack.length - 1].name}> is never closed`);
  return document;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** A leaf element's text, trimmed, with where it is; undefined for elements with children or markup. */
function valueOf(text: string, element: XmlElement | undefined): { value: string; start: number; end: number } | undefined {
  if (!element || element.children.length > 0 || element.markup) return undefined;
  const raw = text.slice(element.contentStart, element.contentEnd);
  const lead = raw.length - raw.trimStart().length;
  const value = raw.trim();
  return { value, start: element.contentStart + lead, end: element.contentStart + lead + value.length };
}

function walk(element: XmlElement, visit: (e: XmlElement) => void): void {
  visit(element);
  for (const c of element.children) walk(c, visit);
}

/** Each declaring element and the element it must sit in (`<parent>` is the project's parent pom, e.g. spring-boot-starter-parent). */
const DECLARATIONS: Record<string, string> = { dependency: 'dependencies', plugin: 'plugins', extension: 'extensions', parent: 'project' };

/** Where a declaration sits, for the summary: 'dependencies', 'dependencyManagement', 'plugins', 'pluginManagement', 'extensions'. */
function sectionOf(element: XmlElement): string {
  const names: string[] = [];
  for (let e = element.parent; e; e = e.parent) names.push(e.name);
  const profile = names.includes('profile') ? 'profile ' : '';
  if (names.includes('dependencyManagement')) return `${profile}dependencyManagement`;
  if (names.includes('pluginManagement')) return `${profile}pluginManagement`;
  if (element.name === 'dependency' && names.includes('plugin')) return `${profile}plugin dependencies`;
  if (element.name === 'parent') return 'parent';
  return `${profile}${DECLARATIONS[element.name]}`;
}

/** Resolves "a/b/../c" against a folder, undefined when it climbs out of the repository. */
function joinPath(folder: string, relative: string): string | undefined {
  const parts = folder.split('/').filter(Boolean);
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

interface Pom {
  path: string;
  text: string;
  project: XmlElement | undefined;
}

export const mavenTransform: ManifestTransform = {
  select(treePaths, options) {
    // Parent poms hold the properties a module's versions refer to, so every pom of the tree is read.
    const all = treePaths.filter((path) => baseName(path) === 'pom.xml' && !isVendored(path));
    return [...new Set([...chooseManifests(treePaths, options, (path) => baseName(path) === 'pom.xml'), ...all])].sort();
  },
  apply: mavenOutcome,
};

export function mavenOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const [groupId, artifactId, extra] = options.package.split(':');
  const empty: ManifestOutcome = { ecosystem: 'maven', edits: [], changed: [], already: [], declarations: 0, lockfiles: [] };
  if (!groupId || !artifactId || extra !== undefined) return Promise.resolve(empty);
  const poms = new Map<string, Pom>();
  const pomAt = (path: string): Pom | undefined => {
    const cached = poms.get(path);
    if (cached) return cached;
    const text = files.get(path);
    if (text === undefined) return undefined;
    const project = child(parseXml(path, text, ctx), 'project');
    const pom = { path, text, project };
    poms.set(path, pom);
    return pom;
  };
  const parentOf = (pom: Pom): Pom | undefined => {
    const parent = child(pom.project, 'parent');
    if (!parent) return undefined;
    const relative = child(parent, 'relativePath');
    const given = relative ? (valueOf(pom.text, relative)?.value ?? '') : '../pom.xml';
    if (given === '') return undefined;
    const joined = joinPath(folderOf(pom.path), given.endsWith('.xml') ? given : `${given}/pom.xml`);
    return joined === undefined || joined === pom.path ? undefined : pomAt(joined);
  };
  const property = (pom: Pom, name: string) => {
    const seen = new Set<string>();
    for (let at: Pom | undefined = pom; at && !seen.has(at.path); at = parentOf(at)) {
      seen.add(at.path);
      const found = valueOf(at.text, child(child(at.project, 'properties'), name));
      if (found) return { pom: at, ...found };
    }
    return undefined;
  };

  const perFile = new Map<string, { splices: Map<number, Splice>; where: Set<string>; froms: Set<string> }>();
  const already = new Set<string>();
  let declarations = 0;
  const offer = (path: string, at: { value: string; start: number; end: number }, where: string) => {
    declarations += 1;
    if (at.value === options.version) {
      already.add(path);
      return;
    }
    if (/[<>&\s]/.test(options.version)) throw new FleetError('change_invalid', `"${options.version}" cannot be written as a Maven version (${options.package} is declared in ${path} of ${ctx.repo}).`, { repo: ctx.repo, version: options.version });
    const file = perFile.get(path) ?? { splices: new Map(), where: new Set(), froms: new Set() };
    file.splices.set(at.start, { start: at.start, end: at.end, text: options.version });
    file.where.add(where);
    file.froms.add(at.value);
    perFile.set(path, file);
  };

  for (const path of chooseManifests([...files.keys()], options, (p) => baseName(p) === 'pom.xml')) {
    const pom = pomAt(path)!;
    if (!pom.project) throw unreadable(path, ctx, 'has no <project> element, so it is not a pom Maven can read');
    walk(pom.project, (element) => {
      const container = DECLARATIONS[element.name];
      if (!container || element.parent?.name !== container) return;
      const group = valueOf(pom.text, child(element, 'groupId'))?.value ?? (element.name === 'plugin' ? 'org.apache.maven.plugins' : undefined);
      if (group !== groupId || valueOf(pom.text, child(element, 'artifactId'))?.value !== artifactId) return;
      const version = valueOf(pom.text, child(element, 'version'));
      if (!version) return;
      const reference = /^\$\{([^}]+)\}$/.exec(version.value)?.[1];
      if (reference === undefined) {
        if (!version.value.includes('${')) offer(path, version, sectionOf(element));
        return;
      }
      if (reference.startsWith('project.') || reference.startsWith('pom.')) return;
      const defined = property(pom, reference);
      if (defined) offer(defined.pom.path, defined, `properties ${reference}`);
    });
  }

  const edits: FileEdit[] = [];
  const changed: string[] = [];
  for (const [path, file] of [...perFile].sort(([a], [b]) => a.localeCompare(b))) {
    edits.push({ path, content: applySplices(files.get(path)!, [...file.splices.values()]) });
    changed.push(`${path} (${[...file.where].join(', ')}; was ${[...file.froms].join(', ')})`);
  }
  return Promise.resolve({ ...empty, edits, changed, already: [...already].filter((p) => !perFile.has(p)).sort(), declarations });
}
