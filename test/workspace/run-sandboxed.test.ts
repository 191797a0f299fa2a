import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSandbox } from '../../src/workspace/run-sandboxed.js';
import { bwrapAvailable, bwrapMissingReason, explainBwrapMissing } from '../support/bwrap.js';
import { failureOf } from '../support/failure-of.js';

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'fleet-sandboxed-'));
});

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function node(source: string, extra: { timeoutMs?: number; maxOutputBytes?: number; env?: Record<string, string> } = {}) {
  return { command: process.execPath, args: ['-e', source], workspace, timeoutMs: extra.timeoutMs ?? 5000, label: 'The test program', ...extra };
}

explainBwrapMissing('run-sandboxed');

describe.skipIf(!bwrapAvailable)(`under bubblewrap${bwrapAvailable ? '' : ` (skipped: ${bwrapMissingReason})`}`, () => {
  const sandbox = createSandbox();

  test('the self-check passes and a program runs with only the declared environment, in /workspace', async () => {
    expect(await sandbox.check()).toEqual({ kind: 'bwrap' });
    const result = await sandbox.run(node("require('fs').writeFileSync('out.txt', 'hi'); console.log(JSON.stringify({ cwd: process.cwd(), env: process.env }))", { env: { LANG: 'C.UTF-8' } }));
    expect(result.exitCode).toBe(0);
    expect(result.unsandboxed).toBe(false);
    const seen = JSON.parse(result.stdout) as { cwd: string; env: Record<string, string> };
    expect(seen.cwd).toBe('/workspace');
    expect(Object.keys(seen.env).sort()).toEqual(['HOME', 'LANG', 'PATH', 'PWD']);
    expect(seen.env.HOME).toBe('/workspace');
    expect(readFileSync(join(workspace, 'out.txt'), 'utf8')).toBe('hi');
  });

  test('the time limit kills an endless loop and its whole process group', async () => {
    const started = Date.now();
    const failure = await failureOf(sandbox.run(node("require('child_process').spawn(process.execPath, ['-e', 'for(;;){}']); for(;;){}", { timeoutMs: 300 })));
    expect(failure).toEqual({ code: 'change_failed', message: 'The test program ran longer than 300 ms and was stopped. Make it faster.' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('the output limit stops a flood', async () => {
    const failure = await failureOf(sandbox.run(node("const s = 'x'.repeat(65536); for(;;) require('fs').writeSync(1, s)", { maxOutputBytes: 1024 * 1024 })));
    expect(failure).toEqual({ code: 'change_failed', message: 'The test program wrote more than 1048576 bytes to stdout and was stopped. Make it print less.' });
  });
});

describe('where no sandbox can start', () => {
  test('Fleet refuses, saying how to install bubblewrap', async () => {
    const sandbox = createSandbox({ bwrapPath: '/nonexistent/bwrap' });
    expect((await sandbox.check()).kind).toBe('unavailable');
    const failure = await failureOf(sandbox.run(node('console.log(1)')));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^The test program was not run: no sandbox can be started here \(\/nonexistent\/bwrap could not start: .*\)\. Install bubblewrap \(apt-get install bubblewrap\)/);
  });

  test('with FLEET_UNSANDBOXED=1 it runs in a plain child process with an empty environment, marked unsandboxed', async () => {
    process.env.SLACK_BOT_TOKEN = 'xoxb-secret';
    try {
      const sandbox = createSandbox({ bwrapPath: '/nonexistent/bwrap', allowUnsandboxed: true });
      const result = await sandbox.run(node('console.log(JSON.stringify({ env: process.env, worker: !require("worker_threads").isMainThread, ppid: process.ppid }))'));
      const seen = JSON.parse(result.stdout) as { env: Record<string, string>; worker: boolean; ppid: number };
      expect(result.unsandboxed).toBe(true);
      expect(seen.worker).toBe(false);
      expect(seen.ppid).toBe(process.pid);
      expect(Object.keys(seen.env).sort()).toEqual(['HOME', 'PATH']);
      expect(result.stdout).not.toContain('xoxb-secret');
    } finally {
      delete process.env.SLACK_BOT_TOKEN;
    }
  });

  test('the time limit holds without a sandbox too', async () => {
    const sandbox = createSandbox({ bwrapPath: '/nonexistent/bwrap', allowUnsandboxed: true });
    const failure = await failureOf(sandbox.run(node('for(;;){}', { timeoutMs: 200 })));
    expect(failure.message).toBe('The test program ran longer than 200 ms and was stopped. Make it faster.');
  });
});

describe('a self-check that fails', () => {
  test('a bwrap that exits non-zero is unavailable', async () => {
    const fake = join(workspace, 'fake-bwrap');
    writeFileSync(fake, '#!/bin/sh\necho "bwrap: No permissions to creating new namespace" >&2\nexit 1\n', { mode: 0o755 });
    const sandbox = createSandbox({ bwrapPath: fake });
    const status = await sandbox.check();
    expect(status).toEqual({ kind: 'unavailable', reason: `${fake} exited with 1: bwrap: No permissions to creating new namespace` });
  });
});
