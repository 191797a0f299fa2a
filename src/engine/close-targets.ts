import type { Store, TargetRecord } from '../store/store.js';
import { closeSlotOf } from './campaign-spec.js';

/** Why a target's PR is closed, for the comment the close brick leaves on it. */
export interface CloseRequest {
  cause: 'skip' | 'abort';
  /** A Slack user id, or 'engine' when a step found nothing to change. */
  actor: string;
  reason: string;
}

/**
 * Records, in the caller's transaction, that a skipped target's PR is to be closed: a `close`
 * step row past the path, pending. The tick's close pass runs the close brick for it afterwards,
 * outside any transaction (GitHub is called there), and marks the row done. A target without a
 * PR needs nothing. Returns whether a close was recorded.
 *
 * @example
 * recordCloseNeed(store, target, steps.length, { cause: 'abort', actor: 'U024BE7LH', reason: 'superseded' }, now);
 */
export function recordCloseNeed(store: Store, target: TargetRecord, pathLength: number, request: CloseRequest, now: number): boolean {
  if (target.prNumber === null) return false;
  store.steps.save({ targetId: target.id, stepIndex: closeSlotOf(pathLength), kind: 'close', status: 'pending', data: { ...request }, now });
  return true;
}
