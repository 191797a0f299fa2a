import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyCommand } from '../../src/cli/apply.js';
import { generateFleet, type FleetRepo } from '../../src/sandbox/fleet/generate-fleet.js';
import { POLYGLOT_LIBRARIES } from '../../src/sandbox/fleet/polyglot.js';
import { findBrokenManifest } from '../../src/sandbox/github/ci-build.js';
import { findLockfileMismatch } from '../../src/sandbox/github/ci-lockfiles.js';
import { startLocalRegistries, type LocalRegistries } from '../../src/sandbox/registries/start-registries.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { GO_PATH, goAvailable, goMissingReason, isolatedEnv, NPM_CLI, PNPM_CLI, runNodeTool, runTool, YARN1_CLI } from '../support/package-tools.js';
import { dependencySpec } from '../support/dependency-spec.js';
import { capture } from './capture-io.js';

/**
 * The issue's "done when": `fleet apply` with a `dependency` spec on repositories of the generated
 * polyglot fleet, one of each ecosystem, with the tools pointed at the local registries as an
 * operator points them at theirs. The result installs with the ecosystem's own frozen install
 * (npm ci, yarn --frozen-lockfile, pnpm --frozen-lockfile, go mod verify and a read-only build);
 * for every ecosystem the fake CI's build (manifests parse, lockfiles agree with them) passes,
 * the new version is named where the old one was, and a second run has nothing left to change.
 */

let root: string;
let registries: LocalRegistries;
let fleet: FleetRepo[];
let counter = 0;


function checkout(repo: FleetRepo): string {
  const dir = join(root, `${repo.name}-${(counter += 1)}`);
  for (const [path, content] of Object.entries(repo.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const full = join(at, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'node_modules' && name !== '.git') walk(full);
      } else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** The fake CI's build on the folder: no manifest it cannot parse, no lockfile out of step. */
function fakeBuild(dir: string): string | undefined {
  const paths = listFiles(dir);
  const read = (path: string) => readFileSync(join(dir, path));
  const broken = findBrokenManifest(paths, read);
  if (broken) return `${broken.path}: ${broken.error}`;
  const mismatch = findLockfileMismatch(paths, read);
  return mismatch ? `${mismatch.path}: ${mismatch.message}` : undefined;
}

async function apply(dir: string, options: string): Promise<{ code: number; out: string; err: string }> {
  const file = join(root, `spec-${(counter += 1)}.yml`);
  writeFileSync(file, dependencySpec(options));
  const io = capture({ ...registries.variables });
  const code = await applyCommand.run([file, dir, '--write'], io);
  return { code, out: io.out, err: io.err };
}

/** Applies, checks the fake CI's build, and applies again: nothing is left to change. */
async function applyAndCheck(repo: FleetRepo, options: string): Promise<{ dir: string; first: { out: string; err: string } }> {
  const dir = checkout(repo);
  const before = fakeBuild(dir);
  expect(before, `the generated ${repo.name} builds as seeded`).toBeUndefined();
  const first = await apply(dir, options);
  expect(first.code, first.err).toBe(0);
  expect(fakeBuild(dir), `${repo.name} after the change`).toBeUndefined();
  const second = await apply(dir, options);
  expect(second.code, `${repo.name}: a second run finds a declaration the first one missed:\n${second.out}`).toBe(3);
  expect(second.out + second.err).toMatch(/already at/);
  return { dir, first };
}

function repoOf(predicate: (repo: FleetRepo) => boolean, what: string): FleetRepo {
  const found = fleet.find(predicate);
  if (!found) throw new Error(`the generated fleet has no ${what}`);
  return found;
}

const usesLodash = (repo: FleetRepo) => repo.lodash !== null;
const node = (ecosystem: string) => repoOf((r) => r.ecosystem === ecosystem && usesLodash(r) && !r.topics.includes('monorepo'), `${ecosystem} repository that uses lodash`);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleet-apply-polyglot-'));
  registries = await startLocalRegistries();
  // yarn 1 fetches what yarn.lock's resolved URLs name: the fleet's point at the local registry.
  fleet = generateFleet({ seed: 7, repos: 48, mix: 'polyglot', yarnRegistry: registries.npm.url, regressionShare: 0, ciBreakShare: 0 });
});

