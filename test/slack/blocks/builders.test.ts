/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk Block Kit JSON generically */
import { describe, expect, test } from 'vitest';
import {
  ACTION,
  GateValue,
  TargetValue,
  canaryResult,
  confidenceUpdate,
  decodeValue,
  digestMessage,
  finalSummary,
  gateDecided,
  waveCanary,
  gateRequest,
  helpMessage,
  homeView,
  needsAttention,
  previewMessage,
  rollbackOffer,
  rootMessage,
  waveFinished,
  waveStarted,
  escapeText,
  truncate,
  progressBar,
  type SlackMessage,
} from '../../../src/slack/blocks/index.js';
import { findLimitBreaches } from '../check-limits.js';

const LONG = `${'x'.repeat(150)}🚀${'ü'.repeat(48)}`; // 200+ characters with an emoji
const NASTY = '<!channel> & <@U123|boss> *bold* `code` <https://evil.example|click>';
const repos = Array.from({ length: 1000 }, (_, i) => `acme/service-${String(i).padStart(4, '0')}-${'r'.repeat(40)}`);

function expectWithinLimits(message: SlackMessage): void {
  expect(findLimitBreaches(message.blocks)).toEqual([]);
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(4000);
}

function allText(message: SlackMessage): string {
  return JSON.stringify(message.blocks);
}

function buttons(message: SlackMessage): { action_id: string; value?: string; text: { text: string } }[] {
  return message.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as any[]) : []));
}

describe('text helpers', () => {
  test('escape the three mrkdwn control characters', () => {
    expect(escapeText('a <b> & c')).toBe('a &lt;b&gt; &amp; c');
  });
  test('truncate never splits an emoji', () => {
    const s = `${'a'.repeat(9)}🚀🚀`;
    const cut = truncate(s, 11);
    expect(cut.length).toBeLessThanOrEqual(11);
    expect(/[\uD800-\uDBFF]…/.test(cut)).toBe(false);
  });
  test('progress bar', () => {
    expect(progressBar(3, 10, 10)).toBe('███░░░░░░░ 30%');
    expect(progressBar(0, 0, 4)).toBe('░░░░ 0%');
  });
});

describe('rootMessage', () => {
  const base = {
    campaignId: 'c-7f3a',
    name: 'bump-lodash',
    owner: 'U024BE7LH',
    currentWave: 1,
    waves: [
      { index: 0, total: 3, done: 3, failed: 0 },
      { index: 1, total: 97, done: 40, failed: 2 },
    ],
    counts: { succeeded: 41, failed: 2, running: 10, pending: 47 },
    confidence: 91.4,
    openGate: null,
  };

  test('buttons fit the state', () => {
    const ids = (state: any) => buttons(rootMessage({ ...base, state })).map((b) => b.action_id);
    expect(ids('running')).toEqual([ACTION.pause, ACTION.abort]);
    expect(ids('paused')).toEqual([ACTION.resume, ACTION.abort]);
    expect(ids('halted')).toEqual([ACTION.resume, ACTION.abort]);
    expect(ids('completed')).toEqual([]);
    expect(ids('aborted')).toEqual([]);
  });

  test('shows progress, counts, confidence and the open gate', () => {
    const m = rootMessage({ ...base, state: 'awaiting-approval', openGate: { id: 4, wave: 1, kind: 'wave' } });
    const text = allText(m);
    expect(text).toContain('43/100');
    expect(text).toContain('succeeded *41*');
    expect(text).toContain('*91/100*');
    expect(text).toContain('gate open at wave 2');
    expectWithinLimits(m);
  });

  test('1,000 targets, 40 waves, a 200-character name and hostile text stay within limits and escaped', () => {
    const waves = Array.from({ length: 40 }, (_, i) => ({ index: i, total: 25, done: i * 2 % 26, failed: 1 }));
    const m = rootMessage({ ...base, name: LONG + NASTY, stateReason: NASTY.repeat(100), state: 'halted', waves, counts: { pending: 1000 } });
    expectWithinLimits(m);
    expect(allText(m)).not.toContain('<!channel>');
    expect(allText(m)).toContain('&lt;!channel&gt;');
  });
});

