import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { CampaignSpec } from '../domain/spec.js';

/** One problem in a spec, placed in the YAML text and said so a person can fix it. */
export interface SpecError {
  /** Where in the spec, dotted: "policy.review", "steps.3.kind"; "" for the whole document. */
  path: string;
  /** 1-based line and column of the closest node that exists, or null when there is none. */
  line: number | null;
  column: number | null;
  /** What was expected. */
  message: string;
  /** What to type instead: a did-you-mean, the valid choices, or an example. */
  hint: string;
}

export type LoadSpecResult = { ok: true; spec: CampaignSpec } | { ok: false; errors: SpecError[] };

type PathKey = string | number;

/** Room for a file-write change of up to 1 MB plus the rest of the spec. */
const MAX_SPEC_CHARS = 1_100_000;

/**
 * Parses and validates a campaign spec written in YAML, reporting every problem at once.
 *
 * @example
 * const result = loadSpec(readFileSync('bump-lodash.yml', 'utf8'), 'bump-lodash.yml');
 * if (!result.ok) console.error(formatSpecErrors('bump-lodash.yml', result.errors));
 */
export function loadSpec(yamlText: string, source: string): LoadSpecResult {
  if (yamlText.length > MAX_SPEC_CHARS) {
    return {
      ok: false,
      errors: [{ path: '', line: null, column: null, message: `${source} is ${yamlText.length} characters long; a spec may have at most ${MAX_SPEC_CHARS}`, hint: 'Move large file contents into a codemod in the catalog\'s codemods/ folder.' }],
    };
  }
  const lineCounter = new LineCounter();
  // logLevel 'error': the library's warnings would go to the console; a spec's problems are returned instead.
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        return {
          path: '',
          line: at.line,
          column: at.col,
          message: `YAML syntax error: ${firstLine(error.message)}`,
          hint: syntaxHint(error.code),
        };
      }),
    };
  }
  const collectionKey = findCollectionKey(doc.contents);
  if (collectionKey) {
    const at = collectionKey.range ? lineCounter.linePos(collectionKey.range[0]) : null;
    return {
      ok: false,
      errors: [
        {
          path: '',
          line: at?.line ?? null,
          column: at?.col ?? null,
          message: 'A key is a list or a map; keys in a spec are words or quoted strings',
          hint: 'Write the key as plain text, e.g. `name:` rather than `? [a, b]:` or `{a: 1}:`.',
        },
      ],
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb ("billion laughs") or an alias to nothing: refuse rather than expand it.
    return {
      ok: false,
      errors: [
        {
          path: '',
          line: null,
          column: null,
          message: `YAML aliases could not be expanded: ${error instanceof Error ? error.message : String(error)}`,
          hint: 'Write the values out instead of using many "*alias" references.',
        },
      ],
    };
  }
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          line: 1,
          column: 1,
          message: `${source} must hold a mapping of spec keys (name, owner, channel, targets, change, pr, ...)`,
          hint: 'Start from one of the examples in campaigns/examples/ and edit it.',
        },
      ],
    };
  }
  const result = CampaignSpec.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, spec: result.data };
  const errors = result.error.issues.flatMap((issue) => describeIssue(issue, data, doc, lineCounter));
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, errors };
}

/**
 * The text the CLI prints, one error per line: `file.yml:12:5 policy.review: <message>. Hint: <hint>`.
 *
 * @example
 * formatSpecErrors('spec.yml', errors) // "spec.yml:3:9 owner: expected a Slack user id such as U024BE7LH. Hint: ..."
 */
export function formatSpecErrors(source: string, errors: SpecError[]): string {
  return errors
    .map((e) => {
      const where = e.line === null ? source : `${source}:${e.line}:${e.column ?? 1}`;
      const path = e.path === '' ? '' : ` ${e.path}:`;
      return `${where}${path} ${withStop(e.message)} Hint: ${e.hint}`;
    })
    .join('\n');
}

function withStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The first map key that is itself a list or a map (YAML allows it; JSON, and so a spec, does not). */
function findCollectionKey(node: unknown, depth = 0): Node | null {
  if (depth > 200) return null;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && (isMap(pair.key) || isSeq(pair.key))) return pair.key;
      const found = isPair(pair) ? findCollectionKey(pair.value, depth + 1) : null;
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const found = findCollectionKey(item, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function syntaxHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once per mapping: remove or merge the repeated key.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'Check the indentation and close every "[" with "]" and every "{" with "}".';
    case 'TAB_AS_INDENT':
      return 'Indent with spaces, not tabs.';
    case 'MULTIPLE_DOCS':
      return 'Put one spec per file: remove the second "---" document.';
    default:
      return 'Quote values that contain ":" or "#", and indent nested keys by two spaces.';
  }
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown, doc: Document, lines: LineCounter): SpecError[] {
  const path = issue.path.filter((p): p is PathKey => typeof p !== 'symbol');
  const at = (p: PathKey[], preferKey = false) => locate(doc, p, lines, preferKey);
  const value = 'input' in issue ? issue.input : valueAt(data, path);
  const params = 'params' in issue && issue.params ? (issue.params as Record<string, unknown>) : {};

  if (issue.code === 'unrecognized_keys') {
    const valid = knownKeysAt(CampaignSpec, path, data);
    return issue.keys.map((key) => ({
      path: joinPath([...path, key]),
      ...at([...path, key], true),
      message: `unknown key "${key}"`,
      hint: suggest(key, valid, 'Valid keys here'),
    }));
  }
  if (issue.code === 'custom' && typeof params.unknownKey === 'string' && Array.isArray(params.validKeys)) {
    return [
      {
        path: joinPath(path),
        ...at(path, true),
        message: issue.message,
        hint: suggest(params.unknownKey, params.validKeys.map(String), 'Valid options'),
      },
    ];
  }
  const base = { path: joinPath(path), ...at(path) };
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        const key = path[path.length - 1];
        const hint = REQUIRED_HINTS[joinPath(path)] ?? `Add "${String(key)}:" with ${describeExpected(issue.expected)}.`;
        return [{ ...base, message: `"${String(key)}" is required: ${describeExpected(issue.expected)}`, hint }];
      }
      return [{ ...base, message: `expected ${describeExpected(issue.expected)}, got ${describeValue(value)}`, hint: typeHint(issue.expected) }];
    }
    case 'invalid_value': {
      const choices = issue.values.map(String);
      return [{ ...base, message: `expected one of ${choices.join(', ')}, got ${describeValue(value)}`, hint: suggest(String(value), choices, 'Valid choices') }];
    }
    case 'invalid_union': {
      if ('note' in issue && issue.note === 'No matching discriminator' && 'options' in issue && Array.isArray(issue.options)) {
        const choices = (issue.options as unknown[]).map(String);
        // The issue's input is the whole object; the author's word is the discriminator under it.
        const kind = valueAt(data, path);
        const what = path.includes('change') ? 'change kind' : 'kind';
        const message = kind === undefined ? `"kind" is required: one of ${choices.join(', ')}` : `unknown ${what} ${describeValue(kind)}`;
        return [{ ...base, message, hint: suggest(typeof kind === 'string' ? kind : '', choices, 'Valid kinds') }];
      }
      return [{ ...base, ...describeUnion(issue.errors, value) }];
    }
    case 'too_small':
    case 'too_big':
      return [{ ...base, message: describeBound(issue), hint: boundHint(issue) }];
    case 'invalid_format':
      return [{ ...base, message: expectedPhrase(issue.message), hint: `Write ${issue.message}.` }];
    case 'custom': {
      if (params.suggest === 'time-zone' && typeof value === 'string') {
        return [{ ...base, message: `expected ${issue.message}, got ${describeValue(value)}`, hint: suggest(value, supportedTimeZones(), 'For example') }];
      }
      const hint = typeof params.hint === 'string' ? params.hint : customHint(issue.message);
      return [{ ...base, message: isPhrase(issue.message) ? `expected ${issue.message}` : issue.message, hint }];
    }
    default:
      return [{ ...base, message: issue.message, hint: 'Compare with the examples in campaigns/examples/.' }];
  }
}

/** Examples for the keys every spec needs, keyed by dotted path. */
const REQUIRED_HINTS: Record<string, string> = {
  name: 'Add "name: bump-lodash" (lowercase letters, digits and dashes).',
  owner: 'Add "owner: U024BE7LH", the Slack user id of the person who runs the campaign.',
  channel: 'Add "channel: C024BE91L", the Slack channel id where the campaign posts.',
  targets: 'Add "targets:" with "org: <login>" (and topics or include) or "repos: [owner/name, ...]".',
  change: 'Add "change:" with "kind:" (npm-dependency, json-set, yaml-set, replace, file-write, file-delete or codemod) and "options:".',
  'change.options': 'Add "options:" under "change:" with the settings of that change kind.',
  pr: 'Add "pr:" with at least "title: <PR title>".',
  'pr.title': 'Add "title:" under "pr:", e.g. title: "chore(deps): bump lodash".',
  'canary.metrics': 'Add "metrics:" under "canary:" with at least one "- name: error-rate" entry.',
};

/** Refinement messages phrased as "a ... such as ..." say what is expected; others are sentences. */
function isPhrase(message: string): boolean {
  return /^(a|an) /.test(message);
}

function expectedPhrase(message: string): string {
  return isPhrase(message) ? `expected ${message}` : message;
}

function customHint(message: string): string {
  const example = /(such as .*)$/.exec(message);
  if (example) return `Write a value ${example[1]}.`;
  return 'Fix the value so that the rule above holds.';
}

