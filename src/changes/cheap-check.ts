import { parseChange, type Change } from './apply-change.js';
import { findMember, isSameJson, parseJsonText, toValue, type JsonNode } from './json-text.js';
import { isLiteralPath } from './match-paths.js';
import { CHANGE_OPTIONS, splitKeyPath } from './options.js';

/**
 * Planning's cheap check: whether a repository needs the change at all, from ONE file of its
 * default branch, before waves are planned, so the canary cohort is made of repositories that will
 * change. Pure: the caller reads the file (through the cache) and hands its text to `judge`.
 * Where one file cannot tell (globs, codemods, commands, every ecosystem at once) there is no
 * check and the repository is kept; the step that opens the PR decides as before.
 */

export type CheapVerdict = { needsChange: true } | { needsChange: false; reason: string } | { needsChange: 'unknown' };

export interface CheapCheck {
  /** The one file that decides, at the repository's root or below it. */
  path: string;
  /** The verdict from the file's text (undefined: the file does not exist). */
  judge(text: string | undefined): CheapVerdict;
}

const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;
const UNKNOWN: CheapVerdict = { needsChange: 'unknown' };

function parseJson(text: string): JsonNode | undefined {
  try {
    return parseJsonText(text, { jsonc: true });
  } catch {
    return undefined;
  }
}

function npmCheck(pkg: string, version: string, path: string, sections: readonly string[]): CheapCheck {
  return {
    path,
    judge(text) {
      if (text === undefined) return { needsChange: false, reason: `it has no ${path}` };
      const root = parseJson(text);
      // Not JSON: the change itself says what is wrong with the file, in its wave.
      if (!root || root.type !== 'object') return UNKNOWN;
      const found = sections.flatMap((section) => {
        const block = findMember(root, section)?.value;
        const entry = block && block.type === 'object' ? findMember(block, pkg)?.value : undefined;
        return entry ? [toValue(entry)] : [];
      });
      if (found.length === 0) return { needsChange: false, reason: `its ${path} does not depend on ${pkg}` };
      if (found.every((v) => v === version)) return { needsChange: false, reason: `${pkg} is already at ${version} in its ${path}` };
      return { needsChange: true };
    },
  };
}

function valueAt(root: JsonNode, key: string): { found: boolean; value?: unknown } {
  let node: JsonNode | undefined = root;
  for (const segment of splitKeyPath(key)) {
    if (!node || node.type !== 'object') return { found: false };
    node = findMember(node, segment)?.value;
  }
  return node ? { found: true, value: toValue(node) } : { found: false };
}

/**
 * The cheap check of a change, or undefined where one file cannot tell.
 *
 * @example
 * const check = cheapCheck({ kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } });
 * check?.path // 'package.json'
 * check?.judge('{ "dependencies": { "react": "18.0.0" } }') // { needsChange: false, reason: 'its package.json does not depend on lodash' }
 */
export function cheapCheck(change: Change): CheapCheck | undefined {
  const { kind, options } = parseChange(change);
  switch (kind) {
    case 'npm-dependency': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      const paths = o.paths ?? ['package.json'];
      if (paths.length !== 1 || !isLiteralPath(paths[0])) return undefined;
      return npmCheck(o.package, o.version, paths[0], o.sections ?? SECTIONS);
    }
    case 'dependency': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      // Without paths it looks at every manifest of the tree: one file cannot tell.
      if (o.ecosystem !== 'npm' || o.paths?.length !== 1 || !isLiteralPath(o.paths[0])) return undefined;
      return npmCheck(o.package, o.version, o.paths[0], o.sections ?? SECTIONS);
    }
    case 'json-set': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      return {
        path: o.path,
        judge(text) {
          if (text === undefined) return o.createFile ? { needsChange: true } : { needsChange: false, reason: `it has no ${o.path}` };
          const root = parseJson(text);
          if (!root) return UNKNOWN;
          const at = valueAt(root, o.key);
          return at.found && isSameJson(at.value, o.value) ? { needsChange: false, reason: `its ${o.path} already sets ${o.key} to ${JSON.stringify(o.value)}` } : { needsChange: true };
        },
      };
    }
    case 'yaml-set': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      return { path: o.path, judge: (text) => (text === undefined && !o.createFile ? { needsChange: false, reason: `it has no ${o.path}` } : UNKNOWN) };
    }
    case 'file-write': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      return {
        path: o.path,
        judge(text) {
          if (text === undefined) return { needsChange: true };
          if (o.onlyIfMissing) return { needsChange: false, reason: `it already has ${o.path}` };
          return text === o.content ? { needsChange: false, reason: `its ${o.path} already holds that content` } : { needsChange: true };
        },
      };
    }
    case 'file-delete': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      if (o.paths.length !== 1 || !isLiteralPath(o.paths[0])) return undefined;
      const path = o.paths[0];
      return { path, judge: (text) => (text === undefined ? { needsChange: false, reason: `it has no ${path}` } : { needsChange: true }) };
    }
    case 'replace': {
      const o = CHANGE_OPTIONS[kind].parse(options);
      if (o.paths.length !== 1 || !isLiteralPath(o.paths[0]) || o.regex) return undefined;
      const path = o.paths[0];
      return {
        path,
        judge(text) {
          if (text === undefined) return { needsChange: false, reason: `it has no ${path}` };
          if (o.flags.includes('i') ? !text.toLowerCase().includes(o.find.toLowerCase()) : !text.includes(o.find)) return { needsChange: false, reason: `its ${path} does not contain the text to replace` };
          return { needsChange: true };
        },
      };
    }
    case 'codemod':
    case 'run':
      return undefined;
  }
}
