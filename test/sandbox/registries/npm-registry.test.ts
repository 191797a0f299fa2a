import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NPM_CATALOG, npmIntegrity, npmShasum, npmTarball } from '../../../src/sandbox/registries/catalog.js';
import { startNpmRegistry, type NpmRegistry } from '../../../src/sandbox/registries/npm-registry.js';
import { isolatedEnv, NPM_CLI, runNodeTool, YARN_BERRY_CLI } from '../../support/package-tools.js';

function tarEntries(tgz: Buffer): Record<string, string> {
  const tar = gunzipSync(tgz);
  const entries: Record<string, string> = {};
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar.subarray(offset, offset + 100).toString('latin1').replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(tar.subarray(offset + 124, offset + 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    entries[name] = tar.subarray(offset + 512, offset + 512 + size).toString();
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

describe('the local npm registry', () => {
  let registry: NpmRegistry;
  beforeAll(async () => {
    registry = await startNpmRegistry();
  });
  afterAll(async () => {
    await registry.close();
  });

  test('listens on 127.0.0.1 and serves a full packument with tarball URLs on itself', async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await fetch(`${registry.url}lodash`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { name: string; 'dist-tags': { latest: string }; versions: Record<string, { dist: { tarball: string; integrity: string; shasum: string } }>; time: Record<string, string> };
    expect(body.name).toBe('lodash');
    expect(body['dist-tags'].latest).toBe('4.17.21');
    expect(Object.keys(body.versions)).toEqual(NPM_CATALOG.find((p) => p.name === 'lodash')?.versions);
    expect(body.versions['4.17.20']?.dist).toEqual({ tarball: `${registry.url}lodash/-/lodash-4.17.20.tgz`, integrity: npmIntegrity('lodash', '4.17.20'), shasum: npmShasum('lodash', '4.17.20'), fileCount: 2, unpackedSize: expect.any(Number) });
    expect(body.time['4.17.21']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('answers the abbreviated install form when the client asks for it', async () => {
    const response = await fetch(`${registry.url}express`, { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' } });
    expect(response.headers.get('content-type')).toBe('application/vnd.npm.install-v1+json');
    const body = (await response.json()) as Record<string, unknown> & { versions: Record<string, Record<string, unknown>> };
    expect(Object.keys(body).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions']);
    expect(body.versions['4.21.2']?.dependencies).toEqual({ 'body-parser': '1.20.3', cookie: '0.7.1', ms: '2.0.0' });
    expect(body.versions['4.21.2']).not.toHaveProperty('readme');
  });

  test('serves tarballs whose bytes match the integrity and hold package/package.json', async () => {
    const response = await fetch(`${registry.url}debug/-/debug-4.3.7.tgz`);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.equals(npmTarball('debug', '4.3.7'))).toBe(true);
    expect(`sha512-${createHash('sha512').update(bytes).digest('base64')}`).toBe(npmIntegrity('debug', '4.3.7'));
    const entries = tarEntries(bytes);
    expect(Object.keys(entries).sort()).toEqual(['package/index.js', 'package/package.json']);
    expect(JSON.parse(entries['package/package.json'] ?? '{}')).toMatchObject({ name: 'debug', version: '4.3.7', dependencies: { ms: '^2.1.3' } });
    expect(npmTarball('debug', '4.3.7').equals(npmTarball('debug', '4.3.7', [...NPM_CATALOG]))).toBe(true);
  });

  test('knows scoped names escaped and not, and their tarballs', async () => {
    const escaped = (await (await fetch(`${registry.url}@types%2flodash`)).json()) as { name: string; versions: Record<string, { dist: { tarball: string } }> };
    const plain = (await (await fetch(`${registry.url}@types/lodash`)).json()) as { name: string };
    expect(escaped.name).toBe('@types/lodash');
    expect(plain.name).toBe('@types/lodash');
    const tarball = escaped.versions['4.17.13']?.dist.tarball ?? '';
    expect(tarball).toBe(`${registry.url}@types/lodash/-/lodash-4.17.13.tgz`);
    expect((await fetch(tarball)).status).toBe(200);
  });

  test('serves one version by number or dist-tag', async () => {
    expect(await (await fetch(`${registry.url}lodash/4.17.20`)).json()).toMatchObject({ name: 'lodash', version: '4.17.20', _id: 'lodash@4.17.20', dist: { integrity: npmIntegrity('lodash', '4.17.20') } });
    expect(await (await fetch(`${registry.url}@types/lodash/latest`)).json()).toMatchObject({ name: '@types/lodash', version: '4.17.13' });
    const missing = await fetch(`${registry.url}lodash/4.17.99`);
    expect({ status: missing.status, body: await missing.json() }).toEqual({ status: 404, body: { error: 'version not found: 4.17.99' } });
  });

  test('serves dist-tags and 404s what it does not have', async () => {
    expect(await (await fetch(`${registry.url}-/package/zod/dist-tags`)).json()).toEqual({ latest: '3.24.1' });
    for (const path of ['left-pad', 'lodash/-/lodash-4.17.22.tgz', 'lodash/-/lodash-4.17.21.zip', '-/package/left-pad/dist-tags', '@types%2fleft-pad']) {
      const response = await fetch(`${registry.url}${path}`);
      expect({ path, status: response.status, body: await response.json() }).toEqual({ path, status: 404, body: { error: 'Not found' } });
    }
    expect((await fetch(`${registry.url}lodash`, { method: 'PUT', body: '{}' })).status).toBe(405);
    expect(registry.requests.at(-1)).toEqual({ method: 'PUT', path: '/lodash', status: 405 });
    expect((await fetch(`${registry.url}lodash`, { method: 'DELETE' })).status).toBe(405);
    const audit = await fetch(`${registry.url}-/npm/v1/security/advisories/bulk`, { method: 'POST', body: JSON.stringify({ lodash: ['4.17.20'] }), headers: { 'content-type': 'application/json' } });
    expect({ status: audit.status, body: await audit.json() }).toEqual({ status: 200, body: {} });
  });

  test('with a token, refuses requests without it and serves those with it', { timeout: 60_000 }, async () => {
    const privateRegistry = await startNpmRegistry({ token: 's3cret' });
    try {
      const refused = await fetch(`${privateRegistry.url}lodash`);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'Unauthorized' });
      expect((await fetch(`${privateRegistry.url}lodash`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${privateRegistry.url}lodash`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);

      // npm sends the token .npmrc gives for the registry's host, and fails without it.
      const host = privateRegistry.url.replace(/^http:/, '');
      for (const token of ['s3cret', undefined]) {
        const dir = mkdtempSync(join(tmpdir(), 'fleet-npm-private-'));
        writeFileSync(join(dir, '.npmrc'), `registry=${privateRegistry.url}\n${token ? `${host}:_authToken=${token}\n` : ''}`);
        writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { lodash: '4.17.21' } })}\n`);
        const result = await runNodeTool(NPM_CLI, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--fetch-retries=0'], { cwd: dir, env: isolatedEnv() });
        if (token) expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.not.stringContaining('ERR!') as unknown });
        else expect(result.output).toContain('E401');
      }
    } finally {
      await privateRegistry.close();
    }
  });

  test('the real npm installs from it, and only from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-npm-registry-'));
    writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { express: '^4.19.2', ioredis: '^5.4.1', '@types/lodash': '^4.17.7' } }, null, 2)}\n`);
    const before = registry.requests.length;
    const result = await runNodeTool(NPM_CLI, ['install', '--ignore-scripts', '--audit', '--no-fund'], { cwd: dir, env: isolatedEnv() });
    expect(result.output).toContain('found 0 vulnerabilities');
    expect(result.output).not.toMatch(/ERR!/);
    expect(result.code).toBe(0);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string; integrity?: string }> };
    expect(lock.packages['node_modules/express']).toMatchObject({ version: '4.21.2', resolved: `${registry.url}express/-/express-4.21.2.tgz`, integrity: npmIntegrity('express', '4.21.2') });
    expect(lock.packages['node_modules/debug']?.version).toBe('4.3.7');
    // express wants ms 2.0.0, debug 4 wants ^2.1.3: npm keeps one at the top and nests the other.
    expect(Object.entries(lock.packages).filter(([path]) => path.endsWith('node_modules/ms')).map(([, entry]) => entry.version).sort()).toEqual(['2.0.0', '2.1.3']);
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/@types/lodash/package.json'), 'utf8'))).toMatchObject({ version: '4.17.13' });
    expect(registry.requests.slice(before).every((r) => r.status === 200)).toBe(true);
    expect(registry.requests.slice(before).some((r) => r.method === 'POST' && r.path === '/-/npm/v1/security/advisories/bulk')).toBe(true);
  }, 120_000);

  test('with tarballBase on the public registry, npm fetches here and writes the lockfile it would write against the public one', async () => {
    const publicLooking = await startNpmRegistry({ tarballBase: 'https://registry.npmjs.org' });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'fleet-npm-tarball-base-'));
      writeFileSync(join(dir, '.npmrc'), `registry=${publicLooking.url}\n`);
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { lodash: '4.17.21', '@types/lodash': '^4.17.7' } }, null, 2)}\n`);
      const result = await runNodeTool(NPM_CLI, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--fetch-retries=0'], { cwd: dir, env: isolatedEnv() });
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.not.stringContaining('ERR!') as unknown });
      const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
      expect(lock.packages['node_modules/lodash']?.resolved).toBe('https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz');
      expect(lock.packages['node_modules/@types/lodash']?.resolved).toBe('https://registry.npmjs.org/@types/lodash/-/lodash-4.17.13.tgz');
      expect(publicLooking.requests.filter((r) => r.path.endsWith('.tgz')).map((r) => r.path).sort()).toEqual(['/@types/lodash/-/lodash-4.17.13.tgz', '/lodash/-/lodash-4.17.21.tgz']);
    } finally {
      await publicLooking.close();
    }
  }, 120_000);

  test('yarn berry resolves and fetches from it with npmRegistryServer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-berry-registry-'));
    writeFileSync(join(dir, '.yarnrc.yml'), `npmRegistryServer: "${registry.url.replace(/\/$/, '')}"\nunsafeHttpWhitelist:\n  - 127.0.0.1\nenableTelemetry: false\nenableGlobalCache: false\nnodeLinker: node-modules\n`);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', packageManager: 'yarn@4.5.3', dependencies: { lodash: '^4.17.20', pino: '^9.3.2', '@types/lodash': '^4.17.7' } }, null, 2)}\n`);
    const before = registry.requests.length;
    const result = await runNodeTool(YARN_BERRY_CLI, ['install', '--mode=update-lockfile'], { cwd: dir, env: isolatedEnv({ YARN_ENABLE_SCRIPTS: '0' }) });
    expect(result.output).not.toMatch(/YN0001|YN0035/);
    expect(result.code).toBe(0);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    expect(lock).toContain('__metadata:');
    expect(lock).toMatch(/"lodash@npm:\^4\.17\.20":\n {2}version: 4\.17\.21\n {2}resolution: "lodash@npm:4\.17\.21"/);
    expect(lock).toContain('"@types/lodash@npm:^4.17.7"');
    const served = registry.requests.slice(before);
    expect(served.some((r) => r.path === '/lodash/-/lodash-4.17.21.tgz' && r.status === 200)).toBe(true);
    expect(served.every((r) => r.status === 200)).toBe(true);
  }, 120_000);
});
