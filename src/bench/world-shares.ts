import { observeWorld } from '../sandbox/fleet/observe-world.js';
import { generateWorldFleet } from '../sandbox/fleet/world-fleet.js';
import { WORLDS, type WorldName, type WorldRates } from '../sandbox/fleet/world-rates.js';
import { round, spread, type Spread } from './stats.js';

export interface WorldSharesOptions {
  /** Fleets generated per world (seeds `seed`, `seed + 1`, …). */
  fleets: number;
  /** Repositories per fleet. */
  repos: number;
  seed: number;
}

/** One world's rates beside the shares the fake's CI and the sandbox's CD produced, min / median / max over the fleets. */
export interface WorldShares {
  rates: Omit<WorldRates, 'id' | 'sources'>;
  fleets: number;
  repos: number;
  observed: {
    /** Default branches red (flaky ones left out), of all repositories. */
    redDefault: Spread;
    /** Runs of flaky checks that failed (first attempts and four re-runs). */
    flakyRunFailure: Spread;
    /** PRs of the change failing at the first run, of the repositories pushed to (CI neither flaky nor red). */
    prFailedFirst: Spread;
    /** PRs failing again after one re-run, of the touched repositories. */
    prFailedAgain: Spread;
    /** Canary deploys failing, of the touched repositories. */
    deployFailed: Spread;
  };
  /**
   * Repositories where what the fake did differs from the ground truth, over every fleet: red but
   * not `fail-on-default` (or the reverse), failing after a re-run but neither `ownFailure` nor
   * flaky, deploy failed but not `deployBreaks` (or the reverse). Zero when the fake produces the world.
   */
  mismatches: number;
}

const share = (part: number, whole: number): number => (whole === 0 ? 0 : round(part / whole, 4));

/** Generates `fleets` healthy fleets of a world and observes each (`observeWorld`). */
function measureWorld(name: WorldName, options: WorldSharesOptions): WorldShares {
  const rates = WORLDS[name];
  const rows: { red: number; flaky: number; first: number; again: number; deploy: number }[] = [];
  let mismatches = 0;
  for (let index = 0; index < options.fleets; index += 1) {
    const fleet = generateWorldFleet({ seed: options.seed + index, repos: options.repos, org: `w${index}`, world: name, bad: 'none' });
    const seen = observeWorld(fleet);
    const red = new Set(seen.redDefault);
    const again = new Set(seen.prFailedAgain);
    const failedDeploy = new Set(seen.deployFailed);
    for (const repo of fleet) {
      if (red.has(repo) !== (repo.ci.outcome === 'fail-on-default')) mismatches += 1;
      if (again.has(repo) && !repo.ownFailure && repo.ci.outcome !== 'flaky') mismatches += 1;
      if (repo.ownFailure && !again.has(repo)) mismatches += 1;
      // Only repositories that were deployed can show a deploy failure.
      if (repo.deployBreaks !== undefined && repo.lodash !== null && repo.ci.outcome === 'pass' && !again.has(repo) && !failedDeploy.has(repo)) mismatches += 1;
      if (failedDeploy.has(repo) && repo.deployBreaks === undefined) mismatches += 1;
    }
    rows.push({
      red: share(seen.redDefault.length, seen.repos),
      flaky: share(seen.flakyFailures, seen.flakyRuns),
      first: share(seen.prFailedFirst.length, seen.pushed),
      again: share(seen.prFailedAgain.length, seen.touched),
      deploy: share(seen.deployFailed.length, seen.touched),
    });
  }
  const of = (key: keyof (typeof rows)[number]): Spread => spread(rows.map((row) => row[key]));
  const { flakyRepoShare, flakyFailRate, redDefaultShare, prOwnFailureShare, deployFailureShare, badChangeShare } = rates;
  return {
    rates: { flakyRepoShare, flakyFailRate, redDefaultShare, prOwnFailureShare, deployFailureShare, badChangeShare },
    fleets: options.fleets,
    repos: options.repos,
    observed: { redDefault: of('red'), flakyRunFailure: of('flaky'), prFailedFirst: of('first'), prFailedAgain: of('again'), deployFailed: of('deploy') },
    mismatches,
  };
}

/**
 * The worlds' rates as the sandbox produces them: for today's world and the calibrated one,
 * `fleets` generated fleets of `repos` repositories, each seeded into the fake's world and watched
 * (the change pushed, suites re-run, canaries deployed), the shares reported beside the rates they
 * stand for. In process and in simulated time: a few seconds for the published configuration.
 */
export function measureWorldShares(options: WorldSharesOptions): Record<WorldName, WorldShares> {
  return { today: measureWorld('today', options), calibrated: measureWorld('calibrated', options) };
}
