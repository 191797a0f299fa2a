/**
 * Who may act on a campaign, as a pure function: admins always; the owner and the approvers
 * (users, and members of the approver user groups, resolved by the caller) for campaign actions;
 * admins alone for the global freeze. A refusal carries who may act, so the reply can say so.
 */

export type CampaignAction = 'approve' | 'reject' | 'pause' | 'resume' | 'abort' | 'retry' | 'skip' | 'revert';

export interface AuthorizeInput {
  actor: string;
  /** A campaign action, or 'freeze' for the global kill switch. */
  action: CampaignAction | 'freeze';
  admins: readonly string[];
  owner?: string;
  approvers?: { users: readonly string[]; groups: readonly string[] };
  /** Members of each approver group, as resolved from Slack. */
  groupMembers?: Readonly<Record<string, readonly string[]>>;
}

export type AuthorizeResult =
  | { allowed: true; as: 'admin' | 'owner' | 'approver' }
  | { allowed: false; owner: string | null; users: string[]; groups: string[]; sentence: string };

const VERB: Record<AuthorizeInput['action'], string> = {
  approve: 'approve',
  reject: 'reject',
  pause: 'pause',
  resume: 'resume',
  abort: 'abort',
  retry: 'retry targets of',
  skip: 'skip targets of',
  revert: 'revert waves of',
  freeze: 'turn the global freeze on or off',
};

/**
 * @example
 * authorize({ actor: 'U2', action: 'approve', admins: [], owner: 'U1', approvers: { users: [], groups: ['S1'] }, groupMembers: { S1: ['U2'] } })
 * // { allowed: true, as: 'approver' }
 */
export function authorize(input: AuthorizeInput): AuthorizeResult {
  if (input.admins.includes(input.actor)) return { allowed: true, as: 'admin' };
  if (input.action === 'freeze') {
    return { allowed: false, owner: null, users: [], groups: [], sentence: `Only an admin (FLEET_ADMINS) can ${VERB.freeze}.` };
  }
  if (input.owner === input.actor) return { allowed: true, as: 'owner' };
  const users = [...(input.approvers?.users ?? [])];
  const groups = [...(input.approvers?.groups ?? [])];
  if (users.includes(input.actor)) return { allowed: true, as: 'approver' };
  if (groups.some((g) => input.groupMembers?.[g]?.includes(input.actor))) return { allowed: true, as: 'approver' };
  const named = [...users.map((u) => `<@${u}>`), ...groups.map((g) => `<!subteam^${g}>`)];
  const approvers = named.length ? `the approvers (${named.join(', ')})` : 'the approvers';
  const owner = input.owner ? `<@${input.owner}>` : 'the owner';
  return { allowed: false, owner: input.owner ?? null, users, groups, sentence: `Only ${owner}, ${approvers} or an admin can ${VERB[input.action]} this campaign.` };
}
