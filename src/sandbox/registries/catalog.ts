import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { crc32, makeTarGz } from '../fleet/binary-files.js';

/**
 * What the local registries serve: small stand-ins for the packages and Go modules the generated
 * fleet uses, each version a real archive (an npm tarball, a Go module zip) built the same way on
 * every run, so lockfiles and go.sum files written from them stay valid across runs.
 */

/** One npm package of the local registry. */
export interface CatalogPackage {
  name: string;
  /** Released versions, oldest first; the last one is `latest`. */
  versions: string[];
  /** The package's own dependencies at a version (what its package.json declares). */
  dependencies?: (version: string) => Record<string, string>;
}

const fixed = (deps: Record<string, string>) => () => deps;
const byVersion = (table: Record<string, Record<string, string>>) => (version: string) => table[version] ?? {};

/**
 * Every npm package the generated fleet names, with a few dependencies of their own so lockfiles
 * have transitive entries, and one conflict (express wants ms 2.0.0, debug 4 wants ms ^2.1.3, so npm
 * nests a copy). No stand-in matches an entry of pnpm's built-in package extensions (real
 * debug 2 does: pnpm would add a supports-color peer to it), so the lockfiles stay plain.
 */
export const NPM_CATALOG: CatalogPackage[] = [
  { name: 'lodash', versions: ['4.17.4', '4.17.5', '4.17.10', '4.17.11', '4.17.15', '4.17.19', '4.17.20', '4.17.21'] },
  { name: '@types/lodash', versions: ['4.17.7', '4.17.13'] },
  { name: 'express', versions: ['4.19.2', '4.21.2'], dependencies: byVersion({ '4.19.2': { 'body-parser': '1.20.2', cookie: '0.6.0', ms: '2.0.0' }, '4.21.2': { 'body-parser': '1.20.3', cookie: '0.7.1', ms: '2.0.0' } }) },
  { name: 'body-parser', versions: ['1.20.2', '1.20.3'], dependencies: fixed({ bytes: '3.1.2', ms: '2.0.0' }) },
  { name: 'bytes', versions: ['3.1.2'] },
  { name: 'cookie', versions: ['0.6.0', '0.7.1'] },
  { name: 'debug', versions: ['4.3.4', '4.3.7'], dependencies: byVersion({ '4.3.4': { ms: '2.1.2' }, '4.3.7': { ms: '^2.1.3' } }) },
  { name: 'ms', versions: ['2.0.0', '2.1.2', '2.1.3'] },
  { name: 'zod', versions: ['3.23.8', '3.24.1'] },
  { name: 'pino', versions: ['9.3.2', '9.5.0'], dependencies: fixed({ 'pino-std-serializers': '^7.0.0', 'sonic-boom': '^4.0.1' }) },
  { name: 'pino-std-serializers', versions: ['7.0.0'] },
  { name: 'sonic-boom', versions: ['4.0.1', '4.2.0'], dependencies: fixed({ 'atomic-sleep': '^1.0.0' }) },
  { name: 'atomic-sleep', versions: ['1.0.0'] },
  { name: 'axios', versions: ['1.7.4', '1.7.9'], dependencies: fixed({ 'follow-redirects': '^1.15.6', 'form-data': '^4.0.0', 'proxy-from-env': '^1.1.0' }) },
  { name: 'follow-redirects', versions: ['1.15.6', '1.15.9'] },
  { name: 'form-data', versions: ['4.0.0', '4.0.1'], dependencies: fixed({ asynckit: '^0.4.0', 'combined-stream': '^1.0.8' }) },
  { name: 'asynckit', versions: ['0.4.0'] },
  { name: 'combined-stream', versions: ['1.0.8'], dependencies: fixed({ 'delayed-stream': '~1.0.0' }) },
  { name: 'delayed-stream', versions: ['1.0.0'] },
  { name: 'proxy-from-env', versions: ['1.1.0'] },
  { name: 'dayjs', versions: ['1.11.12', '1.11.13'] },
  { name: 'prom-client', versions: ['15.1.3'], dependencies: fixed({ tdigest: '^0.1.1' }) },
  { name: 'tdigest', versions: ['0.1.2'], dependencies: fixed({ bintrees: '1.0.2' }) },
  { name: 'bintrees', versions: ['1.0.2'] },
  { name: 'ioredis', versions: ['5.4.1', '5.4.2'], dependencies: fixed({ 'cluster-key-slot': '^1.1.0', debug: '^4.3.4', denque: '^2.1.0' }) },
  { name: 'cluster-key-slot', versions: ['1.1.2'] },
  { name: 'denque', versions: ['2.1.0'] },
  { name: 'pg', versions: ['8.12.0', '8.13.1'], dependencies: fixed({ 'pg-connection-string': '^2.6.4', 'pg-protocol': '^1.6.1' }) },
  { name: 'pg-connection-string', versions: ['2.6.4', '2.7.0'] },
  { name: 'pg-protocol', versions: ['1.6.1', '1.7.0'] },
  { name: 'eslint', versions: ['8.57.0', '8.57.1'], dependencies: fixed({ debug: '^4.3.2', minimatch: '^3.1.2' }) },
  { name: 'minimatch', versions: ['3.1.2'], dependencies: fixed({ 'brace-expansion': '^1.1.7' }) },
  { name: 'brace-expansion', versions: ['1.1.11'], dependencies: fixed({ 'balanced-match': '^1.0.0', 'concat-map': '0.0.1' }) },
  { name: 'balanced-match', versions: ['1.0.2'] },
  { name: 'concat-map', versions: ['0.0.1'] },
  { name: 'vitest', versions: ['1.6.0', '1.6.1'], dependencies: fixed({ debug: '^4.3.4', picocolors: '^1.0.0' }) },
  { name: 'picocolors', versions: ['1.0.1', '1.1.1'] },
  { name: 'typescript', versions: ['5.4.5', '5.7.2'] },
];

