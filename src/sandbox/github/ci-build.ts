/**
 * What the fake CI's `build` check reads before it builds: the manifests. A manifest that does not
 * parse fails the build, with the file and the parser's sentence (line and column where the format
 * has them), as a real CI log would show. Pure: paths and bytes in, a problem or nothing out.
 *
 * The checkers are small and strict on purpose (each follows its format's grammar, not one
 * parser's leniency) and written here rather than taken from npm: the fake must not depend on a
 * package's opinion of what parses, and validating is all it needs (no values are read).
 */

export { findLockfileMismatch, poetryContentHash, type LockfileMismatch } from './ci-lockfiles.js';

export type ManifestKind = 'package.json' | 'pom.xml' | 'go.mod' | 'pyproject.toml' | 'Cargo.toml' | 'requirements.txt';

export interface ManifestProblem {
  path: string;
  kind: ManifestKind;
  /** The parser's sentence, e.g. `line 3, column 5: expected ',' or '}' after a property value`. */
  error: string;
}

/** Folders a build does not read manifests from (vendored code, test data). */
const SKIPPED_DIRS = new Set(['node_modules', 'vendor', 'testdata', '.git']);

/**
 * The kind of manifest a path is, or undefined for any other file.
 *
 * @example manifestKind('services/api/requirements-dev.txt') // 'requirements.txt'
 */
export function manifestKind(path: string): ManifestKind | undefined {
  const parts = path.split('/');
  if (parts.slice(0, -1).some((dir) => SKIPPED_DIRS.has(dir))) return undefined;
  const base = parts.at(-1) ?? '';
  if (base === 'package.json' || base === 'pom.xml' || base === 'go.mod' || base === 'pyproject.toml' || base === 'Cargo.toml') return base;
  if (/^requirements[\w.-]*\.txt$/.test(base)) return 'requirements.txt';
  return undefined;
}

/**
 * The first manifest (in path order) that does not parse, or undefined when every one does.
 *
 * @example findBrokenManifest(['package.json'], () => Buffer.from('{"name": }')) // { path: 'package.json', kind: 'package.json', error: 'line 1, column 10: …' }
 */
export function findBrokenManifest(paths: readonly string[], read: (path: string) => Uint8Array): ManifestProblem | undefined {
  for (const path of [...paths].sort()) {
    const kind = manifestKind(path);
    if (!kind) continue;
    const error = checkManifest(kind, read(path));
    if (error !== undefined) return { path, kind, error };
  }
  return undefined;
}

/**
 * Why a manifest does not parse, or undefined when it does.
 *
 * @example checkManifest('go.mod', Buffer.from('go 1.22\n')) // 'no module directive: go.mod must start with `module <path>`'
 */
export function checkManifest(kind: ManifestKind, bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'is not valid UTF-8';
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  try {
    if (kind === 'package.json') checkPackageJson(text);
    else if (kind === 'pom.xml') checkXml(text);
    else if (kind === 'go.mod') checkGoMod(text);
    else if (kind === 'requirements.txt') checkRequirements(text);
    else {
      const root = checkToml(text);
      if (kind === 'Cargo.toml' && !root.has('package') && !root.has('workspace')) throw new SyntaxError('manifest is missing either a `[package]` or a `[workspace]` table');
    }
  } catch (error) {
    if (error instanceof SyntaxError) return error.message;
    throw error;
  }
  return undefined;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line}, column ${column}`;
}

function fail(text: string, offset: number, message: string): never {
  throw new SyntaxError(`${lineColumn(text, offset)}: ${message}`);
}

// package.json --------------------------------------------------------------------------------

function checkPackageJson(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    throw new SyntaxError(position ? `${lineColumn(text, Number(position[1]))}: ${message}` : message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError(`package.json must hold a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
}

// go.mod --------------------------------------------------------------------------------------

const GO_VERSION = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const GO_PATH = /^[A-Za-z0-9][A-Za-z0-9._~/+-]*$/;

