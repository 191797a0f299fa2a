import { splitRepo, type GatewayContext } from './context.js';

/** Teams: who belongs to an organisation's team (CODEOWNERS names `@org/team`; a member's approval is the team's). */

export interface TeamsGateway {
  /**
   * The logins of a team's members (`GET /orgs/{org}/teams/{team_slug}/members`, every page);
   * undefined when GitHub does not show the team (it does not exist, or the token may not see it).
   */
  listTeamMembers(org: string, slug: string): Promise<string[] | undefined>;
}

export function createTeams(context: GatewayContext): TeamsGateway {
  const { octokit, callOrMissing } = context;

  async function listTeamMembers(org: string, slug: string): Promise<string[] | undefined> {
    // The organisation is checked as a repository owner would be (letters, digits, "-", "_", ".").
    const { owner } = splitRepo(`${org}/${slug}`);
    const members = await callOrMissing(`listing the members of @${org}/${slug}`, undefined, async () =>
      octokit.paginate(octokit.rest.teams.listMembersInOrg, { org: owner, team_slug: slug, per_page: 100 }),
    );
    return members?.map((m) => m.login);
  }

  return { listTeamMembers };
}
