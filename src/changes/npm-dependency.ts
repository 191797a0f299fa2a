import { FleetError } from '../errors.js';
import { JsonTextError, findMember, parseJsonText, type JsonNode } from './json-text.js';
import { isLiteralPath, matchPaths } from './match-paths.js';
import type { NpmDependencyOptions } from './options.js';
import type { ChangeContext, FileEdit, FileSet, TransformOutcome } from './types.js';

const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

/**
 * The package.json files the change looks at: the root one unless `paths` says otherwise.
 * Vendored packages under node_modules are skipped unless a pattern names node_modules itself.
 */
export function choosePackageJsonPaths(options: NpmDependencyOptions, treePaths: Iterable<string>): string[] {
  const patterns = options.paths ?? ['package.json'];
  const paths = matchPaths(patterns, treePaths);
  if (patterns.some((pattern) => pattern.includes('node_modules'))) return paths;
  return paths.filter((path) => !path.split('/').includes('node_modules'));
}

/** Reads a file as JSON or JSONC, turning a syntax error into a FleetError that names the file. */
export function parseRepoJson(path: string, text: string, ctx: ChangeContext, jsonc: boolean): JsonNode {
  try {
    return parseJsonText(text, { jsonc });
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw new FleetError(
      'change_failed',
      `${path} in ${ctx.repo} is not valid JSON (${error.message}). Fix the file in the repository, or leave the repository out of the campaign.`,
      { path, repo: ctx.repo, line: error.line, column: error.column },
      { cause: error },
    );
  }
}

/**
 * Sets a dependency's version in every dependency section of each package.json that lists it,
 * by replacing only the version string, so indentation, key order, line endings and the final
 * newline stay as they were. A package.json that does not list the package is left alone.
 *
 * @example
 * await bumpNpmDependency({ package: 'lodash', version: '^4.17.21' },
 *   new Map([['package.json', '{\n  "dependencies": { "lodash": "^4.17.20" }\n}\n']]), { repo: 'acme/api' });
 * // edits: [{ path: 'package.json', content: '{\n  "dependencies": { "lodash": "^4.17.21" }\n}\n' }]
 */
export function bumpNpmDependency(options: NpmDependencyOptions, files: FileSet, ctx: ChangeContext): Promise<TransformOutcome> {
  return new Promise((resolve) => {
    const found = editPackageJsons(options, files, ctx);
    const summary = `Set ${options.package} to ${options.version} in ${found.changed.join(', ')}`;
    resolve({ edits: found.edits, summary, noopReason: describeNoop(options, found.paths, found.already, found.missing, found.sections) });
  });
}

/** What editing the package.json files found: the edits, one summary entry per edited file, and where the version already is. */
export interface PackageJsonEdits {
  edits: FileEdit[];
  /** 'package.json (dependencies, devDependencies; was ^4.17.20)' */
  changed: string[];
  already: string[];
  /** The package.json files looked at. */
  paths: string[];
  /** Literal paths asked for that are not there. */
  missing: string[];
  sections: readonly string[];
  /** How many declarations of the package were found. */
  declarations: number;
}

/** The edits of bumpNpmDependency, with what it found, for callers that build their own summary. */
export function editPackageJsons(options: NpmDependencyOptions, files: FileSet, ctx: ChangeContext): PackageJsonEdits {
  const patterns = options.paths ?? ['package.json'];
  const paths = choosePackageJsonPaths(options, files.keys());
  const sections = options.sections ?? SECTIONS;
  const edits: FileEdit[] = [];
  const changed: string[] = [];
  const already: string[] = [];
  const missing = patterns.filter((p) => isLiteralPath(p) && !files.has(p));
  let declarations = 0;

  for (const path of paths) {
    const text = files.get(path)!;
    const root = parseRepoJson(path, text, ctx, false);
    if (root.type !== 'object') {
      throw new FleetError('change_failed', `${path} in ${ctx.repo} is not a JSON object, so it is not a package.json npm can read. Fix the file, or leave the repository out of the campaign.`, { path, repo: ctx.repo });
    }
    const replacements: { start: number; end: number; from: string; section: string }[] = [];
    const sectionsAlready: string[] = [];
    for (const section of sections) {
      const block = findMember(root, section)?.value;
      if (!block) continue;
      if (block.type !== 'object') {
        throw new FleetError('change_failed', `"${section}" in ${path} of ${ctx.repo} is not an object of package names and versions. Fix the file, or leave the repository out of the campaign.`, { path, section, repo: ctx.repo });
      }
      const entry = findMember(block, options.package)?.value;
      if (!entry) continue;
      if (entry.type !== 'string') {
        throw new FleetError('change_failed', `${options.package} in "${section}" of ${path} (${ctx.repo}) has a ${entry.type} where a version string belongs. Fix the file, or leave the repository out of the campaign.`, { path, section, repo: ctx.repo });
      }
      declarations += 1;
      if (entry.value === options.version) sectionsAlready.push(section);
      else replacements.push({ start: entry.start, end: entry.end, from: entry.value, section });
    }
    if (replacements.length === 0) {
      if (sectionsAlready.length > 0) already.push(path);
      continue;
    }
    let next = text;
    for (const r of [...replacements].sort((a, b) => b.start - a.start)) {
      next = next.slice(0, r.start) + JSON.stringify(options.version) + next.slice(r.end);
    }
    edits.push({ path, content: next });
    const froms = [...new Set(replacements.map((r) => r.from))].join(', ');
    changed.push(`${path} (${replacements.map((r) => r.section).join(', ')}; was ${froms})`);
  }

  return { edits, changed, already, paths, missing, sections, declarations };
}

export function describeNoop(options: NpmDependencyOptions, paths: string[], already: string[], missing: string[], sections: readonly string[]): string {
  if (paths.length === 0) {
    const wanted = (options.paths ?? ['package.json']).join(', ');
    return `no package.json matches ${wanted}`;
  }
  if (already.length > 0) return `${options.package} is already at ${options.version} in ${already.join(', ')}`;
  const where = options.sections ? ` (${sections.join(', ')})` : '';
  const gone = missing.length > 0 ? `; ${missing.join(', ')} does not exist` : '';
  return `${options.package} is not listed in ${paths.join(', ')}${where}${gone}`;
}