function catalogEntry(catalog: readonly CatalogPackage[], name: string, version: string): CatalogPackage {
  const entry = catalog.find((item) => item.name === name);
  if (!entry || !entry.versions.includes(version)) throw new Error(`${name}@${version} is not in the local registry's catalog`);
  return entry;
}

/** The package.json inside a stand-in's tarball. */
export function npmManifest(name: string, version: string, catalog: readonly CatalogPackage[] = NPM_CATALOG): Record<string, unknown> {
  const entry = catalogEntry(catalog, name, version);
  const dependencies = entry.dependencies?.(version) ?? {};
  return {
    name,
    version,
    description: `A stand-in for ${name} in Fleet's local npm registry`,
    main: 'index.js',
    license: 'MIT',
    ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
  };
}

// npm pack gives every entry this mtime (1985-10-26T08:15:00Z) so tarballs are reproducible.
const NPM_MTIME = 499162500;


const tarballs = new Map<string, Buffer>();

/**
 * The stand-in's .tgz: `package/package.json` and `package/index.js`, the same bytes every run.
 *
 * @example npmTarball('lodash', '4.17.21').subarray(0, 2) // <Buffer 1f 8b>
 */
export function npmTarball(name: string, version: string, catalog: readonly CatalogPackage[] = NPM_CATALOG): Buffer {
  const key = `${name}@${version}`;
  const cached = catalog === NPM_CATALOG ? tarballs.get(key) : undefined;
  if (cached) return cached;
  const tarball = makeTarGz(
    {
      'package/package.json': `${JSON.stringify(npmManifest(name, version, catalog), null, 2)}\n`,
      'package/index.js': `'use strict';\n\nmodule.exports = { name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)} };\n`,
    },
    { mtime: NPM_MTIME },
  );
  if (catalog === NPM_CATALOG) tarballs.set(key, tarball);
  return tarball;
}

const digests = new Map<string, string>();

function tarballDigest(algorithm: 'sha512' | 'sha1', encoding: 'base64' | 'hex', name: string, version: string, catalog: readonly CatalogPackage[]): string {
  const key = `${algorithm} ${name}@${version}`;
  const cached = catalog === NPM_CATALOG ? digests.get(key) : undefined;
  if (cached) return cached;
  const digest = createHash(algorithm).update(npmTarball(name, version, catalog)).digest(encoding);
  if (catalog === NPM_CATALOG) digests.set(key, digest);
  return digest;
}

/** The tarball's Subresource Integrity string, as lockfiles and packuments carry it: 'sha512-…'. */
export function npmIntegrity(name: string, version: string, catalog: readonly CatalogPackage[] = NPM_CATALOG): string {
  return `sha512-${tarballDigest('sha512', 'base64', name, version, catalog)}`;
}

/** The tarball's sha1 in hex (the packument's `dist.shasum`, the `#…` of a yarn 1 `resolved`). */
export function npmShasum(name: string, version: string, catalog: readonly CatalogPackage[] = NPM_CATALOG): string {
  return tarballDigest('sha1', 'hex', name, version, catalog);
}

/** `name-1.2.3.tgz` (for a scoped package, without the scope). */
export function npmTarballBasename(name: string, version: string): string {
  return `${name.split('/').pop() ?? name}-${version}.tgz`;
}

