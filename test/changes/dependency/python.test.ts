import { describe, expect, test } from 'vitest';
import { failureOf } from '../../support/failure-of.js';
import { edited, runTransform } from './run-transform.js';

const requirements = `# Runtime dependencies
--index-url https://pypi.org/simple
-r requirements/base.txt
Django==4.2.7
requests>=2.28,<3  # HTTP client
Jinja2[i18n] == 3.1.2 ; python_version >= "3.8"
urllib3
-e git+https://github.com/acme/tools.git#egg=acme-tools
`;

const pep621 = `[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "ledger"
version = "0.4.0"
dependencies = [
    "requests>=2.28",  # HTTP
    'PyYAML==6.0.0',
    "structlog",
]

[project.optional-dependencies]
test = ["pytest>=7", "requests-mock==1.11.0", "Requests==2.28.0"]

[tool.ruff]
line-length = 100
`;

const poetry = `[tool.poetry]
name = "billing"
version = "1.0.0"

[tool.poetry.dependencies]
python = "^3.11"
requests = "^2.28.0"
"ruamel.yaml" = { version = "^0.17.21", optional = true }

[tool.poetry.group.dev.dependencies]
Requests = { version = "2.28.1", extras = ["socks"] }
pytest = "^7.4"

[tool.poetry.dependencies.httpx]
version = "0.24.0"
`;

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return runTransform('python', files, { package: 'requests', version: '2.31.0', ...options });
}

describe('requirements files', () => {
  test('a range becomes the pin; comments, markers, options and other lines kept', async () => {
    const outcome = await bump({ 'requirements.txt': requirements });
    expect(edited(outcome, 'requirements.txt')).toBe(requirements.replace('requests>=2.28,<3  # HTTP', 'requests==2.31.0  # HTTP'));
    expect(outcome.changed).toEqual(['requirements.txt (pin; was >=2.28,<3)']);
    expect(outcome.lockfiles).toEqual([]);
  });

  test('names compare PEP 503-normalised; extras and markers stay; a spec with an operator is written as given', async () => {
    const outcome = await bump({ 'requirements/prod.txt': requirements }, { package: 'jinja2', version: '>=3.1.3' });
    expect(edited(outcome, 'requirements/prod.txt')).toBe(requirements.replace('Jinja2[i18n] == 3.1.2 ;', 'Jinja2[i18n] >=3.1.3 ;'));
    const dashed = await bump({ 'constraints.txt': 'zope.interface==5.0\n' }, { package: 'Zope_Interface', version: '6.1' });
    expect(edited(dashed, 'constraints.txt')).toBe('zope.interface==6.1\n');
  });

  test('an unpinned name and a vendored copy are left alone; already pinned is named', async () => {
    const unpinned = await bump({ 'requirements.txt': requirements }, { package: 'urllib3' });
    expect(unpinned).toMatchObject({ edits: [], declarations: 0 });
    const already = await bump({ 'requirements-dev.txt': 'requests == 2.31.0\n', 'vendor/x/requirements.txt': 'requests==1.0\n' });
    expect(already).toMatchObject({ edits: [], already: ['requirements-dev.txt'], declarations: 1 });
  });

  test('a pin with --hash lines goes to a person: the hashes need pip-compile', async () => {
    const hashed = 'requests==2.28.0 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\nidna==3.4 \\\n    --hash=sha256:cccc\n';
    const outcome = await bump({ 'requirements.txt': hashed });
    expect(edited(outcome, 'requirements.txt')).toBe(hashed.replace('requests==2.28.0', 'requests==2.31.0'));
    expect(outcome.needsPerson).toContain('requirements.txt in acme/payments-api pins requests with --hash');
    const other = await bump({ 'requirements.txt': hashed }, { package: 'idna', version: '3.6' });
    expect(other.needsPerson).toContain('pins idna with --hash');
  });

  test('a version Python cannot read is refused where the package is used', async () => {
    const failure = await failureOf(bump({ 'requirements.txt': requirements }, { version: 'two-point-three' }));
    expect(failure.code).toBe('change_invalid');
    expect(failure.message).toContain('"two-point-three" is not a Python version or specifier');
  });
});

