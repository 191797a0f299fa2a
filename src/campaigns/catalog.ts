import { readdir, readFile, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { agree, plural } from '../domain/words.js';
import { FleetError } from '../errors.js';
import { parseCampaignSource, type CampaignSource } from './campaign-source.js';
import { formatSpecErrors, loadSpec, suggest } from './load-spec.js';
import type { CatalogEntry } from './service-types.js';
import type { CampaignSpec } from '../domain/spec.js';

/** A file in a GitHub repository, for a catalog kept at `github:owner/repo/path`. */
export interface RemoteFileRef {
  owner: string;
  repo: string;
  path: string;
}

export interface CatalogDeps {
  /** FLEET_CAMPAIGNS: a directory, or `github:owner/repo/path`. */
  source: string | CampaignSource;
  /** The file's text, or null when it does not exist (supplied by the GitHub gateway). */
  readRemoteFile?: (ref: RemoteFileRef) => Promise<string | null>;
  /** The names of the files in a directory (not recursive); [] when it does not exist. */
  listRemoteFiles?: (ref: RemoteFileRef) => Promise<string[]>;
}

export interface LoadedSpec {
  spec: CampaignSpec;
  /** Where it came from, for messages and the campaign record: a file path or a github: location. */
  source: string;
}

export interface Catalog {
  /** The catalog's directory (absolute), where codemods live in `codemods/`; null for a GitHub catalog. */
  catalogDir: string | null;
  /** Every spec in the catalog, by name; an invalid spec is listed with a title that says so. */
  list(): Promise<CatalogEntry[]>;
  /** One spec by name, validated; FleetError 'spec_not_found' or 'spec_invalid' otherwise. */
  load(name: string): Promise<LoadedSpec>;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const FILE = /^([a-z0-9][a-z0-9-]*)\.ya?ml$/;

interface Store {
  /** Where the catalog is (a server path or a github: location): for logs and details, not for people. */
  describe(): string;
  names(): Promise<string[]>;
  /**
   * The text and path of a spec file, or null when there is none; `label` is how a person is told
   * which file it is (its name in a directory catalog, never a server path).
   */
  read(name: string): Promise<{ text: string; source: string; label: string } | null>;
}

/**
 * The campaign catalog: the specs a team can start by name (`/fleet start bump-lodash`).
 *
 * @example
 * const catalog = createCatalog({ source: './campaigns' });
 * await catalog.list(); // [{ name: 'bump-lodash', title: 'Upgrade lodash ...', changeKind: 'npm-dependency', owner: 'U0OWNER01' }]
 * const { spec } = await catalog.load('bump-lodash');
 */
export function createCatalog(deps: CatalogDeps): Catalog {
  const source = typeof deps.source === 'string' ? parseCampaignSource(deps.source) : deps.source;
  const store = source.kind === 'directory' ? directoryStore(resolve(source.path)) : githubStore(source, deps);

  async function load(name: string): Promise<LoadedSpec> {
    if (!NAME.test(name)) {
      throw new FleetError('bad_input', `"${name}" is not a campaign name: use lowercase letters, digits and dashes, as listed by /fleet start.`);
    }
    const file = await store.read(name);
    if (file === null) {
      const names = await store.names();
      const hint = names.length === 0 ? 'The catalog has no specs yet.' : suggest(name, names, 'Available');
      throw new FleetError('spec_not_found', `No campaign spec named "${name}" in the catalog. ${hint}`, { name, available: names, catalog: store.describe() });
    }
    // Errors name the file as a person knows it, never by its path on the server.
    const result = loadSpec(file.text, file.label);
    if (!result.ok) {
      throw new FleetError('spec_invalid', `The spec ${file.label} has ${plural(result.errors.length, 'problem')}; fix ${agree(result.errors.length, 'it', 'them')} and try again:\n${formatSpecErrors(file.label, result.errors)}`, {
        source: file.source,
        errors: result.errors,
      });
    }
    return { spec: result.spec, source: file.source };
  }

  async function list(): Promise<CatalogEntry[]> {
    const names = await store.names();
    const entries: CatalogEntry[] = [];
    for (const name of names) {
      try {
        const { spec } = await load(name);
        entries.push({ name, title: titleOf(spec), changeKind: spec.change.kind, owner: spec.owner });
      } catch (error) {
        if (!(error instanceof FleetError) || (error.code !== 'spec_invalid' && error.code !== 'forbidden')) throw error;
        entries.push({ name, title: `${name} (cannot be used: ${error.code === 'spec_invalid' ? 'invalid spec' : 'refused path'})`, changeKind: 'invalid', owner: '' });
      }
    }
    return entries;
  }

  return { catalogDir: source.kind === 'directory' ? resolve(source.path) : null, list, load };
}

function titleOf(spec: CampaignSpec): string {
  const first = spec.description.split('\n').find((line) => line.trim() !== '')?.trim();
  if (!first) return spec.name;
  // Slack's select options show at most 75 characters.
  if (first.length <= 75) return first;
  const cut = first.slice(0, 74);
  const space = cut.lastIndexOf(' ');
  return `${space > 40 ? cut.slice(0, space) : cut}…`;
}

function directoryStore(dir: string): Store {
  async function realDir(): Promise<string> {
    try {
      return await realpath(dir);
    } catch (error) {
      // The directory is named in the log (the error's details), not to the person who asked.
      throw new FleetError('spec_not_found', 'The campaign catalog is not where Fleet looks for it; ask an admin to create it or to point Fleet at the directory that holds the specs.', { catalog: dir }, { cause: error });
    }
  }

  async function names(): Promise<string[]> {
    const root = await realDir();
    const files = await readdir(root);
    const found = new Set<string>();
    for (const file of files.sort()) {
      const match = FILE.exec(file);
      if (match) found.add(match[1]);
    }
    return [...found];
  }

  async function read(name: string): Promise<{ text: string; source: string; label: string } | null> {
    const root = await realDir();
    for (const file of [`${name}.yml`, `${name}.yaml`]) {
      const path = join(root, file);
      let real: string;
      try {
        real = await realpath(path);
      } catch {
        continue;
      }
      // A symlink may point anywhere: only files that really live in the catalog are read.
      if (!real.startsWith(root + sep)) {
        throw new FleetError('forbidden', `The spec ${file} points outside the catalog; replace the link with the file itself.`, { name, catalog: root });
      }
      return { text: await readFile(real, 'utf8'), source: join(dir, file), label: file };
    }
    return null;
  }

  return { describe: () => dir, names, read };
}

function githubStore(source: Extract<CampaignSource, { kind: 'github' }>, deps: CatalogDeps): Store {
  const where = `github:${source.owner}/${source.repo}${source.path ? `/${source.path}` : ''}`;
  const at = (file: string): RemoteFileRef => ({ owner: source.owner, repo: source.repo, path: source.path ? `${source.path}/${file}` : file });

  function need<T>(fn: T | undefined): T {
    if (fn === undefined) throw new FleetError('internal', `The campaign catalog ${where} is on GitHub, but no GitHub reader was given to the catalog; pass readRemoteFile and listRemoteFiles.`);
    return fn;
  }

  async function names(): Promise<string[]> {
    const files = await need(deps.listRemoteFiles)({ owner: source.owner, repo: source.repo, path: source.path });
    const found = new Set<string>();
    for (const file of [...files].sort()) {
      const match = FILE.exec(file);
      if (match) found.add(match[1]);
    }
    return [...found];
  }

  async function read(name: string): Promise<{ text: string; source: string; label: string } | null> {
    for (const file of [`${name}.yml`, `${name}.yaml`]) {
      const text = await need(deps.readRemoteFile)(at(file));
      if (text !== null) return { text, source: `${where}/${file}`, label: `${where}/${file}` };
    }
    return null;
  }

  return { describe: () => where, names, read };
}