describe('thread posts', () => {
  test('waveStarted lists at most 20 repositories with a count of the rest', () => {
    const m = waveStarted({ campaignId: 'c-1', wave: 2, waveCount: 4, repos });
    expect(allText(m)).toContain('and 980 more');
    expectWithinLimits(m);
  });

  test('waveFinished', () => {
    const m = waveFinished({ campaignId: 'c-1', wave: 0, waveCount: 4, succeeded: 3, failed: 0, skipped: 0, needsAttention: 1, durationMs: 3_600_000, meanScore: 88 });
    expect(allText(m)).toContain('1h 0m');
    expectWithinLimits(m);
  });

  test('canaryResult shows each metric and survives 500 metrics', () => {
    const metrics = Array.from({ length: 500 }, (_, i) => ({
      name: `${NASTY}-${i}`,
      classification: (['Pass', 'High', 'Low', 'NoData'] as const)[i % 4],
      critical: i % 7 === 0,
      canaryMedian: 1.25,
      baselineMedian: 1.2,
      estimate: 0.05,
      interval: [0.01, 0.09] as [number, number],
      pValue: 0.012,
      points: 30,
    }));
    const m = canaryResult({ campaignId: 'c-1', repo: 'acme/api', score: 62, verdict: 'fail', metrics, warnings: Array(30).fill('fewer than 50 points') });
    expectWithinLimits(m);
    expect(allText(m)).toContain('98% CI [0.01, 0.09]');
    expect(allText(m)).toContain('more metrics');
    const small = canaryResult({ campaignId: 'c-1', repo: 'acme/api', score: 100, verdict: 'pass', metrics: metrics.slice(0, 1) });
    expect(allText(small)).toContain('critical');
  });

  test('confidenceUpdate shows each signal, weight, contribution and the prior', () => {
    const m = confidenceUpdate({
      campaignId: 'c-1',
      wave: 0,
      score: 87.6,
      decision: 'review',
      signals: [
        { name: 'checks', value: 1, weight: 0.4, contribution: 40 },
        { name: 'canary', value: null, weight: 0.3, contribution: 0 },
      ],
      prior: { a: 9, b: 1.5, campaigns: 4 },
      successes: 3,
      failures: 0,
    });
    const text = allText(m);
    expect(text).toContain('88/100');
    expect(text).toContain('weight 0.4 → +40');
    expect(text).toContain('absent');
    expect(text).toContain('Beta(9, 1.5) from 4 past campaigns');
    expectWithinLimits(m);
  });

  test('gateRequest carries campaign and gate ids that decode back; gateDecided replaces the buttons', () => {
    const input = {
      campaignId: 'c-1',
      gateId: 12,
      wave: 0,
      waveCount: 4,
      confidence: { score: 75, signals: Array.from({ length: 300 }, (_, i) => ({ name: `signal-${i}-${LONG}`, value: 0.5, weight: 0.1, contribution: 5 })), prior: null },
      approvers: ['U1AAA', 'S0614TZR7'],
      expiresAt: Date.UTC(2024, 4, 2),
    };
    const request = gateRequest(input);
    expectWithinLimits(request);
    const [approve, reject] = buttons(request);
    expect(approve.action_id).toBe(ACTION.approve);
    expect(reject.action_id).toBe(ACTION.reject);
    expect(decodeValue(GateValue, approve.value)).toEqual({ c: 'c-1', g: 12 });
    expect(allText(request)).toContain('<!subteam^S0614TZR7>');
    const decided = gateDecided({ ...input, state: 'approved', decidedBy: 'U0APPROVER' });
    // The decision buttons go; Details stays.
    expect(buttons(decided).map((b) => b.action_id)).toEqual([ACTION.gateDetails]);
    expect(allText(decided)).toContain('Approved by <@U0APPROVER>');
    expectWithinLimits(decided);
    // Decided by the policy: nobody was asked, so nobody is mentioned or told an approval is needed.
    const automatic = gateDecided({ ...input, state: 'approved', decidedBy: 'engine', automatic: true });
    expect(buttons(automatic).map((b) => b.action_id)).toEqual([ACTION.gateDetails]);
    expect(allText(automatic)).toContain('Wave 1 of 4 merges on its own');
    expect(allText(automatic)).not.toContain('Approval needed');
    expect(allText(automatic)).not.toMatch(/<@U1AAA>|<!subteam/);
    expectWithinLimits(automatic);
  });

  test('waveCanary is one message for a wave of 500: counts, the ten worst with reasons, the rest counted', () => {
    const judged = Array.from({ length: 500 }, (_, i) => ({
      repo: `acme/svc-${i}`,
      verdict: i < 30 ? ('fail' as const) : i < 40 ? ('marginal' as const) : ('pass' as const),
      score: i < 30 ? i : i < 40 ? 85 : 100,
      reason: `${NASTY} reason ${i}`,
    }));
    const m = waveCanary({ wave: 1, waveCount: 3, judged, notJudged: 7 });
    expectWithinLimits(m);
    expect(m.text).toBe('Canary results, wave 2: 460 passed · 10 marginal · 30 failed · 7 not judged');
    const text = allText(m);
    expect(text).toContain('`acme/svc-0` failed the canary (score 0 of 100):');
    expect(text).toContain('`acme/svc-9` failed the canary (score 9 of 100):');
    expect(text).not.toContain('`acme/svc-10`');
    expect(text).toContain('…and 30 more below the pass threshold');
    expect(text).not.toContain('<!channel>');
  });

  test('needsAttention has Retry / Skip with the repo, and escapes the reason', () => {
    const m = needsAttention({ campaignId: 'c-1', repo: 'acme/web', reason: NASTY.repeat(200), prUrl: 'https://github.example/acme/web/pull/3', notify: ['U1AAA'] });
    expectWithinLimits(m);
    const [retry, skip] = buttons(m);
    expect(decodeValue(TargetValue, retry.value)).toEqual({ c: 'c-1', r: 'acme/web' });
    expect(skip.action_id).toBe(ACTION.skip);
    expect(allText(m)).toContain('<https://github.example/acme/web/pull/3|pull request>');
    expect(allText(m)).not.toContain('<!channel>');
  });

  test('a PR link that is not http(s) is not linked', () => {
    const m = needsAttention({ campaignId: 'c-1', repo: 'acme/web', reason: 'r', prUrl: 'javascript:alert(1)' });
    expect(allText(m)).not.toContain('javascript:');
  });

  test('rollbackOffer asks before reverting', () => {
    const m = rollbackOffer({ campaignId: 'c-1', wave: 1, reason: 'error rate up', mergedCount: 12 });
    const [revert] = buttons(m) as any[];
    expect(revert.action_id).toBe(ACTION.revertWave);
    expect(revert.confirm.text.text).toContain('12 revert PRs');
    expectWithinLimits(m);
  });

  test('finalSummary shows the share of targets that needed a person', () => {
    const m = finalSummary({ campaignId: 'c-1', name: 'bump', state: 'completed', counts: { succeeded: 990, failed: 10 }, durationMs: 86_400_000 * 3, humanTouched: 210, total: 1000, approvals: 3 });
    expect(allText(m)).toContain('210 of 1000 targets needed a person (21%)');
    expectWithinLimits(m);
  });
});

