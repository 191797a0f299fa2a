import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyChangeInDirectory } from '../../../src/changes/apply-in-directory.js';
import { updateLockfiles } from '../../../src/changes/dependency/lockfiles.js';
import { findTool } from '../../../src/changes/dependency/tools.js';
import type { ManifestOutcome } from '../../../src/changes/dependency/types.js';
import { DependencyOptions } from '../../../src/changes/options.js';
import type { ChangeContext } from '../../../src/changes/types.js';
import { isFleetError } from '../../../src/errors.js';
import { startGoProxy, type GoProxy } from '../../../src/sandbox/registries/go-proxy.js';
import { GO_SUMDB } from '../../../src/sandbox/registries/go-sumdb.js';
import { npmLockfile, pnpmLockfile, yarnLockfile } from '../../../src/sandbox/fleet/lockfiles.js';
import { startNpmRegistry, type NpmRegistry } from '../../../src/sandbox/registries/npm-registry.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../../support/bwrap.js';
import { GO_PATH, goAvailable, goMissingReason } from '../../support/package-tools.js';
import { createWorkTree, gitIn } from '../../support/work-tree.js';

/**
 * The lockfile tools for real, in the real sandbox, against the local registry: each fixture
 * repository's lockfile is written by its own tool first, then the dependency change moves lodash
 * and regenerates it, and the repository's CI command (npm ci, --frozen-lockfile, --immutable)
 * must accept the result. Every fixture's own configuration sends https through a proxy that does
 * not exist, so a tool that missed the local registry fails instead of reaching the real one.
 */

const DEAD_PROXY = 'http://127.0.0.1:9/';
const NPMRC_STRICT = `https-proxy=${DEAD_PROXY}\nnoproxy=127.0.0.1\nfetch-retries=0\n`;
const YARNRC_STRICT = `httpsProxy: "${DEAD_PROXY}"\n`;
const NODE = process.execPath;
const YARN1 = findTool('yarn');
const BERRY = findTool('yarn-berry');
const PNPM = findTool('pnpm');
const NPM = findTool('npm');

let registry: NpmRegistry;
let goProxy: GoProxy;
let ctx: ChangeContext;
const dirs: string[] = [];

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * Runs a package manager on the host (to write a fixture's first lockfile, or to install the
 * result as CI would); asynchronously, since the registry answering it lives in this process.
 */
function host(argv: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  const home = temp('fleet-lockfiles-home-');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    npm_config_registry: registry.url,
    npm_config_cache: join(home, '.npm'),
    npm_config_store_dir: join(home, '.pnpm-store'),
    npm_config_update_notifier: 'false',
    YARN_CACHE_FOLDER: join(home, '.yarn-cache'),
    YARN_NPM_REGISTRY_SERVER: registry.url.replace(/\/$/, ''),
    YARN_UNSAFE_HTTP_WHITELIST: '127.0.0.1',
    YARN_ENABLE_GLOBAL_CACHE: '0',
    YARN_GLOBAL_FOLDER: join(home, '.yarn-global'),
    YARN_ENABLE_TELEMETRY: '0',
    YARN_IGNORE_PATH: '1',
    CI: '1',
    GOPROXY: goProxy.url,
    GOSUMDB: GO_SUMDB,
    GOFLAGS: '-mod=mod',
    GOPATH: join(home, 'go'),
    GOMODCACHE: join(home, 'go', 'pkg', 'mod'),
    GOCACHE: join(home, 'go-cache'),
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

async function mustRun(argv: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<void> {
  const result = await host(argv, cwd, extraEnv);
  if (result.status !== 0) throw new Error(`${argv.slice(1).join(' ')} failed:\n${result.output}`);
}

/** A git checkout of `files` whose lockfile `generate` wrote with the real tool, committed as its base. */
async function repo(files: Record<string, string>, generate: string[]): Promise<string> {
  const dir = createWorkTree(files, 'fleet-lockfiles-');
  dirs.push(dir);
  await mustRun(generate, dir);
  // What the tool installed is not part of the repository: node_modules in the root and in each workspace package.
  for (const leftover of ['node_modules', '.yarn', ...['packages/api', 'packages/web'].map((p) => `${p}/node_modules`)]) rmSync(join(dir, leftover), { recursive: true, force: true });
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'lockfile']);
  return dir;
}

