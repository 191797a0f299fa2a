import type { types } from '@slack/bolt';
import { z } from 'zod';
import { CampaignSpec } from '../domain/spec.js';
import type { CampaignPreview, CatalogEntry, PreviewStamp, SpecRef } from '../campaigns/service-types.js';
import { FleetError } from '../errors.js';
import { DEFAULT_PATH } from '../domain/step-options.js';
import { escapeText, mention, truncate } from './blocks/text.js';
import { ACTION, LaunchFormValue, type LaunchValue } from './blocks/action-ids.js';

export const START_CALLBACK = 'fleet.start';

/** Block and action ids of the modal's inputs (block_id = action_id = field name). */
type Field = 'spec' | 'name' | 'package' | 'version' | 'org' | 'topic';

export const StartMetadata = z.object({ channel: z.string().regex(/^[CGD][A-Z0-9]{2,}$/) });
export type StartMetadata = z.infer<typeof StartMetadata>;

function textInput(field: Field, label: string, hint: string, placeholder: string, max: number, required: boolean): types.InputBlock {
  return {
    type: 'input',
    block_id: field,
    // Slack itself marks an optional field "(optional)" and refuses to submit an empty required one.
    optional: !required,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: { type: 'plain_text_input', action_id: field, max_length: max, placeholder: { type: 'plain_text', text: placeholder } },
  };
}

function metadataOf(channel: string): string {
  return JSON.stringify({ channel } satisfies StartMetadata);
}

/** The catalog entries' owners as mentions (a select's plain text cannot render one), at most ten lines. */
function ownerLines(catalog: CatalogEntry[]): string {
  const lines = catalog.slice(0, 10).map((c) => `*${escapeText(c.name)}*: ${c.owner ? `owned by ${mention(c.owner)}` : 'no owner (the spec cannot be used)'}`);
  if (catalog.length > 10) lines.push(`… and ${catalog.length - 10} more`);
  return lines.join('\n');
}

/**
 * The `/fleet start` modal. With a catalog: a required choice of spec, each named by its name
 * and title (the owner beside it), and a button that turns the modal into the short form of a
 * dependency bump. Without one: that short form at once.
 *
 * @example startModal({ catalog: [{ name: 'bump-lodash', title: 'Bump lodash', changeKind: 'npm-dependency', owner: 'U0OWNER01' }], channel: 'C1' })
 */
export function startModal(input: { catalog: CatalogEntry[]; channel: string }): types.ModalView {
  if (input.catalog.length === 0) return startFormModal({ channel: input.channel });
  const blocks: types.KnownBlock[] = [
    {
      type: 'input',
      block_id: 'spec',
      optional: false,
      label: { type: 'plain_text', text: 'A spec from the catalog' },
      element: {
        type: 'static_select',
        action_id: 'spec',
        placeholder: { type: 'plain_text', text: 'Choose a spec' },
        // Slack allows 100 options of at most 75 characters, values of at most 150. The name
        // comes first: it is unique in the catalog, so no two options read the same.
        options: input.catalog.slice(0, 100).map((c) => ({
          text: { type: 'plain_text' as const, text: truncate(c.title && c.title !== c.name ? `${c.name}: ${c.title}` : c.name, 75) },
          description: { type: 'plain_text' as const, text: truncate(c.owner ? `${c.changeKind}, owner ${c.owner}` : c.changeKind, 75) },
          value: truncate(c.name, 150),
        })),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: ownerLines(input.catalog) }] },
    {
      type: 'actions',
      block_id: 'form',
      elements: [{ type: 'button', action_id: ACTION.startForm, value: 'form', text: { type: 'plain_text', text: 'Bump an npm dependency instead' } }],
    },
  ];
  return {
    type: 'modal',
    callback_id: START_CALLBACK,
    private_metadata: metadataOf(input.channel),
    title: { type: 'plain_text', text: 'Start a campaign' },
    submit: { type: 'plain_text', text: 'Preview' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/**
 * The short form of a dependency bump across an organisation: package, version and organisation
 * required; a topic and a campaign name optional.
 *
 * @example startFormModal({ channel: 'C1' })
 */
export function startFormModal(input: { channel: string }): types.ModalView {
  return {
    type: 'modal',
    callback_id: START_CALLBACK,
    private_metadata: metadataOf(input.channel),
    title: { type: 'plain_text', text: 'Start a campaign' },
    submit: { type: 'plain_text', text: 'Preview' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'Bump an npm dependency across an organisation:' } },
      textInput('package', 'npm package', 'The package to bump, e.g. lodash or @scope/name', 'lodash', 214, true),
      textInput('version', 'Version', 'The version or range to set, e.g. 4.17.21 or ^4.17.21', '^4.17.21', 100, true),
      textInput('org', 'GitHub organisation', 'Every repository of this organisation that uses the package', 'acme', 39, true),
      textInput('topic', 'Repository topic', 'Only repositories with this topic', 'frontend', 50, false),
      textInput('name', 'Campaign name', 'Lowercase letters, digits and dashes; made from the package when empty', 'bump-lodash', 63, false),
    ],
  };
}

type ViewValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;

/** What a preview is of: a catalog spec, or the short form's fields. */
export type LaunchTarget = { catalog: string } | { form: LaunchFormValue };

export type StartSubmission = { ok: true; launch: LaunchTarget } | { ok: false; errors: Partial<Record<Field, string>> };

function slug(text: string): string {
  return text.toLowerCase().replace(/^@/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

type FormValue = LaunchFormValue;

/**
 * The Launch button's value for a preview of `target`: what to start, the preview's id and time,
 * and (for a catalog spec) the hash of the spec it showed. A form's spec is rebuilt on click for
 * whoever launches it, so its hash is not compared.
 *
 * @example launchValueOf({ catalog: 'bump-lodash' }, preview) // { catalog: 'bump-lodash', p: 'p-1a2b3c4d5e6f', at: 1764597720000, h: '3f2a9c0d1b7e4a55' }
 */
export function launchValueOf(target: LaunchTarget, preview: Pick<CampaignPreview, 'id' | 'at' | 'specHash'>): LaunchValue {
  return 'catalog' in target ? { catalog: target.catalog, p: preview.id, at: preview.at, h: preview.specHash } : { form: target.form, p: preview.id, at: preview.at };
}

/**
 * What a Launch click starts: the spec reference and the preview it comes from.
 *
 * @example launchRefOf({ catalog: 'bump-lodash', p: 'p-1a2b3c', at: 1, h: '…' }, 'U1') // { ref: { catalog: 'bump-lodash' }, preview: { id: 'p-1a2b3c', at: 1, specHash: '…' } }
 */
export function launchRefOf(value: LaunchValue, user: string): { ref: SpecRef; preview: PreviewStamp } {
  if ('catalog' in value) return { ref: { catalog: value.catalog }, preview: { id: value.p, at: value.at, specHash: value.h } };
  return { ref: { spec: specFromForm(value.form, user), source: 'slack:start-form' }, preview: { id: value.p, at: value.at } };
}
type FormField = 'package' | 'version' | 'org' | 'topic' | 'name';

/**
 * One sentence for a person per validation problem: the spec schema's own phrase ("a GitHub
 * organisation login") with what they typed, or a plain sentence for a length; never zod's text.
 *
 * @example issueSentence({ code: 'too_big', maximum: 63, message: '…', path: [] } as z.core.$ZodIssue, 'x'.repeat(70)) // 'This is too long: 70 characters where at most 63 fit.'
 */
export function issueSentence(issue: z.core.$ZodIssue, typed: string): string {
  if (issue.code === 'too_big' && typeof issue.maximum === 'number') return `This is too long: ${typed.length} characters where at most ${issue.maximum} fit.`;
  if (issue.code === 'too_small') return 'This cannot be empty.';
  // The spec schema's messages are phrases such as "a GitHub organisation login"; zod's own start with a capital.
  if (/^[a-z]/.test(issue.message)) return typed ? `"${truncate(typed, 40)}" is not ${issue.message}.` : `This should be ${issue.message}.`;
  return 'This is not a value Fleet can use here.';
}

function fieldOf(path: string): FormField {
  if (path.startsWith('change.options.package') || path.startsWith('pr.')) return 'package';
  if (path.startsWith('change.options.version')) return 'version';
  if (path.startsWith('targets.topics')) return 'topic';
  if (path.startsWith('targets')) return 'org';
  return 'name';
}

/**
 * The campaign spec for the short form, owned by `owner`, posted to the form's channel. Throws
 * FleetError('bad_input') whose details map each problem to the modal field it concerns, each
 * as a sentence.
 */
export function specFromForm(form: FormValue, owner: string): CampaignSpec {
  const name = form.name || truncate(`bump-${slug(form.package)}`, 63).replace('…', '');
  const raw = {
    name,
    owner,
    channel: form.channel,
    targets: { org: form.org, topics: form.topic ? [form.topic] : [] },
    change: { kind: 'npm-dependency', options: { package: form.package, version: form.version } },
    pr: { title: `Bump ${form.package} to ${form.version}` },
    // The short form names no canary metrics, so its path is the default one without a canary.
    steps: DEFAULT_PATH.filter((k) => k !== 'canary'),
  };
  const result = CampaignSpec.safeParse(raw);
  if (result.success) return result.data;
  const errors: Partial<Record<Field, string>> = {};
  for (const issue of result.error.issues) {
    const field = fieldOf(issue.path.join('.'));
    // A name made from the package is not what the person typed: say so rather than quote it.
    const typed = field === 'name' ? form.name : form[field];
    errors[field] ??= field === 'name' && !form.name ? `The name made from the package, "${name}", is not valid; type a name of lowercase letters, digits and dashes.` : issueSentence(issue, typed);
  }
  throw new FleetError('bad_input', `The form has problems: ${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join(' ')}`, { errors });
}

/**
 * Reads and validates the modal's values: a catalog choice, or the short form, which must be
 * complete and make a valid spec (checked by the spec schema itself). Errors are per block, for
 * `response_action: 'errors'`, which leaves what the person typed in place.
 */
export function readStartSubmission(values: ViewValues, metadata: string, owner: string): StartSubmission {
  const text = (f: Field) => (values[f]?.[f]?.value ?? '').trim();
  const chosen = values.spec?.spec?.selected_option?.value;
  const filled = (['package', 'version', 'org', 'topic', 'name'] as const).filter((f) => text(f) !== '');
  if (chosen && filled.length) return { ok: false, errors: { spec: 'Choose a catalog spec or fill the form, not both.' } };
  if (chosen) return { ok: true, launch: { catalog: chosen } };
  if (values.spec && !filled.length) return { ok: false, errors: { spec: 'Choose a spec from the catalog, or click "Bump an npm dependency instead".' } };
  const errors: Partial<Record<Field, string>> = {};
  if (!text('package')) errors.package = 'Give the npm package to bump, e.g. lodash.';
  if (!text('version')) errors.version = 'Give the version to set, e.g. ^4.17.21.';
  if (!text('org')) errors.org = 'Give the GitHub organisation whose repositories to change.';
  if (Object.keys(errors).length) return { ok: false, errors };
  const meta = parseMetadata(metadata);
  if (!meta) return { ok: false, errors: { package: 'This form lost track of its channel; close it and type `/fleet start` again.' } };
  const form: FormValue = { kind: 'npm-dependency', name: text('name'), package: text('package'), version: text('version'), org: text('org'), topic: text('topic'), channel: meta.channel };
  // Slack enforces max_length only in its own client: a longer value would make a Launch button
  // that Fleet itself refuses to read when it is clicked, so it is refused here, per field.
  const fits = LaunchFormValue.safeParse(form);
  const tooLong: Partial<Record<Field, string>> = {};
  if (!fits.success) {
    for (const issue of fits.error.issues) {
      const field = issue.path.at(-1);
      if (field === 'package' || field === 'version' || field === 'org' || field === 'topic' || field === 'name') tooLong[field] ??= issueSentence(issue, form[field]);
    }
    if (!Object.keys(tooLong).length) return { ok: false, errors: { package: 'This form cannot be read; close it and type `/fleet start` again.' } };
  }
  // Every field's problem at once: the spec schema's, with the length sentence where one is too long.
  let problems: Partial<Record<Field, string>> = {};
  try {
    specFromForm(form, owner);
  } catch (error) {
    if (!(error instanceof FleetError && error.code === 'bad_input')) throw error;
    problems = error.details.errors as Partial<Record<Field, string>>;
  }
  const all = { ...problems, ...tooLong };
  return Object.keys(all).length ? { ok: false, errors: all } : { ok: true, launch: { form } };
}

/** The modal's private metadata, or undefined when it is not what `startModal` wrote. */
export function parseMetadata(raw: string): StartMetadata | undefined {
  try {
    const result = StartMetadata.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
