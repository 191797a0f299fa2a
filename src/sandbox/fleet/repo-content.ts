import { makeIco, makePng, makeTarGz } from './binary-files.js';
import { createRandom } from './random.js';

/**
 * The rest of a generated repository, beyond its manifest: source and tests, docs, configs, CI,
 * images, an archive and, in about one repository in ten, a file of a few MB. Content comes from
 * a pool built once per process from a fixed seed, and each repository picks from it, so a
 * thousand repositories share most of their blobs (the fake's content-addressed store keeps each
 * once) while their trees differ. Only the files that name the repository are its own.
 */

const NOUNS = ['account', 'invoice', 'payment', 'order', 'customer', 'session', 'token', 'ledger', 'refund', 'report', 'webhook', 'queue', 'cache', 'config', 'metric', 'event', 'search', 'index', 'catalog', 'product', 'price', 'tax', 'shipment', 'address', 'user', 'team', 'role', 'audit', 'export', 'import', 'schedule', 'notice', 'template', 'upload', 'image', 'feature', 'limit', 'health', 'job', 'batch'];
const KINDS = ['service', 'repository', 'handler', 'mapper', 'validator', 'client', 'store', 'policy', 'formatter', 'worker', 'routes', 'errors'];
const DIRS = ['domain', 'http', 'jobs', 'lib', 'storage', 'integrations'];
const DOC_TOPICS = ['architecture', 'runbook', 'onboarding', 'deployment', 'api', 'data-model', 'incident-response', 'observability', 'security', 'testing', 'release-process', 'local-development', 'configuration', 'troubleshooting', 'glossary', 'decisions/0001-record-architecture-decisions', 'decisions/0002-use-postgres', 'decisions/0003-queue-retries', 'decisions/0004-feature-flags', 'decisions/0005-structured-logging'];
const WORDS = ['the', 'request', 'is', 'retried', 'when', 'upstream', 'answers', 'with', 'a', 'timeout', 'each', 'record', 'keeps', 'its', 'owner', 'and', 'state', 'so', 'that', 'replays', 'are', 'safe', 'we', 'log', 'every', 'decision', 'before', 'acting', 'on', 'it', 'batches', 'stay', 'small', 'enough', 'to', 'fit', 'one', 'transaction'];

const pascal = (text: string): string => text.split(/[-/]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
const camel = (text: string): string => pascal(text).charAt(0).toLowerCase() + pascal(text).slice(1);

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i += 1) out.push(WORDS[Math.floor(random() * WORDS.length)] ?? 'it');
  const text = out.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** One module of the pool: a noun and a kind give its name; its body is seeded by its index. */
function moduleSource(index: number, typescript: boolean): string {
  const noun = NOUNS[index % NOUNS.length] ?? 'item';
  const kind = KINDS[Math.floor(index / NOUNS.length) % KINDS.length] ?? 'service';
  const random = createRandom(10_007 + index);
  const name = `${pascal(noun)}${pascal(kind)}`;
  const t = (annotation: string): string => (typescript ? annotation : '');
  const lines: string[] = [];
  if (typescript) {
    lines.push(`export interface ${pascal(noun)} {`, `  id: string;`, `  createdAt: string;`);
    for (let i = 0; i < 2 + Math.floor(random() * 5); i += 1) lines.push(`  ${camel(NOUNS[Math.floor(random() * NOUNS.length)] ?? 'field')}${i}: ${random() < 0.5 ? 'string' : 'number'};`);
    lines.push('}', '');
  }
  lines.push(`/** ${sentence(random, 10)} */`);
  lines.push(`export function create${name}(deps${t(': { now: () => number; log: (line: string) => void }')}) {`);
  lines.push(`  const seen = new Map${t(`<string, ${typescript ? pascal(noun) : 'unknown'}>`)}();`);
  for (let f = 0; f < 2 + Math.floor(random() * 5); f += 1) {
    const verb = ['find', 'save', 'list', 'remove', 'check', 'format', 'merge', 'retry'][Math.floor(random() * 8)] ?? 'find';
    lines.push('', `  /** ${sentence(random, 8 + Math.floor(random() * 10))} */`);
    lines.push(`  function ${verb}${pascal(noun)}${f}(id${t(': string')})${t(`: ${pascal(noun)} | undefined`)} {`);
    for (let s = 0; s < 2 + Math.floor(random() * 6); s += 1) {
      const choice = random();
      if (choice < 0.3) lines.push(`    if (!id) throw new Error('${noun} id is required (${verb} ${s})');`);
      else if (choice < 0.6) lines.push(`    deps.log(\`${verb} ${noun} \${id} at \${deps.now()}\`);`);
      else lines.push(`    const attempt${s} = ${Math.floor(random() * 100)} + id.length;`, `    if (attempt${s} > ${50 + Math.floor(random() * 50)}) return undefined;`);
    }
    lines.push(`    return seen.get(id);`, '  }');
  }
  lines.push('', `  return { size: () => seen.size };`, '}', '');
  return lines.join('\n');
}

