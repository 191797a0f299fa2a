import { describe, expect, test } from 'vitest';
import { checkManifest, findBrokenManifest, manifestKind, type ManifestKind } from '../../../src/sandbox/github/ci-build.js';

const check = (kind: ManifestKind, text: string) => checkManifest(kind, Buffer.from(text));

describe('manifestKind', () => {
  test('knows the manifests a build reads, anywhere but vendored code and test data', () => {
    expect(manifestKind('package.json')).toBe('package.json');
    expect(manifestKind('services/api/pom.xml')).toBe('pom.xml');
    expect(manifestKind('go.mod')).toBe('go.mod');
    expect(manifestKind('tools/pyproject.toml')).toBe('pyproject.toml');
    expect(manifestKind('crates/x/Cargo.toml')).toBe('Cargo.toml');
    expect(manifestKind('requirements.txt')).toBe('requirements.txt');
    expect(manifestKind('docs/requirements-dev.txt')).toBe('requirements.txt');
    expect(manifestKind('node_modules/lodash/package.json')).toBeUndefined();
    expect(manifestKind('vendor/github.com/x/go.mod')).toBeUndefined();
    expect(manifestKind('testdata/package.json')).toBeUndefined();
    expect(manifestKind('package-lock.json')).toBeUndefined();
    expect(manifestKind('src/requirements.md')).toBeUndefined();
  });
});

describe('package.json', () => {
  test('parses as JSON and holds an object', () => {
    expect(check('package.json', '{\n  "name": "api",\n  "dependencies": { "lodash": "4.17.21" }\n}\n')).toBeUndefined();
    expect(check('package.json', '\uFEFF{"name":"api"}')).toBeUndefined();
    expect(check('package.json', '{\n  "name": "api",\n  "dependencies": { "lodash": "4.17.21", }\n}\n')).toMatch(/^line 3, column \d+: .*JSON/);
    expect(check('package.json', '[1, 2]')).toBe('package.json must hold a JSON object, not an array');
    expect(check('package.json', 'null')).toBe('package.json must hold a JSON object, not null');
    expect(check('package.json', '')).toMatch(/JSON/);
  });

  test('bytes that are not UTF-8 do not parse', () => {
    expect(checkManifest('package.json', Uint8Array.from([0x7b, 0xff, 0x7d]))).toBe('is not valid UTF-8');
  });
});

