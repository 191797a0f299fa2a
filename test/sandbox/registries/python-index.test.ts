import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizePythonName, pythonWheelName, pythonWheelSha256, startPythonIndex, type PythonIndex } from '../../../src/sandbox/registries/python-index.js';
import { isolatedEnv, PYTHON_PATH, pythonAvailable, pythonMissingReason, runTool } from '../../support/package-tools.js';

describe('the local Python package index', () => {
  let index: PythonIndex;
  beforeAll(async () => {
    index = await startPythonIndex();
  });
  afterAll(async () => {
    await index.close();
  });

  test('normalises names as PEP 503 does', () => {
    expect(normalizePythonName('Charset_Normalizer')).toBe('charset-normalizer');
    expect(normalizePythonName('zope.interface')).toBe('zope-interface');
    expect(pythonWheelName('Charset-Normalizer', '3.3.2')).toBe('charset_normalizer-3.3.2-py3-none-any.whl');
  });

  test('serves PEP 503 pages with hashes and Requires-Python, and PEP 691 JSON when asked', async () => {
    const html = await (await fetch(`${index.url}simple/requests/`)).text();
    expect(html).toContain(`<a href="/files/requests-2.32.3-py3-none-any.whl#sha256=${pythonWheelSha256('requests', '2.32.3')}" data-requires-python="&gt;=3.7">requests-2.32.3-py3-none-any.whl</a>`);
    const json = await fetch(`${index.url}simple/requests/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
    expect(json.headers.get('content-type')).toBe('application/vnd.pypi.simple.v1+json');
    const body = (await json.json()) as { meta: { 'api-version': string }; files: { filename: string; hashes: { sha256: string } }[] };
    expect(body.meta['api-version']).toBe('1.0');
    expect(body.files.map((f) => f.filename)).toEqual(['requests-2.28.2-py3-none-any.whl', 'requests-2.31.0-py3-none-any.whl', 'requests-2.32.3-py3-none-any.whl']);
    const wheel = Buffer.from(await (await fetch(`${index.url}files/requests-2.32.3-py3-none-any.whl`)).arrayBuffer());
    expect(wheel.readUInt32LE(0)).toBe(0x04034b50);
  });

  test('redirects to the normalised name and 404s what it does not have', async () => {
    const redirect = await fetch(`${index.url}simple/Charset_Normalizer/`, { redirect: 'manual' });
    expect({ status: redirect.status, location: redirect.headers.get('location') }).toEqual({ status: 301, location: '/simple/charset-normalizer/' });
    for (const path of ['simple/left-pad/', 'files/requests-9.9.9-py3-none-any.whl', 'pypi/requests/json']) expect({ path, status: (await fetch(`${index.url}${path}`)).status }).toEqual({ path, status: 404 });
  });

  describe.skipIf(!pythonAvailable)(`pip against it${pythonAvailable ? '' : ` (skipped: ${pythonMissingReason})`}`, () => {
    const pip = (args: string[], cwd: string) =>
      runTool(PYTHON_PATH, ['-m', 'pip', ...args], { cwd, env: isolatedEnv({ PIP_CONFIG_FILE: '/dev/null', PIP_NO_CACHE_DIR: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_BREAK_SYSTEM_PACKAGES: '1', PIP_INDEX_URL: `${index.url}simple/`, PIP_RETRIES: '0' }), timeoutMs: 120_000 });

    test('installs a pinned requirements file with its hashes, and the packages import', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fleet-pip-'));
      const pins: [string, string][] = [['certifi', '2024.2.2'], ['charset-normalizer', '3.3.2'], ['idna', '3.6'], ['requests', '2.32.3'], ['urllib3', '2.2.1']];
      writeFileSync(join(dir, 'requirements.txt'), pins.map(([name, version]) => `${name}==${version} \\\n    --hash=sha256:${pythonWheelSha256(name, version)}\n`).join(''));
      const result = await pip(['install', '--require-hashes', '--target', join(dir, 'site'), '-r', 'requirements.txt'], dir);
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.stringContaining('Successfully installed') as unknown });
      expect(readFileSync(join(dir, 'site/requests/__init__.py'), 'utf8')).toContain('__version__ = "2.32.3"');
      expect(existsSync(join(dir, 'site/charset_normalizer-3.3.2.dist-info/RECORD'))).toBe(true);
      const imported = await runTool(PYTHON_PATH, ['-c', 'import requests, urllib3; print(requests.__version__, urllib3.__version__)'], { cwd: dir, env: { PATH: '/usr/bin:/bin', PYTHONPATH: join(dir, 'site') } });
      expect(imported.output.trim()).toBe('2.32.3 2.2.1');
    }, 120_000);

    test('resolves ranges and transitive requirements to the catalog', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fleet-pip-'));
      const result = await pip(['install', '--dry-run', '--ignore-installed', '--report', join(dir, 'report.json'), 'requests>=2.31,<3', 'flask~=3.0'], dir);
      expect(result.code).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { install: { metadata: { name: string; version: string } }[] };
      const installed = Object.fromEntries(report.install.map((item) => [normalizePythonName(item.metadata.name), item.metadata.version]));
      expect(installed).toMatchObject({ requests: '2.32.3', flask: '3.0.2', markupsafe: '2.1.5', urllib3: '2.2.1', werkzeug: '3.0.1' });
    }, 120_000);

    test('pip refuses a wheel whose hash is not the one pinned', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fleet-pip-'));
      writeFileSync(join(dir, 'requirements.txt'), `structlog==24.1.0 --hash=sha256:${pythonWheelSha256('structlog', '23.2.0')}\n`);
      const result = await pip(['install', '--require-hashes', '--target', join(dir, 'site'), '-r', 'requirements.txt'], dir);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('THESE PACKAGES DO NOT MATCH THE HASHES');
    }, 120_000);
  });
});