// ---------------------------------------------------------------------------------------------
// Go modules

/** One Go module of the local proxy. */
export interface GoCatalogModule {
  module: string;
  /** Versions, oldest first (semver with the leading v); the last one is @latest. */
  versions: string[];
  /** What the module's go.mod requires at a version. */
  requires?: (version: string) => { module: string; version: string }[];
}

/** Go modules the polyglot fleet requires, stand-ins with the real paths (BurntSushi for `!` escaping). */
export const GO_CATALOG: GoCatalogModule[] = [
  { module: 'github.com/sirupsen/logrus', versions: ['v1.8.1', 'v1.9.0', 'v1.9.3'], requires: (version) => [{ module: 'golang.org/x/sys', version: version === 'v1.8.1' ? 'v0.5.0' : 'v0.15.0' }] },
  { module: 'golang.org/x/sys', versions: ['v0.5.0', 'v0.15.0', 'v0.28.0'] },
  { module: 'github.com/google/uuid', versions: ['v1.3.0', 'v1.3.1', 'v1.6.0'] },
  { module: 'github.com/pkg/errors', versions: ['v0.9.1'] },
  { module: 'github.com/BurntSushi/toml', versions: ['v1.2.1', 'v1.3.2', 'v1.4.0'] },
  { module: 'github.com/rs/zerolog', versions: ['v1.31.0', 'v1.33.0'], requires: () => [{ module: 'github.com/pkg/errors', version: 'v0.9.1' }, { module: 'golang.org/x/sys', version: 'v0.15.0' }] },
];

function goEntry(module: string, version: string): GoCatalogModule {
  const entry = GO_CATALOG.find((item) => item.module === module);
  if (!entry || !entry.versions.includes(version)) throw new Error(`${module}@${version} is not in the local Go proxy's catalog`);
  return entry;
}

/** The stand-in module's go.mod at a version. */
export function goModFile(module: string, version: string): string {
  const requires = goEntry(module, version).requires?.(version) ?? [];
  const lines = [`module ${module}`, '', 'go 1.19', ''];
  if (requires.length === 1) lines.push(`require ${requires[0]?.module} ${requires[0]?.version}`, '');
  if (requires.length > 1) lines.push('require (', ...requires.map((r) => `\t${r.module} ${r.version}`), ')', '');
  return lines.join('\n');
}

function goPackageName(module: string): string {
  const last = module.split('/').pop() ?? 'module';
  return last.toLowerCase().replace(/[^a-z0-9_]/g, '') || 'module';
}

/** The files of a module version, by their path inside the module. */
function goModuleFiles(module: string, version: string): [string, Buffer][] {
  const name = goPackageName(module);
  const source = `// Package ${name} is a stand-in for ${module} in Fleet's local Go proxy.\npackage ${name}\n\n// Version is the module version this copy was served as.\nconst Version = "${version}"\n`;
  return [['go.mod', Buffer.from(goModFile(module, version))], [`${name}.go`, Buffer.from(source)]];
}

/** A zip archive (deflated entries, dated at the DOS epoch) of the given files: Go module zips, Python wheels. */
export function writeZip(files: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, 0644
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * The module zip as the Go proxy protocol serves it: every file under `module@version/`.
 *
 * @example goModuleZip('github.com/google/uuid', 'v1.6.0').readUInt32LE(0) // 0x04034b50
 */
export function goModuleZip(module: string, version: string): Buffer {
  return writeZip(goModuleFiles(module, version).map(([path, data]) => [`${module}@${version}/${path}`, data]));
}

/** dirhash.Hash1: sha256 over the lines "<sha256 hex>  <name>\n" of the files sorted by name. */
function hash1(files: [string, Buffer][]): string {
  const summary = [...files]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, data]) => `${createHash('sha256').update(data).digest('hex')}  ${name}\n`)
    .join('');
  return `h1:${createHash('sha256').update(summary).digest('base64')}`;
}

/**
 * The two go.sum lines for a module version, as go writes them: the hash of the zip's files and
 * the hash of its go.mod alone.
 *
 * @example goSumLines('github.com/pkg/errors', 'v0.9.1')[1] // 'github.com/pkg/errors v0.9.1/go.mod h1:…'
 */
export function goSumLines(module: string, version: string): string[] {
  const files = goModuleFiles(module, version);
  const goMod = files.find(([path]) => path === 'go.mod')?.[1] ?? Buffer.alloc(0);
  return [
    `${module} ${version} ${hash1(files.map(([path, data]) => [`${module}@${version}/${path}`, data]))}`,
    `${module} ${version}/go.mod ${hash1([['go.mod', goMod]])}`,
  ];
}
