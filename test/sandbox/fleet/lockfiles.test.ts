import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateFleet } from '../../../src/sandbox/fleet/generate-fleet.js';
import { goSum, npmLockfile, pnpmLockfile, yarnLockfile, type Manifests } from '../../../src/sandbox/fleet/lockfiles.js';
import { npmIntegrity } from '../../../src/sandbox/registries/catalog.js';
import { startGoProxy, type GoProxy } from '../../../src/sandbox/registries/go-proxy.js';
import { GO_SUMDB } from '../../../src/sandbox/registries/go-sumdb.js';
import { startNpmRegistry, type NpmRegistry } from '../../../src/sandbox/registries/npm-registry.js';
import { GO_PATH, goAvailable, goMissingReason, isolatedEnv, NPM_CLI, PNPM_CLI, runNodeTool, runTool, YARN1_CLI, type ToolResult } from '../../support/package-tools.js';

/**
 * The fixture lockfiles against the real tools, on the local registries only: each is what the
 * tool writes itself from the same manifests, each passes the tool's frozen install, and a
 * tampered or stale one fails as it would for real.
 */

const timings: string[] = [];
afterAll(() => {
  console.log(`[fixture lockfiles] tool timings on this machine:\n  ${timings.join('\n  ')}`);
});
function timed(label: string, result: ToolResult): ToolResult {
  timings.push(`${label}: ${result.ms} ms`);
  return result;
}

/** A generated fleet service's package.json, one that uses lodash in dependencies. */
function fleetManifest(): Record<string, unknown> {
  const repo = generateFleet({ seed: 16, repos: 12, size: 'small' }).find((r) => r.lodash?.block === 'dependencies' && r.language === 'TypeScript');
  if (!repo) throw new Error('the generated fleet has no TypeScript service using lodash');
  return JSON.parse(String(repo.files['package.json'])) as Record<string, unknown>;
}

const MONOREPO: Manifests = {
  '': { name: 'platform', version: '1.0.0', private: true, workspaces: ['packages/*'], devDependencies: { typescript: '^5.4.5', vitest: '^1.6.0' } },
  'packages/api': { name: '@acme/api', version: '1.2.0', dependencies: { '@acme/shared': '^1.0.0', express: '^4.19.2', lodash: '4.17.20' } },
  'packages/shared': { name: '@acme/shared', version: '1.0.3', dependencies: { lodash: '^4.17.21', pino: '^9.3.2' }, devDependencies: { eslint: '^8.57.0' } },
};

/** The monorepo as pnpm wants it: `workspace:` between its packages. */
const PNPM_MONOREPO: Manifests = { ...MONOREPO, 'packages/api': { ...MONOREPO['packages/api'], dependencies: { '@acme/shared': 'workspace:^', express: '^4.19.2', lodash: '4.17.20' } } };