describe('digest, home, preview, help', () => {
  test('digest mentions whom each item waits for and stays within limits with 100 campaigns', () => {
    const campaigns = Array.from({ length: 100 }, (_, i) => ({
      id: `c-${i}`,
      name: `${LONG}-${i}`,
      state: 'running' as const,
      owner: 'U0OWNER',
      done: i,
      total: 1000,
      doneSinceYesterday: 5,
      failedSinceYesterday: 1,
      waits: Array.from({ length: 40 }, (_, j) => ({ kind: 'pr-review' as const, who: ['U0REVIEW'], repo: repos[j], detail: NASTY, url: `https://github.example/${repos[j]}/pull/1` })),
    }));
    const m = digestMessage({ channel: 'C1', day: '2024-05-02', campaigns, github: { used: 1234, limit: 5000, notModified: 800 } });
    expectWithinLimits(m);
    const text = allText(m);
    expect(text).toContain('<@U0REVIEW>');
    expect(text).toContain('1234 of 5000');
    expect(text).toContain('more campaigns');
    expect(text).toContain('more waiting');
  });

  test('home view stays within 100 blocks and shows the freeze', () => {
    const campaigns = Array.from({ length: 300 }, (_, i) => ({ id: `c-${i}`, name: LONG, state: 'running' as const, owner: 'U1AAA', done: 1, total: 2, openGate: i === 299 }));
    const view = homeView({ user: 'U1AAA', frozen: true, isAdmin: true, campaigns });
    expect(findLimitBreaches(view.blocks, 'view')).toEqual([]);
    expect(JSON.stringify(view.blocks)).toContain('Freeze is on');
    // The campaign waiting on a gate comes first.
    expect(JSON.stringify(view.blocks[4])).toContain('c-299');
  });

  test('home view with what waits for me: three sections with their buttons, within 100 blocks however much waits', () => {
    const campaigns = Array.from({ length: 300 }, (_, i) => ({ id: `c-${i}`, name: LONG, state: 'running' as const, owner: 'U1AAA', done: 1, total: 2, openGate: false }));
    const approvals = Array.from({ length: 40 }, (_, i) => ({ campaignId: `c-${i}`, name: LONG, channel: 'C1', gateId: i + 1, wave: 0, waveCount: 3, confidence: 67 }));
    const targets = Array.from({ length: 40 }, (_, i) => ({ campaignId: `c-${i}`, name: LONG, channel: 'C1', repo: `acme/r${i}`, reason: 'checks fail <b>', prUrl: 'https://github.com/acme/r/pull/1' }));
    const owned = Array.from({ length: 40 }, (_, i) => ({ id: `c-${i}`, name: LONG, state: i % 2 ? ('halted' as const) : ('running' as const), channel: 'C1', done: 1, total: 4 }));
    const view = homeView({ user: 'U1AAA', frozen: false, isAdmin: false, campaigns, waiting: { approvals, targets, owned } });
    expect(findLimitBreaches(view.blocks, 'view')).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('*Approvals waiting for you* (40)');
    expect(text).toContain(`:raised_hand: *${'x'.repeat(10)}`);
    expect(text).toContain('wave 1 of 3 waits for approval at confidence *67/100*');
    expect(text).toContain('*Targets that need you* (40)');
    expect(text).toContain('*Your campaigns* (40)');
    expect(text).toContain('… and 32 more approvals');
    const ids = (view.blocks as { type: string; block_id?: string; elements?: { action_id: string; value?: string }[] }[]).filter((b) => b.type === 'actions');
    expect(ids[0].elements!.map((e) => [e.action_id, e.value])).toEqual([
      [ACTION.approve, '{"c":"c-0","g":1}'],
      [ACTION.reject, '{"c":"c-0","g":1}'],
    ]);
    expect(ids.find((b) => b.block_id === 'home-target:c-0:acme/r0')!.elements!.map((e) => e.action_id)).toEqual([ACTION.retry, ACTION.skip]);
    expect(ids.find((b) => b.block_id === 'home-campaign:c-1')!.elements!.map((e) => e.action_id)).toEqual([ACTION.resume]);
    expect(new Set(view.blocks.map((b) => (b as { block_id?: string }).block_id).filter(Boolean)).size).toBe(ids.length);
  });

  test('home view says when nothing waits', () => {
    const text = JSON.stringify(homeView({ user: 'U1AAA', frozen: false, isAdmin: false, campaigns: [], waiting: { approvals: [], targets: [], owned: [] } }).blocks);
    expect(text).toContain('Nothing waits for your approval.');
    expect(text).toContain('No target needs you.');
    expect(text).toContain('You own no campaigns.');
  });

  test('preview truncates a huge diff safely and defuses fences', () => {
    const diff = Array.from({ length: 2000 }, (_, i) => `+ line ${i} ${'é🚀'.repeat(3)} \`\`\` & <tag>`).join('\n');
    const m = previewMessage({
      name: 'bump-lodash',
      targets: 1000,
      sampled: 10,
      noChange: 2,
      waves: Array.from({ length: 12 }, (_, i) => ({ index: i, repos: repos.slice(i * 80, i * 80 + 80) })),
      sampleRepo: 'acme/a',
      sampleDiff: diff,
      github: { requests: 4100, contentRequests: 1000, remaining: 4800 },
      estimate: { minutes: 3000, explanation: '12 waves, paced at 80 writes a minute' },
      launch: { catalog: 'bump-lodash', p: 'p-0a1b2c3d4e5f', at: 1, h: '0123456789abcdef' },
    });
    expectWithinLimits(m);
    const text = allText(m);
    expect(text).toContain('more lines)');
    expect(text).toContain('more waves');
    const diffSection = m.blocks[2] as any;
    expect(diffSection.text.text.match(/```/g)).toHaveLength(2);
    expect(buttons(m)[0].action_id).toBe(ACTION.launch);
  });

  test('preview lists the repositories planning left out, grouped by why, within Slack\'s limits', () => {
    const dropped = [
      ...Array.from({ length: 7 }, (_, i) => ({ repo: `acme/current-${i}`, reason: 'lodash is already at 4.17.21 in its package.json' })),
      { repo: 'acme/docs', reason: 'its package.json does not depend on lodash' },
    ];
    const base = { name: 'bump-lodash', targets: 3, sampled: 3, noChange: 0, waves: [{ index: 0, repos: ['acme/a', 'acme/b', 'acme/c'] }], sampleRepo: 'acme/a', sampleDiff: '-1\n+2', github: { requests: 40, contentRequests: 9, remaining: 4800 }, estimate: { minutes: 30, explanation: '1 wave' } };
    const m = previewMessage({ ...base, dropped, droppedStoppedBy: 'GitHub\'s rate limit stopped Fleet.' });
    expectWithinLimits(m);
    const text = allText(m);
    expect(text).toContain(':scissors: Left out before planning, 8 repositories that need no change:');
    expect(text).toContain('• lodash is already at 4.17.21 in its package.json: `acme/current-0`, `acme/current-1`, `acme/current-2`, `acme/current-3`, `acme/current-4`, +2');
    expect(text).toContain('• its package.json does not depend on lodash: `acme/docs`');
    expect(text).toContain('stopped early: GitHub\'s rate limit stopped Fleet.');
    expect(allText(previewMessage(base))).not.toContain('Left out before planning');
  });

  test('help lists every subcommand', () => {
    const text = allText(helpMessage());
    for (const sub of ['start', 'preview', 'list', 'status', 'pause', 'resume', 'abort', 'approve', 'retry', 'skip', 'freeze', 'digest']) {
      expect(text).toContain(`/fleet ${sub}`);
    }
  });
});
