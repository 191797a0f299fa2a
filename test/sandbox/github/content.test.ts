import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, test } from 'vitest';
import { makePng } from '../../../src/sandbox/fleet/binary-files.js';
import { generateFleet } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../../../src/sandbox/fleet/seed-fleet.js';
import { startFakeGitHub, type FakeGitHub, type SeedRepoInput } from '../../../src/sandbox/github/server.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const repo = { owner: 'acme', repo: 'api' };
const MANIFEST = '{\n  "name": "api",\n  "dependencies": { "lodash": "4.17.15" }\n}\n';
const LOGO = makePng({ width: 8, height: 8, seed: 9 });
const ARCHIVE = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0x00, 0x10, 0x80]);

let open: FakeGitHub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.map((fake) => fake.close()));
  open = [];
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The real git client, with the token as Basic auth in the command's environment only. */
function git(args: string[], cwd: string): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: cwd,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Ada',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:t').toString('base64')}`,
  };
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

async function setup(seed: Partial<SeedRepoInput> = {}) {
  let clock = Date.parse('2025-03-01T09:00:00Z');
  const fake = await startFakeGitHub({ now: () => clock, log: () => undefined });
  open.push(fake);
  fake.state.seedRepo({
    owner: 'acme',
    name: 'api',
    files: { 'package.json': MANIFEST, 'README.md': '# api\n', 'docs/logo.png': LOGO, 'fixtures/data.bin': ARCHIVE },
    ci: { checks: ['build', 'test', 'lint'], outcome: 'pass', durationMs: 60_000 },
    ...seed,
  });
  const octokit = new Octokit({ baseUrl: fake.url, auth: 'token', log: quiet, request: { retries: 0 } });
  return { fake, octokit, tick: (ms: number) => void (clock += ms) };
}

/** A branch with one commit that sets `files` (text, or bytes sent as base64 blobs). */
async function commitOnBranch(octokit: Octokit, branch: string, files: Record<string, string | Uint8Array>, from = 'heads/main'): Promise<string> {
  const base = (await octokit.rest.git.getRef({ ...repo, ref: from })).data.object.sha;
  const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: base });
  const tree = [];
  for (const [path, content] of Object.entries(files)) {
    if (typeof content === 'string') tree.push({ path, mode: '100644' as const, type: 'blob' as const, content });
    else {
      const blob = await octokit.rest.git.createBlob({ ...repo, content: Buffer.from(content).toString('base64'), encoding: 'base64' });
      tree.push({ path, mode: '100644' as const, type: 'blob' as const, sha: blob.data.sha });
    }
  }
  const created = await octokit.rest.git.createTree({ ...repo, base_tree: commit.data.tree.sha, tree });
  const next = await octokit.rest.git.createCommit({ ...repo, message: `Change on ${branch}`, tree: created.data.sha, parents: [base] });
  if (from === `heads/${branch}`) await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha: next.data.sha });
  else await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: next.data.sha });
  return next.data.sha;
}

describe('binary files', () => {
  test('seeded bytes come back byte for byte from the blobs and contents APIs, with git\'s blob sha', async () => {
    const { octokit } = await setup();
    const contents = await octokit.rest.repos.getContent({ ...repo, path: 'docs/logo.png' });
    const file = contents.data as { content: string; encoding: string; size: number; sha: string };
    expect(file.encoding).toBe('base64');
    expect(file.size).toBe(LOGO.length);
    expect(Buffer.from(file.content, 'base64').equals(LOGO)).toBe(true);
    const blob = await octokit.rest.git.getBlob({ ...repo, file_sha: file.sha });
    expect(Buffer.from(blob.data.content, 'base64').equals(LOGO)).toBe(true);
    expect(blob.data.size).toBe(LOGO.length);
    expect(file.sha).toBe(createHash('sha1').update(`blob ${LOGO.length}\0`).update(LOGO).digest('hex'));
    const archive = await octokit.rest.repos.getContent({ ...repo, path: 'fixtures/data.bin' });
    expect([...Buffer.from((archive.data as { content: string }).content, 'base64')]).toEqual([...ARCHIVE]);
  });

  test('the contents API leaves out the content of a file over 1 MB, as GitHub does; the blob has it', async () => {
    const big = makePng({ width: 700, height: 700, seed: 3, noise: 1 });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const { octokit } = await setup({ files: { 'package.json': MANIFEST, 'big.png': big } });
    const file = (await octokit.rest.repos.getContent({ ...repo, path: 'big.png' })).data as { content: string; encoding: string; size: number; sha: string };
    expect({ content: file.content, encoding: file.encoding, size: file.size }).toEqual({ content: '', encoding: 'none', size: big.length });
    const blob = await octokit.rest.git.getBlob({ ...repo, file_sha: file.sha });
    expect(Buffer.from(blob.data.content, 'base64').equals(big)).toBe(true);
  });

  test('the control API seeds { base64 } files byte for byte and refuses bad base64 with nothing seeded', async () => {
    const fake = await startFakeGitHub({ log: () => undefined });
    open.push(fake);
    const post = (body: unknown) => fetch(`${fake.url}/_fake/repos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused = await post([{ owner: 'acme', name: 'good', files: { 'README.md': '# good\n' } }, { owner: 'acme', name: 'bad', files: { 'a.png': { base64: 'not base64!' } } }]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe('Invalid control request: files.a.png: the base64 is not padded standard base64 (A-Z, a-z, 0-9, +, /, = padding)');
    for (const name of ['good', 'bad']) expect((await fetch(`${fake.url}/repos/acme/${name}`, { headers: { authorization: 'token t' } })).status).toBe(404);
    const seeded = await post({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n', 'docs/logo.png': { base64: LOGO.toString('base64') } } });
    expect(seeded.status).toBe(201);
    const contents = (await (await fetch(`${fake.url}/repos/acme/api/contents/docs/logo.png`, { headers: { authorization: 'token t' } })).json()) as { content: string };
    expect(Buffer.from(contents.content, 'base64').equals(LOGO)).toBe(true);
    expect(fake.state.readFiles('acme', 'api')).toEqual({ 'README.md': '# api\n' });
  });

  test('a changed binary file has no patch in a comparison; changed on both sides it conflicts, as git does', async () => {
    const { fake, octokit } = await setup({ ci: undefined });
    const other = makePng({ width: 8, height: 8, seed: 10 });
    await commitOnBranch(octokit, 'new-logo', { 'docs/logo.png': other, 'README.md': '# api\n\nNew logo.\n' });
    const compare = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...new-logo' });
    const byName = Object.fromEntries((compare.data.files ?? []).map((file) => [file.filename, file]));
    expect(byName['docs/logo.png']).toMatchObject({ status: 'modified', additions: 0, deletions: 0, changes: 0 });
    expect(byName['docs/logo.png']).not.toHaveProperty('patch');
    expect(byName['README.md']?.patch).toContain('+New logo.');
    const pull = await octokit.rest.pulls.create({ ...repo, title: 'New logo', head: 'new-logo', base: 'main' });
    await octokit.rest.pulls.get({ ...repo, pull_number: pull.data.number });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: pull.data.number })).data.mergeable_state).toBe('clean');
    // main changes the same image differently: a binary file is not merged line by line.
    await commitOnBranch(octokit, 'main', { 'docs/logo.png': makePng({ width: 8, height: 8, seed: 11 }) }, 'heads/main');
    await octokit.rest.pulls.get({ ...repo, pull_number: pull.data.number });
    const after = await octokit.rest.pulls.get({ ...repo, pull_number: pull.data.number });
    expect([after.data.mergeable, after.data.mergeable_state]).toEqual([false, 'dirty']);
    expect(fake.state.listPulls()[0]?.mergeableState).toBe('dirty');
  });
});

