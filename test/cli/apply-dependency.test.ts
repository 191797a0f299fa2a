import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyCommand } from '../../src/cli/apply.js';
import { goSum, npmLockfile } from '../../src/sandbox/fleet/lockfiles.js';
import { startGoProxy, type GoProxy } from '../../src/sandbox/registries/go-proxy.js';
import { GO_SUMDB } from '../../src/sandbox/registries/go-sumdb.js';
import { startNpmRegistry, type NpmRegistry } from '../../src/sandbox/registries/npm-registry.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { GO_PATH, goAvailable, goMissingReason, isolatedEnv, NPM_CLI, runNodeTool, runTool } from '../support/package-tools.js';
import { dependencySpec } from '../support/dependency-spec.js';
import { capture } from './capture-io.js';

/**
 * `fleet apply` with a `dependency` spec on a repository as the generated fleet carries it (its
 * lockfile from src/sandbox/fleet/lockfiles.ts), the tools pointed at the local registries by
 * FLEET_NPM_REGISTRY / FLEET_GOPROXY / FLEET_GOSUMDB as an operator would: the folder it writes
 * must install with the ecosystem's own CI command.
 */

let root: string;
let registry: NpmRegistry;
let goProxy: GoProxy;


function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleet-apply-dependency-'));
  registry = await startNpmRegistry({ tarballBase: 'https://registry.npmjs.org/' });
  goProxy = await startGoProxy();
});

afterAll(async () => {
  await registry.close();
  await goProxy.close();
  rmSync(root, { recursive: true, force: true });
});

explainBwrapMissing('fleet apply dependency');

describe.skipIf(!bwrapAvailable)(`fleet apply with the dependency kind${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, { timeout: 120_000 }, () => {
  test('npm: --write leaves package.json and a package-lock.json that npm ci installs from the local registry', async () => {
    const dir = join(root, 'npm');
    const manifest = { name: 'api', version: '1.0.0', private: true, dependencies: { lodash: '^4.17.15', express: '4.19.2' } };
    write(dir, {
      'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
      'package-lock.json': npmLockfile({ manifests: { '': manifest } }),
      // A missed registry setting fails instead of reaching the public registry.
      '.npmrc': 'https-proxy=http://127.0.0.1:9/\nnoproxy=127.0.0.1\nfetch-retries=0\n',
    });
    writeFileSync(join(root, 'npm.yml'), dependencySpec('{ package: lodash, version: "^4.17.21" }'));
    const io = capture({ FLEET_NPM_REGISTRY: registry.url });
    expect(await applyCommand.run([join(root, 'npm.yml'), dir, '--write'], io)).toBe(0);
    expect(io.out).toContain('diff --git a/package-lock.json b/package-lock.json');
    expect(io.err).toMatch(/^Set lodash to \^4\.17\.21 in package\.json.*; package-lock\.json regenerated with npm \d+\.\d+\.\d+: 2 files, /m);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
    expect(lock.packages['node_modules/lodash']).toMatchObject({ version: '4.17.21', resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz' });
    const ci = await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts'], { cwd: dir, env: isolatedEnv({ npm_config_registry: registry.url }) });
    expect(ci.output).toMatch(/added \d+ packages/);
    expect(ci.code).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'node_modules/lodash/package.json'), 'utf8')) as { version: string }).version).toBe('4.17.21');
  });

  test('a version the registry lacks: exit 1, npm\'s sentence and the end of its output, the folder unchanged', async () => {
    const dir = join(root, 'npm-missing');
    const manifest = { name: 'api', version: '1.0.0', private: true, dependencies: { lodash: '4.17.20' } };
    const files = { 'package.json': `${JSON.stringify(manifest, null, 2)}\n`, 'package-lock.json': npmLockfile({ manifests: { '': manifest } }), '.npmrc': 'https-proxy=http://127.0.0.1:9/\nnoproxy=127.0.0.1\nfetch-retries=0\n' };
    write(dir, files);
    writeFileSync(join(root, 'missing.yml'), dependencySpec('{ package: lodash, version: "4.99.1" }'));
    const io = capture({ FLEET_NPM_REGISTRY: registry.url });
    expect(await applyCommand.run([join(root, 'missing.yml'), dir, '--write'], io)).toBe(1);
    expect(io.err).toMatch(/^fleet apply: npm could not update package-lock\.json \(`npm install --package-lock-only/);
    expect(io.err).toContain('--- the last lines of its output ---');
    expect(io.err).toContain('No matching version found for lodash@4.99.1');
    for (const [path, text] of Object.entries(files)) expect(readFileSync(join(dir, path), 'utf8')).toBe(text);
  });

  test.skipIf(!goAvailable)(`go: go.mod and go.sum that a read-only build accepts${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, async () => {
    const dir = join(root, 'go');
    write(dir, {
      'go.mod': 'module github.com/acme/ledger\n\ngo 1.19\n\nrequire github.com/sirupsen/logrus v1.8.1\n\nrequire golang.org/x/sys v0.5.0 // indirect\n',
      'go.sum': goSum([{ module: 'github.com/sirupsen/logrus', version: 'v1.8.1' }, { module: 'golang.org/x/sys', version: 'v0.5.0' }]),
      'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/sirupsen/logrus"\n)\n\nfunc main() { fmt.Println(logrus.Version) }\n',
    });
    writeFileSync(join(root, 'go.yml'), dependencySpec('{ package: github.com/sirupsen/logrus, version: v1.9.3 }'));
    const io = capture({ FLEET_GOPROXY: goProxy.url, FLEET_GOSUMDB: GO_SUMDB });
    expect(await applyCommand.run([join(root, 'go.yml'), dir, '--write'], io)).toBe(0);
    expect(io.err).toMatch(/go\.sum regenerated with go \d+\.\d+/);
    expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toMatch(/^github\.com\/sirupsen\/logrus v1\.9\.3 h1:/m);
    const gopath = mkdtempSync(join(tmpdir(), 'fleet-apply-gopath-'));
    try {
      const env = isolatedEnv({ GOPROXY: goProxy.url, GOSUMDB: GO_SUMDB, GOFLAGS: '-mod=readonly', GOPATH: gopath, GOMODCACHE: join(gopath, 'pkg/mod'), GOCACHE: join(gopath, 'cache') });
      const build = await runTool(GO_PATH, ['build', '-o', '/dev/null', '.'], { cwd: dir, env });
      expect(build.output).not.toContain('missing go.sum entry');
      expect(build.code).toBe(0);
    } finally {
      await runTool(GO_PATH, ['clean', '-modcache'], { cwd: dir, env: isolatedEnv({ GOPATH: gopath, GOMODCACHE: join(gopath, 'pkg/mod') }) });
      rmSync(gopath, { recursive: true, force: true });
    }
  });
});
