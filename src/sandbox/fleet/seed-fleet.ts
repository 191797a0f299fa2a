import { FleetError } from '../../errors.js';
import type { FakeGitHubState, SeedRepoInput } from '../github/server.js';
import type { FleetRepo } from './generate-fleet.js';

/**
 * How long the sandbox's code owners take, by default, to approve a PR once asked to review it:
 * seconds, because the demo, the situations and the chaos run go by the wall clock (a test on the
 * fake's clock advances it, or asks for longer with `reviewAfterMs`).
 */
export const REVIEW_AFTER_MS = 5_000;

export interface SeedOptions {
  /** How long a code owner of the sandbox takes to approve once asked (default REVIEW_AFTER_MS). */
  reviewAfterMs?: number;
  /** Count that time from when the PR's checks have all completed rather than from the request. */
  reviewAfterChecks?: boolean;
}

/** Whether the repository's default branch requires a code owner's review (a ruleset's `pull_request` rule, or classic protection). */
function requiresCodeOwner(repo: FleetRepo): boolean {
  const byRuleset = (repo.rulesets ?? []).some((ruleset) => ruleset.rules.some((rule) => rule.type === 'pull_request' && rule.parameters.require_code_owner_review));
  return byRuleset || repo.protection?.requireCodeOwnerReviews === true;
}

/**
 * What the fake needs to create a fleet repository (CI ground truth included). A repository that
 * requires a code owner's review gets its team's lead as a sandbox reviewer, who approves a PR
 * `reviewAfterMs` after the review is asked of the team, so campaigns over it can complete.
 */
export function toSeedInput(repo: FleetRepo, options: SeedOptions = {}): SeedRepoInput {
  return {
    ...(requiresCodeOwner(repo) ? { reviewers: [{ login: teamLead(repo.team), afterMs: options.reviewAfterMs ?? REVIEW_AFTER_MS, ...(options.reviewAfterChecks ? { afterChecks: true } : {}) }] } : {}),
    owner: repo.org,
    name: repo.name,
    files: repo.files,
    topics: repo.topics,
    language: repo.language,
    description: `${repo.team} service (criticality ${repo.criticality})`,
    ...(repo.protection ? { protection: repo.protection } : {}),
    ...(repo.rulesets ? { rulesets: repo.rulesets } : {}),
    ...(repo.settings ? { settings: repo.settings } : {}),
    ...(repo.fork !== undefined ? { fork: repo.fork } : {}),
    ...(repo.deployBreaks ? { deployBreaks: repo.deployBreaks } : {}),
    ci: repo.ci,
  };
}

/** The login of a team's one member in the sandbox (its lead), e.g. `payments-lead`. */
export function teamLead(team: string): string {
  return `${team}-lead`;
}

/**
 * The teams the fleet's CODEOWNERS name (`@<org>/<team>`), each with its lead as its one member,
 * so that GitHub's code-owner review can be satisfied by a person of the sandbox.
 */
export function fleetTeams(fleet: readonly FleetRepo[]): { org: string; slug: string; members: string[] }[] {
  const seen = new Map<string, { org: string; slug: string; members: string[] }>();
  for (const repo of fleet) {
    const key = `${repo.org}/${repo.team}`.toLowerCase();
    if (!seen.has(key)) seen.set(key, { org: repo.org, slug: repo.team, members: [teamLead(repo.team)] });
  }
  return [...seen.values()];
}

/**
 * Loads a generated fleet into a running fake GitHub (in process): its teams, then its repositories.
 *
 * @example seedFleet(fake, generateFleet({ seed: 1, repos: 48 }));
 */
export function seedFleet(fake: { state: Pick<FakeGitHubState, 'seedRepo' | 'addTeam'> }, fleet: FleetRepo[], options: SeedOptions = {}): void {
  for (const team of fleetTeams(fleet)) fake.state.addTeam(team.org, team.slug, team.members);
  for (const repo of fleet) fake.state.seedRepo(toSeedInput(repo, options));
}

/** A seed in the control API's JSON: bytes travel as `{ "base64": "…" }`. */
function toSeedJson(repo: FleetRepo, options: SeedOptions): Record<string, unknown> {
  const { files, ...rest } = toSeedInput(repo, options);
  const encoded = Object.fromEntries(Object.entries(files).map(([path, content]) => [path, typeof content === 'string' ? content : { base64: Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64') }]));
  return { ...rest, files: encoded };
}

/**
 * Loads a generated fleet into a fake GitHub in another process, through its control API, a few
 * repositories a request (a realistic repository is a few hundred KB of JSON, some a few MB).
 *
 * @example await seedFleetOverHttp({ url: 'http://127.0.0.1:4010', fetch }, fleet);
 */
export async function seedFleetOverHttp(deps: { url: string; fetch: typeof fetch }, fleet: FleetRepo[], batch = 10, options: SeedOptions = {}): Promise<void> {
  for (const team of fleetTeams(fleet)) {
    const response = await deps.fetch(`${deps.url}/_fake/teams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(team) });
    if (!response.ok) throw new FleetError('github_error', `The fake GitHub at ${deps.url} refused the team ${team.org}/${team.slug} (${response.status}: ${await response.text()}); start it fresh and seed again.`);
  }
  for (let start = 0; start < fleet.length; start += batch) {
    const response = await deps.fetch(`${deps.url}/_fake/repos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fleet.slice(start, start + batch).map((repo) => toSeedJson(repo, options))),
    });
    if (!response.ok) {
      throw new FleetError('github_error', `The fake GitHub at ${deps.url} refused the fleet (${response.status}: ${await response.text()}); start it fresh and seed again.`);
    }
  }
}
