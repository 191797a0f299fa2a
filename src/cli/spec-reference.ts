import { z } from 'zod';
import { CHANGE_KINDS, CHANGE_OPTIONS } from '../changes/options.js';
import { CampaignSpec } from '../domain/spec.js';
import { SPEC_FIELDS } from '../domain/spec-fields.js';
import { STEP_KINDS, STEP_OPTIONS } from '../domain/step-options.js';
import { EXIT, type CliCommand, type CliIo } from './io.js';

/**
 * `fleet spec-reference`: docs/spec.md, the campaign spec's reference, generated from the zod
 * schemas (src/domain/spec.ts, the change kinds' options in src/changes/options.ts, the step
 * kinds' options in src/domain/step-options.ts) and the descriptions kept beside them
 * (src/domain/spec-fields.ts). `npm run docs:spec` writes it; a test fails when it is stale.
 *
 * @example
 * renderSpecReference().split('\n')[0] // '# Campaign spec reference'
 */

/** The parts of a JSON Schema (as zod's toJSONSchema writes it) that the reference shows. */
interface Json {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Json[];
  oneOf?: Json[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxLength?: number;
  minItems?: number;
  items?: Json;
  properties?: Record<string, Json>;
  required?: string[];
  additionalProperties?: boolean | Json;
  default?: unknown;
}

export interface FieldRow {
  /** Dotted, as SPEC_FIELDS keys it: "policy.schedule.timezone", "canary.metrics[].name". */
  key: string;
  /** What a person writes in the YAML, e.g. "policy.schedule.timezone". */
  field: string;
  type: string;
  required: boolean;
  default?: unknown;
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function bounds(schema: Json, unit: string): string {
  const max = schema.maximum !== undefined && schema.maximum !== Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  if (schema.minimum !== undefined) return max !== undefined ? `${unit} ${schema.minimum}–${max}` : `${unit} ≥ ${schema.minimum}`;
  if (schema.exclusiveMinimum !== undefined) return max !== undefined ? `${unit}, more than ${schema.exclusiveMinimum}, at most ${max}` : `${unit}, more than ${schema.exclusiveMinimum}`;
  if (max !== undefined) return `${unit} ≤ ${max}`;
  return unit;
}

/** A JSON Schema node as a short type for people. */
export function describeType(schema: Json): string {
  if (schema.enum) return schema.enum.map((v) => code(JSON.stringify(v).replace(/^"|"$/g, ''))).join(' \\| ');
  if (schema.const !== undefined) return code(JSON.stringify(schema.const).replace(/^"|"$/g, ''));
  const anyOf = schema.anyOf ?? schema.oneOf;
  if (anyOf) {
    if (anyOf.every((variant) => variant.type === 'object')) return 'object (one of the kinds below)';
    const kinds = anyOf.map(describeType);
    if (kinds.length === 2 && kinds[0].startsWith('integer') && anyOf[1].pattern === '^\\d{1,3}(\\.\\d+)?%$') return 'count or percentage';
    return kinds.join(' or ');
  }
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'duration') return 'duration';
      const length = schema.maxLength !== undefined ? ` (at most ${schema.maxLength} characters)` : '';
      return `string${length}`;
    }
    case 'integer':
      return bounds(schema, 'integer');
    case 'number':
      return bounds(schema, 'number');
    case 'boolean':
      return 'boolean';
    case 'array': {
      const items = schema.items;
      const of = items ? (items.type === 'object' && items.properties ? 'objects' : describeType(items)) : 'values';
      return schema.minItems ? `list of ${of} (at least ${schema.minItems})` : `list of ${of}`;
    }
    case 'object':
      if (schema.properties) return 'object';
      if (typeof schema.additionalProperties === 'object' && Object.keys(schema.additionalProperties).length > 0) return `map of name → ${describeType(schema.additionalProperties)}`;
      return 'map';
    default:
      return 'any value';
  }
}

function toJson(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
}

/** Every field under an object schema, depth first, with objects before their fields. */
function walk(schema: Json, key: string, field: string, rows: FieldRow[], skip: (key: string) => boolean): void {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(properties)) {
    const childKey = key ? `${key}.${name}` : name;
    const childField = field ? `${field}.${name}` : name;
    rows.push({ key: childKey, field: childField, type: describeType(child), required: required.has(name), ...('default' in child ? { default: child.default } : {}) });
    if (skip(childKey)) continue;
    if (child.type === 'object' && child.properties) walk(child, childKey, childField, rows, skip);
    const items = child.items;
    if (child.type === 'array' && items?.type === 'object' && items.properties) walk(items, `${childKey}[]`, `${childField}[]`, rows, skip);
  }
}

