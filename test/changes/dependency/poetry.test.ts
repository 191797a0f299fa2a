import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyChangeInDirectory } from '../../../src/changes/apply-in-directory.js';
import { updateLockfiles } from '../../../src/changes/dependency/lockfiles.js';
import { findTool } from '../../../src/changes/dependency/tools.js';
import { DependencyOptions } from '../../../src/changes/options.js';
import type { ChangeContext } from '../../../src/changes/types.js';
import { isFleetError } from '../../../src/errors.js';
import { findLockfileMismatch, poetryContentHash } from '../../../src/sandbox/github/ci-build.js';
import { startPythonIndex, type PythonIndex } from '../../../src/sandbox/registries/python-index.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../../support/bwrap.js';
import { createWorkTree, gitIn } from '../../support/work-tree.js';

/**
 * Poetry for real, in the real sandbox, against the local Python index: the fixture's poetry.lock
 * is written by Poetry itself from the project's own `[[tool.poetry.source]]` (the local index,
 * replacing PyPI), then the dependency change moves structlog and Poetry regenerates the lock.
 * HTTPS goes through a proxy that does not exist (HTTPS_PROXY, passed to the sandbox as a
 * variable the operator allowed), so a Poetry that tried PyPI fails instead of reaching it; every
 * run has a timeout, so it cannot hang either.
 */

const DEAD_PROXY = 'http://127.0.0.1:9/';
const POETRY = findTool('poetry');
const poetryMissingReason = 'poetry is not installed in /usr/local/bin or /usr/bin: run `apt-get install -y python3-poetry` to run the Poetry lockfile tests.';

let index: PythonIndex;
let ctx: ChangeContext;
const dirs: string[] = [];

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Poetry on the host, with nothing of the host's configuration (HOME, caches, keyring) and the dead proxy; asynchronous, since the index answering it lives in this process. */
function poetry(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<{ status: number | null; output: string; ms: number }> {
  const home = temp('fleet-poetry-home-');
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    HTTPS_PROXY: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    POETRY_NO_INTERACTION: '1',
    POETRY_VIRTUALENVS_CREATE: 'false',
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    LC_ALL: 'C.UTF-8',
    ...extraEnv,
  };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(POETRY!.command, [...POETRY!.args, ...args, '--no-ansi'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output, ms: Date.now() - started }));
  });
}

async function mustPoetry(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const result = await poetry(args, cwd, extraEnv);
  if (result.status !== 0) throw new Error(`poetry ${args.join(' ')} failed (${result.status}):\n${result.output}`);
  return result.output;
}

function pyproject(input: { requests: string; structlog: string; source: 'default' | 'secondary' }): string {
  return [
    '[tool.poetry]',
    'name = "payments-worker"',
    'version = "0.3.0"',
    `description = "The payments team's worker"`,
    'authors = ["Payments team <payments@acme.example>"]',
    '',
    '[tool.poetry.dependencies]',
    'python = "^3.11"',
    `requests = "${input.requests}"`,
    `structlog = "${input.structlog}"`,
    '',
    '[[tool.poetry.source]]',
    'name = "acme"',
    `url = "${index.url}simple/"`,
    `${input.source} = true`,
    '',
    '[build-system]',
    'requires = ["poetry-core"]',
    'build-backend = "poetry.core.masonry.api"',
    '',
  ].join('\n');
}

