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

  test('a rejected gate fails the target without retry and says who rejected it', async () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    const gate = t.store.gates.open({ campaignId: id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: 1 });
    t.store.gates.decide(gate.id, 'rejected', 'UOWNER1', 2);
    expect(await runGate(id)).toMatchObject({ kind: 'failed', retryable: false, reason: 'The gate of wave 1 was rejected by <@UOWNER1>.' });
  });
});