/** go.mod's line grammar (golang.org/x/mod/modfile): directives, `(`…`)` blocks, `//` comments. */
function checkGoMod(text: string): void {
  const lines = text.split('\n');
  let modules = 0;
  let block: string | undefined;
  const bad: (index: number, message: string) => never = (index, message) => {
    throw new SyntaxError(`line ${index + 1}: ${message}`);
  };
  const unquote = (token: string, index: number): string => {
    if (!token.startsWith('"')) return token;
    if (!/^"(?:[^"\\]|\\.)*"$/.test(token)) bad(index, `malformed quoted string ${token}`);
    return token.slice(1, -1);
  };
  const tokensOf = (line: string, index: number): string[] => {
    const tokens: string[] = [];
    const pattern = /"(?:[^"\\]|\\.)*"?|\/\/.*|=>|[^\s"]+/g;
    for (const match of line.matchAll(pattern)) {
      if (match[0].startsWith('//')) break;
      if (match[0].startsWith('"') && (match[0].length < 2 || !match[0].endsWith('"'))) bad(index, 'unterminated quoted string');
      tokens.push(match[0]);
    }
    return tokens;
  };
  const directive = (verb: string, args: string[], index: number): void => {
    const path = (token: string | undefined): void => {
      if (token === undefined) bad(index, `usage: ${verb} module/path`);
      if (!GO_PATH.test(unquote(token, index))) bad(index, `malformed module path "${token}"`);
    };
    const version = (token: string | undefined): void => {
      if (token === undefined || !GO_VERSION.test(unquote(token, index))) bad(index, `${verb} ${args[0] ?? ''}: invalid version "${token ?? ''}"`);
    };
    switch (verb) {
      case 'module':
        modules += 1;
        if (args.length !== 1) bad(index, 'usage: module module/path');
        path(args[0]);
        return;
      case 'go':
        if (args.length !== 1 || !/^1(?:\.\d+){1,2}(?:(?:rc|beta)\d+)?$/.test(args[0] ?? '')) bad(index, `invalid go version '${args.join(' ')}': must match format 1.23.0`);
        return;
      case 'toolchain':
        if (args.length !== 1 || !/^(?:default|go1(?:\.\d+){1,2}(?:(?:rc|beta)\d+)?(?:-[\w.-]+)?)$/.test(args[0] ?? '')) bad(index, `invalid toolchain version '${args.join(' ')}': must match format go1.23.0 or default`);
        return;
      case 'require':
      case 'exclude':
        if (args.length !== 2) bad(index, `usage: ${verb} module/path v1.2.3`);
        path(args[0]);
        version(args[1]);
        return;
      case 'replace': {
        const arrow = args.indexOf('=>');
        if (arrow < 1 || arrow > 2 || args.length - arrow - 1 < 1 || args.length - arrow - 1 > 2) bad(index, 'usage: replace module/path [v1.2.3] => other/module v1.4\n\t or replace module/path [v1.2.3] => ../local/directory');
        path(args[0]);
        if (arrow === 2) version(args[1]);
        const target = unquote(args[arrow + 1] ?? '', index);
        const local = target.startsWith('./') || target.startsWith('../') || target.startsWith('/');
        if (local && args.length - arrow - 1 === 2) bad(index, 'replacement module directory path must not have a version');
        if (!local) {
          path(args[arrow + 1]);
          if (args.length - arrow - 1 !== 2) bad(index, 'replacement module without version must be directory path (rooted or starting with ./ or ../)');
          version(args[arrow + 2]);
        }
        return;
      }
      case 'retract': {
        const joined = args.join(' ');
        const range = /^\[\s*(\S+?)\s*,\s*(\S+?)\s*\]$/.exec(joined);
        if (range) {
          version(range[1]);
          version(range[2]);
        } else if (args.length === 1) version(args[0]);
        else bad(index, 'usage: retract version or retract [low, high]');
        return;
      }
      case 'godebug':
        if (args.length !== 1 || !/^[\w.-]+=[\w.,-]*$/.test(args[0] ?? '')) bad(index, 'usage: godebug key=value');
        return;
      case 'tool':
      case 'ignore':
        if (args.length !== 1) bad(index, `usage: ${verb} ${verb === 'tool' ? 'module/path/tool' : 'path/to/dir'}`);
        return;
      default:
        bad(index, `unknown directive: ${verb}`);
    }
  };
  lines.forEach((raw, index) => {
    const tokens = tokensOf(raw.replace(/\r$/, ''), index);
    if (tokens.length === 0) return;
    if (block !== undefined) {
      if (tokens[0] === ')') {
        if (tokens.length > 1) bad(index, 'unexpected text after )');
        block = undefined;
        return;
      }
      if (tokens.includes('(')) bad(index, 'unexpected ( inside a block');
      directive(block, tokens, index);
      return;
    }
    const [verb, ...args] = tokens;
    if (args.length === 1 && args[0] === '(') {
      if (['module', 'go', 'toolchain'].includes(verb ?? '')) bad(index, `${verb} directive does not take a block`);
      if (!['require', 'exclude', 'replace', 'retract', 'godebug', 'tool', 'ignore'].includes(verb ?? '')) bad(index, `unknown block type: ${verb}`);
      block = verb;
      return;
    }
    if (verb === ')' || verb === '(') bad(index, `unexpected ${verb}`);
    directive(verb ?? '', args, index);
  });
  if (block !== undefined) throw new SyntaxError(`line ${lines.length}: unterminated ${block} block: missing )`);
  if (modules === 0) throw new SyntaxError('no module directive: go.mod must start with `module <path>`');
  if (modules > 1) throw new SyntaxError('repeated module directive: go.mod declares more than one module');
}

