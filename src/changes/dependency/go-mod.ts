import { FleetError } from '../../errors.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { applySplices, baseName, chooseManifests, folderOf, rootOf, unreadable, withProjects, type Splice } from './select.js';
import type { ManifestOutcome } from './types.js';

/**
 * go.mod: the module's `require` lines (single and in blocks, `// indirect` kept) and the
 * `replace` lines whose replacement is the module at a version. go.sum beside each edited go.mod
 * is the lockfile `go` rewrites (written even where it is missing).
 */

const GO_SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/**
 * The version as go.mod writes it: 'v1.9.3' (a missing leading v added); undefined when it is not Go's semver.
 *
 * @example
 * goVersion('1.9.3') // 'v1.9.3'
 * goVersion('latest') // undefined
 */
export function goVersion(spec: string): string | undefined {
  const version = spec.startsWith('v') ? spec : `v${spec}`;
  return GO_SEMVER.test(version) ? version : undefined;
}

/** Why a version cannot go with a module path (Go's major version suffix rule), or undefined. */
function majorMismatch(module: string, version: string): string | undefined {
  const major = Number(/^v(\d+)/.exec(version)?.[1]);
  const suffix = /\/v(\d+)$/.exec(module)?.[1] ?? (/^gopkg\.in\/.+\.v(\d+)$/.exec(module)?.[1]);
  if (suffix !== undefined) return Number(suffix) === major || (Number(suffix) === 1 && major === 0) ? undefined : `${module} is major version ${suffix}, so its versions are v${suffix}.x.y`;
  if (major >= 2 && !version.includes('+incompatible')) return `a v${major} version of ${module} lives at the module path ${module}/v${major} (or is written ${version}+incompatible)`;
  return undefined;
}

function unquote(token: string): string {
  return token.startsWith('"') && token.endsWith('"') ? token.slice(1, -1) : token;
}

interface GoLine {
  /** 'require', 'replace', 'go', ... */
  directive: string;
  /** The line's text without its comment, and where it starts in the file. */
  body: string;
  start: number;
}

/** The directive lines of a go.mod (blocks opened with "(" expanded), comments stripped. */
function goModLines(path: string, text: string, ctx: ChangeContext): GoLine[] {
  const lines: GoLine[] = [];
  let block: string | undefined;
  let offset = 0;
  let blockLine = 0;
  let number = 0;
  for (const raw of text.split('\n')) {
    number += 1;
    const start = offset;
    offset += raw.length + 1;
    const comment = raw.indexOf('//');
    const body = (comment >= 0 ? raw.slice(0, comment) : raw).replace(/\r$/, '');
    const trimmed = body.trim();
    if (trimmed === '') continue;
    if (block !== undefined) {
      if (trimmed === ')') block = undefined;
      else lines.push({ directive: block, body, start });
      continue;
    }
    const open = /^(\w+)\s*\($/.exec(trimmed);
    if (open) {
      block = open[1]!;
      blockLine = number;
      continue;
    }
    const directive = /^(\w+)\s/.exec(trimmed)?.[1];
    if (!directive) throw unreadable(path, ctx, `has a line go cannot read (line ${number}: "${trimmed}")`);
    lines.push({ directive, body, start });
  }
  if (block !== undefined) throw unreadable(path, ctx, `is not a go.mod go can read: the "${block} (" block on line ${blockLine} is never closed`);
  return lines;
}

/** Where a version token of a line is: its offset in the file and text. */
function tokenAt(line: GoLine, index: number): { start: number; text: string } | undefined {
  const re = /"[^"]*"|[^\s"]+/g;
  let match: RegExpExecArray | null;
  let i = 0;
  while ((match = re.exec(line.body))) {
    if (i === index) return { start: line.start + match.index, text: match[0] };
    i += 1;
  }
  return undefined;
}

function tokens(line: GoLine): string[] {
  return line.body.match(/"[^"]*"|[^\s"]+/g) ?? [];
}

function editGoMod(path: string, text: string, module: string, version: string, ctx: ChangeContext) {
  const splices: Splice[] = [];
  const kinds = new Set<string>();
  const froms = new Set<string>();
  let declarations = 0;
  let already = 0;
  for (const line of goModLines(path, text, ctx)) {
    const words = tokens(line);
    const head = line.directive === words[0] ? 1 : 0;
    let at: number | undefined;
    if (line.directive === 'require' && unquote(words[head] ?? '') === module) at = head + 1;
    if (line.directive === 'replace') {
      const arrow = words.indexOf('=>');
      if (arrow >= 0 && unquote(words[arrow + 1] ?? '') === module && words[arrow + 2] !== undefined) at = arrow + 2;
    }
    if (at === undefined) continue;
    const token = tokenAt(line, at);
    if (!token) throw unreadable(path, ctx, `has a ${line.directive} of ${module} without a version`);
    declarations += 1;
    if (token.text === version) {
      already += 1;
      continue;
    }
    splices.push({ start: token.start, end: token.start + token.text.length, text: version });
    kinds.add(line.directive);
    froms.add(token.text);
  }
  return { splices, kinds: [...kinds], froms: [...froms], declarations, already };
}

function isGoMod(path: string): boolean {
  return baseName(path) === 'go.mod';
}

export const goModTransform: ManifestTransform = {
  select(treePaths, options) {
    const tree = new Set(treePaths);
    const manifests = chooseManifests(treePaths, options, isGoMod);
    const sums = manifests.map((path) => `${folderOf(path)}go.sum`).filter((path) => tree.has(path));
    return [...manifests, ...sums].sort();
  },
  apply: goModOutcome,
};

export function goModOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const module = options.package;
  const edits: FileEdit[] = [];
  const changed: string[] = [];
  const already: string[] = [];
  let declarations = 0;
  const version = goVersion(options.version);
  const mismatch = version === undefined ? undefined : majorMismatch(module, version);
  for (const path of chooseManifests([...files.keys()], options, isGoMod)) {
    const text = files.get(path)!;
    const found = editGoMod(path, text, module, version ?? options.version, ctx);
    declarations += found.declarations;
    if (found.declarations > 0 && version === undefined) {
      throw new FleetError('change_invalid', `"${options.version}" is not a Go module version (${module} is required in ${path} of ${ctx.repo}): use a semantic version such as v1.9.3.`, { repo: ctx.repo, version: options.version });
    }
    if (found.declarations > 0 && mismatch) throw new FleetError('change_invalid', `${version} cannot be required as ${module} (${path} of ${ctx.repo}): ${mismatch}.`, { repo: ctx.repo, version });
    if (found.splices.length === 0) {
      if (found.already > 0) already.push(path);
      continue;
    }
    edits.push({ path, content: applySplices(text, found.splices) });
    changed.push(`${path} (${found.kinds.join(', ')}; was ${found.froms.join(', ')})`);
  }
  return Promise.resolve(
    withProjects('go', { edits, changed, already, declarations }, (manifest) => ({ root: rootOf(folderOf(manifest)), manager: 'go', lockfiles: [`${folderOf(manifest)}go.sum`] })),
  );
}
