import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled file of an entry under `src/` (e.g. `bench/ack-load.js`, `runtime/main.js`), for a
 * child process. From the built bench it sits beside this file's folder; from the TypeScript
 * sources (tests) it is the build's copy, since a child process cannot load `.ts` files here.
 *
 * @example findBuiltEntry('runtime/main.js') // '/…/dist/src/runtime/main.js'
 */
export function findBuiltEntry(path: string): string {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const sibling = join(src, path);
  if (existsSync(sibling)) return sibling;
  const built = resolve(src, '../dist/src', path);
  if (existsSync(built)) return built;
  throw new Error(`The compiled ${path} is missing: run \`npm run build\` first.`);
}
