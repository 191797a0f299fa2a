/**
 * Who may act on a campaign, as a pure function: admins always; the owner and the approvers
 * (users, and members of the approver user groups, resolved by the caller) for campaign actions;
 * admins and the launchers (FLEET_LAUNCHERS) to start a campaign; admins alone for the global
 * freeze. With four eyes, whoever launched a campaign may not approve its gates, admin or not.
 * A refusal carries who may act, so the reply can say so.
 */

export type CampaignAction = 'approve' | 'reject' | 'pause' | 'resume' | 'abort' | 'retry' | 'skip' | 'revert';

export interface AuthorizeInput {
  actor: string;
  /** A campaign action, 'start' to launch a campaign, or 'freeze' for the global kill switch. */
  action: CampaignAction | 'start' | 'freeze';
  admins: readonly string[];
  /** Who may start campaigns besides the admins (FLEET_LAUNCHERS); for 'start'. */
  launchers?: Launchers;
  /** Who launched the campaign, and whether its spec's policy.fourEyes holds; for 'approve'. */
  launchedBy?: string;
  fourEyes?: boolean;
  owner?: string;
  approvers?: { users: readonly string[]; groups: readonly string[] };
  /** Members of each approver (or, for 'start', launcher) group, as resolved from Slack. */
  groupMembers?: Readonly<Record<string, readonly string[]>>;
}

/** Slack user ids and user-group ids, as FLEET_LAUNCHERS lists them. */
export interface Launchers {
  users: readonly string[];
  groups: readonly string[];
}

export type AuthorizeResult =
  | { allowed: true; as: 'admin' | 'owner' | 'approver' | 'launcher' }
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
  start: 'start campaigns',
  freeze: 'turn the global freeze on or off',
};

function named(users: readonly string[], groups: readonly string[]): string[] {
  return [...users.map((u) => `<@${u}>`), ...groups.map((g) => `<!subteam^${g}>`)];
}

function authorizeStart(input: AuthorizeInput): AuthorizeResult {
  const users = [...(input.launchers?.users ?? [])];
  const groups = [...(input.launchers?.groups ?? [])];
  if (input.admins.includes(input.actor)) return { allowed: true, as: 'admin' };
  if (users.includes(input.actor) || groups.some((g) => input.groupMembers?.[g]?.includes(input.actor))) return { allowed: true, as: 'launcher' };
  const who = named(users, groups);
  const sentence = who.length
    ? `Only admins and the launchers (${who.join(', ')}) may start campaigns; ask one of them, or ask an admin to make you a launcher.`
    : 'Only admins may start campaigns; ask an admin to make you a launcher.';
  return { allowed: false, owner: null, users, groups, sentence };
}

/**
 * @example
 * authorize({ actor: 'U2', action: 'approve', admins: [], owner: 'U1', approvers: { users: [], groups: ['S1'] }, groupMembers: { S1: ['U2'] } })
 * // { allowed: true, as: 'approver' }
 */
export function authorize(input: AuthorizeInput): AuthorizeResult {
  if (input.action === 'start') return authorizeStart(input);
  // Four eyes binds an admin who launched the campaign too: someone else must look at the gate.
  if (input.action === 'approve' && input.fourEyes === true && input.launchedBy !== undefined && input.actor === input.launchedBy) {
    const users = [...(input.approvers?.users ?? [])];
    const groups = [...(input.approvers?.groups ?? [])];
    return { allowed: false, owner: input.owner ?? null, users, groups, sentence: 'You launched this campaign, so another approver or an admin must approve its gates (policy.fourEyes).' };
  }
  if (input.admins.includes(input.actor)) return { allowed: true, as: 'admin' };
  if (input.action === 'freeze') {
    return { allowed: false, owner: null, users: [], groups: [], sentence: `Only an admin can ${VERB.freeze}.` };
  }
  if (input.owner === input.actor) return { allowed: true, as: 'owner' };
  const users = [...(input.approvers?.users ?? [])];
  const groups = [...(input.approvers?.groups ?? [])];
  if (users.includes(input.actor)) return { allowed: true, as: 'approver' };
  if (groups.some((g) => input.groupMembers?.[g]?.includes(input.actor))) return { allowed: true, as: 'approver' };
  const who = named(users, groups);
  const approvers = who.length ? `the approvers (${who.join(', ')})` : 'the approvers';
  const owner = input.owner ? `<@${input.owner}>` : 'the owner';
  return { allowed: false, owner: input.owner ?? null, users, groups, sentence: `Only ${owner}, ${approvers} or an admin can ${VERB[input.action]} this campaign.` };
}
