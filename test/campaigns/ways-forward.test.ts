import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCampaignService } from '../../src/campaigns/service.js';
import type { CampaignService } from '../../src/campaigns/service-types.js';
import type { CampaignState, TargetState } from '../../src/domain/states.js';
import { createConfidenceModel } from '../../src/engine/confidence.js';
import { advanceWaves } from '../../src/engine/waves.js';
import { isFleetError } from '../../src/errors.js';
import type { Gateway } from '../../src/github/gateway.js';
import { makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from '../engine/helpers.js';

/**
 * Every campaign state a person can meet in Slack, walked through every action the service offers
 * there: each either moves something (the campaign, a target or a gate) or is refused with a
 * sentence that names what to do instead. Resuming a halt must also get the campaign moving again.
 */

const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected gateway call ${String(name)}`);
    };
  },
});

const APPROVER = 'UAPPROVER1';
const OWNER = 'UOWNER1';
const ACTIONS = ['approve', 'reject', 'pause', 'resume', 'abort', 'retry', 'skip', 'revertWave'] as const;
type Action = (typeof ACTIONS)[number];
type Scenario =
  | 'running'
  | 'paused'
  | 'awaiting-approval'
  | 'halted by Fleet at the gate'
  | 'halted by a person rejecting'
  | 'halted by the failure budget'
  | 'halted after a rollback'
  | 'rolling-back'
  | 'completed'
  | 'aborted';

/** Words that name a way forward: an action a person can take, or where to look. */
const NEXT_ACTION = /\b(resume|approve|reject|pause|abort|retry|skip|start a new campaign|wait|try again|runs again when|starts when its wave does)\b|\/fleet status/i;

/** What each action does in each state: 'moves' (a transition), or 'refused' (with a next action). */
const EXPECTED: Record<Scenario, Record<Action, 'moves' | 'refused'>> = {
  running: { approve: 'refused', reject: 'refused', pause: 'moves', resume: 'refused', abort: 'moves', retry: 'moves', skip: 'moves', revertWave: 'refused' },
  paused: { approve: 'refused', reject: 'refused', pause: 'refused', resume: 'moves', abort: 'moves', retry: 'moves', skip: 'moves', revertWave: 'refused' },
  // acme/b waits at the gate: it cannot be retried (it runs again when due), but it can be skipped.
  'awaiting-approval': { approve: 'moves', reject: 'moves', pause: 'moves', resume: 'refused', abort: 'moves', retry: 'refused', skip: 'moves', revertWave: 'refused' },
  'halted by Fleet at the gate': { approve: 'moves', reject: 'refused', pause: 'refused', resume: 'moves', abort: 'moves', retry: 'moves', skip: 'moves', revertWave: 'refused' },
  'halted by a person rejecting': { approve: 'moves', reject: 'refused', pause: 'refused', resume: 'moves', abort: 'moves', retry: 'refused', skip: 'moves', revertWave: 'refused' },
  'halted by the failure budget': { approve: 'refused', reject: 'refused', pause: 'refused', resume: 'moves', abort: 'moves', retry: 'moves', skip: 'moves', revertWave: 'refused' },
  // acme/b was reverted: finished.
  'halted after a rollback': { approve: 'refused', reject: 'refused', pause: 'refused', resume: 'moves', abort: 'moves', retry: 'refused', skip: 'refused', revertWave: 'refused' },
  // acme/b is being reverted (pending at the revert brick): not retried, but a person may skip it.
  'rolling-back': { approve: 'refused', reject: 'refused', pause: 'refused', resume: 'refused', abort: 'moves', retry: 'refused', skip: 'moves', revertWave: 'refused' },
  completed: { approve: 'refused', reject: 'refused', pause: 'refused', resume: 'refused', abort: 'refused', retry: 'refused', skip: 'refused', revertWave: 'refused' },
  aborted: { approve: 'refused', reject: 'refused', pause: 'refused', resume: 'refused', abort: 'refused', retry: 'refused', skip: 'refused', revertWave: 'refused' },
};

const STATE_OF: Record<Scenario, CampaignState> = {
  running: 'running',
  paused: 'paused',
  'awaiting-approval': 'awaiting-approval',
  'halted by Fleet at the gate': 'halted',
  'halted by a person rejecting': 'halted',
  'halted by the failure budget': 'halted',
  'halted after a rollback': 'halted',
  'rolling-back': 'rolling-back',
  completed: 'completed',
  aborted: 'aborted',
};

describe('every state has a way forward from Slack', () => {
  let t: TempStore;
  let clock = 1_000_000;
  let service: CampaignService;
  const tick = () => {
    clock += 1_000;
    return advanceWaves({ store: t.store, now: clock, confidence: createConfidenceModel(t.store) });
  };

  beforeEach(() => {
    t = openTempStore();
    clock = 1_000_000;
    service = createCampaignService({
      store: t.store,
      catalog: { list: async () => [], load: async () => Promise.reject(new Error('no catalog')) },
      gateway,
      admins: ['UADMIN1'],
      launchers: { users: [OWNER], groups: [] },
      resolveGroupMembers: async () => [],
      now: () => clock,
      wake: () => undefined,
    });
  });
  afterEach(() => t.close());

  function set(id: string, repo: string, patch: { state: TargetState; stepIndex?: number; score?: number; mergedSha?: string }) {
    const target = t.store.targets.findByRepo(id, repo)!;
    t.store.targets.update(target.id, target.version, { ...patch, dueAt: clock + 300_000 }, clock);
  }

  /**
   * Builds the campaign in the given state the way it gets there: waves [a, b] then [c], path
   * open-pr → gate → merge (the gate is step 1), the real confidence model deciding.
   */
  async function build(scenario: Scenario): Promise<string> {
    const budget = scenario === 'halted by the failure budget' ? 1 : 5;
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c'] }, policy: { failureBudget: budget } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b'], ['acme/c']], now: clock });
    const atGate = () => {
      set(id, 'acme/a', { state: 'waiting', stepIndex: 1, score: 95 });
      set(id, 'acme/b', { state: 'waiting', stepIndex: 1, score: 95 });
    };
    switch (scenario) {
      case 'running':
      case 'paused':
      case 'aborted':
        set(id, 'acme/a', { state: 'waiting', stepIndex: 0 });
        set(id, 'acme/b', { state: 'needs-attention', stepIndex: 0 });
        if (scenario === 'paused') await service.pause(id, OWNER);
        if (scenario === 'aborted') await service.abort(id, OWNER);
        break;
      case 'awaiting-approval':
      case 'halted by a person rejecting':
        // Two clean targets at the gate: Beta(3, 1) → 46.4, mean 95 → 70.7, between 60 and 90.
        atGate();
        tick();
        expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
        if (scenario === 'halted by a person rejecting') await service.reject(id, OWNER);
        break;
      case 'halted by Fleet at the gate':
        // One at the gate, one failed: Beta(2, 2) → 19.6, mean 95 → 57.3, below 60.
        set(id, 'acme/a', { state: 'waiting', stepIndex: 1, score: 95 });
        set(id, 'acme/b', { state: 'failed', stepIndex: 0 });
        tick();
        expect(t.store.gates.find(id, 0, 'wave')).toMatchObject({ state: 'rejected', decidedBy: 'engine' });
        break;
      case 'halted by the failure budget':
        set(id, 'acme/a', { state: 'failed', stepIndex: 0 });
        set(id, 'acme/b', { state: 'failed', stepIndex: 0 });
        tick();
        break;
      case 'halted after a rollback':
      case 'rolling-back':
      case 'completed': {
        set(id, 'acme/a', { state: 'succeeded', stepIndex: 3, mergedSha: 'abc' });
        set(id, 'acme/b', { state: 'failed', stepIndex: 2, mergedSha: 'def' });
        const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'auto', confidence: {}, now: clock });
        t.store.gates.decide(gate.id, 'approved', 'engine', clock);
        if (scenario === 'completed') {
          set(id, 'acme/c', { state: 'succeeded', stepIndex: 3, mergedSha: 'fed' });
          tick();
          tick();
          break;
        }
        await service.revertWave(id, 0, OWNER);
        if (scenario === 'halted after a rollback') {
          set(id, 'acme/a', { state: 'reverted', stepIndex: 4 });
          set(id, 'acme/b', { state: 'reverted', stepIndex: 4 });
          tick();
        }
        break;
      }
    }
    expect(t.store.campaigns.get(id)?.state).toBe(STATE_OF[scenario]);
    return id;
  }

  function snapshot(id: string) {
    const c = t.store.campaigns.get(id)!;
    return JSON.stringify({ state: c.state, wave: c.currentWave, targets: t.store.targets.list(id).map((x) => [x.repo, x.state, x.stepIndex]), gates: t.store.gates.list(id).map((g) => [g.kind, g.state]) });
  }

  function act(id: string, action: Action): Promise<unknown> {
    switch (action) {
      case 'approve':
        return service.approve(id, APPROVER);
      case 'reject':
        return service.reject(id, APPROVER);
      case 'pause':
        return service.pause(id, APPROVER);
      case 'resume':
        return service.resume(id, APPROVER);
      case 'abort':
        return service.abort(id, APPROVER);
      case 'retry':
        return service.retry(id, 'acme/b', APPROVER);
      case 'skip':
        return service.skip(id, 'acme/b', APPROVER);
      case 'revertWave':
        return service.revertWave(id, 0, APPROVER);
    }
  }

  const rows = (Object.keys(EXPECTED) as Scenario[]).flatMap((scenario) => ACTIONS.map((action) => [scenario, action, EXPECTED[scenario][action]] as const));

  test.each(rows)('%s, %s: %s', async (scenario, action, expected) => {
    const id = await build(scenario);
    const before = snapshot(id);
    const error = await act(id, action).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (expected === 'moves') {
      expect(error).toBeUndefined();
      expect(snapshot(id)).not.toBe(before);
      if (action === 'resume' && STATE_OF[scenario] === 'halted') {
        // Resumed from a halt, the campaign moves on: a person is asked, or the next wave starts.
        tick();
        const c = t.store.campaigns.get(id)!;
        const asked = c.state === 'awaiting-approval' && t.store.gates.find(id, c.currentWave, 'wave')?.state === 'open';
        expect(asked || c.currentWave > 0).toBe(true);
      }
    } else {
      expect(isFleetError(error)).toBe(true);
      const sentence = (error as Error).message;
      expect(sentence).toMatch(NEXT_ACTION);
      // A refusal changes nothing.
      expect(snapshot(id)).toBe(before);
    }
  });

  test('resume after Fleet halted at the gate asks a person, saying Fleet would halt again, and the approval moves on', async () => {
    const id = await build('halted by Fleet at the gate');
    expect(t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m).text)).toContain(
      "Campaign halted after wave 1: confidence 57.3 is below 60 (1 target passed and 1 failed so far; wave 1's one scored target has a score of 95; no past campaign of this change kind gives a history). Resume it to have Fleet weigh the wave again, approve wave 1 with `/fleet approve c-test` to go on anyway, or abort it.",
    );
    const resumed = await service.resume(id, APPROVER);
    expect(resumed.state).toBe('awaiting-approval');
    const gate = t.store.gates.find(id, 0, 'wave')!;
    expect(gate).toMatchObject({ state: 'open', decision: 'review', messageTs: null });
    expect(gate.confidence.reason).toBe(
      "Fleet would halt after wave 1 again: confidence 57.3 is below 60 (1 target passed and 1 failed so far; wave 1's one scored target has a score of 95; no past campaign of this change kind gives a history). A person resumed the campaign, so Fleet asks instead: approve to merge wave 1 anyway, or reject to halt the campaign again",
    );
    const texts = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m).text);
    expect(texts).toContain(`Resumed by <@${APPROVER}>. Fleet weighs wave 1 again on what is known now.`);
    expect(texts.at(-2)).toBe('Approval needed to merge wave 1 of 2 (confidence 57/100)');
    // The request is a real one: its approval lets the wave go, and the next tick starts wave 2 once it is final.
    await service.approve(id, 'UADMIN1');
    expect(t.store.campaigns.get(id)?.state).toBe('running');
    set(id, 'acme/a', { state: 'succeeded', stepIndex: 3 });
    expect(tick().started).toEqual([{ campaignId: id, wave: 1 }]);
  });

  test('resumed while a retried target is still on its way, the wave is weighed again once it reaches the gate', async () => {
    const id = await build('halted by Fleet at the gate');
    await service.retry(id, 'acme/b', APPROVER);
    const resumed = await service.resume(id, APPROVER);
    // Not every target is at the gate: nothing is decided yet, and the rejected gate holds nobody back for good.
    expect(resumed.state).toBe('running');
    expect(t.store.gates.find(id, 0, 'wave')?.state).toBe('rejected');
    set(id, 'acme/b', { state: 'waiting', stepIndex: 1, score: 95 });
    const report = tick();
    // Two clean targets at the gate now: Beta(3, 1) → 46.4, mean 95 → 70.7, a review.
    expect(report.decisions).toMatchObject([{ campaignId: id, wave: 0, decision: 'review' }]);
    expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
    expect(t.store.gates.find(id, 0, 'wave')).toMatchObject({ state: 'open', decision: 'review' });
  });

  test('resume after a person rejected weighs the wave again: a review, as before the rejection', async () => {
    const id = await build('halted by a person rejecting');
    const resumed = await service.resume(id, APPROVER);
    expect(resumed.state).toBe('awaiting-approval');
    expect(t.store.gates.find(id, 0, 'wave')?.confidence.reason).toMatch(/^Wave 1 needs an approval: confidence 70\.7 is between 60 and 90/);
  });

  test('an approver approves a gate Fleet rejected: re-opened and approved, the campaign goes on, with a line saying so', async () => {
    const id = await build('halted by Fleet at the gate');
    const gate = await service.approve(id, APPROVER);
    expect(gate).toMatchObject({ state: 'approved', decidedBy: APPROVER });
    expect(t.store.campaigns.get(id)?.state).toBe('running');
    const texts = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m).text);
    expect(texts).toContain(`<@${APPROVER}> re-opened the gate of wave 1, which Fleet had halted, and approved it: wave 1's pull requests merge next, then wave 2 starts.`);
    expect(t.store.targets.findByRepo(id, 'acme/a')?.dueAt).toBe(clock);
    set(id, 'acme/a', { state: 'succeeded', stepIndex: 3 });
    expect(tick().started).toEqual([{ campaignId: id, wave: 1 }]);
  });

  test('four eyes hold for a re-opened gate: the launcher may not approve it', async () => {
    const id = await build('halted by Fleet at the gate');
    const error = await service.approve(id, OWNER).catch((e: unknown) => e);
    expect(isFleetError(error, 'forbidden')).toBe(true);
    expect(t.store.campaigns.get(id)?.state).toBe('halted');
    expect(t.store.gates.find(id, 0, 'wave')?.state).toBe('rejected');
  });

  test('a rejected gate refuses a second rejection with the ways forward', async () => {
    const id = await build('halted by Fleet at the gate');
    const error = (await service.reject(id, APPROVER).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^Fleet already rejected wave 1 at \d\d:\d\d UTC; /);
    expect(error.message).toContain(`; the campaign is halted: resume it to have Fleet weigh wave 1 again, approve wave 1 with \`/fleet approve ${id}\` to go on anyway, or abort it.`);
  });

  test('a failure-budget halt resumed does not halt again on the same failures; a new failure halts it again', async () => {
    const id = await build('halted by the failure budget');
    expect(t.store.campaigns.get(id)?.stateReason).toBe('2 failed targets exceed the failure budget of 1 (1)');
    expect(t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m).text)).toContain(
      'Campaign halted: 2 failed targets exceed the failure budget of 1 (1). Retry the failed targets, resume it to go on with these failures accepted (a new failure halts it again), or abort it.',
    );
    const resumed = await service.resume(id, APPROVER);
    const texts = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m).text);
    expect(texts).toContain(`Resumed by <@${APPROVER}>. The 2 failed targets so far are accepted: only a new failure halts the campaign again.`);
    // Fleet would halt the wave on this evidence; resumed by a person, it asks instead.
    expect(resumed.state).toBe('awaiting-approval');
    expect(t.store.gates.find(id, 0, 'wave')?.confidence.reason).toMatch(/^Fleet would halt after wave 1 again: confidence 3\.\d is below 60 \(no target passed and 2 failed so far; no target of wave 1 has a score yet; no past campaign of this change kind gives a history\)\. A person resumed the campaign, so Fleet asks instead: approve to merge wave 1 anyway, or reject to halt the campaign again$/);
    await service.approve(id, APPROVER);
    expect(tick().started).toEqual([{ campaignId: id, wave: 1 }]);
    set(id, 'acme/c', { state: 'failed', stepIndex: 0 });
    tick();
    expect(t.store.campaigns.get(id)).toMatchObject({
      state: 'halted',
      stateReason: `3 failed targets: 1 more than the 2 accepted when <@${APPROVER}> resumed the campaign past its failure budget of 1 (1)`,
    });
  });

  test('a rollback-done halt resumed goes on to the next wave', async () => {
    const id = await build('halted after a rollback');
    await service.resume(id, APPROVER);
    expect(t.store.campaigns.get(id)?.state).toBe('running');
    expect(t.store.campaigns.get(id)?.currentWave).toBe(1);
  });

  test('a first wave of no evidence asks a person rather than halting, and says why in words', async () => {
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c'] }, policy: { review: 50 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b'], ['acme/c']], now: clock });
    set(id, 'acme/a', { state: 'skipped' });
    set(id, 'acme/b', { state: 'skipped' });
    tick();
    expect(t.store.campaigns.get(id)).toMatchObject({
      state: 'awaiting-approval',
      stateReason:
        "wave 1 needs approval: Wave 1 gave no evidence to measure confidence on (there is no evidence yet: no target has passed or failed, wave 1's 2 targets were all skipped (needing no change, or skipped by a person), and no past campaign of this change kind gives a history), so it neither raises nor lowers confidence: approve to go on to the next wave, whose targets give the first evidence, or reject it to halt the campaign",
    });
  });
});