function testSource(index: number, dir: string): string {
  const noun = NOUNS[index % NOUNS.length] ?? 'item';
  const kind = KINDS[Math.floor(index / NOUNS.length) % KINDS.length] ?? 'service';
  const name = `${pascal(noun)}${pascal(kind)}`;
  const random = createRandom(20_011 + index);
  const lines = [`import { describe, expect, test } from 'vitest';`, `import { create${name} } from '../../src/${dir}/${noun}-${kind}.js';`, '', `describe('${noun} ${kind}', () => {`];
  for (let i = 0; i < 2 + Math.floor(random() * 4); i += 1) {
    lines.push(`  test('${sentence(random, 6).slice(0, -1).toLowerCase()}', () => {`, `    const subject = create${name}({ now: () => ${Math.floor(random() * 1e9)}, log: () => undefined });`, `    expect(subject.size()).toBe(0);`, '  });');
  }
  lines.push('});', '');
  return lines.join('\n');
}

function docPage(topic: string, runner = 'npm run'): string {
  const random = createRandom(30_013 + topic.length * 31 + (topic.charCodeAt(0) || 0));
  const lines = [`# ${pascal(topic.split('/').at(-1) ?? topic).replace(/([a-z])([A-Z])/g, '$1 $2')}`, ''];
  for (let section = 0; section < 3 + Math.floor(random() * 4); section += 1) {
    lines.push(`## ${sentence(random, 3).slice(0, -1)}`, '');
    for (let p = 0; p < 1 + Math.floor(random() * 3); p += 1) lines.push(Array.from({ length: 3 + Math.floor(random() * 4) }, () => sentence(random, 8 + Math.floor(random() * 12))).join(' '), '');
    if (random() < 0.4) lines.push('```sh', `${runner} ${['build', 'test', 'lint', 'start'][Math.floor(random() * 4)] ?? 'test'}`, '```', '');
  }
  return lines.join('\n');
}

const cache = new Map<string, string | Uint8Array>();
function pooled<T extends string | Uint8Array>(key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value as T;
}

const POOL_SIZE = NOUNS.length * KINDS.length;
const STRIDES = [1, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61];

const CONFIGS: Record<string, string> = {
  '.editorconfig': 'root = true\n\n[*]\ncharset = utf-8\nend_of_line = lf\nindent_style = space\nindent_size = 2\ninsert_final_newline = true\ntrim_trailing_whitespace = true\n\n[*.md]\ntrim_trailing_whitespace = false\n',
  '.gitignore': 'node_modules/\ndist/\ncoverage/\n.env\n.env.*\n!.env.example\n*.log\n.DS_Store\n.idea/\n.vscode/\ntmp/\n',
  '.nvmrc': '20\n',
  '.prettierrc.json': `${JSON.stringify({ singleQuote: true, printWidth: 120, trailingComma: 'all' }, null, 2)}\n`,
  '.dockerignore': 'node_modules\ndist\ncoverage\n.git\n*.log\n',
  'eslint.config.js': "import js from '@eslint/js';\n\nexport default [\n  js.configs.recommended,\n  { ignores: ['dist/', 'coverage/'] },\n  { rules: { 'no-console': 'warn', eqeqeq: 'error' } },\n];\n",
  'vitest.config.js': "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { include: ['test/**/*.test.*'], coverage: { reporter: ['text', 'lcov'] } } });\n",
  '.env.example': 'PORT=8080\nLOG_LEVEL=info\nDATABASE_URL=postgres://localhost:5432/app\nREDIS_URL=redis://localhost:6379\n',
  'Dockerfile': 'FROM node:20-slim AS build\nWORKDIR /app\nCOPY package.json package-lock.json* ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app .\nUSER node\nCMD ["node", "dist/index.js"]\n',
  'LICENSE': 'Copyright (c) Acme Corporation. All rights reserved.\n\nThis software is proprietary and confidential. Unauthorised copying of this file, via any medium, is strictly prohibited.\n',
  '.github/dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n',
  '.github/pull_request_template.md': '## What\n\n## Why\n\n## How was it tested\n\n- [ ] Tests added or updated\n- [ ] Docs updated\n',
  'scripts/release.sh': '#!/usr/bin/env bash\nset -euo pipefail\nversion="${1:?usage: release.sh <version>}"\nnpm version "$version" --no-git-tag-version\ngit commit -am "Release $version"\n',
  'scripts/wait-for-db.sh': '#!/usr/bin/env bash\nset -euo pipefail\nuntil pg_isready -h "${DB_HOST:-localhost}"; do sleep 1; done\n',
};

