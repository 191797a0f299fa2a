import { createHash } from 'node:crypto';
import { isRange, satisfies } from '../registries/semver-range.js';
import { pythonJsonDumps, readToml, type TomlValue } from './toml-values.js';

/**
 * The install step a CI runs before it builds, judged from the files alone: `npm ci`,
 * `yarn install --frozen-lockfile` (and yarn berry's `--immutable`), `pnpm install
 * --frozen-lockfile`, Go's go.sum check and `poetry install` each refuse a lockfile that
 * disagrees with its manifest, with their own words. A repository without a lockfile is not
 * judged here (its CI would install from the manifest). Pure: paths and bytes in, a refusal or
 * nothing out.
 */

export interface LockfileMismatch {
  /** The lockfile (or go.mod, for a go.sum it lacks) the tool refused. */
  path: string;
  /** What the tool says, e.g. npm ci's "`npm ci` can only install packages when …". */
  message: string;
}

type Read = (path: string) => Uint8Array;
type Manifest = Record<string, unknown>;

const SKIPPED_DIRS = new Set(['node_modules', 'vendor', 'testdata', '.git']);
const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

const NPM_CI = '`npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.';
const YARN_FROZEN = 'Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.';
const YARN_IMMUTABLE = 'YN0028: The lockfile would have been modified by this install, which is explicitly forbidden.';
const POETRY_STALE = 'pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock [--no-update]` to fix the lock file.';

const dirOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
const text = (read: Read, path: string): string => new TextDecoder().decode(read(path)).replace(/^\uFEFF/, '');

/**
 * The first lockfile (in path order) its tool would refuse, or undefined when each agrees with
 * its manifests (or the repository has none).
 *
 * @example
 * findLockfileMismatch(['package.json', 'package-lock.json'], read)
 * // { path: 'package-lock.json', message: "`npm ci` can only install packages when … Invalid: lock file's lodash@4.17.20 does not satisfy lodash@4.17.21" }
 */
