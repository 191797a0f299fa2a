import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { failureOf } from '../support/failure-of.js';

/**
 * A codemod that goes looking for Fleet's secrets: the environment, every /proc environ it can
 * name, the database, a private key and the network. Under the sandbox it finds none of them.
 */

const SECRET = 'xoxb-secret-sandbox-test';
let root: string;
let catalog: string;
let dbFile: string;
let keyFile: string;
let server: Server;
let port: number;
let connections = 0;

const PROBE = `
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
function attempt(fn) { try { return String(fn()); } catch (error) { return 'refused: ' + (error.code ?? error.message); } }
export async function transform(files, options) {
  const found = {
    env: JSON.stringify(process.env),
    proc1: attempt(() => readFileSync('/proc/1/environ', 'utf8')),
    procSelf: attempt(() => readFileSync('/proc/self/environ', 'utf8')),
    procParent: attempt(() => readFileSync('/proc/' + process.ppid + '/environ', 'utf8')),
    procFleet: attempt(() => readFileSync('/proc/' + options.fleetPid + '/environ', 'utf8')),
    procs: attempt(() => readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).join(',')),
    db: attempt(() => readFileSync(options.dbFile, 'utf8')),
    key: attempt(() => readFileSync(options.keyFile, 'utf8')),
    cwdOfFleet: attempt(() => readdirSync(options.fleetCwd).join(',')),
    spawnEnv: attempt(() => execFileSync('/usr/bin/env', { encoding: 'utf8' })),
    tcp: await new Promise((resolve) => {
      const socket = connect(options.port, '127.0.0.1');
      socket.once('connect', () => { socket.end(); resolve('connected'); });
      socket.once('error', (error) => resolve('refused: ' + error.code));
    }),
  };
  return { 'found.json': JSON.stringify(found, null, 1) + '\\n' };
}
`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleet-codemod-sandbox-'));
  catalog = join(root, 'catalog');
  mkdirSync(join(catalog, 'codemods'), { recursive: true });
  writeFileSync(join(catalog, 'codemods', 'probe.mjs'), PROBE);
  dbFile = join(root, 'fleet.db');
  writeFileSync(dbFile, `SQLite format 3 ${SECRET}`);
  keyFile = join(root, 'app.pem');
  writeFileSync(keyFile, `-----BEGIN RSA PRIVATE KEY-----\n${SECRET}\n-----END RSA PRIVATE KEY-----\n`);
  server = createServer((socket) => {
    connections++;
    socket.on('error', () => undefined);
    socket.end(SECRET);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  process.env.SLACK_BOT_TOKEN = SECRET;
});

afterAll(async () => {
  delete process.env.SLACK_BOT_TOKEN;
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

function probe(context: Record<string, unknown> = {}) {
  const options = { fleetPid: process.pid, dbFile, keyFile, port, fleetCwd: process.cwd() };
  return applyChange({ kind: 'codemod', options: { module: 'probe', options } }, new Map(), { repo: 'acme/app', catalogDir: catalog, ...context });
}

explainBwrapMissing('codemod-sandbox');

describe.skipIf(!bwrapAvailable)(`a codemod under the sandbox${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, () => {
  test('finds no secret of Fleet: environment, /proc, database, key file, Fleet checkout, child processes, network', async () => {
    const before = connections;
    const result = await probe();
    expect(result.unsandboxed).toBeUndefined();
    const text = result.files[0].content ?? '';
    const found = JSON.parse(text) as Record<string, string>;
    expect(found.env).toBe('{}');
    expect(found.proc1).not.toContain('SLACK');
    // Its own environ is the sandbox's few variables, never Fleet's.
    expect(found.procSelf).not.toContain('SLACK');
    expect(found.procParent).not.toContain('SLACK');
    expect(found.procFleet).toMatch(/^refused: ENOENT/);
    // Only the sandbox's own processes: bubblewrap's init and the codemod.
    expect(found.procs.split(',').length).toBeLessThanOrEqual(3);
    expect(found.db).toMatch(/^refused: ENOENT/);
    expect(found.key).toMatch(/^refused: ENOENT/);
    expect(found.cwdOfFleet).toMatch(/^refused: ENOENT/);
    expect(found.spawnEnv).not.toContain('SLACK');
    expect(found.tcp).toMatch(/^refused: (ECONNREFUSED|ENETUNREACH)/);
    expect(connections).toBe(before);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});

describe('a codemod where no sandbox can start', () => {
  test('is refused with how to install bubblewrap', async () => {
    const failure = await failureOf(probe({ sandbox: { bwrapPath: '/nonexistent/bwrap' } }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^The codemod "probe" was not run: no sandbox can be started here .*apt-get install bubblewrap.*FLEET_UNSANDBOXED=1/);
  });

  test('runs in a plain process with an empty environment when FLEET_UNSANDBOXED=1, and the result says so', async () => {
    const result = await probe({ sandbox: { bwrapPath: '/nonexistent/bwrap', allowUnsandboxed: true } });
    expect(result.unsandboxed).toBe(true);
    const found = JSON.parse(result.files[0].content ?? '') as Record<string, string>;
    expect(found.env).toBe('{}');
    // Not a worker thread of Fleet's: its own environ holds no secret.
    expect(found.procSelf).not.toContain(SECRET);
  });
});
