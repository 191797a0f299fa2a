import { z } from 'zod';
import { DurationText } from './duration.js';
import { isNpmVersion } from './npm-version.js';

/** A file path inside a repository: relative, with forward slashes, never climbing out with "..". */
function isRepoPath(path: string): boolean {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export const RepoPath = z
  .string()
  .min(1)
  .max(1024)
  .refine(isRepoPath, 'a path inside the repository such as "package.json" or "config/app.yml" (relative, "/" separators, no "..")');

/** A path or a glob over the repository's paths, e.g. "**\/*.ts". */
export const RepoGlob = z
  .string()
  .min(1)
  .max(1024)
  .refine(isRepoPath, 'a path or glob inside the repository such as "src/**/*.ts" (relative, "/" separators, no "..")');

/** A dotted key path ("compilerOptions.strict"); write "\\." for a dot inside a key. */
export const KeyPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((key) => splitKeyPath(key).every((segment) => segment !== ''), 'a dotted key path such as "compilerOptions.strict" with no empty segment');

/** The segments of a dotted key path; "\\." stands for a dot inside a key. */
export function splitKeyPath(key: string): string[] {
  const segments: string[] = [''];
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '\\' && key[i + 1] === '.') {
      segments[segments.length - 1] += '.';
      i++;
    } else if (c === '.') {
      segments.push('');
    } else {
      segments[segments.length - 1] += c;
    }
  }
  return segments;
}

function isValidRegex(source: string, flags: string): boolean {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false;
  }
}

/** The options of each change kind. The transforms in this folder parse with these. */
export const NpmDependencyOptions = z.strictObject({
  package: z.string().min(1).max(214).regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i, 'an npm package name, e.g. lodash or @scope/name'),
  version: z
    .string()
    .min(1)
    .max(100)
    .regex(/^\S+(?: \S+)*$/, 'a version or range such as "^4.17.21" (no leading or trailing spaces)')
    .refine(isNpmVersion, 'a version or range npm understands, such as "4.17.21", "^4.17.21" or ">=4 <5"'),
  /** Which sections to touch; default: every section that already lists the package. */
  sections: z.array(z.enum(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])).min(1).optional(),
  /** Paths or globs of package.json files to edit; default: the root one. */
  paths: z.array(RepoGlob).min(1).optional(),
});
export type NpmDependencyOptions = z.infer<typeof NpmDependencyOptions>;

const JsonValue = z.unknown().refine((value) => value !== undefined, 'a value to set (a string, number, boolean, null, list or object)');

export const JsonSetOptions = z.strictObject({
  path: RepoPath,
  /** A dotted key path, e.g. "compilerOptions.strict". */
  key: KeyPath,
  value: JsonValue,
  createFile: z.boolean().default(false),
});
export type JsonSetOptions = z.infer<typeof JsonSetOptions>;

export const YamlSetOptions = z.strictObject({
  path: RepoPath,
  /** A dotted key path, e.g. "jobs.build.runs-on"; a number picks a list item ("steps.0.uses"). */
  key: KeyPath,
  value: JsonValue,
  createFile: z.boolean().default(false),
});
export type YamlSetOptions = z.infer<typeof YamlSetOptions>;

export const ReplaceOptions = z
  .strictObject({
    /** Path globs, e.g. ["**\/*.ts", "Dockerfile"]. */
    paths: z.array(RepoGlob).min(1),
    find: z.string().min(1).max(2000),
    /** With `regex`, "$1" and "$<name>" refer to groups; otherwise the text is inserted as is. */
    replace: z.string().max(10_000),
    regex: z.boolean().default(false),
    flags: z.string().regex(/^(?!.*(.).*\1)[gimsu]*$/, 'only the flags g, i, m, s and u, each at most once').default('g'),
  })
  .refine((o) => !o.regex || isValidRegex(o.find, o.flags), { message: 'a valid JavaScript regular expression', path: ['find'] });
export type ReplaceOptions = z.infer<typeof ReplaceOptions>;

export const FileWriteOptions = z.strictObject({
  path: RepoPath,
  content: z.string().max(1_000_000),
  /** Leave an existing file alone (default: overwrite it). */
  onlyIfMissing: z.boolean().default(false),
});
export type FileWriteOptions = z.infer<typeof FileWriteOptions>;

export const FileDeleteOptions = z.strictObject({
  /** Paths or globs of files to delete. */
  paths: z.array(RepoGlob).min(1),
});
export type FileDeleteOptions = z.infer<typeof FileDeleteOptions>;

