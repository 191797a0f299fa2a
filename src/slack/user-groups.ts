import type { webApi } from '@slack/bolt';
import { FleetError } from '../errors.js';

export interface GroupResolverDeps {
  client: webApi.WebClient;
  now: () => number;
  /** How long a group's member list is trusted (default 5 minutes). */
  ttlMs?: number;
}

/**
 * Resolves a Slack user group (an approver group of a campaign) to its members, for the campaign
 * service's `resolveGroupMembers`. Members are cached briefly: a click on Approve should not wait
 * on Slack, but someone removed from a group loses the right within minutes.
 *
 * @example const resolveGroupMembers = createGroupResolver({ client, now: Date.now });
 * await resolveGroupMembers('S0614TZR7'); // ['U1…', 'U2…']
 */
export function createGroupResolver(deps: GroupResolverDeps): (groupId: string) => Promise<string[]> {
  const ttl = deps.ttlMs ?? 5 * 60_000;
  const cache = new Map<string, { users: string[]; at: number }>();
  return async function resolveGroupMembers(groupId: string): Promise<string[]> {
    const hit = cache.get(groupId);
    if (hit && deps.now() - hit.at < ttl) return hit.users;
    try {
      const result = await deps.client.usergroups.users.list({ usergroup: groupId });
      const users = result.users ?? [];
      cache.set(groupId, { users, at: deps.now() });
      return users;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error ?? (error instanceof Error ? error.message : String(error));
      throw new FleetError(
        'slack_error',
        `Fleet could not read the members of user group ${groupId} (${code}), so it cannot tell whether you are an approver. Check that the app has the usergroups:read scope (manifest.yml) and try again.`,
        { groupId, code },
        { cause: error },
      );
    }
  };
}
