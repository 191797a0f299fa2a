import type { DependencyOptions } from '../options.js';
import type { ChangeContext } from '../types.js';
import type { ManifestOutcome } from './types.js';

export interface LockfileUpdate {
  /** Lockfiles the tool rewrote (relative paths). */
  updated: string[];
  /** The tools that ran, for the summary: ['npm 11.1.0'] */
  tools: string[];
  unsandboxed: boolean;
}

/** Placeholder: regenerates the outcome's lockfiles in `dir` with the ecosystem's own tool, in the sandbox. */
export async function updateLockfiles(input: { dir: string; outcome: ManifestOutcome; options: DependencyOptions }, ctx: ChangeContext): Promise<LockfileUpdate> {
  void ctx;
  return Promise.resolve({ updated: [], tools: [], unsandboxed: false, ...(input.outcome.lockfiles.length > 0 ? {} : {}) });
}
