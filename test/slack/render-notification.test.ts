import { describe, expect, test } from 'vitest';
import { Notification, type NotificationOf, type RootView } from '../../src/domain/notifications.js';
import { digestMessage, finalSummary, gateDecided, gateRequest, needsAttention, rollbackOffer, rootMessage, waveCanary, waveFinished, waveStarted } from '../../src/slack/blocks/index.js';
import { renderNotification, UnrenderableNotification } from '../../src/slack/render-notification.js';

const VIEW: RootView = { campaignId: 'c-1', name: 'bump-lodash', state: 'running', owner: 'U0OWNER01', currentWave: 0, waves: [{ index: 0, total: 3, done: 1, failed: 0 }], counts: { running: 2, succeeded: 1 }, confidence: 87, openGate: null };
const GATE: NotificationOf<'gate-request'> = {
  kind: 'gate-request',
  campaignId: 'c-1',
  gateId: 7,
  wave: 0,
  waveCount: 3,
  confidence: { score: 81, decision: 'review', signals: [{ name: 'checks', value: 1, weight: 0.4, contribution: 40 }], prior: { a: 2, b: 1, campaigns: 3 }, successes: 3, failures: 0, explanation: 'wave 1 passed' },
  approvers: ['U0OWNER01', 'S0GROUP01'],
  expiresAt: 1_900_000_000_000,
};

function message(m: { text: string; blocks: unknown[] }) {
  return { text: m.text, blocks: m.blocks };
}

