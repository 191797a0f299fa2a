import { resolveSteps, type CampaignSpec, type StepDefinition } from '../domain/spec.js';
import type { CampaignRecord } from '../store/store.js';

/**
 * The spec stored with a campaign. It was validated by CampaignSpec when the campaign started and
 * is stored in its parsed form (durations already in milliseconds), which the schema's string
 * inputs would refuse, so it is read back as written rather than parsed again.
 */
export function readSpec(campaign: Pick<CampaignRecord, 'specJson'>): CampaignSpec {
  return JSON.parse(campaign.specJson) as CampaignSpec;
}

/** The campaign's path; a target past its end is being reverted and runs the revert brick. */
export function resolveStepAt(steps: readonly StepDefinition[], stepIndex: number): StepDefinition {
  if (stepIndex < steps.length) return steps[stepIndex];
  return { kind: 'revert', options: {} };
}

export function readSteps(campaign: Pick<CampaignRecord, 'specJson'>): StepDefinition[] {
  return resolveSteps(readSpec(campaign));
}

/**
 * Where a skipped target's close brick keeps its state: past the path and past the revert slot,
 * so it never takes the place of a step the target ran.
 */
export function closeSlotOf(pathLength: number): number {
  return pathLength + 1;
}
