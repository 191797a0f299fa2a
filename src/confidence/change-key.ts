import { createHash } from 'node:crypto';
import type { Change } from '../domain/spec.js';

/**
 * What a campaign changed, as history pools it: a stable key within the change kind, and the words
 * that name past changes of that key in an explanation ("lodash 4.x bumps"). Two campaigns with the
 * same key are the same change as far as learning goes: for a dependency, the same package to the
 * same major version (a patch or minor bump of lodash 4 teaches about the next one, a move to
 * lodash 5 does not); for the other kinds, the same file, key, module or commands.
 */
export interface ChangeHistoryKey {
  key: string;
  /** A plural noun phrase for past changes of this key, e.g. "lodash 4.x bumps". */
  label: string;
}

/** Keys are kept short: a longer description is cut and ends with a hash of the whole. */
const MAX_KEY = 200;

function bounded(key: string): string {
  if (key.length <= MAX_KEY) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, MAX_KEY - 17)}#${hash}`;
}

function short(text: string, max = 40): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * The version line a dependency moves to: the major version ("^4.17.21", ">=4 <5", "v4.2" → "4"),
 * the minor one below 1.0 ("~0.3.1" → "0.3", where a minor bump may break), else the version as
 * written (a Docker tag such as "latest").
 *
 * @example versionLine('^4.17.21') // '4'
 * @example versionLine('0.3.1') // '0.3'
 * @example versionLine('latest') // 'latest'
 */
export function versionLine(version: string): string {
  const bare = version.split('@')[0];
  const match = /(\d+)(?:\.(\d+))?/.exec(bare);
  if (!match) return bare.toLowerCase();
  const major = Number(match[1]);
  if (major === 0 && match[2] !== undefined) return `0.${Number(match[2])}`;
  return String(major);
}

function paths(list: readonly string[]): string {
  return [...list].sort().join(',');
}

/**
 * The history key of a change.
 *
 * @example changeHistoryKey({ kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } })
 * // { key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps' }
 * @example changeHistoryKey({ kind: 'file-write', options: { path: '.nvmrc', content: '20\n', onlyIfMissing: false } })
 * // { key: 'file-write:.nvmrc', label: 'writes of .nvmrc' }
 */
export function changeHistoryKey(change: Change): ChangeHistoryKey {
  switch (change.kind) {
    case 'npm-dependency':
    case 'dependency': {
      const o = change.options;
      const ecosystem = change.kind === 'npm-dependency' ? 'npm' : change.options.ecosystem;
      const line = versionLine(o.version);
      const shown = /^\d/.test(line) ? `${line}.x` : line;
      return { key: bounded(`dependency:${ecosystem}:${o.package}@${line}`), label: `${o.package} ${shown} bumps` };
    }
    case 'json-set':
    case 'yaml-set':
      return { key: bounded(`${change.kind}:${change.options.path}#${change.options.key}`), label: `changes of ${change.options.key} in ${change.options.path}` };
    case 'replace':
      return { key: bounded(`replace:${paths(change.options.paths)}:${change.options.find}`), label: `replacements of "${short(change.options.find)}"` };
    case 'file-write':
      return { key: bounded(`file-write:${change.options.path}`), label: `writes of ${change.options.path}` };
    case 'file-delete':
      return { key: bounded(`file-delete:${paths(change.options.paths)}`), label: `deletions of ${short(change.options.paths.join(', '))}` };
    case 'codemod':
      return { key: bounded(`codemod:${change.options.module}`), label: `runs of the ${change.options.module} codemod` };
    case 'run': {
      const commands = change.options.commands.map((c) => c.run ?? JSON.stringify(c.argv));
      return { key: bounded(`run:${commands.join('\n')}`), label: `runs of "${short(commands[0])}"${commands.length > 1 ? ` and ${commands.length - 1} more command${commands.length > 2 ? 's' : ''}` : ''}` };
    }
  }
}