// requirements*.txt ----------------------------------------------------------------------------

const PIP_OPTIONS_WITH_VALUE = new Set(['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--no-binary', '--only-binary', '--trusted-host', '--use-feature', '--hash', '--config-settings', '--global-option']);
const PIP_FLAGS = new Set(['--pre', '--no-index', '--prefer-binary', '--require-hashes']);
const MARKER_VARIABLES = new Set(['python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_release', 'platform_system', 'platform_version', 'platform_machine', 'platform_python_implementation', 'implementation_name', 'implementation_version', 'extra', 'os.name', 'sys.platform', 'platform.version', 'platform.machine', 'platform.python_implementation', 'python_implementation', 'dependency_groups']);

/** pip's requirements file: PEP 508 requirements, one a (logical) line, plus pip's options. */
function checkRequirements(text: string): void {
  const physical = text.split('\n');
  let logical = '';
  let start = 0;
  physical.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (logical === '') start = index;
    if (line.endsWith('\\')) {
      logical += `${line.slice(0, -1)} `;
      if (index < physical.length - 1) return;
    } else logical += line;
    const current = logical;
    logical = '';
    const withoutComment = current.replace(/(^|\s)#.*$/, '').trim();
    if (withoutComment === '') return;
    const error = requirementLineError(withoutComment);
    if (error) throw new SyntaxError(`line ${start + 1}: ${error}: ${withoutComment}`);
  });
}

function requirementLineError(line: string): string | undefined {
  if (line.startsWith('-')) {
    const match = /^(--?[A-Za-z][\w-]*)(?:(?:=|\s+)(\S.*))?$/.exec(line);
    const option = match?.[1] ?? '';
    if (PIP_FLAGS.has(option)) return match?.[2] ? `option ${option} takes no value` : undefined;
    if (!PIP_OPTIONS_WITH_VALUE.has(option)) return `unknown option ${option || line.split(/\s/)[0]}`;
    if (!match?.[2]) return `option ${option} requires an argument`;
    return undefined;
  }
  // A requirement may carry per-requirement options after it (`--hash=sha256:…`).
  const [requirement = '', ...options] = line.split(/\s+(?=--)/);
  for (const option of options) {
    if (!/^--(?:hash=\w+:[0-9a-fA-F]+|config-settings=\S+|global-option=\S+)$/.test(option.trim())) return `invalid per-requirement option ${option.trim()}`;
  }
  // pip also takes a path or a URL to an archive as a requirement.
  if (/^(?:\.{1,2}\/|\/|[a-z][a-z0-9+.-]*:\/\/)\S+$/i.test(requirement.trim())) return undefined;
  return pep508Error(requirement.trim());
}

