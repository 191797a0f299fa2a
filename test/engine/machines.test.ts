import { describe, expect, test } from 'vitest';
import {
  CAMPAIGN_EVENT_TYPES,
  TARGET_EVENT_TYPES,
  transitionCampaign,
  transitionTarget,
  type CampaignEvent,
  type CampaignEventType,
  type TargetEvent,
  type TargetEventType,
} from '../../src/engine/machines.js';
import { CAMPAIGN_STATES, TARGET_STATES, type CampaignState, type TargetState } from '../../src/domain/states.js';

const CAMPAIGN_EVENTS: Record<CampaignEventType, CampaignEvent> = {
  start: { type: 'start' },
  pause: { type: 'pause', reason: 'deploy freeze' },
  resume: { type: 'resume' },
  abort: { type: 'abort', reason: 'superseded' },
  'gate-review': { type: 'gate-review' },
  'gate-approved': { type: 'gate-approved' },
  'gate-rejected': { type: 'gate-rejected' },
  'gate-timeout': { type: 'gate-timeout' },
  halt: { type: 'halt', reason: 'failure budget exceeded' },
  'all-targets-final': { type: 'all-targets-final' },
  'rollback-start': { type: 'rollback-start' },
  'rollback-done': { type: 'rollback-done' },
};

// Every (state, event) pair: the next state, or null when the event is refused.
const CAMPAIGN_TABLE: Record<CampaignState, Record<CampaignEventType, CampaignState | null>> = {
  draft: { start: 'running', pause: null, resume: null, abort: 'aborted', 'gate-review': null, 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: null, 'all-targets-final': null, 'rollback-start': null, 'rollback-done': null },
  running: { start: null, pause: 'paused', resume: null, abort: 'aborted', 'gate-review': 'awaiting-approval', 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: 'halted', 'all-targets-final': 'completed', 'rollback-start': 'rolling-back', 'rollback-done': null },
  paused: { start: null, pause: null, resume: 'running', abort: 'aborted', 'gate-review': null, 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: null, 'all-targets-final': null, 'rollback-start': 'rolling-back', 'rollback-done': null },
  'awaiting-approval': { start: null, pause: 'paused', resume: null, abort: 'aborted', 'gate-review': null, 'gate-approved': 'running', 'gate-rejected': 'halted', 'gate-timeout': 'paused', halt: 'halted', 'all-targets-final': null, 'rollback-start': 'rolling-back', 'rollback-done': null },
  halted: { start: null, pause: null, resume: 'running', abort: 'aborted', 'gate-review': null, 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: null, 'all-targets-final': null, 'rollback-start': 'rolling-back', 'rollback-done': null },
  'rolling-back': { start: null, pause: null, resume: null, abort: 'aborted', 'gate-review': null, 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: null, 'all-targets-final': null, 'rollback-start': null, 'rollback-done': 'halted' },
  completed: { start: null, pause: null, resume: null, abort: null, 'gate-review': null, 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: null, 'all-targets-final': null, 'rollback-start': null, 'rollback-done': null },
  aborted: { start: null, pause: null, resume: null, abort: null, 'gate-review': null, 'gate-approved': null, 'gate-rejected': null, 'gate-timeout': null, halt: null, 'all-targets-final': null, 'rollback-start': null, 'rollback-done': null },
};

const TARGET_EVENTS: Record<TargetEventType, TargetEvent> = {
  start: { type: 'start' },
  wait: { type: 'wait', until: 1_000, reason: 'checks running' },
  'step-done': { type: 'step-done' },
  'last-step-done': { type: 'last-step-done' },
  fail: { type: 'fail', reason: 'checks failed', retryable: false },
  'needs-human': { type: 'needs-human', reason: 'merge conflict' },
  retry: { type: 'retry' },
  skip: { type: 'skip', reason: 'archived' },
  reverted: { type: 'reverted' },
  revert: { type: 'revert', index: 7 },
  abort: { type: 'abort' },
};

