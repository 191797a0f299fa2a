import { FleetError } from '../../errors.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { applySplices, baseName, chooseManifests, folderOf, rootOf, unreadable, withProjects, type Project, type Splice } from './select.js';
import type { ManifestOutcome } from './types.js';

/**
 * Python: requirements files (requirements*.txt, constraints*.txt, requirements/*.txt, and the
 * pip-compile inputs requirements*.in), PEP 621
 * pyproject.toml (`[project] dependencies`, `[project.optional-dependencies]`, PEP 735
 * `[dependency-groups]`), Poetry's `[tool.poetry.*dependencies]` and Pipfile. Names compare as
 * PEP 503 normalises them. Edits are made in the text, line by line: only the version specifier
 * of a requirement is rewritten. poetry.lock, uv.lock and Pipfile.lock beside the manifest are the
 * lockfiles their tools regenerate; a requirements file pinned with --hash needs pip-compile.
 */

export function isPythonManifest(path: string): boolean {
  const name = baseName(path);
  return /^(requirements.*|constraints.*)\.(txt|in)$/.test(name) || /(^|\/)requirements\/[^/]+\.(txt|in)$/.test(path) || name === 'pyproject.toml' || name === 'Pipfile';
}

/**
 * PEP 503: case, and runs of "-", "_" and "." are all the same name.
 *
 * @example
 * normalizePythonName('Zope_Interface') // 'zope-interface'
 */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const CLAUSE = /^\s*(===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*$/;
const PLAIN = /^[vV]?\d[0-9A-Za-z.!+_-]*$/;

/**
 * The specifier requirements files and PEP 621 take: "==2.31.0" for an exact version, the spec itself when it starts with an operator.
 *
 * @example
 * pep440Specifier('2.31.0') // '==2.31.0'
 * pep440Specifier('>=2.31,<3') // '>=2.31,<3'
 */
export function pep440Specifier(version: string): string | undefined {
  if (PLAIN.test(version)) return `==${version}`;
  return version.split(',').every((clause) => CLAUSE.test(clause)) ? version : undefined;
}

/** Poetry's constraint: a bare version is exact in Poetry, and its own operators (^, ~) are kept. */
function poetryConstraint(version: string): string | undefined {
  if (PLAIN.test(version) || /^[\^~]\s*\d[0-9A-Za-z.!+_-]*$/.test(version)) return version;
  return pep440Specifier(version);
}

/** A PEP 508 requirement in a piece of text: its normalised name and where its version specifier is. */
function parseRequirement(text: string): { name: string; specStart: number; specEnd: number } | undefined {
  const head = /^(\s*)([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\s*\[[^\]]*\])?\s*/.exec(text);
  if (!head) return undefined;
  const rest = text.slice(head[0].length);
  if (rest.startsWith('@')) return undefined;
  const spec = /^\(?([^;#\\]*?)\)?\s*(?:$|[;#\\]|\s--)/.exec(rest);
  if (!spec || spec[1].trim() === '') return undefined;
  const specStart = head[0].length + (rest.startsWith('(') ? 1 : 0);
  return { name: normalizePythonName(head[2]), specStart, specEnd: specStart + spec[1].trimEnd().length };
}

function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

interface FileEdits {
  splices: Splice[];
  where: Set<string>;
  froms: Set<string>;
  declarations: number;
  already: number;
  hashed: boolean;
}

function newEdits(): FileEdits {
  return { splices: [], where: new Set(), froms: new Set(), declarations: 0, already: 0, hashed: false };
}

/** One version text found at [start, end): counted, and replaced unless it is the version already. */
function offer(found: FileEdits, where: string, start: number, end: number, old: string, next: string): void {
  found.declarations += 1;
  if (squash(old) === squash(next)) {
    found.already += 1;
    return;
  }
  found.splices.push({ start, end, text: next });
  found.where.add(where);
  found.froms.add(old);
}

function editRequirements(text: string, wanted: string, specifier: () => string): FileEdits {
  const found = newEdits();
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const start = offset;
    let logical = lines[i];
    offset += lines[i].length + 1;
    while (/\\\r?$/.test(lines[i]) && i + 1 < lines.length) {
      i += 1;
      logical += `\n${lines[i]}`;
      offset += lines[i].length + 1;
    }
    const first = logical.split('\n')[0];
    if (/^\s*(#|-|$)/.test(first)) continue;
    const requirement = parseRequirement(first.replace(/\s#.*$/, ''));
    if (!requirement || requirement.name !== wanted) continue;
    if (/(^|\s)--hash[=\s]/.test(logical)) found.hashed = true;
    const old = first.slice(requirement.specStart, requirement.specEnd);
    offer(found, 'pin', start + requirement.specStart, start + requirement.specEnd, old, specifier());
  }
  return found;
}

/** The strings of a TOML array starting at `open` (the "["), with their content's offsets. */
function arrayStrings(text: string, open: number, path: string, ctx: ChangeContext): { value: string; start: number; end: number }[] {
  const strings: { value: string; start: number; end: number }[] = [];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += c === '"' && text[j] === '\\' ? 2 : 1;
      if (text[j] !== c) break;
      strings.push({ value: text.slice(i + 1, j), start: i + 1, end: j });
      i = j;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return strings;
    }
  }
  throw unreadable(path, ctx, 'is not TOML Python tools can read: an array is never closed');
}

/** A TOML table header's key, quotes and spaces dropped: '[tool.poetry.group."dev".dependencies]' → 'tool.poetry.group.dev.dependencies'. */
function headerKey(header: string): string {
  return header
    .split('.')
    .map((part) => part.trim().replace(/^["']|["']$/g, ''))
    .join('.');
}

const POETRY_TABLE = /^tool\.poetry\.(dependencies|dev-dependencies|group\.[^.]+\.dependencies)$/;

/** pyproject.toml and Pipfile, line by line: the tables that hold requirements and the requirement strings in them. */
function editToml(path: string, text: string, wanted: string, spec: { pep440: () => string; poetry: () => string }, ctx: ChangeContext): FileEdits {
  const found = newEdits();
  const pipfile = baseName(path) === 'Pipfile';
  let table = '';
  let offset = 0;
  for (const raw of text.split('\n')) {
    const start = offset;
    offset += raw.length + 1;
    const line = raw.replace(/\r$/, '');
    const header = /^\s*\[\s*([^[\]]+?)\s*\](?!\])\s*(#.*)?\r?$/.exec(line);
    if (header) {
      table = headerKey(header[1]);
      continue;
    }
    if (/^\s*\[\[/.test(line)) {
      table = '[[array]]';
      continue;
    }
    const entry = /^(\s*)("[^"]+"|'[^']+'|[A-Za-z0-9_-]+)(\s*=\s*)(.*)$/.exec(line);
    if (!entry) continue;
    const key = entry[2].replace(/^["']|["']$/g, '');
    const valueStart = start + entry[1].length + entry[2].length + entry[3].length;
    const value = entry[4];
    const pep621Array =
      (table === 'project' && key === 'dependencies') ||
      table === 'project.optional-dependencies' ||
      table === 'dependency-groups' ||
      (table === 'build-system' && key === 'requires') ||
      (table === 'tool.uv' && ['dev-dependencies', 'constraint-dependencies', 'override-dependencies'].includes(key));
    if (!pipfile && pep621Array && value.startsWith('[')) {
      for (const item of arrayStrings(text, valueStart, path, ctx)) {
        const requirement = parseRequirement(item.value);
        if (!requirement || requirement.name !== wanted) continue;
        const old = item.value.slice(requirement.specStart, requirement.specEnd);
        offer(found, table === 'project' ? 'project.dependencies' : `${table}.${key}`, item.start + requirement.specStart, item.start + requirement.specEnd, old, spec.pep440());
      }
      continue;
    }
    const poetryTable = !pipfile && POETRY_TABLE.test(table);
    const pipfileTable = pipfile && (table === 'packages' || table === 'dev-packages');
    const subtable = !pipfile && /^tool\.poetry\.(dependencies|dev-dependencies|group\.[^.]+\.dependencies)\.(.+)$/.exec(table);
    let versionAt: { start: number; old: string } | undefined;
    if ((poetryTable || pipfileTable) && normalizePythonName(key) === wanted) {
      const plain = /^(["'])([^"']*)\1/.exec(value);
      const inline = /^\{.*?\bversion\s*=\s*(["'])([^"']*)\1/.exec(value);
      if (plain) versionAt = { start: valueStart + 1, old: plain[2] };
      else if (inline) versionAt = { start: valueStart + inline[0].length - 1 - inline[2].length, old: inline[2] };
    } else if (subtable && normalizePythonName(subtable[2].replace(/^["']|["']$/g, '')) === wanted && key === 'version') {
      const plain = /^(["'])([^"']*)\1/.exec(value);
      if (plain) versionAt = { start: valueStart + 1, old: plain[2] };
    }
    if (!versionAt || versionAt.old.trim() === '*' || versionAt.old.trim() === '') continue;
    const where = pipfile ? table : (subtable ? subtable[0].split('.').slice(0, -1).join('.') : table);
    offer(found, where, versionAt.start, versionAt.start + versionAt.old.length, versionAt.old, pipfile ? spec.pep440() : spec.poetry());
  }
  return found;
}

/** The lockfile beside a pyproject.toml or Pipfile, with its tool. */
function pythonProjectOf(manifest: string, tree: ReadonlySet<string>): Project | undefined {
  const folder = folderOf(manifest);
  const lock = (name: string) => (tree.has(`${folder}${name}`) ? [`${folder}${name}`] : undefined);
  if (baseName(manifest) === 'Pipfile') {
    const lockfiles = lock('Pipfile.lock');
    return lockfiles ? { root: rootOf(folder), manager: 'pipenv', lockfiles } : undefined;
  }
  if (baseName(manifest) !== 'pyproject.toml') return undefined;
  const poetry = lock('poetry.lock');
  if (poetry) return { root: rootOf(folder), manager: 'poetry', lockfiles: poetry };
  const uv = lock('uv.lock');
  return uv ? { root: rootOf(folder), manager: 'uv', lockfiles: uv } : undefined;
}

const PYTHON_LOCKFILES = ['poetry.lock', 'uv.lock', 'Pipfile.lock'];

export const pythonTransform: ManifestTransform = {
  select(treePaths, options) {
    const tree = new Set(treePaths);
    const manifests = chooseManifests(treePaths, options, isPythonManifest);
    const locks = manifests.flatMap((path) => PYTHON_LOCKFILES.map((name) => `${folderOf(path)}${name}`)).filter((path) => tree.has(path));
    return [...new Set([...manifests, ...locks])].sort();
  },
  apply: pythonOutcome,
};

export function pythonOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const wanted = normalizePythonName(options.package);
  const invalid = () =>
    new FleetError('change_invalid', `"${options.version}" is not a Python version or specifier (${options.package} is a requirement in ${ctx.repo}): use a version such as 2.31.0 or a specifier such as ">=2.31,<3".`, { repo: ctx.repo, version: options.version });
  const spec = {
    pep440: () => {
      const specifier = pep440Specifier(options.version);
      if (specifier === undefined) throw invalid();
      return specifier;
    },
    poetry: () => {
      const constraint = poetryConstraint(options.version);
      if (constraint === undefined) throw invalid();
      return constraint;
    },
  };
  const edits: FileEdit[] = [];
  const changed: string[] = [];
  const already: string[] = [];
  const hashed: string[] = [];
  let declarations = 0;
  for (const path of chooseManifests([...files.keys()], options, isPythonManifest)) {
    const text = files.get(path)!;
    const found = /\.(txt|in)$/.test(path) ? editRequirements(text, wanted, spec.pep440) : editToml(path, text, wanted, spec, ctx);
    declarations += found.declarations;
    if (found.splices.length === 0) {
      if (found.already > 0) already.push(path);
      continue;
    }
    if (found.hashed) hashed.push(path);
    edits.push({ path, content: applySplices(text, found.splices) });
    changed.push(`${path} (${[...found.where].join(', ')}; was ${[...found.froms].join(', ')})`);
  }
  const tree = new Set(files.keys());
  const needsPerson =
    hashed.length > 0
      ? `${hashed.join(', ')} in ${ctx.repo} pins ${options.package} with --hash, and the hashes of the new version can only be written by the tool that generated the file (pip-compile --generate-hashes), which Fleet does not run. Regenerate the file with the new version, or leave the repository out of the campaign.`
      : undefined;
  return Promise.resolve(withProjects('python', { edits, changed, already, declarations, ...(needsPerson ? { needsPerson } : {}) }, (manifest) => pythonProjectOf(manifest, tree)));
}
