import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { applyChangeInDirectory } from '../../../src/changes/apply-in-directory.js';
import { createWorkTree } from '../../support/work-tree.js';

/** The manifest edits of ecosystems without lockfiles, through a real git checkout. */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const parentPom = '<project>\n  <modules>\n    <module>core</module>\n  </modules>\n  <properties>\n    <slf4j.version>2.0.7</slf4j.version>\n  </properties>\n</project>\n';
const corePom = '<project>\n  <parent>\n    <artifactId>p</artifactId>\n  </parent>\n  <dependencies>\n    <dependency>\n      <groupId>org.slf4j</groupId>\n      <artifactId>slf4j-api</artifactId>\n      <version>${slf4j.version}</version>\n    </dependency>\n  </dependencies>\n</project>\n';

describe('dependency in a checkout', () => {
  test('a multi-module Maven build and a Dockerfile: the files on disk and git\'s diff', async () => {
    const dir = createWorkTree({ 'pom.xml': parentPom, 'core/pom.xml': corePom, 'Dockerfile': 'FROM eclipse-temurin:17.0.9_9-jre AS run\n', 'src/Main.java': 'class Main {}\n' }, 'fleet-dep-');
    dirs.push(dir);
    const maven = await applyChangeInDirectory({ kind: 'dependency', options: { package: 'org.slf4j:slf4j-api', version: '2.0.9' } }, dir, { repo: 'acme/ledger' });
    expect(maven.noop).toBe(false);
    expect(maven.files).toEqual([{ path: 'pom.xml', content: parentPom.replace('2.0.7', '2.0.9'), mode: '100644' }]);
    expect(readFileSync(join(dir, 'pom.xml'), 'utf8')).toBe(parentPom.replace('2.0.7', '2.0.9'));
    expect(maven.diff).toContain('-    <slf4j.version>2.0.7</slf4j.version>\n+    <slf4j.version>2.0.9</slf4j.version>\n');
    expect(maven.reason).toBe('Set org.slf4j:slf4j-api to 2.0.9 in pom.xml (properties slf4j.version; was 2.0.7)');
  });

  test('already at the version is a no-op with the reason', async () => {
    const dir = createWorkTree({ '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n' }, 'fleet-dep-');
    dirs.push(dir);
    const result = await applyChangeInDirectory({ kind: 'dependency', options: { package: 'actions/checkout', version: 'v4' } }, dir, { repo: 'acme/ledger' });
    expect(result.noop).toBe(true);
    expect(result.reason).toBe('actions/checkout is already at v4 in .github/workflows/ci.yml');
  });
});
