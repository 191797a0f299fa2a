import type { IncomingMessage, ServerResponse } from 'node:http';
import { GO_CATALOG, goModFile, goModuleZip, type GoCatalogModule } from './catalog.js';
import { GO_SUMDB_NAME, sumdbResponse } from './go-sumdb.js';
import { serveOnLoopback, type LocalServer } from './local-server.js';

/**
 * A Go module proxy on 127.0.0.1 speaking the GOPROXY protocol (https://go.dev/ref/mod#goproxy-protocol)
 * for the catalog's modules: `$module/@v/list`, `$module/@v/$version.info`, `.mod`, `.zip` and
 * `$module/@latest`, with upper-case letters escaped as `!` + lower case. The go command uses it
 * unchanged with `GOPROXY=<url>`. It also serves its own checksum database (go-sumdb.ts) under
 * `/sumdb/<GO_SUMDB_NAME>/`, so with `GOSUMDB=<GO_SUMDB>` go verifies every module it fetches as
 * it would against sum.golang.org (sum.golang.org itself knows nothing of the stand-ins).
 */

export type GoProxy = LocalServer;

const EPOCH = Date.UTC(2024, 0, 1);

/** Undo the proxy protocol's case escaping: `github.com/!burnt!sushi/toml` → `github.com/BurntSushi/toml`. */
export function unescapeModulePath(escaped: string): string | undefined {
  // A bare upper-case letter is not a valid escaped path; nor is '!' before anything but a-z.
  if (/[A-Z]/.test(escaped) || /![^a-z]|!$/.test(escaped)) return undefined;
  return escaped.replace(/!([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The proxy protocol's case escaping of a module path or version. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `!${letter.toLowerCase()}`);
}

function info(entry: GoCatalogModule, version: string): string {
  const index = entry.versions.indexOf(version);
  return JSON.stringify({ Version: version, Time: new Date(EPOCH + index * 86_400_000).toISOString().replace('.000Z', 'Z') });
}

function send(response: ServerResponse, status: number, body: string | Buffer, contentType: string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  response.end(bytes);
}

function handle(request: IncomingMessage, response: ServerResponse, catalog: GoCatalogModule[]): void {
  const notFound = (what: string) => send(response, 404, `not found: ${what}\n`, 'text/plain; charset=utf-8');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'method not allowed\n', 'text/plain; charset=utf-8');
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    send(response, 400, 'bad request: malformed path\n', 'text/plain; charset=utf-8');
    return;
  }
  if (pathname.startsWith('/sumdb/')) {
    // The proxy protocol's checksum-database passthrough: only this proxy's own database.
    const prefix = `/sumdb/${GO_SUMDB_NAME}`;
    const answer = pathname.startsWith(`${prefix}/`) ? sumdbResponse(pathname.slice(prefix.length), unescapeModulePath) : { status: 404, body: 'not found\n' };
    send(response, answer.status, answer.body, pathname.includes('/tile/') ? 'application/octet-stream' : 'text/plain; charset=utf-8');
    return;
  }
  const match = /^\/(.+?)\/@(?:v\/(list|.+\.(?:info|mod|zip))|(latest))$/.exec(pathname);
  if (!match?.[1]) {
    notFound(pathname.slice(1));
    return;
  }
  const module = unescapeModulePath(match[1]);
  if (module === undefined) {
    send(response, 400, `bad request: invalid escaped module path "${match[1]}"\n`, 'text/plain; charset=utf-8');
    return;
  }
  const entry = catalog.find((item) => item.module === module);
  if (!entry) {
    notFound(`module ${module}: no such module in Fleet's local Go proxy`);
    return;
  }
  if (match[3] === 'latest') {
    send(response, 200, info(entry, entry.versions[entry.versions.length - 1] ?? ''), 'application/json');
    return;
  }
  if (match[2] === 'list') {
    send(response, 200, entry.versions.map((version) => `${version}\n`).join(''), 'text/plain; charset=utf-8');
    return;
  }
  const file = /^(.+)\.(info|mod|zip)$/.exec(match[2] ?? '');
  const version = file?.[1] === undefined ? undefined : unescapeModulePath(file[1]);
  if (!file || version === undefined || !entry.versions.includes(version)) {
    notFound(`${module}@${version ?? file?.[1] ?? ''}: unknown revision ${version ?? ''}`);
    return;
  }
  if (file[2] === 'info') send(response, 200, info(entry, version), 'application/json');
  else if (file[2] === 'mod') send(response, 200, goModFile(module, version), 'text/plain; charset=utf-8');
  else send(response, 200, goModuleZip(module, version), 'application/zip');
}

/**
 * Start the proxy.
 *
 * @example const proxy = await startGoProxy(); // GOPROXY=proxy.url GOSUMDB=off go mod download
 */
export async function startGoProxy(options: { port?: number } = {}): Promise<GoProxy> {
  const catalog = GO_CATALOG;
  return serveOnLoopback({
    port: options.port,
    label: 'the Go proxy',
    handle: (request, response) => handle(request, response, catalog),
    fail: (response, message) => send(response, 500, `${message}\n`, 'text/plain; charset=utf-8'),
  });
}
