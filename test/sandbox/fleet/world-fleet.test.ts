import { beforeAll, describe, expect, test } from 'vitest';
import { DEPLOY_BREAKS, generateFleet } from '../../../src/sandbox/fleet/generate-fleet.js';
import { observeWorld, type WorldObservation } from '../../../src/sandbox/fleet/observe-world.js';
import { generateWorldFleet, worldCensus } from '../../../src/sandbox/fleet/world-fleet.js';
import { CALIBRATED_RATES, TODAY_RATES, WORLDS, type WorldRates } from '../../../src/sandbox/fleet/world-rates.js';

/**
 * A world's rates as the fake GitHub's CI and the sandbox's CD produce them (`observeWorld`): a
 * fleet of some hundreds seeded into the fake's world (in process, so the test stays quick; the
 * routes over it have tests of their own), the demo change pushed to every touched repository,
 * check suites re-run, canaries deployed, and what happened read back from check runs and
 * deployment statuses, then compared with the ground truth. Everything is seeded, so the shares
 * are the same on every run; the bounds are the ones a fair draw would meet (four standard
 * deviations of a binomial), so a generator or fake that produced another rate fails them.
 */

const REPOS = 300;
const RERUNS = 4;

/** Whether `observed` successes of `n` trials are within four binomial standard deviations of `p` (plus one trial, for rounding). */
function withinBinomial(observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 4 * Math.sqrt(n * p * (1 - p)) + 1;
}

/** A world with every failure frequent, so each path is exercised whatever the calibrated figures are. */
const HARSH: WorldRates = { id: 'calibrated', flakyRepoShare: 0.2, flakyFailRate: 0.25, redDefaultShare: 0.1, prOwnFailureShare: 0.12, deployFailureShare: 0.1, badChangeShare: 0.1, sources: {} };

describe.each([
  ['calibrated', CALIBRATED_RATES],
  ['today', TODAY_RATES],
  ['harsh', HARSH],
] as [string, WorldRates][])('a %s world as the fake CI and CD produce it', (_, rates) => {
  const fleet = generateWorldFleet({ seed: 11, repos: REPOS, org: 'world', world: rates, bad: 'none' });
  let seen: WorldObservation;
  beforeAll(() => {
    seen = observeWorld(fleet, { reruns: RERUNS });
  }, 120_000);

  const census = worldCensus(fleet);
  const node = fleet.filter((repo) => repo.org === 'world');
  const touched = node.filter((repo) => repo.lodash !== null);

  test('the ground truth carries the world\'s shares, rounded, and nothing a healthy campaign breaks', () => {
    expect(census.flaky).toBe(Math.round(node.length * rates.flakyRepoShare));
    expect(census.redDefault).toBe(Math.round(node.length * rates.redDefaultShare));
    expect(census.ownFailure).toBe(Math.round(touched.length * rates.prOwnFailureShare));
    expect(census.deployBreaks).toBe(Math.round(touched.length * rates.deployFailureShare));
    expect([census.breaksCi, census.regresses]).toEqual([0, 0]);
    for (const repo of fleet.filter((r) => r.ownFailure)) {
      expect(repo).toMatchObject({ ci: { outcome: 'pass', failOnChange: true }, breaksCi: false, regresses: false });
      expect(repo.deployBreaks).toBeUndefined();
    }
    for (const repo of fleet.filter((r) => r.deployBreaks)) expect(repo).toMatchObject({ ci: { outcome: 'pass' }, breaksCi: false, regresses: false, deployBreaks: DEPLOY_BREAKS });
    for (const repo of fleet.filter((r) => r.ci.outcome === 'flaky')) expect(repo.ci.flakyRate).toBe(rates.flakyFailRate);
  });

  test('red default branches: exactly the repositories whose default branch fails', () => {
    expect(seen.redDefault.map((repo) => repo.name).sort()).toEqual(fleet.filter((repo) => repo.ci.outcome === 'fail-on-default').map((repo) => repo.name).sort());
    expect(seen.redDefault).toHaveLength(census.redDefault);
  });

  test('flaky checks fail at the world\'s rate, each run on its own', () => {
    if (census.flaky === 0) return expect(seen.flakyRuns).toBe(0);
    expect(seen.flakyRuns).toBe(census.flaky * 3 * (RERUNS + 1));
    expect(withinBinomial(seen.flakyFailures, seen.flakyRuns, rates.flakyFailRate)).toBe(true);
  });

  test("a healthy change's PR fails CI, re-run too, exactly where the repository fails it for a reason of its own", () => {
    expect(seen.prFailedAgain.map((repo) => repo.name).sort()).toEqual(fleet.filter((repo) => repo.ownFailure).map((repo) => repo.name).sort());
    expect(withinBinomial(seen.prFailedAgain.length, touched.length, rates.prOwnFailureShare)).toBe(true);
  });

  test('canary deploys fail exactly where the ground truth says, at the world\'s share of the touched repositories', () => {
    expect(seen.deployed).toBe(seen.pushed - seen.prFailedAgain.length);
    expect(seen.deployFailed.map((repo) => repo.name).sort()).toEqual(fleet.filter((repo) => repo.deployBreaks).map((repo) => repo.name).sort());
    expect(withinBinomial(seen.deployFailed.length, touched.length, rates.deployFailureShare)).toBe(true);
  });
});

