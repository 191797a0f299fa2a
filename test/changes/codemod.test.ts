import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { resolveCodemod } from '../../src/changes/codemod.js';
import { failureOf } from '../support/failure-of.js';

let root: string;
let catalog: string;
let outside: string;

const files = new Map([
  ['src/app.ts', "import log from 'old-log';\nlog('hi');\n"],
  ['src/util.ts', 'export const two = 2;\n'],
  ['README.md', '# app\n'],
]);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fleet-codemod-'));
  catalog = join(root, 'catalog');
  outside = join(root, 'outside');
  mkdirSync(join(catalog, 'codemods'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  const mods: Record<string, string> = {
    'rename-import.mjs': `export function transform(files, options) {
      const out = {};
      for (const [path, text] of Object.entries(files)) {
        const next = text.replaceAll(options.from, options.to);
        if (next !== text) out[path] = next;
      }
      return out;
    }`,
    'async-add.mjs': `export async function transform(files, options) {
      await new Promise((r) => setTimeout(r, 5));
      return { 'CODEOWNERS': '* @' + options.team + '\\n', 'README.md': null, 'src/util.ts': files['src/util.ts'] };
    }`,
    'common-js.js': `exports.transform = (files) => ({ 'src/util.ts': files['src/util.ts'].replace('2', '3') });`,
    'list-keys.mjs': `export function transform(files, options) { return { 'seen.txt': Object.keys(files).join(',') + ' ' + options.repo + '\\n' }; }`,
    'peek-env.mjs': `export function transform() { return { 'env.txt': String(Object.keys(process.env).length) + '\\n' }; }`,
    'forever.mjs': `export function transform() { for (;;) {} }`,
    'throws.mjs': `export function transform() { throw new Error('cannot parse src/app.ts'); }`,
    'no-export.mjs': `export const nothing = 1;`,
    'bad-result.mjs': `export function transform() { return ['src/app.ts']; }`,
    'bad-path.mjs': `export function transform() { return { '../escape.txt': 'x' }; }`,
    'bad-content.mjs': `export function transform() { return { 'a.txt': 42 }; }`,
    'syntax-error.mjs': `export function transform( {`,
  };
  for (const [name, source] of Object.entries(mods)) writeFileSync(join(catalog, 'codemods', name), source);
  writeFileSync(join(outside, 'evil.mjs'), `export function transform() { return { 'pwned.txt': 'x' }; }`);
  symlinkSync(join(outside, 'evil.mjs'), join(catalog, 'codemods', 'linked.mjs'));
  // A catalog whose codemods folder is itself a link out of the catalog.
  mkdirSync(join(root, 'catalog-linked'));
  symlinkSync(outside, join(root, 'catalog-linked', 'codemods'));
  writeFileSync(join(outside, 'inner.mjs'), `export function transform() { return { 'pwned.txt': 'x' }; }`);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function codemod(module: string, extra: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  return applyChange({ kind: 'codemod', options: { module, ...extra } }, files, { repo: 'acme/app', catalogDir: catalog, ...context });
}

describe('running codemods from the catalog', () => {
  test('an ESM codemod changes the files it returns', async () => {
    const result = await codemod('rename-import', { paths: ['src/**'], options: { from: 'old-log', to: 'new-log' } });
    expect(result.files).toEqual([{ path: 'src/app.ts', content: "import log from 'new-log';\nlog('hi');\n" }]);
    expect(result.reason).toBe('Codemod rename-import changed 1 file');
    expect(result.diff).toContain("-import log from 'old-log';\n+import log from 'new-log';\n");
  });

  test('an async codemod adds and deletes files; returning a file unchanged is not a change', async () => {
    const result = await codemod('async-add', { options: { team: 'payments' } });
    expect(result.files).toEqual([
      { path: 'CODEOWNERS', content: '* @payments\n' },
      { path: 'README.md', content: null },
    ]);
    expect(result.diff).toContain('new file mode 100644');
    expect(result.diff).toContain('deleted file mode 100644');
  });

  test('a CommonJS codemod', async () => {
    const result = await codemod('common-js');
    expect(result.files).toEqual([{ path: 'src/util.ts', content: 'export const two = 3;\n' }]);
  });

  test('the codemod sees only the files its paths select, and the repository name', async () => {
    const result = await codemod('list-keys', { paths: ['**/*.ts'] });
    expect(result.files[0].content).toBe('src/app.ts,src/util.ts acme/app\n');
  });

  test('the codemod runs with an empty environment', async () => {
    const result = await codemod('peek-env');
    expect(result.files[0].content).toBe('0\n');
  });

  test('a codemod that changes nothing is a no-op', async () => {
    const result = await codemod('rename-import', { paths: ['src/**'], options: { from: 'absent', to: 'x' } });
    expect(result).toMatchObject({ noop: true, reason: 'codemod rename-import made no change to the 2 files it read', diff: '' });
  });

  test('resolveCodemod finds .js and .mjs modules', async () => {
    expect(await resolveCodemod(catalog, 'common-js')).toMatch(/codemods\/common-js\.js$/);
    expect(await resolveCodemod(catalog, 'forever')).toMatch(/codemods\/forever\.mjs$/);
  });
});

describe('only catalog code loads', () => {
  test.each([['../outside/evil'], ['/etc/passwd'], ['codemods/../../outside/evil'], ['Evil'], ['']])('the module name %j is refused', async (module) => {
    const failure = await failureOf(codemod(module));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/module: a codemod name from the catalog/);
  });

  test('a symbolic link out of the catalog is refused', async () => {
    const failure = await failureOf(codemod('linked'));
    expect(failure).toEqual({
      code: 'change_invalid',
      message: `The codemod linked.mjs links to a file outside the catalog, so it is not loaded. Copy the module into ${catalog}/codemods instead of linking to it.`,
    });
  });

  test('a codemods folder that links out of the catalog is refused', async () => {
    const failure = await failureOf(codemod('inner', {}, { catalogDir: join(root, 'catalog-linked') }));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/points outside the catalog/);
  });

  test('no catalog configured', async () => {
    const failure = await failureOf(codemod('rename-import', {}, { catalogDir: undefined }));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/needs a campaign catalog directory, and none is configured/);
  });

  test('a catalog without a codemods folder', async () => {
    const failure = await failureOf(codemod('rename-import', {}, { catalogDir: outside }));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toMatch(/has no codemods folder/);
  });

  test('a module that is not in the catalog', async () => {
    const failure = await failureOf(codemod('missing'));
    expect(failure).toEqual({
      code: 'change_invalid',
      message: `No codemod named "missing" in ${catalog}/codemods (looked for missing.js and missing.mjs). Add it to the catalog or fix the module name in the spec.`,
    });
  });
});

describe('codemods that misbehave', () => {
  test('an endless loop is stopped at the time limit', async () => {
    const failure = await failureOf(codemod('forever', {}, { timeoutMs: 300 }));
    expect(failure).toEqual({ code: 'change_failed', message: 'The codemod "forever" ran longer than 300 ms and was stopped. Make it faster or narrow its paths.' });
  });

  test.each([
    ['throws', 'change_failed', /The codemod "throws" failed on acme\/app: cannot parse src\/app\.ts\./],
    ['no-export', 'change_invalid', /does not export a transform function/],
    ['bad-result', 'change_failed', /returned a list instead of an object of path to content/],
    ['bad-path', 'change_failed', /returned the path "\.\.\/escape\.txt", which is not a path inside the repository/],
    ['bad-content', 'change_failed', /returned number for a\.txt/],
    ['syntax-error', 'change_failed', /The codemod "syntax-error" could not run/],
  ])('%s', async (module, code, message) => {
    const failure = await failureOf(codemod(module));
    expect(failure.code).toBe(code);
    expect(failure.message).toMatch(message);
  });
});
