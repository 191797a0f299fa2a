import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyCommand, catalogDirFor } from '../../src/cli/apply.js';
import { runCli } from '../../src/cli/run.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { gitIn } from '../support/work-tree.js';
import { capture } from './capture-io.js';

let root: string;

function spec(change: string, name = 'local-change'): string {
  return `name: ${name}
description: A change tried on a local folder.
owner: U0OWNER01
channel: C0FLEET001
targets:
  repos: [acme/api]
change:
${change
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
pr:
  title: "chore: local change"
steps: [open-pr]
`;
}

function writeSpec(name: string, text: string): string {
  const path = join(root, 'catalog', `${name}.yml`);
  mkdirSync(join(root, 'catalog'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A folder that is not a git repository: package.json, a README, an ignored build folder. */
function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'build'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{\n  "name": "api",\n  "dependencies": {\n    "lodash": "^4.17.20"\n  }\n}\n');
  writeFileSync(join(dir, 'README.md'), '# api\n');
  writeFileSync(join(dir, '.gitignore'), 'build/\n');
  writeFileSync(join(dir, 'build', 'out.js'), 'built\n');
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fleet-apply-test-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

explainBwrapMissing('fleet apply');

describe('fleet apply with an in-memory kind', () => {
  test('prints the diff and exits 0, leaving the folder as it was', async () => {
    const dir = folder('bump');
    const specPath = writeSpec('bump', spec('kind: npm-dependency\noptions: { package: lodash, version: "^4.17.21" }'));
    const io = capture();
    const copies = () => readdirSync(tmpdir()).filter((n) => n.startsWith('fleet-apply-') && !n.startsWith('fleet-apply-test-'));
    const before = copies();
    expect(await applyCommand.run([specPath, dir], io)).toBe(0);
    expect(io.out).toMatch(/^diff --git a\/package.json b\/package.json\nindex [0-9a-f]+\.\.[0-9a-f]+ 100644\n--- a\/package.json\n\+\+\+ b\/package.json\n@@ -1,6 \+1,6 @@\n/);
    expect(io.out).toContain('-    "lodash": "^4.17.20"\n+    "lodash": "^4.17.21"\n');
    expect(io.err).toBe(`Set lodash to ^4.17.21 in package.json (dependencies; was ^4.17.20): 1 file, +1 -1. Run again with --write to make the change in ${dir}.\n`);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toContain('"^4.17.20"');
    // No temporary copy is left behind.
    expect(copies().filter((n) => !before.includes(n))).toEqual([]);
  });

  test('exits 3 with the no-op reason when there is nothing to change', async () => {
    const dir = folder('noop');
    const specPath = writeSpec('noop', spec('kind: npm-dependency\noptions: { package: lodash, version: "^4.17.20" }'));
    const io = capture();
    expect(await applyCommand.run([specPath, dir], io)).toBe(3);
    expect(io.out).toBe('Nothing to change: lodash is already at ^4.17.20 in package.json.\n');
  });

  test('--write makes the change in the folder and says what it wrote', async () => {
    const dir = folder('write');
    const specPath = writeSpec('write', spec('kind: file-write\noptions: { path: docs/SECURITY.md, content: "# Security\\n" }'));
    const io = capture();
    expect(await applyCommand.run([specPath, dir, '--write'], io)).toBe(0);
    expect(readFileSync(join(dir, 'docs', 'SECURITY.md'), 'utf8')).toBe('# Security\n');
    expect(io.err).toContain(`Wrote to ${dir}:\n  A docs/SECURITY.md\n`);
    // The folder is not made a git repository.
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });

  test('a bad spec exits 1 with its problems and applies nothing', async () => {
    const dir = folder('bad');
    const specPath = writeSpec('bad', spec('kind: npm-dependency\noptions: { package: lodash, version: banana }'));
    const io = capture();
    expect(await applyCommand.run([specPath, dir], io)).toBe(1);
    expect(io.err).toMatch(/change\.options\.version/);
    expect(io.err).toContain('nothing was applied');
    expect(io.out).toBe('');
  });

  test('bad usage exits 2, a missing folder 1', async () => {
    const io = capture();
    expect(await applyCommand.run(['only-one.yml'], io)).toBe(2);
    expect(await applyCommand.run(['a.yml', 'b', '--force'], io)).toBe(2);
    expect(io.err).toContain('Unknown option --force. Usage: fleet apply <spec.yml> <dir> [--write]');
    const specPath = writeSpec('nofolder', spec('kind: file-delete\noptions: { paths: [x] }'));
    expect(await applyCommand.run([specPath, join(root, 'no-such-folder')], io)).toBe(1);
  });

  test('codemods come from FLEET_CAMPAIGNS when it is a local folder, else from the spec\'s folder', () => {
    expect(catalogDirFor('/srv/specs/x.yml', {})).toBe('/srv/specs');
    expect(catalogDirFor('/srv/specs/x.yml', { FLEET_CAMPAIGNS: '/srv/catalog' })).toBe('/srv/catalog');
    expect(catalogDirFor('/srv/specs/x.yml', { FLEET_CAMPAIGNS: 'github:acme/campaigns/specs' })).toBe('/srv/specs');
  });
});

describe.skipIf(!bwrapAvailable)(`fleet apply with the run kind${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, () => {
  test('prints the diff of what the commands changed, binary and modes included, and --write leaves exactly that in a git clone', async () => {
    const dir = folder('run-write');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho run\n');
    gitIn(dir, ['init', '-q', '-b', 'main']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-q', '-m', 'base']);
    const specPath = writeSpec(
      'run-write',
      spec(`kind: run
options:
  commands:
    - run: "sed -i 's/# api/# API/' README.md && chmod +x run.sh && printf 'GIF89a\\\\000\\\\001' > logo.gif && mv package.json manifest.json"
    - argv: [sh, -c, "mkdir -p build && echo generated > build/ignored.txt"]`),
    );
    const io = capture();
    expect(await applyCommand.run([specPath, dir], io)).toBe(0);
    expect(io.out).toContain('diff --git a/README.md b/README.md');
    expect(io.out).toContain('old mode 100644\nnew mode 100755');
    expect(io.out).toContain('rename from package.json\nrename to manifest.json');
    expect(io.out).toContain('GIT binary patch');
    expect(io.out).not.toContain('ignored.txt');
    const write = capture();
    expect(await applyCommand.run([specPath, dir, '--write'], write)).toBe(0);
    expect(write.err).toContain(`Wrote to ${dir}:\n  M README.md\n  A logo.gif\n  R package.json -> manifest.json\n  M run.sh\n`);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# API\n');
    expect(readFileSync(join(dir, 'logo.gif')).equals(Buffer.from('GIF89a\x00\x01', 'latin1'))).toBe(true);
    expect(statSync(join(dir, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
    // In a git clone, the change is left in the working tree, not committed or staged.
    expect(gitIn(dir, ['status', '--porcelain']).split('\n').filter(Boolean).sort()).toEqual([' D package.json', ' M README.md', ' M run.sh', '?? logo.gif', '?? manifest.json']);
  });

  test('in a git clone the commands see what a checkout holds: tracked and untracked files, not ignored ones', async () => {
    const dir = folder('run-clone-copy');
    gitIn(dir, ['init', '-q', '-b', 'main']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-q', '-m', 'base']);
    writeFileSync(join(dir, 'notes.txt'), 'not committed yet\n');
    rmSync(join(dir, 'README.md'));
    const specPath = writeSpec(
      'run-clone-copy',
      spec(`kind: run
options:
  commands:
    - run: "find . -path ./.git -prune -o -type f -print | sort > /tmp/files.txt && mv /tmp/files.txt files.txt"`),
    );
    const io = capture();
    expect(await applyCommand.run([specPath, dir], io)).toBe(0);
    const listed = io.out
      .split('\n')
      .filter((line) => line.startsWith('+./'))
      .map((line) => line.slice(1));
    expect(listed).toEqual(['./.gitignore', './notes.txt', './package.json']);
    // Outside a git work tree everything but .git is copied, the ignored build folder too.
    const plain = folder('run-plain-copy');
    const plainIo = capture();
    expect(await applyCommand.run([specPath, plain], plainIo)).toBe(0);
    expect(plainIo.out).toContain('+./build/out.js');
  });

  test('exits 3 for commands that change nothing, 1 with the output tail for one that fails or outlives its timeout', async () => {
    const dir = folder('run-fail');
    const quiet = writeSpec('run-quiet', spec('kind: run\noptions:\n  commands:\n    - run: "ls > /dev/null"'));
    const io = capture();
    expect(await applyCommand.run([quiet, dir], io)).toBe(3);
    expect(io.out).toBe('Nothing to change: the command "ls > /dev/null" changed nothing in the checkout.\n');

    const failing = writeSpec('run-fail', spec('kind: run\noptions:\n  commands:\n    - run: "echo compiling; echo \'error TS2304: Cannot find name x\' >&2; exit 2"'));
    const failed = capture();
    expect(await applyCommand.run([failing, dir], failed)).toBe(1);
    expect(failed.err).toBe(
      `fleet apply: The command "echo compiling; echo 'error TS2304: Cannot find name x' >&2; exit 2" exited with code 2 on run-fail; its last line: error TS2304: Cannot find name x. Fix the command or the repository, or leave the repository out of the campaign.\n--- the last lines of its output ---\ncompiling\nerror TS2304: Cannot find name x\n`,
    );
    const slow = writeSpec('run-slow', spec('kind: run\noptions:\n  commands:\n    - run: "echo waiting; sleep 20"\n      timeout: 1s'));
    const timedOut = capture();
    expect(await applyCommand.run([slow, dir], timedOut)).toBe(1);
    expect(timedOut.err).toContain('ran longer than 1000 ms and was stopped');
    expect(timedOut.err).toContain('--- the last lines of its output ---\nwaiting\n');
  });
});

describe('the built CLI', () => {
  test('fleet apply is wired: 0 with the diff, 3 for nothing to change', async () => {
    // npm test builds first; a run without dist fails here instead of passing unseen.
    expect(existsSync('dist/src/cli/main.js'), 'dist/src/cli/main.js is missing: run `npm run build` first').toBe(true);
    const dir = folder('built');
    const change = writeSpec('built', spec('kind: replace\noptions: { paths: [README.md], find: api, replace: API }'));
    const none = writeSpec('built-none', spec('kind: replace\noptions: { paths: [README.md], find: nowhere, replace: x }'));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, ['dist/src/cli/main.js', 'apply', ...args], (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }));
      });
    const ok = await run([change, dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('-# api\n+# API\n');
    expect((await run([none, dir])).code).toBe(3);
    const help = capture();
    await runCli(['help'], help);
    expect(help.out).toContain('fleet apply <spec.yml> <dir> [--write]');
  });
});
