import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEPLOY_BREAKS, generateFleet, TARGET_LODASH, type FleetRepo } from '../../../src/sandbox/fleet/generate-fleet.js';
import { toSeedInput } from '../../../src/sandbox/fleet/seed-fleet.js';
import { generateWorldFleet, worldCensus } from '../../../src/sandbox/fleet/world-fleet.js';
import { CALIBRATED_RATES, TODAY_RATES, WORLDS, type WorldRates } from '../../../src/sandbox/fleet/world-rates.js';
import { createSimulatedCd } from '../../../src/sandbox/cd/simulated-cd.js';
import type { DeploymentRecord } from '../../../src/sandbox/github/deployments.js';
import { createWorld, type World } from '../../../src/sandbox/github/state.js';

/**
 * A world's rates as the fake GitHub's CI and the sandbox's CD produce them: a fleet of some
 * hundreds seeded into the fake's world (in process, so the test stays quick; the routes over it
 * have tests of their own), the demo change pushed to every touched repository, check suites
 * re-run, canaries deployed, and the shares read back from check runs and deployment statuses. Everything is seeded, so the shares are the same on every run; the bounds are the
 * ones a fair draw would meet (four standard deviations of a binomial), so a generator or fake that
 * produced another rate fails them.
 */

const START = Date.parse('2025-03-01T09:00:00Z');
const REPOS = 300;
const RERUNS = 4;

/** Whether `observed` successes of `n` trials are within four binomial standard deviations of `p` (plus one trial, for rounding). */
function withinBinomial(observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 4 * Math.sqrt(n * p * (1 - p)) + 1;
}

interface Observed {
  /** Repositories whose default branch fails a required check. */
  redDefault: number;
  /** Runs of a flaky repository's checks on its default branch, first attempts and re-runs, and how many failed. */
  flakyRuns: number;
  flakyFailures: number;
  /** Touched repositories whose default branch is green and whose PR commit fails a check twice (first run and re-run). */
  prFailing: FleetRepo[];
  /** Touched repositories whose CI is neither flaky nor red, where the change was pushed. */
  touchedGreen: number;
  /** Repositories (touched, PR green) whose canary deploy failed, and how many were deployed. */
  deployFailing: FleetRepo[];
  deployed: number;
}

/** The fake GitHub's world (its CI) and the sandbox's CD over it, in process, on a clock of their own. */
function startWorld() {
  const world = createWorld({ now: () => START, emit: () => undefined });
  const cd = createSimulatedCd({ world, delays: { inProgressMs: 60_000, successMs: 5 * 60_000 } });
  return { world, cd };
}

