import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { renderSpecReference, specReferenceCommand, specSections, staleDescriptions, undescribedFields } from '../../src/cli/spec-reference.js';
import { CHANGE_KINDS } from '../../src/changes/options.js';
import { STEP_KINDS } from '../../src/domain/step-options.js';
import { capture } from './capture-io.js';

const DOC = fileURLToPath(new URL('../../docs/spec.md', import.meta.url));

describe('docs/spec.md, the spec reference', () => {
  test('is what the schema generates now (run `npm run docs:spec` after changing the spec)', () => {
    expect(readFileSync(DOC, 'utf8'), 'docs/spec.md is stale: run `npm run docs:spec` and commit it').toBe(renderSpecReference());
  });

  test('every field of the schema has a description, and every description a field', () => {
    expect(undescribedFields()).toEqual([]);
    expect(staleDescriptions()).toEqual([]);
  });

  test('it lists every section, change kind and step kind, with types and defaults from the schema', () => {
    const text = renderSpecReference();
    for (const kind of CHANGE_KINDS) expect(text).toContain(`## Change \`${kind}\``);
    for (const kind of STEP_KINDS) expect(text).toContain(`## Step \`${kind}\``);
    expect(text).toMatch(/\| `name` \| string \| required \|/);
    expect(text).toMatch(/\| `policy\.auto` \| number 0–100 \| `90` \|/);
    expect(text).toMatch(/\| `waves` \| list of count or percentage \(at least 1\) \| `\[3,"10%","50%","100%"\]` \|/);
    expect(text).toMatch(/\| `onAbort` \| `close` \\\| `leave` \| `"close"` \|/);
    expect(text).toMatch(/\| `options\.timeout` \| duration \| `"2h"` \| A duration/);
    const fields = specSections().flatMap((s) => s.rows);
    expect(fields.find((r) => r.key === 'canary.metrics[].name')).toMatchObject({ required: true });
    expect(fields.find((r) => r.key === 'policy.fourEyes')).toMatchObject({ required: false, default: true });
  });

  test('`fleet spec-reference` prints it; arguments are bad usage', async () => {
    const io = capture();
    expect(await specReferenceCommand.run([], io)).toBe(0);
    expect(io.out).toBe(renderSpecReference());
    const bad = capture();
    expect(await specReferenceCommand.run(['--write'], bad)).toBe(2);
    expect(bad.err).toContain('Usage: fleet spec-reference');
  });
});
