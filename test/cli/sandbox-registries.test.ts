import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import type { CliIo } from '../../src/cli/io.js';
import { runSandboxRegistriesCommand } from '../../src/cli/sandbox-registries.js';
import { GO_SUMDB } from '../../src/sandbox/registries/go-sumdb.js';

function createIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), readFile: () => Promise.reject(new Error('no files')), env: {} };
}

describe('fleet sandbox registries', () => {
  test('serves the three registries at the printed variables until told to stop', async () => {
    const io = createIo();
    const answers: number[] = [];
    const code = await runSandboxRegistriesCommand(['registries'], io, {
      waitForStop: async (registries) => {
        expect(registries.environment).toEqual({ npmRegistry: registries.npm.url, goProxy: registries.go.url, goSumDb: GO_SUMDB, pythonIndex: `${registries.python.url}simple/` });
        const printed = Object.fromEntries(io.out.join('').split('\n').filter((line) => line.startsWith('FLEET_')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
        expect(printed.FLEET_GOSUMDB).toBe(GO_SUMDB);
        answers.push((await fetch(`${printed.FLEET_NPM_REGISTRY ?? ''}lodash`)).status);
        answers.push((await fetch(`${printed.FLEET_GOPROXY ?? ''}github.com/sirupsen/logrus/@v/list`)).status);
        answers.push((await fetch(`${printed.FLEET_PIP_INDEX_URL ?? ''}requests/`)).status);
      },
    });
    expect(code).toBe(0);
    expect(answers).toEqual([200, 200, 200]);
    expect(io.out.join('')).toMatch(/^npm registry on http:\/\/127\.0\.0\.1:\d+\/ \(\d+ packages\), Go module proxy on http:\/\/127\.0\.0\.1:\d+\//);
    expect(io.out.at(-1)).toBe('Local registries stopped.\n');
  });

  test('fleet sandbox routes registries here and the rest to the fake GitHub; bad ports are refused', async () => {
    const io = createIo();
    expect(await runSandboxRegistriesCommand(['registries', '--npm-port', 'x'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(await runSandboxRegistriesCommand(['registries', '--go-port', '70000'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(await runSandboxRegistriesCommand(['registries', '--nope'], io, { waitForStop: () => Promise.resolve() })).toBe(2);
    expect(io.err.join('')).toContain('Usage: fleet sandbox registries');
    expect(COMMANDS.sandbox?.usage).toContain('fleet sandbox registries');
    const viaCommand = createIo();
    expect(await COMMANDS.sandbox?.run(['registries', '--python-port', '1.5'], viaCommand)).toBe(2);
    expect(viaCommand.err.join('')).toContain('--python-port takes a port number');
  });
});
