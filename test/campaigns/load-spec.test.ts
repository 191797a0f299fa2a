import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test, vi } from 'vitest';
import { formatSpecErrors, loadSpec, type SpecError } from '../../src/campaigns/load-spec.js';
import { resolveSteps } from '../../src/domain/spec.js';

const VALID = `name: bump-lodash
owner: U0OWNER01
channel: C0FLEET001
targets:
  org: acme
change:
  kind: npm-dependency
  options:
    package: lodash
    version: ^4.17.21
pr:
  title: bump lodash
steps: [open-pr, await-checks, merge]
`;

/** The spec above with one line replaced (1-based), or lines appended. */
function edit(line: number, replacement: string): string {
  const lines = VALID.split('\n');
  lines.splice(line - 1, 1, ...replacement.split('\n'));
  return lines.join('\n');
}

function errorsOf(text: string): SpecError[] {
  const result = loadSpec(text, 'spec.yml');
  if (result.ok) throw new Error('the spec was accepted');
  return result.errors;
}

function only(text: string): SpecError {
  const errors = errorsOf(text);
  expect(errors, formatSpecErrors('spec.yml', errors)).toHaveLength(1);
  return errors[0];
}

describe('loadSpec', () => {
  test('accepts a valid spec and fills in defaults', () => {
    const result = loadSpec(VALID, 'spec.yml');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.waves).toEqual([3, '10%', '50%', '100%']);
    expect(result.spec.policy).toMatchObject({ auto: 90, review: 60, failureBudget: '5%', approvalTimeout: 86_400_000 });
    expect(resolveSteps(result.spec).map((s) => s.kind)).toEqual(['open-pr', 'await-checks', 'merge']);
    expect(resolveSteps(result.spec)[1].options).toMatchObject({ timeout: 7_200_000 });
  });

  test('a key that is a list or a map is refused at its line, and nothing is printed', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const error = only(edit(5, '  org: acme\n  ? [a, b]\n  : c'));
      expect(error).toMatchObject({ line: 6, message: 'A key is a list or a map; keys in a spec are words or quoted strings' });
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  test('every example in campaigns/examples is valid', () => {
    const files = readdirSync('campaigns/examples').filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const result = loadSpec(readFileSync(`campaigns/examples/${file}`, 'utf8'), file);
      expect(result.ok ? 'ok' : formatSpecErrors(file, result.errors)).toBe('ok');
    }
  });

  test('onAbort is close by default, leave on request, and nothing else', () => {
    const byDefault = loadSpec(VALID, 'spec.yml');
    expect(byDefault.ok && byDefault.spec.onAbort).toBe('close');
    const leave = loadSpec(`${VALID}onAbort: leave\n`, 'spec.yml');
    expect(leave.ok && leave.spec.onAbort).toBe('leave');
    expect(only(`${VALID}onAbort: keep\n`)).toMatchObject({ path: 'onAbort', line: 14 });
  });

  test('a value of the wrong type', () => {
    expect(only(edit(2, 'owner: 12'))).toMatchObject({ path: 'owner', line: 2, column: 8, message: 'expected a text value, got 12', hint: expect.stringContaining('Write text') });
  });

  test('an unknown change kind gets a did-you-mean', () => {
    expect(only(edit(7, '  kind: npm-dependancy'))).toMatchObject({ path: 'change.kind', line: 7, column: 9, message: 'unknown change kind "npm-dependancy"', hint: 'Did you mean "npm-dependency"?' });
  });

  test('a change kind far from any lists the valid ones', () => {
    expect(only(edit(7, '  kind: teleport')).hint).toBe('Valid kinds: dependency, npm-dependency, json-set, yaml-set, replace, file-write, file-delete, codemod, run.');
  });

  test('an unknown step kind gets a did-you-mean', () => {
    expect(only(edit(13, 'steps: [open-pr, await-cheks, merge]'))).toMatchObject({ path: 'steps.1.kind', line: 13, column: 18, hint: 'Did you mean "await-checks"?' });
  });

  test('an unknown step option gets a did-you-mean from that step', () => {
    expect(only(edit(13, 'steps:\n  - open-pr\n  - kind: merge\n    options: { methd: squash }'))).toMatchObject({ path: 'steps.1.options.methd', line: 16, column: 16, hint: 'Did you mean "method"?' });
  });

  test('an unknown key gets a did-you-mean, or the valid keys', () => {
    expect(only(edit(12, '  title: x\n  lables: [a]'))).toMatchObject({ path: 'pr.lables', line: 13, column: 3, message: 'unknown key "lables"', hint: 'Did you mean "labels"?' });
    expect(only(`${VALID}colour: red\n`)).toMatchObject({ path: 'colour', line: 14, column: 1, hint: expect.stringContaining('Valid keys here: name, description, owner') });
  });

  test('bad wave sizes: zero, over 100%, words, falling percentages, not ending at 100%', () => {
    const errors = errorsOf(`${VALID}waves: [0, "150%", ten, "40%", "30%"]\n`);
    expect(errors.map((e) => [e.path, e.line, e.column])).toEqual([
      ['waves.0', 14, 9],
      ['waves.1', 14, 12],
      ['waves.2', 14, 20],
      ['waves.4', 14, 32],
      ['waves.4', 14, 32],
    ]);
    expect(errors[0].hint).toBe('Use a number above 0.');
    expect(errors[1].hint).toBe('Write a share between "1%" and "100%".');
    expect(errors[2].message).toContain('a count such as 5 or a percentage such as "10%"');
    expect(errors.map((e) => e.message)).toContain('wave percentages must rise: 30% does not exceed 40%');
    expect(errors.map((e) => e.hint)).toContain('End the list with "100%".');
  });

  test('thresholds out of order', () => {
    expect(only(`${VALID}policy:\n  auto: 50\n  review: 80\n`)).toMatchObject({ path: 'policy.review', line: 16, column: 11, hint: expect.stringContaining('Lower policy.review or raise policy.auto') });
  });

  test('canary thresholds out of order, and a canary step without a canary section', () => {
    const errors = errorsOf(edit(13, 'steps: [open-pr, canary, merge]\ncanary:\n  thresholds: { pass: 70, marginal: 80 }\n  metrics: [{ name: errors, direction: increase }]'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: 'canary.thresholds.marginal', line: 15 });
    expect(only(edit(13, 'steps: [open-pr, canary]'))).toMatchObject({ path: 'canary', message: expect.stringContaining('needs a "canary" section'), hint: expect.stringContaining('Add a "canary:" section') });
  });

  test('a bad time zone gets a did-you-mean', () => {
    expect(only(`${VALID}policy:\n  schedule:\n    timezone: Europe/Berlinn\n`)).toMatchObject({ path: 'policy.schedule.timezone', line: 16, column: 15, hint: 'Did you mean "Europe/Berlin"?' });
  });

  test('a YAML syntax error is reported with its place', () => {
    const [error] = errorsOf('name: x\nwaves: [1, 2\nowner: U0OWNER01\n');
    expect(error).toMatchObject({ path: '', line: 3, column: 1, message: expect.stringContaining('YAML syntax error') });
    expect(error.hint).toContain('close every "["');
    expect(errorsOf('name: a\nname: b\n')[0]).toMatchObject({ line: 2, hint: expect.stringContaining('Each key may appear once') });
  });

  test('a missing key points at its parent and says what to add', () => {
    expect(only(edit(2, ''))).toMatchObject({ path: 'owner', line: 1, message: '"owner" is required: a text value', hint: expect.stringContaining('owner: U024BE7LH') });
    expect(only(edit(12, '  draft: true'))).toMatchObject({ path: 'pr.title', line: 11, column: 1 });
  });

  test('both or neither of repos and org', () => {
    expect(only(edit(5, '  org: acme\n  repos: [acme/a]'))).toMatchObject({ path: 'targets', line: 4, hint: expect.stringContaining('delete the other') });
  });

  test('a malformed id says what an id looks like', () => {
    expect(only(edit(3, 'channel: general'))).toMatchObject({ path: 'channel', line: 3, column: 10, message: 'expected a Slack channel id such as C024BE91L', hint: 'Write a Slack channel id such as C024BE91L.' });
  });

  test('reports every problem at once, in line order', () => {
    const errors = errorsOf(edit(2, 'owner: 12').replace('kind: npm-dependency', 'kind: npm-dependancy').replace('title: bump lodash', 'titel: bump lodash'));
    expect(errors.map((e) => e.path)).toEqual(['owner', 'change.kind', 'pr.title', 'pr.titel']);
    expect(errors.map((e) => e.line)).toEqual([2, 7, 11, 12]);
  });

  test('a document that is not a mapping', () => {
    expect(only('- a\n- b\n')).toMatchObject({ path: '', line: 1, hint: expect.stringContaining('campaigns/examples') });
    expect(only('')).toMatchObject({ path: '' });
  });
});

