import { createSimulatedCd } from '../cd/simulated-cd.js';
import type { DeploymentRecord } from '../github/deployments.js';
import { createWorld, type World } from '../github/state.js';
import { TARGET_LODASH, type FleetRepo } from './generate-fleet.js';
import { toSeedInput } from './seed-fleet.js';

/** What the fake GitHub's CI and the sandbox's CD did with a world fleet (`observeWorld`). */
export interface WorldObservation {
  repos: number;
  /** Repositories the demo change touches (lodash users). */
  touched: number;
  /** Repositories, flaky ones left out, whose default branch fails a check as seeded. */
  redDefault: FleetRepo[];
  /** Runs of the flaky repositories' checks on their default branch (first attempts and re-runs), and how many failed. */
  flakyRuns: number;
  flakyFailures: number;
  /** Touched repositories whose CI is neither flaky nor red, where the change was pushed. */
  pushed: number;
  /** Of those, the ones whose PR commit failed a check at the first run, and again after one re-run. */
  prFailedFirst: FleetRepo[];
  prFailedAgain: FleetRepo[];
  /** Canary deployments of the PRs still green, and the repositories whose deploy failed. */
  deployed: number;
  deployFailed: FleetRepo[];
}

const START = Date.parse('2025-03-01T09:00:00Z');
const MINUTE = 60_000;

/**
 * Seeds a world fleet into the fake GitHub's world (in process, on a clock of its own, with the
 * sandbox's CD) and watches what its CI and CD do: the default branches as seeded, the flaky ones
 * re-run `reruns` times, the demo change (lodash to TARGET_LODASH) pushed to every touched
 * repository whose CI is neither flaky nor red, failing suites re-run once, and a canary deployment
 * of each PR still green. Nothing here reads the ground truth beyond which repositories to push
 * to: every share comes from check runs and deployment statuses.
 *
 * @example observeWorld(generateWorldFleet({ seed: 1, repos: 200, world: 'calibrated', bad: 'none' })).deployFailed.length
 */
export function observeWorld(fleet: readonly FleetRepo[], options: { reruns?: number } = {}): WorldObservation {
  const world = createWorld({ now: () => START, emit: () => undefined });
  const cd = createSimulatedCd({ world, delays: { inProgressMs: MINUTE, successMs: 5 * MINUTE } });
  try {
    for (const repo of fleet) world.seedRepo(toSeedInput(repo));
    return watch(world, fleet, options.reruns ?? 4);
  } finally {
    cd.stop();
  }
}

function watch(world: World, fleet: readonly FleetRepo[], reruns: number): WorldObservation {
  const record = (repo: FleetRepo) => world.getRepo(repo.org, repo.name);
  const head = (repo: FleetRepo): string => record(repo).refs.get(`heads/${record(repo).defaultBranch}`) ?? '';
  const failing = (repo: FleetRepo, sha: string): string[] => world.latestRunsFor(record(repo), sha).filter((run) => run.conclusion !== 'success').map((run) => run.name);
  const conclusions = (repo: FleetRepo, sha: string) => world.latestRunsFor(record(repo), sha).map((run) => run.conclusion);
  const rerun = (repo: FleetRepo, sha: string): void => {
    for (const id of new Set(world.latestRunsFor(record(repo), sha).map((run) => run.suiteId))) world.rerequestSuite(record(repo), id);
  };

  const flaky = fleet.filter((repo) => repo.ci.outcome === 'flaky');
  const redDefault = fleet.filter((repo) => repo.ci.outcome !== 'flaky' && failing(repo, head(repo)).length > 0);
  let flakyRuns = 0;
  let flakyFailures = 0;
  for (const repo of flaky) {
    for (let attempt = 0; attempt <= reruns; attempt += 1) {
      if (attempt > 0) {
        rerun(repo, head(repo));
        world.advance(repo.ci.durationMs);
      }
      const runs = conclusions(repo, head(repo));
      flakyRuns += runs.length;
      flakyFailures += runs.filter((conclusion) => conclusion === 'failure').length;
    }
  }

  // The change, written as a push writes it: git objects, then the ref update that starts CI.
  const touched = fleet.filter((repo) => repo.lodash !== null);
  const pushed = touched.filter((repo) => repo.ci.outcome === 'pass');
  const heads = new Map<FleetRepo, string>();
  for (const repo of pushed) {
    const base = head(repo);
    const commit = world.objects.get(base);
    if (commit?.type !== 'commit') continue;
    const flat = world.objects.flatten(commit.tree);
    const manifest = String(repo.files['package.json']).replace(/"lodash": "[^"]+"/, `"lodash": "${TARGET_LODASH}"`);
    flat.set('package.json', { sha: world.objects.writeBlob(Buffer.from(manifest)), mode: '100644' });
    const sha = world.objects.writeCommit({ tree: world.objects.writeFlat(flat), parents: [base], message: `Bump lodash to ${TARGET_LODASH}\n`, author: world.person('fleet-bot'), committer: world.person('fleet-bot') });
    world.setRef(record(repo), 'heads/fleet/lodash', sha, 'fleet-bot');
    heads.set(repo, sha);
  }
  world.advance(10 * MINUTE);
  const prFailedFirst = pushed.filter((repo) => failing(repo, heads.get(repo) ?? '').length > 0);
  for (const repo of prFailedFirst) rerun(repo, heads.get(repo) ?? '');
  world.advance(10 * MINUTE);
  const prFailedAgain = prFailedFirst.filter((repo) => failing(repo, heads.get(repo) ?? '').length > 0);

  const deployments = new Map<FleetRepo, DeploymentRecord>();
  for (const repo of pushed.filter((r) => !prFailedAgain.includes(r))) {
    const created = world.deployments.create(record(repo), { ref: heads.get(repo) ?? '', environment: 'canary', transientEnvironment: true, productionEnvironment: false, requiredContexts: [] }, 'fleet-bot');
    if (created.kind === 'created') deployments.set(repo, created.deployment);
  }
  world.advance(30 * MINUTE);
  const deployFailed = [...deployments].filter(([, deployment]) => deployment.statuses.some((status) => status.state === 'failure')).map(([repo]) => repo);
  return { repos: fleet.length, touched: touched.length, redDefault, flakyRuns, flakyFailures, pushed: pushed.length, prFailedFirst, prFailedAgain, deployed: deployments.size, deployFailed };
}