/** PEP 508: name [extras] (@ url | specifiers) [; marker]. */
function pep508Error(requirement: string): string | undefined {
  const semicolon = requirement.indexOf(';');
  const head = (semicolon === -1 ? requirement : requirement.slice(0, semicolon)).trim();
  const marker = semicolon === -1 ? undefined : requirement.slice(semicolon + 1).trim();
  const name = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*/.exec(head);
  if (!name) return 'expected a package name';
  let rest = head.slice(name[0].length);
  if (rest.startsWith('[')) {
    const extras = /^\[\s*(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\s*,\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)*)?\s*\]\s*/.exec(rest);
    if (!extras) return 'invalid extras';
    rest = rest.slice(extras[0].length);
  }
  if (rest.startsWith('@')) {
    if (!/^@\s*[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(rest)) return 'expected a URL after @';
  } else if (rest !== '') {
    const inner = rest.startsWith('(') && rest.endsWith(')') ? rest.slice(1, -1) : rest;
    const specifier = /^\s*(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9][A-Za-z0-9.*+!_-]*\s*$/;
    if (!inner.split(',').every((part) => specifier.test(part))) return 'invalid version specifier';
  }
  if (marker !== undefined && !isMarker(marker)) return 'invalid environment marker';
  return undefined;
}

function isMarker(marker: string): boolean {
  const tokens = marker.match(/'[^']*'|"[^"]*"|\(|\)|not\s+in\b|===|==|!=|<=|>=|~=|<|>|[A-Za-z_][\w.]*|\S/g) ?? [];
  let at = 0;
  const value = (): boolean => {
    const token = tokens[at];
    if (token === undefined) return false;
    if (/^['"]/.test(token) || MARKER_VARIABLES.has(token)) {
      at += 1;
      return true;
    }
    return false;
  };
  const comparison = (): boolean => {
    if (tokens[at] === '(') {
      at += 1;
      if (!expression() || tokens[at] !== ')') return false;
      at += 1;
      return true;
    }
    if (!value()) return false;
    const op = tokens[at] ?? '';
    if (!/^(?:===|==|!=|<=|>=|~=|<|>|in|not\s+in)$/.test(op)) return false;
    at += 1;
    return value();
  };
  const expression = (): boolean => {
    if (!comparison()) return false;
    while (tokens[at] === 'and' || tokens[at] === 'or') {
      at += 1;
      if (!comparison()) return false;
    }
    return true;
  };
  return expression() && at === tokens.length;
}

// pom.xml: XML 1.0 well-formedness ---------------------------------------------------------------

/** XML 1.0's NameStartChar and NameChar ranges (fifth edition). */
const NAME_START_RANGES: [number, number][] = [[0x3a, 0x3a], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a], [0xc0, 0xd6], [0xd8, 0xf6], [0xf8, 0x2ff], [0x370, 0x37d], [0x37f, 0x1fff], [0x200c, 0x200d], [0x2070, 0x218f], [0x2c00, 0x2fef], [0x3001, 0xd7ff], [0xf900, 0xfdcf], [0xfdf0, 0xfffd], [0x10000, 0xeffff]];
const NAME_EXTRA_RANGES: [number, number][] = [[0x2d, 0x2e], [0x30, 0x39], [0xb7, 0xb7], [0x300, 0x36f], [0x203f, 0x2040]];
const inRanges = (code: number, ranges: [number, number][]): boolean => ranges.some(([low, high]) => code >= low && code <= high);
const isNameStart = (c: string): boolean => c !== '' && inRanges(c.codePointAt(0) ?? 0, NAME_START_RANGES);
const isNameChar = (c: string): boolean => c !== '' && (isNameStart(c) || inRanges(c.codePointAt(0) ?? 0, NAME_EXTRA_RANGES));
const PREDEFINED_ENTITIES = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

