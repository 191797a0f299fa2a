import { describe, expect, test } from 'vitest';
import { changeHistoryKey, versionLine } from '../../src/confidence/change-key.js';
import { Change } from '../../src/domain/spec.js';

const key = (change: unknown) => changeHistoryKey(Change.parse(change));

describe('what changed, as history pools it', () => {
  test.each([
    ['4.17.21', '4'],
    ['^4.17.21', '4'],
    ['~4.2', '4'],
    ['>=4 <5', '4'],
    ['v1.25.3', '1'],
    ['0.3.1', '0.3'],
    ['^0.12.0', '0.12'],
    ['1.25-alpine@sha256:abc', '1'],
    ['latest', 'latest'],
    ['[2.0,3.0)', '2'],
  ])('the version line of %s is %s', (version, line) => {
    expect(versionLine(version)).toBe(line);
  });

  test('a dependency is its ecosystem, package and major version: a minor bump is the same change, a major one is not', () => {
    const lodash = { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } };
    expect(key(lodash)).toEqual({ key: 'dependency:npm:lodash@4', label: 'lodash 4.x bumps' });
    expect(key({ ...lodash, options: { package: 'lodash', version: '4.17.22' } }).key).toBe('dependency:npm:lodash@4');
    expect(key({ ...lodash, options: { package: 'lodash', version: '5.0.0' } }).key).toBe('dependency:npm:lodash@5');
    expect(key({ kind: 'dependency', options: { package: 'golang.org/x/net', version: 'v0.23.0', ecosystem: 'go' } })).toEqual({ key: 'dependency:go:golang.org/x/net@0.23', label: 'golang.org/x/net 0.23.x bumps' });
    expect(key({ kind: 'dependency', options: { package: 'node', version: 'latest', ecosystem: 'docker' } })).toEqual({ key: 'dependency:docker:node@latest', label: 'node latest bumps' });
  });

  test('other kinds are the file, key, module or commands they change', () => {
    expect(key({ kind: 'json-set', options: { path: 'tsconfig.json', key: 'compilerOptions.strict', value: true } })).toEqual({ key: 'json-set:tsconfig.json#compilerOptions.strict', label: 'changes of compilerOptions.strict in tsconfig.json' });
    expect(key({ kind: 'file-write', options: { path: '.nvmrc', content: '20\n' } })).toEqual({ key: 'file-write:.nvmrc', label: 'writes of .nvmrc' });
    // The order the paths are listed in does not make another change.
    expect(key({ kind: 'file-delete', options: { paths: ['b.txt', 'a.txt'] } }).key).toBe(key({ kind: 'file-delete', options: { paths: ['a.txt', 'b.txt'] } }).key);
    expect(key({ kind: 'codemod', options: { module: 'rename-logger' } })).toEqual({ key: 'codemod:rename-logger', label: 'runs of the rename-logger codemod' });
    expect(key({ kind: 'run', options: { commands: [{ run: 'npm pkg set engines.node=">=20"' }, { argv: ['npm', 'install'] }] } }).label).toBe('runs of "npm pkg set engines.node=">=20"" and 1 more command');
  });

  test('a long description is cut to a bounded key that still tells two changes apart', () => {
    const long = (find: string) => key({ kind: 'replace', options: { paths: ['**/*.ts'], find, replace: 'x' } }).key;
    const a = long(`${'a'.repeat(500)}1`);
    const b = long(`${'a'.repeat(500)}2`);
    expect(a.length).toBeLessThanOrEqual(200);
    expect(a).not.toBe(b);
  });
});