describe('generateWorldFleet', () => {
  test('a bad campaign breaks CI or regresses canaries in the world\'s share of the touched repositories, a healthy one nothing', () => {
    for (const bad of ['ci', 'canary'] as const) {
      const fleet = generateWorldFleet({ seed: 5, repos: 240, org: 'sim', world: 'calibrated', bad });
      const census = worldCensus(fleet);
      // Touched, with CI passing and not flaky: where a break is unambiguous.
      const sound = fleet.filter((repo) => repo.lodash !== null && repo.ci.outcome === 'pass');
      const expected = Math.max(1, Math.round(sound.length * CALIBRATED_RATES.badChangeShare));
      expect(bad === 'ci' ? [census.breaksCi, census.regresses] : [census.regresses, census.breaksCi]).toEqual([expected, 0]);
    }
    expect(worldCensus(generateWorldFleet({ seed: 5, repos: 240, world: 'today', bad: 'none' }))).toMatchObject({ breaksCi: 0, regresses: 0 });
  });

  test('is seeded, small by default, and the names and package.json do not depend on the world', () => {
    const today = generateWorldFleet({ seed: 9, repos: 60, world: 'today', bad: 'none' });
    const calibrated = generateWorldFleet({ seed: 9, repos: 60, world: 'calibrated', bad: 'none' });
    expect(generateWorldFleet({ seed: 9, repos: 60, world: 'calibrated', bad: 'none' })).toEqual(calibrated);
    expect(calibrated.map((repo) => [repo.name, repo.files['package.json']])).toEqual(today.map((repo) => [repo.name, repo.files['package.json']]));
    expect(Object.keys(today[0]?.files ?? {}).length).toBeLessThan(8);
    expect(WORLDS.calibrated).toBe(CALIBRATED_RATES);
  });

  test('refuses options out of range with a clear error', () => {
    expect(() => generateWorldFleet({ seed: 1, repos: -1, world: 'today', bad: 'none' })).toThrow(/repos/);
    expect(() => generateWorldFleet({ seed: 1, repos: 10, world: { ...TODAY_RATES, flakyRepoShare: 2 }, bad: 'none' })).toThrow(/flakyRepoShare/);
    expect(() => generateWorldFleet({ seed: 1, repos: 10, world: 'today', bad: 'sometimes' as 'ci' })).toThrow(/bad/);
  });

  test('without rates the fleet is what it always was; with them the fleet follows them', () => {
    const plain = generateFleet({ seed: 42, repos: 48 });
    expect(plain.some((repo) => repo.ownFailure || repo.ci.failOnChange)).toBe(false);
    const world = generateFleet({ seed: 42, repos: 48, size: 'small', rates: { ...TODAY_RATES, prOwnFailureShare: 0.2, deployFailureShare: 0.1 } });
    expect(world.map((repo) => repo.name)).toEqual(plain.map((repo) => repo.name));
    expect(world.filter((repo) => repo.ownFailure).length).toBeGreaterThan(0);
    // An explicit deploy break still wins over the world's share.
    const named = plain.find((repo) => repo.deployBreaks)?.name ?? '';
    expect(generateFleet({ seed: 42, repos: 48, size: 'small', rates: { ...TODAY_RATES, deployFailureShare: 0.3 }, deployBreaks: named }).filter((repo) => repo.deployBreaks).map((repo) => repo.name)).toEqual([named]);
  });
});