export function findLockfileMismatch(paths: readonly string[], read: Read): LockfileMismatch | undefined {
  const present = new Set(paths);
  for (const path of [...paths].sort()) {
    const parts = path.split('/');
    if (parts.slice(0, -1).some((dir) => SKIPPED_DIRS.has(dir))) continue;
    const base = parts.at(-1) ?? '';
    const dir = dirOf(path);
    let message: string | undefined;
    try {
      if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') {
        // npm reads npm-shrinkwrap.json instead when both are there.
        if (base === 'package-lock.json' && present.has(join(dir, 'npm-shrinkwrap.json'))) continue;
        if (present.has(join(dir, 'package.json'))) message = npmMismatch(dir, path, present, read);
      } else if (base === 'yarn.lock') {
        if (present.has(join(dir, 'package.json'))) message = yarnMismatch(dir, path, present, read);
      } else if (base === 'pnpm-lock.yaml') {
        if (present.has(join(dir, 'package.json'))) message = pnpmMismatch(dir, path, present, read);
      } else if (base === 'go.mod') {
        message = goSumMismatch(dir, path, present, read);
      } else if (base === 'gradle.lockfile') {
        message = gradleLockMismatch(dir, path, present, read);
      } else if (base === 'poetry.lock') {
        if (present.has(join(dir, 'pyproject.toml'))) message = poetryMismatch(join(dir, 'pyproject.toml'), path, read);
      }
    } catch (error) {
      // A lockfile or manifest of an unexpected shape stops the tool too; the build says so rather than the fake failing.
      message = `${base} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (message !== undefined) return { path, message };
  }
  return undefined;
}

function parseJson(read: Read, path: string): Manifest {
  const value: unknown = JSON.parse(text(read, path));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError(`${path} does not hold a JSON object`);
  return value as Manifest;
}

function ranges(manifest: Manifest, section: string): Record<string, string> {
  const block = manifest[section];
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return {};
  return Object.fromEntries(Object.entries(block as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** A workspace glob (`packages/*`, `apps/**`, `tools/cli`) as a regular expression over folders. */
function globPattern(glob: string): RegExp {
  const clean = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  const source = clean
    .split('/')
    .map((part) => (part === '**' ? '.*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The folders (relative to `root`) holding a package.json that the workspace globs name. */
function workspaceFolders(root: string, globs: readonly string[], present: ReadonlySet<string>): string[] {
  const include = globs.filter((glob) => !glob.startsWith('!')).map(globPattern);
  const exclude = globs.filter((glob) => glob.startsWith('!')).map((glob) => globPattern(glob.slice(1)));
  const prefix = root === '' ? '' : `${root}/`;
  const out: string[] = [];
  for (const path of present) {
    if (!path.startsWith(prefix) || !path.endsWith('/package.json')) continue;
    const folder = path.slice(prefix.length, -'/package.json'.length);
    if (folder.split('/').includes('node_modules')) continue;
    if (include.some((pattern) => pattern.test(folder)) && !exclude.some((pattern) => pattern.test(folder))) out.push(folder);
  }
  return out.sort();
}

function npmWorkspaceGlobs(manifest: Manifest): string[] {
  const workspaces = manifest.workspaces;
  const list = Array.isArray(workspaces) ? workspaces : workspaces !== null && typeof workspaces === 'object' ? (workspaces as { packages?: unknown }).packages : undefined;
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/** An `npm:` alias names another package; the range to check is the alias's. */
function unalias(range: string): string {
  const alias = /^npm:(?:@[^/@]+\/)?[^@]+@(.*)$/.exec(range);
  return alias ? (alias[1] ?? '') : range;
}

// npm ---------------------------------------------------------------------------------------------

interface LockNode {
  version?: string;
  link?: boolean;
  resolved?: string;
}

/**
 * As `npm ci` validates: each dependency of the root and of each workspace must resolve, by Node's
 * lookup from its folder, to a lock entry whose version satisfies the range (a range that changed
 * but is still satisfied passes, as it does for npm). npm lists every problem.
 */
function npmMismatch(dir: string, lockPath: string, present: ReadonlySet<string>, read: Read): string | undefined {
  const lock = parseJson(read, lockPath);
  const root = parseJson(read, join(dir, 'package.json'));
  const errors: string[] = [];
  const packages = lock.packages as Record<string, LockNode> | undefined;
  const workspaces = workspaceFolders(dir, npmWorkspaceGlobs(root), present).map((folder) => ({ folder, manifest: parseJson(read, join(dir, join(folder, 'package.json'))) }));
  const workspaceNames = new Set(workspaces.map((workspace) => workspace.manifest.name).filter((name): name is string => typeof name === 'string'));
  const find = (folder: string, name: string): LockNode | undefined => {
    // lockfileVersion 1: one flat tree.
    if (!packages) return (lock.dependencies as Record<string, LockNode> | undefined)?.[name];
    for (let at: string | undefined = folder; at !== undefined; at = at === '' ? undefined : dirOf(at)) {
      const node = packages[join(at, `node_modules/${name}`)];
      if (node) return node;
    }
    return undefined;
  };
  for (const { folder, manifest } of [{ folder: '', manifest: root }, ...workspaces]) {
    if (folder !== '') {
      const name = typeof manifest.name === 'string' ? manifest.name : undefined;
      if (name && packages && !packages[`node_modules/${name}`]?.link) errors.push(`Missing: ${name}@${typeof manifest.version === 'string' ? manifest.version : ''} from lock file`);
    }
    for (const section of SECTIONS) {
      for (const [name, range] of Object.entries(ranges(manifest, section))) {
        if (workspaceNames.has(name)) continue;
        const node = find(folder, name);
        if (!node) {
          errors.push(`Missing: ${name}@${range} from lock file`);
          continue;
        }
        if (node.link || node.version === undefined) continue;
        const wanted = unalias(range);
        // A tag, a URL or a path is not a range: npm resolves it, and the lock's entry stands.
        if (isRange(wanted) && !satisfies(node.version, wanted)) errors.push(`Invalid: lock file's ${name}@${node.version} does not satisfy ${name}@${range}`);
      }
    }
  }
  return errors.length > 0 ? `${NPM_CI}\n\n${errors.join('\n')}` : undefined;
}

// yarn --------------------------------------------------------------------------------------------

/** The descriptors a yarn.lock resolves: every `name@range` of its entries' key lines. */
function yarnDescriptors(lockfile: string): { berry: boolean; keys: Set<string> } {
  const keys = new Set<string>();
  let berry = false;
  for (const line of lockfile.split('\n')) {
    if (line === '' || line.startsWith('#') || /^\s/.test(line) || !line.trimEnd().endsWith(':')) continue;
    const head = line.trimEnd().slice(0, -1);
    if (head === '__metadata') berry = true;
    for (const part of head.split(/,\s*/)) keys.add(part.trim().replace(/^"/, '').replace(/"$/, ''));
  }
  return { berry, keys };
}

/** yarn 1's `--frozen-lockfile` and berry's `--immutable`: every manifest descriptor has its entry. */
function yarnMismatch(dir: string, lockPath: string, present: ReadonlySet<string>, read: Read): string | undefined {
  const { berry, keys } = yarnDescriptors(text(read, lockPath));
  const root = parseJson(read, join(dir, 'package.json'));
  const workspaces = workspaceFolders(dir, npmWorkspaceGlobs(root), present).map((folder) => ({ folder, manifest: parseJson(read, join(dir, join(folder, 'package.json'))) }));
  const workspaceNames = new Set(workspaces.map((workspace) => workspace.manifest.name));
  const missing: string[] = [];
  for (const { folder, manifest } of [{ folder: '', manifest: root }, ...workspaces]) {
    for (const section of SECTIONS) {
      for (const [name, range] of Object.entries(ranges(manifest, section))) {
        if (workspaceNames.has(name) || range.startsWith('workspace:') || range.startsWith('link:') || range.startsWith('portal:')) continue;
        const descriptor = berry ? `${name}@${/^[a-z]+:/.test(range) ? range : `npm:${range}`}` : `${name}@${range}`;
        if (!keys.has(descriptor)) missing.push(`${join(folder, 'package.json')}: ${name}@${range}`);
      }
    }
  }
  if (missing.length === 0) return undefined;
  return `${berry ? YARN_IMMUTABLE : YARN_FROZEN}\n\nNot in ${lockPath}: ${missing.join(', ')}`;
}

// pnpm --------------------------------------------------------------------------------------------

type Specifiers = Record<string, Record<string, string>>;

const unquoteYaml = (value: string): string => {
  const trimmed = value.trim();
  if (/^'.*'$/.test(trimmed)) return trimmed.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(trimmed)) return JSON.parse(trimmed) as string;
  return trimmed;
};

/** Each importer's specifiers by section, from a pnpm-lock.yaml (v6 and v9 layouts; a v6 single-project file has them at the top). */
function pnpmImporters(lockfile: string): Map<string, Specifiers> {
  const importers = new Map<string, Specifiers>();
  const lines = lockfile.split('\n').map((line) => line.replace(/\r$/, ''));
  const hasImporters = lines.some((line) => line === 'importers:');
  let inImporters = !hasImporters;
  let importer: Specifiers | undefined = hasImporters ? undefined : {};
  if (!hasImporters && importer) importers.set('.', importer);
  let section: string | undefined;
  let dep: string | undefined;
  // importers: `  .:` / `    dependencies:` / `      lodash:` / `        specifier:`; a v6 single project has no importer level.
  const base = hasImporters ? 2 : -2;
  for (const line of lines) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      dep = undefined;
      if (hasImporters) {
        inImporters = line === 'importers:';
        importer = undefined;
        section = undefined;
      } else {
        const name = line.endsWith(':') ? line.slice(0, -1) : '';
        section = (SECTIONS as readonly string[]).includes(name) ? name : undefined;
        if (section && importer) importer[section] = {};
      }
      continue;
    }
    if (!inImporters) continue;
    const entry = /^\s*((?:'[^']*'|"[^"]*"|[^:'"])+?):(?:\s+(.*))?$/.exec(line);
    if (!entry) continue;
    const key = unquoteYaml(entry[1] ?? '');
    if (hasImporters && indent === base) {
      importer = {};
      importers.set(key, importer);
      section = undefined;
    } else if (hasImporters && indent === base + 2 && importer) {
      section = key;
      importer[section] = {};
    } else if (indent === base + 4 && section) dep = key;
    else if (indent === base + 6 && dep && section && importer && key === 'specifier') {
      const specs = importer[section] ?? {};
      specs[dep] = unquoteYaml(entry[2] ?? '');
      importer[section] = specs;
    }
  }
  return importers;
}

function pnpmWorkspaceGlobs(yaml: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) inPackages = /^packages:\s*$/.test(line);
    else if (inPackages) {
      const item = /^\s+-\s+(.+?)\s*$/.exec(line);
      if (item) out.push(unquoteYaml(item[1] ?? ''));
    }
  }
  return out;
}

/** `pnpm install --frozen-lockfile`: each project's specifiers equal its package.json's, section by section. */
function pnpmMismatch(dir: string, lockPath: string, present: ReadonlySet<string>, read: Read): string | undefined {
  const importers = pnpmImporters(text(read, lockPath));
  const workspaceFile = join(dir, 'pnpm-workspace.yaml');
  const folders = ['', ...(present.has(workspaceFile) ? workspaceFolders(dir, pnpmWorkspaceGlobs(text(read, workspaceFile)), present) : [])];
  for (const folder of folders) {
    const manifest = parseJson(read, join(dir, join(folder, 'package.json')));
    const locked = importers.get(folder === '' ? '.' : folder) ?? {};
    const wanted: Record<string, string> = {};
    const have: Record<string, string> = {};
    let same = true;
    for (const section of SECTIONS) {
      const want = ranges(manifest, section);
      const got = locked[section] ?? {};
      Object.assign(wanted, want);
      Object.assign(have, got);
      const names = new Set([...Object.keys(want), ...Object.keys(got)]);
      for (const name of names) if (want[name] !== got[name]) same = false;
    }
    if (!same) {
      const where = `<ROOT>/${join(folder, 'package.json')}`;
      return `ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with ${where}\n\nFailure reason:\nspecifiers in the lockfile (${JSON.stringify(have)}) don't match specs in package.json (${JSON.stringify(wanted)})`;
    }
  }
  return undefined;
}

// go ----------------------------------------------------------------------------------------------

interface GoRequire {
  module: string;
  version: string;
  indirect: boolean;
}

/** go.mod's requires and replacements (the grammar is checked by the build's manifest check). */
function goModRequires(gomod: string): { module: string; requires: GoRequire[]; replaces: Map<string, { module: string; version?: string; local: boolean; from?: string }> } {
  let module = '';
  const requires: GoRequire[] = [];
  const replaces = new Map<string, { module: string; version?: string; local: boolean; from?: string }>();
  let block: string | undefined;
  for (const raw of gomod.split('\n')) {
    const indirect = /\/\/\s*indirect\b/.test(raw);
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block !== undefined) {
      if (line === ')') {
        block = undefined;
        continue;
      }
    }
    let verb = block;
    let args = line.split(/\s+/).map((token) => token.replace(/^"(.*)"$/, '$1'));
    if (block === undefined) {
      verb = args[0];
      args = args.slice(1);
      if (args.length === 1 && args[0] === '(') {
        block = verb;
        continue;
      }
    }
    if (verb === 'module') module = args[0] ?? '';
    else if (verb === 'require' && args.length >= 2) requires.push({ module: args[0] ?? '', version: args[1] ?? '', indirect });
    else if (verb === 'replace') {
      const arrow = args.indexOf('=>');
      const target = args[arrow + 1] ?? '';
      const local = target.startsWith('./') || target.startsWith('../') || target.startsWith('/');
      const key = arrow === 2 ? `${args[0] ?? ''}@${args[1] ?? ''}` : (args[0] ?? '');
      replaces.set(key, { module: target, version: local ? undefined : args[arrow + 2], local });
    }
  }
  return { module, requires, replaces };
}

/**
 * As `go build` checks go.sum under module graph pruning (Go 1.17+): every requirement needs its
 * `/go.mod` hash, and a direct one the hash of its content (it provides an imported package).
 */
function goSumMismatch(dir: string, gomodPath: string, present: ReadonlySet<string>, read: Read): string | undefined {
  const { module, requires, replaces } = goModRequires(text(read, gomodPath));
  // A vendored module builds from vendor/ (-mod=vendor), which go.sum does not gate.
  if (requires.length === 0 || present.has(join(dir, 'vendor/modules.txt'))) return undefined;
  const sumPath = join(dir, 'go.sum');
  const sums = new Set<string>();
  if (present.has(sumPath)) {
    for (const line of text(read, sumPath).split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields.length === 3 && /^h1:[A-Za-z0-9+/]{43}=$/.test(fields[2] ?? '')) sums.add(`${fields[0] ?? ''} ${fields[1] ?? ''}`);
      else if (line.trim() !== '') return `verifying go.sum: malformed go.sum:\n${sumPath}: wrong number of fields or malformed hash: ${line.trim()}`;
    }
  }
  for (const require of requires) {
    const replacement = replaces.get(`${require.module}@${require.version}`) ?? replaces.get(require.module);
    if (replacement?.local) continue;
    const target = replacement ? { module: replacement.module, version: replacement.version ?? require.version } : require;
    if (!sums.has(`${target.module} ${target.version}/go.mod`)) return `go: ${target.module}@${target.version}: missing go.sum entry for go.mod file; to add it:\n\tgo mod download ${target.module}`;
    if (!require.indirect && !sums.has(`${target.module} ${target.version}`)) return `missing go.sum entry for module providing package ${require.module} (imported by ${module}); to add:\n\tgo get ${module}`;
  }
  return undefined;
}

