import { describe, expect, test } from 'vitest';
import { plural } from '../../../src/domain/words.js';
import {
  digestMessage,
  escapeKeepingMentions,
  finalSummary,
  listMessage,
  metricInWords,
  needsAttention,
  previewMessage,
  rollbackOffer,
  rootMessage,
  statusMessage,
  waveCanary,
  waveStarted,
  type SlackMessage,
} from '../../../src/slack/blocks/index.js';
import { moreOf, packLines } from '../../../src/slack/blocks/text.js';
import { renderNotification } from '../../../src/slack/render-notification.js';

function allText(message: SlackMessage): string {
  return [message.text, JSON.stringify(message.blocks)].join('\n');
}

const root = { campaignId: 'c-1', name: 'bump', owner: 'U0OWNER01', currentWave: 0, waves: [{ index: 0, total: 2, done: 0, failed: 0 }], counts: { pending: 2 }, confidence: null, openGate: null };

describe('mentions in reasons Fleet wrote', () => {
  test('well-formed user, group and channel mentions are kept; everything else is escaped', () => {
    expect(escapeKeepingMentions('paused by <@U0OWNER01>')).toBe('paused by <@U0OWNER01>');
    expect(escapeKeepingMentions('asked <!subteam^S0PLATFRM> in <#C0FLEET001> & <@W123ABC>')).toBe('asked <!subteam^S0PLATFRM> in <#C0FLEET001> &amp; <@W123ABC>');
    expect(escapeKeepingMentions('<!channel> <!here> <@U123|boss> <@nope> <https://evil.example|click> a<b>c')).toBe(
      '&lt;!channel&gt; &lt;!here&gt; &lt;@U123|boss&gt; &lt;@nope&gt; &lt;https://evil.example|click&gt; a&lt;b&gt;c',
    );
  });

  test.each([
    ['the root message', rootMessage({ ...root, state: 'paused', stateReason: 'paused by <@U0OWNER01>' }), 'paused by <@U0OWNER01>'],
    ['/fleet status', statusMessage({ id: 'c-1', name: 'bump', state: 'halted', stateReason: 'wave 1 was rejected by <@U0ADMIN01>', owner: 'U0OWNER01', currentWave: 0, waveCount: 2, counts: {}, confidence: null, openGate: null, needsAttention: [{ repo: 'acme/a', reason: 'The gate of wave 1 was rejected by <@U0ADMIN01>.', prUrl: null }] }), 'wave 1 was rejected by <@U0ADMIN01>'],
    ['the final summary', finalSummary({ campaignId: 'c-1', name: 'bump', state: 'aborted', reason: 'aborted by <@U0OWNER01>', counts: {}, durationMs: 0, humanTouched: 0, total: 0, approvals: 0 }), 'aborted by <@U0OWNER01>'],
    ['a target that needs attention', needsAttention({ campaignId: 'c-1', repo: 'acme/a', reason: 'retried by <@U0OWNER01>', prUrl: null }), 'retried by <@U0OWNER01>'],
    ['the digest', digestMessage({ channel: 'C1', day: '2024-05-02', campaigns: [{ id: 'c-1', name: 'bump', state: 'running', owner: 'U0OWNER01', done: 0, total: 1, doneSinceYesterday: 0, failedSinceYesterday: 0, waits: [{ kind: 'needs-attention', who: ['U0OWNER01'], repo: 'acme/a', detail: 'skipped by <@U0OWNER01>' }] }] }), 'skipped by <@U0OWNER01>'],
  ])('%s shows the mention, not its markup', (_, message, reason) => {
    expect(JSON.stringify(message.blocks)).toContain(reason);
    expect(JSON.stringify(message.blocks)).not.toContain('&lt;@');
  });

  test('a hostile reason still cannot ping a channel', () => {
    const m = rootMessage({ ...root, state: 'paused', stateReason: '<!channel> look <@U1|x>' });
    expect(JSON.stringify(m.blocks)).toContain('&lt;!channel&gt; look &lt;@U1|x&gt;');
  });

  test('a cut never leaves half a mention', () => {
    const [block] = packLines([`${'x'.repeat(2950)} <@U0OWNER01> and more`], 1);
    const text = (block as { text: { text: string } }).text.text;
    expect(text).not.toMatch(/<@U0OWN?E?R?0?1?…/);
  });
});