export const CodemodOptions = z.strictObject({
  /** A module name in the campaign catalog's `codemods/` folder, e.g. "rename-logger". */
  module: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a codemod name from the catalog (lowercase letters, digits and dashes)'),
  /** Which files the codemod gets to read; narrow it, since every file is one GitHub request. */
  paths: z.array(RepoGlob).min(1).default(['**']),
  options: z.record(z.string(), z.unknown()).default({}),
});
export type CodemodOptions = z.infer<typeof CodemodOptions>;

/** One command of the `run` kind: a shell line or an argument vector, with its limits. */
export const RunCommand = z
  .strictObject({
    /** A shell line, run with `/bin/sh -c`. */
    run: z.string().min(1).max(10_000).optional(),
    /** An argument vector, run as is (the program is looked up on PATH). */
    argv: z.array(z.string().max(10_000)).min(1).max(1000).optional(),
    /** Kept as written; run-commands.ts reads it with parseDuration. */
    timeout: DurationText.default('5m'),
    network: z.boolean().default(false),
    /** Literal values only: nothing of Fleet's environment is passed through. */
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name such as CI or NODE_ENV'), z.string().max(10_000, 'at most 10000 characters'))
      .default({}),
  })
  .refine((c) => (c.run === undefined) !== (c.argv === undefined), { message: 'exactly one of run (a shell line) or argv (an argument vector)' })
  .refine((c) => c.argv === undefined || c.argv[0] !== '', { message: 'a program to run as the first argument', path: ['argv'] });
export type RunCommand = z.infer<typeof RunCommand>;

export const RunOptions = z.strictObject({
  /** Run in order in the checkout; the change is what they leave in the working tree. */
  commands: z.array(RunCommand).min(1).max(50),
});
export type RunOptions = z.infer<typeof RunOptions>;

/**
 * The `dependency` kind: one package to one version in every declaration of the repository, with
 * its lockfiles regenerated by the ecosystem's own tool. `npm-dependency` is its npm-only alias.
 */
export const DependencyOptions = z.strictObject({
  /** npm: the package name; Maven/Gradle: "group:artifact"; Python: the distribution name; Go: the module path; Docker: the image; Actions: "owner/repo". */
  package: z.string().min(1).max(300).regex(/^[^\s]+$/, 'a package name without spaces, e.g. lodash, com.fasterxml.jackson.core:jackson-databind, golang.org/x/net'),
  /** An exact version, or a range where the ecosystem has them (npm, Python); for Docker a tag, optionally with "@sha256:..." */
  version: z.string().min(1).max(200).regex(/^\S+(?: \S+)*$/, 'a version such as "4.17.21" (no leading or trailing spaces)'),
  ecosystem: z.enum(['auto', 'npm', 'maven', 'gradle', 'python', 'go', 'docker', 'actions']).default('auto'),
  /** Paths or globs of the manifests to look at; default: every manifest of the ecosystem in the repository (vendored folders such as node_modules left out). */
  paths: z.array(RepoGlob).min(1).optional(),
  /** npm only: which package.json sections to touch; default every section that lists the package. */
  sections: z.array(z.enum(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])).min(1).optional(),
  /** Update the manifests only and leave lockfiles as they are (default false: a lockfile is always regenerated by its tool). */
  skipLockfiles: z.boolean().default(false),
  /**
   * Names of Fleet's environment variables handed to the lockfile tool (e.g. NPM_TOKEN for an .npmrc
   * that reads \${NPM_TOKEN}); each must also be allowed by the operator in FLEET_DEPENDENCY_CREDENTIALS.
   */
  credentials: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name such as NPM_TOKEN')).max(20).default([]),
  /** How long the lockfile tool may run in one repository (default 5m). */
  timeout: DurationText.default('5m'),
});
export type DependencyOptions = z.infer<typeof DependencyOptions>;

export const CHANGE_OPTIONS = {
  dependency: DependencyOptions,
  'npm-dependency': NpmDependencyOptions,
  'json-set': JsonSetOptions,
  'yaml-set': YamlSetOptions,
  replace: ReplaceOptions,
  'file-write': FileWriteOptions,
  'file-delete': FileDeleteOptions,
  codemod: CodemodOptions,
  run: RunOptions,
} as const;

export type ChangeKind = keyof typeof CHANGE_OPTIONS;
export const CHANGE_KINDS = Object.keys(CHANGE_OPTIONS) as ChangeKind[];