function project(manifests: Manifests, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-lockfile-'));
  for (const [folder, manifest] of Object.entries(manifests)) {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function installedVersion(dir: string, name: string): string {
  return (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('fixture lockfiles, checked by the real package managers against the local registry', () => {
  let registry: NpmRegistry;
  const npmrc = () => `registry=${registry.url}\n`;
  beforeAll(async () => {
    registry = await startNpmRegistry();
  });
  afterAll(async () => {
    await registry.close();
  });

  const cases: [string, Manifests][] = [
    ['a generated fleet service', { '': fleetManifest() }],
    ['an npm workspaces monorepo', MONOREPO],
  ];

  describe.each(cases)('%s', (_label, manifests) => {
    test('npmLockfile is byte for byte what npm writes, and npm ci installs from it', async () => {
      const fresh = project(manifests, { '.npmrc': npmrc() });
      const install = timed(`npm install --package-lock-only (${_label})`, await runNodeTool(NPM_CLI, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: fresh, env: isolatedEnv() }));
      expect(install.output).not.toContain('ERR!');
      expect(readFileSync(join(fresh, 'package-lock.json'), 'utf8')).toBe(npmLockfile({ manifests }, { registry: registry.url }));

      // As committed: resolved on registry.npmjs.org; npm swaps the host for the configured registry.
      const lockfile = npmLockfile({ manifests });
      expect(lockfile).toContain('"resolved": "https://registry.npmjs.org/lodash/-/lodash-');
      const dir = project(manifests, { '.npmrc': npmrc(), 'package-lock.json': lockfile });
      const before = registry.requests.length;
      const ci = timed(`npm ci (${_label})`, await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, env: isolatedEnv() }));
      expect(ci.output).not.toContain('ERR!');
      expect(ci.code).toBe(0);
      expect(installedVersion(dir, 'lodash')).toBe(manifests['']?.workspaces ? '4.17.20' : (JSON.parse(lockfile) as { packages: Record<string, { version: string }> }).packages['node_modules/lodash']?.version);
      const fetched = registry.requests.slice(before);
      expect(fetched.some((r) => r.path.startsWith('/lodash/-/lodash-4.17.'))).toBe(true);
      expect(fetched.every((r) => r.status === 200 && r.path.endsWith('.tgz'))).toBe(true);
    }, 120_000);

    test('yarnLockfile is what yarn 1 writes, and yarn install --frozen-lockfile accepts it', async () => {
      const fresh = project(manifests, { '.npmrc': npmrc() });
      const install = timed(`yarn install (${_label})`, await runNodeTool(YARN1_CLI, ['install', '--ignore-scripts', '--non-interactive'], { cwd: fresh, env: isolatedEnv() }));
      expect(install.code).toBe(0);
      expect(readFileSync(join(fresh, 'yarn.lock'), 'utf8')).toBe(yarnLockfile({ manifests }, { registry: registry.url }));

      const dir = project(manifests, { '.npmrc': npmrc(), 'yarn.lock': yarnLockfile(manifests, { registry: registry.url }) });
      const frozen = timed(`yarn install --frozen-lockfile (${_label})`, await runNodeTool(YARN1_CLI, ['install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive'], { cwd: dir, env: isolatedEnv() }));
      expect(frozen.output).not.toMatch(/^error/m);
      expect(frozen.code).toBe(0);
      expect(existsSync(join(dir, 'node_modules/lodash/package.json'))).toBe(true);
    }, 120_000);
  });

  test.each([
    ['a generated fleet service', { '': fleetManifest() }, {}],
    ['a pnpm workspace', PNPM_MONOREPO, { 'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n" }],
  ] as [string, Manifests, Record<string, string>][])('pnpmLockfile is what pnpm 9 writes for %s, and pnpm install --frozen-lockfile accepts it', async (label, manifests, files) => {
    const fresh = project(manifests, { '.npmrc': npmrc(), ...files });
    const install = timed(`pnpm install --lockfile-only (${label})`, await runNodeTool(PNPM_CLI, ['install', '--lockfile-only', '--ignore-scripts'], { cwd: fresh, env: isolatedEnv() }));
    expect(install.output).not.toContain('ERR_PNPM');
    expect(readFileSync(join(fresh, 'pnpm-lock.yaml'), 'utf8')).toBe(pnpmLockfile({ manifests }));

    const dir = project(manifests, { '.npmrc': npmrc(), ...files, 'pnpm-lock.yaml': pnpmLockfile(manifests) });
    const frozen = timed(`pnpm install --frozen-lockfile (${label})`, await runNodeTool(PNPM_CLI, ['install', '--frozen-lockfile', '--ignore-scripts'], { cwd: dir, env: isolatedEnv() }));
    expect(frozen.output).not.toContain('ERR_PNPM');
    expect(frozen.code).toBe(0);
    const lodashAt = manifests['packages/api'] ? join(dir, 'packages/api') : dir;
    expect(installedVersion(lodashAt, 'lodash')).toMatch(/^4\.17\.\d+$/);
  }, 120_000);

  test('npm ci refuses a lockfile whose integrity does not match the tarball', async () => {
    const manifests = { '': fleetManifest() };
    const lockfile = npmLockfile({ manifests });
    const lock = JSON.parse(lockfile) as { packages: Record<string, { version: string; integrity: string }> };
    const lodash = lock.packages['node_modules/lodash'];
    if (!lodash) throw new Error('the fleet manifest does not use lodash');
    const other = lodash.version === '4.17.21' ? '4.17.20' : '4.17.21';
    const tampered = lockfile.replace(lodash.integrity, npmIntegrity('lodash', other));
    expect(tampered).not.toBe(lockfile);
    const dir = project(manifests, { '.npmrc': npmrc(), 'package-lock.json': tampered });
    const ci = timed('npm ci, tampered integrity', await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--fetch-retries=0'], { cwd: dir, env: isolatedEnv() }));
    expect(ci.code).not.toBe(0);
    expect(ci.output).toContain('EINTEGRITY');
  }, 120_000);

  test('npm ci refuses a lockfile left behind by a manifest-only bump', async () => {
    const manifest = fleetManifest();
    const dir = project({ '': { ...manifest, dependencies: { ...(manifest.dependencies as Record<string, string>), lodash: '4.17.21' } } }, { '.npmrc': npmrc(), 'package-lock.json': npmLockfile({ manifests: { '': manifest } }) });
    const ci = await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, env: isolatedEnv() });
    expect(ci.code).not.toBe(0);
    expect(ci.output).toMatch(/can only install packages when your package\.json and package-lock\.json .* are in sync/s);
  }, 120_000);

  test('a yarn.lock on the public registry fails rather than reach it when only .npmrc points here', async () => {
    // yarn 1 fetches the lockfile's `resolved` URL as written; the tests' closed HTTPS proxy stops it.
    const manifests = { '': fleetManifest() };
    const lockfile = yarnLockfile(manifests);
    expect(lockfile).toContain('resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.');
    const dir = project(manifests, { '.npmrc': npmrc(), 'yarn.lock': lockfile });
    const before = registry.requests.length;
    const frozen = await runNodeTool(YARN1_CLI, ['install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive', '--network-timeout', '3000'], { cwd: dir, env: isolatedEnv() });
    expect(frozen.code).not.toBe(0);
    expect(frozen.output).toMatch(/https:\/\/registry\.yarnpkg\.com\/\S+\.tgz: tunneling socket could not be established, cause=connect ECONNREFUSED 127\.0\.0\.1:9/);
    expect(registry.requests.slice(before).filter((r) => r.path.endsWith('.tgz'))).toEqual([]);
  }, 120_000);

  test('pnpm --frozen-lockfile refuses a lockfile whose specifiers are not the manifest', async () => {
    const manifest = fleetManifest();
    const bumped = { ...manifest, dependencies: { ...(manifest.dependencies as Record<string, string>), lodash: '4.17.21' } };
    const dir = project({ '': bumped }, { '.npmrc': npmrc(), 'pnpm-lock.yaml': pnpmLockfile({ '': manifest }) });
    const frozen = await runNodeTool(PNPM_CLI, ['install', '--frozen-lockfile', '--ignore-scripts'], { cwd: dir, env: isolatedEnv() });
    expect(frozen.code).not.toBe(0);
    expect(frozen.output).toContain('ERR_PNPM_OUTDATED_LOCKFILE');
  }, 120_000);

  test('bad input is a clear error', () => {
    expect(() => npmLockfile({ manifests: { '': { name: 'x', dependencies: { 'left-pad': '^1.0.0' } } } })).toThrow("left-pad is not in the local registry's catalog");
    expect(() => yarnLockfile({ '': { name: 'x', dependencies: { lodash: '^5.0.0' } } })).toThrow("no version of lodash in the local registry's catalog satisfies ^5.0.0");
    expect(() => pnpmLockfile({ '': { name: 'x', optionalDependencies: { lodash: '^4.17.0' } } })).toThrow('optionalDependencies');
    expect(() => npmLockfile({ manifests: { 'packages/a': { name: 'a' } } })).toThrow('no root package.json');
    expect(() => npmLockfile({ manifests: { '': { name: 'x', dependencies: { lodash: 'github:lodash/lodash' } } } })).toThrow('not a registry range');
    expect(() => yarnLockfile({ '': { name: 'x', private: true, workspaces: ['packages/*'] }, 'tools/cli': { name: 'cli' } })).toThrow("tools/cli/package.json is not one of the root package.json's workspaces");
    expect(() => npmLockfile({ '': { name: 'x' }, 'packages/a': { name: 'a' } })).toThrow('is not one of the root');
    expect(() => yarnLockfile({ '': { name: 'x', workspaces: ['packages/*'] }, 'packages/a': { name: 'a' } })).toThrow('Workspaces can only be enabled in private projects');
    expect(npmLockfile({ '': { name: 'x', workspaces: ['./apps/**'] }, 'apps/web/site': { name: 'site' } })).toContain('"node_modules/site"');
  });
});

describe.skipIf(!goAvailable)(`goSum, checked by go against the local proxy${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, () => {
  let proxy: GoProxy;
  beforeAll(async () => {
    proxy = await startGoProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });

  const GO_MOD = 'module example.com/acme/ledger\n\ngo 1.19\n\nrequire (\n\tgithub.com/BurntSushi/toml v1.3.2\n\tgithub.com/google/uuid v1.3.0\n\tgithub.com/sirupsen/logrus v1.9.0\n)\n';
  const MAIN = 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/BurntSushi/toml"\n\t"github.com/google/uuid"\n\t"github.com/sirupsen/logrus"\n)\n\nfunc main() { fmt.Println(toml.Version, uuid.Version, logrus.Version) }\n';

  function goProject(goSumText: string | undefined): { dir: string; env: Record<string, string> } {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-gosum-'));
    writeFileSync(join(dir, 'go.mod'), GO_MOD);
    writeFileSync(join(dir, 'main.go'), MAIN);
    if (goSumText !== undefined) writeFileSync(join(dir, 'go.sum'), goSumText);
    const gopath = mkdtempSync(join(tmpdir(), 'fleet-gopath-'));
    // GOFLAGS=-mod=mod lets go add what go.sum lacks; the test requires go.sum unchanged instead.
    return { dir, env: isolatedEnv({ GOPROXY: proxy.url, GOSUMDB: GO_SUMDB, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOPATH: gopath, GOMODCACHE: join(gopath, 'pkg/mod'), GOCACHE: join(gopath, 'cache') }) };
  }

  test('go mod download, go mod verify and go build accept it and change nothing; go mod tidy writes the same', async () => {
    const sum = goSum(GO_MOD);
    expect(sum.split('\n').filter(Boolean)).toHaveLength(6);
    const { dir, env } = goProject(sum);
    for (const args of [['mod', 'download'], ['mod', 'verify'], ['build', './...']]) {
      const result = timed(`go ${args.join(' ')}`, await runTool(GO_PATH, args, { cwd: dir, env }));
      expect({ args, code: result.code, output: result.output }).toEqual({ args, code: 0, output: expect.not.stringContaining('SECURITY ERROR') as unknown });
    }
    expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toBe(sum);
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toBe(GO_MOD);
    expect(proxy.requests.some((r) => decodeURIComponent(r.path) === '/github.com/!burnt!sushi/toml/@v/v1.3.2.zip' && r.status === 200)).toBe(true);

    const fresh = goProject(undefined);
    const tidy = timed('go mod tidy', await runTool(GO_PATH, ['mod', 'tidy'], { cwd: fresh.dir, env: fresh.env }));
    expect(tidy.code).toBe(0);
    expect(readFileSync(join(fresh.dir, 'go.sum'), 'utf8')).toBe(sum);
  }, 120_000);

  test('go refuses a go.sum with a wrong hash', async () => {
    const sum = goSum([{ module: 'github.com/google/uuid', version: 'v1.3.0' }, { module: 'github.com/BurntSushi/toml', version: 'v1.3.2' }, { module: 'github.com/sirupsen/logrus', version: 'v1.9.0' }]);
    expect(sum).toBe(goSum(GO_MOD));
    const wrong = sum.replace(/^(github\.com\/google\/uuid v1\.3\.0 h1:)\S+$/m, `$1${goSum([{ module: 'github.com/google/uuid', version: 'v1.6.0' }]).split(' h1:')[1]?.split('\n')[0] ?? ''}`);
    expect(wrong).not.toBe(sum);
    const { dir, env } = goProject(wrong);
    const download = await runTool(GO_PATH, ['mod', 'download'], { cwd: dir, env });
    expect(download.code).not.toBe(0);
    expect(download.output).toContain('checksum mismatch');
  }, 120_000);

  test('a module the proxy does not serve is a clear error', () => {
    expect(() => goSum([{ module: 'github.com/nobody/nothing', version: 'v1.0.0' }])).toThrow("github.com/nobody/nothing@v1.0.0 is not in the local Go proxy's catalog");
  });
});