describe('a generated repository over git', () => {
  test('a clone holds every seeded file byte for byte, the large and binary ones too; a pushed commit that breaks package.json fails build', async () => {
    const fleet = generateFleet({ seed: 42, repos: 48 });
    const large = fleet.find((candidate) => candidate.ci.outcome === 'pass' && Object.values(candidate.files).some((content) => typeof content !== 'string' && content.length > 2_000_000));
    expect(large).toBeDefined();
    if (!large) return;
    let clock = Date.parse('2025-03-01T09:00:00Z');
    const fake = await startFakeGitHub({ now: () => clock, log: () => undefined });
    open.push(fake);
    seedFleet(fake, [large]);
    const dir = mkdtempSync(join(tmpdir(), 'fleet-content-'));
    dirs.push(dir);
    await git(['clone', '--quiet', fake.gitUrl('acme', large.name), 'work'], dir);
    const work = join(dir, 'work');
    const tracked = (await git(['ls-files', '-z'], work)).split('\0').filter(Boolean).sort();
    expect(tracked).toEqual(Object.keys(large.files).sort());
    for (const [path, content] of Object.entries(large.files)) expect(readFileSync(join(work, path)).equals(Buffer.from(content)), path).toBe(true);

    writeFileSync(join(work, 'package.json'), String(large.files['package.json']).replace(/\n\}\n$/, ',\n}\n'));
    await git(['commit', '--quiet', '-am', 'Break the manifest'], work);
    await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/broken'], work);
    const sha = (await git(['rev-parse', 'HEAD'], work)).trim();
    clock += large.ci.durationMs;
    fake.state.advance(0);
    const runs = fake.state.checkRuns('acme', large.name, sha);
    expect(runs.map((run) => `${run.name}:${run.conclusion}`)).toEqual(['build:failure', 'test:success', 'lint:success']);
    expect(runs[0]?.output?.title).toBe('Build failed: package.json does not parse');
  });
});

