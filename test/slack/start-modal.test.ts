import { describe, expect, test } from 'vitest';
import { readStartSubmission, specFromForm, startModal } from '../../src/slack/start-modal.js';
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
