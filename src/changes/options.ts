import { z } from 'zod';

/** The options of each change kind. The transforms in this folder parse with these. */
export const NpmDependencyOptions = z.strictObject({
  package: z.string().min(1).regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i, 'an npm package name, e.g. lodash or @scope/name'),
  version: z.string().min(1).max(100),
  /** Which sections to touch; default: every section that already lists the package. */
  sections: z.array(z.enum(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])).optional(),
  /** Paths of package.json files to edit; default: the root one. */
  paths: z.array(z.string().min(1)).optional(),
});
export type NpmDependencyOptions = z.infer<typeof NpmDependencyOptions>;

export const JsonSetOptions = z.strictObject({
  path: z.string().min(1),
  /** A dotted key path, e.g. "compilerOptions.strict". */
  key: z.string().min(1),
  value: z.unknown(),
  createFile: z.boolean().default(false),
});
export type JsonSetOptions = z.infer<typeof JsonSetOptions>;

export const YamlSetOptions = z.strictObject({
  path: z.string().min(1),
  key: z.string().min(1),
  value: z.unknown(),
  createFile: z.boolean().default(false),
});
export type YamlSetOptions = z.infer<typeof YamlSetOptions>;

export const ReplaceOptions = z.strictObject({
  /** Path globs, e.g. ["**\/*.ts", "Dockerfile"]. */
  paths: z.array(z.string().min(1)).min(1),
  find: z.string().min(1).max(2000),
  replace: z.string().max(10_000),
  regex: z.boolean().default(false),
  flags: z.string().regex(/^[gimsu]*$/, 'only the flags g, i, m, s and u').default('g'),
});
export type ReplaceOptions = z.infer<typeof ReplaceOptions>;

export const FileWriteOptions = z.strictObject({
  path: z.string().min(1),
  content: z.string().max(1_000_000),
  /** Leave an existing file alone (default: overwrite it). */
  onlyIfMissing: z.boolean().default(false),
});
export type FileWriteOptions = z.infer<typeof FileWriteOptions>;

export const FileDeleteOptions = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
});
export type FileDeleteOptions = z.infer<typeof FileDeleteOptions>;

export const CodemodOptions = z.strictObject({
  /** A module name in the campaign catalog's `codemods/` folder, e.g. "rename-logger". */
  module: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a codemod name from the catalog (lowercase letters, digits and dashes)'),
  options: z.record(z.string(), z.unknown()).default({}),
});
export type CodemodOptions = z.infer<typeof CodemodOptions>;

export const CHANGE_OPTIONS = {
  'npm-dependency': NpmDependencyOptions,
  'json-set': JsonSetOptions,
  'yaml-set': YamlSetOptions,
  replace: ReplaceOptions,
  'file-write': FileWriteOptions,
  'file-delete': FileDeleteOptions,
  codemod: CodemodOptions,
} as const;

export type ChangeKind = keyof typeof CHANGE_OPTIONS;
export const CHANGE_KINDS = Object.keys(CHANGE_OPTIONS) as ChangeKind[];
