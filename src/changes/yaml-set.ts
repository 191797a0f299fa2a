import { Document, isMap, isScalar, isSeq, parseDocument, stringify, type Node as YamlNode, type YAMLMap } from 'yaml';
import { FleetError } from '../errors.js';
import { detectEol, isSameJson } from './json-text.js';
import { splitKeyPath, type YamlSetOptions } from './options.js';
import type { ChangeContext, FileSet, TransformOutcome } from './types.js';

/**
 * Sets a value at a dotted key path in a YAML file. Edits are made in the text itself so nothing
 * else moves: a scalar keeps its quoting style, a new key joins its block mapping in its column,
 * a list or mapping replaced by another keeps its flow or block style, an empty value (`push:`)
 * gets the value on the lines below, and a scalar turned into a list or mapping is written on
 * one line (`{ group: large }`). What is left (going through an explicit `~`, an empty file)
 * goes through the `yaml` Document API, which keeps comments but may respace the file.
 *
 * @example
 * await setYamlValue({ path: '.github/workflows/ci.yml', key: 'jobs.build.runs-on', value: 'ubuntu-24.04', createFile: false },
 *   new Map([['.github/workflows/ci.yml', 'jobs:\n  build:\n    runs-on: ubuntu-22.04 # pinned\n']]), { repo: 'acme/api' });
 * // edits: [{ path: '.github/workflows/ci.yml', content: 'jobs:\n  build:\n    runs-on: ubuntu-24.04 # pinned\n' }]
 */
export async function setYamlValue(options: YamlSetOptions, files: FileSet, ctx: ChangeContext): Promise<TransformOutcome> {
  const keys = splitKeyPath(options.key);
  const text = files.get(options.path);
  const shown = JSON.stringify(options.value);
  const summary = `Set ${options.key} to ${shown} in ${options.path}`;
  if (text === undefined) {
    if (!options.createFile) return { edits: [], summary, noopReason: `${options.path} does not exist (set createFile to create it)` };
    return { edits: [{ path: options.path, content: stringify(nestValue(keys, options.value), { lineWidth: 0 }) }], summary: `Create ${options.path} with ${options.key} set to ${shown}`, noopReason: '' };
  }

  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const before = text.slice(0, first.pos[0]);
    const where = ` at line ${before.split('\n').length}, column ${first.pos[0] - before.lastIndexOf('\n')}`;
    throw new FleetError(
      'change_failed',
      `${options.path} in ${ctx.repo} is not valid YAML${where} (${first.message.split('\n')[0]}). Fix the file in the repository, or leave the repository out of the campaign.`,
      { path: options.path, repo: ctx.repo },
    );
  }
  const eol = detectEol(text);

  let node: unknown = doc.contents;
  let keyNode: unknown = null;
  for (let depth = 0; depth < keys.length; depth++) {
    const key = keys[depth];
    if (isSeq(node) && /^\d+$/.test(key) && Number(key) < node.items.length) {
      node = node.items[Number(key)];
      keyNode = null;
      continue;
    }
    if (node === null && depth === 0) return { edits: [{ path: options.path, content: viaDocument(doc, text, keys, options.value, eol) }], summary, noopReason: '' };
    if (depth > 0 && isScalar(node) && node.value === null) {
      // An empty value (`pull_request:` in a workflow) becomes the mapping the key path needs.
      const rest = nestValue(keys.slice(depth), options.value);
      const content = fillEmptyValue(text, keyNode, node, rest, eol) ?? replaceScalarWithFlow(text, node, rest) ?? viaDocument(doc, text, keys.slice(0, depth), rest, eol);
      return { edits: [{ path: options.path, content }], summary, noopReason: '' };
    }
    if (!isMap(node)) {
      const at = depth === 0 ? 'the top level' : keys.slice(0, depth).join('.');
      throw new FleetError(
        'change_failed',
        `Cannot set ${options.key} in ${options.path} of ${ctx.repo}: ${at} is ${describe(node)}, not a mapping. Change the key, or leave the repository out of the campaign.`,
        { path: options.path, repo: ctx.repo, key: options.key },
      );
    }
    if (!node.has(key)) {
      const rest = nestValue(keys.slice(depth + 1), options.value);
      const content = insertIntoBlockMap(text, node, key, rest, eol) ?? insertIntoFlowMap(text, node, doc, key, rest) ?? viaDocument(doc, text, keys, options.value, eol);
      return { edits: [{ path: options.path, content }], summary, noopReason: '' };
    }
    keyNode = node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key)?.key ?? null;
    node = node.get(key, true);
  }

  const current = isScalar(node) || isMap(node) || isSeq(node) ? (node as YamlNode).toJS(doc) : node;
  if (isSameJson(current, options.value)) return { edits: [], summary, noopReason: `${options.key} is already ${shown} in ${options.path}` };
  const content =
    replaceScalar(text, node, options.value) ??
    fillEmptyValue(text, keyNode, node, options.value, eol) ??
    replaceCollection(text, keyNode, node, options.value, eol) ??
    replaceScalarWithFlow(text, node, options.value) ??
    replaceCollectionWithScalar(text, keyNode, node, options.value) ??
    viaDocument(doc, text, keys, options.value, eol);
  return { edits: [{ path: options.path, content }], summary, noopReason: '' };
}

