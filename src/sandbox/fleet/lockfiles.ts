import { goModFile, goSumLines, NPM_CATALOG, npmIntegrity, npmManifest, npmShasum, npmTarballBasename, type CatalogPackage } from '../registries/catalog.js';
import { compareVersions, maxSatisfying, satisfies } from '../registries/semver-range.js';

/**
 * Lockfiles for the generated fleet's fixtures, written as the real tools write them from the
 * local registries' catalog: `npmLockfile` (npm 7+ lockfileVersion 3), `yarnLockfile` (yarn 1),
 * `pnpmLockfile` (pnpm 9, lockfileVersion '9.0') and `goSum`. Each range resolves to the highest
 * catalog version in it, as a fresh install does; npm's tree is placed as npm's arborist places
 * it (breadth first, alphabetical, each package as shallow as it goes without a conflict). The
 * tests check each against the real tool (`npm ci`, `yarn --frozen-lockfile`,
 * `pnpm --frozen-lockfile`, `go mod verify`) and against what the tool writes itself.
 */

type PackageJson = Record<string, unknown>;
/** package.json contents by folder: '' for the repository root, 'packages/api' for a workspace. */
export type Manifests = Record<string, PackageJson>;
export interface LockfileInput {
  manifests: Manifests;
}
export interface LockfileOptions {
  /** Registry URL written into `resolved` (npm: https://registry.npmjs.org/, yarn 1: https://registry.yarnpkg.com/). */
  registry?: string;
  catalog?: CatalogPackage[];
}

const SECTIONS = ['dependencies', 'devDependencies'] as const;
type Section = (typeof SECTIONS)[number];

function normalise(input: LockfileInput | Manifests): Manifests {
  const maybe = input as Partial<LockfileInput>;
  const keys = Object.keys(input);
  if (keys.length === 1 && keys[0] === 'manifests' && typeof maybe.manifests === 'object' && maybe.manifests !== null) return maybe.manifests;
  return input as Manifests;
}

function depsOf(manifest: PackageJson, section: Section | 'optionalDependencies' | 'peerDependencies'): Record<string, string> {
  const value = manifest[section];
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Object.values(value).some((range) => typeof range !== 'string')) throw new Error(`package.json's ${section} is not an object of version ranges`);
  return value as Record<string, string>;
}

function checkManifests(manifests: Manifests): void {
  if (!manifests['']) throw new Error("the manifests have no root package.json (folder '')");
  for (const [folder, manifest] of Object.entries(manifests)) {
    for (const section of ['optionalDependencies', 'peerDependencies'] as const) {
      if (Object.keys(depsOf(manifest, section)).length > 0) throw new Error(`${folder || '.'}/package.json has ${section}, which the fixture lockfiles do not model`);
    }
    if (folder !== '' && typeof manifest.name !== 'string') throw new Error(`${folder}/package.json has no name: a workspace package needs one`);
  }
}

/** npm's and yarn's workspace globs: `*` within one folder name, `**` across folders. */
function matchesWorkspace(folder: string, patterns: unknown): boolean {
  const list = Array.isArray(patterns) ? patterns : typeof patterns === 'object' && patterns !== null && Array.isArray((patterns as { packages?: unknown }).packages) ? (patterns as { packages: unknown[] }).packages : [];
  return list.some((pattern) => {
    if (typeof pattern !== 'string') return false;
    const source = pattern
      .replace(/^\.\//, '')
      .replace(/\/$/, '')
      .split('/')
      .map((part) => (part === '**' ? '.*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
      .join('/');
    return new RegExp(`^${source}$`).test(folder);
  });
}

/** For npm and yarn: every folder but the root must be one of the root's `workspaces`. */
function checkWorkspaces(manifests: Manifests): void {
  const root = manifests[''] ?? {};
  for (const folder of Object.keys(manifests)) {
    if (folder !== '' && !matchesWorkspace(folder, root.workspaces)) throw new Error(`${folder}/package.json is not one of the root package.json's workspaces (${JSON.stringify(root.workspaces ?? [])})`);
  }
}

/** The workspace packages by name (every folder but the root). */
function workspacesByName(manifests: Manifests): Map<string, { folder: string; version: string }> {
  const byName = new Map<string, { folder: string; version: string }>();
  for (const [folder, manifest] of Object.entries(manifests)) {
    if (folder === '') continue;
    byName.set(String(manifest.name), { folder, version: typeof manifest.version === 'string' ? manifest.version : '0.0.0' });
  }
  return byName;
}

function resolveVersion(catalog: readonly CatalogPackage[], name: string, range: string): string {
  const entry = catalog.find((item) => item.name === name);
  if (!entry) throw new Error(`${name} is not in the local registry's catalog`);
  const version = range === 'latest' ? entry.versions[entry.versions.length - 1] : maxSatisfying(entry.versions, range);
  if (!version) throw new Error(`no version of ${name} in the local registry's catalog satisfies ${range}`);
  return version;
}

function catalogDeps(catalog: readonly CatalogPackage[], name: string, version: string): Record<string, string> {
  return catalog.find((item) => item.name === name)?.dependencies?.(version) ?? {};
}

const compareLocale = (a: string, b: string) => a.localeCompare(b, 'en');
const compareCodes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedObject<T>(entries: Iterable<[string, T]>, compare: (a: string, b: string) => number): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => compare(a, b)));
}

