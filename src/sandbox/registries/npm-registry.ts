import type { IncomingMessage, ServerResponse } from 'node:http';
import { NPM_CATALOG, npmIntegrity, npmManifest, npmShasum, npmTarball, npmTarballBasename, type CatalogPackage } from './catalog.js';
import { serveOnLoopback, type LocalServer } from './local-server.js';

/**
 * A read-only npm registry on 127.0.0.1 that npm, yarn 1, yarn berry and pnpm use unchanged: the
 * registry API's packuments (full, and the abbreviated install form the clients ask for), one
 * version's document (`/<name>/<version>` or `/<name>/latest`), `dist-tags` and tarballs, for the
 * catalog's stand-in packages.
 */

export type NpmRegistry = LocalServer;

export interface NpmRegistryOptions {
  port?: number;
  catalog?: CatalogPackage[];
  /** When set, every request must carry `Authorization: Bearer <token>` (a private registry). */
  token?: string;
  /**
   * The base URL packuments give tarballs (default: the registry's own). With
   * 'https://registry.npmjs.org/', npm (whose replace-registry-host swaps that host for the
   * configured registry) fetches them here and writes lockfiles as it would against the public
   * registry; yarn 1 and pnpm fetch a packument's tarball URL as given, so they would go there.
   */
  tarballBase?: string;
}

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
// Publication times, fixed so packuments are the same on every run: a day apart per version.
const EPOCH = Date.UTC(2024, 0, 1);

function time(index: number): string {
  return new Date(EPOCH + index * 86_400_000).toISOString();
}

function versionDocument(entry: CatalogPackage, version: string, base: string, catalog: CatalogPackage[]): Record<string, unknown> {
  const tarball = npmTarball(entry.name, version, catalog);
  return {
    ...npmManifest(entry.name, version, catalog),
    _id: `${entry.name}@${version}`,
    dist: {
      integrity: npmIntegrity(entry.name, version, catalog),
      shasum: npmShasum(entry.name, version, catalog),
      tarball: `${base}${entry.name}/-/${npmTarballBasename(entry.name, version)}`,
      fileCount: 2,
      unpackedSize: tarball.length,
    },
  };
}

function latest(entry: CatalogPackage): string {
  return entry.versions[entry.versions.length - 1] ?? '';
}

/** The full packument, as `GET /<name>` with `Accept: application/json` answers. */
function fullPackument(entry: CatalogPackage, base: string, catalog: CatalogPackage[]): Record<string, unknown> {
  const versions = Object.fromEntries(entry.versions.map((version) => [version, versionDocument(entry, version, base, catalog)]));
  return {
    _id: entry.name,
    name: entry.name,
    description: `A stand-in for ${entry.name} in Fleet's local npm registry`,
    'dist-tags': { latest: latest(entry) },
    versions,
    time: { created: time(0), modified: time(entry.versions.length - 1), ...Object.fromEntries(entry.versions.map((version, i) => [version, time(i)])) },
    license: 'MIT',
    readme: `# ${entry.name}\n\nA stand-in package.\n`,
  };
}

/** The abbreviated ("corgi") packument: only what an installer needs. */
function abbreviatedPackument(entry: CatalogPackage, base: string, catalog: CatalogPackage[]): Record<string, unknown> {
  const versions = Object.fromEntries(
    entry.versions.map((version) => {
      const { name, dependencies, dist } = versionDocument(entry, version, base, catalog);
      return [version, { name, version, ...(dependencies ? { dependencies } : {}), dist }];
    }),
  );
  return { name: entry.name, modified: time(entry.versions.length - 1), 'dist-tags': { latest: latest(entry) }, versions };
}

function send(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  response.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  response.end(bytes);
}

