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
 * outside any transaction (GitHub is called there), and marks the row done. A target with no PR
 * and no branch needs nothing (a person's action asks `mayHavePr` of the target as it was, and
 * passes `force`). Returns whether a close was recorded.
 *
 * @example
 * recordCloseNeed(store, target, steps.length, { cause: 'abort', actor: 'U024BE7LH', reason: 'superseded' }, now);
 */
export function recordCloseNeed(store: Store, target: TargetRecord, pathLength: number, request: CloseRequest, now: number, force = false): boolean {
  if (!force && target.prNumber === null && target.branch === null) return false;
  store.steps.save({ targetId: target.id, stepIndex: closeSlotOf(pathLength), kind: 'close', status: 'pending', data: { ...request }, now });
  return true;
}

/**
 * Whether the target may have a PR or a branch of Fleet's: it recorded one, or its path has begun.
 * A target aborted while its open-pr step runs has no PR number yet, but the step may be opening the
 * PR at that moment; the close brick then finds it by branch and marker.
 */
export function mayHavePr(target: Pick<TargetRecord, 'prNumber' | 'branch' | 'state' | 'stepIndex' | 'attempts'>): boolean {
  if (target.prNumber !== null || target.branch !== null) return true;
  return !(target.state === 'pending' && target.stepIndex === 0 && target.attempts === 0);
}
