import { describe, expect, test } from 'vitest';
import { generateFleet, slackIdForTeam, TARGET_LODASH } from '../../../src/sandbox/fleet/generate-fleet.js';
import { seedFleet } from '../../../src/sandbox/fleet/seed-fleet.js';
import { hasDependencyAtLeast } from '../../../src/sandbox/github/state.js';
import { startFakeGitHub } from '../../../src/sandbox/github/server.js';

describe('generateFleet', () => {
  const fleet = generateFleet({ seed: 42, repos: 48 });

  test('is pure: the same seed gives the same fleet, another seed another', () => {
    expect(generateFleet({ seed: 42, repos: 48 })).toEqual(fleet);
    expect(generateFleet({ seed: 43, repos: 48 }).map((repo) => repo.name)).not.toEqual(fleet.map((repo) => repo.name));
  });

  test('spreads unique repositories over the three teams with their owners and CODEOWNERS', () => {
    expect(new Set(fleet.map((repo) => repo.name)).size).toBe(48);
    for (const team of ['payments', 'search', 'platform']) expect(fleet.filter((repo) => repo.team === team)).toHaveLength(16);
    for (const repo of fleet) {
      expect(repo.ownerSlackId).toBe(slackIdForTeam(repo.team));
      expect(repo.files['.github/CODEOWNERS']).toBe(`* @acme/${repo.team}\n`);
      expect(repo.files['.github/workflows/ci.yml']).toContain('jobs:');
      expect(repo.files['README.md']).toContain(repo.name);
      expect(repo.topics).toEqual(['node', 'service', repo.team]);
      expect(repo.criticality).toBeGreaterThanOrEqual(0);
      expect(repo.criticality).toBeLessThanOrEqual(5);
      expect(repo.protection.requiredChecks.every((check) => repo.ci.checks.includes(check))).toBe(true);
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
    } finally {
      await fake.close();
    }
  });
});
