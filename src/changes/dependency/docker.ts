import { FleetError } from '../../errors.js';
import type { DependencyOptions } from '../options.js';
import type { ChangeContext, FileEdit, FileSet } from '../types.js';
import type { ManifestTransform } from './manifests.js';
import { applySplices, baseName, chooseManifests, type Splice } from './select.js';
import type { ManifestOutcome } from './types.js';

/**
 * Dockerfiles (Dockerfile, Dockerfile.*, *.Dockerfile, Containerfile): the tag of each `FROM`
 * of the image, or of the `ARG` a `FROM image:${ARG}` reads. An image pinned by digest loses its
 * digest when the spec gives none: the old digest would keep pulling the old image. A bare
 * version keeps the old tag's variant (-alpine, -slim, -jre).
 */

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isDockerfile(path: string): boolean {
  return /^(Dockerfile(\..+)?|.+\.Dockerfile|Containerfile(\..+)?)$/.test(baseName(path));
}

/**
 * An image name as Docker resolves it: Docker Hub's host and `library/` dropped, lowercase.
 *
 * @example
 * normalizeImage('docker.io/library/node') // 'node'
 * normalizeImage('ghcr.io/acme/base') // 'ghcr.io/acme/base'
 */
export function normalizeImage(name: string): string {
  let image = name.toLowerCase();
  for (const host of ['docker.io/', 'index.docker.io/', 'registry-1.docker.io/']) if (image.startsWith(host)) image = image.slice(host.length);
  if (image.startsWith('library/') && image.split('/').length === 2) image = image.slice('library/'.length);
  return image;
}

