import { describe, expect, test } from 'vitest';
import { reportDefaultBranchChecks } from '../../src/bench/decision-quality.js';
import { scoreCiHealth } from '../../src/campaigns/ci-health.js';
import { generateFleet, type FleetRepo } from '../../src/sandbox/fleet/generate-fleet.js';
import { createRandom } from '../../src/sandbox/fleet/random.js';

const [base] = generateFleet({ seed: 7, repos: 1, org: 'sim' });

function withCi(ci: Partial<FleetRepo['ci']>, truth: Partial<FleetRepo> = {}): FleetRepo {
  return { ...base, ...truth, ci: { ...base.ci, checks: ['build', 'test', 'lint'], ...ci } };
}

describe('the decision bench plans from reported checks, as production does', () => {
  test('a green main scores 1, a red main 0, CI that never completes is unknown', () => {
    const random = createRandom(1);
    expect(scoreCiHealth(reportDefaultBranchChecks(withCi({ outcome: 'pass' }), random))).toBe(1);
    expect(scoreCiHealth(reportDefaultBranchChecks(withCi({ outcome: 'fail-on-default' }), random))).toBe(0);
    expect(scoreCiHealth(reportDefaultBranchChecks(withCi({ outcome: 'manual' }), random))).toBeNull();
  });

  test('a flaky main scores what one run of its checks shows, not its flaky rate', () => {
    const random = createRandom(2);
    const seen = new Set(Array.from({ length: 200 }, () => scoreCiHealth(reportDefaultBranchChecks(withCi({ outcome: 'flaky', flakyRate: 0.3 }), random))));
    expect([...seen].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([0, 1 / 3, 2 / 3, 1]);
  });

  test("the change's own ground truth (it breaks CI, it regresses) does not reach the plan", () => {
    const random = createRandom(3);
    expect(scoreCiHealth(reportDefaultBranchChecks(withCi({ outcome: 'pass' }, { breaksCi: true, regresses: true }), random))).toBe(1);
  });
});
