import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FleetError } from '../errors.js';
import { sharedSandbox, SANDBOX_WORKSPACE, type SandboxDeps } from '../workspace/run-sandboxed.js';
import { matchPaths } from './match-paths.js';
import { RepoPath, type CodemodOptions } from './options.js';
import { readTimeout, type ChangeContext, type FileEdit, type FileSet, type TransformOutcome } from './types.js';

/**
 * The codemod runs in its own process under the sandbox (src/workspace): a module that loops
 * forever is stopped by killing its process group, and it sees none of Fleet's environment,
 * files, processes or network. The catalog's codemods folder is shown read-only at
 * /catalog/codemods (so a module may import its siblings); the files and options go in through
 * /workspace/input.json and the result comes back through /workspace/result.json.
 */
const RUNNER_SOURCE = `
import { readFileSync, writeFileSync } from 'node:fs';
const [inputPath, resultPath] = process.argv.slice(1);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const reply = (value) => writeFileSync(resultPath, JSON.stringify(value));
// A codemod needs no variable at all: it sees an empty process.env, as it did in a worker.
for (const name of Object.keys(process.env)) delete process.env[name];
let mod;
try {
  mod = await import(input.url);
} catch (error) {
  reply({ kind: 'load-failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(0);
}
const transform = typeof mod.transform === 'function' ? mod.transform : mod.default && mod.default.transform;
if (typeof transform !== 'function') {
  reply({ kind: 'no-transform' });
} else {
  try {
    reply({ kind: 'ok', files: await transform(input.files, input.options) });
  } catch (error) {
    reply({ kind: 'threw', message: error instanceof Error ? error.message : String(error) });
  }
}
process.exit(0);
`;

const CATALOG_INSIDE = '/catalog';

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds `<catalogDir>/codemods/<name>.js` (or `.mjs`) and makes sure the file really lives
 * inside the catalog: a symbolic link out of it is refused, so only catalog code ever loads.
 *
 * @example
 * await resolveCodemod('/srv/catalog', 'rename-logger') // '/srv/catalog/codemods/rename-logger.js'
 */
export async function resolveCodemod(catalogDir: string | undefined, name: string): Promise<string> {
  if (!catalogDir) {
    throw new FleetError('change_invalid', `The codemod "${name}" needs a campaign catalog directory, and none is configured. Point FLEET_CAMPAIGNS at the catalog that holds codemods/${name}.js.`, { module: name });
  }
  const root = resolve(catalogDir, 'codemods');
  let realRoot: string;
  let realCatalog: string;
  try {
    realCatalog = await realpath(catalogDir);
    realRoot = await realpath(root);
  } catch {
    throw new FleetError('change_invalid', `The catalog ${catalogDir} has no codemods folder. Add codemods/${name}.js to the catalog, or pick another change kind.`, { module: name });
  }
  if (!isInside(realCatalog, realRoot)) {
    throw new FleetError('change_invalid', `The codemods folder of ${catalogDir} points outside the catalog, so nothing from it is loaded. Make codemods/ a real folder inside the catalog.`, { module: name });
  }
  for (const extension of ['.js', '.mjs']) {
    const candidate = join(root, `${name}${extension}`);
    if (!isInside(root, candidate) || !(await isFile(candidate))) continue;
    const real = await realpath(candidate);
    if (!isInside(realRoot, real)) {
      throw new FleetError('change_invalid', `The codemod ${name}${extension} links to a file outside the catalog, so it is not loaded. Copy the module into ${catalogDir}/codemods instead of linking to it.`, { module: name });
    }
    return real;
  }
  throw new FleetError('change_invalid', `No codemod named "${name}" in ${catalogDir}/codemods (looked for ${name}.js and ${name}.mjs). Add it to the catalog or fix the module name in the spec.`, { module: name });
}

type RunnerReply = { kind: 'ok'; files: unknown } | { kind: 'threw'; message: string } | { kind: 'no-transform' } | { kind: 'load-failed'; message: string };


/** The module type a `.js` file has where it lives: from the nearest package.json above it. */
async function moduleTypeOf(modulePath: string): Promise<'module' | 'commonjs'> {
  for (let dir = dirname(modulePath); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { type?: unknown };
      return pkg.type === 'module' ? 'module' : 'commonjs';
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (dirname(dir) === dir) return 'commonjs';
  }
}

function isReply(value: unknown): value is RunnerReply {
  return typeof value === 'object' && value !== null && ['ok', 'threw', 'no-transform', 'load-failed'].includes(String((value as { kind?: unknown }).kind));
}