// gradle ------------------------------------------------------------------------------------------

/** The `group:artifact:version` coordinates a Gradle build script declares, literal or through the version catalog. */
function gradleCoordinates(script: string, catalog: Record<string, TomlValue> | undefined): string[] {
  const out: string[] = [];
  for (const line of script.split('\n')) {
    const code = line.replace(/\/\/.*$/, '');
    // The build script's own classpath is locked in buildscript-gradle.lockfile.
    if (/\bclasspath\b/.test(code)) continue;
    for (const match of code.matchAll(/['"]([\w.-]+):([\w.-]+):([\w.-]+)['"]/g)) out.push(`${match[1] ?? ''}:${match[2] ?? ''}:${match[3] ?? ''}`);
    const map = /group\s*:\s*['"]([\w.-]+)['"]\s*,\s*name\s*:\s*['"]([\w.-]+)['"]\s*,\s*version\s*:\s*['"]([\w.-]+)['"]/.exec(code);
    if (map) out.push(`${map[1] ?? ''}:${map[2] ?? ''}:${map[3] ?? ''}`);
  }
  if (catalog) {
    const table = (value: TomlValue | undefined): Record<string, TomlValue> => (value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {});
    const versions = table(catalog.versions);
    for (const [alias, entry] of Object.entries(table(catalog.libraries))) {
      if (!new RegExp(`\\blibs\\.${alias.replace(/[-_]/g, '.').replace(/\./g, '\\.')}\\b(?!\\.)`).test(script)) continue;
      if (typeof entry === 'string') {
        out.push(entry);
        continue;
      }
      const library = table(entry);
      const module = typeof library.module === 'string' ? library.module : typeof library.group === 'string' && typeof library.name === 'string' ? `${library.group}:${library.name}` : undefined;
      const version = library.version;
      const ref = typeof version === 'object' && !Array.isArray(version) ? table(version).ref : (library['version.ref'] ?? undefined);
      const resolved = typeof version === 'string' ? version : typeof ref === 'string' ? versions[ref] : undefined;
      if (module && typeof resolved === 'string') out.push(`${module}:${resolved}`);
    }
  }
  return out;
}

/**
 * Gradle's dependency locking: a build whose declared (non-dynamic) versions are not the locked
 * ones fails resolution, naming both.
 */
function gradleLockMismatch(dir: string, lockPath: string, present: ReadonlySet<string>, read: Read): string | undefined {
  const locked = new Map<string, string>();
  for (const line of text(read, lockPath).split('\n')) {
    const entry = /^([\w.-]+):([\w.-]+):([^=\s]+)=/.exec(line.trim());
    if (entry) locked.set(`${entry[1] ?? ''}:${entry[2] ?? ''}`, entry[3] ?? '');
  }
  const catalogPath = join(dir, 'gradle/libs.versions.toml');
  const catalog = present.has(catalogPath) ? readToml(text(read, catalogPath)) : undefined;
  for (const script of ['build.gradle', 'build.gradle.kts'].map((name) => join(dir, name)).filter((path) => present.has(path))) {
    for (const coordinate of gradleCoordinates(text(read, script), catalog)) {
      const [group = '', artifact = '', version = ''] = coordinate.split(':');
      if (/[+[\]()]|latest\./.test(version)) continue;
      const lockedVersion = locked.get(`${group}:${artifact}`);
      if (lockedVersion === version) continue;
      const lines = [`Could not resolve all files for configuration ':compileClasspath'.`, `   > Resolved '${coordinate}' which is not part of the dependency lock state`];
      if (lockedVersion !== undefined) lines.push(`   > Did not resolve '${group}:${artifact}:${lockedVersion}' which is part of the dependency lock state`);
      return lines.join('\n');
    }
  }
  return undefined;
}

// poetry ------------------------------------------------------------------------------------------

const POETRY_PROJECT_KEYS = ['requires-python', 'dependencies', 'optional-dependencies'];
const POETRY_KEYS = ['dependencies', 'group', 'source', 'extras', 'dev-dependencies'];
const POETRY_LEGACY_KEYS = new Set(['dependencies', 'source', 'extras', 'dev-dependencies']);

/**
 * The `content-hash` Poetry writes in poetry.lock's `[metadata]`: SHA-256 of Python's
 * `json.dumps(relevant, sort_keys=True)` over the pyproject's dependency tables (Poetry 2's
 * `_get_content_hash`, which for a project with no PEP 621 dependencies is Poetry 1's: the
 * `[tool.poetry]` keys `dependencies`, `group`, `source`, `extras` and `dev-dependencies`, where
 * the four legacy keys count as `null` when absent and `group` only when present; checked against
 * Poetry 1.3.2's own `poetry lock --check`).
 *
 * @example poetryContentHash('[tool.poetry.dependencies]\npython = "^3.11"\n') // 64 hex digits
 */
export function poetryContentHash(pyproject: string): string {
  const doc = readToml(pyproject);
  const table = (value: TomlValue | undefined): Record<string, TomlValue> => (value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {});
  const project = table(doc.project);
  const poetry = table(table(doc.tool).poetry);
  const relevantProject: Record<string, TomlValue> = {};
  for (const key of POETRY_PROJECT_KEYS) if (project[key] !== undefined) relevantProject[key] = project[key];
  const hasProject = Object.keys(relevantProject).length > 0;
  const relevantPoetry: Record<string, TomlValue | null> = {};
  for (const key of POETRY_KEYS) {
    const data = poetry[key];
    if (data === undefined && (!POETRY_LEGACY_KEYS.has(key) || hasProject)) continue;
    relevantPoetry[key] = data ?? null;
  }
  const encode = (value: Record<string, TomlValue | null>): string => `{${Object.keys(value).sort().map((key) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(value[key] ?? null)}`).join(', ')}}`;
  const json = hasProject ? `{"project": ${pythonJsonDumps(relevantProject)}, "tool": {"poetry": ${encode(relevantPoetry)}}}` : encode(relevantPoetry);
  return createHash('sha256').update(json).digest('hex');
}

/** `poetry install`: the lock's content-hash must be the pyproject's (a PEP 621 project locked by Poetry 2 too). */
function poetryMismatch(pyprojectPath: string, lockPath: string, read: Read): string | undefined {
  const pyproject = text(read, pyprojectPath);
  const recorded = /^content-hash\s*=\s*"([0-9a-f]+)"/m.exec(text(read, lockPath))?.[1];
  if (recorded === poetryContentHash(pyproject)) return undefined;
  return POETRY_STALE;
}
