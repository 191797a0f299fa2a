import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { openDatabase, readMigrations } from '../../src/store/database.js';
import { capture } from './capture-io.js';

const EXAMPLES = ['add-security-policy', 'bump-lodash', 'enable-strict-tsconfig', 'rotate-ci-image'].map((n) => `campaigns/examples/${n}.yml`);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fleet validate', () => {
  test('prints one ok line per valid file with its change kind and targets, exit 0', async () => {
    const io = capture();
    expect(await runCli(['validate', ...EXAMPLES], io)).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('ok campaigns/examples/bump-lodash.yml: npm-dependency over org acme (topics node, service; language TypeScript; exclude *-archive, sandbox-*), 4 waves, 8 steps');
    expect(lines[0]).toContain('file-write over 5 repositories (acme/payments-api');
    expect(io.err).toBe('');
  });

  test('prints each error with file, line and hint, and exits 1 if any file is invalid', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'name: bad\nowner: U0OWNER01\nchannel: C0FLEET001\ntargets: { org: acme }\nchange: { kind: npm-dependancy, options: {} }\npr: { title: x }\n');
    const io = capture();
    expect(await runCli(['validate', EXAMPLES[0], bad], io)).toBe(1);
    expect(io.out).toContain('ok campaigns/examples/add-security-policy.yml');
    expect(io.err).toContain(`${bad}:5:17 change.kind: unknown change kind "npm-dependancy". Hint: Did you mean "npm-dependency"?`);
    expect(io.err).toContain(`${bad}:1:1 canary: the "canary" step needs a "canary" section`);
    expect(io.err).toContain(`${bad}: 2 problems.`);
  });

  test('with FLEET_ORGS set, a spec targeting another organisation is refused, naming it', async () => {
    const io = capture({ FLEET_ORGS: 'globex' });
    expect(await runCli(['validate', 'campaigns/examples/bump-lodash.yml'], io)).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toContain('campaigns/examples/bump-lodash.yml: Campaign bump-lodash targets the organisation "acme", which FLEET_ORGS (globex) does not allow.');
    const allowed = capture({ FLEET_ORGS: 'acme' });
    expect(await runCli(['validate', 'campaigns/examples/bump-lodash.yml'], allowed)).toBe(0);
  });

  test('a file that cannot be read is an error, not a crash', async () => {
    const io = capture();
    expect(await runCli(['validate', join(dir, 'missing.yml')], io)).toBe(1);
    expect(io.err).toContain('cannot be read');
  });

  test('no files is a usage error', async () => {
    const io = capture();
    expect(await runCli(['validate'], io)).toBe(2);
    expect(io.err).toContain('Usage: fleet validate <spec.yml>...');
  });
});

describe('fleet migrate', () => {
  test('applies the migrations to FLEET_DB, then reports it up to date', async () => {
    const file = join(dir, 'state', 'fleet.db');
    const latest = readMigrations().at(-1)!.version;
    const first = capture({ FLEET_DB: file });
    expect(await runCli(['migrate'], first)).toBe(0);
    expect(first.out).toContain(`it is at version ${latest}.`);
    const db = openDatabase(file, { migrate: false, readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    db.close();
    const again = capture({ FLEET_DB: file });
    expect(await runCli(['migrate'], again)).toBe(0);
    expect(again.out).toBe(`${file} is up to date at version ${latest}.\n`);
  });

  test('needs FLEET_DB and nothing else', async () => {
    const io = capture({});
    expect(await runCli(['migrate'], io)).toBe(2);
    expect(io.err).toContain('FLEET_DB is not set');
  });

  test('a path that cannot hold a database fails with exit 1', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    const io = capture({ FLEET_DB: join(dir, 'file', 'fleet.db') });
    expect(await runCli(['migrate'], io)).toBe(1);
    expect(io.err).toContain('Could not migrate');
  });
});

describe('the dispatcher', () => {
  test('help lists every command', async () => {
    const io = capture();
    expect(await runCli(['help'], io)).toBe(0);
    for (const usage of ['fleet help', 'fleet validate <spec.yml>...', 'fleet migrate', 'fleet judge']) expect(io.out).toContain(usage);
  });

  test('no command prints help and exits 2', async () => {
    const io = capture();
    expect(await runCli([], io)).toBe(2);
    expect(io.out).toContain('Commands:');
  });

  test('an unknown command gets a did-you-mean', async () => {
    const io = capture();
    expect(await runCli(['valdate'], io)).toBe(2);
    expect(io.err).toContain('Did you mean "validate"?');
    expect(await runCli(['constructor'], capture())).toBe(2);
  });

  test('a command that throws becomes a message and exit 1', async () => {
    const io = capture();
    const code = await runCli(['boom'], io, {
      boom: {
        summary: 'fails',
        usage: 'fleet boom',
        run: () => Promise.reject(new Error('disk on fire')),
      },
    });
    expect(code).toBe(1);
    expect(io.err).toBe('fleet boom failed: Unexpected error: disk on fire\n');
  });
});

const built = existsSync('dist/src/cli/main.js');
describe.runIf(built)('the built fleet command', () => {
  test('runs as the package bin with real exit codes', async () => {
    const run = promisify(execFile);
    const ok = await run(process.execPath, ['dist/src/cli/main.js', 'validate', ...EXAMPLES]);
    expect(ok.stdout.trim().split('\n')).toHaveLength(EXAMPLES.length);
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'name: x\n');
    const failure = await run(process.execPath, ['dist/src/cli/main.js', 'validate', bad]).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`${bad}:1:1 owner:`);
  });
});
if (!built) console.log('Skipping the built-CLI test: dist/src/cli/main.js is missing; run "npm run build" first.');
