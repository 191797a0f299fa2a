import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ciMinutesOf, readCiHealth, scoreCiHealth } from '../../src/campaigns/ci-health.js';
import { createCampaignService } from '../../src/campaigns/service.js';
import { FleetError } from '../../src/errors.js';
import { createOctokit } from '../../src/github/create-octokit.js';
import { createGateway, type CheckResult, type Gateway } from '../../src/github/gateway.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/sandbox/github/server.js';
import { makeSpec, openTempStore, type TempStore } from '../engine/helpers.js';

function check(conclusion: string | null, status: CheckResult['status'] = 'completed'): Pick<CheckResult, 'status' | 'conclusion'> {
  return { status, conclusion };
}

describe('scoreCiHealth', () => {
  test('is the share of completed checks that passed, leaving out conclusions that say nothing about the build', () => {
    expect(scoreCiHealth([check('success'), check('success'), check('failure')])).toBeCloseTo(2 / 3);
    expect(scoreCiHealth([check('success'), check('timed_out'), check('startup_failure'), check('success')])).toBe(0.5);
    // Superseded, skipped, neutral, stale, waiting for a person, or not finished: not counted.
    expect(scoreCiHealth([check('success'), check('cancelled'), check('skipped'), check('neutral'), check('stale'), check('action_required'), check(null, 'in_progress')])).toBe(1);
  });

  test('is unknown (null) for a repository with no counted check', () => {
    expect(scoreCiHealth([])).toBeNull();
    expect(scoreCiHealth([check(null, 'queued'), check('skipped')])).toBeNull();
  });
});

