import type { CampaignState, TargetState } from '../domain/states.js';

/**
 * The campaign and target lifecycles as pure transition functions. They decide whether an event
 * is allowed in a state, the next state, and which effects follow as plain data; the engine and
 * the campaign service carry the effects out (in the same transaction as the state change).
 */

export type TransitionResult<S> = { ok: true; state: S; effects: Effect[] } | { ok: false; reason: string };

/** What must happen after a transition; executed by whoever applied it. */
export type Effect =
  /**
   * Post (via the outbox) a line in the campaign's thread. `text` is the machine's wording; the
   * caller may word the line with what it knows besides (who acted, counts, links).
   */
  | { kind: 'notify'; text: string }
  /** Refresh the campaign's root message (progress, state, open gate). */
  | { kind: 'update-root' }
  /** Make the engine look at the campaign's targets now rather than at the next poll. */
  | { kind: 'wake' }
  /** Open a wave gate (approval request with buttons in the thread). */
  | { kind: 'open-gate' }
  /** Close the open gate without a decision (paused, aborted, rolled back meanwhile). */
  | { kind: 'cancel-gate' }
  /** The gate passed: the next wave's targets may start. */
  | { kind: 'start-next-wave' }
  /** Move every unfinished target to skipped and close their PRs (unless the spec says `onAbort: leave`). */
  | { kind: 'stop-targets'; leavePrs?: true }
  /** Open revert PRs for merged targets. */
  | { kind: 'open-reverts' }
  /** Target: look again at `until` (epoch ms). */
  | { kind: 'schedule'; until: number }
  /** Target: run the step at the next index (`index` when the engine said which). */
  | { kind: 'next-step'; index?: number }
  /** Target: try the current step again after backoff. */
  | { kind: 'schedule-retry'; until: number }
  /** Target: start the current step afresh (attempts back to zero). */
  | { kind: 'reset-attempts' }
  /**
   * Target: close its PR and delete its branch, if any. GitHub is not called in the transaction
   * that applies it: the need is recorded and the tick runs the close brick afterwards.
   */
  | { kind: 'close-pr' }
  /** Target: counts against the campaign's failure budget. */
  | { kind: 'count-failure' };

export type CampaignEvent =
  | { type: 'start' }
  | { type: 'pause'; reason?: string }
  /** `askAgain`: the wave gate's approval request stands again (it lapsed or the pause set it aside). */
  | { type: 'resume'; askAgain?: boolean }
  /** `leavePrs`: the spec's `onAbort: leave`, the targets' PRs stay open. */
  | { type: 'abort'; reason?: string; leavePrs?: boolean }
  | { type: 'gate-review' }
  | { type: 'gate-approved' }
  | { type: 'gate-rejected'; reason?: string }
  | { type: 'gate-timeout' }
  | { type: 'halt'; reason: string }
  | { type: 'all-targets-final' }
  | { type: 'rollback-start' }
  | { type: 'rollback-done' };
export type CampaignEventType = CampaignEvent['type'];

export const CAMPAIGN_EVENT_TYPES: readonly CampaignEventType[] = [
  'start',
  'pause',
  'resume',
  'abort',
  'gate-review',
  'gate-approved',
  'gate-rejected',
  'gate-timeout',
  'halt',
  'all-targets-final',
  'rollback-start',
  'rollback-done',
];

export type TargetEvent =
  | { type: 'start' }
  | { type: 'wait'; until: number; reason: string }
  /** `next`: the index of the step to run next (the engine knows the path). */
  | { type: 'step-done'; next?: number }
  /** `reverted`: the step was the revert brick, past the end of the path; the change is undone. */
  | { type: 'last-step-done'; reverted?: boolean }
  /** A retryable failure waits until `retryAt` (the engine's backoff); past its retry cap the engine asks a person (`needs-human`). */
  | { type: 'fail'; reason: string; retryable: true; retryAt: number }
  | { type: 'fail'; reason: string; retryable: false }
  | { type: 'needs-human'; reason: string }
  /** `from`: the step to start again at (a merge conflict goes back to open-pr to rebuild the change). */
  | { type: 'retry'; from?: number }
  /** `byStep`: a step found the target needs no change (it is running); otherwise a person skips it. */
  | { type: 'skip'; reason?: string; byStep?: boolean }
  | { type: 'reverted' }
  /** A person reverts the target's wave: a merged change goes to the revert brick at `index` (past the path). */
  | { type: 'revert'; index: number }
  /** `leavePr`: the campaign's spec says `onAbort: leave`, the PR stays open. */
  | { type: 'abort'; leavePr?: boolean };
