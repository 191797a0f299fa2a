/**
 * A git-style unified diff over lines, written here so the output matches what `git apply`
 * accepts without pulling a dependency: Myers' O(ND) algorithm after trimming the common prefix
 * and suffix, three lines of context, and git's headers for added and deleted files.
 *
 * Lines keep their terminator, so a CRLF line and an LF line differ (as they do for git), and a
 * last line without a newline is followed by "\ No newline at end of file".
 */

export type DiffOp = { kind: 'equal' | 'delete' | 'insert'; line: string };

export interface FileDiff {
  /** The unified diff text for this file ('' when nothing changed). */
  text: string;
  additions: number;
  deletions: number;
}

const CONTEXT = 3;
/**
 * Past this many differences the edit-path trace (about D² numbers) gets large; the middle is then shown
 * as one block removed and one added, which is still a correct (if less tidy) diff.
 */
const MAX_EDIT_DISTANCE = 2000;

/** Splits text into lines that keep their "\n" (and any "\r" before it). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.split(/(?<=\n)/);
}

/**
 * The shortest edit script turning `before` into `after`, line by line.
 *
 * @example
 * diffLines(['a\n', 'b\n'], ['a\n', 'c\n'])
 * // [{ kind: 'equal', line: 'a\n' }, { kind: 'delete', line: 'b\n' }, { kind: 'insert', line: 'c\n' }]
 */
export function diffLines(before: readonly string[], after: readonly string[]): DiffOp[] {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix++;
  }
  const ops: DiffOp[] = before.slice(0, prefix).map((line) => ({ kind: 'equal', line }));
  const a = before.slice(prefix, before.length - suffix);
  const b = after.slice(prefix, after.length - suffix);
  ops.push(...diffMiddle(a, b));
  for (const line of before.slice(before.length - suffix)) ops.push({ kind: 'equal', line });
  return ops;
}

/** Numbers each distinct line, so the inner loop compares integers rather than strings. */
function numberLines(a: readonly string[], b: readonly string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  function idsOf(lines: readonly string[]): Int32Array {
    const out = new Int32Array(lines.length);
    lines.forEach((line, i) => {
      let id = ids.get(line);
      if (id === undefined) {
        id = ids.size;
        ids.set(line, id);
      }
      out[i] = id;
    });
    return out;
  }
  return [idsOf(a), idsOf(b)];
}

function diffMiddle(a: readonly string[], b: readonly string[]): DiffOp[] {
  if (a.length === 0) return b.map((line) => ({ kind: 'insert', line }));
  if (b.length === 0) return a.map((line) => ({ kind: 'delete', line }));
  const n = a.length;
  const m = b.length;
  const [ia, ib] = numberLines(a, b);
  // A full rewrite (no line in common) is Myers' worst case, O((n+m)²), and its answer is known.
  const inA = new Set(ia);
  if (!ib.some((id) => inA.has(id))) return [...a.map((line): DiffOp => ({ kind: 'delete', line })), ...b.map((line): DiffOp => ({ kind: 'insert', line }))];
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // Round d only reads diagonals -d-1..d+1, so each snapshot keeps just that window.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1]!;
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && ia[x] === ib[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, d);
    }
  }
  return [...a.map((line): DiffOp => ({ kind: 'delete', line })), ...b.map((line): DiffOp => ({ kind: 'insert', line }))];
}

function backtrack(trace: Int32Array[], a: readonly string[], b: readonly string[], dEnd: number): DiffOp[] {
  const ops: DiffOp[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d];
    const base = d + 1;
    const k = x - y;
    const down = k === -d || (k !== d && v[base + k - 1] < v[base + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[base + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: 'equal', line: a[x - 1] });
      x--;
      y--;
    }
    if (down) ops.push({ kind: 'insert', line: b[prevY] });
    else ops.push({ kind: 'delete', line: a[prevX] });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: 'equal', line: a[x - 1] });
    x--;
    y--;
  }
  return ops.reverse();
}

function formatLine(prefix: string, line: string): string {
  if (line.endsWith('\n')) return prefix + line;
  return `${prefix}${line}\n\\ No newline at end of file\n`;
}

function formatRange(start: number, count: number): string {
  // git writes the line before the hunk for an empty range, and leaves out a count of 1.
  if (count === 0) return `${start},0`;
  if (count === 1) return `${start + 1}`;
  return `${start + 1},${count}`;
}

/** The hunks of a diff with three lines of context, as text, with its line counts. */
function formatHunks(ops: readonly DiffOp[]): { text: string; additions: number; deletions: number } {
  const changed = ops.map((op, i) => (op.kind === 'equal' ? -1 : i)).filter((i) => i !== -1);
  if (changed.length === 0) return { text: '', additions: 0, deletions: 0 };
  // Group changes whose context would overlap or touch into one hunk.
  const groups: [number, number][] = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] - 1 <= 2 * CONTEXT) last[1] = i;
    else groups.push([i, i]);
  }
  // Line numbers before each op, in the old and new file.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let n = 0;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(n);
    if (op.kind !== 'insert') o++;
    if (op.kind !== 'delete') n++;
  }
  let text = '';
  let additions = 0;
  let deletions = 0;
  for (const [first, last] of groups) {
    const from = Math.max(0, first - CONTEXT);
    const to = Math.min(ops.length - 1, last + CONTEXT);
    let oldCount = 0;
    let newCount = 0;
    let body = '';
    for (let i = from; i <= to; i++) {
      const op = ops[i];
      if (op.kind === 'equal') {
        oldCount++;
        newCount++;
        body += formatLine(' ', op.line);
      } else if (op.kind === 'delete') {
        oldCount++;
        deletions++;
        body += formatLine('-', op.line);
      } else {
        newCount++;
        additions++;
        body += formatLine('+', op.line);
      }
    }
    text += `@@ -${formatRange(oldAt[from], oldCount)} +${formatRange(newAt[from], newCount)} @@\n${body}`;
  }
  return { text, additions, deletions };
}

/**
 * A git-style unified diff of one file. `before` null means the file is added, `after` null means
 * it is deleted. Returns empty text when the contents are the same.
 *
 * @example
 * createFileDiff('README.md', 'Hello\n', 'Hello, world\n').text
 * // diff --git a/README.md b/README.md
 * // --- a/README.md
 * // +++ b/README.md
 * // @@ -1 +1 @@
 * // -Hello
 * // +Hello, world
 */
export function createFileDiff(path: string, before: string | null, after: string | null): FileDiff {
  if (before === after || (before === null && after === null)) return { text: '', additions: 0, deletions: 0 };
  const hunks = formatHunks(diffLines(splitLines(before ?? ''), splitLines(after ?? '')));
  let header = `diff --git a/${path} b/${path}\n`;
  if (before === null) header += 'new file mode 100644\n';
  if (after === null) header += 'deleted file mode 100644\n';
  // git writes no ---/+++ lines for an empty file that is added or deleted.
  if (hunks.text === '') return { text: header, additions: 0, deletions: 0 };
  header += `--- ${before === null ? '/dev/null' : `a/${path}`}\n`;
  header += `+++ ${after === null ? '/dev/null' : `b/${path}`}\n`;
  return { text: header + hunks.text, additions: hunks.additions, deletions: hunks.deletions };
}
