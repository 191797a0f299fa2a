/**
 * node-semver's `satisfies` for the ranges package.json files hold (`^`, `~`, x-ranges, hyphen
 * ranges, comparators, `||`), so the fake CI's install check judges a lockfile as `npm ci` does
 * without taking a package's opinion of what a range means. Not a range (a tag, a URL, `file:`,
 * `workspace:`): undefined, and the caller decides.
 */

interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: (string | number)[];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), pre: splitPre(match[4]) };
}

function splitPre(pre: string | undefined): (string | number)[] {
  return pre === undefined ? [] : pre.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function compare(a: Version, b: Version): number {
  for (const key of ['major', 'minor', 'patch'] as const) if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i += 1) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: Version };

const wild = (part: string | undefined): boolean => part === undefined || /^[xX*]$/.test(part);

/** One partial version with an operator (or none) → comparators, as node-semver desugars them. */
function desugar(op: string, text: string): Comparator[] | undefined {
  if (text === '' || text === '*' || /^[xX]$/.test(text)) return op === '<' || op === '>' ? [{ op: '<', version: { major: 0, minor: 0, patch: 0, pre: [0] } }] : [];
  const match = PARTIAL.exec(text);
  if (!match) return undefined;
  const [, ma, mi, pa, pre] = match;
  const major = Number(ma);
  const minor = wild(mi) ? 0 : Number(mi);
  const patch = wild(pa) ? 0 : Number(pa);
  const v = (M: number, m: number, p: number, prerelease: (string | number)[] = []): Version => ({ major: M, minor: m, patch: p, pre: prerelease });
  const exact = v(major, minor, patch, splitPre(pre));
  const xMajor = wild(ma);
  const xMinor = wild(mi);
  const xPatch = wild(pa);
  if (xMajor) return [];
  if (op === '^') {
    if (xMinor) return [{ op: '>=', version: v(major, 0, 0) }, { op: '<', version: v(major + 1, 0, 0, [0]) }];
    if (xPatch) return [{ op: '>=', version: v(major, minor, 0) }, { op: '<', version: major === 0 ? v(0, minor + 1, 0, [0]) : v(major + 1, 0, 0, [0]) }];
    const upper = major !== 0 ? v(major + 1, 0, 0, [0]) : minor !== 0 ? v(0, minor + 1, 0, [0]) : v(0, 0, patch + 1, [0]);
    return [{ op: '>=', version: exact }, { op: '<', version: upper }];
  }
  if (op === '~' || op === '~>') {
    if (xMinor) return [{ op: '>=', version: v(major, 0, 0) }, { op: '<', version: v(major + 1, 0, 0, [0]) }];
    return [{ op: '>=', version: xPatch ? v(major, minor, 0) : exact }, { op: '<', version: v(major, minor + 1, 0, [0]) }];
  }
  if (op === '' || op === '=') {
    if (xMinor) return [{ op: '>=', version: v(major, 0, 0) }, { op: '<', version: v(major + 1, 0, 0, [0]) }];
    if (xPatch) return [{ op: '>=', version: v(major, minor, 0) }, { op: '<', version: v(major, minor + 1, 0, [0]) }];
    return [{ op: '=', version: exact }];
  }
  if (op === '>') {
    if (xMinor) return [{ op: '>=', version: v(major + 1, 0, 0) }];
    if (xPatch) return [{ op: '>=', version: v(major, minor + 1, 0) }];
    return [{ op: '>', version: exact }];
  }
  if (op === '<=') {
    if (xMinor) return [{ op: '<', version: v(major + 1, 0, 0, [0]) }];
    if (xPatch) return [{ op: '<', version: v(major, minor + 1, 0, [0]) }];
    return [{ op: '<=', version: exact }];
  }
  if (op === '>=') return [{ op: '>=', version: xMinor ? v(major, 0, 0) : xPatch ? v(major, minor, 0) : exact }];
  if (op === '<') return [{ op: '<', version: xMinor ? v(major, 0, 0, [0]) : xPatch ? v(major, minor, 0, [0]) : exact }];
  return undefined;
}

function parseSet(text: string): Comparator[] | undefined {
  const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(text);
  if (hyphen) {
    const low = desugar('>=', hyphen[1] ?? '');
    const high = PARTIAL.exec(hyphen[2] ?? '');
    if (!low || !high) return undefined;
    // A partial upper bound includes its whole range: 1.2.3 - 2.3 is <2.4.0-0.
    const upper = wild(high[2]) ? desugar('<', `${Number(high[1]) + 1}`) : wild(high[3]) ? desugar('<', `${high[1]}.${Number(high[2]) + 1}`) : desugar('<=', hyphen[2] ?? '');
    return upper ? [...low, ...upper] : undefined;
  }
  const out: Comparator[] = [];
  // Operators may be followed by spaces (`>= 1.2.3`).
  const tokens = text.trim().replace(/(\^|~>?|[<>]=?|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
  for (const token of tokens) {
    const match = /^(\^|~>?|[<>]=?|=)?(.*)$/.exec(token);
    const comparators = desugar(match?.[1] ?? '', match?.[2] ?? '');
    if (!comparators) return undefined;
    out.push(...comparators);
  }
  return out;
}

function test(version: Version, set: Comparator[]): boolean {
  for (const { op, version: bound } of set) {
    const order = compare(version, bound);
    const ok = op === '=' ? order === 0 : op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
    if (!ok) return false;
  }
  // A prerelease satisfies only a set that names a prerelease of the same [major, minor, patch].
  if (version.pre.length > 0) {
    return set.some(({ version: bound }) => bound.pre.length > 0 && !(bound.pre.length === 1 && bound.pre[0] === 0) && bound.major === version.major && bound.minor === version.minor && bound.patch === version.patch);
  }
  return true;
}

/**
 * Whether `version` satisfies `range` as node-semver says; undefined when `range` is not a semver
 * range (a dist-tag, a URL, `file:`, `workspace:`, `npm:` aliases are the caller's to unwrap).
 *
 * @example satisfiesRange('4.17.21', '^4.17.20') // true
 * @example satisfiesRange('4.17.20', '4.17.21') // false
 */
export function satisfiesRange(version: string, range: string): boolean | undefined {
  const parsed = parseVersion(version);
  if (!parsed) return undefined;
  const sets = range.split('||').map((part) => parseSet(part));
  if (sets.some((set) => set === undefined)) return undefined;
  return sets.some((set) => test(parsed, set ?? []));
}