/** XML 1.0's well-formedness constraints: one root, matched tags, unique quoted attributes, valid references. */
function checkXml(text: string): void {
  let at = 0;
  const entities = new Set(PREDEFINED_ENTITIES);
  const bad: (message: string, offset?: number) => never = (message, offset = at) => fail(text, offset, message);
  const illegal = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(text);
  if (illegal) bad(`character U+${(illegal[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, illegal.index);
  const skipSpace = (): boolean => {
    const begin = at;
    while (at < text.length && ' \t\r\n'.includes(text[at] ?? '')) at += 1;
    return at > begin;
  };
  const name = (): string => {
    const begin = at;
    if (!isNameStart(text[at] ?? '')) bad(text[at] === undefined ? 'unexpected end of document, expected a name' : `'${text[at]}' cannot start a name`);
    at += 1;
    while (at < text.length && isNameChar(text[at] ?? '')) at += 1;
    return text.slice(begin, at);
  };
  const until = (end: string, what: string): string => {
    const found = text.indexOf(end, at);
    if (found === -1) bad(`unterminated ${what}: missing '${end}'`);
    const body = text.slice(at, found);
    at = found + end.length;
    return body;
  };
  const references = (body: string, offset: number): void => {
    for (let i = body.indexOf('&'); i !== -1; i = body.indexOf('&', i + 1)) {
      const ref = /^&(?:#[0-9]+|#x[0-9a-fA-F]+|([A-Za-z_:][-\w.:]*));/.exec(body.slice(i));
      if (!ref) bad("'&' must start a reference such as &amp; (or be written &amp;)", offset + i);
      if (ref[1] !== undefined && !entities.has(ref[1])) bad(`undefined entity &${ref[1]};`, offset + i);
    }
  };
  const comment = (): void => {
    const begin = at;
    at += 4;
    const body = until('-->', 'comment');
    if (body.includes('--') || body.endsWith('-')) bad("'--' is not allowed inside a comment", begin);
  };
  const instruction = (): void => {
    const begin = at;
    at += 2;
    const target = name();
    if (target.toLowerCase() === 'xml') bad('the XML declaration is allowed only at the very start of the document', begin);
    until('?>', 'processing instruction');
  };
  const misc = (): boolean => {
    skipSpace();
    if (text.startsWith('<!--', at)) comment();
    else if (text.startsWith('<?', at)) instruction();
    else return false;
    return true;
  };
  const doctype = (): void => {
    at += '<!DOCTYPE'.length;
    if (!skipSpace()) bad('expected whitespace after <!DOCTYPE');
    name();
    let depth = 0;
    while (at < text.length) {
      const c = text[at];
      if (c === '"' || c === "'") {
        at += 1;
        until(c, 'quoted string');
        continue;
      }
      if (depth === 1 && text.startsWith('<!ENTITY', at)) {
        const entity = /^<!ENTITY\s+(%\s+)?([A-Za-z_:][-\w.:]*)/.exec(text.slice(at));
        if (entity && !entity[1]) entities.add(entity[2] ?? '');
      }
      if (depth === 1 && text.startsWith('<!--', at)) {
        comment();
        continue;
      }
      if (c === '[') depth += 1;
      else if (c === ']') depth -= 1;
      else if (c === '>' && depth === 0) {
        at += 1;
        return;
      }
      at += 1;
    }
    bad('unterminated DOCTYPE');
  };
  const element = (): void => {
    const begin = at;
    at += 1;
    const tag = name();
    const seen = new Set<string>();
    for (;;) {
      const spaced = skipSpace();
      if (text.startsWith('/>', at)) {
        at += 2;
        return;
      }
      if (text[at] === '>') {
        at += 1;
        break;
      }
      if (at >= text.length) bad(`unterminated start tag <${tag}>`, begin);
      if (!spaced) bad(`expected whitespace, '>' or '/>' in the start tag <${tag}>`);
      const attrAt = at;
      const attr = name();
      if (seen.has(attr)) bad(`attribute '${attr}' appears twice in <${tag}>`, attrAt);
      seen.add(attr);
      skipSpace();
      if (text[at] !== '=') bad(`attribute '${attr}' needs '=' and a quoted value`);
      at += 1;
      skipSpace();
      const quote = text[at];
      if (quote !== '"' && quote !== "'") bad(`the value of attribute '${attr}' must be quoted`);
      at += 1;
      const valueAt = at;
      const value = until(quote, `value of attribute '${attr}'`);
      if (value.includes('<')) bad(`'<' is not allowed in the value of attribute '${attr}'`, valueAt + value.indexOf('<'));
      references(value, valueAt);
    }
    // Content, up to the matching end tag.
    for (;;) {
      const textAt = at;
      const next = text.indexOf('<', at);
      const chunk = text.slice(at, next === -1 ? text.length : next);
      if (chunk.includes(']]>')) bad("']]>' is not allowed in text", textAt + chunk.indexOf(']]>'));
      references(chunk, textAt);
      if (next === -1) bad(`element <${tag}> is not closed`, begin);
      at = next;
      if (text.startsWith('</', at)) {
        const endAt = at;
        at += 2;
        const closing = name();
        skipSpace();
        if (text[at] !== '>') bad(`expected '>' to end </${closing}>`);
        at += 1;
        if (closing !== tag) bad(`end tag </${closing}> does not match the start tag <${tag}> at ${lineColumn(text, begin)}`, endAt);
        return;
      }
      if (text.startsWith('<!--', at)) comment();
      else if (text.startsWith('<![CDATA[', at)) {
        at += '<![CDATA['.length;
        until(']]>', 'CDATA section');
      } else if (text.startsWith('<?', at)) instruction();
      else if (text.startsWith('<!', at)) bad('markup declarations are not allowed inside an element');
      else element();
    }
  };

  if (text.startsWith('<?xml', at) && /^<\?xml[\s?]/.test(text)) {
    const declaration = until('?>', 'XML declaration');
    if (!/^<\?xml\s+version\s*=\s*(["'])1\.\d+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][\w.-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*$/.test(declaration)) bad('malformed XML declaration', 0);
  }
  while (misc());
  if (text.startsWith('<!DOCTYPE', at)) {
    doctype();
    while (misc());
  }
  if (text[at] !== '<') bad(at >= text.length ? 'no root element' : 'content is not allowed before the root element');
  element();
  while (misc());
  if (at < text.length) bad(text[at] === '<' ? 'only one root element is allowed' : 'content is not allowed after the root element');
}

// TOML 1.0 --------------------------------------------------------------------------------------

interface TomlTable {
  kind: 'table';
  /** How it came to be: a [header], a parent of a header, dotted keys, or an inline table (closed). */
  origin: 'header' | 'implicit' | 'dotted' | 'inline';
  children: Map<string, TomlNode>;
}
type TomlNode = TomlTable | { kind: 'array-of-tables'; tables: TomlTable[] } | { kind: 'value' };

const table = (origin: TomlTable['origin']): TomlTable => ({ kind: 'table', origin, children: new Map() });

/** Checks a TOML 1.0 document; answers its top-level keys (for Cargo.toml's `[package]`). */
function checkToml(text: string): Map<string, TomlNode> {
  let at = 0;
  const root = table('header');
  let current = root;
  const bad: (message: string, offset?: number) => never = (message, offset = at) => fail(text, offset, message);
  const peek = (n = 0): string => text[at + n] ?? '';
  const spaces = (): void => {
    while (peek() === ' ' || peek() === '\t') at += 1;
  };
  const comment = (): void => {
    if (peek() !== '#') return;
    while (at < text.length && peek() !== '\n') {
      const code = text.charCodeAt(at);
      if ((code < 0x20 && code !== 0x09 && !(code === 0x0d && peek(1) === '\n')) || code === 0x7f) bad('control characters are not allowed in comments');
      at += 1;
    }
  };
  const endOfLine = (): void => {
    spaces();
    comment();
    if (at >= text.length) return;
    if (peek() === '\n') at += 1;
    else if (peek() === '\r' && peek(1) === '\n') at += 2;
    else bad(`expected the end of the line, found '${peek()}'`);
  };
  const blank = (): void => {
    for (;;) {
      spaces();
      comment();
      if (peek() === '\n') at += 1;
      else if (peek() === '\r' && peek(1) === '\n') at += 2;
      else return;
    }
  };
  const basicString = (multiline: boolean): void => {
    const begin = at;
    at += multiline ? 3 : 1;
    if (multiline && (peek() === '\n' || (peek() === '\r' && peek(1) === '\n'))) at += peek() === '\n' ? 1 : 2;
    for (;;) {
      if (at >= text.length) bad('unterminated string', begin);
      const c = peek();
      if (multiline && text.startsWith('"""', at)) {
        at += 3;
        // Up to two quotes may sit right before the closing delimiter.
        if (peek() === '"') at += 1;
        if (peek() === '"') at += 1;
        return;
      }
      if (!multiline && c === '"') {
        at += 1;
        return;
      }
      if (c === '\\') {
        const escape = peek(1);
        if ('btnfr"\\'.includes(escape) && escape !== '') at += 2;
        else if (escape === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else if (escape === 'U' && /^[0-9A-Fa-f]{8}$/.test(text.slice(at + 2, at + 10))) at += 10;
        else if (multiline && /^\\[ \t]*\r?\n/.test(text.slice(at))) {
          at += 1;
          while (' \t\r\n'.includes(peek()) && peek() !== '') at += 1;
        } else bad(`invalid escape sequence \\${escape}`);
        continue;
      }
      const code = text.charCodeAt(at);
      if (c === '\n' || (c === '\r' && peek(1) === '\n')) {
        if (!multiline) bad('newlines are not allowed in a single-line string');
        at += c === '\r' ? 2 : 1;
        continue;
      }
      if ((code < 0x20 && code !== 0x09) || code === 0x7f) bad('control characters must be escaped in strings');
      at += 1;
    }
  };
  const literalString = (multiline: boolean): void => {
    const begin = at;
    at += multiline ? 3 : 1;
    for (;;) {
      if (at >= text.length) bad('unterminated string', begin);
      if (multiline && text.startsWith("'''", at)) {
        at += 3;
        if (peek() === "'") at += 1;
        if (peek() === "'") at += 1;
        return;
      }
      const c = peek();
      if (!multiline && c === "'") {
        at += 1;
        return;
      }
      const code = text.charCodeAt(at);
      if (c === '\n' || (c === '\r' && peek(1) === '\n')) {
        if (!multiline) bad('newlines are not allowed in a single-line string');
        at += c === '\r' ? 2 : 1;
        continue;
      }
      if ((code < 0x20 && code !== 0x09) || code === 0x7f) bad('control characters are not allowed in strings');
      at += 1;
    }
  };
  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      spaces();
      const begin = at;
      if (peek() === '"') {
        if (text.startsWith('"""', at)) bad('a key cannot be a multi-line string');
        basicString(false);
        parts.push(JSON.parse(text.slice(begin, at).replace(/\\U([0-9A-Fa-f]{8})/g, (_m, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))) as string);
      } else if (peek() === "'") {
        if (text.startsWith("'''", at)) bad('a key cannot be a multi-line string');
        literalString(false);
        parts.push(text.slice(begin + 1, at - 1));
      } else {
        while (/[A-Za-z0-9_-]/.test(peek()) && peek() !== '') at += 1;
        if (at === begin) bad(peek() === '' ? 'unexpected end of file, expected a key' : `invalid character '${peek()}' in a key`);
        parts.push(text.slice(begin, at));
      }
      spaces();
      if (peek() !== '.') return parts;
      at += 1;
    }
  };
  const scalar = (): void => {
    const begin = at;
    // A date and a time may be separated by one space.
    const date = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2})?/.exec(text.slice(at));
    while (/[0-9A-Za-z_:.+-]/.test(peek()) && peek() !== '') at += 1;
    if (date && date[0].length > 10 && date[0][10] === ' ') {
      at = begin + 10;
      at += 1;
      while (/[0-9A-Za-z_:.+-]/.test(peek()) && peek() !== '') at += 1;
    }
    const token = text.slice(begin, at);
    if (token === '') bad(peek() === '' ? 'unexpected end of file, expected a value' : `invalid value starting with '${peek()}'`);
    if (token === 'true' || token === 'false') return;
    if (/^[+-]?(?:0|[1-9](?:_?\d)*)$/.test(token)) return;
    if (/^0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*$|^0o[0-7](?:_?[0-7])*$|^0b[01](?:_?[01])*$/.test(token)) return;
    if (/^[+-]?(?:inf|nan)$/.test(token)) return;
    if (/^[+-]?(?:0|[1-9](?:_?\d)*)(?:\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|[eE][+-]?\d(?:_?\d)*)$/.test(token)) return;
    const dt = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))?)?$/.exec(token);
    if (dt) {
      const [month, day, hour, minute, second] = [dt[2], dt[3], dt[4], dt[5], dt[6]].map((part) => Number(part ?? 0));
      if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60 && Number(dt[7] ?? 0) <= 23 && Number(dt[8] ?? 0) <= 59) return;
      bad(`invalid date-time ${token}`, begin);
    }
    const time = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(token);
    if (time && Number(time[1]) <= 23 && Number(time[2]) <= 59 && Number(time[3]) <= 60) return;
    bad(`invalid value ${token}`, begin);
  };
  const value = (): TomlNode => {
    if (text.startsWith('"""', at)) basicString(true);
    else if (peek() === '"') basicString(false);
    else if (text.startsWith("'''", at)) literalString(true);
    else if (peek() === "'") literalString(false);
    else if (peek() === '[') {
      at += 1;
      for (;;) {
        blank();
        if (peek() === ']') break;
        value();
        blank();
        if (peek() === ',') {
          at += 1;
          continue;
        }
        if (peek() !== ']') bad(`expected ',' or ']' in an array, found '${peek() || 'end of file'}'`);
      }
      at += 1;
    } else if (peek() === '{') {
      at += 1;
      const inline = table('inline');
      spaces();
      if (peek() === '}') {
        at += 1;
        return inline;
      }
      for (;;) {
        keyValue(inline);
        spaces();
        if (peek() === ',') {
          at += 1;
          spaces();
          if (peek() === '}') bad('a trailing comma is not allowed in an inline table');
          continue;
        }
        if (peek() === '}') {
          at += 1;
          break;
        }
        bad(`expected ',' or '}' in an inline table, found '${peek() === '\n' ? 'a newline' : peek() || 'end of file'}'`);
      }
      // Nothing may be added to an inline table later, nor to the tables it holds.
      const close = (node: TomlNode): void => {
        if (node.kind === 'table') {
          node.origin = 'inline';
          node.children.forEach(close);
        }
      };
      close(inline);
      return inline;
    } else scalar();
    return { kind: 'value' };
  };
  const keyValue = (into: TomlTable): void => {
    const keyAt = at;
    const parts = key();
    if (peek() !== '=') bad(`expected '=' after the key ${parts.join('.')}`);
    at += 1;
    spaces();
    let target = into;
    for (const part of parts.slice(0, -1)) {
      const existing = target.children.get(part);
      if (existing === undefined) {
        const created = table('dotted');
        target.children.set(part, created);
        target = created;
      } else if (existing.kind === 'table' && existing.origin === 'dotted') target = existing;
      else bad(`cannot add keys to ${part}: it is already defined`, keyAt);
    }
    const last = parts.at(-1) ?? '';
    if (target.children.has(last)) bad(`duplicate key ${parts.join('.')}`, keyAt);
    target.children.set(last, value());
  };
  const header = (): void => {
    const begin = at;
    const array = text.startsWith('[[', at);
    at += array ? 2 : 1;
    const parts = key();
    if (!text.startsWith(array ? ']]' : ']', at)) bad(`expected '${array ? ']]' : ']'}' to close the table header`);
    at += array ? 2 : 1;
    let target = root;
    for (const part of parts.slice(0, -1)) {
      const existing = target.children.get(part);
      if (existing === undefined) {
        const created = table('implicit');
        target.children.set(part, created);
        target = created;
      } else if (existing.kind === 'array-of-tables') target = existing.tables.at(-1) ?? bad(`${part} is empty`, begin);
      else if (existing.kind === 'table' && existing.origin !== 'inline') target = existing;
      else bad(`cannot define a table under ${part}: it is a value`, begin);
    }
    const last = parts.at(-1) ?? '';
    const existing = target.children.get(last);
    const name = parts.join('.');
    if (array) {
      const created = table('header');
      if (existing === undefined) target.children.set(last, { kind: 'array-of-tables', tables: [created] });
      else if (existing.kind === 'array-of-tables') existing.tables.push(created);
      else bad(`cannot define [[${name}]]: ${name} is already a ${existing.kind === 'table' ? 'table' : 'value'}`, begin);
      current = created;
      return;
    }
    if (existing === undefined) {
      const created = table('header');
      target.children.set(last, created);
      current = created;
    } else if (existing.kind === 'table' && existing.origin === 'implicit') {
      existing.origin = 'header';
      current = existing;
    } else bad(`table [${name}] is defined more than once`, begin);
  };

  for (;;) {
    blank();
    if (at >= text.length) break;
    if (peek() === '[') header();
    else keyValue(current);
    endOfLine();
  }
  return root.children;
}
