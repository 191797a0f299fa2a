import type { TargetPatch, TargetRecord } from '../store/store.js';
import type { Effect } from './machines.js';
import type { TargetState } from '../domain/states.js';

/**
 * How the target machine's effects land on the target row. The tick and the campaign service
 * both apply a transition through this, in the transaction that writes it; what cannot happen in
 * that transaction (GitHub, Slack) comes back as flags for the caller to record.
 */
export interface AppliedTargetEffects {
  /** The state and the columns the effects set (due time, step index, attempts). */
  patch: TargetPatch;
  /** The campaign's root message should show the new counts. */
  updateRoot: boolean;
  /** The target's PR must be closed: the caller records the need, the tick's close pass does it. */
  closePr: boolean;
  /** A final failure: counted against the failure budget (by the wave pass) and after a merge, offered for rollback. */
  countFailure: boolean;
  /** Lines for the thread; the caller words them. */
  notify: string[];
  /** The engine should look now rather than at the next poll. */
  wake: boolean;
}

/**
 * @example
 * const t = transitionTarget('running', { type: 'wait', until: 42, reason: 'checks' });
 * if (t.ok) applyTargetEffects(t.state, t.effects, target, now).patch; // { state: 'waiting', dueAt: 42 }
 */
export function applyTargetEffects(state: TargetState, effects: readonly Effect[], target: Pick<TargetRecord, 'stepIndex'>, now: number): AppliedTargetEffects {
  const applied: AppliedTargetEffects = { patch: { state }, updateRoot: false, closePr: false, countFailure: false, notify: [], wake: false };
  for (const effect of effects) {
    switch (effect.kind) {
      case 'schedule':
      case 'schedule-retry':
        applied.patch.dueAt = effect.until;
        break;
      case 'next-step':
        applied.patch.stepIndex = effect.index ?? target.stepIndex + 1;
        applied.patch.dueAt = now;
        break;
      case 'reset-attempts':
        applied.patch.attempts = 0;
        break;
      case 'close-pr':
        // Due now: the tick's close pass picks skipped targets by their due time.
        applied.closePr = true;
        applied.patch.dueAt = now;
        break;
      case 'count-failure':
        applied.countFailure = true;
        break;
      case 'update-root':
        applied.updateRoot = true;
        break;
      case 'notify':
        applied.notify.push(effect.text);
        break;
      case 'wake':
        applied.wake = true;
        applied.patch.dueAt = now;
        break;
      default:
        // Campaign effects never come from the target machine.
        break;
    }
  }
  return applied;
}
