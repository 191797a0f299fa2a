import { authorize, type CampaignAction } from '../campaigns/authorize.js';
import type { CampaignStatus } from '../campaigns/service-types.js';
import { FleetError } from '../errors.js';

/** An attempt refused before anything was asked of the service, to be recorded as `auth.refused`. */
export interface Refusal {
  campaignId: string;
  actor: string;
  action: CampaignAction;
  at: number;
}

export interface ActorCheckDeps {
  status: (campaignId: string) => Pick<CampaignStatus, 'id' | 'owner' | 'spec'>;
  admins: readonly string[];
  resolveGroupMembers: (groupId: string) => Promise<string[]>;
  recordRefusal: (refusal: Refusal) => void;
  now: () => number;
}

/** Throws FleetError('forbidden') with who may act, after recording the refusal; resolves when the actor may act. */
export type ActorCheck = (campaignId: string, actor: string, action: CampaignAction) => Promise<void>;

/**
 * Checks a person's right to an action before Fleet asks them to confirm it (the abort
 * confirmation): an outsider gets the refusal at once, and the attempt is recorded, instead of a
 * confirmation button that would refuse only when clicked. The service checks again when the
 * action itself runs.
 *
 * @example
 * const checkActor = createActorCheck({ status: (id) => service.status(id), admins, resolveGroupMembers,
 *   recordRefusal: (r) => store.events.append({ campaignId: r.campaignId, at: r.at, actor: r.actor, kind: 'auth.refused', data: { action: r.action } }), now: Date.now });
 * await checkActor('c-1a2b3c', 'U0OUTSID1', 'abort'); // throws "Only <@U0OWNER01>, ... can abort this campaign."
 */
export function createActorCheck(deps: ActorCheckDeps): ActorCheck {
  return async function checkActor(campaignId, actor, action) {
    const campaign = deps.status(campaignId);
    const { approvers } = campaign.spec;
    const groupMembers: Record<string, string[]> = {};
    // Slack is asked about the approver groups only when nothing cheaper has decided.
    if (!deps.admins.includes(actor) && actor !== campaign.owner && !approvers.users.includes(actor)) {
      for (const group of approvers.groups) groupMembers[group] = await deps.resolveGroupMembers(group);
    }
    const verdict = authorize({ actor, action, admins: deps.admins, owner: campaign.owner, approvers, groupMembers });
    if (verdict.allowed) return;
    deps.recordRefusal({ campaignId: campaign.id, actor, action, at: deps.now() });
    throw new FleetError('forbidden', verdict.sentence, { action, owner: campaign.owner });
  };
}
