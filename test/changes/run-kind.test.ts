import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { applyChangeInDirectory } from '../../src/changes/apply-in-directory.js';
import type { ChangeContext } from '../../src/changes/types.js';
import { isFleetError } from '../../src/errors.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { failureOf } from '../support/failure-of.js';
import { createWorkTree, gitIn } from '../support/work-tree.js';

const SECRET = 'fleet-run-kind-secret-4242';
const trees: string[] = [];
let root: string;

function tree(files: Parameters<typeof createWorkTree>[0]): string {
  const dir = createWorkTree(files, 'fleet-run-');
  trees.push(dir);
  return dir;
}

function run(...commands: Record<string, unknown>[]) {
  return { kind: 'run', options: { commands } };
}

const ctx: ChangeContext = { repo: 'acme/api' };

/** The FleetError a promise rejects with, details included. */
async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isFleetError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected the change to fail');
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fleet-run-kind-'));
});

afterAll(() => {
  for (const dir of trees) rmSync(dir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

explainBwrapMissing('run-kind');

describe('options', () => {
  test('exactly one of run or argv; env values are literal strings; the timeout is a duration', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    expect((await failureOf(applyChangeInDirectory(run({ run: 'true', argv: ['true'] }), dir, ctx))).message).toContain('exactly one of run (a shell line) or argv (an argument vector)');
    expect((await failureOf(applyChangeInDirectory(run({}), dir, ctx))).code).toBe('change_invalid');
    expect((await failureOf(applyChangeInDirectory(run({ run: 'true', env: { CI: true } }), dir, ctx))).message).toMatch(/commands\.0\.env\.CI: /);
    expect((await failureOf(applyChangeInDirectory(run({ run: 'true', timeout: 'soon' }), dir, ctx))).message).toContain('commands.0.timeout: a duration such as "90s"');
    expect((await failureOf(applyChangeInDirectory({ kind: 'run', options: { commands: [] } }, dir, ctx))).code).toBe('change_invalid');
  });

  test('in memory the run kind is refused with a sentence saying it needs a checkout', async () => {
    const failure = await failureOf(applyChange(run({ run: 'true' }), new Map(), ctx));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/^The run change runs commands in a checkout/);
  });
});

describe.skipIf(!bwrapAvailable)(`commands under bubblewrap${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, () => {
  test('modified, added, deleted, renamed, binary and executable files come out as git sees them', async () => {
    const dir = tree({
      'README.md': '# api\n',
      'old.txt': 'going away\n',
      'src/a.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n',
      'script.sh': '#!/bin/sh\necho hi\n',
    });
    const result = await applyChangeInDirectory(
      run(
        { run: "printf '# api\\n\\nNow with docs.\\n' > README.md && echo added > added.txt && rm old.txt" },
        { argv: ['mv', 'src/a.ts', 'src/b.ts'] },
        { run: "printf 'PNG\\000\\001\\377data' > logo.png && chmod +x script.sh" },
      ),
      dir,
      ctx,
    );
    expect(result.noop).toBe(false);
    expect(result.reason).toBe('The commands "printf \'# api\\n\\nNow with docs.\\n\' > README.md && echo added > added.txt && rm old.txt", "mv src/a.ts src/b.ts", "printf \'PNG\\000\\001\\377data\' > logo.png && chmod +x script.sh" changed 6 files');
    expect(result.entries).toEqual([
      { path: 'README.md', status: 'modified', mode: '100644', binary: false },
      { path: 'added.txt', status: 'added', mode: '100644', binary: false },
      { path: 'logo.png', status: 'added', mode: '100644', binary: true },
      { path: 'old.txt', status: 'deleted', mode: '100644', binary: false },
      { path: 'script.sh', status: 'modified', mode: '100755', binary: false },
      { path: 'src/b.ts', previousPath: 'src/a.ts', status: 'renamed', mode: '100644', binary: false },
    ]);
    expect(result.files).toEqual([
      { path: 'README.md', content: '# api\n\nNow with docs.\n', mode: '100644' },
      { path: 'added.txt', content: 'added\n', mode: '100644' },
      { path: 'logo.png', content: Buffer.from('PNG\x00\x01\xffdata', 'latin1').toString('base64'), encoding: 'base64', mode: '100644' },
      { path: 'old.txt', content: null },
      { path: 'script.sh', content: '#!/bin/sh\necho hi\n', mode: '100755' },
      { path: 'src/a.ts', content: null },
      { path: 'src/b.ts', content: 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n', mode: '100644' },
    ]);
    expect(result.stats).toEqual({ filesChanged: 6, additions: 3, deletions: 1 });
    expect(result.diff).toContain('diff --git a/src/a.ts b/src/b.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to src/b.ts\n');
    expect(result.diff).toContain('diff --git a/script.sh b/script.sh\nold mode 100644\nnew mode 100755\n');
    expect(result.diff).toContain('GIT binary patch');
    // The change is left staged, and the diff applies to a copy of the base.
    expect(gitIn(dir, ['diff', '--cached', '--name-only', '--no-renames']).split('\n').filter(Boolean)).toHaveLength(7);
    const copy = join(root, 'apply-copy');
    cpSync(dir, copy, { recursive: true });
    gitIn(copy, ['reset', '-q', '--hard', 'HEAD']);
    gitIn(copy, ['apply', '--binary', '--index'], result.diff);
    expect(gitIn(copy, ['write-tree'])).toBe(gitIn(dir, ['write-tree']));
  });

  test('.gitignore is respected: what a command leaves in ignored paths is no change', async () => {
    const dir = tree({ '.gitignore': 'node_modules/\n*.log\n', 'package.json': '{}\n' });
    const result = await applyChangeInDirectory(run({ run: 'mkdir -p node_modules/x && echo 1 > node_modules/x/index.js && echo log > npm-debug.log' }), dir, ctx);
    expect(result).toEqual({ noop: true, reason: 'the command "mkdir -p node_modules/x && echo 1 > node_modules/x/index.js && echo log > npm-debug.log" changed nothing in the checkout', files: [], diff: '', stats: { filesChanged: 0, additions: 0, deletions: 0 }, entries: [] });
  });

  test('commands that change nothing are a no-op naming them', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const result = await applyChangeInDirectory(run({ run: 'cat a.txt' }, { argv: ['true'] }), dir, ctx);
    expect(result.noop).toBe(true);
    expect(result.reason).toBe('the commands "cat a.txt", "true" changed nothing in the checkout');
  });

  test('argv runs without a shell, with the literal env the spec gives and HOME outside the checkout', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const result = await applyChangeInDirectory(run({ argv: ['node', '-e', "require('fs').writeFileSync('seen.json', JSON.stringify({ env: process.env, cwd: process.cwd(), arg: process.argv[1] }))", '$HOME;rm -rf .'], env: { CI: 'true' } }), dir, ctx);
    const seen = JSON.parse(result.files.find((f) => f.path === 'seen.json')!.content!) as { env: Record<string, string>; cwd: string; arg: string };
    expect(seen.cwd).toBe('/workspace');
    expect(seen.arg).toBe('$HOME;rm -rf .');
    expect(seen.env).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', PWD: '/workspace', CI: 'true' });
    expect(existsSync(join(dir, 'a.txt'))).toBe(true);
  });

  test('a failing command fails the change with its name, exit code and the tail of its output, interleaved', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const failure = await errorOf(applyChangeInDirectory(run({ run: 'echo ok' }, { run: 'for i in $(seq 1 60); do echo "line $i"; done; sleep 0.2; echo "npm ERR! missing script: build" >&2; exit 3' }), dir, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toBe('The command "for i in $(seq 1 60); do echo "line $i"; done; sleep 0.2; echo "npm ERR! missing script: build" >&2; exit 3" (command 2 of 2) exited with code 3 on acme/api; its last line: npm ERR! missing script: build. Fix the command or the repository, or leave the repository out of the campaign.');
    const tail = String(failure.details.outputTail).split('\n');
    expect(tail).toHaveLength(41);
    expect(tail[0]).toBe('line 22');
    expect(tail.slice(-2)).toEqual(['npm ERR! missing script: build', '']);
    expect(failure.details.command).toBe('for i in $(seq 1 60); do echo "line $i"; done; sleep 0.2; echo "npm ERR! missing script: build" >&2; exit 3');
  });

  test('a command past its timeout is stopped, with what it printed', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const started = Date.now();
    const failure = await errorOf(applyChangeInDirectory(run({ run: 'echo starting; sleep 30', timeout: '1s' }), dir, ctx));
    expect(failure.message).toBe('The command "echo starting; sleep 30" on acme/api ran longer than 1000 ms and was stopped. Its timeout is 1 s: make it faster or raise `timeout` in the spec.');
    expect(failure.details.outputTail).toBe('starting\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a command that prints without end is stopped', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const failure = await errorOf(applyChangeInDirectory(run({ run: 'yes fleet' }), dir, ctx));
    expect(failure.message).toBe('The command "yes fleet" on acme/api wrote more than 1048576 bytes to stdout and was stopped. Make it print less.');
    expect(String(failure.details.outputTail).split('\n').slice(-3)).toEqual(expect.arrayContaining(['fleet']));
    expect(String(failure.details.outputTail).length).toBeLessThanOrEqual(4096);
  });

  test('a command that fills its disk share is stopped, whether it keeps running or ends at once', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const share = { ...ctx, diskLimitBytes: 2 * 1024 * 1024 };
    const slow = await errorOf(applyChangeInDirectory(run({ run: 'head -c 8000000 /dev/zero > big.bin; sleep 30' }), dir, share));
    expect(slow.message).toMatch(/^The command "head -c 8000000 \/dev\/zero > big.bin; sleep 30" on acme\/api filled its disk share: the workspace grew to 7\.\d MB, more than the 2 MB it may take, and was stopped\./);
    rmSync(join(dir, 'big.bin'));
    const fast = await errorOf(applyChangeInDirectory(run({ run: 'head -c 8000000 /dev/zero > big.bin' }), dir, share));
    expect(fast.message).toMatch(/filled its disk share: the workspace grew to 7\.\d MB/);
    // Within the share, the same kind of command is fine.
    rmSync(join(dir, 'big.bin'));
    const small = await applyChangeInDirectory(run({ run: 'head -c 1000 /dev/zero > small.bin' }), dir, share);
    expect(small.entries).toEqual([{ path: 'small.bin', status: 'added', mode: '100644', binary: true }]);
  });

  test('writes outside the workspace land nowhere on the host, and .git cannot be touched', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const outside = join(root, 'outside');
    mkdirSync(outside);
    const configBefore = readFileSync(join(dir, '.git', 'config'), 'utf8');
    const result = await applyChangeInDirectory(
      run({
        run: [
          'echo x > /etc/fleet-escape',
          `echo x > ${outside}/escape.txt`,
          `mkdir -p ${outside} && echo x > ${outside}/escape2.txt`,
          `echo x > ${join(process.cwd(), 'fleet-escape.txt')}`,
          'echo "[core]\n\thooksPath = /workspace/hooks" >> .git/config',
          'echo evil > .git/hooks/post-checkout',
          'echo done > result.txt',
          'true',
        ].join('; '),
      }),
      dir,
      ctx,
    );
    expect(result.files.map((f) => f.path)).toEqual(['result.txt']);
    expect(existsSync('/etc/fleet-escape')).toBe(false);
    expect(existsSync(join(outside, 'escape.txt'))).toBe(false);
    expect(existsSync(join(outside, 'escape2.txt'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'fleet-escape.txt'))).toBe(false);
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).toBe(configBefore);
    expect(existsSync(join(dir, '.git', 'hooks', 'post-checkout'))).toBe(false);
  });

  describe("Fleet's secrets and the network", () => {
    let server: Server;
    let port: number;
    let dbFile: string;
    let keyFile: string;
    let gitconfig: string;
    const savedHome = process.env.HOME;

    beforeAll(async () => {
      process.env.FLEET_TEST_SECRET = SECRET;
      dbFile = join(root, 'fleet.db');
      writeFileSync(dbFile, `SQLite format 3 ${SECRET}`);
      keyFile = join(root, 'app.pem');
      writeFileSync(keyFile, `-----BEGIN RSA PRIVATE KEY-----\n${SECRET}\n-----END RSA PRIVATE KEY-----\n`);
      // Fleet's own HOME, with a git configuration that holds a secret.
      const home = join(root, 'home');
      mkdirSync(home);
      gitconfig = join(home, '.gitconfig');
      writeFileSync(gitconfig, `[user]\n\tname = ${SECRET}\n`);
      process.env.HOME = home;
      server = createServer((_request, response) => response.end(`hello from the host ${SECRET}`));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      delete process.env.FLEET_TEST_SECRET;
      process.env.HOME = savedHome;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    function probe(network: boolean) {
      const script = [
        'exec > found.txt 2>&1',
        'echo "env:"; env',
        'echo "proc1:"; cat /proc/1/environ',
        'echo "procparent:"; cat /proc/$PPID/environ',
        `echo "procfleet:"; cat /proc/${process.pid}/environ`,
        'echo "procs:"; ls /proc',
        `echo "db:"; cat ${dbFile}`,
        `echo "key:"; cat ${keyFile}`,
        `echo "gitconfig:"; cat ${gitconfig}; cat ~/.gitconfig; git config --global --list`,
        `echo "cwd:"; ls ${process.cwd()}`,
        `echo "net:"; node -e "fetch('http://127.0.0.1:${port}/').then((r) => r.text()).then((t) => console.log('reached', t), (e) => console.log('refused', e.cause && e.cause.code))"`,
        'true',
      ].join('\n');
      return run({ run: script, network });
    }

    test('a command finds none of them, and cannot reach a server on 127.0.0.1 without network: true', async () => {
      const dir = tree({ 'a.txt': 'a\n' });
      const result = await applyChangeInDirectory(probe(false), dir, ctx);
      const found = result.files.find((f) => f.path === 'found.txt')!.content!;
      expect(found).not.toContain(SECRET);
      expect(found).toContain('refused ECONNREFUSED');
      expect(found).not.toContain('reached');
      expect(found).toMatch(/procfleet:\ncat: \/proc\/\d+\/environ: No such file or directory/);
      expect(found).toContain(`cat: ${dbFile}: No such file or directory`);
      expect(found).toContain(`cat: ${keyFile}: No such file or directory`);
      // Fleet's processes are not there to see: only the sandbox's own.
      const procs = /procs:\n([\s\S]*?)db:/.exec(found)![1].split('\n').filter((n) => /^\d+$/.test(n)).map(Number);
      expect(procs.every((pid) => pid < 100)).toBe(true);
    });

    test('with network: true the same command reaches the server (the probe can see it when it is there)', async () => {
      const dir = tree({ 'a.txt': 'a\n' });
      const result = await applyChangeInDirectory(probe(true), dir, ctx);
      const found = result.files.find((f) => f.path === 'found.txt')!.content!;
      expect(found).toContain(`reached hello from the host ${SECRET}`);
      // Still no environment, files or processes of Fleet's.
      expect(found.replace(`reached hello from the host ${SECRET}`, '')).not.toContain(SECRET);
    });
  });
});

describe('without bubblewrap', () => {
  test('the run kind is refused unless FLEET_UNSANDBOXED=1, which runs it marked unsandboxed', async () => {
    const dir = tree({ 'a.txt': 'a\n' });
    const refused = await failureOf(applyChangeInDirectory(run({ run: 'echo b > b.txt' }), dir, { ...ctx, sandbox: { bwrapPath: '/nonexistent/bwrap' } }));
    expect(refused.code).toBe('change_failed');
    expect(refused.message).toMatch(/^The command "echo b > b.txt" on acme\/api was not run: no sandbox can be started here .*apt-get install bubblewrap/);
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
    const result = await applyChangeInDirectory(run({ run: 'echo b > b.txt' }), dir, { ...ctx, sandbox: { bwrapPath: '/nonexistent/bwrap', allowUnsandboxed: true } });
    expect(result.unsandboxed).toBe(true);
    expect(result.files).toEqual([{ path: 'b.txt', content: 'b\n', mode: '100644' }]);
    expect(statSync(join(dir, 'b.txt')).isFile()).toBe(true);
  });
});
