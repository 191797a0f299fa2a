import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { GO_CATALOG, goSumLines } from './catalog.js';

/**
 * A Go checksum database (https://go.dev/design/25530-sumdb) for the local proxy's modules, so
 * the go command verifies what the proxy serves as it verifies proxy.golang.org against
 * sum.golang.org, instead of running with GOSUMDB=off: a signed tree head, `lookup` records and
 * the transparency log's hash tiles (height 8), over every catalog version in catalog order.
 * The go command reaches it through the proxy (`<proxy>/sumdb/<name>/…`) when GOSUMDB is
 * `GO_SUMDB` below.
 */

/** The database's name, as GOSUMDB and the signature lines carry it. */
export const GO_SUMDB_NAME = 'sumdb.fleet.localhost';

// A fixed Ed25519 key, so GOSUMDB is the same on every run (it signs stand-ins only).
const SEED = createHash('sha256').update('fleet local go checksum database').digest();
const PRIVATE_KEY = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]), format: 'der', type: 'pkcs8' });
const PUBLIC_KEY = createPublicKey(PRIVATE_KEY).export({ format: 'der', type: 'spki' }).subarray(-32);
const KEY = Buffer.concat([Buffer.from([1]), PUBLIC_KEY]); // algorithm 1: Ed25519
const KEY_HASH = createHash('sha256').update(`${GO_SUMDB_NAME}\n`).update(KEY).digest().subarray(0, 4);

/** The GOSUMDB value that makes go trust this database: `<name>+<key hash>+<key>`. */
export const GO_SUMDB = `${GO_SUMDB_NAME}+${KEY_HASH.toString('hex')}+${KEY.toString('base64')}`;

/** A signed note: the text, a blank line, and the signature line `— <name> <base64(hash || sig)>`. */
function signNote(text: string): string {
  const signature = sign(null, Buffer.from(text), PRIVATE_KEY);
  return `${text}\n\u2014 ${GO_SUMDB_NAME} ${Buffer.concat([KEY_HASH, signature]).toString('base64')}\n`;
}

const leafHash = (data: Buffer) => createHash('sha256').update(Buffer.from([0])).update(data).digest();
const nodeHash = (left: Buffer, right: Buffer) => createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();

/** RFC 6962's Merkle tree hash of the leaves' hashes. */
function treeHash(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return hashes[0];
  let split = 1;
  while (split * 2 < hashes.length) split *= 2;
  return nodeHash(treeHash(hashes.slice(0, split)), treeHash(hashes.slice(split)));
}

interface Log {
  records: { module: string; version: string; data: Buffer }[];
  /** Stored hashes by level: level 0 the record hashes, level k the complete subtrees of 2^k. */
  levels: Buffer[][];
  treeNote: string;
}

let cached: Log | undefined;

function log(): Log {
  if (cached) return cached;
  const records = GO_CATALOG.flatMap((entry) => entry.versions.map((version) => ({ module: entry.module, version, data: Buffer.from(`${goSumLines(entry.module, version).join('\n')}\n`) })));
  const levels: Buffer[][] = [records.map((record) => leafHash(record.data))];
  for (let level = 0; (levels[level]?.length ?? 0) > 1; level += 1) {
    const below = levels[level] ?? [];
    const above: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(nodeHash(below[i], below[i + 1]));
    levels.push(above);
  }
  const root = treeHash(levels[0] ?? []);
  cached = { records, levels, treeNote: signNote(`go.sum database tree\n${records.length}\n${root.toString('base64')}\n`) };
  return cached;
}

/** tlog's tile index encoding: 1234067 → 'x001/x234/067'. */
function tileIndex(path: string): number | undefined {
  if (!/^(?:x\d{3}\/)*\d{3}$/.test(path)) return undefined;
  return path.split('/').reduce((n, part) => n * 1000 + Number(part.replace('x', '')), 0);
}

/**
 * Answer a request under `/sumdb/<name>/`; undefined when the path is not the database's.
 * `rest` is the path after the name ('/supported', '/latest', '/lookup/…', '/tile/…').
 */
export function sumdbResponse(rest: string, unescape: (path: string) => string | undefined): { status: number; body: Buffer | string } {
  const db = log();
  if (rest === '/supported') return { status: 200, body: '' };
  if (rest === '/latest') return { status: 200, body: db.treeNote };
  const lookup = /^\/lookup\/(.+)@([^@/]+)$/.exec(rest);
  if (lookup?.[1] && lookup[2]) {
    const module = unescape(lookup[1]);
    const version = unescape(lookup[2]);
    const id = db.records.findIndex((record) => record.module === module && record.version === version);
    if (id < 0) return { status: 404, body: `not found: ${module ?? lookup[1]}@${version ?? lookup[2]}\n` };
    return { status: 200, body: `${id}\n${db.records[id]?.data.toString() ?? ''}\n${db.treeNote}` };
  }
  const tile = /^\/tile\/8\/(\d+|data)\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d+))?$/.exec(rest);
  if (tile?.[1] && tile[2]) {
    const index = tileIndex(tile[2]);
    const width = tile[3] === undefined ? 256 : Number(tile[3]);
    if (index === undefined || width < 1 || width > 256 || (tile[3] !== undefined && width === 256)) return { status: 404, body: 'not found\n' };
    const start = index * 256;
    if (tile[1] === 'data') {
      const records = db.records.slice(start, start + width);
      if (records.length !== width) return { status: 404, body: 'not found\n' };
      // A data tile: each record's text followed by a blank line.
      return { status: 200, body: Buffer.concat(records.flatMap((record) => [record.data, Buffer.from('\n')])) };
    }
    const hashes = db.levels[Number(tile[1]) * 8]?.slice(start, start + width) ?? [];
    if (hashes.length !== width) return { status: 404, body: 'not found\n' };
    return { status: 200, body: Buffer.concat(hashes) };
  }
  return { status: 404, body: 'not found\n' };
}