/** The locked packages of a poetry.lock: name → version. */
function locked(lock: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const match of lock.matchAll(/^\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"$/gm)) versions[match[1]] = match[2];
  return versions;
}

function contentHash(lock: string): string | undefined {
  return /^content-hash = "([0-9a-f]{64})"$/m.exec(lock)?.[1];
}

/**
 * A git checkout whose poetry.lock Poetry wrote: first with requests pinned at 2.28.2, then
 * (`--no-update`) with requests widened to ^2.28.2, so the lock holds a requests older than the
 * index's newest: a `poetry lock` that updated everything would move it.
 */
async function repo(source: 'default' | 'secondary' = 'default'): Promise<string> {
  const dir = createWorkTree({ 'pyproject.toml': pyproject({ requests: '2.28.2', structlog: '^23.2.0', source: 'default' }), 'poetry.toml': '[virtualenvs]\nin-project = true\n' }, 'fleet-poetry-');
  dirs.push(dir);
  await mustPoetry(['lock'], dir);
  writeFileSync(join(dir, 'pyproject.toml'), pyproject({ requests: '^2.28.2', structlog: '^23.2.0', source: 'default' }));
  await mustPoetry(['lock', '--no-update'], dir);
  if (source !== 'default') writeFileSync(join(dir, 'pyproject.toml'), pyproject({ requests: '^2.28.2', structlog: '^23.2.0', source }));
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'poetry.lock']);
  return dir;
}

function copyOf(dir: string): string {
  const copy = temp('fleet-poetry-ci-');
  cpSync(dir, copy, { recursive: true, filter: (path) => !path.split('/').includes('.git') });
  return copy;
}

