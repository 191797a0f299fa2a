import type { CampaignService } from '../campaigns/service-types.js';
import type { Store } from '../store/store.js';
import { BENCH_APPROVER, BENCH_OWNER } from './sandbox.js';

/** The person's reason when they skip a target that needs attention, recorded on the target. */
export const PERSON_SKIP_REASON = 'simulated person: skipped after reading why';

/**
 * The simulated person, acting through the campaign service as the Slack buttons do: the approver
 * approves a wave's approval request, and the owner skips a target that needs attention, each once
 * it has waited `delayMs` of simulated time. Returns how many actions they took.
 *
 * @example await actAsPerson({ store, service, campaignIds: ['c-1'], at: now(), delayMs: 30 * 60_000 });
 */
export async function actAsPerson(input: { store: Store; service: CampaignService; campaignIds: readonly string[]; at: number; delayMs: number }): Promise<number> {
  const { store, service, at, delayMs } = input;
  let actions = 0;
  for (const id of input.campaignIds) {
    const campaign = store.campaigns.get(id);
    if (!campaign) continue;
    if (campaign.state === 'awaiting-approval') {
      const gate = store.gates.list(id).find((g) => g.state === 'open' && g.kind === 'wave');
      if (gate && at - gate.openedAt >= delayMs) {
        await service.approve(id, BENCH_APPROVER, gate.id);
        actions++;
      }
    }
    if (campaign.state === 'completed' || campaign.state === 'aborted') continue;
    for (const t of store.targets.list(id)) {
      if (t.state !== 'needs-attention' || at - t.updatedAt < delayMs) continue;
      await service.skip(id, t.repo, BENCH_OWNER, PERSON_SKIP_REASON);
      actions++;
    }
  }
  return actions;
}
