import { describe, expect, test } from 'vitest';
import { changeCountText, previewMessage } from '../../src/slack/blocks/preview.js';
import { readStartSubmission, specFromForm, startFormModal, startModal } from '../../src/slack/start-modal.js';
import { findLimitBreaches } from './check-limits.js';

const META = JSON.stringify({ channel: 'C0FLEET001' });
const input = (value: string) => ({ value });

describe('start modal', () => {
  test('the modal stays within view limits with a large catalog', () => {
    const catalog = Array.from({ length: 300 }, (_, i) => ({ name: `spec-${i}-${'n'.repeat(200)}`, title: `Title ${'t'.repeat(120)} 🚀`, changeKind: 'npm-dependency', owner: 'U0OWNER01' }));
    const view = startModal({ catalog, channel: 'C0FLEET001' });
    expect(findLimitBreaches(view.blocks, 'view')).toEqual([]);
    const select = (view.blocks[0] as { element: { options: { text: { text: string }; value: string }[] } }).element;
    expect(select.options).toHaveLength(100);
    expect(select.options.every((o) => o.text.text.length <= 75 && o.value.length <= 150)).toBe(true);
  });

  test('a catalog choice launches that spec', () => {
    expect(readStartSubmission({ spec: { spec: { selected_option: { value: 'bump-lodash' } } } }, META, 'U0OWNER01')).toEqual({ ok: true, launch: { catalog: 'bump-lodash' } });
  });

  test('a catalog choice and a filled form at once is refused on the spec field', () => {
    const result = readStartSubmission({ spec: { spec: { selected_option: { value: 'x' } } }, package: { package: input('lodash') } }, META, 'U0OWNER01');
    expect(result).toEqual({ ok: false, errors: { spec: expect.stringContaining('not both') } });
  });

  test('the short form names the campaign from the package and leaves out the canary', () => {
    const spec = specFromForm({ kind: 'npm-dependency', name: '', package: '@scope/left-pad', version: '^2.0.0', org: 'acme', topic: 'frontend', channel: 'C0FLEET001' }, 'U0OWNER01');
    expect(spec.name).toBe('bump-scope-left-pad');
    expect(spec.targets).toMatchObject({ org: 'acme', topics: ['frontend'] });
    expect(spec.steps).not.toContain('canary');
    expect(spec.owner).toBe('U0OWNER01');
  });

  test('a bad organisation or name is reported on its own field', () => {
    const result = readStartSubmission({ package: { package: input('lodash') }, version: { version: input('1') }, org: { org: input('not an org!') }, name: { name: input('Bad Name') } }, META, 'U0OWNER01');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['name', 'org']);
  });

  test('a form whose metadata was tampered with is refused', () => {
    const result = readStartSubmission({ package: { package: input('lodash') }, version: { version: input('1') }, org: { org: input('acme') } }, '{"channel":"nope"}', 'U0OWNER01');
    expect(result.ok).toBe(false);
  });
});