async function runInSandbox(modulePath: string, files: Record<string, string>, options: Record<string, unknown>, timeoutMs: number, name: string, deps: SandboxDeps | undefined): Promise<{ reply: RunnerReply; unsandboxed: boolean }> {
  const sandbox = sharedSandbox(deps);
  const sandboxed = (await sandbox.check()).kind === 'bwrap';
  const codemodsDir = dirname(modulePath);
  const workspace = await mkdtemp(join(tmpdir(), 'fleet-codemod-run-'));
  try {
    const inside = sandboxed ? SANDBOX_WORKSPACE : workspace;
    const url = sandboxed ? pathToFileURL(join(CATALOG_INSIDE, 'codemods', basename(modulePath))).href : pathToFileURL(modulePath).href;
    await writeFile(join(workspace, 'input.json'), JSON.stringify({ url, files, options }));
    // The catalog's package.json decides what a .js module is; the sandbox shows only codemods/.
    await writeFile(join(workspace, 'catalog-package.json'), JSON.stringify({ type: await moduleTypeOf(modulePath) }));
    const run = await sandbox.run({
      command: process.execPath,
      args: ['--max-old-space-size=512', '--input-type=module', '-e', RUNNER_SOURCE, join(inside, 'input.json'), join(inside, 'result.json')],
      workspace,
      readOnly: [
        { host: codemodsDir, inside: `${CATALOG_INSIDE}/codemods` },
        { host: join(workspace, 'catalog-package.json'), inside: `${CATALOG_INSIDE}/package.json` },
      ],
      timeoutMs,
      label: `The codemod "${name}"`,
      timeoutHint: 'Make it faster or narrow its paths.',
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(workspace, 'result.json'), 'utf8'));
    } catch {
      parsed = undefined;
    }
    if (!isReply(parsed)) {
      const detail = run.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
      throw new FleetError('change_failed', `The codemod "${name}" stopped (exit code ${run.exitCode ?? run.signal}) without returning files${detail ? ` (${detail})` : ''}. Make its transform return an object of path to content.`, { module: name });
    }
    return { reply: parsed, unsandboxed: run.unsandboxed };
  } catch (error) {
    if (error instanceof FleetError) {
      throw new FleetError(error.code, error.message, { ...error.details, module: name }, { cause: error });
    }
    throw error;
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/**
 * Runs a codemod from the catalog over the files its `paths` select. The module exports
 * `transform(files, options)` (sync or async) returning `{ [path]: newContent | null }` for the
 * files it changes, adds (new paths) or deletes (null); paths it leaves out stay as they are.
 *
 * @example
 * // codemods/rename-logger.mjs: export function transform(files) { return { 'src/a.ts': files['src/a.ts'].replace('log', 'logger') }; }
 * await runCodemod({ module: 'rename-logger', paths: ['src/**'], options: {} }, files, { repo: 'acme/api', catalogDir: '/srv/catalog' });
 */
export async function runCodemod(options: CodemodOptions, files: FileSet, ctx: ChangeContext): Promise<TransformOutcome> {
  const modulePath = await resolveCodemod(ctx.catalogDir, options.module);
  const paths = matchPaths(options.paths, files.keys());
  const input: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const path of paths) input[path] = files.get(path)!;
  const { reply, unsandboxed } = await runInSandbox(modulePath, input, { ...options.options, repo: ctx.repo }, readTimeout(ctx), options.module, ctx.sandbox);
  if (reply.kind === 'load-failed') {
    throw new FleetError('change_failed', `The codemod "${options.module}" could not run: ${reply.message}. Fix the module in the catalog.`, { module: options.module });
  }
  if (reply.kind === 'no-transform') {
    throw new FleetError('change_invalid', `The codemod "${options.module}" does not export a transform function. Export \`transform(files, options)\` from the module.`, { module: options.module });
  }
  if (reply.kind === 'threw') {
    throw new FleetError('change_failed', `The codemod "${options.module}" failed on ${ctx.repo}: ${reply.message}. Fix the codemod, or leave the repository out of the campaign.`, { module: options.module, repo: ctx.repo });
  }
  const edits = readEdits(reply.files, options.module).filter((edit) => edit.content !== null || files.has(edit.path));
  const changed = edits.filter((edit) => edit.content !== files.get(edit.path)).length;
  return {
    edits,
    summary: `Codemod ${options.module} changed ${changed} file${changed === 1 ? '' : 's'}`,
    noopReason: `codemod ${options.module} made no change to the ${paths.length} file${paths.length === 1 ? '' : 's'} it read`,
    ...(unsandboxed ? { unsandboxed: true } : {}),
  };
}

function readEdits(result: unknown, name: string): FileEdit[] {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new FleetError('change_failed', `The codemod "${name}" returned ${Array.isArray(result) ? 'a list' : String(result)} instead of an object of path to content. Make transform return e.g. { "src/a.ts": "..." }.`, { module: name });
  }
  return Object.entries(result).map(([path, content]) => {
    if (!RepoPath.safeParse(path).success) {
      throw new FleetError('change_failed', `The codemod "${name}" returned the path ${JSON.stringify(path)}, which is not a path inside the repository. Return relative paths with "/" separators and no "..".`, { module: name });
    }
    if (content !== null && typeof content !== 'string') {
      throw new FleetError('change_failed', `The codemod "${name}" returned ${typeof content} for ${path}; return the new text, or null to delete the file.`, { module: name, path });
    }
    return { path, content };
  });
}
