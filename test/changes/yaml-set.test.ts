import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { failureOf } from '../support/failure-of.js';

const ctx = { repo: 'acme/payments-api' };
const PATH = '.github/workflows/ci.yml';
const workflow = readFileSync(new URL('./fixtures/workflows/ci.yml', import.meta.url), 'utf8');

function setYaml(text: string | undefined, key: string, value: unknown, extra: Record<string, unknown> = {}) {
  const files = new Map<string, string>(text === undefined ? [] : [[PATH, text]]);
  return applyChange({ kind: 'yaml-set', options: { path: PATH, key, value, ...extra } }, files, ctx);
}

describe('a GitHub workflow with comments', () => {
  test('replacing a scalar keeps its trailing comment and every other byte', async () => {
    const result = await setYaml(workflow, 'jobs.test.runs-on', 'ubuntu-24.04');
    expect(result.files[0].content).toBe(workflow.replace('runs-on: ubuntu-22.04 # pinned', 'runs-on: ubuntu-24.04 # pinned'));
    expect(result.stats).toEqual({ filesChanged: 1, additions: 1, deletions: 1 });
  });

  test('a quoted scalar keeps its quotes', async () => {
    const single = await setYaml(workflow, 'jobs.test.steps.1.with.node-version-file', '.node-version');
    expect(single.files[0].content).toBe(workflow.replace("node-version-file: '.nvmrc'", "node-version-file: '.node-version'"));
    const double = await setYaml(workflow, 'jobs.test.steps.1.with.cache', 'pnpm');
    expect(double.files[0].content).toBe(workflow.replace('cache: "npm"', 'cache: "pnpm"'));
  });

  test('a list item is reached by its index', async () => {
    const result = await setYaml(workflow, 'jobs.test.steps.0.uses', 'actions/checkout@v4');
    expect(result.files[0].content).toBe(workflow.replace('      - uses: actions/checkout@v3\n      #', '      - uses: actions/checkout@v4\n      #'));
  });

  test('a new key joins its mapping in the mapping own column', async () => {
    const result = await setYaml(workflow, 'jobs.test.env', { CI: true, NODE_OPTIONS: '--max-old-space-size=4096' });
    expect(result.files[0].content).toBe(
      workflow.replace('          npm run lint\n', '          npm run lint\n    env:\n      CI: true\n      NODE_OPTIONS: --max-old-space-size=4096\n'),
    );
  });

  test('a new key in a mapping inside a list item', async () => {
    const result = await setYaml(workflow, 'jobs.test.steps.1.with.registry-url', 'https://npm.pkg.github.com');
    expect(result.files[0].content).toBe(workflow.replace('          cache: "npm"\n', '          cache: "npm"\n          registry-url: https://npm.pkg.github.com\n'));
  });

  test('a new top-level key goes at the end', async () => {
    const result = await setYaml(workflow, 'concurrency.group', 'ci-${{ github.ref }}');
    expect(result.files[0].content).toBe(`${workflow}concurrency:\n  group: ci-\${{ github.ref }}\n`);
    expect(parse(result.files[0].content!)).toMatchObject({ concurrency: { group: 'ci-${{ github.ref }}' } });
  });

  test('a string that YAML would read as another type is quoted', async () => {
    const result = await setYaml(workflow, 'jobs.test.timeout-minutes', '30');
    expect(result.files[0].content).toContain('timeout-minutes: "30"\n');
    expect(parse(result.files[0].content!).jobs.test['timeout-minutes']).toBe('30');
  });

  test('a flow list replaced by another stays a flow list, comment kept', async () => {
    const result = await setYaml(workflow, 'on.push.branches', ['main', 'release/*']);
    expect(result.files[0].content).toBe(workflow.replace('branches: [main]   #', 'branches: [ main, release/* ]   #'));
  });

  test('a block mapping replaced by another keeps its column', async () => {
    const result = await setYaml(workflow, 'permissions', { contents: 'read', 'pull-requests': 'write' });
    expect(result.files[0].content).toBe(workflow.replace('permissions:\n  contents: read\n', 'permissions:\n  contents: read\n  pull-requests: write\n'));
  });

  test('a block list written at the key column stays there', async () => {
    const result = await setYaml(workflow, 'jobs.deploy.steps', [{ uses: 'actions/checkout@v4' }, { run: './scripts/deploy.sh --prod' }]);
    expect(result.files[0].content).toBe(workflow.replace('    - uses: actions/checkout@v3\n    - run: ./scripts/deploy.sh\n', '    - uses: actions/checkout@v4\n    - run: ./scripts/deploy.sh --prod\n'));
  });

  test('a scalar turned into a mapping is written on one line, nothing else moves', async () => {
    const result = await setYaml(workflow, 'jobs.test.runs-on', { group: 'large-runners', labels: ['linux'] });
    expect(result.files[0].content).toBe(workflow.replace('runs-on: ubuntu-22.04 # pinned', 'runs-on: { group: large-runners, labels: [ linux ] } # pinned'));
  });

  test('a key under an empty value (`pull_request:`) turns it into a mapping in place', async () => {
    const result = await setYaml(workflow, 'on.pull_request.branches', ['main']);
    // This file writes some lists at their key's column, so the new list follows that style.
    expect(result.files[0].content).toBe(workflow.replace('  pull_request:\n', '  pull_request:\n    branches:\n    - main\n'));
    expect(parse(result.files[0].content!).on.pull_request).toEqual({ branches: ['main'] });
  });

  test('a value already set is a no-op with the reason', async () => {
    const result = await setYaml(workflow, 'jobs.test.timeout-minutes', 15);
    expect(result).toMatchObject({ noop: true, reason: 'jobs.test.timeout-minutes is already 15 in .github/workflows/ci.yml', diff: '' });
    const list = await setYaml(workflow, 'on.push.branches', ['main']);
    expect(list.noop).toBe(true);
  });
});