/** Decode the package name from a request path: `/lodash`, `/@types%2flodash`, `/@types/lodash`. */
function route(pathname: string): { kind: 'packument' | 'dist-tags' | 'tarball' | 'version'; name: string; file?: string } | undefined {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const distTags = /^\/-\/package\/((?:@[^/]+\/)?[^/@][^/]*)\/dist-tags\/?$/.exec(path);
  if (distTags?.[1]) return { kind: 'dist-tags', name: distTags[1] };
  const tarball = /^\/((?:@[^/]+\/)?[^/@][^/]*)\/-\/([^/]+\.tgz)$/.exec(path);
  if (tarball?.[1] && tarball[2]) return { kind: 'tarball', name: tarball[1], file: tarball[2] };
  const packument = /^\/((?:@[^/]+\/)?[^/@-][^/]*)\/?$/.exec(path);
  if (packument?.[1]) return { kind: 'packument', name: packument[1] };
  const version = /^\/((?:@[^/]+\/)?[^/@-][^/]*)\/([^/]+)$/.exec(path);
  if (version?.[1] && version[2]) return { kind: 'version', name: version[1], file: version[2] };
  return undefined;
}

function handle(request: IncomingMessage, response: ServerResponse, base: string, catalog: CatalogPackage[], token: string | undefined): void {
  if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) {
    response.setHeader('www-authenticate', 'Bearer realm="fleet-local-registry"');
    send(response, 401, { error: 'Unauthorized' });
    return;
  }
  const url = new URL(request.url ?? '/', base);
  if (request.method === 'POST' && url.pathname === '/-/npm/v1/security/advisories/bulk') {
    // npm install and npm ci audit by default: the stand-ins have no advisories.
    request.resume();
    send(response, 200, {});
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    // Read-only: no publishing, unpublishing or dist-tag changes.
    request.resume();
    send(response, 405, { error: 'Method not allowed' });
    return;
  }
  if (url.pathname === '/-/ping') {
    send(response, 200, {});
    return;
  }
  const target = route(url.pathname);
  const entry = target && catalog.find((item) => item.name === target.name);
  if (!target || !entry) {
    send(response, 404, { error: 'Not found' });
    return;
  }
  if (target.kind === 'dist-tags') {
    send(response, 200, { latest: latest(entry) });
    return;
  }
  if (target.kind === 'version') {
    // GET /<name>/<version or dist-tag>: one version's document, as the registry answers it.
    const version = target.file === 'latest' ? latest(entry) : entry.versions.find((candidate) => candidate === target.file);
    if (!version) send(response, 404, { error: `version not found: ${target.file ?? ''}` });
    else send(response, 200, versionDocument(entry, version, base, catalog));
    return;
  }
  if (target.kind === 'tarball') {
    const version = entry.versions.find((candidate) => npmTarballBasename(entry.name, candidate) === target.file);
    if (!version) {
      send(response, 404, { error: 'Not found' });
      return;
    }
    send(response, 200, npmTarball(entry.name, version, catalog), 'application/octet-stream');
    return;
  }
  const abbreviated = (request.headers.accept ?? '').includes(ABBREVIATED);
  if (abbreviated) send(response, 200, abbreviatedPackument(entry, base, catalog), ABBREVIATED);
  else send(response, 200, fullPackument(entry, base, catalog));
}

/**
 * Start the registry. Point a client at it with `registry=<url>` in a project `.npmrc` (npm,
 * yarn 1, pnpm) or `npmRegistryServer` in `.yarnrc.yml` (yarn berry; add
 * `unsafeHttpWhitelist: ['127.0.0.1']` since it is plain HTTP).
 *
 * @example const registry = await startNpmRegistry(); // registry.url: 'http://127.0.0.1:40123/'
 */
export async function startNpmRegistry(options: NpmRegistryOptions = {}): Promise<NpmRegistry> {
  const catalog = options.catalog ?? NPM_CATALOG;
  // Tarball URLs name the registry's own URL, known once it listens (or the base the options give).
  let base = 'http://127.0.0.1/';
  const server = await serveOnLoopback({
    port: options.port,
    label: 'the npm registry',
    handle: (request, response) => handle(request, response, base, catalog, options.token),
    fail: (response, message) => send(response, 500, { error: message }),
  });
  base = options.tarballBase === undefined ? server.url : options.tarballBase.replace(/\/?$/, '/');
  return server;
}