describe('CI reads what a commit contains', () => {
  const runsOf = async (octokit: Octokit, sha: string) => (await octokit.rest.checks.listForRef({ ...repo, ref: sha })).data.check_runs.map((run) => ({ name: run.name, conclusion: run.conclusion, title: run.output.title, summary: run.output.summary }));

  test('a commit whose package.json is broken JSON fails build, naming the file and the parse error; test and lint follow the profile', async () => {
    const { fake, octokit, tick } = await setup();
    const broken = await commitOnBranch(octokit, 'broken', { 'package.json': '{\n  "name": "api",\n  "dependencies": { "lodash": "4.17.21", }\n}\n' });
    const valid = await commitOnBranch(octokit, 'valid', { 'package.json': MANIFEST.replace('4.17.15', '4.17.21') });
    tick(60_000);
    fake.state.advance(0);
    const brokenRuns = await runsOf(octokit, broken);
    expect(brokenRuns.find((run) => run.name === 'build')).toMatchObject({ conclusion: 'failure', title: 'Build failed: package.json does not parse' });
    expect(brokenRuns.find((run) => run.name === 'build')?.summary).toMatch(/^package\.json: line 3, column \d+: .*JSON/);
    expect(brokenRuns.filter((run) => run.name !== 'build')).toEqual([
      { name: 'test', conclusion: 'success', title: 'test success', summary: 'test success' },
      { name: 'lint', conclusion: 'success', title: 'lint success', summary: 'lint success' },
    ]);
    expect((await runsOf(octokit, valid)).map((run) => `${run.name}:${run.conclusion}`)).toEqual(['build:success', 'test:success', 'lint:success']);
    const combined = await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: broken });
    expect(combined.data.state).toBe('failure');
  });

  test('a broken pom.xml, go.mod, Cargo.toml or requirements file in a subfolder fails build too; a profile that fails still fails', async () => {
    const { octokit, tick, fake } = await setup({ ci: { checks: ['build', 'test'], outcome: 'fail', durationMs: 1000 } });
    const cases: Record<string, [string, RegExp]> = {
      'services/java/pom.xml': ['<project><modelVersion>4.0.0</modelVersion></projct>', /end tag <\/projct> does not match/],
      'tools/go.mod': ['go 1.22\n', /no module directive/],
      'crates/core/Cargo.toml': ['[package]\nname = "core"\nname = "again"\n', /duplicate key name/],
      'docs/requirements-docs.txt': ['mkdocs>=1.5\nmkdocs-material==\n', /line 2: invalid version specifier/],
    };
    for (const [path, [content, error]] of Object.entries(cases)) {
      const sha = await commitOnBranch(octokit, path.replace(/[/.]/g, '-'), { [path]: content });
      tick(1000);
      fake.state.advance(0);
      const build = (await runsOf(octokit, sha)).find((run) => run.name === 'build');
      expect(build?.conclusion).toBe('failure');
      expect(build?.title).toBe(`Build failed: ${path} does not parse`);
      expect(build?.summary).toMatch(error);
      expect((await runsOf(octokit, sha)).find((run) => run.name === 'test')).toMatchObject({ conclusion: 'failure', title: 'test failed' });
    }
  });

  test('a commit that fixes the manifest passes again, and a re-run of the broken one fails the same way', async () => {
    const { octokit, tick, fake } = await setup();
    const broken = await commitOnBranch(octokit, 'fix-me', { 'package.json': '[]' });
    tick(60_000);
    fake.state.advance(0);
    const first = (await octokit.rest.checks.listForRef({ ...repo, ref: broken })).data.check_runs.find((run) => run.name === 'build');
    expect(first?.output.summary).toBe('package.json: package.json must hold a JSON object, not an array');
    await octokit.rest.checks.rerequestSuite({ ...repo, check_suite_id: first?.check_suite?.id ?? 0 });
    tick(60_000);
    fake.state.advance(0);
    const rerun = (await octokit.rest.checks.listForRef({ ...repo, ref: broken })).data.check_runs.find((run) => run.name === 'build');
    expect([rerun?.id !== first?.id, rerun?.conclusion, rerun?.output.title]).toEqual([true, 'failure', 'Build failed: package.json does not parse']);
    const fixed = await commitOnBranch(octokit, 'fix-me', { 'package.json': MANIFEST }, 'heads/fix-me');
    tick(60_000);
    fake.state.advance(0);
    expect((await runsOf(octokit, fixed)).map((run) => `${run.name}:${run.conclusion}`)).toEqual(['build:success', 'test:success', 'lint:success']);
  });
});