describe('pyproject.toml and Pipfile', () => {
  test('PEP 621 dependencies and optional dependencies across lines, quotes kept; uv.lock is the lockfile', async () => {
    const outcome = await bump({ 'pyproject.toml': pep621, 'uv.lock': 'version = 1\n' });
    expect(edited(outcome, 'pyproject.toml')).toBe(pep621.replace('"requests>=2.28",  # HTTP', '"requests==2.31.0",  # HTTP').replace('"Requests==2.28.0"', '"Requests==2.31.0"'));
    expect(outcome.changed).toEqual(['pyproject.toml (project.dependencies, project.optional-dependencies.test; was >=2.28, ==2.28.0)']);
    expect(outcome).toMatchObject({ manager: 'uv', root: '', lockfiles: ['uv.lock'] });
    const yaml = await bump({ 'pyproject.toml': pep621 }, { package: 'pyyaml', version: '6.0.1' });
    expect(edited(yaml, 'pyproject.toml')).toContain("    'PyYAML==6.0.1',\n");
  });

  test('Poetry: plain, inline-table and sub-table constraints, in groups too; poetry.lock is the lockfile', async () => {
    const outcome = await bump({ 'services/billing/pyproject.toml': poetry, 'services/billing/poetry.lock': '# lock\n' });
    expect(edited(outcome, 'services/billing/pyproject.toml')).toBe(poetry.replace('requests = "^2.28.0"', 'requests = "2.31.0"').replace('Requests = { version = "2.28.1"', 'Requests = { version = "2.31.0"'));
    expect(outcome).toMatchObject({ manager: 'poetry', root: 'services/billing', lockfiles: ['services/billing/poetry.lock'], declarations: 2 });
    const caret = await bump({ 'pyproject.toml': poetry }, { package: 'ruamel-yaml', version: '^0.18.5' });
    expect(edited(caret, 'pyproject.toml')).toContain('"ruamel.yaml" = { version = "^0.18.5", optional = true }');
    const sub = await bump({ 'pyproject.toml': poetry }, { package: 'httpx', version: '0.25.0' });
    expect(edited(sub, 'pyproject.toml')).toContain('[tool.poetry.dependencies.httpx]\nversion = "0.25.0"\n');
  });

  test('build-system requires, PEP 735 dependency groups and uv\'s own lists are requirements too', async () => {
    const text = '[build-system]\nrequires = ["setuptools>=61", "wheel"]\n\n[dependency-groups]\ndev = ["pytest>=7", { include-group = "lint" }]\n\n[tool.uv]\nconstraint-dependencies = ["setuptools<70"]\n';
    const outcome = await bump({ 'pyproject.toml': text }, { package: 'setuptools', version: '69.5.1' });
    expect(edited(outcome, 'pyproject.toml')).toBe(text.replace('"setuptools>=61"', '"setuptools==69.5.1"').replace('"setuptools<70"', '"setuptools==69.5.1"'));
    const pytest = await bump({ 'pyproject.toml': text }, { package: 'pytest', version: '>=8' });
    expect(edited(pytest, 'pyproject.toml')).toContain('dev = ["pytest>=8", { include-group = "lint" }]');
  });

  test('Pipfile with Pipfile.lock: pipenv', async () => {
    const pipfile = '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nrequests = "==2.28.0"\nflask = "*"\n\n[dev-packages]\npytest = {version = ">=7"}\n';
    const outcome = await bump({ Pipfile: pipfile, 'Pipfile.lock': '{}\n' });
    expect(edited(outcome, 'Pipfile')).toBe(pipfile.replace('"==2.28.0"', '"==2.31.0"'));
    expect(outcome).toMatchObject({ manager: 'pipenv', lockfiles: ['Pipfile.lock'] });
    const star = await bump({ Pipfile: pipfile, 'Pipfile.lock': '{}\n' }, { package: 'flask', version: '3.0.0' });
    expect(star.edits).toEqual([]);
  });

  test('an array never closed is an error naming the file', async () => {
    const failure = await failureOf(bump({ 'pyproject.toml': '[project]\ndependencies = [\n  "requests>=2",\n' }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toContain('pyproject.toml in acme/payments-api is not TOML Python tools can read');
  });
});
