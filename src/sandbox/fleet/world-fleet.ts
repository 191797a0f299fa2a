import { z } from 'zod';
import { FleetError } from '../../errors.js';
import { generateFleet, type FleetRepo } from './generate-fleet.js';
import { WORLDS, type WorldName, type WorldRates } from './world-rates.js';

/** What a campaign's change does wrong: nothing, breaks CI, or regresses canaries (in `badChangeShare` of the touched repositories). */
export type BadKind = 'none' | 'ci' | 'canary';

export interface WorldFleetOptions {
  seed: number;
  repos: number;
  org?: string;
  /** The world's name (`WORLDS`) or its rates. */
  world: WorldName | WorldRates;
  bad: BadKind;
  /** Default `small`: decisions read checks, deploys and metrics, never a file's content. */
  size?: 'realistic' | 'small';
}

const share = z.number().min(0).max(1);
const Rates = z.object({ id: z.enum(['today', 'calibrated']), flakyRepoShare: share, flakyFailRate: share, redDefaultShare: share, prOwnFailureShare: share, deployFailureShare: share, badChangeShare: share, sources: z.record(z.string(), z.string()) });
const Options = z.object({
  seed: z.number().int(),
  repos: z.number().int().min(0),
  org: z.string().min(1).optional(),
  world: z.union([z.enum(['today', 'calibrated']), Rates]),
  bad: z.enum(['none', 'ci', 'canary']),
  size: z.enum(['realistic', 'small']).optional(),
});

/**
 * One campaign's fleet in a world: the world's flaky checks, red default branches, PRs failing
 * for a reason of their own and failing deploys, and, for a bad campaign, the change breaking CI
 * (`bad: 'ci'`) or regressing canaries (`bad: 'canary'`) in `badChangeShare` of the repositories
 * it touches; a healthy one (`'none'`) breaks nothing.
 *
 * @example generateWorldFleet({ seed: 3, repos: 200, org: 'sim3', world: 'calibrated', bad: 'ci' })
 */
export function generateWorldFleet(options: WorldFleetOptions): FleetRepo[] {
  const parsed = Options.safeParse(options);
  if (!parsed.success) throw new FleetError('bad_input', `generateWorldFleet: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ')}.`);
  const rates = typeof options.world === 'string' ? WORLDS[options.world] : options.world;
  return generateFleet({
    seed: options.seed,
    repos: options.repos,
    ...(options.org ? { org: options.org } : {}),
    size: options.size ?? 'small',
    rates,
    ciBreakShare: options.bad === 'ci' ? rates.badChangeShare : 0,
    regressionShare: options.bad === 'canary' ? rates.badChangeShare : 0,
  });
}

/** How many of a fleet's repositories carry each part of the world's ground truth. */
export interface WorldCensus {
  repos: number;
  /** Repositories the demo change touches (lodash users). */
  touched: number;
  flaky: number;
  redDefault: number;
  ownFailure: number;
  deployBreaks: number;
  breaksCi: number;
  regresses: number;
}

/**
 * Counts a fleet's ground truth, for a benchmark's JSON and for tests.
 *
 * @example worldCensus(generateWorldFleet({ seed: 1, repos: 200, world: 'today', bad: 'none' })).flaky // 16
 */
export function worldCensus(fleet: readonly FleetRepo[]): WorldCensus {
  const count = (test: (repo: FleetRepo) => boolean): number => fleet.filter(test).length;
  return {
    repos: fleet.length,
    touched: count((repo) => repo.lodash !== null),
    flaky: count((repo) => repo.ci.outcome === 'flaky'),
    redDefault: count((repo) => repo.ci.outcome === 'fail-on-default'),
    ownFailure: count((repo) => repo.ownFailure === true),
    deployBreaks: count((repo) => repo.deployBreaks !== undefined),
    breaksCi: count((repo) => repo.breaksCi),
    regresses: count((repo) => repo.regresses),
  };
}
