import { describe, expect, it } from 'vitest';
import { newCampaign, useTempStore } from './helpers.js';

const temp = useTempStore('store-gates');

describe('gates', () => {
  it('records exactly one decision', () => {
    const c = newCampaign(temp.store);
    const gate = temp.store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'review', confidence: { score: 80 }, now: 1 });
    const again = temp.store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'review', confidence: {}, now: 2 });
    expect(again.id).toBe(gate.id);
    expect(temp.store.gates.decide(gate.id, 'approved', 'U1', 3)?.decidedBy).toBe('U1');
    expect(temp.store.gates.decide(gate.id, 'rejected', 'U2', 4)).toBeUndefined();
    expect(temp.store.gates.get(gate.id)?.state).toBe('approved');
  });

  it('weighs a rejected or cancelled gate again, and nothing else', () => {
    const c = newCampaign(temp.store);
    const gate = temp.store.gates.open({ campaignId: c.id, wave: 0, kind: 'wave', decision: 'halt', confidence: { confidence: 20 }, now: 1 });
    const fresh = { decision: 'review' as const, confidence: { confidence: 20, reason: 'asked again' }, now: 5, expiresAt: 99 };
    expect(temp.store.gates.redecide(gate.id, fresh)).toBe(false);
    temp.store.gates.decide(gate.id, 'rejected', 'engine', 2);
    expect(temp.store.gates.redecide(gate.id, fresh)).toBe(true);
    expect(temp.store.gates.get(gate.id)).toMatchObject({ state: 'open', decision: 'review', confidence: { reason: 'asked again' }, decidedBy: null, decidedAt: null, openedAt: 5, expiresAt: 99 });
    temp.store.gates.decide(gate.id, 'approved', 'U1', 6);
    expect(temp.store.gates.redecide(gate.id, fresh)).toBe(false);
    expect(temp.store.gates.get(gate.id)?.state).toBe('approved');
  });
});
