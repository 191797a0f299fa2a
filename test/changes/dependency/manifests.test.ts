import { describe, expect, test } from 'vitest';
import { applyChange, pathsToRead } from '../../../src/changes/apply-change.js';
import { detectEcosystems, MANIFEST_TRANSFORMS } from '../../../src/changes/dependency/manifests.js';
import { ECOSYSTEMS } from '../../../src/changes/dependency/types.js';
import { failureOf } from '../../support/failure-of.js';

const ctx = { repo: 'acme/polyglot' };

describe('detectEcosystems', () => {
  test('each ecosystem from its manifests, in ECOSYSTEMS order', () => {
    const tree = ['Dockerfile', '.github/workflows/ci.yml', 'go.mod', 'services/api/pom.xml', 'app/build.gradle.kts', 'requirements/base.txt', 'web/package.json', 'README.md'];
    expect(detectEcosystems(tree)).toEqual(['npm', 'maven', 'gradle', 'python', 'go', 'docker', 'actions']);
    expect(detectEcosystems(['gradle/libs.versions.toml', 'pyproject.toml', 'Pipfile', 'deploy/api.Dockerfile', 'action.yml'])).toEqual(['gradle', 'python', 'docker', 'actions']);
  });

  test('vendored and build folders do not count', () => {
    expect(detectEcosystems(['node_modules/x/package.json', 'vendor/github.com/x/go.mod', 'target/classes/pom.xml', 'build/tmp/build.gradle', '.git/x/requirements.txt', 'src/main.go'])).toEqual([]);
  });

  test('every ecosystem has a transform', () => {
    expect(ECOSYSTEMS.filter((e) => MANIFEST_TRANSFORMS[e] === undefined)).toEqual([]);
  });
});

describe('the dependency change in memory, across ecosystems', () => {
  const files = new Map([
    ['pom.xml', '<project>\n  <dependencies>\n    <dependency>\n      <groupId>org.slf4j</groupId>\n      <artifactId>slf4j-api</artifactId>\n      <version>2.0.7</version>\n    </dependency>\n  </dependencies>\n</project>\n'],
    ['build.gradle', "dependencies {\n    implementation 'org.slf4j:slf4j-api:2.0.7'\n}\n"],
    ['Dockerfile', 'FROM eclipse-temurin:17-jre\n'],
    ['README.md', 'org.slf4j:slf4j-api:2.0.7\n'],
  ]);
  const change = { kind: 'dependency', options: { package: 'org.slf4j:slf4j-api', version: '2.0.9' } };

  test('reads only the manifests, and edits every declaration of the package', async () => {
    expect(pathsToRead(change, [...files.keys(), 'src/Main.java'])).toEqual(['Dockerfile', 'build.gradle', 'pom.xml']);
    const result = await applyChange(change, files, ctx);
    expect(result.files.map((f) => f.path)).toEqual(['build.gradle', 'pom.xml']);
    expect(result.reason).toBe('Set org.slf4j:slf4j-api to 2.0.9 in pom.xml (dependencies; was 2.0.7), build.gradle (dependencies; was 2.0.7)');
    expect(result.diff).not.toContain('README.md');
  });

  test('ecosystem narrows it to one', async () => {
    const result = await applyChange({ kind: 'dependency', options: { ...change.options, ecosystem: 'maven' } }, files, ctx);
    expect(result.files.map((f) => f.path)).toEqual(['pom.xml']);
  });

  test('a repository that does not use the package is a no-op with the reason', async () => {
    const result = await applyChange({ kind: 'dependency', options: { package: 'com.google.guava:guava', version: '33.0.0-jre' } }, files, ctx);
    expect(result.noop).toBe(true);
    expect(result.reason).toBe('the repository does not use com.google.guava:guava (looked in its maven, gradle, docker manifests)');
  });

  test('a go.mod in memory is refused: go.sum needs go', async () => {
    const failure = await failureOf(applyChange({ kind: 'dependency', options: { package: 'github.com/google/uuid', version: 'v1.6.0' } }, new Map([['go.mod', 'module x\n\nrequire github.com/google/uuid v1.3.0\n']]), ctx));
    expect(failure.message).toContain('acme/polyglot has go.sum, which only its package manager can bring in line with the new version');
  });

  test('needsPerson stops the change with its sentence', async () => {
    const hashed = new Map([['requirements.txt', 'requests==2.28.0 \\\n    --hash=sha256:aaaa\n']]);
    const failure = await failureOf(applyChange({ kind: 'dependency', options: { package: 'requests', version: '2.31.0' } }, hashed, ctx));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toContain('pins requests with --hash');
  });
});

describe('CRLF files keep their line endings', () => {
  const crlf = (text: string) => text.replaceAll('\n', '\r\n');
  test.each([
    ['requirements.in', 'requests==2.28.0  # http\nidna==3.4\n', 'requests', '2.31.0', 'requests==2.31.0  # http\nidna==3.4\n'],
    ['pyproject.toml', '[tool.poetry.dependencies]\nrequests = "^2.28"\n', 'requests', '2.31.0', '[tool.poetry.dependencies]\nrequests = "2.31.0"\n'],
    ['go.mod', 'module x\n\nrequire (\n\tgithub.com/google/uuid v1.3.0 // indirect\n)\n', 'github.com/google/uuid', 'v1.6.0', 'module x\n\nrequire (\n\tgithub.com/google/uuid v1.6.0 // indirect\n)\n'],
    ['Dockerfile', 'FROM node:18 AS build\nRUN true\n', 'node', '20', 'FROM node:20 AS build\nRUN true\n'],
    ['.github/workflows/ci.yml', `steps:\n  - uses: actions/checkout@${'a'.repeat(40)} # v3.0.0\n`, 'actions/checkout', 'v4', 'steps:\n  - uses: actions/checkout@v4\n'],
    ['gradle/libs.versions.toml', '[libraries]\nguava = { module = "com.google.guava:guava", version = "32.0" }\n', 'com.google.guava:guava', '33.0', '[libraries]\nguava = { module = "com.google.guava:guava", version = "33.0" }\n'],
    ['pom.xml', '<project>\n  <dependencies>\n    <dependency>\n      <groupId>g</groupId>\n      <artifactId>a</artifactId>\n      <version>1.0</version>\n    </dependency>\n  </dependencies>\n</project>\n', 'g:a', '1.1', '<project>\n  <dependencies>\n    <dependency>\n      <groupId>g</groupId>\n      <artifactId>a</artifactId>\n      <version>1.1</version>\n    </dependency>\n  </dependencies>\n</project>\n'],
  ])('%s', async (path, text, pkg, version, expected) => {
    const result = await applyChange({ kind: 'dependency', options: { package: pkg, version, skipLockfiles: true } }, new Map([[path, crlf(text)]]), ctx);
    expect(result.files).toEqual([{ path, content: crlf(expected) }]);
  });
});
