import type { CampaignRecord, Store } from '../store/store.js';
import { transitionCampaign, type CampaignEvent, type Effect } from './machines.js';

export interface CampaignMove {
  campaign: CampaignRecord;
  effects: Effect[];
}

/**
 * Moves a campaign the engine drives (a gate opened, expired or failed, a rollback finished, the
 * last wave done) through the campaign machine, in the caller's transaction: the next state is the
 * machine's, and its effects are returned for the caller to carry out. Undefined when the machine
 * refuses the event in the campaign's state or another writer changed the campaign first.
 *
 * @example
 * const moved = moveCampaign(store, campaign, { type: 'halt', reason }, reason, now);
 * if (moved && hasEffect(moved.effects, 'cancel-gate')) cancelOpenGates(...);
 */
export function moveCampaign(store: Store, campaign: CampaignRecord, event: CampaignEvent, stateReason: string, now: number): CampaignMove | undefined {
  const next = transitionCampaign(campaign.state, event);
  if (!next.ok) return undefined;
  const updated = store.campaigns.update(campaign.id, campaign.version, { state: next.state, stateReason }, now);
  return updated ? { campaign: updated, effects: next.effects } : undefined;
}

export function hasEffect(effects: readonly Effect[], kind: Effect['kind']): boolean {
  return effects.some((e) => e.kind === kind);
}
