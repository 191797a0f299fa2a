import type { SandboxDeps } from '../workspace/run-sandboxed.js';
import type { DependencyEnvironment } from './dependency/types.js';

/** A repository's files in memory: path → UTF-8 content. */
export type FileSet = ReadonlyMap<string, string>;

export interface ChangeContext {
  /** "owner/name", for messages and for codemods that need it. */
  repo: string;
  /** The campaign catalog, where `codemods/<name>.js` live. */
  catalogDir?: string;
  /** How long a user's regular expression or codemod may run (default 5 seconds). */
  timeoutMs?: number;
  /** How code from the catalog is sandboxed (bubblewrap's path; whether FLEET_UNSANDBOXED=1 allows running without it). */
  sandbox?: SandboxDeps;
  /** The `run` kind's disk share: the most bytes the workspace folder may hold while its commands run (default: no limit). */
  diskLimitBytes?: number;
  /** The `dependency` kind's registries and allowed credentials (from Fleet's configuration). */
  dependencies?: DependencyEnvironment;
}

/** One file a transform wants changed: new content, or null to delete it. */
export interface FileEdit {
  path: string;
  content: string | null;
}

/** What a transform returns before the edits are compared with the files and diffed. */
export interface TransformOutcome {
  edits: FileEdit[];
  /** A one-line summary of the change, used when the edits change something. */
  summary: string;
  /** Why nothing changes, used when no edit changes a file. */
  noopReason: string;
  /** Set when catalog code ran without a sandbox (FLEET_UNSANDBOXED=1), so the PR can say so. */
  unsandboxed?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** The context's time limit as a whole number of milliseconds, at least one. */
export function readTimeout(ctx: ChangeContext): number {
  const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return Number.isFinite(ms) ? Math.max(1, Math.floor(ms)) : DEFAULT_TIMEOUT_MS;
}
