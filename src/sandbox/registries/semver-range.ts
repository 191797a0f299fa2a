/**
 * The part of node-semver's range language the local registries and the fixture lockfiles need:
 * exact versions, `=`, `<`, `<=`, `>`, `>=`, `^`, `~`, x-ranges (`1.x`, `1.2`, `*`, ''), hyphen
 * ranges, AND by spaces and OR by `||`. Prerelease versions only match a range that names one of
 * the same major.minor.patch, as npm's do. Fleet's catalog holds released versions only.
 */

interface Version { major: number; minor: number; patch: number; pre: string[] }

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parse `1.2.3` (`v1.2.3`, `1.2.3-rc.1`); undefined when it is not a full version. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), pre: match[4] ? match[4].split('.') : [] };
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return (b.length === 0 ? 0 : 1) - (a.length === 0 ? 0 : 1) || 0;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx) return -1;
    if (ny) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || comparePre(a.pre, b.pre);
}

/** Compare two full versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) throw new Error(`not a version: ${x ? b : a}`);
  return compare(x, y);
}

type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: Version };

interface Partial { major?: number; minor?: number; patch?: number; pre: string[] }

function parsePartial(text: string): Partial | undefined {
  const match = /^v?(\d+|[xX*])?(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!match) return undefined;
  const num = (part: string | undefined) => (part === undefined || /^[xX*]$/.test(part) ? undefined : Number(part));
  const major = num(match[1]);
  const minor = major === undefined ? undefined : num(match[2]);
  const patch = minor === undefined ? undefined : num(match[3]);
  return { major, minor, patch, pre: match[4] && patch !== undefined ? match[4].split('.') : [] };
}

const v = (major: number, minor: number, patch: number, pre: string[] = []): Version => ({ major, minor, patch, pre });

/** The comparators one simple term (`^1.2.3`, `>=2`, `1.x`) stands for. */
function termComparators(term: string): Comparator[] {
  const match = /^(\^|~>?|<=|>=|<|>|=)?\s*(.*)$/.exec(term);
  const op = match?.[1] ?? '';
  const partial = parsePartial(match?.[2] ?? '');
  if (!partial) throw new Error(`not a version range: ${term}`);
  const { major, minor, patch, pre } = partial;
  if (major === undefined) return op === '<' || op === '>' ? [{ op: '<', version: v(0, 0, 0, ['0']) }] : [];
  const low = v(major, minor ?? 0, patch ?? 0, pre);
  if (op === '^') {
    const high = major > 0 || minor === undefined ? v(major + 1, 0, 0, ['0']) : minor > 0 || patch === undefined ? v(0, minor + 1, 0, ['0']) : v(0, 0, patch + 1, ['0']);
    return [{ op: '>=', version: low }, { op: '<', version: high }];
  }
  if (op.startsWith('~')) {
    const high = minor === undefined ? v(major + 1, 0, 0, ['0']) : v(major, minor + 1, 0, ['0']);
    return [{ op: '>=', version: low }, { op: '<', version: high }];
  }
  const upper = minor === undefined ? v(major + 1, 0, 0, ['0']) : patch === undefined ? v(major, minor + 1, 0, ['0']) : undefined;
  if (op === '' || op === '=') return upper ? [{ op: '>=', version: low }, { op: '<', version: upper }] : [{ op: '=', version: low }];
  if (op === '>') return upper ? [{ op: '>=', version: upper }] : [{ op: '>', version: low }];
  if (op === '<=') return upper ? [{ op: '<', version: upper }] : [{ op: '<=', version: low }];
  return [{ op: op as Comparator['op'], version: op === '<' ? v(low.major, low.minor, low.patch, pre.length ? pre : upper ? ['0'] : []) : low }];
}

function parseRange(range: string): Comparator[][] {
  return range.split('||').map((alternative) => {
    const text = alternative.trim().replace(/(\^|~>?|<=|>=|<|>|=)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) {
      const to = parsePartial(hyphen[2] ?? '');
      if (!to) throw new Error(`not a version range: ${range}`);
      const upper = to.major === undefined ? [] : to.minor === undefined ? termComparators(`<${to.major + 1}.0.0-0`) : to.patch === undefined ? termComparators(`<${to.major}.${to.minor + 1}.0-0`) : termComparators(`<=${hyphen[2]}`);
      return [...termComparators(`>=${hyphen[1]}`), ...upper];
    }
    return text === '' ? [] : text.split(/\s+/).flatMap(termComparators);
  });
}

function test(version: Version, comparator: Comparator): boolean {
  const c = compare(version, comparator.version);
  switch (comparator.op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
    default: return c === 0;
  }
}

/**
 * Whether `version` is in `range`.
 *
 * @example satisfies('4.17.21', '^4.17.4') // true
 */
export function satisfies(version: string, range: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  return parseRange(range).some((set) => {
    if (!set.every((comparator) => test(parsed, comparator))) return false;
    if (parsed.pre.length === 0) return true;
    return set.some((c) => c.version.pre.length > 0 && c.version.pre[0] !== '0' && c.version.major === parsed.major && c.version.minor === parsed.minor && c.version.patch === parsed.patch);
  });
}

/** Whether `range` is a range this module reads (a dist-tag or a URL is not). */
export function isRange(range: string): boolean {
  try {
    parseRange(range);
    return true;
  } catch {
    return false;
  }
}

/**
 * The highest of `versions` in `range`, or undefined.
 *
 * @example maxSatisfying(['4.17.20', '4.17.21', '5.0.0'], '^4') // '4.17.21'
 */
export function maxSatisfying(versions: readonly string[], range: string): string | undefined {
  let best: string | undefined;
  for (const candidate of versions) if (satisfies(candidate, range) && (best === undefined || compareVersions(candidate, best) > 0)) best = candidate;
  return best;
}
