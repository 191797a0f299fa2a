/**
 * Reads the values of a TOML document the build check has already found well-formed (ci-build.ts
 * checks the grammar): tables, arrays of tables, strings, numbers, booleans, arrays and inline
 * tables, which is what a pyproject.toml's dependency tables hold. Dates and times are kept as their
 * text. Throws SyntaxError on what it cannot read.
 */

export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };
type Table = { [key: string]: TomlValue };

const isTable = (value: TomlValue | undefined): value is Table => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The document as plain values.
 *
 * @example readToml('[tool.poetry.dependencies]\nrequests = "^2.31"\n') // { tool: { poetry: { dependencies: { requests: '^2.31' } } } }
 */
export function readToml(text: string): Table {
  let at = 0;
  const root: Table = {};
  let current = root;
  const peek = (n = 0): string => text[at + n] ?? '';
  const bad = (message: string): never => {
    throw new SyntaxError(`offset ${at}: ${message}`);
  };
  const spaces = (): void => {
    while (peek() === ' ' || peek() === '\t') at += 1;
  };
  const blank = (): void => {
    for (;;) {
      spaces();
      if (peek() === '#') while (at < text.length && peek() !== '\n') at += 1;
      if (peek() === '\n' || peek() === '\r') at += 1;
      else return;
    }
  };
  const escapes: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
  const basic = (multiline: boolean): string => {
    at += multiline ? 3 : 1;
    if (multiline && peek() === '\r') at += 1;
    if (multiline && peek() === '\n') at += 1;
    let out = '';
    for (;;) {
      if (at >= text.length) bad('unterminated string');
      if (multiline && text.startsWith('"""', at)) {
        // Up to two quotes may end the content right before the delimiter.
        let run = 3;
        while (text[at + run] === '"' && run < 5) run += 1;
        out += '"'.repeat(run - 3);
        at += run;
        return out;
      }
      if (!multiline && peek() === '"') {
        at += 1;
        return out;
      }
      const c = peek();
      if (c === '\\') {
        const e = peek(1);
        if (e === 'u' || e === 'U') {
          const length = e === 'u' ? 4 : 8;
          out += String.fromCodePoint(Number.parseInt(text.slice(at + 2, at + 2 + length), 16));
          at += 2 + length;
        } else if (multiline && /[ \t\r\n]/.test(e)) {
          at += 1;
          while (/[ \t\r\n]/.test(peek()) && peek() !== '') at += 1;
        } else {
          out += escapes[e] ?? bad(`invalid escape \\${e}`);
          at += 2;
        }
        continue;
      }
      out += c;
      at += 1;
    }
  };
  const literal = (multiline: boolean): string => {
    at += multiline ? 3 : 1;
    if (multiline && peek() === '\r') at += 1;
    if (multiline && peek() === '\n') at += 1;
    const end = text.indexOf(multiline ? "'''" : "'", at);
    if (end === -1) bad('unterminated string');
    let close = end;
    if (multiline) while (text[close + 3] === "'" && close < end + 2) close += 1;
    const out = text.slice(at, close);
    at = close + (multiline ? 3 : 1);
    return out;
  };
  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      spaces();
      if (peek() === '"') parts.push(basic(false));
      else if (peek() === "'") parts.push(literal(false));
      else {
        const begin = at;
        while (/[A-Za-z0-9_-]/.test(peek()) && peek() !== '') at += 1;
        if (at === begin) bad('expected a key');
        parts.push(text.slice(begin, at));
      }
      spaces();
      if (peek() !== '.') return parts;
      at += 1;
    }
  };
  const descend = (table: Table, parts: string[], arrays: boolean): Table => {
    let target = table;
    for (const part of parts) {
      const existing = target[part];
      if (existing === undefined) {
        const created: Table = {};
        target[part] = created;
        target = created;
      } else if (isTable(existing)) target = existing;
      else if (arrays && Array.isArray(existing) && isTable(existing.at(-1))) target = existing.at(-1) as Table;
      else bad(`${part} is not a table`);
    }
    return target;
  };
  const value = (): TomlValue => {
    if (text.startsWith('"""', at)) return basic(true);
    if (peek() === '"') return basic(false);
    if (text.startsWith("'''", at)) return literal(true);
    if (peek() === "'") return literal(false);
    if (peek() === '[') {
      at += 1;
      const items: TomlValue[] = [];
      for (;;) {
        blank();
        if (peek() === ']') break;
        items.push(value());
        blank();
        if (peek() === ',') at += 1;
        else if (peek() !== ']') bad("expected ',' or ']'");
      }
      at += 1;
      return items;
    }
    if (peek() === '{') {
      at += 1;
      const inline: Table = {};
      spaces();
      if (peek() === '}') {
        at += 1;
        return inline;
      }
      for (;;) {
        const parts = key();
        if (peek() !== '=') bad("expected '='");
        at += 1;
        spaces();
        const last = parts.at(-1) ?? '';
        descend(inline, parts.slice(0, -1), false)[last] = value();
        spaces();
        if (peek() === ',') {
          at += 1;
          continue;
        }
        if (peek() === '}') {
          at += 1;
          return inline;
        }
        bad("expected ',' or '}'");
      }
    }
    const begin = at;
    while (/[0-9A-Za-z_:.+-]/.test(peek()) && peek() !== '') at += 1;
    // A date and a time may be separated by one space.
    if (/^\d{4}-\d{2}-\d{2}$/.test(text.slice(begin, at)) && peek() === ' ' && /\d/.test(peek(1))) {
      at += 1;
      while (/[0-9A-Za-z_:.+-]/.test(peek()) && peek() !== '') at += 1;
    }
    const token = text.slice(begin, at);
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (/^[+-]?\d[\d_]*$/.test(token)) return Number(token.replace(/_/g, ''));
    if (/^0x[0-9A-Fa-f_]+$|^0o[0-7_]+$|^0b[01_]+$/.test(token)) return Number(token.replace(/_/g, ''));
    if (/^[+-]?(?:inf|nan)$/.test(token)) return token.includes('nan') ? Number.NaN : token.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?$/.test(token)) return Number(token.replace(/_/g, ''));
    if (/^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}/.test(token)) return token;
    return bad(`cannot read the value ${token || peek()}`);
  };

  for (;;) {
    blank();
    if (at >= text.length) return root;
    if (text.startsWith('[[', at)) {
      at += 2;
      const parts = key();
      at += 2;
      const parent = descend(root, parts.slice(0, -1), true);
      const last = parts.at(-1) ?? '';
      const list = parent[last];
      const created: Table = {};
      if (list === undefined) parent[last] = [created];
      else if (Array.isArray(list)) list.push(created);
      else bad(`${last} is not an array of tables`);
      current = created;
    } else if (peek() === '[') {
      at += 1;
      const parts = key();
      at += 1;
      current = descend(root, parts, true);
    } else {
      const parts = key();
      if (peek() !== '=') bad("expected '='");
      at += 1;
      spaces();
      const last = parts.at(-1) ?? '';
      descend(current, parts.slice(0, -1), false)[last] = value();
    }
    spaces();
    if (peek() === '#') while (at < text.length && peek() !== '\n') at += 1;
  }
}

/** Python's `json.dumps(value, sort_keys=True)`: ', ' and ': ' separators, non-ASCII escaped. */
export function pythonJsonDumps(value: TomlValue | null): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => (c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number.isNaN(value) ? 'NaN' : !Number.isFinite(value) ? (value > 0 ? 'Infinity' : '-Infinity') : String(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(value[key] ?? null)}`).join(', ')}}`;
}