describe('the start modal speaks in sentences and names specs', () => {
  const form = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { [k]: input(v) }]));

  test('catalog entries are named by name and owner, so two with one title read differently', () => {
    const view = startModal({ catalog: [{ name: 'bump-lodash', title: 'Bump lodash', changeKind: 'npm-dependency', owner: 'U0OWNER01' }, { name: 'sandbox-bump-lodash', title: 'Bump lodash', changeKind: 'npm-dependency', owner: 'U0ADMIN01' }], channel: 'C0FLEET001' });
    const select = view.blocks[0] as { optional: boolean; element: { options: { text: { text: string }; description: { text: string } }[] } };
    expect(select.optional).toBe(false);
    expect(select.element.options.map((o) => o.text.text)).toEqual(['bump-lodash: Bump lodash', 'sandbox-bump-lodash: Bump lodash']);
    expect(select.element.options.map((o) => o.description.text)).toEqual(['npm-dependency, owner U0OWNER01', 'npm-dependency, owner U0ADMIN01']);
    expect(JSON.stringify(view.blocks[1])).toContain('*sandbox-bump-lodash*: owned by <@U0ADMIN01>');
  });

  test('the short form marks package, version and organisation required and says "(optional)" nowhere itself', () => {
    const view = startFormModal({ channel: 'C0FLEET001' });
    const inputs = view.blocks.filter((b) => b.type === 'input') as { block_id: string; optional: boolean; label: { text: string } }[];
    expect(inputs.map((b) => [b.block_id, b.optional])).toEqual([['package', false], ['version', false], ['org', false], ['topic', true], ['name', true]]);
    expect(inputs.every((b) => !b.label.text.includes('optional'))).toBe(true);
    expect(startModal({ catalog: [], channel: 'C0FLEET001' }).blocks).toEqual(view.blocks);
  });

  test('a version npm cannot read, a bad name and a too-long field each get a sentence, never zod text', () => {
    const result = readStartSubmission(form({ package: 'lodash', version: 'banana', org: 'acme', name: 'Bad Name', topic: 't'.repeat(60) }), META, 'U0OWNER01');
    expect(result).toEqual({
      ok: false,
      errors: {
        version: '"banana" is not a version or range npm understands, such as "4.17.21", "^4.17.21" or ">=4 <5".',
        name: '"Bad Name" is not a name of lowercase letters, digits and dashes (2 to 63 characters).',
        topic: 'This is too long: 60 characters where at most 50 fit.',
      },
    });
  });

  test('a valid form is a launch of the form', () => {
    expect(readStartSubmission(form({ package: 'lodash', version: '>=4 <5', org: 'acme' }), META, 'U0OWNER01')).toMatchObject({ ok: true, launch: { form: { package: 'lodash', version: '>=4 <5', org: 'acme' } } });
  });
});

describe('the preview counts', () => {
  test.each([
    [{ targets: 48, sampled: 48, noChange: 0, failed: 0 }, '48 targets: all 48 need the change.'],
    [{ targets: 48, sampled: 48, noChange: 3, failed: 0 }, '48 targets: 45 need the change and 3 need no change.'],
    [{ targets: 48, sampled: 10, noChange: 3, failed: 1 }, '48 targets. Of 10 sampled, 6 need the change, 3 need no change and the change fails on 1; the other 38 are read when their wave runs.'],
    [{ targets: 48, sampled: 10, noChange: 0, failed: 0 }, '48 targets. Of 10 sampled, all 10 need the change; the other 38 are read when their wave runs.'],
    [{ targets: 11, sampled: 10, noChange: 1, failed: 0 }, '11 targets. Of 10 sampled, 9 need the change and 1 needs no change; the other 1 is read when its wave runs.'],
    [{ targets: 1, sampled: 1, noChange: 0, failed: 0 }, '1 target: it needs the change.'],
    [{ targets: 5, sampled: 0, noChange: 0, failed: 0 }, '5 targets; none could be read for the preview, so which need the change is not known yet.'],
  ])('%o', (input, text) => {
    expect(changeCountText(input)).toBe(text);
  });

  test('the preview message says when it was made and that its Launch lasts ten minutes', () => {
    const m = previewMessage({ name: 'bump-lodash', targets: 3, sampled: 3, noChange: 1, failed: [{ repo: 'acme/d', reason: 'package.json in acme/d is not valid JSON' }], at: Date.UTC(2026, 11, 1, 14, 2), waves: [{ index: 0, repos: ['acme/a', 'acme/b', 'acme/d'] }], sampleRepo: 'acme/a', sampleDiff: '-1\n+2', github: { requests: 40, contentRequests: 12, remaining: 4900 }, estimate: { minutes: 90, explanation: '1 wave' }, launch: { catalog: 'bump-lodash', p: 'p-0123456789ab', at: Date.UTC(2026, 11, 1, 14, 2), h: '0123456789abcdef' } });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('3 targets: 1 needs the change, 1 needs no change and the change fails on 1.');
    expect(text).toContain('The change fails on `acme/d`: package.json in acme/d is not valid JSON');
    expect(text).toContain('Preview made at 14:02 UTC; its Launch button works for 10 minutes.');
  });
});
