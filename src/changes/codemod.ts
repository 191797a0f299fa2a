import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FleetError } from '../errors.js';
import { matchPaths } from './match-paths.js';
import { RepoPath, type CodemodOptions } from './options.js';
import { readTimeout, type ChangeContext, type FileEdit, type FileSet, type TransformOutcome } from './types.js';

/**
 * The codemod runs in a worker thread: a module that loops forever or allocates without end is
 * stopped by terminating the worker, which a timer on this thread could not do to synchronous
 * code. The worker gets an empty environment so catalog code never sees the app's secrets.
 */
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const mod = await import(workerData.url);
const transform = typeof mod.transform === 'function' ? mod.transform : mod.default && mod.default.transform;
if (typeof transform !== 'function') {
  parentPort.postMessage({ kind: 'no-transform' });
} else {
  try {
    parentPort.postMessage({ kind: 'ok', files: await transform(workerData.files, workerData.options) });
  } catch (error) {
    parentPort.postMessage({ kind: 'threw', message: error instanceof Error ? error.message : String(error) });
  }
}
`;
const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

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

type WorkerReply = { kind: 'ok'; files: unknown } | { kind: 'threw'; message: string } | { kind: 'no-transform' };

function runInWorker(modulePath: string, files: Record<string, string>, options: Record<string, unknown>, timeoutMs: number, name: string): Promise<WorkerReply> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: { url: pathToFileURL(modulePath).href, files, options },
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    let settled = false;
    function settle(action: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
      void worker.terminate();
    }
    const timer = setTimeout(() => {
      settle(() => reject(new FleetError('change_failed', `The codemod "${name}" ran longer than ${timeoutMs} ms and was stopped. Make it faster or narrow its paths.`, { module: name, timeoutMs })));
    }, timeoutMs);
    worker.once('message', (reply: WorkerReply) => settle(() => resolvePromise(reply)));
    worker.once('error', (error) => {
      settle(() => reject(new FleetError('change_failed', `The codemod "${name}" could not run: ${error.message}. Fix the module in the catalog.`, { module: name }, { cause: error })));
    });
    worker.once('exit', (code) => {
      settle(() => reject(new FleetError('change_failed', `The codemod "${name}" stopped (exit code ${code}) without returning files. Make its transform return an object of path to content.`, { module: name })));
    });
  });
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
  const reply = await runInWorker(modulePath, input, { ...options.options, repo: ctx.repo }, readTimeout(ctx), options.module);
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
