import { createHash } from 'node:crypto';
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { crc32 } from '../../../src/sandbox/fleet/binary-files.js';
import { findBrokenManifest, manifestKind } from '../../../src/sandbox/github/ci-build.js';
import { DEPLOY_BREAKS, deployBreaking, fleetRules, generateFleet, requiredChecksOf, slackIdForTeam, TARGET_LODASH } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../../../src/sandbox/fleet/seed-fleet.js';
import { hasDependencyAtLeast } from '../../../src/sandbox/github/state.js';
import { startFakeGitHub } from '../../../src/sandbox/github/server.js';

describe('generateFleet', () => {
  // The fleet's own organisation; the one repository of the second organisation has its own test.
  const acme = (repos: ReturnType<typeof generateFleet>) => repos.filter((repo) => repo.org === 'acme');
  const whole = generateFleet({ seed: 42, repos: 48 });
  const fleet = acme(whole);

  // Files by digest: comparing MB of bytes element by element is slow.
  const fingerprint = (repos: typeof fleet) => repos.map((repo) => ({ ...repo, files: Object.fromEntries(Object.entries(repo.files).map(([path, content]) => [path, createHash('sha1').update(content).digest('hex')])) }));

  test('is pure: the same seed gives the same fleet, another seed another', () => {
    expect(fingerprint(generateFleet({ seed: 42, repos: 48 }))).toEqual(fingerprint(whole));
    // The same bytes in every process (the shared pool is built from fixed seeds; PNG and gzip bytes come from Node's bundled zlib): recorded.
    expect(createHash('sha256').update(JSON.stringify(fingerprint(fleet).map((repo) => repo.files))).digest('hex')).toBe('1b79664786ed86ff605ad72729f8ac6e623ff29dc92968e2eda2dda617bea39d');
    expect(generateFleet({ seed: 43, repos: 48 }).map((repo) => repo.name)).not.toEqual(fleet.map((repo) => repo.name));
  });

  test("GitHub's protection as organisations use it: rulesets beside classic protection, an unprotected repository with CI, a merge queue, a code-owner review, a second organisation", () => {
    const rules = fleetRules(whole);
    const protectedRepos = fleet.filter((repo) => repo.protection || repo.rulesets);
    // About half of the protected repositories use a ruleset instead of classic protection, never both.
    expect(rules.rulesetProtected.length).toBeGreaterThanOrEqual(protectedRepos.length * 0.35);
    expect(rules.rulesetProtected.length).toBeLessThanOrEqual(protectedRepos.length * 0.6);
    for (const repo of fleet.filter((r) => r.rulesets)) {
      expect(repo.protection).toBeNull();
      expect(requiredChecksOf(repo)).toEqual(['build', 'test']);
    }
    expect(rules.unprotected).toHaveLength(1);
    const bare = fleet.find((repo) => `${repo.org}/${repo.name}` === rules.unprotected[0])!;
    expect(bare.ci.checks.length).toBeGreaterThan(0);
    expect(bare.lodash).not.toBeNull();
    // Exactly one merge queue and one code-owner review, each on a TypeScript service a lodash campaign targets.
    expect(fleet.filter((repo) => repo.mergeQueue)).toHaveLength(1);
    expect(fleet.filter((repo) => repo.codeOwnerReview)).toHaveLength(1);
    const queued = fleet.find((repo) => repo.mergeQueue)!;
    const reviewed = fleet.find((repo) => repo.codeOwnerReview)!;
    for (const repo of [queued, reviewed]) expect(repo).toMatchObject({ language: 'TypeScript', topics: expect.arrayContaining(['node', 'service']), breaksCi: false, regresses: false, ci: { outcome: 'pass' } });
    expect(queued.lodash).not.toBeNull();
    expect(reviewed.lodash).not.toBeNull();
    expect(`acme/${queued.name}`).toBe(rules.mergeQueue);
    expect(queued.rulesets?.[0]?.rules.map((rule) => rule.type)).toEqual(['required_status_checks', 'merge_queue']);
    expect(`acme/${reviewed.name}`).toBe(rules.codeOwnerReview);
    expect(reviewed.rulesets?.[0]?.rules).toContainEqual({ type: 'pull_request', parameters: expect.objectContaining({ require_code_owner_review: true, required_approving_review_count: 1 }) });
    // One repository in globex, which no Node or lodash campaign targets.
    expect(rules.otherOrg).toEqual(['globex/globex-portal']);
    expect(whole.at(-1)).toMatchObject({ org: 'globex', lodash: null, language: 'Go', topics: ['go', 'service', 'platform'] });
    // Small fleets keep only the cheap part: no merge queue, review or second organisation.
    expect(fleetRules(generateFleet({ seed: 7, repos: 6 }))).toMatchObject({ mergeQueue: null, codeOwnerReview: null, otherOrg: [] });
  });

  test('one Node service\'s deploy breaks: a plain lodash user no rule singles out, chosen by position; named or none on request', () => {
    const breaking = whole.filter((repo) => repo.deployBreaks !== undefined);
    expect(breaking.map((repo) => [`${repo.org}/${repo.name}`, repo.deployBreaks])).toEqual([['acme/search-api-4', DEPLOY_BREAKS]]);
    expect(deployBreaking(whole)).toBe('acme/search-api-4');
    const [repo] = breaking;
    const rules = fleetRules(whole);
    expect([repo?.lodash?.block, repo?.ci.outcome, repo?.breaksCi, repo?.regresses, rules.unprotected.includes('acme/search-api-4'), rules.mergeQueue, rules.codeOwnerReview]).toEqual(['dependencies', 'pass', false, false, false, expect.not.stringMatching('search-api-4'), expect.not.stringMatching('search-api-4')]);
    expect(DEPLOY_BREAKS.length).toBeLessThanOrEqual(140);
    // The demo's fleet (seed 7, polyglot, no CI breaks or regressions drawn): the repository its canary wave names.
    expect(deployBreaking(generateFleet({ seed: 7, repos: 98, mix: 'polyglot', regressionShare: 0, ciBreakShare: 0, size: 'small' }))).toBe('acme/search-billing-4');
    expect(deployBreaking(generateFleet({ seed: 42, repos: 48, size: 'small', deployBreaks: fleet[0]?.name ?? '' }))).toBe(`acme/${fleet[0]?.name ?? ''}`);
    expect(deployBreaking(generateFleet({ seed: 42, repos: 48, size: 'small', deployBreaks: false }))).toBeNull();
    expect(() => generateFleet({ seed: 42, repos: 48, size: 'small', deployBreaks: 'nope' })).toThrow('deployBreaks names "nope"');
    // Small test fleets stay as they were.
    expect(deployBreaking(generateFleet({ seed: 42, repos: 6, size: 'small' }))).toBeNull();
  });

  test('seeded into the fake: rulesets where the fleet has them, GitHub answering with their rules', async () => {
    const fake = await startFakeGitHub({ port: 0, log: () => undefined });
    try {
      seedFleet(fake, whole.map((repo) => ({ ...repo, files: { 'README.md': `# ${repo.name}\n` } })));
      const rules = fleetRules(whole);
      const [owner, name] = (rules.mergeQueue ?? '').split('/');
      const response = await fetch(`${fake.url}/repos/${owner}/${name}/rules/branches/main`, { headers: { authorization: 'token t' } });
      expect(((await response.json()) as { type: string }[]).map((rule) => rule.type)).toEqual(['required_status_checks', 'merge_queue']);
      const [bareOwner, bareName] = (rules.unprotected[0] ?? '').split('/');
      expect(await (await fetch(`${fake.url}/repos/${bareOwner}/${bareName}/rules/branches/main`, { headers: { authorization: 'token t' } })).json()).toEqual([]);
      expect((await fetch(`${fake.url}/repos/${bareOwner}/${bareName}/branches/main/protection`, { headers: { authorization: 'token t' } })).status).toBe(404);
      expect((await fetch(`${fake.url}/repos/globex/globex-portal`, { headers: { authorization: 'token t' } })).status).toBe(200);
    } finally {
      await fake.close();
    }
  });

  test('spreads unique repositories over the three teams with their owners and CODEOWNERS', () => {
    expect(new Set(fleet.map((repo) => repo.name)).size).toBe(48);
    for (const team of ['payments', 'search', 'platform']) expect(fleet.filter((repo) => repo.team === team)).toHaveLength(16);
    for (const repo of fleet) {
      expect(repo.ownerSlackId).toBe(slackIdForTeam(repo.team));
      expect(repo.files['.github/CODEOWNERS']).toBe(`* @acme/${repo.team}\n`);
      expect(repo.files['.gitignore']).toContain('node_modules/');
      expect(repo.files['.github/workflows/ci.yml']).toContain('jobs:');
      expect(repo.files['README.md']).toContain(repo.name);
      expect(repo.topics).toEqual(['node', 'service', repo.team]);
      expect(repo.criticality).toBeGreaterThanOrEqual(0);
      expect(repo.criticality).toBeLessThanOrEqual(5);
      expect(requiredChecksOf(repo).every((check) => repo.ci.checks.includes(check))).toBe(true);
    }
    expect(slackIdForTeam('payments')).toBe('U0PAYMEN1');
  });

  test('lodash is old in most, a dev dependency in some and absent in a few', () => {
    const runtime = fleet.filter((repo) => repo.lodash?.block === 'dependencies');
    const dev = fleet.filter((repo) => repo.lodash?.block === 'devDependencies');
    const none = fleet.filter((repo) => repo.lodash === null);
    expect(runtime.length).toBeGreaterThan(fleet.length / 2);
    expect(dev.length).toBeGreaterThan(0);
    expect(none.length).toBeGreaterThan(0);
    for (const repo of fleet) expect(hasDependencyAtLeast(repo.files, 'lodash', TARGET_LODASH)).toBe(false);
    expect(fleet.some((repo) => repo.files['tsconfig.json'] !== undefined)).toBe(true);
    expect(fleet.some((repo) => repo.files['tsconfig.json'] === undefined)).toBe(true);
  });

  test('CI is mostly healthy, with flaky and already-failing repositories, and ground truth only where the change applies', () => {
    const outcomes = fleet.map((repo) => repo.ci.outcome);
    expect(outcomes.filter((outcome) => outcome === 'pass').length).toBeGreaterThan(fleet.length * 0.8);
    expect(outcomes).toContain('flaky');
    expect(outcomes).toContain('fail-on-default');
    const breaking = fleet.filter((repo) => repo.breaksCi);
    const regressing = fleet.filter((repo) => repo.regresses);
    expect(breaking.length).toBeGreaterThan(0);
    expect(regressing.length).toBeGreaterThan(0);
    for (const repo of [...breaking, ...regressing]) expect(repo.lodash).not.toBeNull();
    expect(breaking.every((repo) => repo.ci.failWhenDependency?.atLeast === TARGET_LODASH)).toBe(true);
    expect(breaking.some((repo) => repo.regresses)).toBe(false);
    expect(generateFleet({ seed: 42, repos: 48, ciBreakShare: 0, regressionShare: 0 }).some((repo) => repo.breaksCi || repo.regresses)).toBe(false);
  });

  test('seedFleet loads every repository into the fake with its default branch CI already run', async () => {
    const fake = await startFakeGitHub({ log: () => undefined });
    try {
      seedFleet(fake, fleet);
      const broken = fleet.find((repo) => repo.ci.outcome === 'fail-on-default');
      expect(broken).toBeDefined();
      const response = await fetch(`${fake.url}/repos/acme/${broken?.name ?? ''}/commits/main/check-runs`, { headers: { authorization: 'token t' } });
      const body = (await response.json()) as { check_runs: { conclusion: string }[] };
      expect(body.check_runs.map((run) => run.conclusion)).toEqual(['failure', 'failure', 'failure']);
      expect(fake.state.readFiles('acme', fleet[0]?.name ?? '')['package.json']).toBe(fleet[0]?.files['package.json']);
      // The seeded manifests parse, so the build passes wherever the profile does; binary files are left out of readFiles.
      const healthy = fleet.find((repo) => repo.ci.outcome === 'pass');
      const runs = (await (await fetch(`${fake.url}/repos/acme/${healthy?.name ?? ''}/commits/main/check-runs`, { headers: { authorization: 'token t' } })).json()) as { check_runs: { name: string; conclusion: string }[] };
      expect(runs.check_runs.map((run) => `${run.name}:${run.conclusion}`)).toEqual(['build:success', 'test:success', 'lint:success']);
      const text = fake.state.readFiles('acme', healthy?.name ?? '');
      expect(text['docs/images/logo.png']).toBeUndefined();
      expect(Object.keys(text).length).toBe(Object.values(healthy?.files ?? {}).filter((content) => typeof content === 'string').length);
    } finally {
      await fake.close();
    }
  });
  test('the ground truth, names and package.json are what they were before repositories grew (recorded for seed 42)', () => {
    const truth = (repos: typeof fleet) => repos.map((r) => ({ name: r.name, lodash: r.lodash, breaksCi: r.breaksCi, regresses: r.regresses, ci: r.ci, pkg: r.files['package.json'], crit: r.criticality, lang: r.language }));
    expect(createHash('sha256').update(JSON.stringify(truth(fleet))).digest('hex')).toBe('cb02083e1fe05fff7ccd73d1420f449a67c63c328fb722ce3c4c607afa1f11d2');
    expect(fleet.filter((repo) => repo.breaksCi).map((repo) => repo.name)).toEqual(['platform-api', 'payments-admin-4', 'platform-ledger-4']);
    expect(fleet.filter((repo) => repo.regresses).map((repo) => repo.name)).toEqual(['platform-notifier', 'search-ledger', 'platform-reports', 'payments-scheduler-4']);
    expect(fleet.filter((repo) => repo.lodash !== null)).toHaveLength(47);
    expect(truth(acme(generateFleet({ seed: 42, repos: 48, size: 'small' })))).toEqual(truth(fleet));
  });

  test('repositories are of realistic size: hundreds of files, some binary, about one in ten with a file of a few MB', () => {
    for (const repo of fleet) {
      const paths = Object.keys(repo.files);
      expect(paths.length).toBeGreaterThanOrEqual(170);
      expect(paths.some((path) => path.startsWith('src/'))).toBe(true);
      expect(paths.filter((path) => path.startsWith('test/')).length).toBeGreaterThan(20);
      expect(paths.filter((path) => path.startsWith('docs/')).length).toBeGreaterThan(3);
      expect(paths.filter((path) => typeof repo.files[path] !== 'string').length).toBeGreaterThanOrEqual(5);
      // The only manifest is package.json, and it parses: the build check passes where the profile does.
      expect(paths.filter((path) => manifestKind(path) !== undefined)).toEqual(['package.json']);
      expect(findBrokenManifest(paths, (path) => Buffer.from(repo.files[path] ?? ''))).toBeUndefined();
      for (const ext of repo.language === 'TypeScript' ? ['.ts'] : ['.js']) expect(paths.filter((path) => path.startsWith('src/') && path.endsWith(ext)).length).toBeGreaterThan(50);
    }
    const large = fleet.filter((repo) => Object.values(repo.files).some((content) => typeof content !== 'string' && content.length > 2_000_000));
    expect(large.length).toBeGreaterThanOrEqual(1);
    expect(large.length).toBeLessThanOrEqual(fleet.length / 4);
    const small = generateFleet({ seed: 42, repos: 48, size: 'small' });
    // (globex-portal, the second organisation's repository, is small at any size.)
    for (const repo of small) expect(Object.keys(repo.files).length).toBeLessThanOrEqual(6);
  });

  test('binary files are real: PNG chunks with valid CRCs that inflate to the image, an ICO around a PNG, a gzipped ustar archive', () => {
    const repo = fleet[0];
    const png = Buffer.from(repo?.files['docs/images/logo.png'] as Uint8Array);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const type = png.subarray(at + 4, at + 8).toString('latin1');
      const data = png.subarray(at + 8, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      chunks.push({ type, data });
      at += 12 + length;
    }
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const [width, height] = [chunks[0]?.data.readUInt32BE(0) ?? 0, chunks[0]?.data.readUInt32BE(4) ?? 0];
    expect(inflateSync(chunks[1]?.data ?? Buffer.alloc(0)).length).toBe((width * 3 + 1) * height);
    const ico = Buffer.from(repo?.files['public/favicon.ico'] as Uint8Array);
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect(ico.subarray(ico.readUInt32LE(18), ico.readUInt32LE(18) + 4).toString('latin1')).toBe('\x89PNG');
    const tar = gunzipSync(Buffer.from(repo?.files['test/fixtures/sample-export.tar.gz'] as Uint8Array));
    expect(tar.subarray(257, 262).toString('latin1')).toBe('ustar');
    const header = Buffer.from(tar.subarray(0, 512));
    const recorded = Number.parseInt(header.subarray(148, 154).toString('latin1'), 8);
    header.fill(0x20, 148, 156);
    expect(header.reduce((sum, byte) => sum + byte, 0)).toBe(recorded);
    expect(header.subarray(0, 100).toString('latin1').replace(/\0+$/, '')).toBe('export/records.csv');
  });

  test('content is shared between repositories, so a thousand of them stay small in the fake', () => {
    const many = generateFleet({ seed: 5, repos: 200 });
    const total = many.reduce((sum, repo) => sum + Object.keys(repo.files).length, 0);
    const distinct = new Set(many.flatMap((repo) => Object.values(repo.files).map((content) => (typeof content === 'string' ? content : createHash('sha1').update(content).digest('hex')))));
    expect(total).toBeGreaterThan(200 * 170);
    // Each repository's own files (package.json, README, CHANGELOG, …) plus one shared pool.
    expect(distinct.size).toBeLessThan(total / 10);
    expect(many[0]?.files['docs/images/logo.png']).toBe(many[1]?.files['docs/images/logo.png']);
  });
});