const TARGET_TABLE: Record<TargetState, Record<TargetEventType, TargetState | null>> = {
  pending: { start: 'running', wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: null, skip: 'skipped', reverted: null, revert: 'pending', abort: 'skipped' },
  running: { start: 'running', wait: 'waiting', 'step-done': 'running', 'last-step-done': 'succeeded', fail: 'failed', 'needs-human': 'needs-attention', retry: null, skip: null, reverted: null, revert: 'pending', abort: 'skipped' },
  waiting: { start: 'running', wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: null, skip: 'skipped', reverted: null, revert: 'pending', abort: 'skipped' },
  'needs-attention': { start: null, wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: 'pending', skip: 'skipped', reverted: 'reverted', revert: 'pending', abort: 'skipped' },
  succeeded: { start: null, wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: null, skip: null, reverted: 'reverted', revert: 'pending', abort: null },
  failed: { start: null, wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: 'pending', skip: 'skipped', reverted: 'reverted', revert: 'pending', abort: null },
  skipped: { start: null, wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: null, skip: null, reverted: null, revert: null, abort: null },
  reverted: { start: null, wait: null, 'step-done': null, 'last-step-done': null, fail: null, 'needs-human': null, retry: null, skip: null, reverted: null, revert: null, abort: null },
};

describe('transitionCampaign', () => {
  const pairs = CAMPAIGN_STATES.flatMap((state) => CAMPAIGN_EVENT_TYPES.map((event) => ({ state, event, expected: CAMPAIGN_TABLE[state][event] })));

  test('the table covers every state and event', () => {
    expect(pairs).toHaveLength(CAMPAIGN_STATES.length * 12);
  });

  test.each(pairs)('$state + $event → $expected', ({ state, event, expected }) => {
    const result = transitionCampaign(state, CAMPAIGN_EVENTS[event]);
    if (expected === null) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/^An? .+ cannot .+; .+\.$/);
      return;
    }
    expect(result).toMatchObject({ ok: true, state: expected });
  });

  test('says why in plain words', () => {
    expect(transitionCampaign('completed', { type: 'pause' })).toEqual({ ok: false, reason: 'A completed campaign cannot be paused; start a new campaign for further changes.' });
  });

  test('opens a gate on review and starts the next wave on approval', () => {
    const review = transitionCampaign('running', { type: 'gate-review' });
    expect(review.ok && review.effects).toContainEqual({ kind: 'open-gate' });
    const approved = transitionCampaign('awaiting-approval', { type: 'gate-approved' });
    expect(approved.ok && approved.effects).toContainEqual({ kind: 'start-next-wave' });
  });

  test('cancels an open gate when leaving awaiting-approval without a decision', () => {
    for (const event of [CAMPAIGN_EVENTS.pause, CAMPAIGN_EVENTS.abort, CAMPAIGN_EVENTS.halt, CAMPAIGN_EVENTS['rollback-start']]) {
      const result = transitionCampaign('awaiting-approval', event);
      expect(result.ok && result.effects).toContainEqual({ kind: 'cancel-gate' });
    }
    const paused = transitionCampaign('running', CAMPAIGN_EVENTS.pause);
    expect(paused.ok && paused.effects).not.toContainEqual({ kind: 'cancel-gate' });
  });

  test('onAbort: leave reaches the targets through stop-targets', () => {
    const result = transitionCampaign('paused', { type: 'abort', leavePrs: true });
    expect(result.ok && result.effects).toContainEqual({ kind: 'stop-targets', leavePrs: true });
  });

  test('resume asks the wave gate again when its request lapsed or was set aside', () => {
    const result = transitionCampaign('paused', { type: 'resume', askAgain: true });
    expect(result).toMatchObject({ ok: true, state: 'awaiting-approval' });
    expect(result.ok && result.effects).toContainEqual({ kind: 'open-gate' });
  });

  test('aborting stops targets and carries the reason into the thread', () => {
    const result = transitionCampaign('running', { type: 'abort', reason: 'superseded by v2' });
    expect(result.ok && result.effects).toEqual([{ kind: 'stop-targets' }, { kind: 'notify', text: 'Aborted: superseded by v2' }, { kind: 'update-root' }]);
  });
});

