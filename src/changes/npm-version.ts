/**
 * The version syntax npm accepts in a package.json dependency, checked without a registry: a
 * semver version or range (node-semver's grammar: "4.17.21", "^4.17.21", "~1.2", ">=4 <5",
 * "1.2.3 - 2.0.0", "1.x || 2.x", "*"), or a specifier npm resolves without the registry's
 * version list (`npm:`, `file:`, `link:`, `workspace:`, git and tarball URLs, GitHub's
 * "owner/repo#ref"). Dist-tags such as "latest" are refused: a campaign sets a version, and a
 * word such as "banana" is far more often a typo than a tag.
 */

const NR = '(?:0|[1-9]\\d*)';
const XR = `(?:[xX*]|${NR})`;
const PART = '[0-9A-Za-z-]+';
const QUALIFIER = `(?:-?${PART}(?:\\.${PART})*)?(?:\\+${PART}(?:\\.${PART})*)?`;
const PARTIAL = `v?${XR}(?:\\.${XR}(?:\\.${XR}${QUALIFIER})?)?`;
const SIMPLE = new RegExp(`^(?:[<>]=?|=|~>?|\\^)?\\s*${PARTIAL}$`);
const HYPHEN = new RegExp(`^${PARTIAL}\\s+-\\s+${PARTIAL}$`);
const PROTOCOL = /^(?:npm:|file:|link:|workspace:|git\+[a-z]+:\/\/|git:\/\/|github:|gitlab:|bitbucket:|gist:|https?:\/\/)\S+$/;
const GITHUB_SHORTHAND = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(?:#\S+)?$/;

function isRange(range: string): boolean {
  const trimmed = range.trim();
  if (trimmed === '') return true;
  if (HYPHEN.test(trimmed)) return true;
  // Operators may be written apart from their version (">= 1.2.3"): join them before splitting.
  const joined = trimmed.replace(/([<>]=?|=|~>?|\^)\s+/g, '$1');
  return joined.split(/\s+/).every((simple) => SIMPLE.test(simple));
}

/**
 * Whether npm reads `spec` as a dependency version.
 *
 * @example isNpmVersion('^4.17.21') // true
 * @example isNpmVersion('>=4 <5 || 6.x') // true
 * @example isNpmVersion('banana') // false
 */
export function isNpmVersion(spec: string): boolean {
  if (spec.trim() === '' || spec.length > 100) return false;
  if (PROTOCOL.test(spec) || GITHUB_SHORTHAND.test(spec)) return true;
  return spec.split('||').every(isRange);
}
