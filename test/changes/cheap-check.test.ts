import { describe, expect, test } from 'vitest';
import { applyChange } from '../../src/changes/apply-change.js';
import { cheapCheck } from '../../src/changes/cheap-check.js';

const npm = { kind: 'npm-dependency', options: { package: 'lodash', version: '4.17.21' } };

describe('planning\'s cheap check', () => {
  test('npm-dependency: one package.json tells whether the repository needs the change', () => {
    const check = cheapCheck(npm)!;
    expect(check.path).toBe('package.json');
    expect(check.judge(undefined)).toEqual({ needsChange: false, reason: 'it has no package.json' });
    expect(check.judge('{ "dependencies": { "react": "18.0.0" } }')).toEqual({ needsChange: false, reason: 'its package.json does not depend on lodash' });
    expect(check.judge('{ "devDependencies": { "lodash": "4.17.21" } }')).toEqual({ needsChange: false, reason: 'lodash is already at 4.17.21 in its package.json' });
    expect(check.judge('{ "dependencies": { "lodash": "4.17.21" }, "devDependencies": { "lodash": "4.17.15" } }')).toEqual({ needsChange: true });
    // Not JSON: the change says what is wrong with the file when its wave runs.
    expect(check.judge('{ nope')).toEqual({ needsChange: 'unknown' });
    expect(cheapCheck({ ...npm, options: { ...npm.options, paths: ['packages/*/package.json'] } })).toBeUndefined();
    expect(cheapCheck({ ...npm, options: { ...npm.options, paths: ['web/package.json'] } })?.path).toBe('web/package.json');
  });

  test('its verdict agrees with the change itself on the files it reads', async () => {
    const check = cheapCheck(npm)!;
    for (const text of ['{ "dependencies": { "react": "18.0.0" } }\n', '{ "dependencies": { "lodash": "4.17.21" } }\n', '{ "dependencies": { "lodash": "4.17.15" } }\n']) {
      const result = await applyChange(npm, new Map([['package.json', text]]), { repo: 'acme/a' });
      expect(check.judge(text).needsChange).toBe(!result.noop);
    }
  });

  test('json-set, file-write, file-delete and literal replace are judged from their one file; the rest are not', () => {
    const json = cheapCheck({ kind: 'json-set', options: { path: 'tsconfig.json', key: 'compilerOptions.strict', value: true } })!;
    expect(json.judge('{ "compilerOptions": { "strict": true } }')).toEqual({ needsChange: false, reason: 'its tsconfig.json already sets compilerOptions.strict to true' });
    expect(json.judge('{ "compilerOptions": {} }')).toEqual({ needsChange: true });
    expect(json.judge(undefined)).toEqual({ needsChange: false, reason: 'it has no tsconfig.json' });
    const write = cheapCheck({ kind: 'file-write', options: { path: '.nvmrc', content: '20\n' } })!;
    expect(write.judge('20\n')).toMatchObject({ needsChange: false });
    expect(write.judge('18\n')).toEqual({ needsChange: true });
    expect(write.judge(undefined)).toEqual({ needsChange: true });
    expect(cheapCheck({ kind: 'file-delete', options: { paths: ['.travis.yml'] } })!.judge(undefined)).toEqual({ needsChange: false, reason: 'it has no .travis.yml' });
    const replace = cheapCheck({ kind: 'replace', options: { paths: ['Dockerfile'], find: 'node:18', replace: 'node:20' } })!;
    expect(replace.judge('FROM node:20\n')).toMatchObject({ needsChange: false });
    expect(replace.judge('FROM node:18\n')).toEqual({ needsChange: true });
    expect(cheapCheck({ kind: 'replace', options: { paths: ['**/*.ts'], find: 'a', replace: 'b' } })).toBeUndefined();
    expect(cheapCheck({ kind: 'dependency', options: { package: 'lodash', version: '4.17.21' } })).toBeUndefined();
    expect(cheapCheck({ kind: 'run', options: { commands: [{ run: 'true' }] } })).toBeUndefined();
  });
});
