import type { Store } from '../store/store.js';
import type { Step } from './types.js';

/** How often a target parked at the gate looks again when nothing wakes it. */
const RECHECK_MS = 5 * 60_000;

/**
 * The wave gate brick: a target waits here until the gate of its wave (decided by the engine's
 * wave logic, automatically or by a person) is approved. The engine makes the wave's targets due
 * at once when the gate is decided, so the recheck interval is only a fallback.
 *
 * @example
 * const registry = createStepRegistry([gateStep, ...]);
 */
export const gateStep: Step<Record<string, unknown>, { store: Store }> = {
  kind: 'gate',
  async run(ctx) {
    const gate = ctx.deps.store.gates.find(ctx.campaign.id, ctx.target.wave, 'wave');
    if (gate?.state === 'approved') {
      return { kind: 'done', data: { gateId: gate.id, decidedBy: gate.decidedBy, decision: gate.decision } };
    }
    if (gate?.state === 'rejected') {
      return { kind: 'failed', retryable: false, reason: `The gate of wave ${ctx.target.wave + 1} was rejected by <@${gate.decidedBy ?? 'unknown'}>.`, data: { gateId: gate.id } };
    }
    // Waves are counted from 0 in the store and from 1 wherever a person reads them.
    const reason = gate ? `waiting for approval of wave ${ctx.target.wave + 1}` : `waiting for the rest of wave ${ctx.target.wave + 1}`;
    return { kind: 'wait', until: ctx.now + RECHECK_MS, reason, data: gate ? { gateId: gate.id } : {} };
  },
};