describe('renderNotification', () => {
  test('the root is rendered from the view delivery reads: posted once, then updated in place', () => {
    expect(renderNotification({ kind: 'root', campaignId: 'c-1', action: 'post' }, { rootView: VIEW })).toEqual({ method: 'chat.postMessage', args: message(rootMessage(VIEW)), root: true });
    expect(renderNotification({ kind: 'root', campaignId: 'c-1', action: 'update' }, { rootView: VIEW })).toEqual({ method: 'chat.update', args: message(rootMessage(VIEW)) });
    expect(() => renderNotification({ kind: 'root', campaignId: 'c-gone', action: 'update' })).toThrow(UnrenderableNotification);
  });

  test('thread records render with the Block Kit builders, from the facts they carry', () => {
    const started: NotificationOf<'wave-started'> = { kind: 'wave-started', campaignId: 'c-1', wave: 1, waveCount: 3, repos: ['acme/a', 'acme/b'] };
    const finished: NotificationOf<'wave-finished'> = { kind: 'wave-finished', campaignId: 'c-1', wave: 0, waveCount: 3, succeeded: 2, failed: 1, skipped: 0, needsAttention: 0, durationMs: 3_600_000, meanScore: 91.5 };
    const canary: NotificationOf<'wave-canary'> = { kind: 'wave-canary', campaignId: 'c-1', wave: 0, waveCount: 3, judged: [{ repo: 'acme/b', verdict: 'fail', score: 0, reason: 'latency-p99 High' }], notJudged: 1 };
    const attention: NotificationOf<'needs-attention'> = { kind: 'needs-attention', campaignId: 'c-1', repo: 'acme/a', reason: 'merge conflict', prUrl: 'https://github.example/acme/a/pull/1', step: 'merge', notify: ['U0OWNER01'] };
    const rollback: NotificationOf<'rollback-offer'> = { kind: 'rollback-offer', campaignId: 'c-1', wave: 0, reason: 'acme/a: error rate doubled', mergedCount: 2 };
    const summary: NotificationOf<'final-summary'> = { kind: 'final-summary', campaignId: 'c-1', name: 'bump-lodash', state: 'completed', counts: { succeeded: 3 }, durationMs: 86_400_000, humanTouched: 1, total: 3, approvals: 1 };
    expect(renderNotification(started)).toEqual({ method: 'chat.postMessage', args: message(waveStarted(started)) });
    expect(renderNotification(finished)).toEqual({ method: 'chat.postMessage', args: message(waveFinished(finished)) });
    expect(renderNotification(canary)).toEqual({ method: 'chat.postMessage', args: message(waveCanary(canary)) });
    expect(renderNotification(attention)).toEqual({ method: 'chat.postMessage', args: message(needsAttention(attention)) });
    expect(renderNotification(rollback)).toEqual({ method: 'chat.postMessage', args: message(rollbackOffer(rollback)) });
    expect(renderNotification(summary)).toEqual({ method: 'chat.postMessage', args: message(finalSummary(summary)) });
    expect(renderNotification({ kind: 'state-notice', campaignId: 'c-1', text: 'Paused by <@U0OWNER01>.' })).toEqual({ method: 'chat.postMessage', args: { text: 'Paused by <@U0OWNER01>.' } });
  });

  test('a gate request records its gate; a person’s decision edits it, an automatic one is a new post', () => {
    expect(renderNotification(GATE)).toEqual({ method: 'chat.postMessage', args: message(gateRequest(GATE)), gateId: 7 });
    const decided: NotificationOf<'gate-decided'> = { ...GATE, kind: 'gate-decided', state: 'approved', decidedBy: 'U0APPROV1', automatic: false };
    expect(renderNotification(decided)).toEqual({ method: 'chat.update', args: message(gateDecided(decided)), gateId: 7 });
    const auto: NotificationOf<'gate-decided'> = { ...decided, decidedBy: 'engine', automatic: true };
    expect(renderNotification(auto)).toEqual({ method: 'chat.postMessage', args: message(gateDecided(auto)) });
  });

  test('the digest renders as the digest message', () => {
    const digest: NotificationOf<'digest'> = {
      kind: 'digest',
      channel: 'C0FLEET001',
      day: '2026-01-05',
      campaigns: [{ id: 'c-1', name: 'bump-lodash', state: 'running', owner: 'U0OWNER01', done: 1, total: 3, doneSinceYesterday: 1, failedSinceYesterday: 0, waits: [{ kind: 'gate', who: ['U0OWNER01'], detail: 'approval to continue after wave 1' }] }],
      github: { used: 120, limit: 5000, notModified: 30 },
    };
    expect(renderNotification(digest)).toEqual({ method: 'chat.postMessage', args: message(digestMessage(digest)) });
  });

  test('a record survives its JSON column: what is rendered after a round trip is what was queued', () => {
    const decided: NotificationOf<'gate-decided'> = { ...GATE, kind: 'gate-decided', state: 'rejected', decidedBy: 'U0APPROV1', automatic: false };
    const stored = Notification.parse(JSON.parse(JSON.stringify(decided)));
    expect(renderNotification(stored)).toEqual(renderNotification(decided));
  });

  test('legacy rows are sent as stored, steered by their old keys', () => {
    const request = gateRequest(GATE);
    expect(renderNotification({ kind: 'legacy-slack', method: 'chat.postMessage', payload: { text: 'root', blocks: [], root: true, unfurl_links: true } })).toEqual({
      method: 'chat.postMessage',
      args: { text: 'root', blocks: [], unfurl_links: true },
      root: true,
    });
    // An old gate request without gateId is recognised by its gate:<id> block and Approve button.
    expect(renderNotification({ kind: 'legacy-slack', method: 'chat.postMessage', payload: JSON.parse(JSON.stringify(request)) as Record<string, unknown> })).toMatchObject({ gateId: 7 });
    expect(renderNotification({ kind: 'legacy-slack', method: 'chat.update', payload: { text: 'Approved', gateId: 7 } })).toEqual({ method: 'chat.update', args: { text: 'Approved' }, gateId: 7 });
    expect(renderNotification({ kind: 'legacy-slack', method: 'chat.update', payload: { text: 'edited', ts: '1.5' } })).toEqual({ method: 'chat.update', args: { text: 'edited' }, ts: '1.5' });
    expect(renderNotification({ kind: 'legacy-slack', method: 'chat.postEphemeral', payload: { text: 'psst', user: 'U0OWNER01' } })).toEqual({ method: 'chat.postEphemeral', args: { text: 'psst' }, user: 'U0OWNER01' });
    expect(renderNotification({ kind: 'legacy-slack', method: 'views.publish', payload: { user_id: 'U0OWNER01', view: { type: 'home', blocks: [] } } })).toEqual({
      method: 'views.publish',
      args: { user_id: 'U0OWNER01', view: { type: 'home', blocks: [] } },
    });
  });
});