describe('transitionTarget', () => {
  const pairs = TARGET_STATES.flatMap((state) => TARGET_EVENT_TYPES.map((event) => ({ state, event, expected: TARGET_TABLE[state][event] })));

  test('the table covers every state and event', () => {
    expect(pairs).toHaveLength(TARGET_STATES.length * 11);
  });

  test.each(pairs)('$state + $event → $expected', ({ state, event, expected }) => {
    const result = transitionTarget(state, TARGET_EVENTS[event]);
    if (expected === null) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/^A .+ cannot .+; .+\.$/);
      return;
    }
    expect(result).toMatchObject({ ok: true, state: expected });
  });

  test('a retryable failure waits for its retry time instead of failing', () => {
    expect(transitionTarget('running', { type: 'fail', reason: '502 from GitHub', retryable: true, retryAt: 5_000 })).toEqual({
      ok: true,
      state: 'waiting',
      effects: [{ kind: 'schedule-retry', until: 5_000 }],
    });
  });

  test('a final failure counts against the budget; a skip closes the PR', () => {
    const failed = transitionTarget('running', TARGET_EVENTS.fail);
    expect(failed.ok && failed.effects).toContainEqual({ kind: 'count-failure' });
    const skipped = transitionTarget('needs-attention', TARGET_EVENTS.skip);
    expect(skipped.ok && skipped.effects).toContainEqual({ kind: 'close-pr' });
  });

  // The variants production sends, beside the table's plain events.
  const VARIANTS: { state: TargetState; event: TargetEvent; expected: TargetState | null }[] = [
    { state: 'running', event: { type: 'step-done', next: 4 }, expected: 'running' },
    { state: 'running', event: { type: 'last-step-done', reverted: true }, expected: 'reverted' },
    { state: 'running', event: { type: 'skip', reason: 'no change needed', byStep: true }, expected: 'skipped' },
    { state: 'waiting', event: { type: 'skip', byStep: true }, expected: null },
    { state: 'waiting', event: { type: 'abort', leavePr: true }, expected: 'skipped' },
    { state: 'succeeded', event: { type: 'abort', leavePr: true }, expected: null },
  ];
  test.each(VARIANTS)('$state + $event.type (variant) → $expected', ({ state, event, expected }) => {
    const result = transitionTarget(state, event);
    if (expected === null) expect(result.ok).toBe(false);
    else expect(result).toMatchObject({ ok: true, state: expected });
  });

  test('step-done names the next step; a step skipping its target closes the PR like a person’s skip', () => {
    expect(transitionTarget('running', { type: 'step-done', next: 4 })).toEqual({ ok: true, state: 'running', effects: [{ kind: 'next-step', index: 4 }] });
    expect(transitionTarget('running', { type: 'skip', reason: 'archived', byStep: true })).toEqual({ ok: true, state: 'skipped', effects: [{ kind: 'close-pr' }, { kind: 'update-root' }] });
  });

  test('an abort closes the PR unless the spec leaves it open', () => {
    expect(transitionTarget('waiting', { type: 'abort' })).toEqual({ ok: true, state: 'skipped', effects: [{ kind: 'close-pr' }] });
    expect(transitionTarget('waiting', { type: 'abort', leavePr: true })).toEqual({ ok: true, state: 'skipped', effects: [] });
  });

  test('waiting schedules the next look', () => {
    expect(transitionTarget('running', { type: 'wait', until: 42, reason: 'checks' })).toEqual({ ok: true, state: 'waiting', effects: [{ kind: 'schedule', until: 42 }] });
  });
});

describe('reverting a wave', () => {
  test('a merged target goes to the revert brick afresh; a finished one is refused', () => {
    expect(transitionTarget('succeeded', { type: 'revert', index: 7 })).toEqual({ ok: true, state: 'pending', effects: [{ kind: 'next-step', index: 7 }, { kind: 'reset-attempts' }, { kind: 'update-root' }] });
    expect(transitionTarget('reverted', { type: 'revert', index: 7 })).toEqual({ ok: false, reason: 'A reverted target cannot be reverted; it is finished.' });
  });

  test('a rollback leaves an open gate and opens the reverts', () => {
    const result = transitionCampaign('awaiting-approval', { type: 'rollback-start' });
    expect(result.ok && result.effects.map((e) => e.kind)).toEqual(['cancel-gate', 'open-reverts', 'notify', 'update-root', 'wake']);
  });
});
