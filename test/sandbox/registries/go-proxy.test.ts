import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GO_CATALOG, goModFile, goModuleZip, goSumLines } from '../../../src/sandbox/registries/catalog.js';
import { escapeModulePath, startGoProxy, unescapeModulePath, type GoProxy } from '../../../src/sandbox/registries/go-proxy.js';
import { GO_SUMDB, GO_SUMDB_NAME } from '../../../src/sandbox/registries/go-sumdb.js';
import { recordRequest, REQUEST_LOG_LIMIT } from '../../../src/sandbox/registries/request-log.js';
import { crc32 } from '../../../src/sandbox/fleet/binary-files.js';
import { goSum } from '../../../src/sandbox/fleet/lockfiles.js';
import { GO_PATH, goAvailable, goMissingReason, isolatedEnv, runTool } from '../../support/package-tools.js';

/** Read a zip's entries through its central directory, checking each CRC. */
function unzip(zip: Buffer): Record<string, string> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) {
    expect(zip.readUInt32LE(offset)).toBe(0x02014b50);
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30);
    const comment = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString();
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + size);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    expect(crc32(data)).toBe(crc);
    files[name] = data.toString();
    offset += 46 + nameLength + extra + comment;
  }
  return files;
}

describe('the local Go module proxy', () => {
  let proxy: GoProxy;
  beforeAll(async () => {
    proxy = await startGoProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });

  test('escapes and unescapes module paths as the protocol says, and refuses a bare capital', () => {
    expect(escapeModulePath('github.com/BurntSushi/toml')).toBe('github.com/!burnt!sushi/toml');
    expect(unescapeModulePath('github.com/!burnt!sushi/toml')).toBe('github.com/BurntSushi/toml');
    expect(unescapeModulePath('github.com/BurntSushi/toml')).toBeUndefined();
    expect(unescapeModulePath('github.com/!1')).toBeUndefined();
  });

  test('lists versions, answers .info, .mod, .zip and @latest', async () => {
    const base = `${proxy.url}github.com/sirupsen/logrus/@v/`;
    expect(await (await fetch(`${base}list`)).text()).toBe('v1.8.1\nv1.9.0\nv1.9.3\n');
    expect(await (await fetch(`${base}v1.9.3.info`)).json()).toEqual({ Version: 'v1.9.3', Time: '2024-01-03T00:00:00Z' });
    expect(await (await fetch(`${proxy.url}github.com/sirupsen/logrus/@latest`)).json()).toEqual({ Version: 'v1.9.3', Time: '2024-01-03T00:00:00Z' });
    const mod = await (await fetch(`${base}v1.9.3.mod`)).text();
    expect(mod).toBe(goModFile('github.com/sirupsen/logrus', 'v1.9.3'));
    expect(mod).toContain('require golang.org/x/sys v0.15.0');
    const zip = Buffer.from(await (await fetch(`${base}v1.9.3.zip`)).arrayBuffer());
    expect(zip.equals(goModuleZip('github.com/sirupsen/logrus', 'v1.9.3'))).toBe(true);
    const files = unzip(zip);
    expect(Object.keys(files).sort()).toEqual(['github.com/sirupsen/logrus@v1.9.3/go.mod', 'github.com/sirupsen/logrus@v1.9.3/logrus.go']);
    expect(files['github.com/sirupsen/logrus@v1.9.3/go.mod']).toBe(mod);
  });

  test('serves escaped paths of modules with capitals', async () => {
    const response = await fetch(`${proxy.url}github.com/!burnt!sushi/toml/@v/list`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('v1.2.1\nv1.3.2\nv1.4.0\n');
    expect((await fetch(`${proxy.url}github.com/BurntSushi/toml/@v/list`)).status).toBe(400);
  });

  test('404s unknown modules, versions and paths', async () => {
    for (const path of ['github.com/nobody/nothing/@v/list', 'github.com/sirupsen/logrus/@v/v9.9.9.info', 'github.com/sirupsen/logrus/@v/v9.9.9.zip', 'github.com/sirupsen/@v/list', 'github.com/sirupsen/logrus']) {
      expect({ path, status: (await fetch(`${proxy.url}${path}`)).status }).toEqual({ path, status: 404 });
    }
  });

  test('go.sum lines are the dirhash of the zip files and of go.mod, and differ by version', () => {
    for (const entry of GO_CATALOG) {
      for (const version of entry.versions) {
        const [zipLine, modLine] = goSumLines(entry.module, version);
        expect(zipLine).toMatch(new RegExp(`^${entry.module.replace(/\./g, '\\.')} ${version} h1:[A-Za-z0-9+/]{43}=$`));
        expect(modLine).toMatch(new RegExp(`^${entry.module.replace(/\./g, '\\.')} ${version}/go.mod h1:[A-Za-z0-9+/]{43}=$`));
      }
    }
    expect(goSumLines('github.com/google/uuid', 'v1.3.0')[0]).not.toBe(goSumLines('github.com/google/uuid', 'v1.6.0')[0]);
  });

  test.skipIf(!goAvailable)(`go get and go mod tidy move a module to a new version through it${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-go-get-'));
    const before = 'module example.com/acme/billing\n\ngo 1.19\n\nrequire github.com/sirupsen/logrus v1.8.1\n';
    writeFileSync(join(dir, 'go.mod'), before);
    writeFileSync(join(dir, 'go.sum'), goSum(before));
    writeFileSync(join(dir, 'main.go'), 'package main\n\nimport "github.com/sirupsen/logrus"\n\nfunc main() { println(logrus.Version) }\n');
    const gopath = mkdtempSync(join(tmpdir(), 'fleet-gopath-'));
    const env = isolatedEnv({ GOPROXY: proxy.url, GOSUMDB: 'off', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOPATH: gopath, GOMODCACHE: join(gopath, 'pkg/mod'), GOCACHE: join(gopath, 'cache') });
    for (const args of [['get', 'github.com/sirupsen/logrus@v1.9.3'], ['mod', 'tidy'], ['mod', 'verify']]) {
      const result = await runTool(GO_PATH, args, { cwd: dir, env });
      expect({ args, code: result.code, output: result.output }).toEqual({ args, code: 0, output: expect.any(String) as unknown });
    }
    const after = readFileSync(join(dir, 'go.mod'), 'utf8');
    expect(after).toBe(before.replace('v1.8.1', 'v1.9.3'));
    expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toBe(goSum(after));
    const unknown = await runTool(GO_PATH, ['get', 'github.com/sirupsen/logrus@v1.10.0'], { cwd: dir, env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('unknown revision v1.10.0');
  }, 120_000);

  test('serves a signed tree head, lookup records and hash tiles for its checksum database', async () => {
    const base = `${proxy.url}sumdb/${GO_SUMDB_NAME}`;
    expect((await fetch(`${base}/supported`)).status).toBe(200);
    expect((await fetch(`${proxy.url}sumdb/sum.golang.org/supported`)).status).toBe(404);
    const latest = await (await fetch(`${base}/latest`)).text();
    const size = GO_CATALOG.reduce((n, entry) => n + entry.versions.length, 0);
    expect(latest).toMatch(new RegExp(`^go\\.sum database tree\\n${size}\\n[A-Za-z0-9+/]{43}=\\n\\n\u2014 ${GO_SUMDB_NAME.replace(/\./g, '\\.')} [A-Za-z0-9+/=]+\\n$`));
    const lookup = await (await fetch(`${base}/lookup/github.com/!burnt!sushi/toml@v1.3.2`)).text();
    expect(lookup).toBe(`${GO_CATALOG.flatMap((e) => e.versions.map((v) => `${e.module}@${v}`)).indexOf('github.com/BurntSushi/toml@v1.3.2')}\n${goSumLines('github.com/BurntSushi/toml', 'v1.3.2').join('\n')}\n\n${latest}`);
    expect((await fetch(`${base}/lookup/github.com/nobody/nothing@v1.0.0`)).status).toBe(404);
    const tile = Buffer.from(await (await fetch(`${base}/tile/8/0/000.p/${size}`)).arrayBuffer());
    expect(tile.length).toBe(32 * size);
    expect((await fetch(`${base}/tile/8/0/000`)).status).toBe(404); // no full tile of 256 yet
  });

  describe.skipIf(!goAvailable)(`go against its checksum database${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, () => {
    function goModule(gosumdb: string): { dir: string; env: Record<string, string> } {
      const dir = mkdtempSync(join(tmpdir(), 'fleet-go-sumdb-'));
      writeFileSync(join(dir, 'go.mod'), 'module example.com/acme/search\n\ngo 1.19\n');
      writeFileSync(join(dir, 'main.go'), 'package main\n\nimport "github.com/BurntSushi/toml"\n\nfunc main() { println(toml.Version) }\n');
      const gopath = mkdtempSync(join(tmpdir(), 'fleet-gopath-'));
      return { dir, env: isolatedEnv({ GOPROXY: proxy.url, GOSUMDB: gosumdb, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOPATH: gopath, GOMODCACHE: join(gopath, 'pkg/mod'), GOCACHE: join(gopath, 'cache') }) };
    }

    test('with GOSUMDB set to it, go get checks each new module against the log', async () => {
      const { dir, env } = goModule(GO_SUMDB);
      const before = proxy.requests.length;
      const result = await runTool(GO_PATH, ['get', 'github.com/BurntSushi/toml@v1.4.0'], { cwd: dir, env });
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.stringContaining('added github.com/BurntSushi/toml v1.4.0') as unknown });
      const paths = proxy.requests.slice(before).map((r) => `${r.status} ${decodeURIComponent(r.path)}`);
      expect(paths).toContain(`200 /sumdb/${GO_SUMDB_NAME}/lookup/github.com/!burnt!sushi/toml@v1.4.0`);
      expect(paths.some((p) => p.startsWith(`200 /sumdb/${GO_SUMDB_NAME}/tile/8/0/`))).toBe(true);
      expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toBe(goSum([{ module: 'github.com/BurntSushi/toml', version: 'v1.4.0' }]));
    }, 120_000);

    test('go refuses the database under a key that is not its own', async () => {
      const otherKey = Buffer.concat([Buffer.from([1]), Buffer.alloc(32, 7)]);
      const hash = createHash('sha256').update(`${GO_SUMDB_NAME}\n`).update(otherKey).digest().subarray(0, 4).toString('hex');
      const { dir, env } = goModule(`${GO_SUMDB_NAME}+${hash}+${otherKey.toString('base64')}`);
      const result = await runTool(GO_PATH, ['get', 'github.com/BurntSushi/toml@v1.4.0'], { cwd: dir, env });
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('verifying module: github.com/BurntSushi/toml@v1.4.0: reading tree note: note has no verifiable signatures');
    }, 120_000);
  });
});

describe('the registries request log', () => {
  test('keeps the most recent requests, bounded', () => {
    const log: { method: string; path: string; status: number }[] = [];
    for (let i = 0; i < REQUEST_LOG_LIMIT + 5; i += 1) recordRequest(log, { method: 'GET', path: `/${i}`, status: 200 });
    expect(log).toHaveLength(REQUEST_LOG_LIMIT);
    expect(log[0]?.path).toBe('/5');
    expect(log.at(-1)?.path).toBe(`/${REQUEST_LOG_LIMIT + 4}`);
  });
});
