import { decideWave } from '../confidence/decide-wave.js';
import { learnPrior, readRepoHistory, recordCampaignEnd, recordOutcome } from '../confidence/history.js';
import { parseTargetSignals, scoreTarget } from '../confidence/score-target.js';
import { SIGNAL_NAMES } from '../confidence/signals.js';
import type { Store } from '../store/store.js';
import type { ConfidenceModel } from './confidence-model.js';

/**
 * The engine's confidence model over src/confidence/: target scores from the collected signals,
 * each repository's history signal from its past campaigns of the change kind, wave decisions with the prior learned from past campaigns of the same change kind, and the
 * history written when a campaign completes.
 *
 * @example const confidence = createConfidenceModel(store); confidence.scoreTarget(target.signals)
 */
export function createConfidenceModel(store: Store): ConfidenceModel {
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
        prior: learnPrior(store, evidence.changeKind),
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
      for (const t of targets) {
        if (t.state !== 'succeeded' && t.state !== 'failed' && t.state !== 'reverted') continue;
        recordOutcome(store, { changeKind: campaign.changeKind, repo: t.repo, succeeded: t.state === 'succeeded', now });
      }
      recordCampaignEnd(store, { changeKind: campaign.changeKind, now });
    },
  };
}