function describeUnion(branches: z.core.$ZodIssue[][], value: unknown): { message: string; hint: string } {
  // The branch that failed for a reason other than the value's type is the one the author meant.
  const meant = branches.find((issues) => !issues.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  if (meant && meant.length > 0) {
    const issue = meant[0];
    return { message: `${expectedPhrase(issue.message)}, got ${describeValue(value)}`, hint: issue.code === 'too_small' || issue.code === 'too_big' ? boundHint(issue) : `Write ${issue.message}.` };
  }
  const expected = branches.flatMap((issues) => issues.filter((i) => i.code === 'invalid_type').map((i) => (i.code === 'invalid_type' ? describeExpected(i.expected) : '')));
  return { message: `expected ${expected.join(' or ')}, got ${describeValue(value)}`, hint: expected.map((e) => e).join(', or ') + '.' };
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'string':
      return 'a text value';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping of keys';
    case 'record':
      return 'a mapping of keys';
    default:
      return expected;
  }
}

function typeHint(expected: string): string {
  switch (expected) {
    case 'number':
    case 'int':
      return 'Write a number without quotes, e.g. 90.';
    case 'string':
      return 'Write text; quote it if it contains ":" or "#", e.g. "v2: final".';
    case 'boolean':
      return 'Write true or false without quotes.';
    case 'array':
      return 'Write a list: one "- item" per indented line, or [a, b] on one line.';
    default:
      return 'Write indented "key: value" lines under this key.';
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function describeBound(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return issue.message;
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive ?? true;
  const op = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `expected ${op} ${limit} item${limit === 1 ? '' : 's'}`;
    case 'string':
      return `expected ${op} ${limit} character${limit === 1 ? '' : 's'}`;
    default:
      return `expected a number ${op} ${limit}`;
  }
}

function boundHint(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return 'Change the value.';
  if (issue.origin === 'array') return issue.code === 'too_small' ? 'Add items to the list.' : 'Remove items from the list.';
  if (issue.origin === 'string') return issue.code === 'too_small' ? 'Write a longer value.' : 'Shorten the value.';
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive ?? true;
  if (issue.code === 'too_small') return inclusive ? `Use ${limit} or more.` : `Use a number above ${limit}.`;
  return inclusive ? `Use ${limit} or less.` : `Use a number below ${limit}.`;
}

function supportedTimeZones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone')];
}

/** A did-you-mean when one choice is close, else the list of choices (shortened when long). */
export function suggest(input: string, choices: string[], label: string): string {
  const best = closest(input, choices);
  if (best !== null) return `Did you mean "${best}"?`;
  const shown = choices.length > 12 ? `${choices.slice(0, 12).join(', ')}, ...` : choices.join(', ');
  return `${label}: ${shown}.`;
}

function closest(input: string, choices: string[]): string | null {
  if (input === '') return null;
  const lower = input.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const choice of choices) {
    const d = editDistance(lower, choice.toLowerCase());
    if (d < bestDistance) {
      best = choice;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(input.length / 3));
  return best !== null && bestDistance <= allowed ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function joinPath(path: PathKey[]): string {
  return path.map(String).join('.');
}

function valueAt(data: unknown, path: PathKey[]): unknown {
  let node: unknown = data;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PathKey, unknown>)[key];
  }
  return node;
}

/**
 * The line and column for a path: the node itself when it exists, otherwise the key of its
 * nearest existing parent (so a missing "policy.review" points at "policy:").
 */
function locate(doc: Document, path: PathKey[], lines: LineCounter, preferKey: boolean): { line: number | null; column: number | null } {
  let node: unknown = doc.contents;
  let keyNode: Node | null = null;
  let found = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) break;
      keyNode = isScalar(pair.key) ? pair.key : null;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = null;
      node = node.items[segment];
    } else {
      break;
    }
    found++;
  }
  const complete = found === path.length;
  let target: Node | null = null;
  if (complete && !preferKey && isScalar(node)) target = node;
  else if (keyNode) target = keyNode;
  else if (isScalar(node) || isMap(node) || isSeq(node)) target = node;
  const offset = target?.range?.[0];
  if (offset === undefined) return { line: null, column: null };
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The keys a strict object accepts at a path, found by walking the schema along the data. */
function knownKeysAt(schema: z.ZodType, path: PathKey[], data: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let value: unknown = data;
  for (let i = 0; i <= path.length && current; i++) {
    current = unwrap(current, value);
    if (i === path.length) break;
    const key = path[i];
    value = typeof value === 'object' && value !== null ? (value as Record<PathKey, unknown>)[key] : undefined;
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else current = undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = (current.in instanceof z.ZodTransform ? current.out : current.in) as z.ZodType;
    } else if (current instanceof z.ZodUnion) {
      const options = current.options as z.ZodType[];
      current = options.find((o) => o instanceof z.ZodObject && matchesLiterals(o, value)) ?? options[0];
    } else {
      return current;
    }
  }
}

function matchesLiterals(schema: z.ZodObject, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(schema.shape as Record<string, z.ZodType>).every(([key, field]) => !(field instanceof z.ZodLiteral) || field.values.has((value as Record<string, never>)[key]));
}
