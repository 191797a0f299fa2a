import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { bumpNpmDependency } from '../../../src/changes/npm-dependency.js';
import { generateFleet, POLYGLOT_LIBRARIES, type FleetRepo } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../../../src/sandbox/fleet/seed-fleet.js';
import { findBrokenManifest, findLockfileMismatch, manifestKind } from '../../../src/sandbox/github/ci-build.js';
import { startFakeGitHub } from '../../../src/sandbox/github/server.js';
import { startNpmRegistry } from '../../../src/sandbox/registries/npm-registry.js';
import { startGoProxy } from '../../../src/sandbox/registries/go-proxy.js';
import { GO_SUMDB } from '../../../src/sandbox/registries/go-sumdb.js';
import { GO_PATH, goAvailable, goMissingReason, isolatedEnv, NPM_CLI, PNPM_CLI, runNodeTool, runTool, YARN1_CLI } from '../../support/package-tools.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Fleet',
      GIT_AUTHOR_EMAIL: 'fleet@example.com',
      GIT_COMMITTER_NAME: 'Fleet',
      GIT_COMMITTER_EMAIL: 'fleet@example.com',
      // The token as Basic auth, in the command's environment only.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:t').toString('base64')}`,
    };
    execFile('git', args, { cwd, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')}: ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Writes a repository's text files into a fresh temp folder. */
function materialise(repo: FleetRepo, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  for (const [path, content] of Object.entries(repo.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const readOf = (repo: FleetRepo) => (path: string) => Buffer.from(repo.files[path] ?? '');
const truth = (repos: FleetRepo[]) => repos.map((r) => ({ name: r.name, lodash: r.lodash, breaksCi: r.breaksCi, regresses: r.regresses, ci: r.ci, pkg: r.files['package.json'], crit: r.criticality, lang: r.language, team: r.team }));
const NODE = new Set(['npm', 'yarn', 'pnpm']);

describe("generateFleet({ mix: 'polyglot' })", () => {
  const fleet = generateFleet({ seed: 42, repos: 40, mix: 'polyglot' }).filter((repo) => repo.org === 'acme');
  const node = fleet.filter((repo) => NODE.has(repo.ecosystem));

  test('its Node services are the Node fleet of that many (names, ground truth, package.json), now with lockfiles; the default mix has none', () => {
    const services = node.filter((repo) => !repo.topics.includes('monorepo'));
    expect(services).toHaveLength(19);
    expect(truth(services)).toEqual(truth(generateFleet({ seed: 42, repos: 19 }).filter((repo) => repo.org === 'acme')));
    expect(services.every((repo) => ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml'].filter((path) => repo.files[path] !== undefined).length === 1)).toBe(true);
    expect(generateFleet({ seed: 42, repos: 19 }).filter((repo) => repo.org === 'acme').every((repo) => repo.ecosystem === 'npm' && repo.files['package-lock.json'] === undefined)).toBe(true);
    expect(services.filter((repo) => repo.breaksCi).length).toBeGreaterThan(0);
  });

  test('about half Node (npm mostly, yarn 1 and pnpm too, one workspace monorepo), the rest Java, Python and Go, every variant present', () => {
    expect(fleet).toHaveLength(40);
    expect(new Set(fleet.map((repo) => repo.name)).size).toBe(40);
    const by = (ecosystem: string) => fleet.filter((repo) => repo.ecosystem === ecosystem);
    expect(node).toHaveLength(20);
    expect(by('npm').length).toBeGreaterThan(by('yarn').length + by('pnpm').length);
    expect(by('yarn').length).toBeGreaterThan(0);
    expect(by('pnpm').length).toBeGreaterThan(0);
    const java = [...by('maven'), ...by('gradle')];
    expect(java.length).toBeGreaterThanOrEqual(6);
    expect(by('python').length).toBeGreaterThanOrEqual(6);
    expect(by('go').length).toBeGreaterThanOrEqual(6);
    for (const repo of fleet) expect(repo.topics).toContain(NODE.has(repo.ecosystem) ? 'node' : repo.language.toLowerCase());

    const monorepo = fleet.find((repo) => repo.topics.includes('monorepo'));
    expect(monorepo?.lodash?.path).toBe('packages/api/package.json');
    expect(JSON.parse(String(monorepo?.files['package.json'])).workspaces).toEqual(['packages/*']);
    expect(JSON.parse(String(monorepo?.files['packages/api/package.json'])).dependencies.lodash).toBe(monorepo?.lodash?.version);
    expect(JSON.parse(String(monorepo?.files['package-lock.json'])).packages[`node_modules/@acme/${monorepo?.name ?? ''}-api`]).toEqual({ resolved: 'packages/api', link: true });

    const has = (predicate: (repo: FleetRepo) => boolean) => fleet.some(predicate);
    // Maven: single module with literal versions, multi-module with dependencyManagement and ${property} versions.
    expect(has((repo) => /<version>2\.1\d\.[\d.]+<\/version>/.test(String(repo.files['pom.xml'])) && repo.files['core/pom.xml'] === undefined)).toBe(true);
    const multi = fleet.find((repo) => repo.files['core/pom.xml'] !== undefined);
    expect(String(multi?.files['pom.xml'])).toMatch(/<dependencyManagement>[\s\S]*<version>\$\{jackson\.version\}<\/version>/);
    expect(String(multi?.files['core/pom.xml'])).toMatch(/<relativePath>\.\.\/pom\.xml<\/relativePath>/);
    // Gradle: a version catalog with the Kotlin DSL; one Groovy build with dependency locking.
    expect(has((repo) => /jackson-databind = \{ module = "com\.fasterxml\.jackson\.core:jackson-databind", version\.ref = "jackson" \}/.test(String(repo.files['gradle/libs.versions.toml'])) && repo.files['build.gradle.kts'] !== undefined)).toBe(true);
    const locked = fleet.find((repo) => repo.files['gradle.lockfile'] !== undefined);
    expect(String(locked?.files['build.gradle'])).toContain('lockAllConfigurations()');
    expect(String(locked?.files['gradle.lockfile'])).toContain(`com.fasterxml.jackson.core:jackson-databind:${locked?.library?.version ?? ''}=`);
    // Python: pip-compile pins, PEP 621, Poetry with its lock.
    expect(has((repo) => /^requests==2\.\d+\.\d+\n {4}# via -r requirements\.in$/m.test(String(repo.files['requirements.txt'])))).toBe(true);
    expect(has((repo) => /^requests==2\.\d+\.\d+ \\\n {4}--hash=sha256:[0-9a-f]{64} \\\n {4}--hash=sha256:[0-9a-f]{64}\n {4}# via -r requirements\.in$/m.test(String(repo.files['requirements.txt'])))).toBe(true);
    expect(has((repo) => /^\[project\]\n[\s\S]*"requests>=2\.\d+,<3"/m.test(String(repo.files['pyproject.toml'])))).toBe(true);
    expect(has((repo) => repo.files['poetry.lock'] !== undefined && /^\[tool\.poetry\.dependencies\]\n[\s\S]*^requests = "\^2/m.test(String(repo.files['pyproject.toml'])))).toBe(true);
    // Go, Docker and Actions.
    const go = by('go')[0];
    expect(String(go?.files['go.mod'])).toMatch(new RegExp(`\\tgithub\\.com/sirupsen/logrus ${go?.library?.version ?? ''}\\n`));
    expect(String(go?.files['go.sum'])).toMatch(/^github\.com\/sirupsen\/logrus v1\.\d\.\d\/go\.mod h1:/m);
    expect(has((repo) => /^FROM [^\n]+@sha256:[0-9a-f]{64}$/m.test(String(repo.files.Dockerfile)))).toBe(true);
    expect(has((repo) => /uses: actions\/checkout@[0-9a-f]{40} # v4\.1\.1/.test(String(repo.files['.github/workflows/ci.yml'])))).toBe(true);
    expect(fleet.every((repo) => /uses: actions\/checkout@/.test(String(repo.files['.github/workflows/ci.yml'])))).toBe(true);
    // Each other ecosystem starts on an old version of its demo library.
    for (const repo of fleet.filter((candidate) => !NODE.has(candidate.ecosystem))) {
      const library = POLYGLOT_LIBRARIES[repo.ecosystem as keyof typeof POLYGLOT_LIBRARIES];
      expect(repo.library?.package).toBe(library.package);
      expect((library.old as readonly string[]).includes(repo.library?.version ?? '')).toBe(true);
    }
  });

  test('every manifest parses and every lockfile agrees with its manifests, so the default branches build', () => {
    for (const seed of [42, 7]) {
      for (const repo of generateFleet({ seed, repos: 40, mix: 'polyglot' })) {
        const paths = Object.keys(repo.files);
        expect(findBrokenManifest(paths, readOf(repo)), repo.name).toBeUndefined();
        expect(findLockfileMismatch(paths, readOf(repo)), repo.name).toBeUndefined();
        expect(paths.some((path) => manifestKind(path) !== undefined) || repo.ecosystem === 'gradle', repo.name).toBe(true);
      }
    }
  });

  test('is pure, and `small` keeps the manifests and lockfiles', () => {
    const digest = (repos: FleetRepo[]) => createHash('sha256').update(JSON.stringify(repos.map((repo) => ({ ...repo, files: Object.entries(repo.files).map(([path, content]) => [path, createHash('sha1').update(content).digest('hex')]) })))).digest('hex');
    expect(digest(generateFleet({ seed: 42, repos: 40, mix: 'polyglot' }).filter((repo) => repo.org === 'acme'))).toBe(digest(fleet));
    const small = generateFleet({ seed: 42, repos: 40, mix: 'polyglot', size: 'small' }).filter((repo) => repo.org === 'acme');
    expect(truth(small)).toEqual(truth(fleet));
    for (const repo of small.filter((candidate) => !NODE.has(candidate.ecosystem))) {
      expect(Object.keys(repo.files).length).toBeLessThan(15);
      for (const path of ['pom.xml', 'gradle/libs.versions.toml', 'gradle.lockfile', 'go.mod', 'go.sum', 'poetry.lock', 'requirements.txt']) if (fleet.find((big) => big.name === repo.name)?.files[path] !== undefined) expect(repo.files[path], `${repo.name} ${path}`).toBeDefined();
    }
  });
});

describe("the fake CI's install check against the real tools", () => {
  const fleet = generateFleet({ seed: 42, repos: 40, mix: 'polyglot' });

  test('the lockfile-blind change (package.json only) fails the build, as `npm ci` does; with the lockfile regenerated by npm it passes and `npm ci` installs it', async () => {
    const repo = fleet.find((candidate) => candidate.ecosystem === 'npm' && candidate.lodash?.block === 'dependencies' && candidate.lodash.path === undefined && candidate.ci.outcome === 'pass' && !candidate.breaksCi && !candidate.regresses);
    expect(repo).toBeDefined();
    if (!repo) return;
    let clock = Date.parse('2025-03-01T09:00:00Z');
    const fake = await startFakeGitHub({ now: () => clock, log: () => undefined });
    const registry = await startNpmRegistry();
    try {
      seedFleet(fake, [repo]);
      const dir = mkdtempSync(join(tmpdir(), 'fleet-polyglot-ci-'));
      dirs.push(dir);
      await git(['clone', '--quiet', fake.gitUrl('acme', repo.name), 'work'], dir);
      const work = join(dir, 'work');
      const env = isolatedEnv();
      writeFileSync(env.npm_config_userconfig ?? '', `registry=${registry.url}\n`);

      // The old change: only package.json.
      const bumped = await bumpNpmDependency({ package: 'lodash', version: '4.17.21' }, new Map([['package.json', String(repo.files['package.json'])]]), { repo: `acme/${repo.name}` });
      expect(bumped.edits.map((edit) => edit.path)).toEqual(['package.json']);
      writeFileSync(join(work, 'package.json'), bumped.edits[0]?.content ?? '');
      const blindCi = await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts', '--dry-run'], { cwd: work, env });
      expect(blindCi.code).not.toBe(0);
      expect(blindCi.output).toContain(`Invalid: lock file's lodash@${repo.lodash?.version ?? ''} does not satisfy lodash@4.17.21`);
      await git(['checkout', '--quiet', '-b', 'blind'], work);
      await git(['commit', '--quiet', '-am', 'Bump lodash to 4.17.21'], work);
      await git(['push', '--quiet', 'origin', 'blind'], work);
      const blindSha = (await git(['rev-parse', 'HEAD'], work)).trim();

      // The new one: the lockfile regenerated by npm, lockfile-only, against the local registry.
      await git(['checkout', '--quiet', '-b', 'locked'], work);
      const install = await runNodeTool(NPM_CLI, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: work, env });
      expect(install.code, install.output).toBe(0);
      const lock = JSON.parse(readFileSync(join(work, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
      expect(lock.packages['node_modules/lodash']?.version).toBe('4.17.21');
      await git(['commit', '--quiet', '-am', 'Bump lodash to 4.17.21, lockfile too'], work);
      await git(['push', '--quiet', 'origin', 'locked'], work);
      const lockedSha = (await git(['rev-parse', 'HEAD'], work)).trim();
      const ci = await runNodeTool(NPM_CLI, ['ci', '--ignore-scripts'], { cwd: work, env });
      expect(ci.code, ci.output).toBe(0);
      expect(JSON.parse(readFileSync(join(work, 'node_modules/lodash/package.json'), 'utf8')).version).toBe('4.17.21');
      expect(registry.requests.some((request) => request.path.includes('lodash-4.17.21.tgz'))).toBe(true);

      clock += repo.ci.durationMs;
      fake.state.advance(0);
      const blind = fake.state.checkRuns('acme', repo.name, blindSha);
      expect(blind.map((run) => `${run.name}:${run.conclusion}`)).toEqual(['build:failure', 'test:success', 'lint:success']);
      expect(blind[0]?.output?.title).toBe('Build failed: package-lock.json is out of date with its manifest');
      expect(blind[0]?.output?.summary).toContain(`Invalid: lock file's lodash@${repo.lodash?.version ?? ''} does not satisfy lodash@4.17.21`);
      expect(fake.state.checkRuns('acme', repo.name, lockedSha).map((run) => `${run.name}:${run.conclusion}`)).toEqual(['build:success', 'test:success', 'lint:success']);
    } finally {
      await registry.close();
      await fake.close();
    }
  }, 120_000);

  test("the fleet's Node lockfiles install with their own tools against the local registry: npm ci (the workspace monorepo), yarn 1 and pnpm frozen", async () => {
    const registry = await startNpmRegistry();
    try {
      const monorepo = fleet.find((repo) => repo.topics.includes('monorepo'));
      // npm and pnpm fetch a lockfile's registry.npmjs.org URLs from the configured registry; yarn 1 fetches
      // `resolved` as written, so the fleet is generated with the registry the sandbox uses.
      const local = generateFleet({ seed: 42, repos: 40, mix: 'polyglot', yarnRegistry: registry.url });
      expect(local.map((repo) => repo.name)).toEqual(fleet.map((repo) => repo.name));
      const yarn = local.find((repo) => repo.ecosystem === 'yarn');
      expect(String(yarn?.files['yarn.lock'])).toContain(`resolved "${registry.url}lodash/-/lodash-`);
      const pnpm = fleet.find((repo) => repo.ecosystem === 'pnpm');
      const cases: [FleetRepo | undefined, string, string[]][] = [
        [monorepo, NPM_CLI, ['ci', '--ignore-scripts']],
        [yarn, YARN1_CLI, ['install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive', '--ignore-engines']],
        [pnpm, PNPM_CLI, ['install', '--frozen-lockfile', '--ignore-scripts']],
      ];
      for (const [repo, cli, args] of cases) {
        expect(repo).toBeDefined();
        if (!repo) continue;
        const dir = materialise(repo, `fleet-polyglot-${repo.ecosystem}-`);
        writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);

        const env = isolatedEnv();
        const result = await runNodeTool(cli, args, { cwd: dir, env });
        expect(result.code, `${repo.name}: ${result.output}`).toBe(0);
        const lodash = repo.lodash;
        if (lodash && repo !== monorepo) expect(JSON.parse(readFileSync(join(dir, 'node_modules/lodash/package.json'), 'utf8')).version).toBe(lodash.version);
      }
      expect(registry.requests.filter((request) => request.status !== 200)).toEqual([]);
    } finally {
      await registry.close();
    }
  }, 180_000);

  test('on manifest edits, the fake CI refuses exactly what npm ci, yarn --frozen-lockfile and pnpm --frozen-lockfile refuse', async () => {
    const registry = await startNpmRegistry();
    try {
      const local = generateFleet({ seed: 42, repos: 40, mix: 'polyglot', yarnRegistry: registry.url });
      const withLodash = (ecosystem: string) => local.find((repo) => repo.ecosystem === ecosystem && repo.lodash !== null && repo.lodash.path === undefined);
      type Deps = Record<string, string>;
      const edit = (repo: FleetRepo, change: (block: Deps) => void): FleetRepo => {
        const manifest = JSON.parse(String(repo.files['package.json'])) as Record<string, Deps>;
        change(manifest[repo.lodash?.block ?? 'dependencies'] ?? {});
        return { ...repo, files: { ...repo.files, 'package.json': `${JSON.stringify(manifest, null, 2)}\n` } };
      };
      const verify: Record<string, [string, string[]]> = {
        npm: [NPM_CLI, ['ci', '--ignore-scripts', '--dry-run']],
        yarn: [YARN1_CLI, ['install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive', '--ignore-engines']],
        pnpm: [PNPM_CLI, ['install', '--frozen-lockfile', '--lockfile-only', '--ignore-scripts']],
      };
      const cases: [string, string, (block: Deps) => void][] = [
        ['npm', 'lodash pinned to the new version', (deps) => (deps.lodash = '4.17.21')],
        ['npm', 'lodash as a range the locked version still satisfies', (deps) => (deps.lodash = `^${deps.lodash ?? ''}`)],
        ['npm', 'a new dependency the lock already holds, hoisted', (deps) => (deps.ms = '^2.1.3')],
        ['npm', 'a new dependency', (deps) => (deps['@types/lodash'] = '^4.17.7')],
        ['yarn', 'lodash pinned to the new version', (deps) => (deps.lodash = '4.17.21')],
        ['pnpm', 'lodash as a range the locked version still satisfies', (deps) => (deps.lodash = `^${deps.lodash ?? ''}`)],
        ['pnpm', 'nothing', () => undefined],
      ];
      const verdicts: string[] = [];
      for (const [ecosystem, label, change] of cases) {
        const base = withLodash(ecosystem);
        expect(base, ecosystem).toBeDefined();
        if (!base) continue;
        const repo = edit(base, change);
        const dir = materialise(repo, `fleet-agree-${ecosystem}-`);
        writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);
        const [cli, args] = verify[ecosystem] ?? [NPM_CLI, []];
        const real = await runNodeTool(cli, args, { cwd: dir, env: isolatedEnv() });
        const fake = findLockfileMismatch(Object.keys(repo.files), readOf(repo));
        verdicts.push(`${ecosystem}, ${label}: real ${real.code === 0 ? 'accepts' : 'refuses'}, fake ${fake ? 'refuses' : 'accepts'}`);
        if (fake && ecosystem === 'pnpm') expect(real.output).toContain('ERR_PNPM_OUTDATED_LOCKFILE');
        if (fake && ecosystem === 'yarn') expect(real.output).toContain('Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.');
        if (fake && ecosystem === 'npm') expect(real.output).toContain('`npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.');
      }
      expect(verdicts).toEqual([
        'npm, lodash pinned to the new version: real refuses, fake refuses',
        'npm, lodash as a range the locked version still satisfies: real accepts, fake accepts',
        'npm, a new dependency the lock already holds, hoisted: real accepts, fake accepts',
        'npm, a new dependency: real refuses, fake refuses',
        'yarn, lodash pinned to the new version: real refuses, fake refuses',
        'pnpm, lodash as a range the locked version still satisfies: real refuses, fake refuses',
        'pnpm, nothing: real accepts, fake accepts',
      ]);
    } finally {
      await registry.close();
    }
  }, 180_000);

  test.skipIf(!goAvailable)(`a Go service's go.sum verifies with go against the local proxy${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, async () => {
    const proxy = await startGoProxy();
    try {
      const repo = fleet.find((candidate) => candidate.ecosystem === 'go');
      expect(repo).toBeDefined();
      if (!repo) return;
      const dir = materialise(repo, 'fleet-polyglot-go-');
      const home = mkdtempSync(join(tmpdir(), 'fleet-go-home-'));
      dirs.push(home);
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GOPATH: join(home, 'go'), GOMODCACHE: join(home, 'mod'), GOCACHE: join(home, 'cache'), GOPROXY: proxy.url, GOSUMDB: GO_SUMDB, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', HTTPS_PROXY: 'http://127.0.0.1:9' };
      for (const args of [['mod', 'download'], ['mod', 'verify'], ['build', '-mod=readonly', './...']]) {
        const result = await runTool(GO_PATH, args, { cwd: dir, env });
        expect(result.code, `go ${args.join(' ')}: ${result.output}`).toBe(0);
      }
      // go build would have complained about a missing or wrong go.sum line; it left go.sum as it was.
      expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toBe(repo.files['go.sum']);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