/** A gateway that answers only the two reads, from a table of default-branch checks. */
function fakeGateway(checks: Record<string, readonly (Pick<CheckResult, 'status' | 'conclusion'> & Partial<Pick<CheckResult, 'startedAt' | 'completedAt'>>)[] | Error>, calls: string[] = []): Pick<Gateway, 'getBranchSha' | 'getChecks'> {
  let inFlight = 0;
  return {
    async getBranchSha(repo, branch) {
      calls.push(`ref ${repo} ${branch}`);
      return repo === 'acme/empty' ? undefined : `sha-${repo}`;
    },
    async getChecks(repo, sha) {
      inFlight += 1;
      calls.push(`checks ${repo} ${sha} in-flight ${inFlight}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      const found = checks[repo];
      if (found instanceof Error) throw found;
      return (found ?? []).map((c, i) => ({ name: `c${i}`, source: 'check-run', url: null, runId: i, suiteId: 1, startedAt: null, completedAt: null, ...c }));
    },
  };
}

const repo = (fullName: string, defaultBranch = 'main') => ({ fullName, defaultBranch });

describe('readCiHealth', () => {
  test('reads each repository on its default branch head, a bounded number at a time', async () => {
    const calls: string[] = [];
    const names = Array.from({ length: 10 }, (_, i) => `acme/r${i}`);
    const report = await readCiHealth(fakeGateway(Object.fromEntries(names.map((n) => [n, [check('success')]])), calls), names.map((n) => repo(n, 'trunk')), 3);
    expect(report.known).toBe(10);
    expect(calls.filter((c) => c.startsWith('ref'))).toEqual(names.map((n) => `ref ${n} trunk`));
    const most = Math.max(...calls.filter((c) => c.startsWith('checks')).map((c) => Number(c.split(' ').at(-1))));
    expect(most).toBe(3);
  });

  test('a repository without a default branch head or without checks is unknown; one GitHub refuses is unknown and named', async () => {
    const refused = new FleetError('github_error', 'GitHub forbade reading check runs in acme/locked (403).');
    const report = await readCiHealth(fakeGateway({ 'acme/green': [check('success')], 'acme/red': [check('failure')], 'acme/locked': refused }), [repo('acme/green'), repo('acme/red'), repo('acme/empty'), repo('acme/quiet'), repo('acme/locked')]);
    expect(Object.fromEntries(report.health)).toEqual({ 'acme/green': 1, 'acme/red': 0, 'acme/empty': null, 'acme/quiet': null, 'acme/locked': null });
    expect(report).toMatchObject({ known: 2, unreadable: ['acme/locked'] });
  });

  test('stops reading once the rate limit is hit; the rest plan as unknown', async () => {
    const calls: string[] = [];
    const limit = new FleetError('budget_exhausted', "GitHub's rate limit stopped Fleet.");
    const report = await readCiHealth(fakeGateway({ 'acme/a': limit, 'acme/b': [check('success')] }, calls), [repo('acme/a'), repo('acme/b')], 1);
    expect(report.stoppedBy).toBe("GitHub's rate limit stopped Fleet.");
    expect(calls.some((c) => c.includes('acme/b'))).toBe(false);
    expect(report.health.get('acme/b')).toBeNull();
  });

  test('a bug is not taken for an unknown repository', async () => {
    await expect(readCiHealth(fakeGateway({ 'acme/a': new TypeError('boom') }), [repo('acme/a')])).rejects.toThrow('boom');
  });
});

describe('CI health in the plan, over the fake GitHub', () => {
  let t: TempStore;
  let fake: FakeGitHub;
  const clock = Date.UTC(2025, 2, 3, 9, 0);

  beforeEach(async () => {
    t = openTempStore();
    fake = await startFakeGitHub({ port: 0, now: () => clock });
    const outcomes = { green: 'pass', red: 'fail-on-default', quiet: 'manual' } as const;
    for (const [name, outcome] of Object.entries(outcomes)) {
      fake.state.seedRepo({ owner: 'acme', name, files: { 'README.md': `# ${name}\n`, 'package.json': '{ "dependencies": { "lodash": "4.17.15" } }\n' }, ci: { checks: ['build', 'test'], outcome, durationMs: 60_000 } });
    }
  });
  afterEach(async () => {
    await fake.close();
    t.close();
  });

  test('a start plans a repository whose main is red after green ones, records what it read, and reads again for free', async () => {
    const octokit = createOctokit({ auth: { token: 'test-token' }, baseUrl: fake.url, store: t.store, now: () => clock, throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 }, retry: { retries: 0 } });
    const gateway = createGateway({ octokit, now: () => clock });
    const spec = makeSpec({ targets: { repos: ['acme/red', 'acme/quiet', 'acme/green'] }, waves: [1, 1, '100%'] });
    let ids = 0;
    const service = createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => ({ spec, source: 'inline' }) },
      gateway,
      admins: [],
      launchers: { users: ['UOWNER1'], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => clock,
      wake: () => undefined,
      newId: () => `c-ci${++ids}`,
    });
    const day = new Date(clock).toISOString().slice(0, 10);
    const before = t.store.github.requestsOn(day);
    const first = await service.start({ spec, source: 'inline' }, 'UOWNER1');
    const afterFirst = t.store.github.requestsOn(day);
    // Green (1) first, then unknown (manual CI: nothing completed, 0.5), then red (0).
    expect(t.store.targets.list(first.id).map((x) => [x.repo, x.wave, x.risk.ciHealth])).toEqual([
      ['acme/green', 0, 1],
      ['acme/quiet', 1, null],
      ['acme/red', 2, 0],
    ]);
    expect(t.store.events.list({ campaignId: first.id })[0].data).toMatchObject({ ciHealth: { known: 2, unreadable: 0 } });

    await service.start({ spec, source: 'inline' }, 'UOWNER1');
    const afterSecond = t.store.github.requestsOn(day);
    // Per repository: the repository itself, its ref and its package.json (planning's cheap check), then
    // check runs and statuses (the ref read again for them is a free 304); a repeat is all free 304s.
    expect(afterFirst.counted - before.counted).toBe(3 * 5);
    expect(afterFirst.notModified - before.notModified).toBe(3);
    expect(afterSecond.counted - afterFirst.counted).toBe(0);
    expect(afterSecond.notModified - afterFirst.notModified).toBe(3 * 6);
  });
});

describe('ciMinutesOf', () => {
  test('spans the first start to the last end of the completed check runs, leaving out statuses and unfinished runs', () => {
    expect(
      ciMinutesOf([
        { startedAt: '2026-01-01T10:00:00Z', completedAt: '2026-01-01T10:04:00Z' },
        { startedAt: '2026-01-01T10:01:00Z', completedAt: '2026-01-01T10:07:30Z' },
        { startedAt: null, completedAt: '2026-01-01T11:00:00Z' },
        { startedAt: '2026-01-01T09:00:00Z', completedAt: null },
      ]),
    ).toBe(7.5);
    expect(ciMinutesOf([{ startedAt: null, completedAt: '2026-01-01T11:00:00Z' }])).toBeNull();
  });

  test('readCiHealth reports the minutes per repository where the runs carry them', async () => {
    const report = await readCiHealth(
      fakeGateway({ 'acme/api': [{ status: 'completed', conclusion: 'success', startedAt: '2026-01-01T10:00:00Z', completedAt: '2026-01-01T10:06:00Z' }], 'acme/web': [{ status: 'completed', conclusion: 'success' }] }),
      [{ fullName: 'acme/api', defaultBranch: 'main' }, { fullName: 'acme/web', defaultBranch: 'main' }],
    );
    expect([...report.ciMinutes]).toEqual([['acme/api', 6]]);
  });
});
