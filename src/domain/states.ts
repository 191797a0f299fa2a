/** Campaign and target states, shared by the store, the engine and the Slack builders. */
export const CAMPAIGN_STATES = [
  'draft',
  'running',
  'paused',
  'awaiting-approval',
  'halted',
  'rolling-back',
  'completed',
  'aborted',
] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export const TARGET_STATES = [
  'pending',
  'running',
  'waiting',
  'needs-attention',
  'succeeded',
  'failed',
  'skipped',
  'reverted',
] as const;
export type TargetState = (typeof TARGET_STATES)[number];

export const FINAL_TARGET_STATES: readonly TargetState[] = ['succeeded', 'failed', 'skipped', 'reverted'];
export const FINAL_CAMPAIGN_STATES: readonly CampaignState[] = ['completed', 'aborted'];

export function isFinalTargetState(state: TargetState): boolean {
  return FINAL_TARGET_STATES.includes(state);
}
