import picomatch from 'picomatch';

/**
 * The paths that match any of the patterns (exact paths or globs), sorted. Globs see dotfiles,
 * so "**\/*.yml" reaches ".github/workflows/ci.yml".
 *
 * @example
 * matchPaths(['**\/package.json'], ['package.json', 'a/package.json', 'a/index.js'])
 * // ['a/package.json', 'package.json']
 */
export function matchPaths(patterns: readonly string[], paths: Iterable<string>): string[] {
  const isMatch = picomatch([...patterns], { dot: true });
  return [...new Set([...paths].filter((path) => isMatch(path)))].sort();
}

/** True when the pattern names one file rather than a glob. */
export function isLiteralPath(pattern: string): boolean {
  return !picomatch.scan(pattern).isGlob;
}