function describe(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'empty' : `the value ${JSON.stringify(node.value)}`;
  return 'not a mapping';
}

function nestValue(keys: readonly string[], value: unknown): unknown {
  return keys.reduceRight<unknown>((inner, key) => {
    const outer: Record<string, unknown> = {};
    Object.defineProperty(outer, key, { value: inner, enumerable: true, writable: true, configurable: true });
    return outer;
  }, value);
}

function isPlainScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Replaces a scalar's text with the new scalar in the same quoting style; null when it cannot. */
function replaceScalar(text: string, node: unknown, value: unknown): string | null {
  if (!isScalar(node) || !node.range || !isPlainScalar(value)) return null;
  if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') return null;
  const quoted = typeof value === 'string' && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
  const rendered = stringify(value, { lineWidth: 0, ...(quoted ? { defaultStringType: node.type } : {}) }).replace(/\n$/, '');
  if (rendered.includes('\n')) return null;
  const [start, end] = node.range;
  if (start !== end) return text.slice(0, start) + rendered + text.slice(end);
  // An empty value: `key:` becomes `key: value`, and `key: # note` becomes `key: value # note`.
  return replaceScalarText(text, start, rendered);
}

/** Writes a list or mapping under a key whose value is empty, on the lines below it; null when it cannot. */
function fillEmptyValue(text: string, keyNode: unknown, node: unknown, value: unknown, eol: string): string | null {
  if (!isScalar(node) || node.value !== null || !node.range || node.range[0] !== node.range[1]) return null;
  if (!isScalar(keyNode) || !keyNode.range || typeof value !== 'object' || value === null) return null;
  const keyColumn = keyNode.range[0] - (text.lastIndexOf('\n', keyNode.range[0] - 1) + 1);
  const unit = detectYamlIndent(text);
  const indentSeq = hasIndentedSequences(text);
  const column = Array.isArray(value) && !indentSeq ? keyColumn : keyColumn + unit;
  const rendered = stringify(value, { lineWidth: 0, indent: unit, indentSeq }).replace(/\n$/, '');
  if (!rendered.includes('\n') && /^[[{]/.test(rendered)) return replaceScalarText(text, node.range[0], rendered);
  const block = rendered
    .split('\n')
    .map((line) => ' '.repeat(column) + line)
    .join(eol);
  const lineEnd = text.indexOf('\n', node.range[0]);
  if (lineEnd === -1) return `${text}${eol}${block}`;
  const cut = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  return `${text.slice(0, cut)}${eol}${block}${text.slice(cut)}`;
}

function replaceScalarText(text: string, at: number, rendered: string): string {
  const pad = /[ \t]/.test(text[at - 1] ?? '') ? '' : ' ';
  const tail = text[at] === '#' ? ' ' : '';
  return text.slice(0, at) + pad + rendered + tail + text.slice(at);
}

/** A list or mapping on one line (`{ a: 1, b: [ x ] }`), or null when it does not fit on one. */
function renderFlow(value: unknown): string | null {
  const doc = new Document(value);
  if (isMap(doc.contents) || isSeq(doc.contents)) doc.contents.flow = true;
  const rendered = doc.toString({ lineWidth: 0 }).replace(/\n$/, '');
  return rendered.includes('\n') ? null : rendered;
}

/** Puts a list or mapping where a scalar was, written on one line so nothing around it moves. */
function replaceScalarWithFlow(text: string, node: unknown, value: unknown): string | null {
  if (!isScalar(node) || !node.range || typeof value !== 'object' || value === null) return null;
  if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') return null;
  const rendered = renderFlow(value);
  if (rendered === null) return null;
  const [start, end] = node.range;
  if (start === end) return replaceScalarText(text, start, rendered);
  return text.slice(0, start) + rendered + text.slice(end);
}

/** Puts a scalar where a list or mapping was; a block one is replaced from its key's colon. */
function replaceCollectionWithScalar(text: string, keyNode: unknown, node: unknown, value: unknown): string | null {
  if (!(isMap(node) || isSeq(node)) || !node.range || !isPlainScalar(value)) return null;
  const rendered = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  if (rendered.includes('\n')) return null;
  const start = node.range[0];
  let end = node.range[1];
  while (end > start && /\s/.test(text[end - 1])) end--;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  // Flow, or a block collection that starts mid-line (`- a: 1`): the text in place is the value.
  if (node.flow || text.slice(lineStart, start).trim() !== '') return text.slice(0, start) + rendered + text.slice(end);
  if (!isScalar(keyNode) || !keyNode.range) return null;
  const colon = text.indexOf(':', keyNode.range[1]);
  if (colon === -1 || colon > start) return null;
  return `${text.slice(0, colon + 1)} ${rendered}${text.slice(end)}`;
}

/** Adds a key to a flow mapping by writing the mapping anew on one line. */
function insertIntoFlowMap(text: string, map: YAMLMap, doc: Document, key: string, value: unknown): string | null {
  if (!map.flow || !map.range) return null;
  const current = map.toJS(doc) as Record<string, unknown>;
  const next: Record<string, unknown> = { ...current };
  Object.defineProperty(next, key, { value, enumerable: true, writable: true, configurable: true });
  const rendered = renderFlow(next);
  return rendered === null ? null : text.slice(0, map.range[0]) + rendered + text.slice(map.range[1]);
}

/** Replaces a list or mapping with a new list or mapping, in the old one's style and column; null when it cannot. */
function replaceCollection(text: string, keyNode: unknown, node: unknown, value: unknown, eol: string): string | null {
  if (!(isMap(node) || isSeq(node)) || !node.range || typeof value !== 'object' || value === null) return null;
  const start = node.range[0];
  if (node.flow) {
    const rendered = renderFlow(value);
    return rendered === null ? null : text.slice(0, start) + rendered + text.slice(node.range[1]);
  }
  const last = node.items[node.items.length - 1];
  const lastNode: unknown = isMap(node) && last ? ((last as { value?: unknown; key?: unknown }).value ?? (last as { key?: unknown }).key) : last;
  const lastRange = (lastNode as { range?: [number, number, number] } | null)?.range;
  if (!lastRange) return null;
  let end = lastRange[1];
  while (end > start && /\s/.test(text[end - 1])) end--;
  const column = start - (text.lastIndexOf('\n', start - 1) + 1);
  const unit = detectYamlIndent(text);
  const rendered = stringify(value, { lineWidth: 0, indent: unit, indentSeq: hasIndentedSequences(text) }).replace(/\n$/, '');
  // A list may sit at its key's column (`steps:\n- run: x`); a mapping or a flow value may not.
  let target = column;
  if (isScalar(keyNode) && keyNode.range) {
    const keyColumn = keyNode.range[0] - (text.lastIndexOf('\n', keyNode.range[0] - 1) + 1);
    const blockList = rendered.startsWith('-');
    if (target < (blockList ? keyColumn : keyColumn + 1)) target = blockList ? keyColumn : keyColumn + unit;
  }
  const block = rendered
    .split('\n')
    .map((line, i) => (i === 0 ? ' '.repeat(target - column) : ' '.repeat(target)) + line)
    .join(eol);
  return text.slice(0, start) + block + text.slice(end);
}

/** Appends `key: value` to a block mapping, in its own column; null when it cannot. */
function insertIntoBlockMap(text: string, map: YAMLMap, key: string, value: unknown, eol: string): string | null {
  const firstKey = map.items[0]?.key;
  if (map.flow || !map.range || !firstKey || !(isScalar(firstKey) && firstKey.range)) return null;
  const keyStart = firstKey.range[0];
  const column = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
  const unit = detectYamlIndent(text);
  const rendered = stringify(nestValue([key], value), { lineWidth: 0, indent: unit, indentSeq: hasIndentedSequences(text) })
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => ' '.repeat(column) + line)
    .join(eol);
  let end = map.range[1];
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  const lineEnd = text.indexOf('\n', end);
  if (lineEnd === -1) return `${text}${eol}${rendered}`;
  return `${text.slice(0, lineEnd + 1)}${rendered}${eol}${text.slice(lineEnd + 1)}`;
}

/** The fallback: let the Document API place the value, keeping comments. */
function viaDocument(doc: Document, text: string, keys: readonly string[], value: unknown, eol: string): string {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (const key of keys) {
    const index = isSeq(node) && /^\d+$/.test(key) ? Number(key) : null;
    path.push(index ?? key);
    node = isMap(node) || isSeq(node) ? node.get(index ?? key, true) : undefined;
  }
  doc.setIn(path, value);
  const out = doc.toString({ lineWidth: 0, indent: detectYamlIndent(text), indentSeq: hasIndentedSequences(text) });
  return eol === '\n' ? out : out.replace(/\r?\n/g, eol);
}

function detectYamlIndent(text: string): number {
  const match = /\n( +)[^\s-]/.exec(text);
  return match ? Math.min(match[1].length, 8) : 2;
}

/** False when the file writes lists under a key at the key's own column (`steps:\n- run: x`). */
function hasIndentedSequences(text: string): boolean {
  return !/^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1- /m.test(text);
}
