import { FleetError } from '../../errors.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { applySplices, baseName, chooseManifests, unreadable, type Splice } from './select.js';
import type { ManifestOutcome } from './types.js';

/**
 * GitHub Actions: `uses: owner/repo@ref` and `uses: owner/repo/path@ref` in workflows and in
 * composite actions' action.yml. A ref that was a commit sha with a `# v4.1.0` comment keeps the
 * comment when the new ref is a sha too (the comment is how people read a pinned sha) and loses it
 * when the new ref is a tag, which says its version itself.
 */

const SHA = /^[0-9a-f]{40}$/;
const REF = /^[\w][\w./+-]*$/;

export function isActionsFile(path: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path) || /^action\.ya?ml$/.test(baseName(path));
}

const USES = /^(\s*(?:-\s+)?uses\s*:\s*)(["']?)([^\s"'#@]+)@([^\s"'#]+)\2([ \t]*)(#.*)?$/;

function editWorkflow(path: string, text: string, wanted: string, ref: string, ctx: ChangeContext) {
  const splices: Splice[] = [];
  const froms = new Set<string>();
  let declarations = 0;
  let already = 0;
  let start = 0;
  let number = 0;
  for (const raw of text.split('\n')) {
    number += 1;
    const line = raw.replace(/\r$/, '');
    const lineStart = start;
    start += raw.length + 1;
    const match = USES.exec(line);
    if (!match) {
      const bare = /^\s*(?:-\s+)?uses\s*:\s*["']?([\w.-]+\/[\w.-]+)[^\s"'#@]*["']?\s*(#.*)?\r?$/.exec(line);
      if (bare && bare[1].toLowerCase() === wanted) throw unreadable(path, ctx, `uses ${bare[1]} without a ref on line ${number} (GitHub requires owner/repo@ref)`);
      continue;
    }
    const [, lead, quote, action, old, , comment] = match;
    const repository = action.split('/').slice(0, 2).join('/').toLowerCase();
    if (action.startsWith('.') || action.startsWith('docker:') || repository !== wanted) continue;
    declarations += 1;
    if (old === ref) {
      already += 1;
      continue;
    }
    const refStart = lineStart + lead.length + quote.length + action.length + 1;
    const versionComment = comment !== undefined && /^#\s*(v?\d[\w.+-]*|tag=\S+)\s*$/.test(comment);
    if (SHA.test(old) && !SHA.test(ref) && versionComment) {
      // The comment named the version of the old sha; the new ref is a tag, which names itself.
      splices.push({ start: refStart, end: lineStart + line.length, text: `${ref}${quote}` });
    } else {
      splices.push({ start: refStart, end: refStart + old.length, text: ref });
    }
    froms.add(old);
  }
  return { splices, froms: [...froms], declarations, already };
}

export const actionsTransform: ManifestTransform = {
  select: (treePaths, options) => chooseManifests(treePaths, options, isActionsFile),
  apply: actionsOutcome,
};

export function actionsOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const wanted = options.package.toLowerCase();
  const edits: FileEdit[] = [];
  const changed: string[] = [];
  const already: string[] = [];
  let declarations = 0;
  for (const path of chooseManifests([...files.keys()], options, isActionsFile)) {
    const text = files.get(path)!;
    const found = editWorkflow(path, text, wanted, options.version, ctx);
    declarations += found.declarations;
    if (found.declarations > 0 && !REF.test(options.version)) {
      throw new FleetError('change_invalid', `"${options.version}" is not a git ref an action can be used at (${options.package} is used in ${path} of ${ctx.repo}): use a tag such as v4.1.0 or a commit sha.`, { repo: ctx.repo, version: options.version });
    }
    if (found.splices.length === 0) {
      if (found.already > 0) already.push(path);
      continue;
    }
    edits.push({ path, content: applySplices(text, found.splices) });
    changed.push(`${path} (uses; was ${found.froms.join(', ')})`);
  }
  return Promise.resolve({ ecosystem: 'actions', edits, changed, already, declarations, lockfiles: [] });
}
