import { describe, expect, test } from 'vitest';
import { failureOf } from '../../support/failure-of.js';
import { edited, runTransform } from './run-transform.js';

const goMod = `module github.com/acme/ledger

go 1.21

toolchain go1.21.5

require (
	github.com/google/uuid v1.3.0
	github.com/sirupsen/logrus v1.9.0 // pinned for the JSON formatter
	golang.org/x/sys v0.13.0 // indirect
)

require github.com/stretchr/testify v1.8.4

replace github.com/sirupsen/logrus => github.com/sirupsen/logrus v1.9.0
`;

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return runTransform('go', files, { package: 'github.com/sirupsen/logrus', version: 'v1.9.3', ...options });
}

describe('go.mod', () => {
  test('the require in a block and the replace that pins it; comments, tabs and other modules kept', async () => {
    const outcome = await bump({ 'go.mod': goMod, 'go.sum': 'x\n' });
    expect(edited(outcome, 'go.mod')).toBe(goMod.replace('logrus v1.9.0 // pinned', 'logrus v1.9.3 // pinned').replace('=> github.com/sirupsen/logrus v1.9.0', '=> github.com/sirupsen/logrus v1.9.3'));
    expect(outcome.changed).toEqual(['go.mod (require, replace; was v1.9.0)']);
    expect(outcome).toMatchObject({ declarations: 2, manager: 'go', root: '', lockfiles: ['go.sum'] });
    expect(outcome.selected).toEqual(['go.mod', 'go.sum']);
  });

  test('a single-line require, // indirect kept, the leading v added when the spec leaves it out', async () => {
    const outcome = await bump({ 'go.mod': goMod }, { package: 'golang.org/x/sys', version: '0.15.0' });
    expect(edited(outcome, 'go.mod')).toBe(goMod.replace('golang.org/x/sys v0.13.0 // indirect', 'golang.org/x/sys v0.15.0 // indirect'));
    const single = await bump({ 'go.mod': goMod }, { package: 'github.com/stretchr/testify', version: 'v1.9.0' });
    expect(edited(single, 'go.mod')).toBe(goMod.replace('testify v1.8.4', 'testify v1.9.0'));
  });

  test('go.sum is the lockfile of each edited go.mod, even where it does not exist yet; vendor/ is left out', async () => {
    const tool = 'module github.com/acme/ledger/tools\n\ngo 1.21\n\nrequire github.com/sirupsen/logrus v1.8.1\n';
    const outcome = await bump({ 'go.mod': goMod, 'go.sum': 'x\n', 'tools/go.mod': tool, 'vendor/github.com/x/go.mod': tool });
    expect(outcome.edits.map((e) => e.path)).toEqual(['go.mod', 'tools/go.mod']);
    expect(outcome.lockfiles).toEqual(['go.sum', 'tools/go.sum']);
    expect(outcome.projects?.map((p) => [p.root, p.manager, p.lockfiles, p.edits.map((e) => e.path)])).toEqual([
      ['', 'go', ['go.sum'], ['go.mod']],
      ['tools', 'go', ['tools/go.sum'], ['tools/go.mod']],
    ]);
  });

  test('already at the version; a module only named as a prefix of another is not it', async () => {
    const at = await bump({ 'go.mod': goMod.replaceAll('v1.9.0', 'v1.9.3') });
    expect(at).toMatchObject({ edits: [], already: ['go.mod'], declarations: 2 });
    const other = await bump({ 'go.mod': goMod }, { package: 'github.com/google/uuid/v2', version: 'v2.0.0' });
    expect(other).toMatchObject({ edits: [], declarations: 0 });
  });

  test('versions Go would refuse: not semver, and a v2 for a module path without /v2', async () => {
    const notSemver = await failureOf(bump({ 'go.mod': goMod }, { version: 'latest' }));
    expect(notSemver.code).toBe('change_invalid');
    expect(notSemver.message).toContain('"latest" is not a Go module version');
    const major = await failureOf(bump({ 'go.mod': goMod }, { version: 'v2.0.0' }));
    expect(major.message).toContain('lives at the module path github.com/sirupsen/logrus/v2');
    const v2 = await bump({ 'go.mod': 'module x\n\nrequire github.com/go-chi/chi/v5 v5.0.10\n' }, { package: 'github.com/go-chi/chi/v5', version: 'v5.0.12' });
    expect(edited(v2, 'go.mod')).toBe('module x\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n');
  });

  test('a block never closed is an error naming the file', async () => {
    const failure = await failureOf(bump({ 'svc/go.mod': 'module x\n\nrequire (\n\tgithub.com/sirupsen/logrus v1.9.0\n' }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toContain('svc/go.mod in acme/payments-api is not a go.mod go can read: the "require (" block on line 3 is never closed');
  });
});