describe('formatSpecErrors', () => {
  test('prints file:line:column path: message. Hint: hint', () => {
    const text = formatSpecErrors('spec.yml', [
      { path: 'policy.review', line: 12, column: 5, message: 'the review threshold must not be above the auto threshold', hint: 'Lower it.' },
      { path: '', line: null, column: null, message: 'Empty.', hint: 'Write a spec.' },
    ]);
    expect(text).toBe('spec.yml:12:5 policy.review: the review threshold must not be above the auto threshold. Hint: Lower it.\nspec.yml Empty. Hint: Write a spec.');
  });
});

describe('targets', () => {
  test('a canary outside an explicit repos list is refused', () => {
    const text = edit(5, '  repos: [acme/a, acme/b]\n  canary: [acme/a, acme/c]');
    expect(only(text)).toMatchObject({ path: 'targets.canary.1', line: 6, column: 20, hint: 'Add acme/c to "repos" or remove it from "canary".' });
  });
});

describe('hostile input', () => {
  test('an alias bomb is refused, not expanded', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const [error] = errorsOf(lines.join('\n'));
    expect(error.message).toContain('YAML aliases could not be expanded');
  });

  test('an oversized spec is refused before parsing', () => {
    const [error] = errorsOf(`description: "${'x'.repeat(1_200_000)}"\n`);
    expect(error.message).toContain('a spec may have at most 1100000');
  });
});
