import { describe, expect, it } from 'vitest';
import { plainMrkdwn, renderMessage, renderThread } from '../../src/sandbox/transcript.js';

describe('the headless transcript', () => {
  it('shows mrkdwn as a reader sees it: links, mentions, groups, channels and dates', () => {
    expect(plainMrkdwn('<https://github.example/acme/web/pull/3|pull request> by <@U0OWNER01> for <!subteam^S0PLATFRM> in <#C0FLEET001>')).toBe(
      'pull request by @U0OWNER01 for @S0PLATFRM in #C0FLEET001',
    );
    expect(plainMrkdwn('Expires <!date^1795410479^{date_short_pretty} {time}|later>.')).toBe('Expires 2026-11-23 05:07 UTC.');
    expect(plainMrkdwn('a &lt;b&gt; &amp; <#C1|fleet-payments>')).toBe('a <b> & #fleet-payments');
    expect(plainMrkdwn('in <#C0FLEET001> and <#C9>', { C0FLEET001: 'fleet-payments' })).toBe('in #fleet-payments and #C9');
  });

  it('puts each field on one line as "label value", and buttons in brackets', () => {
    const lines = renderMessage({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Wave 1' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'done' }, fields: [{ type: 'mrkdwn', text: '*Succeeded*\n2' }, { type: 'mrkdwn', text: '*Failed*\n0' }] },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Retry' } }, { type: 'button', text: { type: 'plain_text', text: 'Skip' } }] },
      ],
    });
    expect(lines).toEqual(['== Wave 1 ==', 'done', '*Succeeded* 2  ·  *Failed* 0', '[Retry] [Skip]']);
  });

  it('indents the replies of a thread under its root', () => {
    const text = renderThread([
      { ts: '1.0', text: 'root' },
      { ts: '2.0', text: 'reply' },
    ]);
    expect(text).toBe('--- message 1.0\nroot\n    --- reply 2.0\n    reply');
  });
});
