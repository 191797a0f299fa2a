import { describe, expect, test } from 'vitest';
import { failureOf } from '../../support/failure-of.js';
import { edited, runTransform } from './run-transform.js';

const sha = 'b4ffde65f46336ab88eb53be808477a3936bae11';
const newSha = '11bd71901bbe5b1630ceea73d27597364c9af683';
const workflow = `name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@${sha} # v4.1.1
      - uses: "actions/setup-node@v3"
        with:
          node-version: 20
      - name: cache
        uses: actions/cache/restore@v3
      - uses: ./.github/actions/local
      - uses: actions/checkout-extra@v1
`;

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return runTransform('actions', files, { package: 'actions/checkout', version: 'v4.2.2', ...options });
}

describe('GitHub Actions uses:', () => {
  test('a sha with a version comment becomes a tag: the comment goes', async () => {
    const outcome = await bump({ '.github/workflows/ci.yml': workflow });
    expect(edited(outcome, '.github/workflows/ci.yml')).toBe(workflow.replace(`actions/checkout@${sha} # v4.1.1`, 'actions/checkout@v4.2.2'));
    expect(outcome.changed).toEqual([`.github/workflows/ci.yml (uses; was ${sha})`]);
  });

  test('a sha for a sha keeps the comment; quotes and sub-paths are handled', async () => {
    const pinned = await bump({ '.github/workflows/ci.yml': workflow }, { version: newSha });
    expect(edited(pinned, '.github/workflows/ci.yml')).toBe(workflow.replace(sha, newSha));
    const cache = await bump({ '.github/workflows/ci.yml': workflow, 'action.yml': 'runs:\n  using: composite\n  steps:\n    - uses: actions/cache@v3\n' }, { package: 'actions/cache', version: 'v4' });
    expect(edited(cache, '.github/workflows/ci.yml')).toBe(workflow.replace('actions/cache/restore@v3', 'actions/cache/restore@v4'));
    expect(edited(cache, 'action.yml')).toContain('- uses: actions/cache@v4\n');
    const quoted = await bump({ '.github/workflows/ci.yml': workflow }, { package: 'actions/setup-node', version: 'v4' });
    expect(edited(quoted, '.github/workflows/ci.yml')).toContain('- uses: "actions/setup-node@v4"\n');
  });

  test('files that are not workflows are not read; already at the ref', async () => {
    const outcome = await bump({ '.github/dependabot.yml': 'x: actions/checkout@v1\n', 'docs/ci.yml': '- uses: actions/checkout@v1\n' });
    expect(outcome.selected).toEqual([]);
    const already = await bump({ '.github/workflows/a.yaml': '    - uses: actions/checkout@v4.2.2\n' });
    expect(already).toMatchObject({ edits: [], already: ['.github/workflows/a.yaml'] });
  });

  test('a ref git cannot have is refused', async () => {
    const failure = await failureOf(bump({ '.github/workflows/ci.yml': workflow }, { version: '-v4' }));
    expect(failure.code).toBe('change_invalid');
  });
});

describe('a uses: GitHub would refuse', () => {
  test('the package without a ref fails naming the file and line', async () => {
    const failure = await failureOf(bump({ '.github/workflows/release.yml': 'jobs:\n  r:\n    steps:\n      - uses: actions/checkout\n' }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toContain('.github/workflows/release.yml in acme/payments-api uses actions/checkout without a ref on line 4');
  });
});