export type TargetEventType = TargetEvent['type'];

export const TARGET_EVENT_TYPES: readonly TargetEventType[] = ['start', 'wait', 'step-done', 'last-step-done', 'fail', 'needs-human', 'retry', 'skip', 'reverted', 'revert', 'abort'];

const CAMPAIGN_PHRASE: Record<CampaignState, string> = {
  draft: 'A draft campaign',
  running: 'A running campaign',
  paused: 'A paused campaign',
  'awaiting-approval': 'A campaign awaiting approval',
  halted: 'A halted campaign',
  'rolling-back': 'A campaign that is rolling back',
  completed: 'A completed campaign',
  aborted: 'An aborted campaign',
};

const CAMPAIGN_VERB: Record<CampaignEventType, string> = {
  start: 'be started',
  pause: 'be paused',
  resume: 'be resumed',
  abort: 'be aborted',
  'gate-review': 'open an approval gate',
  'gate-approved': 'have a gate approved',
  'gate-rejected': 'have a gate rejected',
  'gate-timeout': 'have a gate time out',
  halt: 'be halted',
  'all-targets-final': 'be completed',
  'rollback-start': 'start a rollback',
  'rollback-done': 'finish a rollback',
};

/** What a person can do instead, per state. */
const CAMPAIGN_NEXT: Record<CampaignState, string> = {
  draft: 'start or abort it',
  running: 'pause or abort it',
  paused: 'resume or abort it',
  'awaiting-approval': 'approve or reject the open gate, or pause or abort it',
  halted: 'resume it, roll it back or abort it',
  'rolling-back': 'wait for the rollback to finish, or abort it',
  completed: 'start a new campaign for further changes',
  aborted: 'start a new campaign for further changes',
};

function refuseCampaign(state: CampaignState, event: CampaignEventType): TransitionResult<CampaignState> {
  return { ok: false, reason: `${CAMPAIGN_PHRASE[state]} cannot ${CAMPAIGN_VERB[event]}; ${CAMPAIGN_NEXT[state]}.` };
}

function move<S>(state: S, ...effects: Effect[]): TransitionResult<S> {
  return { ok: true, state, effects };
}

function withReason(text: string, reason: string | undefined): string {
  return reason ? `${text}: ${reason}` : `${text}.`;
}

/**
 * The campaign lifecycle: draft → running ⇄ paused → completed | aborted, with the gates
 * awaiting-approval and halted, and rolling-back.
 *
 * @example
 * transitionCampaign('running', { type: 'pause', reason: 'deploy freeze' })
 * // { ok: true, state: 'paused', effects: [{ kind: 'notify', text: 'Paused: deploy freeze' }, { kind: 'update-root' }] }
 * transitionCampaign('completed', { type: 'pause' })
 * // { ok: false, reason: 'A completed campaign cannot be paused; start a new campaign for further changes.' }
 */
