import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { recordCampaignEnd, recordOutcome } from '../../src/confidence/history.js';
import { createConfidenceModel } from '../../src/engine/confidence.js';
import { toBreakdown } from '../../src/engine/notifications.js';
import { advanceWaves } from '../../src/engine/waves.js';
import { ACTION, gateDetails } from '../../src/slack/blocks/index.js';
import { capture } from '../cli/capture-io.js';
import { makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from '../engine/helpers.js';

/**
 * The gate message, from a real wave decision (the engine's confidence model over a real
 * history in SQLite) to the Block Kit a person reads: the breakdown in words in the thread, the
 * statistics behind the Details button and in the audit export.
 */

const NOW = 5_000_000;
let t: TempStore;

beforeEach(() => {
  t = openTempStore();
});
afterEach(() => t.close());

/** Three past npm-dependency campaigns: 9 of their 10 repositories succeeded. */
function seedHistory(): void {
  for (let i = 0; i < 10; i++) recordOutcome(t.store, { changeKind: 'npm-dependency', repo: `acme/past-${i}`, succeeded: i !== 0, now: 1000 });
  for (let i = 0; i < 3; i++) recordCampaignEnd(t.store, { changeKind: 'npm-dependency', now: 1000 });
}

/** A campaign whose canary wave (two repositories, both scoring 95) is parked at its gate. */
function parkAtGate(): string {
  const id = seedCampaign(t.store, { spec: makeSpec({ targets: { repos: ['acme/a', 'acme/b', 'acme/c'] } }), waves: [['acme/a', 'acme/b'], ['acme/c']] });
  for (const repo of ['acme/a', 'acme/b']) {
    const target = t.store.targets.findByRepo(id, repo)!;
    t.store.targets.update(target.id, target.version, { state: 'waiting', stepIndex: 1, score: 95, dueAt: NOW + 300_000 }, NOW);
  }
  advanceWaves({ store: t.store, now: NOW, confidence: createConfidenceModel(t.store) });
  return id;
}

function sectionTexts(blocks: unknown): string[] {
  return (blocks as { type: string; text?: { text: string }; elements?: { text?: string }[] }[]).flatMap((b) =>
    b.type === 'section' && b.text ? [b.text.text] : b.type === 'context' ? (b.elements ?? []).map((e) => e.text ?? '') : [],
  );
}

const JARGON = /Beta\(|weight|p = |Fisher|posterior|quantile|percentile|→/;

describe('the gate message speaks in words', () => {
  test('the approval request: canary repositories, past campaigns, the decision, and a Details button', () => {
    seedHistory();
    const id = parkAtGate();
    const gate = t.store.gates.find(id, 0, 'wave')!;
    expect(gate.decision).toBe('review');
    const request = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.gateId === gate.id)!;
    const texts = sectionTexts(request.blocks);
    expect(texts.slice(1)).toEqual([
      '• 2 of 2 canary repositories passed; they score 95 of 100 on average.\n• Past npm-dependency campaigns went well: 9 of 10 repositories succeeded, over 3 campaigns.',
      "Wave 1 needs an approval: confidence 83.1 is between 60 and 90 (2 targets passed and none failed so far; wave 1's 2 scored targets have a mean score of 95; 3 past campaigns of this change kind saw 9 of 10 targets succeed)",
    ]);
    expect(JSON.stringify(request.blocks)).not.toMatch(JARGON);
    const buttons = (request.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).flatMap((b) => (b.type === 'actions' ? b.elements! : []));
    expect(buttons.map((b) => b.action_id)).toEqual([ACTION.approve, ACTION.reject, ACTION.gateDetails]);
    expect(JSON.parse(buttons[2].value)).toEqual({ c: id, g: gate.id });
  });

  test("the same change's own past campaigns come first, the rest of the kind after them", () => {
    seedHistory();
    // One past lodash 4 campaign of 4 repositories, 3 of them succeeded (the history the model records).
    const past = seedCampaign(t.store, { id: 'c-past', waves: [['acme/p0', 'acme/p1', 'acme/p2', 'acme/p3']] });
    for (const [i, target] of t.store.targets.list(past).entries()) t.store.targets.update(target.id, target.version, { state: i === 0 ? 'failed' : 'succeeded' }, NOW);
    createConfidenceModel(t.store).recordOutcome(t.store.campaigns.get(past)!, t.store.targets.list(past), NOW);
    t.store.campaigns.update(past, t.store.campaigns.get(past)!.version, { state: 'completed' }, NOW);
    const id = parkAtGate();
    const gate = t.store.gates.find(id, 0, 'wave')!;
    const request = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.gateId === gate.id)!;
    expect(sectionTexts(request.blocks)[1]).toBe(
      '• 2 of 2 canary repositories passed; they score 95 of 100 on average.\n• Past lodash 4.x bumps had failures: 3 of 4 repositories succeeded, over 1 campaign.\n• Other npm-dependency campaigns count for less: 9 of 10 repositories succeeded.',
    );
    expect(JSON.stringify(request.blocks)).not.toMatch(JARGON);
  });

  test('a first campaign of its kind says there is no past campaign to learn from', () => {
    const id = parkAtGate();
    const gate = t.store.gates.find(id, 0, 'wave')!;
    // Beta(1, 1) + 2 successes: the 10th percentile of Beta(3, 1) is 46.4; with the wave's 95, 70.7: a review.
    expect(gate.decision).toBe('review');
    const request = t.store.outbox.list({ campaignId: id }).map((m) => renderRow(t.store, m)).find((m) => m.gateId === gate.id)!;
    expect(sectionTexts(request.blocks)[1]).toBe('• 2 of 2 canary repositories passed; they score 95 of 100 on average.\n• No past npm-dependency campaign to learn from yet.');
    expect(request.text).toBe('Approval needed to merge wave 1 of 2 (confidence 71/100)');
    expect(sectionTexts(gateDetails({ campaignId: id, wave: 0, waveCount: 2, confidence: toBreakdown(gate) }).blocks).join('\n')).toContain('Beta(1, 1) from 0 past campaigns');
  });

  test('Details shows the statistics the thread leaves out', () => {
    seedHistory();
    const id = parkAtGate();
    const gate = t.store.gates.find(id, 0, 'wave')!;
    const details = gateDetails({ campaignId: id, wave: gate.wave, waveCount: 2, confidence: toBreakdown(gate) });
    const text = sectionTexts(details.blocks).join('\n');
    expect(details.text).toMatch(/^Confidence \d+\/100 at wave 1 of 2, in full$/);
    expect(text).toContain('• *Campaign evidence*: ');
    expect(text).toContain('(2 succeeded, 0 failed so far; prior Beta(8.2, 1.8) from 3 past campaigns; 10th percentile of Beta(10.2, 1.8))');
    expect(text).toContain('• *Wave target scores*: 0.95 × weight 0.5 → +47.5 (mean of 2 target scores)');
    expect(text).toContain('• *history prior*: Beta(8.2, 1.8) from 3 past campaigns: 9 succeeded, 1 failed');
    expect(text).toContain('• *posterior*: Beta(10.2, 1.8); its 10th percentile is the campaign evidence');
    expect(text).toContain('• *thresholds*: merges on its own at 90 or above; asks a person at 60 or above; halts below');
    expect(text).toContain('• *failure budget*: 0 of 1 used; 0 projected with 1 target left');
    expect(text).toContain(`\`fleet audit ${id}\``);
  });

  test('the audit export keeps the statistics of the decision', async () => {
    seedHistory();
    const id = parkAtGate();
    const io = capture({ FLEET_DB: t.file });
    expect(await auditCommand.run([id], io)).toBe(0);
    const opened = io.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> })
      .find((r) => r.kind === 'gate.opened')!;
    expect(opened.data.statistics).toMatchObject({
      prior: { a0: 8.2, b0: 1.8, campaigns: 3, successes: 9, failures: 1 },
      posterior: { a: 10.2, b: 1.8 },
      quantile: 0.1,
      waveMean: 95,
      thresholds: { auto: 90, review: 60 },
      factors: [{ name: 'campaign' }, { name: 'wave', value: 95, weight: 0.5, contribution: 47.5 }],
    });
  });
});
