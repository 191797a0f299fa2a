/**
 * CODEOWNERS, as GitHub reads it: one rule per line (`pattern owner...`), `#` comments, the last
 * matching rule wins, gitignore-style patterns without `!` negation or `[]` ranges, and a rule
 * with no owners leaves the matching paths unowned.
 */
export interface CodeownersRule {
  pattern: string;
  owners: string[];
  line: number;
  regex: RegExp;
}

export interface CodeownersError {
  line: number;
  message: string;
}

export interface Codeowners {
  rules: CodeownersRule[];
  errors: CodeownersError[];
}

/** Where GitHub looks, in the order it looks (the first one found is used). */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

const USER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*)\/[A-Za-z0-9_.-]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function escapeRegex(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Translates one CODEOWNERS pattern to a regular expression over repository paths (no leading slash). */
export function compilePattern(raw: string): RegExp {
  let pattern = raw;
  let anchored = pattern.startsWith('/');
  if (anchored) pattern = pattern.slice(1);
  const directoryOnly = pattern.endsWith('/');
  if (directoryOnly) pattern = pattern.slice(0, -1);
  // gitignore: a slash anywhere but at the end anchors the pattern to the root.
  if (pattern.includes('/')) anchored = true;
  if (pattern === '*' || pattern === '**') return /^.+$/;

  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const atSegmentEnd = pattern[i + 2] === '/';
      body += atSegmentEnd ? '(?:.*/)?' : '.*';
      i += atSegmentEnd ? 2 : 1;
    } else if (c === '*') {
      body += '[^/]*';
    } else if (c === '?') {
      body += '[^/]';
    } else if (c === '\\' && i + 1 < pattern.length) {
      body += escapeRegex(pattern[i + 1]);
      i++;
    } else {
      body += escapeRegex(c);
    }
  }
  const lastSegment = pattern.slice(pattern.lastIndexOf('/') + 1);
  // GitHub: "docs/*" owns docs/a.md but not docs/sub/b.md, so a wildcard last segment does not reach
  // into directories; a plain name owns the directory of that name and everything under it.
  const suffix = directoryOnly ? '/.+$' : lastSegment.includes('*') && !lastSegment.includes('**') ? '$' : '(?:/.*)?$';
  return new RegExp(`${anchored ? '^' : '^(?:.*/)?'}${body}${suffix}`);
}

/**
 * Parses a CODEOWNERS file. Lines GitHub would reject are reported in `errors` and skipped.
 *
 * @example
 * const owners = parseCodeowners('* @acme/platform\n/docs/ @alice\n');
 * ownersOf(owners, 'docs/readme.md') // ['@alice']
 */
export function parseCodeowners(text: string): Codeowners {
  const rules: CodeownersRule[] = [];
  const errors: CodeownersError[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const content = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (content === '') return;
    const [pattern, ...owners] = content.split(/\s+/) as [string, ...string[]];
    if (pattern.startsWith('!')) {
      errors.push({ line, message: `"${pattern}": negated patterns are not supported in CODEOWNERS` });
      return;
    }
    if (/(?<!\\)[[\]]/.test(pattern)) {
      errors.push({ line, message: `"${pattern}": character ranges are not supported in CODEOWNERS` });
      return;
    }
    const bad = owners.filter((o) => !USER.test(o) && !TEAM.test(o) && !EMAIL.test(o));
    if (bad.length > 0) {
      errors.push({ line, message: `"${bad.join('", "')}" ${bad.length === 1 ? 'is not an owner' : 'are not owners'}: use @user, @org/team or an email address` });
      return;
    }
    rules.push({ pattern, owners, line, regex: compilePattern(pattern) });
  });
  return { rules, errors };
}

/** The owners of one path: those of the last matching rule, or none. */
export function ownersOf(codeowners: Codeowners, path: string): string[] {
  const normalised = path.replace(/^\/+/, '');
  for (let i = codeowners.rules.length - 1; i >= 0; i--) {
    const rule = codeowners.rules[i];
    if (rule.regex.test(normalised)) return rule.owners;
  }
  return [];
}

/** Splits owners into users and team slugs as the review-request API wants them; emails are dropped. */
export function splitOwners(owners: Iterable<string>): { users: string[]; teams: string[] } {
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const owner of owners) {
    if (TEAM.test(owner)) teams.add(owner.slice(owner.indexOf('/') + 1));
    else if (USER.test(owner)) users.add(owner.slice(1));
  }
  return { users: [...users], teams: [...teams] };
}

/** The owners of a set of changed paths, with the paths nobody owns. */
export function ownersOfPaths(codeowners: Codeowners, paths: readonly string[]): { owners: string[]; unowned: string[] } {
  const owners = new Set<string>();
  const unowned: string[] = [];
  for (const path of paths) {
    const found = ownersOf(codeowners, path);
    if (found.length === 0) unowned.push(path);
    for (const o of found) owners.add(o);
  }
  return { owners: [...owners], unowned };
}