/** Binary assets every repository may carry, built once: real PNGs, an ICO and a .tar.gz. */
function assets(): Record<string, Uint8Array> {
  return {
    'docs/images/logo.png': pooled('logo', () => makePng({ width: 64, height: 64, seed: 1 })),
    'docs/images/architecture.png': pooled('architecture', () => makePng({ width: 320, height: 200, seed: 2 })),
    'docs/images/sequence.png': pooled('sequence', () => makePng({ width: 240, height: 320, seed: 3 })),
    'public/favicon.ico': pooled('favicon', () => makeIco(makePng({ width: 32, height: 32, seed: 4 }), 32)),
    'test/fixtures/sample-export.tar.gz': pooled('archive', () => makeTarGz({ 'export/records.csv': 'id,amount,currency\n1,1200,EUR\n2,560,USD\n3,99,GBP\n', 'export/README.txt': 'A sample export, for the import tests.\n' })),
  };
}

/** A few MB of barely compressible image: the large file about one repository in ten carries. */
function largeAsset(variant: number): Uint8Array {
  return pooled(`large-${variant}`, () => makePng({ width: 1024, height: 768 + variant * 256, seed: 100 + variant, noise: 1 }));
}

/**
 * The extra files of one repository: ~170 to 420 of them (about 1 in 10 carries a file of 2.5 to
 * 3 MB). Deterministic in `seed`; text files that name nothing are shared with other repositories.
 *
 * @example Object.keys(realisticFiles({ seed: 1, name: 'payments-api', team: 'payments', typescript: true })).length // ~250
 */
export function realisticFiles(input: { seed: number; name: string; team: string; typescript: boolean }): Record<string, string | Uint8Array> {
  const random = createRandom(input.seed);
  const ext = input.typescript ? 'ts' : 'js';
  const files: Record<string, string | Uint8Array> = {};
  const modules = 90 + Math.floor(random() * 130);
  const start = Math.floor(random() * POOL_SIZE);
  // A stride prime to the pool's size walks it without repeats.
  const stride = STRIDES[Math.floor(random() * STRIDES.length)] ?? 7;
  for (let i = 0; i < modules; i += 1) {
    const index = (start + i * stride) % POOL_SIZE;
    const noun = NOUNS[index % NOUNS.length] ?? 'item';
    const kind = KINDS[Math.floor(index / NOUNS.length) % KINDS.length] ?? 'service';
    const dir = DIRS[(index + Math.floor(index / 7)) % DIRS.length] ?? 'lib';
    files[`src/${dir}/${noun}-${kind}.${ext}`] = pooled(`module-${ext}-${index}`, () => moduleSource(index, input.typescript));
    if (random() < 0.7) files[`test/${dir}/${noun}-${kind}.test.${ext}`] = pooled(`test-${ext}-${index}-${dir}`, () => testSource(index, dir));
  }
  for (const topic of DOC_TOPICS) if (random() < 0.6) files[`docs/${topic}.md`] = pooled(`doc-${topic}`, () => docPage(topic));
  for (const [path, text] of Object.entries(CONFIGS)) if (path === '.gitignore' || random() < 0.8) files[path] = text;
  Object.assign(files, assets());
  // Files that name the repository are its own.
  files['CHANGELOG.md'] = `# Changelog\n\nAll notable changes to ${input.name} are listed here.\n\n## Unreleased\n\n- ${sentence(random, 8)}\n`;
  files['docs/README.md'] = `# ${input.name} docs\n\nStart with [architecture](architecture.md) and the [runbook](runbook.md). Questions go to the ${input.team} team.\n`;
  files['config/default.json'] = `${JSON.stringify({ service: input.name, port: 8080, logLevel: 'info', retries: 1 + Math.floor(random() * 5) }, null, 2)}\n`;
  if (random() < 0.1) files['docs/images/dashboard-full.png'] = largeAsset(Math.floor(random() * 2));
  return files;
}

/**
 * Docs pages from the shared pool for a repository of another language: the same pages, their
 * code blocks with that language's runner (`mvn -B`, `go`, …). About 60% of the topics.
 *
 * @example Object.keys(sharedDocs(createRandom(1), 'go')) // ['docs/architecture.md', …]
 */
export function sharedDocs(random: () => number, runner: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const topic of DOC_TOPICS) if (random() < 0.6) files[`docs/${topic}.md`] = pooled(`doc-${runner}-${topic}`, () => docPage(topic, runner));
  return files;
}

/** The configs every repository may carry whatever its language (.editorconfig, LICENSE, a PR template), plus Node's when `family` is node. */
export function sharedConfigs(random: () => number, family: string): Record<string, string> {
  const files: Record<string, string> = {};
  const common = ['.editorconfig', 'LICENSE', '.github/pull_request_template.md'];
  for (const [path, text] of Object.entries(CONFIGS)) if ((family === 'node' || common.includes(path)) && (path === '.gitignore' || random() < 0.8)) files[path] = text;
  return files;
}
