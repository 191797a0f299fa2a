import { describe, expect, test } from 'vitest';
import { LaunchValue } from '../../src/slack/blocks/action-ids.js';
import { readStartSubmission } from '../../src/slack/start-modal.js';

/** Cases the property checks found, kept as plain examples so they stay fixed. */
describe('found by the property checks', () => {
  test('a start form with a value longer than its field allows is refused in the modal, not turned into a Launch button Fleet cannot read', () => {
    const input = (value: string) => ({ type: 'plain_text_input', value });
    const values = { package: { package: input('lodash') }, version: { version: input('^4.17.21') }, org: { org: input('acme') }, topic: { topic: input('a'.repeat(300)) } };
    const read = readStartSubmission(values, JSON.stringify({ channel: 'C0FLEET001' }), 'U0OWNER01');
    if (read.ok) expect(LaunchValue.safeParse(read.launch).success).toBe(true);
    expect(read).toMatchObject({ ok: false, errors: { topic: expect.stringContaining('too long') } });
  });
});
