import { changeHistoryKey, type ChangeHistoryKey } from '../confidence/change-key.js';
import { decideWave } from '../confidence/decide-wave.js';
import { learnPrior, readRepoHistory, recordCampaignHistory } from '../confidence/history.js';
import { parseTargetSignals, scoreTarget } from '../confidence/score-target.js';
import { SIGNAL_NAMES } from '../confidence/signals.js';
import { isFinalTargetState } from '../domain/states.js';
import type { CampaignRecord, Store, TargetRecord } from '../store/store.js';
import { readSpec, readSteps } from './campaign-spec.js';
import type { ConfidenceModel } from './confidence-model.js';

/** What the campaign changed, as history pools it; undefined for a stored spec without a change (kind-only history). */
function changeKeyOf(campaign: Pick<CampaignRecord, 'specJson'>): ChangeHistoryKey | undefined {
  try {
    const change = readSpec(campaign).change as Parameters<typeof changeHistoryKey>[0] | undefined;
    return change ? changeHistoryKey(change) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A target's outcome as it stands, for history: succeeded is a success, failed or reverted a
 * failure, and a target parked at the wave gate a success so far (it passed every step before the
 * gate, as the wave gate counts it). Anything else has no outcome yet: not started, on its way
 * (mid-path, merged and baking), waiting for a person, or skipped.
 *
 * @example outcomeOf(target, steps) // true | false | null
 */
export function outcomeOf(target: TargetRecord, steps: readonly { kind: string }[]): boolean | null {
  if (target.state === 'succeeded') return true;
  if (target.state === 'failed' || target.state === 'reverted') return false;
  if (isFinalTargetState(target.state) || target.state === 'needs-attention') return null;
  return steps[target.stepIndex]?.kind === 'gate' ? true : null;
}

/**
 * The engine's confidence model over src/confidence/: target scores from the collected signals,
 * each repository's history signal from its past campaigns of the change kind, wave decisions with
 * the prior learned from past campaigns of the same change and kind, and the history written when a
 * campaign completes, halts or is aborted (again when it ends again after a resume, replacing what
 * it wrote before).
 *
 * @example const confidence = createConfidenceModel(store); confidence.scoreTarget(target.signals)
 */
export function createConfidenceModel(store: Store): ConfidenceModel {
  const campaignChange = (campaignId: string): ChangeHistoryKey | undefined => {
    const campaign = store.campaigns.get(campaignId);
    return campaign ? changeKeyOf(campaign) : undefined;
  };
  return {
    scoreTarget(signals) {
      const { signals: parsed } = parseTargetSignals(signals);
      if (!SIGNAL_NAMES.some((name) => parsed[name] !== undefined)) return null;
      return Math.round(scoreTarget(parsed).score * 10) / 10;
    },
    repoHistory(repo, changeKind) {
      const history = readRepoHistory(store, repo, changeKind);
      // No recorded outcome yet: not known, so its weight is shared out as any absent signal's is,
      // rather than every repository of a first campaign scoring a coin toss (0.5) on it.
      const outcomes = (history.evidence.successes ?? 0) + (history.evidence.failures ?? 0);
      return outcomes > 0 ? history : null;
    },
    decideWave(evidence) {
      const decision = decideWave({
        wave: evidence.wave,
        successes: evidence.successes,
        failures: evidence.failures,
        targetScores: evidence.targetScores,
        // This change's own history first, pooled with the kind's; never the campaign's own outcomes
        // (recorded when it halted), which are its evidence already.
        prior: learnPrior(store, { changeKind: evidence.changeKind, change: campaignChange(evidence.campaignId), excludeCampaign: evidence.campaignId }),
        policy: evidence.policy,
        targetCount: evidence.targetCount,
        remaining: evidence.remaining,
        waveTargets: evidence.waveTargets,
        skipped: evidence.skipped,
        acceptedFailures: evidence.acceptedFailures,
        marginal: evidence.marginal,
        previous: evidence.previous,
      });
      const { decision: kind, confidence, reason, ...explanation } = decision;
      return { decision: kind, confidence, reason, explanation: { ...explanation } };
    },
    recordOutcome(campaign, targets, now) {
      let steps: readonly { kind: string }[] = [];
      try {
        steps = readSteps(campaign);
      } catch {
        // A stored spec without a path: only final outcomes count.
      }
      const outcomes = targets.flatMap((t) => {
        const succeeded = outcomeOf(t, steps);
        return succeeded === null ? [] : [{ targetId: t.id, repo: t.repo, succeeded }];
      });
      const change = changeKeyOf(campaign) ?? { key: `${campaign.changeKind}:*`, label: `${campaign.changeKind} changes` };
      recordCampaignHistory(store, { campaignId: campaign.id, changeKind: campaign.changeKind, change, outcomes, now });
    },
  };
}
