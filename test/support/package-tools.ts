import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable } from './executable.js';

/**
 * The package managers the lockfile tests run for real: the host's npm, and yarn 1, yarn berry
 * and pnpm from Fleet's node_modules; go from PATH. Commands run asynchronously, so a registry
 * served from the test's own process keeps answering.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function hostNpm(): string {
  const candidates = [join(dirname(realpathSync(process.execPath)), '../lib/node_modules/npm/bin/npm-cli.js'), '/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/local/lib/node_modules/npm/bin/npm-cli.js'];
  return candidates.find((path) => existsSync(path)) ?? candidates[0] ?? '';
}

export const NPM_CLI = hostNpm();
export const YARN1_CLI = join(root, 'node_modules/yarn/bin/yarn.js');
export const YARN_BERRY_CLI = join(root, 'node_modules/@yarnpkg/cli-dist/bin/yarn.js');
export const PNPM_CLI = join(root, 'node_modules/pnpm/bin/pnpm.cjs');
export const GO_PATH = ['/usr/bin/go', '/usr/local/go/bin/go'].find((path) => isExecutable(path)) ?? '/usr/bin/go';
export const goAvailable = isExecutable(GO_PATH);
export const goMissingReason = `go is not installed at ${GO_PATH}: run \`apt-get install -y golang-go\` to run the Go module tests.`;

export const PYTHON_PATH = ['/usr/bin/python3', '/usr/local/bin/python3'].find((path) => isExecutable(path)) ?? '/usr/bin/python3';
export const pythonAvailable = isExecutable(PYTHON_PATH);
export const pythonMissingReason = `python3 is not installed at ${PYTHON_PATH}: run \`apt-get install -y python3-pip\` to run the Python index tests.`;

export interface ToolResult {
  code: number;
  output: string;
  ms: number;
}

/**
 * An environment with nothing of the host's package-manager configuration: HOME, caches and
 * config in a fresh temp folder, and an HTTPS proxy on a closed port so a client that was not
 * pointed at the local registry fails instead of reaching the real one.
 */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'fleet-tool-home-'));
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    npm_config_cache: join(home, 'npm-cache'),
    npm_config_userconfig: join(home, '.npmrc'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    YARN_CACHE_FOLDER: join(home, 'yarn-cache'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    HTTPS_PROXY: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1',
    no_proxy: '127.0.0.1',
    CI: 'true',
    ...extra,
  };
}

/** Run a command and collect its output; never rejects. */
export function runTool(command: string, args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<ToolResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`, ms: Date.now() - started });
    });
  });
}

/** Run a node CLI script (npm-cli.js, yarn.js, pnpm.cjs) with the current node. */
export function runNodeTool(script: string, args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<ToolResult> {
  return runTool(process.execPath, [script, ...args], options);
}