export interface SpecSection {
  title: string;
  intro: string;
  rows: FieldRow[];
}

/** The spec's fields, in sections: the spec itself, each change kind's options, each step kind's options. */
export function specSections(): SpecSection[] {
  const top: FieldRow[] = [];
  walk(toJson(CampaignSpec), '', '', top, (key) => key === 'change' || key === 'steps');
  const sections: SpecSection[] = [{ title: 'The spec', intro: 'Every section of a campaign spec. Fields without a default are required where their section is given.', rows: top }];
  for (const kind of CHANGE_KINDS) {
    const rows: FieldRow[] = [];
    walk(toJson(CHANGE_OPTIONS[kind]), `change.${kind}`, 'change.options', rows, () => false);
    sections.push({ title: `Change \`${kind}\``, intro: `\`change: { kind: ${kind}, options: { … } }\``, rows });
  }
  for (const kind of STEP_KINDS) {
    const rows: FieldRow[] = [];
    walk(toJson(STEP_OPTIONS[kind]), `steps.${kind}`, 'options', rows, () => false);
    sections.push({ title: `Step \`${kind}\``, intro: rows.length ? `\`steps: [{ kind: ${kind}, options: { … } }]\`` : `\`steps: [${kind}]\`: no options.`, rows });
  }
  return sections;
}

/** Keys of fields that have no description in SPEC_FIELDS (a new field must get one). */
export function undescribedFields(): string[] {
  const keys = new Set([...specSections().flatMap((s) => s.rows.map((r) => r.key)), ...specSections().map((s) => sectionKey(s.title))]);
  return [...keys].filter((key) => !SPEC_FIELDS[key]);
}

/** Descriptions not attached to any field any more (a removed or renamed field). */
export function staleDescriptions(): string[] {
  const keys = new Set([...specSections().flatMap((s) => s.rows.map((r) => r.key)), ...specSections().map((s) => sectionKey(s.title))]);
  return Object.keys(SPEC_FIELDS).filter((key) => !keys.has(key));
}

function sectionKey(title: string): string {
  const kind = /`([^`]+)`/.exec(title)?.[1];
  if (title.startsWith('Change')) return `change.${kind}`;
  if (title.startsWith('Step')) return `steps.${kind}`;
  return '';
}

function formatDefault(row: FieldRow): string {
  if (row.required) return 'required';
  if (!('default' in row)) return '—';
  const value = row.default;
  if (typeof value === 'string') return code(JSON.stringify(value));
  if (Array.isArray(value) && value.length === 0) return '`[]`';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return '`{}`';
  return code(JSON.stringify(value));
}

/** docs/spec.md, exactly as `npm run docs:spec` writes it. */
export function renderSpecReference(): string {
  const missing = undescribedFields();
  if (missing.length > 0) throw new Error(`These spec fields have no description in src/domain/spec-fields.ts: ${missing.join(', ')}. Add one for each.`);
  const lines: string[] = [
    '# Campaign spec reference',
    '',
    'Generated by `npm run docs:spec` from the zod schemas (`src/domain/spec.ts`, `src/changes/options.ts`,',
    '`src/domain/step-options.ts`) and the descriptions in `src/domain/spec-fields.ts`; do not edit it by hand.',
    '`fleet validate <spec.yml>` checks a spec against the same schemas, with line numbers and hints. Examples:',
    '[`campaigns/examples/`](../campaigns/examples/).',
    '',
    'Durations are written like `90s`, `30m`, `2h`, `1d` or `1h30m`. Slack ids: users `U…` or `W…`, user groups',
    '`S…`, channels `C…` or `G…` (the README says how to find them).',
    '',
  ];
  for (const section of specSections()) {
    lines.push(`## ${section.title}`, '');
    const about = SPEC_FIELDS[sectionKey(section.title)];
    if (about) lines.push(about, '');
    lines.push(section.intro, '');
    if (section.rows.length === 0) continue;
    lines.push('| field | type | default | description |', '| --- | --- | --- | --- |');
    for (const row of section.rows) lines.push(`| ${code(row.field)} | ${row.type} | ${formatDefault(row)} | ${SPEC_FIELDS[row.key].replace(/\|/g, '\\|')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

export const specReferenceCommand: CliCommand = {
  summary: 'Print the campaign spec reference (docs/spec.md) generated from the schema',
  usage: 'fleet spec-reference',
  run: async (args: string[], io: CliIo) => {
    if (args.length > 0) {
      io.stderr(`fleet spec-reference takes no arguments. Usage: ${specReferenceCommand.usage}\n`);
      return EXIT.usage;
    }
    io.stdout(renderSpecReference());
    return EXIT.ok;
  },
};
