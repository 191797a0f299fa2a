import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

/**
 * The layout's rules, read from the sources' own import lines: the top-level folders of src/ form
 * layers (README.md, "Layout"), each importing only the folders below it, so no two import each
 * other; and only src/slack/ (with the stand-ins) knows Slack.
 */

/** The folders of src/ from the bottom up, as README.md lists them. */
const LAYERS = ['workspace', 'changes', 'domain', 'store', 'confidence', 'metrics', 'github', 'steps', 'engine', 'campaigns', 'slack', 'runtime', 'sandbox', 'cli', 'bench', 'chaos'];

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:\bfrom|\bimport\s*\(|^\s*import)\s*['"]([^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]);
}

function folderOf(path: string): string {
  const parts = relative(src, path).split('/');
  return parts.length > 1 ? parts[0] : '.';
}

/** Every import between two different top-level folders, as file → file. */
function crossFolderImports(): Import[] {
  const found: Import[] = [];
  for (const file of sourceFiles(src)) {
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const to = resolve(dirname(file), spec);
      if (!to.startsWith(src) || folderOf(to) === folderOf(file) || folderOf(to) === '.') continue;
      found.push({ from: relative(src, file), to: relative(src, to) });
    }
  }
  return found;
}

/** The loops in a folder graph, each as the folders in order (the first repeated at the end). */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string) => {
    const at = onPath.indexOf(node);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), node]);
      return;
    }
    if (seen.has(node)) return;
    seen.add(node);
    onPath.push(node);
    for (const next of [...(edges.get(node) ?? [])].sort()) visit(next);
    onPath.pop();
  };
  for (const node of [...edges.keys()].sort()) visit(node);
  return cycles;
}

function folderGraph(imports: readonly Import[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    const a = from.split('/')[0];
    const b = to.split('/')[0];
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)?.add(b);
  }
  return edges;
}

describe('the layout of src/', () => {
  test('findCycles finds a direct loop and a longer one, and none in a tree', () => {
    const graph = (pairs: [string, string][]) => folderGraph(pairs.map(([a, b]) => ({ from: `${a}/x.ts`, to: `${b}/y.ts` })));
    expect(findCycles(graph([['a', 'b'], ['b', 'a']]))).toEqual([['a', 'b', 'a']]);
    expect(findCycles(graph([['a', 'b'], ['b', 'c'], ['c', 'a']]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(graph([['a', 'b'], ['a', 'c'], ['b', 'c']]))).toEqual([]);
  });

  test('no top-level folder imports one that imports it back', () => {
    const imports = crossFolderImports();
    expect(imports.length).toBeGreaterThan(50);
    const cycles = findCycles(folderGraph(imports)).map((cycle) => {
      const witnesses = cycle.slice(1).map((to, i) => imports.find((im) => im.from.startsWith(`${cycle[i]}/`) && im.to.startsWith(`${to}/`)));
      return `${cycle.join(' → ')} (${witnesses.map((w) => `${w?.from} imports ${w?.to}`).join('; ')})`;
    });
    expect(cycles).toEqual([]);
  });

  test('every folder of src/ is a layer, and imports only the layers below it', () => {
    const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
    expect(folders.sort()).toEqual([...LAYERS].sort());
    const upward = crossFolderImports()
      .filter((im) => LAYERS.indexOf(im.to.split('/')[0]) > LAYERS.indexOf(im.from.split('/')[0]))
      .map((im) => `${im.from} imports ${im.to}`);
    expect(upward).toEqual([]);
  });

  test('only src/slack/ and the stand-ins import @slack/*', () => {
    const allowed = (file: string) => file.startsWith('slack/') || file.startsWith('sandbox/');
    const offenders = sourceFiles(src)
      .map((file) => relative(src, file))
      .filter((file) => !allowed(file) && importsOf(join(src, file)).some((spec) => spec.startsWith('@slack/')));
    expect(offenders).toEqual([]);
  });

  test('the engine, the campaign service and the steps never import the Slack folder', () => {
    const offenders = crossFolderImports().filter((im) => /^(engine|campaigns|steps|store|github|confidence|metrics|domain|changes)\//.test(im.from) && im.to.startsWith('slack/'));
    expect(offenders).toEqual([]);
  });
});