export function transitionCampaign(state: CampaignState, event: CampaignEvent): TransitionResult<CampaignState> {
  const refuse = () => refuseCampaign(state, event.type);
  switch (event.type) {
    case 'start':
      if (state !== 'draft') return refuse();
      return move('running', { kind: 'notify', text: 'Started: wave 1 (the canary cohort) begins.' }, { kind: 'update-root' }, { kind: 'wake' });
    case 'pause':
      if (state === 'running') return move('paused', { kind: 'notify', text: withReason('Paused', event.reason) }, { kind: 'update-root' });
      // A pause overrides the open gate: on resume the engine weighs the evidence again.
      if (state === 'awaiting-approval') return move('paused', { kind: 'cancel-gate' }, { kind: 'notify', text: withReason('Paused', event.reason) }, { kind: 'update-root' });
      return refuse();
    case 'resume':
      if (state !== 'paused' && state !== 'halted') return refuse();
      if (event.askAgain) return move('awaiting-approval', { kind: 'open-gate' }, { kind: 'notify', text: 'Resumed: the wave gate asks again.' }, { kind: 'update-root' }, { kind: 'wake' });
      return move('running', { kind: 'notify', text: 'Resumed.' }, { kind: 'update-root' }, { kind: 'wake' });
    case 'abort':
      if (state === 'completed' || state === 'aborted') return refuse();
      return move(
        'aborted',
        ...(state === 'awaiting-approval' ? [{ kind: 'cancel-gate' } as const] : []),
        event.leavePrs ? { kind: 'stop-targets', leavePrs: true } : { kind: 'stop-targets' },
        { kind: 'notify', text: withReason('Aborted', event.reason) },
        { kind: 'update-root' },
      );
    case 'gate-review':
      if (state !== 'running') return refuse();
      return move('awaiting-approval', { kind: 'open-gate' }, { kind: 'update-root' });
    case 'gate-approved':
      if (state !== 'awaiting-approval') return refuse();
      return move('running', { kind: 'start-next-wave' }, { kind: 'update-root' }, { kind: 'wake' });
    case 'gate-rejected':
      if (state !== 'awaiting-approval') return refuse();
      return move('halted', { kind: 'notify', text: withReason('Halted: the wave gate was rejected', event.reason) }, { kind: 'update-root' });
    case 'gate-timeout':
      if (state !== 'awaiting-approval') return refuse();
      return move('paused', { kind: 'notify', text: 'Paused: nobody decided the wave gate in time. Resume to ask again.' }, { kind: 'update-root' });
    case 'halt':
      if (state === 'running') return move('halted', { kind: 'notify', text: withReason('Halted', event.reason) }, { kind: 'update-root' });
      if (state === 'awaiting-approval') return move('halted', { kind: 'cancel-gate' }, { kind: 'notify', text: withReason('Halted', event.reason) }, { kind: 'update-root' });
      return refuse();
    case 'all-targets-final':
      if (state !== 'running') return refuse();
      return move('completed', { kind: 'notify', text: 'Completed: every target is finished.' }, { kind: 'update-root' });
    case 'rollback-start':
      if (state === 'running' || state === 'paused' || state === 'halted') {
        return move('rolling-back', { kind: 'open-reverts' }, { kind: 'notify', text: 'Rolling back: opening revert PRs for the merged targets.' }, { kind: 'update-root' }, { kind: 'wake' });
      }
      if (state === 'awaiting-approval') {
        return move('rolling-back', { kind: 'cancel-gate' }, { kind: 'open-reverts' }, { kind: 'notify', text: 'Rolling back: opening revert PRs for the merged targets.' }, { kind: 'update-root' }, { kind: 'wake' });
      }
      return refuse();
    case 'rollback-done':
      if (state !== 'rolling-back') return refuse();
      // Halted, not paused: something failed after merge, and a person decides what comes next.
      return move('halted', { kind: 'notify', text: 'Rollback finished; the campaign is halted. Resume or abort it.' }, { kind: 'update-root' });
  }
}

const TARGET_PHRASE: Record<TargetState, string> = {
  pending: 'A pending target',
  running: 'A running target',
  waiting: 'A waiting target',
  'needs-attention': 'A target that needs attention',
  succeeded: 'A succeeded target',
  failed: 'A failed target',
  skipped: 'A skipped target',
  reverted: 'A reverted target',
};

const TARGET_VERB: Record<TargetEventType, string> = {
  start: 'be started',
  wait: 'wait',
  'step-done': 'finish a step',
  'last-step-done': 'finish its last step',
  fail: 'fail a step',
  'needs-human': 'ask for a person',
  retry: 'be retried',
  skip: 'be skipped',
  reverted: 'be marked reverted',
  revert: 'be reverted',
  abort: 'be aborted',
};

