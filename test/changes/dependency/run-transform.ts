import { MANIFEST_TRANSFORMS } from '../../../src/changes/dependency/manifests.js';
import type { Ecosystem, ManifestOutcome } from '../../../src/changes/dependency/types.js';
import { DependencyOptions } from '../../../src/changes/options.js';

export const ctx = { repo: 'acme/payments-api' };

/** Runs one ecosystem's transform as the dependency change does: select over the tree, then apply to the files selected. */
export async function runTransform(ecosystem: Ecosystem, files: Record<string, string>, options: Record<string, unknown>): Promise<ManifestOutcome & { selected: string[] }> {
  const transform = MANIFEST_TRANSFORMS[ecosystem];
  if (!transform) throw new Error(`no ${ecosystem} transform`);
  const parsed = DependencyOptions.parse({ ecosystem, ...options });
  const selected = transform.select(Object.keys(files), parsed);
  const mine = new Map(Object.entries(files).filter(([path]) => selected.includes(path)));
  return { ...(await transform.apply(parsed, mine, ctx)), selected };
}

/** The new content of one edited file. */
export function edited(outcome: ManifestOutcome, path: string): string | null | undefined {
  return outcome.edits.find((edit) => edit.path === path)?.content;
}
