/**
 * A JSON reader that keeps where every value sits in the text, so edits can replace or insert a
 * few characters and leave the rest of the file (indentation, key order, line endings, comments
 * in JSONC files) exactly as it was. `JSON.parse` + `JSON.stringify` would reformat the file.
 */

export type JsonNode =
  | { type: 'object'; start: number; end: number; members: JsonMember[] }
  | { type: 'array'; start: number; end: number; items: JsonNode[] }
  | { type: 'string'; start: number; end: number; value: string }
  | { type: 'number'; start: number; end: number; value: number }
  | { type: 'boolean'; start: number; end: number; value: boolean }
  | { type: 'null'; start: number; end: number; value: null };

export interface JsonMember {
  key: string;
  keyStart: number;
  value: JsonNode;
  /** Offset just past the comma that follows this member, or -1 when none does. */
  commaEnd: number;
}

export interface ParseJsonOptions {
  /** Accept `//` and `/* *\/` comments and trailing commas (JSONC, as in tsconfig.json). */
  jsonc: boolean;
}

/** Why a text is not valid JSON, with a 1-based line and column. */
export class JsonTextError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(problem: string, text: string, offset: number) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    super(`${problem} at line ${line}, column ${column}`);
    this.name = 'JsonTextError';
    this.line = line;
    this.column = column;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const MAX_DEPTH = 512;

/**
 * Parses JSON (or JSONC) text into nodes that carry their offsets.
 *
 * @example
 * const root = parseJsonText('{ "a": 1 }', { jsonc: false });
 * // root.type === 'object'; root.members[0].value is { type: 'number', start: 7, end: 8, value: 1 }
 */
export function parseJsonText(text: string, options: ParseJsonOptions): JsonNode {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  function fail(problem: string, at = pos): never {
    throw new JsonTextError(problem, text, at);
  }

  function skipSpace(): void {
    for (;;) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        pos++;
      } else if (c === '/' && options.jsonc && text[pos + 1] === '/') {
        const end = text.indexOf('\n', pos);
        pos = end === -1 ? text.length : end;
      } else if (c === '/' && options.jsonc && text[pos + 1] === '*') {
        const end = text.indexOf('*/', pos + 2);
        if (end === -1) fail('unterminated comment');
        pos = end + 2;
      } else if (c === '/') {
        fail('comments are not allowed in this file');
      } else {
        return;
      }
    }
  }

  function readString(): { value: string; start: number; end: number } {
    STRING.lastIndex = pos;
    const match = STRING.exec(text);
    if (!match) fail(text[pos] === '"' ? 'invalid string' : 'expected a string');
    const start = pos;
    let value: string;
    try {
      // JSON.parse refuses the raw control characters the pattern lets through.
      value = JSON.parse(match[0]) as string;
    } catch {
      return fail('invalid string');
    }
    pos += match[0].length;
    return { value, start, end: pos };
  }

  function readValue(depth: number): JsonNode {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipSpace();
    const start = pos;
    const c = text[pos];
    if (c === '{') return readObject(depth);
    if (c === '[') return readArray(depth);
    if (c === '"') return { type: 'string', ...readString() };
    if (text.startsWith('true', pos)) return { type: 'boolean', start, end: (pos += 4), value: true };
    if (text.startsWith('false', pos)) return { type: 'boolean', start, end: (pos += 5), value: false };
    if (text.startsWith('null', pos)) return { type: 'null', start, end: (pos += 4), value: null };
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number) {
      pos += number[0].length;
      return { type: 'number', start, end: pos, value: Number(number[0]) };
    }
    return fail(c === undefined ? 'unexpected end of file' : `unexpected character ${JSON.stringify(c)}`);
  }

  function readObject(depth: number): JsonNode {
    const start = pos;
    pos++;
    const members: JsonMember[] = [];
    for (;;) {
      skipSpace();
      const last = members[members.length - 1];
      if (text[pos] === '}') {
        if (last && last.commaEnd !== -1 && !options.jsonc) fail('trailing comma');
        pos++;
        return { type: 'object', start, end: pos, members };
      }
      if (last && last.commaEnd === -1) fail('expected "," or "}"');
      const key = readString();
      skipSpace();
      if (text[pos] !== ':') fail('expected ":"');
      pos++;
      const value = readValue(depth + 1);
      skipSpace();
      let commaEnd = -1;
      if (text[pos] === ',') {
        pos++;
        commaEnd = pos;
      }
      members.push({ key: key.value, keyStart: key.start, value, commaEnd });
    }
  }

  function readArray(depth: number): JsonNode {
    const start = pos;
    pos++;
    const items: JsonNode[] = [];
    let expectMore = true;
    for (;;) {
      skipSpace();
      if (text[pos] === ']') {
        if (items.length > 0 && expectMore && !options.jsonc) fail('trailing comma');
        pos++;
        return { type: 'array', start, end: pos, items };
      }
      if (!expectMore) fail('expected "," or "]"');
      items.push(readValue(depth + 1));
      skipSpace();
      expectMore = text[pos] === ',';
      if (expectMore) pos++;
    }
  }

  const root = readValue(0);
  skipSpace();
  if (pos < text.length) fail('unexpected content after the JSON value');
  return root;
}

/** The plain value a node stands for. */
export function toValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const member of node.members) {
        Object.defineProperty(result, member.key, { value: toValue(member.value), enumerable: true, writable: true, configurable: true });
      }
      return result;
    }
    case 'array':
      return node.items.map(toValue);
    default:
      return node.value;
  }
}

/** The member a JSON reader would keep for `key` (the last one, as with `JSON.parse`). */
export function findMember(node: JsonNode, key: string): JsonMember | undefined {
  if (node.type !== 'object') return undefined;
  for (let i = node.members.length - 1; i >= 0; i--) {
    if (node.members[i].key === key) return node.members[i];
  }
  return undefined;
}

/** Deep equality of plain JSON values; object key order does not matter. */
export function isSameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => isSameJson(item, b[i]));
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && isSameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The whitespace at the start of the line that holds `offset`. */
export function lineIndentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The file's end-of-line sequence: CRLF when its first line ends with one. */
export function detectEol(text: string): string {
  const lf = text.indexOf('\n');
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}

/** The file's indentation unit, read from the first indented line; two spaces when there is none. */
export function detectIndent(text: string): string {
  const match = /\n([ \t]+)\S/.exec(text);
  if (!match) return '  ';
  const indent = match[1];
  return indent.startsWith('\t') ? '\t' : indent;
}