function judge(dir: string) {
  return findLockfileMismatch(['pyproject.toml', 'poetry.lock'], (path) => readFileSync(join(dir, path)));
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

const bump = (options: Record<string, unknown> = {}) => ({ kind: 'dependency', options: { package: 'structlog', version: '24.1.0', credentials: ['HTTPS_PROXY'], timeout: '90s', ...options } });

beforeAll(async () => {
  index = await startPythonIndex();
  ctx = { repo: 'acme/payments-worker', dependencies: { pythonIndex: `${index.url}simple/`, credentials: { HTTPS_PROXY: DEAD_PROXY } } };
});

afterAll(async () => {
  await index.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

explainBwrapMissing('poetry');

const skipReason = !bwrapAvailable ? bwrapMissingReason : !POETRY ? poetryMissingReason : undefined;

describe.skipIf(skipReason !== undefined)(`poetry in the sandbox${skipReason ? ` (skipped: ${skipReason})` : ''}`, { timeout: 180_000 }, () => {
  test('Fleet reads the version poetry reports', () => {
    expect(POETRY!.version).toMatch(/^\d+\.\d+(\.\d+)?/);
    expect(POETRY!.label).toBe(`poetry ${POETRY!.version}`);
  });

  test('poetry.lock regenerated with --no-update from the local index: the new structlog locked, requests left where it was, and Poetry and the fake CI both accept it', async () => {
    const dir = await repo();
    const before = readFileSync(join(dir, 'poetry.lock'), 'utf8');
    expect(locked(before)).toMatchObject({ structlog: '23.2.0', requests: '2.28.2' });
    const asked = index.requests.length;

    // What the lockfile-blind edit alone would leave: Poetry and the fake CI both refuse it.
    const manifestOnly = copyOf(dir);
    writeFileSync(join(manifestOnly, 'pyproject.toml'), readFileSync(join(dir, 'pyproject.toml'), 'utf8').replace('structlog = "^23.2.0"', 'structlog = "24.1.0"'));
    const stale = await poetry(['lock', '--check'], manifestOnly);
    expect(stale.status).not.toBe(0);
    expect(judge(manifestOnly)?.message).toBe('pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock [--no-update]` to fix the lock file.');

    const started = Date.now();
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    const ms = Date.now() - started;
    expect(result.noop).toBe(false);
    expect(result.reason).toMatch(/^Set structlog to 24\.1\.0 in pyproject\.toml.*; poetry\.lock regenerated with poetry \d+\.\d+/);
    expect(result.files.map((f) => f.path).sort()).toEqual(['poetry.lock', 'pyproject.toml']);
    expect(readFileSync(join(dir, 'pyproject.toml'), 'utf8')).toContain('\nstructlog = "24.1.0"\n');

    const lock = readFileSync(join(dir, 'poetry.lock'), 'utf8');
    expect(locked(lock).structlog).toBe('24.1.0');
    // --no-update: requests 2.32.3 is on the index and allowed by ^2.28.2, and stays unlocked.
    expect(locked(lock).requests).toBe('2.28.2');
    expect(Object.keys(locked(lock)).sort()).toEqual(Object.keys(locked(before)).sort());
    expect(lock).toMatch(/\{file = "structlog-24\.1\.0-py3-none-any\.whl", hash = "sha256:[0-9a-f]{64}"\}/);
    expect(lock).toContain(`url = "${index.url}simple"`);
    // The lock's content-hash is the fake CI's: the two agree on what Poetry writes.
    expect(contentHash(lock)).toBe(poetryContentHash(readFileSync(join(dir, 'pyproject.toml'), 'utf8')));
    expect(contentHash(lock)).not.toBe(contentHash(before));
    expect(judge(dir)).toBeUndefined();
    // Poetry ran against the local index, and left no virtualenv in the checkout.
    expect(index.requests.slice(asked).some((r) => r.path.startsWith('/simple/structlog'))).toBe(true);
    expect(existsSync(join(dir, '.venv'))).toBe(false);
    console.log(`[poetry] dependency change with ${POETRY!.label}: ${ms} ms`);

    // CI: Poetry's own check, then an install from the lock (hashes checked against the wheels).
    const ci = copyOf(dir);
    await mustPoetry(['lock', '--check'], ci);
    const installStarted = Date.now();
    await mustPoetry(['install', '--no-root'], ci, { POETRY_VIRTUALENVS_CREATE: 'true', POETRY_VIRTUALENVS_IN_PROJECT: 'true' });
    console.log(`[poetry] poetry install --no-root: ${Date.now() - installStarted} ms`);
    const sitePackages = readdirSync(join(ci, '.venv', 'lib')).map((python) => join(ci, '.venv', 'lib', python, 'site-packages'))[0];
    const installed = readdirSync(sitePackages);
    expect(installed).toContain('structlog-24.1.0.dist-info');
    expect(installed).toContain('requests-2.28.2.dist-info');
  });

  test('a project whose source does not replace PyPI: Poetry tries PyPI, fails through the dead proxy, and nothing is committed', async () => {
    const dir = await repo('secondary');
    const lockBefore = readFileSync(join(dir, 'poetry.lock'), 'utf8');
    const started = Date.now();
    const failure = await errorOf(applyChangeInDirectory(bump(), dir, ctx));
    const ms = Date.now() - started;
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^poetry could not update poetry\.lock \(`poetry lock( --no-update)? --no-interaction --no-ansi` exited with code 1\)/);
    expect(String(failure.details.outputTail)).toMatch(/pypi\.org/);
    // It went to the dead proxy (the guard is in force), not to PyPI itself.
    expect(String(failure.details.outputTail)).toMatch(/ProxyError|Cannot connect to proxy/);
    expect(readFileSync(join(dir, 'poetry.lock'), 'utf8')).toBe(lockBefore);
    expect(ms).toBeLessThan(90_000);
    console.log(`[poetry] failing PyPI attempt: ${ms} ms`);
  });

  test('a lock another Poetry 1 wrote (1.8, no category lines) is regenerated by this one and still passes its check', async () => {
    const dir = await repo();
    const as18 = readFileSync(join(dir, 'poetry.lock'), 'utf8')
      .replace(/^# This file is automatically @generated by Poetry (\d\S* )?and/, '# This file is automatically @generated by Poetry 1.8.2 and')
      .replace(/^category = "[^"]*"\n/gm, '');
    writeFileSync(join(dir, 'poetry.lock'), as18);
    gitIn(dir, ['commit', '-q', '-am', 'poetry.lock as Poetry 1.8 writes it']);
    const result = await applyChangeInDirectory(bump(), dir, ctx);
    expect(result.files.map((f) => f.path).sort()).toEqual(['poetry.lock', 'pyproject.toml']);
    const lock = readFileSync(join(dir, 'poetry.lock'), 'utf8');
    expect(locked(lock)).toMatchObject({ structlog: '24.1.0', requests: '2.28.2' });
    await mustPoetry(['lock', '--check'], copyOf(dir));
    console.log(`[poetry] ${POETRY!.label} on a Poetry 1.8 lock: first line now ${JSON.stringify(lock.split('\n')[0])}, ${[...lock.matchAll(/^category = /gm)].length} category lines added`);
  });
});

describe.skipIf(!POETRY)(`a lock another Poetry wrote is refused before Poetry runs${POETRY ? '' : ` (skipped: ${poetryMissingReason})`}`, () => {
  const options = DependencyOptions.parse({ package: 'structlog', version: '24.1.0' });
  const outcome = { ecosystem: 'python' as const, edits: [], changed: [], already: [], declarations: 1, lockfiles: ['poetry.lock'], manager: 'poetry' as const, root: '' };
  const lockOf = (header: string, lockVersion: string) => `# This file is automatically @generated by ${header} and should not be changed by hand.\n\n[[package]]\nname = "structlog"\nversion = "23.2.0"\n\n[metadata]\nlock-version = "${lockVersion}"\npython-versions = "^3.11"\ncontent-hash = "${'0'.repeat(64)}"\n`;
  const pyproject = '[tool.poetry]\nname = "payments-worker"\nversion = "0.3.0"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nstructlog = "24.1.0"\n';
  const ours = Number(/^\d+/.exec(POETRY?.version ?? '')?.[0]);

  test('another major version, by the lock\'s first line', async () => {
    const other = ours === 1 ? { header: 'Poetry 2.1.1', lockVersion: '2.1', major: 2 } : { header: 'Poetry 1.8.2', lockVersion: '2.0', major: 1 };
    const lock = lockOf(other.header, other.lockVersion);
    const dir = createWorkTree({ 'pyproject.toml': pyproject, 'poetry.lock': lock }, 'fleet-poetry-other-');
    dirs.push(dir);
    const failure = await errorOf(updateLockfiles({ dir, outcome, options }, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toBe(`poetry.lock was written by ${other.header} (its first line says so), and Fleet has ${POETRY!.label}: the lock it would write is not the one the repository's own Poetry writes. Install Poetry ${other.major} where Fleet runs, or leave the repository out of the campaign.`);
    expect(readFileSync(join(dir, 'poetry.lock'), 'utf8')).toBe(lock);
  });

  test.skipIf(ours >= 2)(`a Poetry 2 lock-version (2.1) without a version in its first line${ours >= 2 ? ' (skipped: Fleet has Poetry 2 here)' : ''}`, async () => {
    const dir = createWorkTree({ 'pyproject.toml': pyproject, 'poetry.lock': lockOf('Poetry', '2.1') }, 'fleet-poetry-other-');
    dirs.push(dir);
    const failure = await errorOf(updateLockfiles({ dir, outcome, options }, ctx));
    expect(failure.message).toMatch(/^poetry\.lock was written by Poetry 2 or later \(its lock-version is 2\.1\), and Fleet has poetry 1\./);
  });

  test("a Poetry 1.2 lock (lock-version 1.1), which Poetry 1.3's rewrite would make unreadable to it", async () => {
    const dir = createWorkTree({ 'pyproject.toml': pyproject, 'poetry.lock': lockOf('Poetry', '1.1') }, 'fleet-poetry-other-');
    dirs.push(dir);
    const failure = await errorOf(updateLockfiles({ dir, outcome, options }, ctx));
    expect(failure.message).toMatch(/^poetry\.lock was written by Poetry 1\.2 or older \(its lock-version is 1\.1, .*Install the repository's Poetry \(1\.2 or older\) where Fleet runs/);
  });
});