describe('pom.xml (XML 1.0 well-formedness)', () => {
  const pom = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n${body}\n</project>\n`;

  test('accepts a real POM with comments, CDATA, references and a DOCTYPE entity', () => {
    expect(check('pom.xml', pom('  <!-- the service -->\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <description><![CDATA[a < b & c]]> &amp; &#169; &#x41;</description>\n  <dependencies>\n    <dependency scope="test"><artifactId>junit</artifactId></dependency>\n  </dependencies>'))).toBeUndefined();
    expect(check('pom.xml', '<!DOCTYPE project [ <!ENTITY acme "Acme Corp"> ]>\n<project><name>&acme;</name></project>')).toBeUndefined();
    expect(check('pom.xml', '<project/>')).toBeUndefined();
  });

  test('refuses what a real XML parser refuses, saying where', () => {
    expect(check('pom.xml', pom('  <dependencies>\n    <dependency>\n  </dependencies>'))).toBe('line 5, column 3: end tag </dependencies> does not match the start tag <dependency> at line 4, column 5');
    expect(check('pom.xml', pom('  <a>1</a'))).toBe("line 4, column 1: expected '>' to end </a>");
    expect(check('pom.xml', pom('  <a x="1" x="2"/>'))).toMatch(/attribute 'x' appears twice/);
    expect(check('pom.xml', pom('  <a x=1/>'))).toMatch(/must be quoted/);
    expect(check('pom.xml', pom('  <a>fish & chips</a>'))).toMatch(/'&' must start a reference/);
    expect(check('pom.xml', pom('  <a>&nbsp;</a>'))).toMatch(/undefined entity &nbsp;/);
    expect(check('pom.xml', pom('  <!-- a -- b -->'))).toMatch(/'--' is not allowed inside a comment/);
    expect(check('pom.xml', '<project></project>\n<project></project>')).toMatch(/only one root element/);
    expect(check('pom.xml', 'hello <project/>')).toMatch(/content is not allowed before the root element/);
    expect(check('pom.xml', '<project>')).toMatch(/element <project> is not closed/);
    expect(check('pom.xml', '\n<?xml version="1.0"?><project/>')).toMatch(/XML declaration is allowed only at the very start/);
    expect(check('pom.xml', '')).toMatch(/no root element/);
    expect(check('pom.xml', '<project>\u0001</project>')).toMatch(/U\+0001 is not allowed/);
  });
});

describe('go.mod', () => {
  test('needs one module line and known directives with valid arguments', () => {
    const good = 'module github.com/acme/api\n\ngo 1.22\n\ntoolchain go1.22.3\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/mod v0.17.0 // indirect\n)\n\nreplace github.com/acme/lib => ../lib\n\nretract [v1.0.0, v1.0.5]\n';
    expect(check('go.mod', good)).toBeUndefined();
    expect(check('go.mod', 'go 1.22\n')).toBe('no module directive: go.mod must start with `module <path>`');
    expect(check('go.mod', 'module a\nmodule b\n')).toMatch(/repeated module directive/);
    expect(check('go.mod', 'module a\nrequires x v1.0.0\n')).toBe('line 2: unknown directive: requires');
    expect(check('go.mod', 'module a\nrequire github.com/x/y 1.2\n')).toBe('line 2: require github.com/x/y: invalid version "1.2"');
    expect(check('go.mod', 'module a\nrequire (\n\tgithub.com/x/y v1.0.0\n')).toMatch(/unterminated require block/);
    expect(check('go.mod', 'module a\ngo one\n')).toMatch(/^line 2: invalid go version/);
    expect(check('go.mod', 'module "github.com/acme/api\n')).toMatch(/unterminated quoted string/);
  });
});

describe('requirements*.txt (PEP 508 lines and pip options)', () => {
  test('accepts names, extras, specifiers, markers, URLs, comments, continuations and options', () => {
    const good = [
      '# runtime',
      'requests[security,socks]>=2.31,<3  # http',
      'Django==4.2.*',
      'numpy~=1.26; python_version >= "3.9" and platform_machine != "arm64"',
      'pip @ https://github.com/pypa/pip/archive/22.0.2.zip',
      'uvicorn (>=0.29)',
      'attrs \\',
      '  >=23.1',
      '-r requirements-base.txt',
      '-c constraints.txt',
      '--index-url https://pypi.example/simple',
      '-e ./packages/core',
      './wheels/thing-1.0-py3-none-any.whl',
      'pyyaml==6.0.1 --hash=sha256:d858aa552c999bc8a8d57426ed01e40bef403cd8ccdd0fc5f6f04a00414cac2a',
      '--pre',
      '',
    ].join('\n');
    expect(check('requirements.txt', good)).toBeUndefined();
  });

  test('refuses lines pip refuses, naming the line', () => {
    expect(check('requirements.txt', 'requests\nflask=>2.0\n')).toBe('line 2: invalid version specifier: flask=>2.0');
    expect(check('requirements.txt', 'requests[security\n')).toBe('line 1: invalid extras: requests[security');
    expect(check('requirements.txt', 'numpy; python_versio > "3"\n')).toMatch(/invalid environment marker/);
    expect(check('requirements.txt', '-r\n')).toBe('line 1: option -r requires an argument: -r');
    expect(check('requirements.txt', '--frobnicate x\n')).toMatch(/unknown option --frobnicate/);
    expect(check('requirements.txt', '==1.0\n')).toMatch(/expected a package name/);
  });
});

describe('pyproject.toml and Cargo.toml (TOML 1.0)', () => {
  const pyproject = [
    '[build-system]',
    'requires = ["setuptools>=68", "wheel"]',
    'build-backend = "setuptools.build_meta"',
    '',
    '[project]',
    'name = "acme-api"',
    "version = '1.2.3'",
    'description = """',
    'A service.\\',
    '   Still the same line."""',
    'authors = [ { name = "Acme", email = "dev@acme.example" } ]',
    'dependencies = [',
    '  "requests>=2.31", # trailing comments are fine',
    '  "pydantic~=2.6",',
    ']',
    'optional-dependencies.dev = ["pytest"]',
    '',
    '[tool.ruff]',
    'line-length = 1_000',
    'ratio = 0.5e-3',
    'released = 1979-05-27T07:32:00Z',
    'local = 1979-05-27 07:32:00.999',
    'day = 1979-05-27',
    'hex = 0xDEAD_beef',
    'site."google.com" = true',
    '',
    '[[tool.matrix]]',
    'python = "3.11"',
    '[[tool.matrix]]',
    'python = "3.12"',
  ].join('\n');

  test('accepts real documents', () => {
    expect(check('pyproject.toml', pyproject)).toBeUndefined();
    expect(check('Cargo.toml', '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nserde = { version = "1", features = ["derive"] }\n')).toBeUndefined();
    expect(check('Cargo.toml', '[workspace]\nmembers = ["crates/*"]\n')).toBeUndefined();
  });

  test('refuses invalid TOML with the line and column', () => {
    expect(check('pyproject.toml', '[project]\nname = "a"\nname = "b"\n')).toBe('line 3, column 1: duplicate key name');
    expect(check('pyproject.toml', '[project]\nname = "a"\n[project]\n')).toBe('line 3, column 1: table [project] is defined more than once');
    expect(check('pyproject.toml', '[project\nname = "a"\n')).toMatch(/^line 1, column 9: expected '\]'/);
    expect(check('pyproject.toml', 'name = "a\n')).toMatch(/^line 1, column 10: newlines are not allowed/);
    expect(check('pyproject.toml', 'a = [1, 2\nb = 3\n')).toMatch(/expected ',' or '\]'/);
    expect(check('pyproject.toml', 'a = { x = 1, }\n')).toMatch(/trailing comma/);
    expect(check('pyproject.toml', 'a = { x = 1 }\na.y = 2\n')).toMatch(/cannot add keys to a/);
    expect(check('pyproject.toml', 'a = 01\n')).toMatch(/invalid value 01/);
    expect(check('pyproject.toml', 'a = 1979-13-01\n')).toMatch(/invalid date-time/);
    expect(check('pyproject.toml', 'a = "\\q"\n')).toMatch(/invalid escape sequence \\q/);
    expect(check('pyproject.toml', 'a = 1 b = 2\n')).toMatch(/expected the end of the line/);
    expect(check('pyproject.toml', '= 1\n')).toMatch(/invalid character '=' in a key/);
    expect(check('pyproject.toml', 'a.b = 1\n[a.b]\n')).toMatch(/defined more than once/);
    expect(check('Cargo.toml', '[dependencies]\nserde = "1"\n')).toBe('manifest is missing either a `[package]` or a `[workspace]` table');
  });
});

describe('findBrokenManifest', () => {
  test('names the first manifest, in path order, that does not parse', () => {
    const files: Record<string, string> = { 'README.md': '# not a manifest {', 'services/b/package.json': '{', 'services/a/go.mod': 'go 1.22\n', 'package.json': '{}' };
    const problem = findBrokenManifest(Object.keys(files), (path) => Buffer.from(files[path] ?? ''));
    expect(problem).toEqual({ path: 'services/a/go.mod', kind: 'go.mod', error: 'no module directive: go.mod must start with `module <path>`' });
    expect(findBrokenManifest(['package.json', 'README.md'], (path) => Buffer.from(path === 'package.json' ? '{}' : '{'))).toBeUndefined();
  });
});