/** An image reference split: name, tag (after the last ":" past the last "/"), digest (after "@"). */
function splitReference(reference: string): { name: string; tag?: string; digest?: string } {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const rest = at >= 0 ? reference.slice(0, at) : reference;
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  return { name: tagged ? rest.slice(0, colon) : rest, ...(tagged ? { tag: rest.slice(colon + 1) } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function parseSpec(version: string): { tag: string; digest?: string } | undefined {
  const [tag, digest, extra] = version.split('@');
  if (extra !== undefined || !tag || !TAG.test(tag) || (digest !== undefined && !DIGEST.test(digest))) return undefined;
  return digest !== undefined ? { tag, digest } : { tag };
}

/**
 * The tag a FROM gets: the spec's, with the old tag's variant kept when the spec is a bare version
 * ("20.11.1" over "18.19.0-alpine" is "20.11.1-alpine"), so moving a fleet to a new version does
 * not also move its images from alpine or slim to the full image.
 *
 * @example
 * tagFor('20.11.1', '18.19.0-alpine') // '20.11.1-alpine'
 * tagFor('20-slim', '18.19.0-alpine') // '20-slim'
 */
export function tagFor(specTag: string, oldTag: string | undefined): string {
  const variant = /^v?\d+(?:\.\d+)*(-[A-Za-z][\w.-]*)$/.exec(oldTag ?? '')?.[1];
  return variant !== undefined && /^v?\d+(?:\.\d+)*$/.test(specTag) ? `${specTag}${variant}` : specTag;
}

interface Line {
  text: string;
  start: number;
  number: number;
}

function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  let number = 0;
  for (const raw of text.split('\n')) {
    number += 1;
    lines.push({ text: raw.replace(/\r$/, ''), start, number });
    start += raw.length + 1;
  }
  return lines;
}

function editDockerfile(path: string, text: string, options: DependencyOptions, spec: { tag: string; digest?: string } | undefined, ctx: ChangeContext) {
  const wanted = normalizeImage(options.package);
  const splices: Splice[] = [];
  const froms = new Set<string>();
  const dropped: string[] = [];
  let declarations = 0;
  let already = 0;
  const args = new Map<string, { value: string; start: number; end: number }>();
  const stages = new Set<string>();
  const argSpliced = new Set<string>();
  const need = () => {
    if (!spec) throw new FleetError('change_invalid', `"${options.version}" is not an image tag (${options.package} is the base image of ${path} in ${ctx.repo}): use a tag such as 3.19 or 20-alpine, optionally followed by @sha256:<digest>.`, { repo: ctx.repo, version: options.version });
    return spec;
  };
  for (const line of linesOf(text)) {
    const arg = /^(\s*ARG\s+)([A-Za-z_][A-Za-z0-9_]*)=("?)([^"\s]*)\3\s*$/i.exec(line.text);
    if (arg) {
      const valueStart = line.start + arg[1].length + arg[2].length + 1 + arg[3].length;
      args.set(arg[2], { value: arg[4], start: valueStart, end: valueStart + arg[4].length });
      continue;
    }
    const from = /^(\s*FROM\s+(?:--[\w-]+=\S+\s+)*)(\S+)(\s+AS\s+(\S+))?\s*$/i.exec(line.text);
    if (!from) continue;
    const referenceStart = line.start + from[1].length;
    const reference = from[2];
    if (from[4]) stages.add(from[4].toLowerCase());
    const parts = splitReference(reference);
    if (stages.has(parts.name.toLowerCase()) && parts.tag === undefined) continue;
    if (parts.name.includes('$') || normalizeImage(parts.name) !== wanted) continue;
    const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(parts.tag ?? '')?.[1];
    // A tag built from a variable and more text ("${NODE_VERSION}-alpine") is not one version to set.
    if (variable === undefined && parts.tag?.includes('$')) continue;
    declarations += 1;
    const target = need();
    if (variable !== undefined) {
      const declared = args.get(variable);
      if (!declared) throw new FleetError('change_failed', `${path} in ${ctx.repo} takes the tag of ${options.package} from the build argument ${variable}, which has no default in the file (line ${line.number}), so the version is set where the image is built, not here. Leave the repository out of the campaign or give ${variable} a default.`, { path, repo: ctx.repo });
      const tag = tagFor(target.tag, declared.value);
      if (declared.value === tag && (target.digest === undefined || parts.digest === target.digest)) {
        already += 1;
        continue;
      }
      if (!argSpliced.has(variable) && declared.value !== tag) splices.push({ start: declared.start, end: declared.end, text: tag });
      argSpliced.add(variable);
      froms.add(declared.value);
      if (parts.digest !== target.digest) {
        const end = referenceStart + reference.length;
        if (parts.digest !== undefined) splices.push({ start: referenceStart + reference.indexOf('@'), end, text: target.digest ? `@${target.digest}` : '' });
        else if (target.digest) splices.push({ start: end, end, text: `@${target.digest}` });
        if (parts.digest !== undefined && !target.digest) dropped.push(parts.digest);
      }
      continue;
    }
    const tag = tagFor(target.tag, parts.tag);
    if (parts.tag === tag && (target.digest === undefined || parts.digest === target.digest)) {
      already += 1;
      continue;
    }
    const next = `${parts.name}:${tag}${target.digest ? `@${target.digest}` : ''}`;
    splices.push({ start: referenceStart, end: referenceStart + reference.length, text: next });
    froms.add(`${parts.tag ?? '(no tag)'}${parts.digest ? `@${parts.digest.slice(0, 19)}…` : ''}`);
    if (parts.digest !== undefined && !target.digest) dropped.push(parts.digest);
  }
  return { splices, froms: [...froms], dropped, declarations, already };
}

export const dockerTransform: ManifestTransform = {
  select: (treePaths, options) => chooseManifests(treePaths, options, isDockerfile),
  apply: dockerOutcome,
};

export function dockerOutcome(options: DependencyOptions, files: FileSet, ctx: ChangeContext): Promise<ManifestOutcome> {
  const spec = parseSpec(options.version);
  const edits: FileEdit[] = [];
  const changed: string[] = [];
  const already: string[] = [];
  let declarations = 0;
  for (const path of chooseManifests([...files.keys()], options, isDockerfile)) {
    const text = files.get(path)!;
    const found = editDockerfile(path, text, options, spec, ctx);
    declarations += found.declarations;
    if (found.splices.length === 0) {
      if (found.already > 0) already.push(path);
      continue;
    }
    edits.push({ path, content: applySplices(text, found.splices) });
    const digest = found.dropped.length > 0 ? `; the digest it was pinned to is dropped, since it names the old image` : '';
    changed.push(`${path} (FROM; was ${found.froms.join(', ')}${digest})`);
  }
  return Promise.resolve({ ecosystem: 'docker', edits, changed, already, declarations, lockfiles: [] });
}
