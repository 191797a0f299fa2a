import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findNpmDir, findPackageDir, findTool } from '../../../src/changes/dependency/tools.js';
import { GO_PATH, goAvailable, goMissingReason } from '../../support/package-tools.js';

describe('findTool', () => {
  test("npm is the one installed beside the node binary, with that npm's version", () => {
    const npm = findTool('npm');
    expect(npm).toBeDefined();
    expect(npm!.command).toBe(process.execPath);
    expect(npm!.args[0]).toMatch(/\/npm\/bin\/npm-cli\.js$/);
    expect(existsSync(npm!.args[0])).toBe(true);
    const version = execFileSync(process.execPath, [npm!.args[0], '--version'], { encoding: 'utf8' }).trim();
    expect(npm!.label).toBe(`npm ${version}`);
  });

  test("yarn 1, yarn berry and pnpm are Fleet's own dependencies, each script inside a folder the sandbox shows read-only", () => {
    for (const [name, pkg, label] of [
      ['yarn', 'yarn', /^yarn 1\.\d+\.\d+$/],
      ['yarn-berry', '@yarnpkg/cli-dist', /^yarn 4\.\d+\.\d+$/],
      ['pnpm', 'pnpm', /^pnpm 9\.\d+\.\d+$/],
    ] as const) {
      const tool = findTool(name);
      expect(tool, name).toBeDefined();
      expect(tool!.label).toMatch(label);
      const dir = findPackageDir(pkg)!;
      expect(tool!.args[0].startsWith(`${dir}/`)).toBe(true);
      expect(existsSync(tool!.args[0])).toBe(true);
      if (!dir.startsWith('/usr/')) expect(tool!.readOnly).toEqual([{ host: dir, inside: dir }]);
    }
  });

  test('a package that is not installed is not found; npm beside a node that has none is not found', () => {
    expect(findPackageDir('fleet-no-such-package-0')).toBeUndefined();
    const prefix = mkdtempSync(join(tmpdir(), 'fleet-tools-node-'));
    try {
      mkdirSync(join(prefix, 'bin'));
      writeFileSync(join(prefix, 'bin', 'node'), '');
      expect(findNpmDir(join(prefix, 'bin', 'node'))).toBeUndefined();
      mkdirSync(join(prefix, 'lib', 'node_modules', 'npm', 'bin'), { recursive: true });
      writeFileSync(join(prefix, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), '');
      expect(findNpmDir(join(prefix, 'bin', 'node'))).toBe(join(prefix, 'lib', 'node_modules', 'npm'));
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  test.skipIf(!goAvailable)(`go comes from PATH, its version read from its GOROOT${goAvailable ? '' : ` (skipped: ${goMissingReason})`}`, () => {
    const go = findTool('go');
    expect(go).toBeDefined();
    const version = execFileSync(GO_PATH, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
    expect(go!.label).toBe(`go ${version.replace(/^go/, '')}`);
  });
});