function observe(world: World, fleet: FleetRepo[]): Observed {
  const conclusions = (repo: FleetRepo, sha: string) => world.latestRunsFor(world.getRepo(repo.org, repo.name), sha).map((run) => run.conclusion);
  const rerun = (repo: FleetRepo, sha: string): void => {
    const record = world.getRepo(repo.org, repo.name);
    for (const id of new Set(world.latestRunsFor(record, sha).map((run) => run.suiteId))) world.rerequestSuite(record, id);
  };
  const head = (repo: FleetRepo, branch: string): string => world.getRepo(repo.org, repo.name).refs.get(`heads/${branch}`) ?? '';
  const result: Observed = { redDefault: 0, flakyRuns: 0, flakyFailures: 0, prFailing: [], touchedGreen: 0, deployFailing: [], deployed: 0 };

  // Default branches, as seeded (their CI completed at once); flaky ones re-run a few times.
  const flaky = fleet.filter((repo) => repo.ci.outcome === 'flaky');
  for (const repo of fleet) {
    if (repo.ci.outcome === 'flaky') continue;
    if (conclusions(repo, head(repo, 'main')).some((c) => c !== 'success')) result.redDefault += 1;
  }
  for (const repo of flaky) {
    for (let attempt = 0; attempt <= RERUNS; attempt += 1) {
      if (attempt > 0) {
        rerun(repo, head(repo, 'main'));
        world.advance(repo.ci.durationMs);
      }
      const runs = conclusions(repo, head(repo, 'main'));
      result.flakyRuns += runs.length;
      result.flakyFailures += runs.filter((c) => c === 'failure').length;
    }
  }

  // The demo change on every touched repository whose CI is neither flaky nor red: a branch
  // commit written as a push writes it (git objects, then the ref update that starts CI).
  const touched = fleet.filter((repo) => repo.lodash !== null && repo.ci.outcome === 'pass');
  const heads = new Map<FleetRepo, string>();
  for (const repo of touched) {
    const record = world.getRepo(repo.org, repo.name);
    const base = head(repo, 'main');
    const baseCommit = world.objects.get(base);
    if (baseCommit?.type !== 'commit') throw new Error(`no default branch in ${repo.name}`);
    const flat = world.objects.flatten(baseCommit.tree);
    const manifest = String(repo.files['package.json']).replace(/"lodash": "[^"]+"/, `"lodash": "${TARGET_LODASH}"`);
    flat.set('package.json', { sha: world.objects.writeBlob(Buffer.from(manifest)), mode: '100644' });
    const sha = world.objects.writeCommit({ tree: world.objects.writeFlat(flat), parents: [base], message: 'Bump lodash\n', author: world.person('fleet-bot'), committer: world.person('fleet-bot') });
    world.setRef(record, 'heads/fleet/lodash', sha, 'fleet-bot');
    heads.set(repo, sha);
  }
  world.advance(10 * 60_000);
  result.touchedGreen = touched.length;
  const failedOnce = touched.filter((repo) => conclusions(repo, heads.get(repo) ?? '').some((c) => c !== 'success'));
  // A failure of the PR's own fails again when re-run (a flaky one would mostly pass).
  for (const repo of failedOnce) rerun(repo, heads.get(repo) ?? '');
  world.advance(10 * 60_000);
  result.prFailing = failedOnce.filter((repo) => conclusions(repo, heads.get(repo) ?? '').some((c) => c !== 'success'));

  // A canary deploy of each green PR, reported by the sandbox's CD on the world's clock.
  const deployments = new Map<FleetRepo, DeploymentRecord>();
  for (const repo of touched.filter((r) => !result.prFailing.includes(r))) {
    const created = world.deployments.create(world.getRepo(repo.org, repo.name), { ref: heads.get(repo) ?? '', environment: 'canary', transientEnvironment: true, productionEnvironment: false, requiredContexts: [] }, 'fleet-bot');
    if (created.kind !== 'created') throw new Error(`no deployment for ${repo.name}: ${created.message}`);
    deployments.set(repo, created.deployment);
  }
  world.advance(30 * 60_000);
  for (const [repo, deployment] of deployments) {
    result.deployed += 1;
    if (deployment.statuses.some((status) => status.state === 'failure')) result.deployFailing.push(repo);
  }
  return result;
}

/** A world with every failure frequent, so each path is exercised whatever the calibrated figures are. */
const HARSH: WorldRates = { id: 'calibrated', flakyRepoShare: 0.2, flakyFailRate: 0.25, redDefaultShare: 0.1, prOwnFailureShare: 0.12, deployFailureShare: 0.1, badChangeShare: 0.1, sources: {} };

describe.each([
  ['calibrated', CALIBRATED_RATES],
  ['today', TODAY_RATES],
  ['harsh', HARSH],
] as [string, WorldRates][])('a %s world as the fake CI and CD produce it', (_, rates) => {
  const fleet = generateWorldFleet({ seed: 11, repos: REPOS, org: 'world', world: rates, bad: 'none' });
  let stand: ReturnType<typeof startWorld>;
  let seen: Observed;

  beforeAll(() => {
    stand = startWorld();
    for (const repo of fleet) stand.world.seedRepo(toSeedInput(repo));
    seen = observe(stand.world, fleet);
  }, 120_000);
  afterAll(() => stand?.cd.stop());

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
    expect(seen.redDefault).toBe(census.redDefault);
  });

  test('flaky checks fail at the world\'s rate, each run on its own', () => {
    if (census.flaky === 0) return expect(seen.flakyRuns).toBe(0);
    expect(seen.flakyRuns).toBe(census.flaky * 3 * (RERUNS + 1));
    expect(withinBinomial(seen.flakyFailures, seen.flakyRuns, rates.flakyFailRate)).toBe(true);
  });

  test("a healthy change's PR fails CI, re-run too, exactly where the repository fails it for a reason of its own", () => {
    expect(seen.prFailing.map((repo) => repo.name).sort()).toEqual(fleet.filter((repo) => repo.ownFailure).map((repo) => repo.name).sort());
    expect(withinBinomial(seen.prFailing.length, touched.length, rates.prOwnFailureShare)).toBe(true);
  });

  test('canary deploys fail exactly where the ground truth says, at the world\'s share of the touched repositories', () => {
    expect(seen.deployed).toBe(seen.touchedGreen - seen.prFailing.length);
    expect(seen.deployFailing.map((repo) => repo.name).sort()).toEqual(fleet.filter((repo) => repo.deployBreaks).map((repo) => repo.name).sort());
    expect(withinBinomial(seen.deployFailing.length, touched.length, rates.deployFailureShare)).toBe(true);
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
