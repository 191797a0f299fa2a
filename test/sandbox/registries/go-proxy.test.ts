import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GO_CATALOG, goModFile, goModuleZip, goSumLines } from '../../../src/sandbox/registries/catalog.js';
import { escapeModulePath, startGoProxy, unescapeModulePath, type GoProxy } from '../../../src/sandbox/registries/go-proxy.js';
import { crc32 } from '../../../src/sandbox/fleet/binary-files.js';

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
});
