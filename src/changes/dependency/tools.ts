import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the lockfile tools are. JavaScript package managers run as `node <their script>`: npm is
 * the one installed with the node binary Fleet runs on; yarn 1, yarn berry and pnpm are Fleet's own
 * dependencies (package.json), found by walking up from this file to node_modules. go, poetry, uv
 * and pipenv are programs of the host, looked for where the sandbox's PATH looks
 * (/usr/local/bin, /usr/bin, /bin).
 */

export type ToolName = 'npm' | 'yarn' | 'yarn-berry' | 'pnpm' | 'go' | 'poetry' | 'uv' | 'pipenv';

export interface ToolCommand {
  /** For messages and summaries: 'npm 11.1.0', 'go 1.19.8', 'poetry 1.3.2'. */
  label: string;
  /** The program to start (an absolute path, the same inside the sandbox and out). */
  command: string;
  /** Arguments before the tool's own (the script a node tool is). */
  args: string[];
  /** Host folders the sandbox must show, read-only, for the tool to run (the same path inside). */
  readOnly: { host: string; inside: string }[];
  /** The tool's version: from its own files, or for poetry from what `poetry --version` says. */
  version?: string;
}

/** The folders the sandbox shows of the host anyway (run-sandboxed.ts binds /usr, /bin, /lib). */
const VISIBLE = ['/usr/', '/bin/', '/lib/', '/lib64/', '/sbin/'];
/** Where the sandbox's PATH looks for programs. */
const PATH_FOLDERS = ['/usr/local/bin', '/usr/bin', '/bin'];

const PACKAGES: Record<'yarn' | 'yarn-berry' | 'pnpm', { pkg: string; script: string; name: string }> = {
  yarn: { pkg: 'yarn', script: 'bin/yarn.js', name: 'yarn' },
  'yarn-berry': { pkg: '@yarnpkg/cli-dist', script: 'bin/yarn.js', name: 'yarn' },
  pnpm: { pkg: 'pnpm', script: 'bin/pnpm.cjs', name: 'pnpm' },
};

function visible(path: string): boolean {
  return VISIBLE.some((top) => path.startsWith(top));
}

function readVersion(packageDir: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

/** The package folder of `pkg` in the nearest node_modules above `from`, with symbolic links resolved. */
export function findPackageDir(pkg: string, from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', pkg);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** npm as installed beside the node binary: <prefix>/lib/node_modules/npm (Unix) or <bin>/node_modules/npm. */
export function findNpmDir(nodePath: string = process.execPath): string | undefined {
  const real = realpathSync(nodePath);
  for (const bin of new Set([dirname(nodePath), dirname(real)])) {
    for (const candidate of [join(bin, '..', 'lib', 'node_modules', 'npm'), join(bin, 'node_modules', 'npm')]) {
      if (existsSync(join(candidate, 'bin', 'npm-cli.js'))) return realpathSync(candidate);
    }
  }
  return undefined;
}

function nodeTool(name: string, packageDir: string, script: string): ToolCommand {
  const version = readVersion(packageDir);
  const scriptPath = join(packageDir, script);
  return {
    label: version ? `${name} ${version}` : name,
    command: process.execPath,
    args: [scriptPath],
    readOnly: visible(packageDir) ? [] : [{ host: packageDir, inside: packageDir }],
    ...(version ? { version } : {}),
  };
}

function onPath(program: string): string | undefined {
  for (const folder of PATH_FOLDERS) {
    const path = join(folder, program);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Go's own VERSION file in its GOROOT: 'go1.19.8' on the first line. */
function goVersion(goPath: string): string | undefined {
  try {
    const first = readFileSync(join(dirname(dirname(realpathSync(goPath))), 'VERSION'), 'utf8').split('\n')[0].trim();
    return first.startsWith('go') ? first.slice(2) : undefined;
  } catch {
    return undefined;
  }
}

const poetryVersions = new Map<string, string | undefined>();

/**
 * What `poetry --version` says ('Poetry (version 1.3.2)'): its commands differ between versions
 * (`lock --no-update` and `lock --check` before 2, `check --lock` from 1.6), so Fleet asks it
 * once per installation rather than guess.
 */
function poetryVersion(path: string): string | undefined {
  if (poetryVersions.has(path)) return poetryVersions.get(path);
  const result = spawnSync(path, ['--version', '--no-ansi'], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/nonexistent', LC_ALL: 'C.UTF-8' } });
  const version = result.status === 0 ? /version\s+(\d+\.\d+(?:\.\d+)?[0-9A-Za-z.+-]*)/i.exec(`${result.stdout}`)?.[1] : undefined;
  poetryVersions.set(path, version);
  return version;
}

function hostProgram(name: 'go' | 'poetry' | 'uv' | 'pipenv'): ToolCommand | undefined {
  const path = onPath(name);
  if (!path) return undefined;
  const real = realpathSync(path);
  // A program installed outside /usr (/opt/go/bin/go through a link, say): show its installation.
  const prefix = dirname(dirname(real));
  const version = name === 'go' ? goVersion(path) : name === 'poetry' ? poetryVersion(real) : undefined;
  return {
    label: version ? `${name} ${version}` : name,
    command: real,
    args: [],
    readOnly: visible(real) ? [] : [{ host: prefix, inside: prefix }],
    ...(version ? { version } : {}),
  };
}

/**
 * The tool that updates a lockfile, or undefined when it is not installed where Fleet runs.
 *
 * @example findTool('pnpm') // { label: 'pnpm 9.15.9', command: '/usr/bin/node', args: ['/srv/fleet/node_modules/pnpm/bin/pnpm.cjs'], readOnly: [...], version: '9.15.9' }
 */
export function findTool(name: ToolName): ToolCommand | undefined {
  if (name === 'npm') {
    const dir = findNpmDir();
    return dir ? nodeTool('npm', dir, 'bin/npm-cli.js') : undefined;
  }
  if (name === 'yarn' || name === 'yarn-berry' || name === 'pnpm') {
    const spec = PACKAGES[name];
    const dir = findPackageDir(spec.pkg);
    return dir ? nodeTool(spec.name, dir, spec.script) : undefined;
  }
  return hostProgram(name);
}
