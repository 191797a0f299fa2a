import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { isFleetError } from '../../src/errors.js';

const ctx = { repo: 'acme/gen' };
const key = fc.constantFrom('a', 'b', 'c', '0', '1');
const { value: jsonTree } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, 1, 'x'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const layout = fc.record({ indent: fc.constantFrom(0, 2, 4, '\t'), crlf: fc.boolean(), finalNewline: fc.boolean() });

function render(value: unknown, l: { indent: number | string; crlf: boolean; finalNewline: boolean }): string {
  const text = JSON.stringify(value, null, l.indent) + (l.finalNewline ? '\n' : '');
  return l.crlf ? text.replace(/\n/g, '\r\n') : text;
}

/** What json-set should produce, or 'fail' where the path runs into a value that is not an object. */
function setPath(root: unknown, keys: string[], value: unknown): unknown {
  if (keys.length === 0) return value;
  const [head, ...rest] = keys as [string, ...string[]];
  if (Array.isArray(root) && /^\d+$/.test(head) && Number(head) < root.length) {
    const inner = setPath(root[Number(head)], rest, value);
    if (inner === 'fail') return 'fail';
    return root.map((item, i) => (i === Number(head) ? inner : item));
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return 'fail';
  const record = root as Record<string, unknown>;
  const inner = Object.hasOwn(record, head) ? setPath(record[head], rest, value) : setPath({}, rest, value);
  if (inner === 'fail') return 'fail';
  return { ...record, [head]: inner };
}

describe('json-set on generated documents', () => {
  test('the result parses, holds the value at the path, and keeps the rest of the document and its line endings', async () => {
    await fc.assert(
      fc.asyncProperty(jsonTree, layout, fc.array(key, { minLength: 1, maxLength: 3 }), jsonTree, async (doc, l, keys, value) => {
        const text = render(doc, l);
        const expected = setPath(doc, keys, value);
        const change = { kind: 'json-set', options: { path: 'x.json', key: keys.join('.'), value } };
        let result;
        try {
          result = await applyChange(change, new Map([['x.json', text]]), ctx);
        } catch (error) {
          expect(isFleetError(error, 'change_failed')).toBe(true);
          expect(expected).toBe('fail');
          return;
        }
        expect(expected).not.toBe('fail');
        const after = result.noop ? text : result.files[0].content!;
        expect(JSON.parse(after)).toEqual(expected);
        expect(result.noop).toBe(JSON.stringify(expected) === JSON.stringify(doc));
        // A file with line breaks keeps its kind; a one-line file has none to keep and gets LF.
        if (text.includes('\r\n')) expect(after).not.toMatch(/[^\r]\n/);
        expect(after.endsWith('\n')).toBe(l.finalNewline);
      }),
      { numRuns: 400 },
    );
  });
});

/** yaml-set's reading of the same path: an empty (null) value below the top is an empty mapping. */
function setYamlPath(root: unknown, keys: string[], value: unknown, depth = 0): unknown {
  if (keys.length === 0) return value;
  const [head, ...rest] = keys as [string, ...string[]];
  if (Array.isArray(root) && /^\d+$/.test(head) && Number(head) < root.length) {
    const inner = setYamlPath(root[Number(head)], rest, value, depth + 1);
    if (inner === 'fail') return 'fail';
    return root.map((item, i) => (i === Number(head) ? inner : item));
  }
  if (root === null && depth > 0) return setYamlPath({}, keys, value, depth);
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return 'fail';
  const record = root as Record<string, unknown>;
  const inner = Object.hasOwn(record, head) ? setYamlPath(record[head], rest, value, depth + 1) : setYamlPath({}, rest, value, depth + 1);
  if (inner === 'fail') return 'fail';
  return { ...record, [head]: inner };
}

describe('yaml-set on generated documents', () => {
  test('the result parses, holds the value at the path, keeps the rest and the leading comment', async () => {
    const yamlLayout = fc.record({ indent: fc.constantFrom(2, 4), indentSeq: fc.boolean(), crlf: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(jsonTree, yamlLayout, fc.array(key, { minLength: 1, maxLength: 3 }), jsonTree, async (doc, l, keys, value) => {
        const body = `# head\n${stringify(doc, { indent: l.indent, indentSeq: l.indentSeq })}`;
        const text = l.crlf ? body.replace(/\n/g, '\r\n') : body;
        const expected = setYamlPath(doc, keys, value);
        let result;
        try {
          result = await applyChange({ kind: 'yaml-set', options: { path: 'x.yml', key: keys.join('.'), value } }, new Map([['x.yml', text]]), ctx);
        } catch (error) {
          expect(isFleetError(error, 'change_failed')).toBe(true);
          expect(expected).toBe('fail');
          return;
        }
        expect(expected).not.toBe('fail');
        const after = result.noop ? text : result.files[0].content!;
        expect(parse(after)).toEqual(expected);
        expect(after.startsWith(l.crlf ? '# head\r\n' : '# head\n')).toBe(true);
        if (l.crlf) expect(after).not.toMatch(/[^\r]\n/);
      }),
      { numRuns: 400 },
    );
  });
});

describe('npm-dependency on generated package.json files', () => {
  const sections = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;
  const deps = fc.dictionary(fc.constantFrom('lodash', 'react', '@acme/ui', 'zod'), fc.constantFrom('1.0.0', '^2.0.0', '~3.1.0', '^4.17.21'), { maxKeys: 4 });
  const pkg = fc.record(
    { name: fc.constant('gen'), dependencies: deps, devDependencies: deps, peerDependencies: deps, optionalDependencies: deps, scripts: fc.constant({ test: 'vitest' }) },
    { requiredKeys: ['name'] },
  );

  test('only the version strings of the package change, in every section that lists it', async () => {
    await fc.assert(
      fc.asyncProperty(pkg, layout, async (manifest, l) => {
        const text = render(manifest, l);
        const result = await applyChange({ kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } }, new Map([['package.json', text]]), ctx);
        const listed = sections.filter((s) => manifest[s]?.lodash !== undefined);
        const stale = listed.filter((s) => manifest[s]!.lodash !== '^4.17.21');
        expect(result.noop).toBe(stale.length === 0);
        if (result.noop) return;
        const after = result.files[0].content!;
        const expected = structuredClone(manifest) as Record<string, Record<string, string> | string>;
        for (const s of listed) (expected[s] as Record<string, string>).lodash = '^4.17.21';
        expect(JSON.parse(after)).toEqual(expected);
        expect(Object.keys(JSON.parse(after))).toEqual(Object.keys(manifest));
        // Same text apart from the rewritten versions.
        expect(after.replace(/"lodash":\s*"\^4\.17\.21"/g, '')).toBe(text.replace(/"lodash":\s*"[^"]*"/g, ''));
        expect(result.stats).toMatchObject({ filesChanged: 1 });
      }),
      { numRuns: 300 },
    );
  });
});
