import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Octokit } from '@octokit/rest';
import { startFakeGitHub, type FakeGitHub } from '../../../src/sandbox/github/server.js';
import { generateFleet, withoutRequiredReviews, type FleetRepo } from '../../../src/sandbox/fleet/generate-fleet.js';
import { REVIEW_AFTER_MS, fleetTeams, seedFleet, seedFleetOverHttp, teamLead } from '../../../src/sandbox/fleet/seed-fleet.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A small fleet whose first repository requires a code owner's review, as its ruleset or protection may. */
function fleetWithCodeOwnerReview(): FleetRepo[] {
  const fleet = generateFleet({ seed: 7, repos: 6, size: 'small' });
  const [first, ...rest] = fleet;
  return [{ ...first, rulesets: [], protection: { requiredChecks: ['build'], requiredApprovals: 1, requireCodeOwnerReviews: true } }, ...rest.map((repo) => withoutRequiredReviews(repo))];
}

let fake: FakeGitHub;
let octokit: Octokit;
beforeEach(async () => {
  fake = await startFakeGitHub({ port: 0, now: () => Date.UTC(2025, 0, 6, 9), log: () => undefined });
  octokit = new Octokit({ baseUrl: fake.url, auth: 'token', request: { retries: 0 }, log: quiet });
});
afterEach(async () => {
  await fake.close();
});

/** Opens a PR on the repository that changes package.json and asks its CODEOWNERS team to review it. */
async function openAndAskTeam(repo: FleetRepo): Promise<number> {
  const r = { owner: repo.org, repo: repo.name };
  const main = (await octokit.rest.git.getRef({ ...r, ref: 'heads/main' })).data.object.sha;
  const base = (await octokit.rest.git.getCommit({ ...r, commit_sha: main })).data.tree.sha;
  const tree = await octokit.rest.git.createTree({ ...r, base_tree: base, tree: [{ path: 'package.json', mode: '100644', type: 'blob', content: '{ "name": "changed" }\n' }] });
  const commit = await octokit.rest.git.createCommit({ ...r, message: 'change', tree: tree.data.sha, parents: [main] });
  await octokit.rest.git.createRef({ ...r, ref: 'refs/heads/fleet/x', sha: commit.data.sha });
  const pull = await octokit.rest.pulls.create({ ...r, title: 'x', head: 'fleet/x', base: 'main' });
  await octokit.rest.pulls.requestReviewers({ ...r, pull_number: pull.data.number, team_reviewers: [repo.team] });
  return pull.data.number;
}

describe('the sandbox fleet’s teams and code owners', () => {
  test('every CODEOWNERS team has its lead; the repository requiring a code owner gets them as a reviewer who approves later', async () => {
    const fleet = fleetWithCodeOwnerReview();
    seedFleet(fake, fleet);
    const [owned, plain] = fleet as [FleetRepo, FleetRepo];
    for (const team of fleetTeams(fleet)) {
      const members = await octokit.rest.teams.listMembersInOrg({ org: team.org, team_slug: team.slug });
      expect(members.data.map((m) => m.login)).toEqual([teamLead(team.slug)]);
    }
    const number = await openAndAskTeam(owned);
    fake.state.advance(REVIEW_AFTER_MS - 1_000);
    expect((await octokit.rest.pulls.listReviews({ owner: owned.org, repo: owned.name, pull_number: number })).data).toEqual([]);
    fake.state.advance(1_000);
    const reviews = (await octokit.rest.pulls.listReviews({ owner: owned.org, repo: owned.name, pull_number: number })).data;
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([[teamLead(owned.team), 'APPROVED']]);
    // A repository that asks for no code owner has no sandbox reviewer: nobody answers.
    const other = await openAndAskTeam(plain);
    fake.state.advance(REVIEW_AFTER_MS);
    expect((await octokit.rest.pulls.listReviews({ owner: plain.org, repo: plain.name, pull_number: other })).data).toEqual([]);
  });

  test('the generated fleet’s code-owner repository (its ruleset’s pull_request rule) gets its team’s lead', async () => {
    const fleet = generateFleet({ seed: 1, repos: 48, size: 'small' });
    const reviewed = fleet.find((repo) => repo.codeOwnerReview === true);
    expect(reviewed).toBeDefined();
    seedFleet(fake, fleet);
    const number = await openAndAskTeam(reviewed!);
    fake.state.advance(REVIEW_AFTER_MS);
    const reviews = (await octokit.rest.pulls.listReviews({ owner: reviewed!.org, repo: reviewed!.name, pull_number: number })).data;
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([[teamLead(reviewed!.team), 'APPROVED']]);
  });

  test('over the control API the teams and the reviewer delay travel too', async () => {
    const fleet = fleetWithCodeOwnerReview();
    await seedFleetOverHttp({ url: fake.url, fetch }, fleet, 10, { reviewAfterMs: 60_000 });
    const owned = fleet[0];
    const number = await openAndAskTeam(owned);
    fake.state.advance(59_000);
    expect((await octokit.rest.pulls.listReviews({ owner: owned.org, repo: owned.name, pull_number: number })).data).toEqual([]);
    fake.state.advance(1_000);
    expect((await octokit.rest.pulls.listReviews({ owner: owned.org, repo: owned.name, pull_number: number })).data.map((r) => r.state)).toEqual(['APPROVED']);
  });
});
