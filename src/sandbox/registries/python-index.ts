import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeZip } from './catalog.js';
import { serveOnLoopback, type LocalServer } from './local-server.js';

/**
 * A Python package index on 127.0.0.1 for the polyglot fleet's Python services: the simple
 * repository API (PEP 503 HTML, and PEP 691 JSON when asked for) over deterministic pure-Python
 * wheels, so pip (and poetry or uv, where installed) resolve and install requirements with
 * `--index-url <url>simple/`, hashes included (`--require-hashes`).
 */

/** One Python distribution of the local index. */
export interface PythonCatalogPackage {
  name: string;
  versions: string[];
  requiresPython: string;
  summary: string;
  /** Requirements (PEP 508 name → specifier, '*' for any) of every version. */
  requires?: Record<string, string>;
}

/** The packages the generated Python services name (the same versions the fleet pins). */
export const PYTHON_CATALOG: PythonCatalogPackage[] = [
  { name: 'requests', versions: ['2.28.2', '2.31.0', '2.32.3'], requiresPython: '>=3.7', summary: 'Python HTTP for Humans.', requires: { certifi: '>=2017.4.17', 'charset-normalizer': '>=2,<4', idna: '>=2.5,<4', urllib3: '>=1.21.1,<3' } },
  { name: 'certifi', versions: ['2024.2.2'], requiresPython: '>=3.6', summary: "Python package for providing Mozilla's CA Bundle." },
  { name: 'charset-normalizer', versions: ['3.3.2'], requiresPython: '>=3.7.0', summary: 'The Real First Universal Charset Detector.' },
  { name: 'idna', versions: ['3.6'], requiresPython: '>=3.5', summary: 'Internationalized Domain Names in Applications (IDNA)' },
  { name: 'urllib3', versions: ['2.2.1'], requiresPython: '>=3.8', summary: 'HTTP library with thread-safe connection pooling, file post, and more.' },
  { name: 'flask', versions: ['3.0.2'], requiresPython: '>=3.8', summary: 'A simple framework for building complex web applications.', requires: { werkzeug: '>=3.0.0', itsdangerous: '>=2.1.2', click: '>=8.1.3', blinker: '>=1.6.2', jinja2: '>=3.1.2' } },
  { name: 'werkzeug', versions: ['3.0.1'], requiresPython: '>=3.8', summary: 'The comprehensive WSGI web application library.', requires: { markupsafe: '>=2.1.1' } },
  { name: 'itsdangerous', versions: ['2.1.2'], requiresPython: '>=3.7', summary: 'Safely pass data to untrusted environments and back.' },
  { name: 'click', versions: ['8.1.7'], requiresPython: '>=3.7', summary: 'Composable command line interface toolkit' },
  { name: 'blinker', versions: ['1.7.0'], requiresPython: '>=3.8', summary: 'Fast, simple object-to-object and broadcast signaling' },
  { name: 'jinja2', versions: ['3.1.3'], requiresPython: '>=3.7', summary: 'A very fast and expressive template engine.', requires: { markupsafe: '>=2.0' } },
  { name: 'markupsafe', versions: ['2.1.5'], requiresPython: '>=3.7', summary: 'Safely add untrusted strings to HTML/XML markup.' },
  { name: 'structlog', versions: ['23.2.0', '24.1.0'], requiresPython: '>=3.8', summary: 'Structured Logging for Python' },
  { name: 'gunicorn', versions: ['21.2.0'], requiresPython: '>=3.5', summary: 'WSGI HTTP Server for UNIX', requires: { packaging: '*' } },
  { name: 'packaging', versions: ['23.2'], requiresPython: '>=3.7', summary: 'Core utilities for Python packages' },
  { name: 'pytest', versions: ['8.0.2'], requiresPython: '>=3.8', summary: 'pytest: simple powerful testing with Python', requires: { iniconfig: '*', packaging: '*', pluggy: '>=1.3.0,<2.0' } },
  { name: 'iniconfig', versions: ['2.0.0'], requiresPython: '>=3.7', summary: 'brain-dead simple config-ini parsing' },
  { name: 'pluggy', versions: ['1.4.0'], requiresPython: '>=3.8', summary: 'plugin and hook calling mechanisms for python' },
  { name: 'ruff', versions: ['0.3.0'], requiresPython: '>=3.7', summary: 'An extremely fast Python linter and code formatter, written in Rust.' },
];

/** PEP 503's normalised name: lower case, runs of `-`, `_` and `.` as one `-`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function entryOf(name: string, version: string): PythonCatalogPackage {
  const entry = PYTHON_CATALOG.find((item) => normalizePythonName(item.name) === normalizePythonName(name));
  if (!entry || !entry.versions.includes(version)) throw new Error(`${name}==${version} is not in the local Python index's catalog`);
  return entry;
}

/** The wheel's file name: `charset_normalizer-3.3.2-py3-none-any.whl`. */
export function pythonWheelName(name: string, version: string): string {
  return `${normalizePythonName(entryOf(name, version).name).replace(/-/g, '_')}-${version}-py3-none-any.whl`;
}

const urlsafe = (digest: Buffer) => digest.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const wheels = new Map<string, Buffer>();

/**
 * A pure-Python wheel of the stand-in: the package's `__init__.py` and its `.dist-info`
 * (METADATA with Requires-Python and Requires-Dist, WHEEL, RECORD with every file's hash).
 *
 * @example pythonWheel('requests', '2.32.3').readUInt32LE(0) // 0x04034b50
 */
