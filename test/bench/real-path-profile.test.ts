import { describe, expect, test } from 'vitest';
import { cpuTimes, measureRealPath, profileFleet } from '../../src/bench/real-path-profile.js';

describe('the real path profile', () => {
  test('the fleet it picks is Node services the lodash bump changes, with no broken CI, review or merge queue', () => {
    const fleet = profileFleet(12, 11);
    expect(fleet).toHaveLength(12);
    for (const repo of fleet) {
      expect(repo.lodash?.block).toBe('dependencies');
      expect(repo).toMatchObject({ breaksCi: false, org: 'acme' });
      expect(repo.mergeQueue).not.toBe(true);
      expect(repo.ci.outcome).toBe('pass');
    }
    expect(new Set(fleet.map((r) => r.name)).size).toBe(12);
  });

  test("this process's and its children's CPU only grow", async () => {
    const before = cpuTimes();
    const { spawnSync } = await import('node:child_process');
    spawnSync('git', ['--version']);
    const after = cpuTimes();
    expect(after.self).toBeGreaterThanOrEqual(before.self);
    expect(after.children).toBeGreaterThanOrEqual(before.children);
  });

  test('both paths carry every target through over the fake: one push and one PR each, a merge on the full path only', async () => {
    const result = await measureRealPath({ targets: 3, rounds: 1 });
    const openPr = result.path['open-pr'].perRound[0];
    const full = result.path.full.perRound[0];
    for (const round of [openPr, full]) {
      expect(round.routes['POST /{owner}/{repo}.git/git-receive-pack']).toBe(1);
      expect(round.routes['POST /repos/{owner}/{repo}/pulls']).toBe(1);
      // One fetch of the tree and one of its blobs (the partial checkout), one push: six git requests.
      expect(round.gitRequestsPerTarget).toBe(6);
      expect(round.cpuMsPerTarget).toBeCloseTo(round.selfCpuMsPerTarget + round.childCpuMsPerTarget, 0);
      expect(round.childCpuMsPerTarget).toBeGreaterThan(0);
    }
    expect(openPr.routes['PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge']).toBeUndefined();
    expect(full.routes['PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge']).toBe(1);
    expect(result.path.full.steps).toBe('open-pr → await-checks → compliance → merge');
  }, 120_000);
});