describe('counts and their nouns, at 0, 1 and 2', () => {
  test('the plural helper', () => {
    expect([0, 1, 2].map((n) => plural(n, 'repository', 'repositories'))).toEqual(['0 repositories', '1 repository', '2 repositories']);
    expect([0, 1, 2].map((n) => moreOf(n, 'targets'))).toEqual(['and 0 more targets', 'and 1 more target', 'and 2 more targets']);
    expect(moreOf(1, 'repositories')).toBe('and 1 more repository');
  });

  test.each([
    [0, 'Wave 1 of 2 started: 0 repositories', 'started with *0* repositories'],
    [1, 'Wave 1 of 2 started: 1 repository', 'started with *1* repository'],
    [2, 'Wave 1 of 2 started: 2 repositories', 'started with *2* repositories'],
  ])('a wave starting with %i', (n, text, section) => {
    const m = waveStarted({ campaignId: 'c-1', wave: 0, waveCount: 2, repos: Array.from({ length: n }, (_, i) => `acme/r${i}`) });
    expect(m.text).toBe(text);
    expect(JSON.stringify(m.blocks)).toContain(section);
  });

  test.each([
    [0, '0 of 0 targets needed a person (0%) · 0 approvals'],
    [1, '0 of 1 target needed a person (0%) · 1 approval'],
    [2, '0 of 2 targets needed a person (0%) · 2 approvals'],
  ])('a final summary of %i', (n, line) => {
    expect(JSON.stringify(finalSummary({ campaignId: 'c-1', name: 'b', state: 'completed', counts: {}, durationMs: 0, humanTouched: 0, total: n, approvals: n }).blocks)).toContain(line);
  });

  test.each([
    [0, 'Reverting opens a revert PR for each of the *0* merged repositories.', 'Open 0 revert PRs for wave 2.'],
    [1, 'Reverting opens a revert PR for the *1* merged repository.', 'Open 1 revert PR for wave 2.'],
    [2, 'Reverting opens a revert PR for each of the *2* merged repositories.', 'Open 2 revert PRs for wave 2.'],
  ])('a rollback offer for %i merged', (n, line, confirm) => {
    const text = JSON.stringify(rollbackOffer({ campaignId: 'c-1', wave: 1, reason: 'r', mergedCount: n }).blocks);
    expect(text).toContain(line);
    expect(text).toContain(confirm);
  });

  const preview = { name: 'bump', waves: [], sampleRepo: null, sampleDiff: '', github: { requests: 1, contentRequests: 0, remaining: null }, estimate: { minutes: 1, explanation: '' } };
  test.each([
    [0, 0, '*Dry run of bump*: No targets. Nothing', 'Dry run of bump: 0 targets in 0 waves', '1 minute'],
    [1, 1, '*Dry run of bump*: 1 target: 1 needs no change. Nothing', 'Dry run of bump: 1 target in 1 wave', '1 minute'],
    [2, 2, '*Dry run of bump*: 2 targets: 2 need no change. Nothing', 'Dry run of bump: 2 targets in 2 waves', '1 minute'],
  ])('a preview: %i targeted, %i needing no change', (targets, noChange, line, text, minutes) => {
    const m = previewMessage({ ...preview, targets, sampled: targets, noChange, waves: Array.from({ length: targets }, (_, index) => ({ index, repos: ['acme/a'] })) });
    expect(JSON.stringify(m.blocks)).toContain(line);
    expect(m.text).toBe(text);
    expect(JSON.stringify(m.blocks)).toContain(minutes);
    expect(JSON.stringify(m.blocks)).not.toContain('0 need no change');
  });

  test.each([
    [1, 'Fleet digest 2024-05-02: 1 campaign, 1 item waiting', '1 campaign'],
    [2, 'Fleet digest 2024-05-02: 2 campaigns, 2 items waiting', '2 campaigns'],
  ])('a digest and a list with %i', (n, digestText, listText) => {
    const campaigns = Array.from({ length: n }, (_, i) => ({ id: `c-${i}`, name: 'b', state: 'running' as const, owner: 'U1', done: 0, total: 1, doneSinceYesterday: 0, failedSinceYesterday: 0, waits: [{ kind: 'gate' as const, who: ['U1'], detail: 'approval' }] }));
    expect(digestMessage({ channel: 'C1', day: '2024-05-02', campaigns }).text).toBe(digestText);
    expect(listMessage(campaigns.map((c) => ({ ...c, channel: 'C1', counts: {} }))).text).toBe(listText);
  });

  test('no message of the sweep says "1 <plural>" or "0/2 <singular>"', () => {
    const messages = [0, 1, 2].flatMap((n) => [
      waveStarted({ campaignId: 'c', wave: 0, waveCount: 1, repos: Array.from({ length: n }, (_, i) => `a/r${i}`) }),
      finalSummary({ campaignId: 'c', name: 'b', state: 'completed', counts: {}, durationMs: 0, humanTouched: n, total: n, approvals: n }),
      rollbackOffer({ campaignId: 'c', wave: 0, reason: 'r', mergedCount: n }),
      previewMessage({ ...preview, targets: n, sampled: n, noChange: n }),
      rootMessage({ ...root, state: 'running', waves: [{ index: 0, total: n, done: 0, failed: 0 }] }),
    ]);
    const text = messages.map(allText).join('\n');
    expect(text).not.toMatch(/\b1\*? (repositories|targets|waves|campaigns|approvals|revert PRs|items|minutes|merged repositories)\b/);
    expect(text).not.toMatch(/\b[02]\*? (repository|target|wave|campaign|approval|revert PR|item|minute)\b(?!s)/);
    expect(text).not.toContain('0 need no change');
  });
});

