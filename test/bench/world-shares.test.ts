import { describe, expect, test } from 'vitest';
import { BenchFlags, resolveConfig } from '../../src/bench/options.js';
import { formatReport } from '../../src/bench/report.js';
import { runBench } from '../../src/bench/run-bench.js';
import { CALIBRATED_RATES, TODAY_RATES } from '../../src/sandbox/fleet/world-rates.js';

/**
 * The `worlds` measurement in its `--quick` configuration (two fleets of 100 per world): the
 * shares the fake's CI and the sandbox's CD produce, beside the rates they stand for. Everything
 * is seeded and in simulated time, so these are exact checks, not timings.
 */
describe('npm run bench --only worlds, tiny configuration', () => {
  test('each world: the fake produces its ground truth exactly and its rates within a binomial bound', async () => {
    const config = resolveConfig(BenchFlags.parse({ quick: true, only: 'worlds' }));
    const result = await runBench(config, { log: () => undefined, machine: { cpus: 1, node: process.version, loadAverage: [0, 0, 0] } });
    const shares = result.worldShares!;
    expect(Object.keys(result.seconds)).toEqual(['worlds']);
    for (const [world, rates] of [[shares.today, TODAY_RATES], [shares.calibrated, CALIBRATED_RATES]] as const) {
      expect(world).toMatchObject({ fleets: 2, repos: 100, mismatches: 0 });
      expect(world.rates.redDefaultShare).toBe(rates.redDefaultShare);
      // Exact shares of whole repositories: within one repository of the rate (a fleet of 100 has 101 with its second organisation's).
      expect(Math.abs(world.observed.redDefault.median - rates.redDefaultShare)).toBeLessThanOrEqual(1 / 100 + 0.005);
      expect(Math.abs(world.observed.deployFailed.median - rates.deployFailureShare)).toBeLessThanOrEqual(1 / 80 + 0.005);
      // A flaky run fails at the rate (4 standard deviations over about 100 runs or more).
      expect(Math.abs(world.observed.flakyRunFailure.median - rates.flakyFailRate)).toBeLessThanOrEqual(4 * Math.sqrt((rates.flakyFailRate * (1 - rates.flakyFailRate)) / 90));
      // PRs failing after a re-run: at least the repositories failing for a reason of their own.
      expect(world.observed.prFailedAgain.min).toBeGreaterThanOrEqual(rates.prOwnFailureShare - 1 / 80 - 0.005);
      expect(world.observed.prFailedFirst.min).toBeGreaterThanOrEqual(world.observed.prFailedAgain.min);
    }
    // The calibrated world differs where its figures do: fewer flaky failures, more red branches, failing deploys.
    expect(shares.calibrated.observed.flakyRunFailure.median).toBeLessThan(shares.today.observed.flakyRunFailure.median);
    expect(shares.calibrated.observed.redDefault.median).toBeGreaterThan(shares.today.observed.redDefault.median);
    expect(shares.today.observed.deployFailed.max).toBe(0);
    expect(shares.calibrated.observed.deployFailed.min).toBeGreaterThan(0);
    expect(formatReport(result)).toMatch(/world calibrated, 2 × 100 repos/);
  }, 120_000);
});