/** The checkout as CI sees it after the change: a copy without .git, to install from. */
function copyOf(dir: string): string {
  const copy = temp('fleet-lockfiles-ci-');
  cpSync(dir, copy, { recursive: true, filter: (source) => !source.split('/').includes('.git') });
  return copy;
}

function installedVersion(dir: string, pkg: string): string {
  return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

function bump(options: Record<string, unknown> = {}) {
  return { kind: 'dependency', options: { package: 'lodash', version: '4.17.21', ...options } };
}

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isFleetError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected the change to fail');
}

function pkg(dependencies: Record<string, string>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ name: 'payments-api', version: '1.0.0', private: true, ...extra, dependencies }, null, 2)}\n`;
}

beforeAll(async () => {
  registry = await startNpmRegistry();
  goProxy = await startGoProxy();
  ctx = { repo: 'acme/payments-api', dependencies: { npmRegistry: registry.url, goProxy: goProxy.url, goSumDb: GO_SUMDB } };
});

afterAll(async () => {
  await registry.close();
  await goProxy.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

explainBwrapMissing('lockfiles');

describe('refused before any tool runs', () => {
  const options = DependencyOptions.parse({ package: 'lodash', version: '4.17.21' });
  const outcome = (lockfiles: string[], extra: Partial<ManifestOutcome> = {}): ManifestOutcome => ({ ecosystem: 'npm', edits: [], changed: [], already: [], declarations: 1, lockfiles, ...extra });

  test('a packageManager of another major version than the tool Fleet has names the version asked for', async () => {
    const dir = createWorkTree({ 'package.json': pkg({ lodash: '4.17.21' }, { packageManager: 'pnpm@8.15.4+sha256.abc' }), 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n" });
    dirs.push(dir);
    const failure = await errorOf(updateLockfiles({ dir, outcome: outcome(['pnpm-lock.yaml'], { manager: 'pnpm', root: '' }), options }, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toContain('package.json asks for pnpm@8.15.4 (its packageManager field), and Fleet has pnpm 9.');
  });

  test('Gradle dependency locking goes to a person, naming the lockfile and the command', async () => {
    const dir = createWorkTree({ 'build.gradle.kts': 'plugins { java }\n', 'gradle.lockfile': 'empty=\n', gradlew: '#!/bin/sh\n' });
    dirs.push(dir);
    const failure = await errorOf(updateLockfiles({ dir, outcome: { ...outcome(['gradle.lockfile'], { manager: 'gradle', root: '' }), ecosystem: 'gradle' }, options }, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^gradle\.lockfile is Gradle's dependency lock: .*\.\/gradlew dependencies --write-locks/);
  });

  // uv is in no Debian package, so it is missing here and in CI alike; poetry (installed for its own tests) takes the same path.
  test.skipIf(findTool('uv') !== undefined)(`uv.lock without uv installed is refused, saying how to install it${findTool('uv') ? ' (skipped: uv is installed here)' : ''}`, async () => {
    const dir = createWorkTree({ 'pyproject.toml': '[project]\nname = "x"\nversion = "1.0.0"\ndependencies = ["requests==2.32.3"]\n', 'uv.lock': 'version = 1\n' });
    dirs.push(dir);
    const failure = await errorOf(updateLockfiles({ dir, outcome: { ...outcome(['uv.lock'], { manager: 'uv', root: '' }), ecosystem: 'python' }, options }, ctx));
    expect(failure.message).toMatch(/^uv\.lock needs uv to be regenerated, and uv is not installed where Fleet runs: install it \(/);
    expect(failure.message).toContain('Fleet does not commit the manifest without its lockfile');
  });

  test('a credential the operator did not allow is refused by name', async () => {
    const dir = createWorkTree({ 'package.json': pkg({ lodash: '4.17.21' }), 'package-lock.json': '{}\n' });
    dirs.push(dir);
    const asking = DependencyOptions.parse({ package: 'lodash', version: '4.17.21', credentials: ['NPM_TOKEN'] });
    const failure = await errorOf(updateLockfiles({ dir, outcome: outcome(['package-lock.json'], { manager: 'npm', root: '' }), options: asking }, { ...ctx, dependencies: { ...ctx.dependencies, credentials: { OTHER: 'x' } } }));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toContain('The spec asks for NPM_TOKEN, which the operator has not allowed in FLEET_DEPENDENCY_CREDENTIALS');
  });
});

describe.skipIf(!bwrapAvailable)(`the repository's own tool in the sandbox${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, { timeout: 120_000 }, () => {
  test('npm: package-lock.json regenerated lockfile-only, and npm ci installs the new version', async () => {
    const dir = await repo({ 'package.json': pkg({ lodash: '4.17.20', express: '^4.19.2' }), '.npmrc': NPMRC_STRICT }, [NODE, NPM!.args[0], 'install', '--package-lock-only', '--ignore-scripts']);
    const before = readFileSync(join(dir, 'package-lock.json'), 'utf8');
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    expect(result.noop).toBe(false);
    expect(result.reason).toMatch(/^Set lodash to 4\.17\.21 in package\.json.*; package-lock\.json regenerated with npm \d+\.\d+\.\d+$/);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string>; resolved?: string }> };
    expect(lock.packages['node_modules/lodash'].version).toBe('4.17.21');
    expect(lock.packages[''].dependencies?.lodash).toBe('4.17.21');
    // Nothing else moved: express and its tree are as they were.
    expect(lock.packages['node_modules/express'].version).toBe((JSON.parse(before) as typeof lock).packages['node_modules/express'].version);
    expect(result.files.map((f) => f.path).sort()).toEqual(['package-lock.json', 'package.json']);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const ci = copyOf(dir);
    await mustRun([NODE, NPM!.args[0], 'ci', '--ignore-scripts'], ci);
    expect(installedVersion(ci, 'lodash')).toBe('4.17.21');
  });

  test('npm workspaces: the package in packages/api moves, the root lockfile is the one regenerated', async () => {
    const files = {
      'package.json': `${JSON.stringify({ name: 'platform', private: true, workspaces: ['packages/*'] }, null, 2)}\n`,
      'packages/api/package.json': `${JSON.stringify({ name: '@acme/api', version: '1.0.0', dependencies: { lodash: '^4.17.15', zod: '3.23.8' } }, null, 2)}\n`,
      'packages/web/package.json': `${JSON.stringify({ name: '@acme/web', version: '1.0.0', dependencies: { dayjs: '1.11.12' } }, null, 2)}\n`,
      '.npmrc': NPMRC_STRICT,
    };
    const dir = await repo(files, [NODE, NPM!.args[0], 'install', '--package-lock-only', '--ignore-scripts']);
    const result = await applyChangeInDirectory(bump({ version: '^4.17.21' }), dir, ctx);
    expect(result.files.map((f) => f.path).sort()).toEqual(['package-lock.json', 'packages/api/package.json']);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string>; link?: boolean }> };
    expect(lock.packages['packages/api'].dependencies?.lodash).toBe('^4.17.21');
    expect(lock.packages['node_modules/lodash'].version).toBe('4.17.21');
    expect(lock.packages['node_modules/@acme/api'].link).toBe(true);
    const ci = copyOf(dir);
    await mustRun([NODE, NPM!.args[0], 'ci', '--ignore-scripts'], ci);
    expect(installedVersion(ci, 'lodash')).toBe('4.17.21');
  });

  test('yarn 1: yarn.lock regenerated, the node_modules yarn leaves removed, --frozen-lockfile accepts it', async () => {
    const dir = await repo({ 'package.json': pkg({ lodash: '4.17.20', debug: '^4.3.4' }), '.npmrc': NPMRC_STRICT }, [NODE, YARN1!.args[0], 'install', '--ignore-scripts', '--non-interactive']);
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    expect(result.reason).toMatch(/yarn\.lock regenerated with yarn 1\.22\.\d+$/);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    expect(lock).toMatch(/^lodash@4\.17\.21:\n {2}version "4\.17\.21"\n {2}resolved "http:\/\/127\.0\.0\.1:\d+\/lodash\/-\/lodash-4\.17\.21\.tgz#[0-9a-f]{40}"/m);
    expect(lock).not.toContain('lodash@4.17.20');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(result.files.map((f) => f.path).sort()).toEqual(['package.json', 'yarn.lock']);
    const ci = copyOf(dir);
    await mustRun([NODE, YARN1!.args[0], 'install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive'], ci);
    expect(installedVersion(ci, 'lodash')).toBe('4.17.21');
  });

  test('yarn 1 workspaces: run at the root, the one yarn.lock regenerated, no node_modules left in the root or the packages', async () => {
    const files = {
      'package.json': `${JSON.stringify({ name: 'platform', private: true, workspaces: ['packages/*'] }, null, 2)}\n`,
      'packages/api/package.json': `${JSON.stringify({ name: '@acme/api', version: '1.0.0', dependencies: { lodash: '4.17.19', ms: '2.0.0' } }, null, 2)}\n`,
      'packages/web/package.json': `${JSON.stringify({ name: '@acme/web', version: '1.0.0', dependencies: { ms: '^2.1.2' } }, null, 2)}\n`,
      '.npmrc': NPMRC_STRICT,
    };
    const dir = await repo(files, [NODE, YARN1!.args[0], 'install', '--ignore-scripts', '--non-interactive']);
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    expect(result.files.map((f) => f.path).sort()).toEqual(['packages/api/package.json', 'yarn.lock']);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    expect(lock).toMatch(/^lodash@4\.17\.21:\n {2}version "4\.17\.21"$/m);
    // ms 2.0.0 is needed beside ^2.1.2: both stay.
    expect(lock).toMatch(/^ms@2\.0\.0:$/m);
    expect(lock).toMatch(/^ms@\^2\.1\.2:$/m);
    for (const folder of ['', 'packages/api/', 'packages/web/']) expect(existsSync(join(dir, folder, 'node_modules')), `${folder}node_modules`).toBe(false);
    await mustRun([NODE, YARN1!.args[0], 'install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive'], copyOf(dir));
  });

  test('yarn berry (packageManager yarn@4): yarn.lock regenerated in update-lockfile mode, --immutable accepts it', async () => {
    const files = {
      'package.json': pkg({ lodash: '4.17.20', ms: '^2.1.2' }, { packageManager: 'yarn@4.5.3' }),
      '.yarnrc.yml': `${YARNRC_STRICT}nodeLinker: node-modules\n`,
    };
    const dir = await repo(files, [NODE, BERRY!.args[0], 'install', '--mode=update-lockfile']);
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    expect(result.reason).toMatch(/yarn\.lock regenerated with yarn 4\.5\.3$/);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    expect(lock).toMatch(/^"lodash@npm:4\.17\.21":\n {2}version: 4\.17\.21\n {2}resolution: "lodash@npm:4\.17\.21"\n {2}checksum: 10c0\/[0-9a-f]{128}$/m);
    expect(lock).not.toContain('lodash@npm:4.17.20');
    expect(result.files.map((f) => f.path).sort()).toEqual(['package.json', 'yarn.lock']);
    expect(existsSync(join(dir, '.yarn', 'install-state.gz'))).toBe(false);
    const ci = copyOf(dir);
    await mustRun([NODE, BERRY!.args[0], 'install', '--immutable'], ci, { YARN_ENABLE_SCRIPTS: '0' });
    expect(installedVersion(ci, 'lodash')).toBe('4.17.21');
  });

  test('pnpm: pnpm-lock.yaml regenerated lockfile-only, --frozen-lockfile accepts it', async () => {
    const dir = await repo({ 'package.json': pkg({ lodash: '4.17.20', pino: '^9.3.2' }), '.npmrc': NPMRC_STRICT }, [NODE, PNPM!.args[0], 'install', '--lockfile-only', '--ignore-scripts']);
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    expect(result.reason).toMatch(/pnpm-lock\.yaml regenerated with pnpm 9\.15\.9$/);
    const lock = readFileSync(join(dir, 'pnpm-lock.yaml'), 'utf8');
    expect(lock).toMatch(/^ {6}lodash:\n {8}specifier: 4\.17\.21\n {8}version: 4\.17\.21$/m);
    expect(lock).toMatch(/^ {2}lodash@4\.17\.21:\n {4}resolution: \{integrity: sha512-/m);
    expect(lock).not.toContain('lodash@4.17.20');
    const ci = copyOf(dir);
    await mustRun([NODE, PNPM!.args[0], 'install', '--frozen-lockfile', '--ignore-scripts'], ci);
    expect(installedVersion(ci, 'lodash')).toBe('4.17.21');
  });

  test('without bubblewrap and with FLEET_UNSANDBOXED=1 the tool runs as a plain process and the change says so', async () => {
    const dir = await repo({ 'package.json': pkg({ lodash: '4.17.20' }), '.npmrc': NPMRC_STRICT }, [NODE, NPM!.args[0], 'install', '--package-lock-only', '--ignore-scripts']);
    const plain: ChangeContext = { ...ctx, sandbox: { bwrapPath: join(dir, 'no-bwrap-here'), allowUnsandboxed: true } };
    const result = await applyChangeInDirectory(bump(), dir, plain);
    expect(result.unsandboxed).toBe(true);
    expect((JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }).packages['node_modules/lodash'].version).toBe('4.17.21');
    const refused = await errorOf(applyChangeInDirectory(bump({ version: '4.17.19' }), dir, { ...ctx, sandbox: { bwrapPath: join(dir, 'no-bwrap-here') } }));
    expect(refused.message).toMatch(/was not run: no sandbox can be started here/);
  });

  test("the generated fleet's lockfiles: npm's keep the public registry's resolved URLs, which npm fetches from the configured one; yarn 1's and pnpm's are accepted and rewritten", async () => {
    // As the polyglot fleet's repositories carry them: the public host in `resolved`, served locally.
    const publicHost = await startNpmRegistry({ tarballBase: 'https://registry.npmjs.org/' });
    try {
      const manifests = { '': { name: 'payments-api', version: '1.0.0', private: true, dependencies: { lodash: '4.17.20', axios: '^1.7.4' } } };
      const files = { 'package.json': pkg(manifests[''].dependencies), '.npmrc': NPMRC_STRICT };
      const viaPublic: ChangeContext = { ...ctx, dependencies: { ...ctx.dependencies, npmRegistry: publicHost.url } };

      const npmDir = createWorkTree({ ...files, 'package-lock.json': npmLockfile({ manifests }) }, 'fleet-lockfiles-');
      dirs.push(npmDir);
      await applyChangeInDirectory(bump(), npmDir, viaPublic);
      const lock = JSON.parse(readFileSync(join(npmDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
      expect(lock.packages['node_modules/lodash']).toMatchObject({ version: '4.17.21', resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz' });
      expect(lock.packages['node_modules/axios'].resolved).toBe('https://registry.npmjs.org/axios/-/axios-1.7.9.tgz');
      const npmCi = copyOf(npmDir);
      await mustRun([NODE, NPM!.args[0], 'ci', '--ignore-scripts'], npmCi, { npm_config_registry: publicHost.url });
      expect(installedVersion(npmCi, 'lodash')).toBe('4.17.21');

      const yarnDir = createWorkTree({ ...files, 'yarn.lock': yarnLockfile({ manifests }, { registry: registry.url }) }, 'fleet-lockfiles-');
      dirs.push(yarnDir);
      await applyChangeInDirectory(bump(), yarnDir, ctx);
      expect(readFileSync(join(yarnDir, 'yarn.lock'), 'utf8')).toMatch(/^lodash@4\.17\.21:\n {2}version "4\.17\.21"$/m);
      await mustRun([NODE, YARN1!.args[0], 'install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive'], copyOf(yarnDir));

      const pnpmDir = createWorkTree({ ...files, 'pnpm-lock.yaml': pnpmLockfile({ manifests }) }, 'fleet-lockfiles-');
      dirs.push(pnpmDir);
      await applyChangeInDirectory(bump(), pnpmDir, ctx);
      expect(readFileSync(join(pnpmDir, 'pnpm-lock.yaml'), 'utf8')).toMatch(/^ {6}lodash:\n {8}specifier: 4\.17\.21\n {8}version: 4\.17\.21$/m);
      await mustRun([NODE, PNPM!.args[0], 'install', '--frozen-lockfile', '--ignore-scripts'], copyOf(pnpmDir));
    } finally {
      await publicHost.close();
    }
  });

  test("a version the registry does not have: npm's failure, with the end of its output", async () => {
    const dir = await repo({ 'package.json': pkg({ lodash: '4.17.20' }), '.npmrc': NPMRC_STRICT }, [NODE, NPM!.args[0], 'install', '--package-lock-only', '--ignore-scripts']);
    const failure = await errorOf(applyChangeInDirectory(bump({ version: '4.99.0' }), dir, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^npm could not update package-lock\.json \(`npm install --package-lock-only --ignore-scripts --no-audit --no-fund` exited with code 1\): npm error /);
    expect(failure.details.outputTail).toMatch(/No matching version found for lodash@4\.99\.0/);
  });

  test("the project's .npmrc registry wins over Fleet's default, and an allowed credential reaches it", async () => {
    const privateRegistry = await startNpmRegistry({ token: 'tok-private-5150' });
    try {
      const npmrc = `registry=${privateRegistry.url}\n${privateRegistry.url.replace(/^http:/, '')}:_authToken=\${NPM_TOKEN}\n${NPMRC_STRICT}`;
      const dir = createWorkTree({ 'package.json': pkg({ lodash: '4.17.20' }), '.npmrc': 'registry=http://127.0.0.1:9/\n' }, 'fleet-lockfiles-');
      dirs.push(dir);
      // The first lockfile, from the private registry with the token in the environment.
      await mustRun([NODE, NPM!.args[0], 'install', '--package-lock-only', '--ignore-scripts', `--registry=${privateRegistry.url}`, `--${privateRegistry.url.replace(/^http:/, '')}:_authToken=tok-private-5150`], dir);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, '.npmrc'), npmrc);
      gitIn(dir, ['add', '-A']);
      gitIn(dir, ['commit', '-q', '-m', 'lockfile']);
      const defaultRequests = registry.requests.length;
      const privateRequests = privateRegistry.requests.length;
      const withToken: ChangeContext = { ...ctx, dependencies: { ...ctx.dependencies, credentials: { NPM_TOKEN: 'tok-private-5150' } } };

      // Without the credential the private registry refuses npm, and the token is nowhere.
      const refused = await errorOf(applyChangeInDirectory(bump(), dir, ctx));
      expect(refused.message).toMatch(/^npm could not update package-lock\.json/);
      gitIn(dir, ['checkout', '-q', '--', '.']);

      const result = await applyChangeInDirectory(bump({ credentials: ['NPM_TOKEN'] }), dir, withToken);
      expect(result.files.map((f) => f.path).sort()).toEqual(['package-lock.json', 'package.json']);
      expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toContain('"version": "4.17.21"');
      expect(registry.requests.length).toBe(defaultRequests);
      expect(privateRegistry.requests.slice(privateRequests).some((r) => r.path.includes('lodash') && r.status === 200)).toBe(true);
      expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).not.toContain('tok-private-5150');
    } finally {
      await privateRegistry.close();
    }
  });
});

describe.skipIf(!bwrapAvailable || !goAvailable)(`go in the sandbox${!bwrapAvailable ? ` (skipped: ${bwrapMissingReason})` : !goAvailable ? ` (skipped: ${goMissingReason})` : ''}`, { timeout: 120_000 }, () => {
  const main = 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/sirupsen/logrus"\n)\n\nfunc main() { fmt.Println(logrus.Version) }\n';

  test('go.mod and go.sum: go get and go mod tidy against the proxy, checked by its sum database; the build then needs nothing more', async () => {
    const goMod = 'module example.com/payments\n\ngo 1.19\n\nrequire (\n\tgithub.com/google/uuid v1.3.0\n\tgithub.com/sirupsen/logrus v1.8.1\n)\n';
    const uuid = 'package main\n\nimport "github.com/google/uuid"\n\nvar _ = uuid.Version\n';
    const dir = await repo({ 'go.mod': goMod, 'main.go': main, 'id.go': uuid }, [GO_PATH, 'mod', 'tidy']);
    const before = readFileSync(join(dir, 'go.sum'), 'utf8');
    expect(before).toContain('github.com/sirupsen/logrus v1.8.1 h1:');
    const result = await applyChangeInDirectory({ kind: 'dependency', options: { package: 'github.com/sirupsen/logrus', version: '1.9.3' } }, dir, ctx);
    expect(result.reason).toMatch(/go\.sum regenerated with go \d+\.\d+/);
    const sum = readFileSync(join(dir, 'go.sum'), 'utf8');
    expect(sum).toMatch(/^github\.com\/sirupsen\/logrus v1\.9\.3 h1:[A-Za-z0-9+/]{43}=$/m);
    expect(sum).toMatch(/^github\.com\/sirupsen\/logrus v1\.9\.3\/go\.mod h1:[A-Za-z0-9+/]{43}=$/m);
    expect(sum).not.toContain('logrus v1.8.1');
    // uuid was not asked for and stays where it was.
    expect(sum).toContain('github.com/google/uuid v1.3.0 h1:');
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toContain('\tgithub.com/sirupsen/logrus v1.9.3\n');
    expect(result.files.map((f) => f.path)).toEqual(expect.arrayContaining(['go.mod', 'go.sum']));
    // CI's build: read-only module mode, so a go.sum that lacked anything would fail it.
    const ci = copyOf(dir);
    await mustRun([GO_PATH, 'build', '-o', '/dev/null', '.'], ci, { GOFLAGS: '-mod=readonly' });
    await mustRun([GO_PATH, 'mod', 'verify'], ci, { GOFLAGS: '-mod=readonly' });
  });

  test("a module version the proxy does not have: go's own sentence, with the end of its output", async () => {
    const dir = await repo({ 'go.mod': 'module example.com/payments\n\ngo 1.19\n\nrequire github.com/sirupsen/logrus v1.8.1\n', 'main.go': main }, [GO_PATH, 'mod', 'tidy']);
    const failure = await errorOf(applyChangeInDirectory({ kind: 'dependency', options: { package: 'github.com/sirupsen/logrus', version: 'v1.99.0' } }, dir, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^go could not update go\.sum \(`go get github\.com\/sirupsen\/logrus@v1\.99\.0` exited with code 1\): /);
    expect(failure.details.outputTail).toContain('v1.99.0');
  });
});
