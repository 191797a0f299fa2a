import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readSteps } from '../../src/engine/campaign-spec.js';
import { gateStep } from '../../src/steps/gate.js';
import { openTempStore, seedCampaign, type TempStore } from '../engine/helpers.js';

describe('gateStep', () => {
  let t: TempStore;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  async function runGate(id: string) {
    const campaign = t.store.campaigns.get(id)!;
    const target = t.store.targets.findByRepo(id, 'acme/a')!;
    const step = readSteps(campaign)[1];
    return gateStep.run({ campaign, spec: JSON.parse(campaign.specJson), target, step, stepIndex: 1, options: {}, state: {}, deps: { store: t.store }, now: 5_000 });
  }

  test('waits without a gate, waits while it is open, passes once approved', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    // Waves are stored from 0 and named from 1: the first wave is "wave 1" to a person.
    expect(await runGate(id)).toMatchObject({ kind: 'wait', until: 5_000 + 300_000, reason: 'waiting for the rest of wave 1' });
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: 1 });
    expect(await runGate(id)).toMatchObject({ kind: 'wait', reason: 'waiting for approval of wave 1' });
    t.store.gates.decide(gate.id, 'approved', 'UAPPROVER1', 2);
    expect(await runGate(id)).toMatchObject({ kind: 'done', data: { gateId: gate.id, decidedBy: 'UAPPROVER1' } });
  });

  test('a rejected gate leaves the target waiting (the campaign is halted, a person may resume it) and says who rejected it', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: 1 });
    t.store.gates.decide(gate.id, 'rejected', 'UOWNER1', 2);
    expect(await runGate(id)).toMatchObject({ kind: 'wait', reason: 'the gate of wave 1 was rejected by <@UOWNER1>; Fleet weighs the wave again when the campaign is resumed and every target of the wave has reached its gate' });
  });

  const marginalSignals = { canary: { value: 0.85, evidence: { verdict: 'marginal', score: 85, thresholds: { pass: 95, marginal: 75 } } } };

  test('a marginal canary the approved gate did not weigh asks a person; a retry is the decision to merge it', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const target = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(target.id, target.version, { signals: marginalSignals }, 3);
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'auto', confidence: { marginal: [] }, now: 1 });
    t.store.gates.decide(gate.id, 'approved', 'engine', 2);
    const held = await runGate(id);
    expect(held).toEqual({
      kind: 'needs-human',
      reason:
        'The canary of acme/a scored 85, in the marginal band (above 75, below 95), so a person weighs it before it merges. Wave 1 had passed its gate before this canary was judged: Retry to merge it anyway, or Skip to leave it unmerged.',
      data: { gateId: gate.id, marginalHeld: true },
    });
    const campaign = t.store.campaigns.get(id)!;
    const retried = await gateStep.run({ campaign, spec: JSON.parse(campaign.specJson), target: t.store.targets.findByRepo(id, 'acme/a')!, step: readSteps(campaign)[1], stepIndex: 1, options: {}, state: { marginalHeld: true }, deps: { store: t.store }, now: 6_000 });
    expect(retried).toMatchObject({ kind: 'done', data: { marginalAccepted: true } });
  });

  test('a marginal canary the gate was decided on passes it: the person who approved weighed it', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const target = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(target.id, target.version, { signals: marginalSignals }, 3);
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: { marginal: [{ repo: 'acme/a', score: 85 }] }, now: 1 });
    t.store.gates.decide(gate.id, 'approved', 'UAPPROVER1', 2);
    expect(await runGate(id)).toMatchObject({ kind: 'done', data: { decidedBy: 'UAPPROVER1' } });
  });
});