function resolvedUrl(registry: string, name: string, version: string): string {
  return `${registry.endsWith('/') ? registry : `${registry}/`}${name}/-/${npmTarballBasename(name, version)}`;
}

// ---------------------------------------------------------------------------------------------
// npm

interface NpmNode {
  /** '' root, 'packages/api' workspace, 'node_modules/x', 'node_modules/x/node_modules/y'. */
  location: string;
  name: string;
  version: string;
  workspace: boolean;
  /** Edges out: name → [range, section]. */
  edges: [string, string, Section][];
}

/** The package folder a location's node_modules entry lives in ('' for the root). */
function parentLocation(location: string, workspaceFolders: Set<string>): string | undefined {
  if (location === '') return undefined;
  if (workspaceFolders.has(location)) return '';
  const match = /^(.*?)\/?node_modules\/(?:@[^/]+\/)?[^/]+$/.exec(location);
  return match ? (match[1] ?? '') : '';
}

const modulesOf = (location: string) => (location === '' ? 'node_modules/' : `${location}/node_modules/`);

function depth(location: string): number {
  return location.split('node_modules/').length - 1;
}

/**
 * A package-lock.json (lockfileVersion 3; an npm-shrinkwrap.json has the same content) for the manifests, as `npm install` writes it on a
 * fresh checkout.
 *
 * @example npmLockfile({ manifests: { '': { name: 'api', version: '1.0.0', dependencies: { lodash: '4.17.20' } } } })
 */
