import type { types } from '@slack/bolt';
import { z } from 'zod';
import { CampaignSpec } from '../domain/spec.js';
import type { CatalogEntry } from '../campaigns/service-types.js';
import { FleetError } from '../errors.js';
import { DEFAULT_PATH } from '../domain/step-options.js';
import { truncate } from './blocks/text.js';
import { LaunchValue } from './blocks/action-ids.js';

export const START_CALLBACK = 'fleet.start';

/** Block and action ids of the modal's inputs (block_id = action_id = field name). */
type Field = 'spec' | 'name' | 'package' | 'version' | 'org' | 'topic';

export const StartMetadata = z.object({ channel: z.string().regex(/^[CGD][A-Z0-9]{2,}$/) });
export type StartMetadata = z.infer<typeof StartMetadata>;

function textInput(field: Field, label: string, hint: string, placeholder: string, max: number): types.InputBlock {
  return {
    type: 'input',
    block_id: field,
    optional: true,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: { type: 'plain_text_input', action_id: field, max_length: max, placeholder: { type: 'plain_text', text: placeholder } },
  };
}

/**
 * The `/fleet start` modal: a catalog spec, or the short form of a dependency bump.
 *
 * @example startModal({ catalog: [{ name: 'bump-lodash', title: 'Bump lodash', changeKind: 'npm-dependency' }], channel: 'C1' })
 */
export function startModal(input: { catalog: CatalogEntry[]; channel: string }): types.ModalView {
  const blocks: types.KnownBlock[] = [];
  if (input.catalog.length) {
    blocks.push({
      type: 'input',
      block_id: 'spec',
      optional: true,
      label: { type: 'plain_text', text: 'A spec from the catalog' },
      element: {
        type: 'static_select',
        action_id: 'spec',
        placeholder: { type: 'plain_text', text: 'Choose a spec' },
        // Slack allows 100 options of at most 75 characters, values of at most 150.
        options: input.catalog.slice(0, 100).map((c) => ({
          text: { type: 'plain_text' as const, text: truncate(`${c.title} (${c.changeKind})`, 75) },
          value: truncate(c.name, 150),
        })),
      },
    });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Or* bump an npm dependency across an organisation:' } });
  }
  blocks.push(
    textInput('package', 'npm package', 'The package to bump, e.g. lodash or @scope/name', 'lodash', 214),
    textInput('version', 'Version', 'The version range to set, e.g. ^4.17.21', '^4.17.21', 100),
    textInput('org', 'GitHub organisation', 'Every repository of this organisation that uses the package', 'acme', 39),
    textInput('topic', 'Repository topic (optional)', 'Only repositories with this topic', 'frontend', 50),
    textInput('name', 'Campaign name (optional)', 'Lowercase letters, digits and dashes; made from the package when empty', 'bump-lodash', 63),
  );
  return {
    type: 'modal',
    callback_id: START_CALLBACK,
    private_metadata: JSON.stringify({ channel: input.channel } satisfies StartMetadata),
    title: { type: 'plain_text', text: 'Start a campaign' },
    submit: { type: 'plain_text', text: 'Preview' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

type ViewValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;

export type StartSubmission = { ok: true; launch: LaunchValue } | { ok: false; errors: Partial<Record<Field, string>> };

function slug(text: string): string {
  return text.toLowerCase().replace(/^@/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

type FormValue = Extract<LaunchValue, { form: unknown }>['form'];

/**
 * The campaign spec for the short form, owned by `owner`, posted to the form's channel. Throws
 * FleetError('bad_input') whose details map each problem to the modal field it concerns.
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
    const path = issue.path.join('.');
    const field: Field = path.startsWith('change.options.package')
      ? 'package'
      : path.startsWith('change.options.version')
        ? 'version'
        : path.startsWith('targets.topics')
          ? 'topic'
          : path.startsWith('targets')
            ? 'org'
            : 'name';
    errors[field] ??= `This should be ${issue.message}.`;
  }
  throw new FleetError('bad_input', `The form has problems: ${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join(' ')}`, { errors });
}

/**
 * Reads and validates the modal's values: a catalog choice wins; otherwise the form must be
 * complete and make a valid spec. Errors are per block, for `response_action: 'errors'`.
 */
export function readStartSubmission(values: ViewValues, metadata: string, owner: string): StartSubmission {
  const text = (f: Field) => (values[f]?.[f]?.value ?? '').trim();
  const chosen = values.spec?.spec?.selected_option?.value;
  const filled = (['package', 'version', 'org', 'topic', 'name'] as const).filter((f) => text(f) !== '');
  if (chosen && filled.length) return { ok: false, errors: { spec: 'Choose a catalog spec or fill the form below, not both.' } };
  if (chosen) return { ok: true, launch: { catalog: chosen } };
  const errors: Partial<Record<Field, string>> = {};
  if (!text('package')) errors.package = 'Give the npm package to bump (or choose a catalog spec).';
  if (!text('version')) errors.version = 'Give the version to set, e.g. ^4.17.21.';
  if (!text('org')) errors.org = 'Give the GitHub organisation whose repositories to change.';
  if (Object.keys(errors).length) return { ok: false, errors };
  const meta = parseMetadata(metadata);
  if (!meta) return { ok: false, errors: { package: 'This form lost track of its channel; close it and type `/fleet start` again.' } };
  const form: FormValue = { kind: 'npm-dependency', name: text('name'), package: text('package'), version: text('version'), org: text('org'), topic: text('topic'), channel: meta.channel };
  // Slack enforces max_length only in its own client: a longer value would make a Launch button
  // that Fleet itself refuses to read when it is clicked, so it is refused here, per field.
  const fits = LaunchValue.safeParse({ form });
  if (!fits.success) {
    const tooLong: Partial<Record<Field, string>> = {};
    for (const issue of fits.error.issues) {
      const field = issue.path.at(-1);
      if (field === 'package' || field === 'version' || field === 'org' || field === 'topic' || field === 'name') tooLong[field] ??= `This is too long: ${issue.message}.`;
    }
    return { ok: false, errors: Object.keys(tooLong).length ? tooLong : { package: 'This form cannot be read; close it and type `/fleet start` again.' } };
  }
  try {
    specFromForm(form, owner);
  } catch (error) {
    if (error instanceof FleetError && error.code === 'bad_input') return { ok: false, errors: error.details.errors as Partial<Record<Field, string>> };
    throw error;
  }
  return { ok: true, launch: { form } };
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