describe('the canary results in words', () => {
  test.each([
    [{ name: 'latency-p99', classification: 'High' as const, decidedBy: 'level' }, 'latency-p99: higher than the baseline'],
    [{ name: 'throughput', classification: 'Low' as const, decidedBy: 'level', critical: true }, 'throughput: lower than the baseline (critical)'],
    [{ name: 'error-rate', classification: 'High' as const, decidedBy: 'new-errors' }, 'error-rate: errors where the baseline had none, too few to call a regression'],
    [{ name: 'latency-p50', classification: 'High' as const, decidedBy: 'spread' }, 'latency-p50: more spread out than the baseline'],
    [{ name: 'saturation', classification: 'NoData' as const, decidedBy: 'no-data' }, 'saturation: no data'],
  ])('%j reads %j', (metric, words) => {
    expect(metricInWords(metric)).toBe(words);
  });

  test('one line per target that did not pass, with no statistics; an old record keeps its reason', () => {
    const m = renderNotification({
      kind: 'wave-canary',
      campaignId: 'c-1',
      wave: 0,
      waveCount: 2,
      judged: [
        { repo: 'acme/a', verdict: 'pass', score: 100, reason: 'All 2 metrics with data pass.', metrics: [] },
        { repo: 'acme/b', verdict: 'fail', score: 0, reason: 'Critical metric error-rate (High) failed: Canary higher than baseline: shift 0.02 (40.0%), 98% interval [0.01, 0.03], p = 0.0001.', metrics: [{ name: 'error-rate', classification: 'High', decidedBy: 'level', critical: true }, { name: 'latency-p99', classification: 'High', decidedBy: 'level' }] },
        { repo: 'acme/c', verdict: 'marginal', score: 85, reason: 'Held in the marginal band.', metrics: [{ name: 'error-rate', classification: 'High', decidedBy: 'new-errors' }] },
        { repo: 'acme/d', verdict: 'fail', score: 10, reason: 'An old reason & its stats' },
      ],
      notJudged: 1,
    });
    const text = JSON.stringify(m.args.blocks);
    expect(m.args.text).toBe('Canary results, wave 1: 1 passed · 1 marginal · 2 failed · 1 not judged');
    expect(text).toContain(':x: `acme/b` failed the canary (score 0 of 100): error-rate: higher than the baseline (critical); latency-p99: higher than the baseline');
    expect(text).toContain(':warning: `acme/c` was marginal in the canary (score 85 of 100): error-rate: errors where the baseline had none, too few to call a regression');
    expect(text).toContain(':x: `acme/d` failed the canary (score 10 of 100): An old reason &amp; its stats');
    expect(text).not.toMatch(/shift|interval|p = |High|Fisher/);
    expect(text).not.toContain('acme/a');
  });

  test('waveCanary counts the rest without a plural slip', () => {
    const judged = Array.from({ length: 11 }, (_, i) => ({ repo: `acme/r${i}`, verdict: 'fail' as const, score: i, reason: 'r' }));
    expect(JSON.stringify(waveCanary({ wave: 0, waveCount: 1, judged, notJudged: 0 }).blocks)).toContain('…and 1 more below the pass threshold');
  });
});

describe('the confidence breakdown with no evidence', () => {
  test('a wave where nothing passed or failed says why, not "0 of 0 passed"', async () => {
    const { breakdownInWords } = await import('../../../src/slack/blocks/gate.js');
    const canary = breakdownInWords({ score: 10, signals: [], prior: null, successes: 0, failures: 0 }, 0);
    expect(canary[0]).toBe('No canary repository has passed or failed yet: none needed the change, or none has finished.');
    expect(canary.join(' ')).not.toMatch(/\b0 of 0\b/);
    expect(breakdownInWords({ score: 10, signals: [], prior: null, successes: 0, failures: 0 }, 1)[0]).toMatch(/^No repository has passed or failed yet/);
    expect(breakdownInWords({ score: 90, signals: [], prior: null, successes: 1, failures: 1 }, 0)[0]).toBe('1 of 2 canary repositories passed.');
  });
});