describe('layouts', () => {
  test.each([
    ['CRLF, new key', 'a:\r\n  b: 1\r\n', 'a.c', 2, 'a:\r\n  b: 1\r\n  c: 2\r\n'],
    ['CRLF, replaced scalar', 'a:\r\n  b: 1\r\n', 'a.b', 2, 'a:\r\n  b: 2\r\n'],
    ['no final newline', 'a:\n  b: 1', 'a.c', 2, 'a:\n  b: 1\n  c: 2'],
    ['four-space indent', 'a:\n    b: 1\n', 'a.c.d', 2, 'a:\n    b: 1\n    c:\n        d: 2\n'],
    ['lists at the key column', 'a:\n  b: 1\nsteps:\n- x\n', 'a.c', ['y', 'z'], 'a:\n  b: 1\n  c:\n  - y\n  - z\nsteps:\n- x\n'],
    ['flow mapping', 'a: {b: 1} # keep\nz: [1,   2]\n', 'a.c', 2, 'a: { b: 1, c: 2 } # keep\nz: [1,   2]\n'],
    ['list item scalar to a list', '# head\n- null\n', '0', [], '# head\n- []\n'],
    ['flow list to a scalar', '# head\n- [1]\n', '0', null, '# head\n- null\n'],
    ['block mapping to a scalar', 'a: # note\n  b: 1\n  c: 2\nd: 3\n', 'a', 'true', 'a: "true"\nd: 3\n'],
    ['block list item mapping to a scalar', '- a: 1\n  b: 2\n- z\n', '0', 5, '- 5\n- z\n'],
    ['empty document', '', 'a.b', 1, 'a:\n  b: 1\n'],
    ['comment-only document', '# nothing yet\n', 'a', 1, '# nothing yet\n\na: 1\n'],
    ['empty value set to a scalar', 'a:\n  b:\nc: 1\n', 'a.b', 1, 'a:\n  b: 1\nc: 1\n'],
    ['empty value with a comment', 'a:\n  b: # note\n', 'a.b', 'x', 'a:\n  b: x # note\n'],
    ['empty value set to an empty list', 'a:\n  b:\n', 'a.b', [], 'a:\n  b: []\n'],
    ['empty value set to a mapping, CRLF', 'a:\r\n  b:\r\nc: 1\r\n', 'a.b', { d: [1] }, 'a:\r\n  b:\r\n    d:\r\n      - 1\r\nc: 1\r\n'],
    ['through an empty value', 'on:\n  push:\n', 'on.push.tags', ['v*'], 'on:\n  push:\n    tags:\n      - v*\n'],
    ['through an explicit null', 'on:\n  push: ~ # all\n', 'on.push.tags', ['v*'], 'on:\n  push: { tags: [ v* ] } # all\n'],
  ])('%s', async (_name, text, key, value, expected) => {
    const result = await setYaml(text, key, value);
    expect(result.files[0]?.content).toBe(expected);
  });
});

describe('missing files', () => {
  test('without createFile the repository is left alone', async () => {
    expect(await setYaml(undefined, 'a', 1)).toMatchObject({ noop: true, reason: '.github/workflows/ci.yml does not exist (set createFile to create it)' });
  });

  test('with createFile the file is created', async () => {
    const result = await setYaml(undefined, 'updates.0.package-ecosystem', 'npm', { createFile: true });
    expect(result.files[0].content).toBe('updates:\n  "0":\n    package-ecosystem: npm\n');
  });
});

describe('files the change cannot apply to', () => {
  test.each([
    ['invalid YAML', 'a: [1\nb: 2\n', 'a', /\.github\/workflows\/ci\.yml in acme\/payments-api is not valid YAML at line \d+, column \d+/],
    ['several documents', 'a: 1\n---\nb: 2\n', 'a', /is not valid YAML/],
    ['a scalar on the way', 'a: 1\n', 'a.b', /a is the value 1, not a mapping/],
    ['a list on the way', 'a: [1]\n', 'a.b', /a is a list, not a mapping/],
    ['a top-level list', '- 1\n', 'a', /the top level is a list/],
  ])('%s is change_failed', async (_name, text, key, message) => {
    const failure = await failureOf(setYaml(text, key, 2));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(message);
  });
});