export function npmLockfile(input: LockfileInput | Manifests, options: LockfileOptions = {}): string {
  const manifests = normalise(input);
  checkManifests(manifests);
  const catalog = options.catalog ?? NPM_CATALOG;
  const registry = options.registry ?? 'https://registry.npmjs.org/';
  checkWorkspaces(manifests);
  const workspaces = workspacesByName(manifests);
  const workspaceFolders = new Set([...workspaces.values()].map((w) => w.folder));
  const tree = new Map<string, NpmNode | { link: string; name: string }>();
  const nodes: NpmNode[] = [];
  const edgesOf = (manifest: PackageJson): NpmNode['edges'] => SECTIONS.flatMap((section) => Object.entries(depsOf(manifest, section)).map(([name, range]): [string, string, Section] => [name, range, section]));
  for (const [folder, manifest] of Object.entries(manifests)) {
    const node: NpmNode = { location: folder, name: typeof manifest.name === 'string' ? manifest.name : '', version: typeof manifest.version === 'string' ? manifest.version : '', workspace: true, edges: edgesOf(manifest) };
    nodes.push(node);
    tree.set(folder, node);
  }
  for (const [name, { folder }] of workspaces) tree.set(`node_modules/${name}`, { link: folder, name });

  /** Where `name` resolves from `location`, walking up; or where to put a new copy. */
  const place = (from: NpmNode, name: string, range: string): string | undefined => {
    const chain: string[] = [];
    for (let at: string | undefined = from.location; at !== undefined; at = parentLocation(at, workspaceFolders)) chain.push(at);
    for (let i = 0; i < chain.length; i += 1) {
      const existing = tree.get(`${modulesOf(chain[i] ?? '')}${name}`);
      if (!existing) continue;
      const version = 'link' in existing ? workspaces.get(existing.name)?.version ?? '' : existing.version;
      if ('link' in existing || satisfies(version, range)) return undefined;
      if (i === 0) throw new Error(`${from.location} needs two versions of ${name}`);
      return `${modulesOf(chain[i - 1] ?? '')}${name}`;
    }
    return `node_modules/${name}`;
  };

  // Arborist's order: the node nearest the root first, then by location; each node's
  // dependencies by name. Workspaces count as depth 0.
  const queue: NpmNode[] = [...nodes];
  while (queue.length > 0) {
    queue.sort((a, b) => depth(a.location) - depth(b.location) || compareLocale(a.location, b.location));
    const node = queue.shift() as NpmNode;
    for (const [name, range] of [...node.edges].sort(([a], [b]) => compareLocale(a, b))) {
      if (workspaces.has(name) && range.startsWith('workspace:')) continue;
      if (!/^[\w^~<>=.*|\s-]+$/.test(range) && range !== 'latest') throw new Error(`${node.location || '.'}/package.json: ${name}@${range} is not a registry range the fixture lockfiles resolve`);
      const location = place(node, name, range);
      if (location === undefined) continue;
      const version = resolveVersion(catalog, name, range);
      const child: NpmNode = { location, name, version, workspace: false, edges: Object.entries(catalogDeps(catalog, name, version)).map(([dep, r]) => [dep, r, 'dependencies']) };
      tree.set(location, child);
      queue.push(child);
    }
  }

  // dev: reachable only through a devDependencies edge of the root or a workspace.
  const resolveFrom = (from: NpmNode, name: string): NpmNode | undefined => {
    for (let at: string | undefined = from.location; at !== undefined; at = parentLocation(at, workspaceFolders)) {
      const found = tree.get(`${modulesOf(at)}${name}`);
      if (found) return 'link' in found ? (tree.get(found.link) as NpmNode) : found;
    }
    return undefined;
  };
  const prod = new Set<string>();
  const dev = new Set<string>();
  const walk = (start: NpmNode[], marks: Set<string>) => {
    const stack = [...start];
    while (stack.length > 0) {
      const node = stack.pop() as NpmNode;
      if (marks.has(node.location)) continue;
      marks.add(node.location);
      for (const [name] of node.edges) {
        const target = resolveFrom(node, name);
        if (target && !target.workspace) stack.push(target);
      }
    }
  };
  const tops = nodes;
  walk(tops.flatMap((top) => top.edges.filter(([, , s]) => s === 'dependencies').map(([name]) => resolveFrom(top, name)).filter((n): n is NpmNode => n !== undefined && !n.workspace)), prod);
  walk(tops.flatMap((top) => top.edges.filter(([, , s]) => s === 'devDependencies').map(([name]) => resolveFrom(top, name)).filter((n): n is NpmNode => n !== undefined && !n.workspace)), dev);

  const packages: [string, Record<string, unknown>][] = [];
  for (const [location, entry] of tree) {
    if ('link' in entry) {
      packages.push([location, { resolved: entry.link, link: true }]);
      continue;
    }
    if (entry.workspace) {
      const manifest = manifests[location] ?? {};
      const record: Record<string, unknown> = {};
      for (const field of ['name', 'version', 'license'] as const) if (manifest[field] !== undefined) record[field] = manifest[field];
      if (location === '' && manifest.workspaces !== undefined) record.workspaces = manifest.workspaces;
      for (const section of SECTIONS) {
        const deps = depsOf(manifest, section);
        if (Object.keys(deps).length > 0) record[section] = sortedObject(Object.entries(deps), compareLocale);
      }
      packages.push([location, record]);
      continue;
    }
    const manifest = npmManifest(entry.name, entry.version, catalog);
    const record: Record<string, unknown> = {
      version: entry.version,
      resolved: resolvedUrl(registry, entry.name, entry.version),
      integrity: npmIntegrity(entry.name, entry.version, catalog),
    };
    if (!prod.has(location) && dev.has(location)) record.dev = true;
    if (manifest.license !== undefined) record.license = manifest.license;
    const deps = catalogDeps(catalog, entry.name, entry.version);
    if (Object.keys(deps).length > 0) record.dependencies = sortedObject(Object.entries(deps), compareLocale);
    packages.push([location, record]);
  }
  const root = manifests[''] ?? {};
  const lock: Record<string, unknown> = {};
  if (root.name !== undefined) lock.name = root.name;
  if (root.version !== undefined) lock.version = root.version;
  lock.lockfileVersion = 3;
  lock.requires = true;
  lock.packages = sortedObject(packages, compareLocale);
  return `${JSON.stringify(lock, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// yarn 1

/** yarn 1's quoting of keys and values (its lockfile stringifier's rule). */
function yarnQuote(text: string): string {
  const wrap = text.startsWith('true') || text.startsWith('false') || /[:\s\n\\",[\]]/.test(text) || /^[0-9]/.test(text) || !/^[a-zA-Z]/.test(text);
  return wrap ? JSON.stringify(text) : text;
}

/** Every `name@range` the install needs, resolved breadth first over the whole workspace. */
function resolvePatterns(manifests: Manifests, catalog: readonly CatalogPackage[], skip: (name: string, range: string) => boolean): Map<string, { name: string; range: string; version: string }> {
  const patterns = new Map<string, { name: string; range: string; version: string }>();
  const queue: [string, string][] = [];
  for (const manifest of Object.values(manifests)) for (const section of SECTIONS) for (const [name, range] of Object.entries(depsOf(manifest, section))) if (!skip(name, range)) queue.push([name, range]);
  while (queue.length > 0) {
    const [name, range] = queue.shift() as [string, string];
    const key = `${name}@${range}`;
    if (patterns.has(key)) continue;
    const version = resolveVersion(catalog, name, range);
    patterns.set(key, { name, range, version });
    for (const [dep, depRange] of Object.entries(catalogDeps(catalog, name, version))) queue.push([dep, depRange]);
  }
  return patterns;
}

/**
 * A yarn.lock (yarn 1, "# yarn lockfile v1") for the manifests; a workspace monorepo's root
 * package.json lists its `workspaces` and yarn keeps one lockfile for all of them.
 *
 * @example yarnLockfile({ '': { name: 'api', dependencies: { lodash: '^4.17.20' } } }).includes('lodash@^4.17.20:') // true
 */
export function yarnLockfile(input: LockfileInput | Manifests, options: LockfileOptions = {}): string {
  const manifests = normalise(input);
  checkManifests(manifests);
  const catalog = options.catalog ?? NPM_CATALOG;
  const registry = options.registry ?? 'https://registry.yarnpkg.com/';
  checkWorkspaces(manifests);
  if (manifests['']?.workspaces !== undefined && manifests['']?.private !== true) throw new Error('the root package.json has workspaces but is not "private": true, which yarn 1 requires ("Workspaces can only be enabled in private projects")');
  const workspaces = workspacesByName(manifests);
  const patterns = resolvePatterns(manifests, catalog, (name, range) => workspaces.has(name) && (range.startsWith('workspace:') || satisfies(workspaces.get(name)?.version ?? '', range)));
  const byVersion = new Map<string, { name: string; version: string; keys: string[] }>();
  for (const [key, { name, version }] of patterns) {
    const id = `${name}@${version}`;
    const group = byVersion.get(id) ?? { name, version, keys: [] };
    group.keys.push(key);
    byVersion.set(id, group);
  }
  const blocks = [...byVersion.values()]
    .map((group) => ({ ...group, keys: group.keys.sort(compareCodes) }))
    .sort((a, b) => compareCodes(a.keys[0] ?? '', b.keys[0] ?? ''))
    .map(({ name, version, keys }) => {
      const lines = [`${keys.map(yarnQuote).join(', ')}:`, `  version ${yarnQuote(version)}`, `  resolved ${yarnQuote(`${resolvedUrl(registry, name, version)}#${npmShasum(name, version, catalog)}`)}`, `  integrity ${yarnQuote(npmIntegrity(name, version, catalog))}`];
      const deps = Object.entries(catalogDeps(catalog, name, version)).sort(([a], [b]) => compareCodes(a, b));
      if (deps.length > 0) lines.push('  dependencies:', ...deps.map(([dep, range]) => `    ${yarnQuote(dep)} ${yarnQuote(range)}`));
      return lines.join('\n');
    });
  return `# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n${blocks.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// pnpm 9

/** A YAML scalar as pnpm's writer (js-yaml) prints it: plain when safe, else single-quoted. */
function yamlScalar(text: string): string {
  const plain =
    text !== '' &&
    !/^[-?:,[\]{}#&*!|>'"%@`\s]/.test(text) &&
    !/\s$/.test(text) &&
    !/: |:$| #/.test(text) &&
    !/^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(text) &&
    !/^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(text) &&
    !/^0[xob]/i.test(text) &&
    !/^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/.test(text);
  return plain ? text : `'${text.replace(/'/g, "''")}'`;
}

/**
 * A pnpm-lock.yaml (pnpm 9, lockfileVersion '9.0') for the manifests: `importers` per folder
 * (a monorepo also needs its pnpm-workspace.yaml, and `workspace:` ranges between its packages),
 * `packages` with their integrity, `snapshots` with their resolved dependencies.
 *
 * @example pnpmLockfile({ '': { name: 'api', dependencies: { lodash: '4.17.20' } } }).startsWith("lockfileVersion: '9.0'") // true
 */
export function pnpmLockfile(input: LockfileInput | Manifests, options: LockfileOptions = {}): string {
  const manifests = normalise(input);
  checkManifests(manifests);
  const catalog = options.catalog ?? NPM_CATALOG;
  const workspaces = workspacesByName(manifests);
  const isLink = (name: string, range: string) => workspaces.has(name) && range.startsWith('workspace:');
  const patterns = resolvePatterns(manifests, catalog, isLink);
  const out: string[] = ["lockfileVersion: '9.0'", '', 'settings:', '  autoInstallPeers: true', '  excludeLinksFromLockfile: false', '', 'importers:', ''];
  const relative = (from: string, to: string) => {
    const a = from === '' ? [] : from.split('/');
    const b = to === '' ? [] : to.split('/');
    let common = 0;
    while (common < a.length && a[common] === b[common]) common += 1;
    return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/') || '.';
  };
  for (const folder of Object.keys(manifests).sort((a, b) => compareCodes(a || '.', b || '.'))) {
    const manifest = manifests[folder] ?? {};
    out.push(`  ${yamlScalar(folder || '.')}:`);
    let any = false;
    for (const section of SECTIONS) {
      const deps = Object.entries(depsOf(manifest, section)).sort(([a], [b]) => compareCodes(a, b));
      if (deps.length === 0) continue;
      any = true;
      out.push(`    ${section}:`);
      for (const [name, range] of deps) {
        const version = isLink(name, range) ? `link:${relative(folder, workspaces.get(name)?.folder ?? '')}` : patterns.get(`${name}@${range}`)?.version ?? '';
        out.push(`      ${yamlScalar(name)}:`, `        specifier: ${yamlScalar(range)}`, `        version: ${yamlScalar(version)}`);
      }
    }
    if (!any) out[out.length - 1] += ' {}';
    out.push('');
  }
  const resolved = [...new Map([...patterns.values()].map((p) => [`${p.name}@${p.version}`, p])).values()].sort((a, b) => compareCodes(`${a.name}@${a.version}`, `${b.name}@${b.version}`));
  out.push('packages:', '');
  for (const { name, version } of resolved) out.push(`  ${yamlScalar(`${name}@${version}`)}:`, `    resolution: {integrity: ${npmIntegrity(name, version, catalog)}}`, '');
  out.push('snapshots:', '');
  for (const { name, version } of resolved) {
    const deps = Object.entries(catalogDeps(catalog, name, version)).sort(([a], [b]) => compareCodes(a, b));
    if (deps.length === 0) {
      out.push(`  ${yamlScalar(`${name}@${version}`)}: {}`, '');
      continue;
    }
    out.push(`  ${yamlScalar(`${name}@${version}`)}:`, '    dependencies:');
    for (const [dep, range] of deps) out.push(`      ${yamlScalar(dep)}: ${yamlScalar(patterns.get(`${dep}@${range}`)?.version ?? '')}`);
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

// ---------------------------------------------------------------------------------------------
// go

/** The `require` lines of a go.mod text, single and in blocks. */
function goRequires(goMod: string): { module: string; version: string }[] {
  const requires: { module: string; version: string }[] = [];
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock) {
      if (line === ')') inBlock = false;
      else if (line) {
        const [module, version] = line.split(/\s+/);
        if (module && version) requires.push({ module, version });
      }
      continue;
    }
    if (/^require\s*\($/.test(line)) inBlock = true;
    const single = /^require\s+(\S+)\s+(\S+)$/.exec(line);
    if (single?.[1] && single[2]) requires.push({ module: single[1], version: single[2] });
  }
  return requires;
}

/**
 * A go.sum as `go mod tidy` writes it for a module whose go.mod requires these modules (given as
 * a list or as the go.mod text) and whose code imports them: both lines of each, sorted by module
 * then version. With Go 1.17+ module graph pruning the stand-ins' own requirements need no lines.
 *
 * @example goSum([{ module: 'github.com/google/uuid', version: 'v1.3.0' }]).split('\n').length // 3
 */
export function goSum(requires: readonly { module: string; version: string }[] | string): string {
  const list = typeof requires === 'string' ? goRequires(requires) : requires;
  for (const { module, version } of list) goModFile(module, version); // throws for a module the proxy does not serve
  const sorted = [...list].sort((a, b) => compareCodes(a.module, b.module) || compareVersions(a.version, b.version));
  return sorted.map(({ module, version }) => `${goSumLines(module, version).join('\n')}\n`).join('');
}
