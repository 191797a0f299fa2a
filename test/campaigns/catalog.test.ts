import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCatalog, type RemoteFileRef } from '../../src/campaigns/catalog.js';
import { FleetError } from '../../src/errors.js';

const EXAMPLE = readFileSync('campaigns/examples/add-security-policy.yml', 'utf8');
const LODASH = readFileSync('campaigns/examples/bump-lodash.yml', 'utf8');

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FleetError) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a FleetError');
}

describe('a directory catalog', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fleet-catalog-'));
    dir = join(root, 'campaigns');
    mkdirSync(dir);
    writeFileSync(join(dir, 'add-security-policy.yml'), EXAMPLE);
    writeFileSync(join(dir, 'bump-lodash.yaml'), LODASH);
    writeFileSync(join(dir, 'broken.yml'), 'name: broken\nowner: nobody\n');
    writeFileSync(join(dir, 'README.md'), '# not a spec');
    writeFileSync(join(dir, 'Upper.yml'), EXAMPLE);
    writeFileSync(join(root, 'outside.yml'), EXAMPLE);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('lists specs by file name with title and change kind, and flags invalid ones', async () => {
    const catalog = createCatalog({ source: dir });
    expect(catalog.catalogDir).toBe(dir);
    expect(await catalog.list()).toEqual([
      { name: 'add-security-policy', title: 'Add the standard SECURITY.md (how to report a vulnerability) where it is…', changeKind: 'file-write', owner: 'U0OWNER01' },
      { name: 'broken', title: 'broken (cannot be used: invalid spec)', changeKind: 'invalid', owner: '' },
      { name: 'bump-lodash', title: 'Upgrade lodash to 4.17.21 in every Node service. 4.17.21 fixes…', changeKind: 'npm-dependency', owner: 'U0OWNER01' },
    ]);
  });

  test('loads a spec by name from .yml or .yaml', async () => {
    const catalog = createCatalog({ source: dir });
    const loaded = await catalog.load('bump-lodash');
    expect(loaded.spec.change.kind).toBe('npm-dependency');
    expect(loaded.source).toBe(join(dir, 'bump-lodash.yaml'));
  });

  test('an invalid spec is refused with every located error', async () => {
    const { code, message } = await codeOf(createCatalog({ source: dir }).load('broken'));
    expect(code).toBe('spec_invalid');
    // The person is told the file by its name in the catalog, never by its path on the server.
    expect(message).toContain('The spec broken.yml has ');
    expect(message).toContain('\nbroken.yml:2:8 owner:');
    expect(message).toContain('channel:');
    expect(message).not.toContain(dir);
  });

  test('an unknown name lists what exists with a did-you-mean', async () => {
    const { code, message } = await codeOf(createCatalog({ source: dir }).load('bump-lodas'));
    expect(code).toBe('spec_not_found');
    expect(message).toContain('Did you mean "bump-lodash"?');
    const other = await codeOf(createCatalog({ source: dir }).load('zzzzzzzzzz'));
    expect(other.message).toContain('Available: add-security-policy, broken, bump-lodash.');
  });

  test.each(['../outside', '/etc/passwd', 'sub/../../outside', '..', 'Upper', 'a.yml', ''])('refuses the name %j', async (name) => {
    expect((await codeOf(createCatalog({ source: dir }).load(name))).code).toBe('bad_input');
  });

  test('refuses a symlink that leads out of the catalog', async () => {
    symlinkSync(join(root, 'outside.yml'), join(dir, 'escape.yml'));
    const { code, message } = await codeOf(createCatalog({ source: dir }).load('escape'));
    expect(code).toBe('forbidden');
    expect(message).toBe('The spec escape.yml points outside the catalog; replace the link with the file itself.');
    expect((await createCatalog({ source: dir }).list()).find((e) => e.name === 'escape')?.changeKind).toBe('invalid');
  });

  test('follows a symlink that stays inside the catalog', async () => {
    symlinkSync(join(dir, 'add-security-policy.yml'), join(dir, 'alias.yml'));
    expect((await createCatalog({ source: dir }).load('alias')).spec.name).toBe('add-security-policy');
  });

  test('a missing directory says what to do', async () => {
    const { code, message, details } = await codeOf(createCatalog({ source: join(root, 'nope') }).list());
    expect(code).toBe('spec_not_found');
    // Whom to ask, not the setting or the server's directory: those are in the details, for the log.
    expect(message).toBe('The campaign catalog is not where Fleet looks for it; ask an admin to create it or to point Fleet at the directory that holds the specs.');
    expect(details).toEqual({ catalog: join(root, 'nope') });
  });
});

describe('a GitHub catalog', () => {
  const files = new Map<string, string>([
    ['specs/add-security-policy.yml', EXAMPLE],
    ['specs/notes.txt', 'x'],
  ]);
  const reads: RemoteFileRef[] = [];
  const catalog = createCatalog({
    source: 'github:acme/fleet-campaigns/specs',
    readRemoteFile: async (ref) => {
      reads.push(ref);
      return files.get(ref.path) ?? null;
    },
    listRemoteFiles: async (ref) => [...files.keys()].filter((p) => p.startsWith(`${ref.path}/`)).map((p) => p.slice(ref.path.length + 1)),
  });

  test('lists and loads through the injected reader', async () => {
    expect(catalog.catalogDir).toBeNull();
    expect(await catalog.list()).toEqual([{ name: 'add-security-policy', title: expect.stringContaining('SECURITY.md'), changeKind: 'file-write', owner: 'U0OWNER01' }]);
    const loaded = await catalog.load('add-security-policy');
    expect(loaded.source).toBe('github:acme/fleet-campaigns/specs/add-security-policy.yml');
    expect(reads).toContainEqual({ owner: 'acme', repo: 'fleet-campaigns', path: 'specs/add-security-policy.yml' });
  });

  test('refuses names that would leave the folder before asking GitHub', async () => {
    reads.length = 0;
    expect((await codeOf(catalog.load('../secrets'))).code).toBe('bad_input');
    expect(reads).toEqual([]);
  });

  test('without a reader it says how to wire one', async () => {
    const { code } = await codeOf(createCatalog({ source: 'github:acme/x' }).load('a'));
    expect(code).toBe('internal');
  });
});
