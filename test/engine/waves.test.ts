import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { advanceWaves } from '../../src/engine/waves.js';
import type { TargetState } from '../../src/domain/states.js';
import { createFixedConfidence, makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from './helpers.js';

describe('advanceWaves', () => {
  let t: TempStore;
  const now = 1_000_000;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.close());

  function setStates(id: string, states: Record<string, { state: TargetState; stepIndex?: number; score?: number }>) {
    for (const [repo, patch] of Object.entries(states)) {
      const target = t.store.targets.findByRepo(id, repo)!;
      t.store.targets.update(target.id, target.version, { ...patch, dueAt: now + 300_000 }, now);
    }
  }

  test('a wave parked at its gate gets a review decision: gate opened, campaign awaiting approval, request posted', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b'], ['acme/c']] });
    setStates(id, { 'acme/a': { state: 'waiting', stepIndex: 1, score: 80 }, 'acme/b': { state: 'skipped' } });
    const confidence = createFixedConfidence('review');
    const report = advanceWaves({ store: t.store, now, confidence: confidence.model });
    expect(report.decisions).toMatchObject([{ campaignId: id, wave: 0, decision: 'review' }]);
    expect(confidence.asked[0]).toMatchObject({ wave: 0, targetScores: [80], targetCount: 3 });
    expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
    const gate = t.store.gates.find(id, 0, 'wave')!;
    expect(gate).toMatchObject({ state: 'open', decision: 'review', expiresAt: now + 24 * 3_600_000 });
    const request = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.gateId === gate.id);
    expect(request?.method).toBe('chat.postMessage');
  });

  test('the root message shows the confidence the open gate asks at, as the request does', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/c']] });
    setStates(id, { 'acme/a': { state: 'waiting', stepIndex: 1, score: 80 } });
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence('review').model });
    const rendered = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m));
    const root = rendered.find((m) => m.method === 'chat.update' && m.gateId === undefined)!;
    expect(JSON.stringify(root.blocks)).toContain('Confidence *75/100* · :raised_hand: gate open at wave 1 (see thread)');
    expect(JSON.stringify(root.blocks)).not.toContain('not yet measured');
  });

  test('a wave with a canary step posts its canary results once, before the decision they fed', () => {
    const spec = makeSpec({
      steps: ['open-pr', 'canary', 'gate', 'merge'],
      canary: { provider: 'simulated', metrics: [{ name: 'latency-p99', direction: 'increase', critical: true }] },
    });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/b', 'acme/c'], ['acme/d']] });
    const canary = (verdict: string, score: number, reason: string, metrics: unknown[] = []) => ({ canary: { value: score / 100, evidence: { verdict, score, reason, metrics } } });
    for (const [repo, patch] of Object.entries({
      'acme/a': { state: 'waiting' as const, stepIndex: 2, signals: canary('pass', 100, 'All 1 metrics with data pass.') },
      'acme/b': { state: 'failed' as const, stepIndex: 1, signals: canary('fail', 0, 'Critical metric latency-p99 (High) failed.', [{ name: 'latency-p99', classification: 'High', decidedBy: 'level', critical: true, reason: 'Canary higher than baseline: shift 78 (35%).' }]) },
      'acme/c': { state: 'skipped' as const },
    })) {
      const target = t.store.targets.findByRepo(id, repo)!;
      t.store.targets.update(target.id, target.version, { ...patch, dueAt: now + 300_000 }, now);
    }
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence('review').model });
    advanceWaves({ store: t.store, now: now + 1, confidence: createFixedConfidence('review').model });
    const texts = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m).text);
    const results = texts.filter((text) => text.startsWith('Canary results'));
    expect(results).toEqual(['Canary results, wave 1: 1 passed · 0 marginal · 1 failed · 1 not judged']);
    expect(texts.indexOf(results[0])).toBeLessThan(texts.findIndex((text) => text.startsWith('Approval needed')));
    const message = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.text.startsWith('Canary results'))!;
    // In words, under the metric's name in the spec; the shift and its statistics stay in the audit trail.
    expect(JSON.stringify(message.blocks)).toContain('`acme/b` failed the canary (score 0 of 100): latency-p99: higher than the baseline (critical)');
    expect(JSON.stringify(message.blocks)).not.toMatch(/shift|High/);
  });

  test('a wave still moving is not decided', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a', 'acme/b'], ['acme/c']] });
    setStates(id, { 'acme/a': { state: 'waiting', stepIndex: 1 }, 'acme/b': { state: 'waiting', stepIndex: 0 } });
    const confidence = createFixedConfidence('auto');
    expect(advanceWaves({ store: t.store, now, confidence: confidence.model }).decisions).toEqual([]);
    expect(confidence.asked).toEqual([]);
  });

  test('auto approves the gate, wakes the parked targets, and the next wave starts once the wave is final', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    setStates(id, { 'acme/a': { state: 'waiting', stepIndex: 1 } });
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence('auto').model });
    expect(t.store.gates.find(id, 0, 'wave')).toMatchObject({ state: 'approved', decidedBy: 'engine' });
    expect(t.store.targets.findByRepo(id, 'acme/a')?.dueAt).toBe(now);
    expect(t.store.campaigns.get(id)?.currentWave).toBe(0);
    setStates(id, { 'acme/a': { state: 'succeeded', stepIndex: 3 } });
    const report = advanceWaves({ store: t.store, now, confidence: createFixedConfidence('auto').model });
    expect(report.started).toEqual([{ campaignId: id, wave: 1 }]);
    expect(t.store.campaigns.get(id)?.currentWave).toBe(1);
    expect(t.store.events.list({ campaignId: id }).map((e) => e.kind)).toEqual(['gate.approved', 'wave.started']);
  });

  test('with the open-PR cap reached and every open PR at the gate, the wave is decided on those targets', () => {
    const spec = makeSpec({ policy: { maxOpenPrs: 2 } });
    const waves = [['acme/a', 'acme/b', 'acme/c'], ['acme/d']];
    const parked = { state: 'waiting' as const, stepIndex: 1, score: 90 };
    const capped = seedCampaign(t.store, { id: 'c-capped', spec, waves });
    for (const repo of ['acme/a', 'acme/b']) {
      const target = t.store.targets.findByRepo(capped, repo)!;
      t.store.targets.update(target.id, target.version, { ...parked, prNumber: repo === 'acme/a' ? 1 : 2, dueAt: now + 300_000 }, now);
    }
    const roomy = seedCampaign(t.store, { id: 'c-roomy', spec: makeSpec({ policy: { maxOpenPrs: 5 } }), waves });
    for (const repo of ['acme/a', 'acme/b']) {
      const target = t.store.targets.findByRepo(roomy, repo)!;
      t.store.targets.update(target.id, target.version, { ...parked, prNumber: 7, dueAt: now + 300_000 }, now);
    }
    const confidence = createFixedConfidence('review');
    const report = advanceWaves({ store: t.store, now, confidence: confidence.model });
    // c-capped: acme/c cannot open its PR until one merges, so waiting for it would wait forever.
    expect(report.decisions.map((d) => d.campaignId)).toEqual([capped]);
    expect(confidence.asked[0]).toMatchObject({ successes: 2, targetScores: [90, 90] });
    expect(t.store.campaigns.get(roomy)?.state).toBe('running');
  });

  test('halt stops the campaign with the reason', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a'], ['acme/b']] });
    setStates(id, { 'acme/a': { state: 'waiting', stepIndex: 1 } });
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence('halt').model });
    expect(t.store.campaigns.get(id)).toMatchObject({ state: 'halted', stateReason: 'test decision halt' });
    expect(t.store.gates.find(id, 0, 'wave')?.state).toBe('rejected');
  });

  test('an approval request that times out pauses the campaign and is never approved by itself', () => {
    const id = seedCampaign(t.store, { spec: makeSpec({ policy: { approvalTimeout: '1h' } }), waves: [['acme/a'], ['acme/b']] });
    setStates(id, { 'acme/a': { state: 'waiting', stepIndex: 1 } });
    const model = createFixedConfidence('review').model;
    advanceWaves({ store: t.store, now, confidence: model });
    advanceWaves({ store: t.store, now: now + 3_599_999, confidence: model });
    expect(t.store.campaigns.get(id)?.state).toBe('awaiting-approval');
    const report = advanceWaves({ store: t.store, now: now + 3_600_000, confidence: model });
    expect(report.expired).toEqual([id]);
    expect(t.store.campaigns.get(id)?.state).toBe('paused');
    expect(t.store.gates.find(id, 0, 'wave')?.state).toBe('expired');
    advanceWaves({ store: t.store, now: now + 7_200_000, confidence: model });
    expect(t.store.targets.findByRepo(id, 'acme/b')?.state).toBe('pending');
  });

  test('a spent failure budget halts the campaign', () => {
    const id = seedCampaign(t.store, { spec: makeSpec({ policy: { failureBudget: 1 } }), waves: [['acme/a', 'acme/b', 'acme/c'], ['acme/d']] });
    setStates(id, { 'acme/a': { state: 'failed' } });
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence('auto').model });
    expect(t.store.campaigns.get(id)?.state).toBe('running');
    setStates(id, { 'acme/b': { state: 'failed' } });
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence('auto').model });
    expect(t.store.campaigns.get(id)).toMatchObject({ state: 'halted' });
    expect(t.store.campaigns.get(id)?.stateReason).toContain('failure budget of 1');
  });

  test('the last wave final completes the campaign, with the final summary and the history recorded', () => {
    const id = seedCampaign(t.store, { waves: [['acme/a']] });
    setStates(id, { 'acme/a': { state: 'succeeded', stepIndex: 3 } });
    const confidence = createFixedConfidence('auto');
    const report = advanceWaves({ store: t.store, now, confidence: confidence.model });
    expect(report.completed).toEqual([id]);
    expect(confidence.recorded).toEqual([id]);
    expect(t.store.campaigns.get(id)?.state).toBe('completed');
  });

  test('a rollback is over when every reverting target is final: the campaign halts', () => {
    const id = seedCampaign(t.store, { spec: makeSpec({ steps: ['open-pr', 'merge'] }), waves: [['acme/a', 'acme/b']] });
    const c = t.store.campaigns.get(id)!;
    t.store.campaigns.update(id, c.version, { state: 'rolling-back' }, now);
    const a = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a.id, a.version, { state: 'waiting', stepIndex: 2, mergedSha: 'abc' }, now);
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence().model });
    expect(t.store.campaigns.get(id)?.state).toBe('rolling-back');
    const a2 = t.store.targets.findByRepo(id, 'acme/a')!;
    t.store.targets.update(a2.id, a2.version, { state: 'reverted' }, now);
    advanceWaves({ store: t.store, now, confidence: createFixedConfidence().model });
    expect(t.store.campaigns.get(id)).toMatchObject({ state: 'halted' });
    expect(t.store.campaigns.get(id)?.stateReason).toContain('1 of 1 merged change reverted');
  });
});
