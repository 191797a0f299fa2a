import { FleetError } from '../../errors.js';
import type { FakeGitHubState, SeedRepoInput } from '../github/server.js';
import type { FleetRepo } from './generate-fleet.js';

/** What the fake needs to create a fleet repository (CI ground truth included). */
export function toSeedInput(repo: FleetRepo): SeedRepoInput {
  return {
    owner: repo.org,
    name: repo.name,
    files: repo.files,
    topics: repo.topics,
    language: repo.language,
    description: `${repo.team} service (criticality ${repo.criticality})`,
    protection: repo.protection,
    ci: repo.ci,
  };
}

/**
 * Loads a generated fleet into a running fake GitHub (in process).
 *
 * @example seedFleet(fake, generateFleet({ seed: 1, repos: 48 }));
 */
export function seedFleet(fake: { state: Pick<FakeGitHubState, 'seedRepo'> }, fleet: FleetRepo[]): void {
  for (const repo of fleet) fake.state.seedRepo(toSeedInput(repo));
}

/**
 * Loads a generated fleet into a fake GitHub in another process, through its control API.
 *
 * @example await seedFleetOverHttp({ url: 'http://127.0.0.1:4010', fetch }, fleet);
 */
export async function seedFleetOverHttp(deps: { url: string; fetch: typeof fetch }, fleet: FleetRepo[]): Promise<void> {
  const response = await deps.fetch(`${deps.url}/_fake/repos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fleet.map(toSeedInput)),
  });
  if (!response.ok) {
    throw new FleetError('github_error', `The fake GitHub at ${deps.url} refused the fleet (${response.status}: ${await response.text()}); start it fresh and seed again.`);
  }
}
