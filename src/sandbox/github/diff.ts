/**
 * A small line diff for the files endpoints: additions, deletions and a one-hunk unified patch.
 * Fleet's files are small (manifests, configs), so a plain LCS table is fast enough; past a size
 * where the table would be large, the patch falls back to "remove all, add all".
 */

export interface LineDiff {
  additions: number;
  deletions: number;
  patch: string;
}

const TABLE_LIMIT = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Diffs two texts line by line.
 *
 * @example diffLines('a\nb\n', 'a\nc\n') // { additions: 1, deletions: 1, patch: '@@ -1,2 +1,2 @@\n a\n-b\n+c' }
 */
export function diffLines(before: string, after: string): LineDiff {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops: string[] = [];
  if (a.length * b.length > TABLE_LIMIT) {
    ops.push(...a.map((line) => `-${line}`), ...b.map((line) => `+${line}`));
  } else {
    const width = b.length + 1;
    const table = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i -= 1) {
      for (let j = b.length - 1; j >= 0; j -= 1) {
        table[i * width + j] = a[i] === b[j] ? (table[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        ops.push(` ${a[i]}`);
        i += 1;
        j += 1;
      } else if (i < a.length && (j >= b.length || (table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0))) {
        ops.push(`-${a[i]}`);
        i += 1;
      } else {
        ops.push(`+${b[j]}`);
        j += 1;
      }
    }
  }
  const additions = ops.filter((op) => op.startsWith('+')).length;
  const deletions = ops.filter((op) => op.startsWith('-')).length;
  const header = `@@ -${a.length === 0 ? 0 : 1},${a.length} +${b.length === 0 ? 0 : 1},${b.length} @@`;
  return { additions, deletions, patch: [header, ...ops].join('\n') };
}

/** A change one side made to the base: base lines [start, end) replaced by `lines`. */
interface Hunk {
  start: number;
  end: number;
  lines: string[];
}

function hunksOf(base: string[], side: string[]): Hunk[] | undefined {
  if (base.length * side.length > TABLE_LIMIT) return undefined;
  const width = side.length + 1;
  const table = new Uint32Array((base.length + 1) * width);
  for (let i = base.length - 1; i >= 0; i -= 1) {
    for (let j = side.length - 1; j >= 0; j -= 1) {
      table[i * width + j] = base[i] === side[j] ? (table[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
    }
  }
  const hunks: Hunk[] = [];
  let open: Hunk | undefined;
  let i = 0;
  let j = 0;
  while (i < base.length || j < side.length) {
    if (i < base.length && j < side.length && base[i] === side[j]) {
      if (open) hunks.push(open);
      open = undefined;
      i += 1;
      j += 1;
      continue;
    }
    open ??= { start: i, end: i, lines: [] };
    if (i < base.length && (j >= side.length || (table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0))) {
      i += 1;
      open.end = i;
    } else {
      open.lines.push(side[j]);
      j += 1;
    }
  }
  if (open) hunks.push(open);
  return hunks;
}

/**
 * A three-way line merge as git makes it: both sides' changes to the base are applied when they
 * touch separate lines; changes that overlap or touch adjacent lines are a conflict (undefined),
 * unless both sides made the same change.
 *
 * @example mergeLines('a\nb\nc\nd\n', 'A\nb\nc\nd\n', 'a\nb\nc\nD\n') // 'A\nb\nc\nD\n'
 * @example mergeLines('a\nb\n', 'A\nb\n', 'a\nB\n') // undefined: adjacent lines
 */
export function mergeLines(base: string, ours: string, theirs: string): string | undefined {
  // Split keeping the text after the last newline as a line, so a trailing newline survives.
  const b = base.split('\n');
  const o = hunksOf(b, ours.split('\n'));
  const t = hunksOf(b, theirs.split('\n'));
  if (!o || !t) return undefined;
  const same = (x: Hunk, y: Hunk) => x.start === y.start && x.end === y.end && x.lines.join('\n') === y.lines.join('\n');
  for (const x of o) for (const y of t) if (!same(x, y) && x.start <= y.end && y.start <= x.end) return undefined;
  const all = [...o, ...t.filter((y) => !o.some((x) => same(x, y)))].sort((x, y) => x.start - y.start);
  const out: string[] = [];
  let at = 0;
  for (const h of all) {
    out.push(...b.slice(at, h.start), ...h.lines);
    at = h.end;
  }
  out.push(...b.slice(at));
  return out.join('\n');
}
