import { FleetError } from '../errors.js';
import { detectEol, detectIndent, isSameJson, lineIndentAt, toValue, type JsonNode } from './json-text.js';
import { parseRepoJson } from './npm-dependency.js';
import { splitKeyPath, type JsonSetOptions } from './options.js';
import type { ChangeContext, FileSet, TransformOutcome } from './types.js';

/**
 * Sets a value at a dotted key path in a JSON file, creating missing objects on the way, by
 * editing only the text of that value (or inserting one member), so the rest of the file stays
 * byte for byte. Comments and trailing commas are accepted (JSONC, as tsconfig.json and VS Code
 * settings use them) and kept, since no other part of the file is rewritten. A number segment
 * picks an existing array item ("extends.0").
 *
 * @example
 * await setJsonValue({ path: 'tsconfig.json', key: 'compilerOptions.strict', value: true, createFile: false },
 *   new Map([['tsconfig.json', '{\n  "compilerOptions": {}\n}\n']]), { repo: 'acme/api' });
 * // edits: [{ path: 'tsconfig.json', content: '{\n  "compilerOptions": {\n    "strict": true\n  }\n}\n' }]
 */
export async function setJsonValue(options: JsonSetOptions, files: FileSet, ctx: ChangeContext): Promise<TransformOutcome> {
  const keys = splitKeyPath(options.key);
  const text = files.get(options.path);
  const summary = `Set ${options.key} to ${JSON.stringify(options.value)} in ${options.path}`;
  if (text === undefined) {
    if (!options.createFile) return { edits: [], summary, noopReason: `${options.path} does not exist (set createFile to create it)` };
    const content = `${JSON.stringify(nest(keys, options.value), null, 2)}\n`;
    return { edits: [{ path: options.path, content }], summary: `Create ${options.path} with ${options.key} set to ${JSON.stringify(options.value)}`, noopReason: '' };
  }

  const root = parseRepoJson(options.path, text, ctx, true);
  const eol = detectEol(text);
  const unit = detectIndent(text);
  let node: JsonNode = root;
  for (let depth = 0; depth < keys.length; depth++) {
    const key = keys[depth];
    if (node.type === 'array' && /^\d+$/.test(key) && Number(key) < node.items.length) {
      node = node.items[Number(key)]!;
      continue;
    }
    if (node.type !== 'object') {
      const at = depth === 0 ? 'the top level' : keys.slice(0, depth).join('.');
      throw new FleetError(
        'change_failed',
        `Cannot set ${options.key} in ${options.path} of ${ctx.repo}: ${at} is ${describeNode(node)}, not an object. Change the key, or leave the repository out of the campaign.`,
        { path: options.path, repo: ctx.repo, key: options.key },
      );
    }
    const member = [...node.members].reverse().find((m) => m.key === key);
    if (!member) {
      const value = nest(keys.slice(depth + 1), options.value);
      return { edits: [{ path: options.path, content: insertMember(text, node, key, value, unit, eol) }], summary, noopReason: '' };
    }
    node = member.value;
  }

  if (isSameJson(toValue(node), options.value)) {
    return { edits: [], summary, noopReason: `${options.key} is already ${JSON.stringify(options.value)} in ${options.path}` };
  }
  const replacement = formatValue(options.value, unit, lineIndentAt(text, node.start), eol);
  return { edits: [{ path: options.path, content: text.slice(0, node.start) + replacement + text.slice(node.end) }], summary, noopReason: '' };
}

function describeNode(node: JsonNode): string {
  if (node.type === 'array') return 'a list';
  if (node.type === 'null') return 'null';
  return `a ${node.type}`;
}

function nest(keys: readonly string[], value: unknown): unknown {
  return keys.reduceRight<unknown>((inner, key) => {
    const outer: Record<string, unknown> = {};
    Object.defineProperty(outer, key, { value: inner, enumerable: true, writable: true, configurable: true });
    return outer;
  }, value);
}

/** JSON text for a value written at a line indented by `indent`. */
function formatValue(value: unknown, unit: string, indent: string, eol: string): string {
  return JSON.stringify(value, null, unit).replace(/\n/g, eol + indent);
}

/** Adds `"key": value` as the last member of an object, in the object's own layout. */
function insertMember(text: string, object: Extract<JsonNode, { type: 'object' }>, key: string, value: unknown, unit: string, eol: string): string {
  const last = object.members[object.members.length - 1];
  const objectIndent = lineIndentAt(text, object.start);
  if (!last) {
    const inner = objectIndent + unit;
    const member = `${JSON.stringify(key)}: ${formatValue(value, unit, inner, eol)}`;
    const body = text.slice(object.start + 1, object.end - 1);
    // "{}" or "{ }" becomes a multi-line object; anything else inside (a comment) is kept.
    if (body.trim() === '') return `${text.slice(0, object.start)}{${eol}${inner}${member}${eol}${objectIndent}}${text.slice(object.end)}`;
    return `${text.slice(0, object.start + 1)}${eol}${inner}${member}${text.slice(object.start + 1)}`;
  }
  const multiLine = text.slice(object.start, last.keyStart).includes('\n');
  if (!multiLine) {
    const member = `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    if (last.commaEnd !== -1) return `${text.slice(0, last.commaEnd)} ${member},${text.slice(last.commaEnd)}`;
    return `${text.slice(0, last.value.end)}, ${member}${text.slice(last.value.end)}`;
  }
  const indent = lineIndentAt(text, last.keyStart);
  const member = `${JSON.stringify(key)}: ${formatValue(value, unit, indent, eol)}`;
  const afterLast = last.commaEnd !== -1 ? last.commaEnd : last.value.end;
  // Keep a comment that trails the last member on its line: the new member goes on the next line.
  const lineEnd = text.indexOf('\n', afterLast);
  const rest = text.slice(afterLast, lineEnd === -1 ? object.end - 1 : lineEnd);
  const restIsComment = /^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?\r?$/.test(rest) && lineEnd !== -1 && lineEnd < object.end;
  const insertAt = restIsComment ? lineEnd - (text[lineEnd - 1] === '\r' ? 1 : 0) : afterLast;
  const comma = last.commaEnd === -1 ? ',' : '';
  const trailing = last.commaEnd !== -1 ? ',' : '';
  if (!comma) return `${text.slice(0, insertAt)}${eol}${indent}${member}${trailing}${text.slice(insertAt)}`;
  return `${text.slice(0, last.value.end)},${text.slice(last.value.end, insertAt)}${eol}${indent}${member}${text.slice(insertAt)}`;
}