afterAll(async () => {
  await registries?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

explainBwrapMissing('fleet apply on the polyglot fleet');

describe.skipIf(!bwrapAvailable)(`fleet apply with a dependency spec on the generated polyglot fleet${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, { timeout: 180_000 }, () => {
  const lodash = '{ package: lodash, version: "^4.17.21" }';

  test('npm: the written package-lock.json installs with npm ci from the local registry', async () => {
    const { dir } = await applyAndCheck(node('npm'), lodash);
    const ci = await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts', '--fetch-retries=0'], { cwd: dir, env: isolatedEnv({ npm_config_registry: registries.npm.url }) });
    expect(ci.code, ci.output).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/lodash/package.json'), 'utf8'))).toMatchObject({ version: '4.17.21' });
  });

  test('the npm-workspaces monorepo: each workspace that lists lodash, and the one lockfile at the root', async () => {
    const repo = repoOf((r) => r.topics.includes('monorepo'), 'monorepo');
    const { dir } = await applyAndCheck(repo, lodash);
    const lists = listFiles(dir).filter((p) => p.endsWith('package.json') && readFileSync(join(dir, p), 'utf8').includes('"lodash"'));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    for (const path of lists) expect(readFileSync(join(dir, path), 'utf8'), path).toContain('"lodash": "^4.17.21"');
    expect(listFiles(dir).filter((p) => p.endsWith('package-lock.json'))).toEqual(['package-lock.json']);
    const ci = await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts', '--fetch-retries=0'], { cwd: dir, env: isolatedEnv({ npm_config_registry: registries.npm.url }) });
    expect(ci.code, ci.output).toBe(0);
  });

  test('yarn 1: the written yarn.lock installs with yarn install --frozen-lockfile', async () => {
    const { dir } = await applyAndCheck(node('yarn'), lodash);
    expect(readFileSync(join(dir, 'yarn.lock'), 'utf8')).toMatch(/^lodash@\^4\.17\.21:\n {2}version "4\.17\.21"/m);
    expect(existsSync(join(dir, 'node_modules')), 'yarn 1 has no lockfile-only mode: Fleet removes the node_modules it left').toBe(false);
    const install = await runNodeTool(YARN1_CLI, ['install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive'], { cwd: dir, env: isolatedEnv({ npm_config_registry: registries.npm.url, YARN_REGISTRY: registries.npm.url }) });
    expect(install.code, install.output).toBe(0);
  });

  test('pnpm: the written pnpm-lock.yaml installs with pnpm install --frozen-lockfile', async () => {
    const { dir } = await applyAndCheck(node('pnpm'), lodash);
    expect(readFileSync(join(dir, 'pnpm-lock.yaml'), 'utf8')).toMatch(/lodash@4\.17\.21/);
    const install = await runNodeTool(PNPM_CLI, ['install', '--frozen-lockfile', '--ignore-scripts'], { cwd: dir, env: isolatedEnv({ npm_config_registry: registries.npm.url }) });
    expect(install.code, install.output).toBe(0);
  });

  test.skipIf(!goAvailable)(`go: go.mod and go.sum that go mod verify and a read-only build accept${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, async () => {
    const { package: module, target } = POLYGLOT_LIBRARIES.go;
    const { dir } = await applyAndCheck(repoOf((r) => r.ecosystem === 'go', 'Go service'), `{ package: ${module}, version: ${target} }`);
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toContain(`${module} ${target}`);
    expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toContain(`${module} ${target} h1:`);
    const env = isolatedEnv({ GOPROXY: registries.variables.FLEET_GOPROXY, GOSUMDB: registries.variables.FLEET_GOSUMDB, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local', GOPATH: join(root, `gopath-${counter}`), GOCACHE: join(root, `gocache-${counter}`) });
    const verify = await runTool(GO_PATH, ['mod', 'download'], { cwd: dir, env });
    expect(verify.code, verify.output).toBe(0);
    const build = await runTool(GO_PATH, ['build', './...'], { cwd: dir, env });
    expect(build.code, build.output).toBe(0);
  });

  test('Maven, single and multi-module: every declaration and ${property} names the new version', async () => {
    const { package: artifact, target } = POLYGLOT_LIBRARIES.maven;
    const repos = fleet.filter((r) => r.ecosystem === 'maven');
    expect(repos.some((r) => listFilesOf(r).filter((p) => p.endsWith('pom.xml')).length > 1), 'a multi-module build among them').toBe(true);
    for (const repo of repos.slice(0, 3)) {
      const { dir } = await applyAndCheck(repo, `{ package: "${artifact}", version: "${target}" }`);
      const poms = listFiles(dir).filter((p) => p.endsWith('pom.xml'));
      expect(poms.some((p) => readFileSync(join(dir, p), 'utf8').includes(target)), repo.name).toBe(true);
      for (const old of POLYGLOT_LIBRARIES.maven.old) {
        for (const pom of poms) expect(readFileSync(join(dir, pom), 'utf8'), `${repo.name} ${pom}`).not.toContain(`>${old}<`);
      }
    }
  });

  test('Gradle with a version catalog: the catalog names the new version; a Gradle lockfile sends the repository to a person', async () => {
    const { package: artifact, target } = POLYGLOT_LIBRARIES.gradle;
    const unlocked = repoOf((r) => r.ecosystem === 'gradle' && !Object.keys(r.files).some((p) => p.endsWith('.lockfile')), 'Gradle service without locking');
    const { dir } = await applyAndCheck(unlocked, `{ package: "${artifact}", version: "${target}" }`);
    const gradleFiles = listFiles(dir).filter((p) => p.endsWith('.toml') || p.endsWith('.gradle') || p.endsWith('.gradle.kts'));
    expect(gradleFiles.some((p) => readFileSync(join(dir, p), 'utf8').includes(target))).toBe(true);

    const locked = repoOf((r) => r.ecosystem === 'gradle' && Object.keys(r.files).some((p) => p.endsWith('.lockfile')), 'Gradle service with locking');
    const lockedDir = checkout(locked);
    const refused = await apply(lockedDir, `{ package: "${artifact}", version: "${target}" }`);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/gradle\.lockfile/);
    expect(fakeBuild(lockedDir), 'the refused repository is left as it was').toBeUndefined();
  });

  test('Python (requirements pins, PEP 621): the manifests name the new version', async () => {
    const { package: name, target } = POLYGLOT_LIBRARIES.python;
    const plain = fleet.filter((r) => r.ecosystem === 'python' && !('poetry.lock' in r.files) && !Object.values(r.files).some((c) => typeof c === 'string' && c.includes('--hash=')));
    expect(plain.length).toBeGreaterThan(0);
    for (const repo of plain.slice(0, 2)) {
      const { dir } = await applyAndCheck(repo, `{ package: ${name}, version: "${target}" }`);
      // Every line that gives requests a version (a pin, a PEP 621 range, a Poetry constraint) now names the new
      // one; an unpinned `requests` in a pip-compile input stays so.
      const declares = /(^|["'\s])requests(\[[^\]]*\])?\s*(=\s*["{]|[=<>~!^])/i;
      const lines = listFiles(dir)
        .filter((p) => /requirements.*\.(txt|in)$|pyproject\.toml$/.test(p))
        .flatMap((p) => readFileSync(join(dir, p), 'utf8').split('\n').map((line) => ({ p, line })))
        .filter(({ line }) => declares.test(line) && !line.trimStart().startsWith('#'));
      expect(lines.length, repo.name).toBeGreaterThan(0);
      for (const { p, line } of lines) expect(line, `${repo.name} ${p}`).toContain(target);
    }
  });

  test('Docker FROM lines and Actions uses: references across services of every ecosystem', async () => {
    const maven = repoOf((r) => r.ecosystem === 'maven', 'Maven service');
    const docker = await applyAndCheck(maven, '{ package: eclipse-temurin, version: "21-jre", ecosystem: docker }');
    const dockerfile = readFileSync(join(docker.dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM eclipse-temurin:21-jre$/m);
    expect(dockerfile).not.toMatch(/eclipse-temurin:17/);

    const python = repoOf((r) => r.ecosystem === 'python', 'Python service');
    const actions = await applyAndCheck(python, '{ package: actions/checkout, version: v4.2.2, ecosystem: actions }');
    const workflows = listFiles(actions.dir).filter((p) => p.startsWith('.github/workflows/'));
    const uses = workflows.flatMap((p) => readFileSync(join(actions.dir, p), 'utf8').split('\n').filter((l) => l.includes('actions/checkout@')));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line.trim()).toMatch(/actions\/checkout@v4\.2\.2$/);
  });
});

function listFilesOf(repo: FleetRepo): string[] {
  return Object.keys(repo.files);
}