export function pythonWheel(name: string, version: string): Buffer {
  const entry = entryOf(name, version);
  const key = `${entry.name}==${version}`;
  const cached = wheels.get(key);
  if (cached) return cached;
  const module = normalizePythonName(entry.name).replace(/-/g, '_');
  const distInfo = `${module}-${version}.dist-info`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${entry.name}`,
    `Version: ${version}`,
    `Summary: ${entry.summary}`,
    `Requires-Python: ${entry.requiresPython}`,
    ...Object.entries(entry.requires ?? {}).map(([dep, spec]) => `Requires-Dist: ${dep}${spec === '*' ? '' : spec}`),
    '',
    `A stand-in for ${entry.name} in Fleet's local Python index.`,
    '',
  ].join('\n');
  const files: [string, Buffer][] = [
    [`${module}/__init__.py`, Buffer.from(`"""A stand-in for ${entry.name}."""\n\n__version__ = "${version}"\n`)],
    [`${distInfo}/METADATA`, Buffer.from(metadata)],
    [`${distInfo}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: fleet-sandbox\nRoot-Is-Purelib: true\nTag: py3-none-any\n')],
  ];
  const record = `${files.map(([path, data]) => `${path},sha256=${urlsafe(createHash('sha256').update(data).digest())},${data.length}`).join('\n')}\n${distInfo}/RECORD,,\n`;
  const wheel = writeZip([...files, [`${distInfo}/RECORD`, Buffer.from(record)]]);
  wheels.set(key, wheel);
  return wheel;
}

/** The wheel's sha256 in hex, as the index's `#sha256=` and a requirements file's `--hash=sha256:` carry it. */
export function pythonWheelSha256(name: string, version: string): string {
  return createHash('sha256').update(pythonWheel(name, version)).digest('hex');
}

/** The running index; pip's index URL is `<url>simple/`. */
export type PythonIndex = LocalServer;

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function send(response: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { 'content-type': type, 'content-length': bytes.length, ...headers });
  response.end(bytes);
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'Method Not Allowed\n', 'text/plain');
    return;
  }
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  const wantsJson = (request.headers.accept ?? '').split(',').some((part) => part.trim().startsWith(JSON_TYPE) && !/q=0(\.0*)?\s*$/.test(part));
  if (path === '/simple/') {
    const names = PYTHON_CATALOG.map((entry) => normalizePythonName(entry.name)).sort();
    if (wantsJson) send(response, 200, JSON.stringify({ meta: { 'api-version': '1.0' }, projects: names.map((name) => ({ name })) }), JSON_TYPE);
    else send(response, 200, `<!DOCTYPE html>\n<html><body>\n${names.map((name) => `<a href="/simple/${name}/">${name}</a><br/>`).join('\n')}\n</body></html>\n`, 'text/html');
    return;
  }
  const project = /^\/simple\/([^/]+)\/?$/.exec(path);
  if (project?.[1]) {
    const asked = decodeURIComponent(project[1]);
    const entry = PYTHON_CATALOG.find((item) => normalizePythonName(item.name) === normalizePythonName(asked));
    if (!entry) {
      send(response, 404, 'Not Found\n', 'text/plain');
      return;
    }
    const normalized = normalizePythonName(entry.name);
    if (asked !== normalized || !path.endsWith('/')) {
      // As PyPI does: one canonical URL per project.
      send(response, 301, '', 'text/plain', { location: `/simple/${normalized}/` });
      return;
    }
    const files = entry.versions.map((version) => ({ filename: pythonWheelName(entry.name, version), url: `/files/${pythonWheelName(entry.name, version)}`, sha256: pythonWheelSha256(entry.name, version) }));
    if (wantsJson) {
      send(response, 200, JSON.stringify({ meta: { 'api-version': '1.0' }, name: normalized, files: files.map((f) => ({ filename: f.filename, url: f.url, hashes: { sha256: f.sha256 }, 'requires-python': entry.requiresPython })) }), JSON_TYPE);
      return;
    }
    const links = files.map((f) => `<a href="${f.url}#sha256=${f.sha256}" data-requires-python="${escapeHtml(entry.requiresPython)}">${f.filename}</a><br/>`);
    send(response, 200, `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>Links for ${normalized}</title></head><body>\n<h1>Links for ${normalized}</h1>\n${links.join('\n')}\n</body></html>\n`, 'text/html');
    return;
  }
  const file = /^\/files\/([^/]+\.whl)$/.exec(path);
  const wheel = file?.[1] ? PYTHON_CATALOG.flatMap((entry) => entry.versions.map((version) => ({ entry, version }))).find(({ entry, version }) => pythonWheelName(entry.name, version) === file[1]) : undefined;
  if (wheel) {
    send(response, 200, pythonWheel(wheel.entry.name, wheel.version), 'application/octet-stream');
    return;
  }
  send(response, 404, 'Not Found\n', 'text/plain');
}

/**
 * Start the index.
 *
 * @example const index = await startPythonIndex(); // pip install --index-url ${index.url}simple/ requests==2.32.3
 */
export async function startPythonIndex(options: { port?: number } = {}): Promise<PythonIndex> {
  return serveOnLoopback({
    port: options.port,
    label: 'the Python index',
    handle,
    fail: (response, message) => send(response, 500, `${message}\n`, 'text/plain'),
  });
}