const TARGET_NEXT: Record<TargetState, string> = {
  pending: 'it starts when its wave does',
  running: 'its step is running; try again in a moment',
  waiting: 'it runs again when it is due',
  'needs-attention': 'retry or skip it',
  succeeded: 'it is finished',
  failed: 'retry it, or skip it',
  skipped: 'it is finished',
  reverted: 'it is finished',
};

function refuseTarget(state: TargetState, event: TargetEventType): TransitionResult<TargetState> {
  return { ok: false, reason: `${TARGET_PHRASE[state]} cannot ${TARGET_VERB[event]}; ${TARGET_NEXT[state]}.` };
}

/**
 * One target's walk along the campaign's steps. Step results arrive only while the target is
 * running (the engine moves it to running before it runs a step).
 *
 * @example
 * transitionTarget('running', { type: 'fail', reason: 'checks failed', retryable: false })
 * // { ok: true, state: 'failed', effects: [{ kind: 'count-failure' }, { kind: 'update-root' }] }
 *
 * Failures and skips of single targets post no line of their own in the thread (a campaign of
 * 1,000 repositories posts tens of messages, not thousands): the root message's counts show them.
 */
export function transitionTarget(state: TargetState, event: TargetEvent): TransitionResult<TargetState> {
  const refuse = () => refuseTarget(state, event.type);
  switch (event.type) {
    case 'start':
      // From running too: after a crash the tick runs the interrupted (idempotent) step again.
      if (state !== 'pending' && state !== 'waiting' && state !== 'running') return refuse();
      return move('running');
    case 'wait':
      if (state !== 'running') return refuse();
      return move('waiting', { kind: 'schedule', until: event.until });
    case 'step-done':
      if (state !== 'running') return refuse();
      return move('running', event.next === undefined ? { kind: 'next-step' } : { kind: 'next-step', index: event.next });
    case 'last-step-done':
      if (state !== 'running') return refuse();
      return move(event.reverted ? 'reverted' : 'succeeded', { kind: 'update-root' });
    case 'fail':
      if (state !== 'running') return refuse();
      if (event.retryable) return move('waiting', { kind: 'schedule-retry', until: event.retryAt });
      return move('failed', { kind: 'count-failure' }, { kind: 'update-root' });
    case 'needs-human':
      if (state !== 'running') return refuse();
      return move('needs-attention', { kind: 'notify', text: withReason('Needs attention', event.reason) }, { kind: 'update-root' });
    case 'retry':
      if (state !== 'needs-attention' && state !== 'failed') return refuse();
      if (event.from !== undefined) return move('pending', { kind: 'next-step', index: event.from }, { kind: 'reset-attempts' }, { kind: 'update-root' }, { kind: 'wake' });
      return move('pending', { kind: 'reset-attempts' }, { kind: 'update-root' }, { kind: 'wake' });
    case 'skip':
      // A person cannot skip a running target: its step may be creating the PR the skip must close.
      if (event.byStep ? state !== 'running' : state !== 'pending' && state !== 'waiting' && state !== 'needs-attention' && state !== 'failed') return refuse();
      return move('skipped', { kind: 'close-pr' }, { kind: 'update-root' });
    case 'reverted':
      if (state !== 'succeeded' && state !== 'failed' && state !== 'needs-attention') return refuse();
      return move('reverted', { kind: 'update-root' });
    case 'revert':
      // Any merged target but a finished one: one still baking (waiting, or running its bake) is
      // reverted too; the tick's result for it then loses the version race.
      if (state === 'skipped' || state === 'reverted') return refuse();
      return move('pending', { kind: 'next-step', index: event.index }, { kind: 'reset-attempts' }, { kind: 'update-root' });
    case 'abort':
      if (state === 'succeeded' || state === 'failed' || state === 'skipped' || state === 'reverted') return refuse();
      return event.leavePr ? move('skipped') : move('skipped', { kind: 'close-pr' });
  }
}
