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
