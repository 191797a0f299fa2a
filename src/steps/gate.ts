import { describeMarginalScores } from '../confidence/decide-wave.js';
import { readMarginalCanary } from '../confidence/score-target.js';
import type { Store } from '../store/store.js';
import type { Step } from './types.js';

/** How often a target parked at the gate looks again when nothing wakes it. */
const RECHECK_MS = 5 * 60_000;

/** The repositories whose marginal canary the gate's decision was taken on (listed in its evidence). */
function weighedMarginal(confidence: Record<string, unknown>): Set<string> {
  const listed = Array.isArray(confidence.marginal) ? (confidence.marginal as { repo?: unknown }[]) : [];
  return new Set(listed.map((m) => m.repo).filter((r): r is string => typeof r === 'string'));
}

/**
 * The wave gate brick: a target waits here until the gate of its wave (decided by the engine's
 * wave logic, automatically or by a person) is approved. The engine makes the wave's targets due
 * at once when the gate is decided, so the recheck interval is only a fallback.
 *
 * A rejected gate halts the campaign and leaves its targets waiting here (a person may resume the
 * campaign, which weighs the wave again, or approve the wave after all). A target whose canary is marginal and which the gate's
 * decision did not weigh (it reached the gate after the wave was decided) asks a person: Retry lets
 * it merge (the retry is the person's decision, kept in the step's state), Skip leaves it unmerged.
 *
 * @example
 * const registry = createStepRegistry([gateStep, ...]);
 */
export const gateStep: Step<Record<string, unknown>, { store: Store }> = {
  kind: 'gate',
  async run(ctx) {
    const shownWave = ctx.target.wave + 1;
    const gate = ctx.deps.store.gates.find(ctx.campaign.id, ctx.target.wave, 'wave');
    if (gate?.state === 'approved') {
      const marginal = readMarginalCanary(ctx.target.repo, ctx.target.signals);
      if (marginal && !weighedMarginal(gate.confidence).has(ctx.target.repo)) {
        // Asked once already and retried by a person: that was the person's decision to merge it.
        if (ctx.state.marginalHeld === true) return { kind: 'done', data: { gateId: gate.id, decidedBy: gate.decidedBy, decision: gate.decision, marginalAccepted: true } };
        return {
          kind: 'needs-human',
          reason: `${describeMarginalScores([marginal])}, so a person weighs it before it merges. Wave ${shownWave} had passed its gate before this canary was judged: Retry to merge it anyway, or Skip to leave it unmerged.`,
          data: { gateId: gate.id, marginalHeld: true },
        };
      }
      return { kind: 'done', data: { gateId: gate.id, decidedBy: gate.decidedBy, decision: gate.decision } };
    }
    if (gate?.state === 'rejected') {
      const by = gate.decidedBy === 'engine' ? 'Fleet' : `<@${gate.decidedBy ?? 'unknown'}>`;
      return { kind: 'wait', until: ctx.now + RECHECK_MS, reason: `the gate of wave ${shownWave} was rejected by ${by}; Fleet weighs the wave again when the campaign is resumed and every target of the wave has reached its gate`, data: { gateId: gate.id } };
    }
    const reason = gate ? `waiting for approval of wave ${shownWave}` : `waiting for the rest of wave ${shownWave}`;
    return { kind: 'wait', until: ctx.now + RECHECK_MS, reason, data: gate ? { gateId: gate.id } : {} };
  },
};
