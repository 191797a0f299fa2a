import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Ecosystem } from '../../../src/changes/dependency/types.js';
import { runTransform } from './run-transform.js';

/**
 * Generated manifests: a file is rendered from a template with the package's version as a hole,
 * among other entries, comments and blank lines in random layouts. Editing it must give exactly
 * the same template rendered with the new version: every other byte stays.
 */

const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map(([a, b, c]) => `${a}.${b}.${c}`);
/** Two versions, the same one a quarter of the time (the no-op). */
const fromTo = fc.tuple(version, version, fc.nat(3)).map(([a, b, same]) => [a, same === 0 ? a : b] as const);
const squash = (text: string) => text.replace(/\s+/g, '');
const blank = fc.constantFrom('', '   ', '# a comment', '// a comment');
const eol = fc.constantFrom('\n', '\r\n');

interface Case {
  ecosystem: Ecosystem;
  path: string;
  package: string;
  render: (v: string) => string;
  /** How the version is written in the file, from the spec's version. */
  written: (v: string) => string;
  /** How the edit writes it (default: as `written`). */
  after?: (v: string) => string;
  spec: (v: string) => string;
}

function lines(parts: string[], newline: string): string {
  return parts.join(newline) + newline;
}

const requirements = fc
  .record({
    before: fc.array(fc.constantFrom('idna==3.4', 'urllib3>=1.26  # pinned', '-r base.txt', 'six', '# requests==1.0 in a comment'), { maxLength: 4 }),
    after: fc.array(fc.constantFrom('certifi==2023.7.22', 'charset-normalizer~=3.2', ''), { maxLength: 3 }),
    name: fc.constantFrom('requests', 'Requests', 'requests[socks]'),
    lead: fc.constantFrom('', ' '),
    op: fc.constantFrom('==', '== ', '>=', '~=', '>= '),
    tail: fc.constantFrom('', '  # http', ' ; python_version >= "3.8"'),
    newline: eol,
  })
  .map(
    (r): Case => ({
      ecosystem: 'python',
      path: 'requirements.txt',
      package: 'requests',
      // The whole specifier is replaced by the pin, so the hole is the specifier.
      render: (specifier) => lines([...r.before, `${r.name}${r.lead}${specifier}${r.tail}`, ...r.after], r.newline),
      written: (v) => `${r.op}${v}`,
      after: (v) => `==${v}`,
      spec: (v) => v,
    }),
  );

const goMod = fc
  .record({
    block: fc.boolean(),
    others: fc.array(fc.constantFrom('github.com/google/uuid v1.3.0', 'golang.org/x/sys v0.13.0 // indirect', 'github.com/pkg/errors v0.9.1'), { maxLength: 3 }),
    indirect: fc.boolean(),
    junk: fc.array(blank, { maxLength: 2 }),
    newline: eol,
  })
  .map(
    (g): Case => ({
      ecosystem: 'go',
      path: 'go.mod',
      package: 'github.com/sirupsen/logrus',
      render: (v) => {
        const own = `github.com/sirupsen/logrus v${v}${g.indirect ? ' // indirect' : ''}`;
        const body = g.block ? ['require (', ...g.others.map((o) => `\t${o}`), `\t${own}`, ')'] : [...g.others.map((o) => `require ${o}`), `require ${own}`];
        return lines(['module github.com/acme/x', '', 'go 1.21', ...g.junk.filter((j) => !j.startsWith('#')), ...body], g.newline);
      },
      // logrus has no /v2 path, so its versions stay v1.x.y; the spec leaves the v out and the transform adds it.
      written: (v) => v.replace(/^\d+/, '1'),
      spec: (v) => v.replace(/^\d+/, '1'),
    }),
  );

const dockerfile = fc
  .record({
    platform: fc.boolean(),
    stage: fc.constantFrom('', ' AS build', ' as build'),
    host: fc.constantFrom('', 'docker.io/', 'docker.io/library/'),
    variant: fc.constantFrom('', '-alpine', '-slim'),
    rest: fc.array(fc.constantFrom('RUN npm ci', 'COPY . .', '# FROM node:1', 'FROM gcr.io/distroless/nodejs20'), { maxLength: 4 }),
    newline: eol,
  })
  .map(
    (d): Case => ({
      ecosystem: 'docker',
      path: 'Dockerfile',
      package: 'node',
      render: (v) => lines([`FROM ${d.platform ? '--platform=$BUILDPLATFORM ' : ''}${d.host}node:${v}${d.variant}${d.stage}`, ...d.rest], d.newline),
      written: (v) => v,
      spec: (v) => v,
    }),
  );

const pom = fc
  .record({
    indent: fc.constantFrom('  ', '    ', '\t'),
    spaced: fc.boolean(),
    comment: fc.boolean(),
    managed: fc.boolean(),
    newline: eol,
  })
  .map(
    (p): Case => ({
      ecosystem: 'maven',
      path: 'pom.xml',
      package: 'org.slf4j:slf4j-api',
      render: (v) => {
        const i = p.indent;
        const dep = [`${i}${i}<dependency>`, `${i}${i}${i}<groupId>org.slf4j</groupId>`, `${i}${i}${i}<artifactId>slf4j-api</artifactId>`, `${i}${i}${i}<version>${p.spaced ? ` ${v} ` : v}</version>`, `${i}${i}</dependency>`];
        const deps = [`${i}<dependencies>`, ...(p.comment ? [`${i}${i}<!-- <version>0.0.1</version> -->`] : []), ...dep, `${i}</dependencies>`];
        const body = p.managed ? [`${i}<dependencyManagement>`, ...deps.map((l) => `${i}${l}`), `${i}</dependencyManagement>`] : deps;
        return lines(['<?xml version="1.0" encoding="UTF-8"?>', '<project>', ...body, '</project>'], p.newline);
      },
      written: (v) => v,
      spec: (v) => v,
    }),
  );

describe('only the version changes', () => {
  test.each([
    ['requirements.txt', requirements],
    ['go.mod', goMod],
    ['Dockerfile', dockerfile],
    ['pom.xml', pom],
  ] as const)('%s', async (_name, cases) => {
    await fc.assert(
      fc.asyncProperty(cases, fromTo, async (c, [from, to]) => {
        const before = c.render(c.written(from));
        const expected = c.render((c.after ?? c.written)(to));
        const outcome = await runTransform(c.ecosystem, { [c.path]: before }, { package: c.package, version: c.spec(to) });
        // Two generated versions can be written alike (go.mod keeps logrus at v1): then nothing changes.
        if (squash(c.written(from)) === squash((c.after ?? c.written)(to))) {
          expect(outcome.edits).toEqual([]);
          expect(outcome.already).toEqual([c.path]);
        } else {
          expect(outcome.edits).toEqual([{ path: c.path, content: expected }]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
