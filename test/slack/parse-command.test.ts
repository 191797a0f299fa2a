import { describe, expect, test } from 'vitest';
import { parseCommand, suggestSubcommand } from '../../src/slack/parse-command.js';

function error(text: string): string {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected an error for "${text}"`);
  return r.error;
}

describe('parseCommand', () => {
  test.each([
    ['', { name: 'help' }],
    ['help', { name: 'help' }],
    ['  START  ', { name: 'start' }],
    ['start bump-lodash', { name: 'start', spec: 'bump-lodash' }],
    ['preview teams/web/bump.yaml', { name: 'preview', spec: 'teams/web/bump.yaml' }],
    ['list', { name: 'list' }],
    ['status c-7f3a', { name: 'status', id: 'c-7f3a' }],
    ['status c-7f3a failed', { name: 'status', id: 'c-7f3a', view: 'failed' }],
    ['status c-7f3a ALL', { name: 'status', id: 'c-7f3a', view: 'all' }],
    ['status c-7f3a attention', { name: 'status', id: 'c-7f3a', view: 'attention' }],
    ['pause c-7f3a', { name: 'pause', id: 'c-7f3a' }],
    ['resume c-7f3a', { name: 'resume', id: 'c-7f3a' }],
    ['abort c-7f3a', { name: 'abort', id: 'c-7f3a' }],
    ['approve c-7f3a', { name: 'approve', id: 'c-7f3a' }],
    ['retry c-7f3a acme/api', { name: 'retry', id: 'c-7f3a', repo: 'acme/api' }],
    ['skip c-7f3a acme/api.js', { name: 'skip', id: 'c-7f3a', repo: 'acme/api.js' }],
    ['freeze on', { name: 'freeze', on: true }],
    ['freeze OFF', { name: 'freeze', on: false }],
    ['digest', { name: 'digest' }],
  ])('%s', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  test('did you mean', () => {
    expect(error('pasue c-1')).toBe('Unknown subcommand `pasue`. Did you mean `pause`? Type `/fleet help` for the list.');
    expect(error('stat c-1')).toContain('Did you mean `status`?');
    expect(error('aprove c-1')).toContain('Did you mean `approve`?');
    expect(error('xyzzy')).toBe('Unknown subcommand `xyzzy`. Type `/fleet help` for the list.');
    expect(suggestSubcommand('frezee')).toBe('freeze');
  });

  test('missing, extra and malformed arguments say what to type', () => {
    expect(error('pause')).toBe('`/fleet pause` needs <id>. Type `/fleet pause <id>`.');
    expect(error('retry c-1')).toBe('`/fleet retry` needs <repo>. Type `/fleet retry <id> <repo>`.');
    expect(error('list everything')).toContain('takes no arguments');
    expect(error('pause c-1 now')).toContain('`now` is extra');
    expect(error('retry c-1 not-a-repo')).toContain('is not a repository as `owner/name`');
    expect(error('status c;drop')).toContain('is not a campaign id');
    expect(error('freeze maybe')).toContain('takes `on` or `off`');
    expect(error('status c-1 banana')).toBe('`banana` is not `failed`, `attention` or `all`. Type `/fleet status <id> [failed|attention|all]`.');
    expect(error('status c-1 failed now')).toBe('`/fleet status` takes only 2 arguments; `now` is extra. Type `/fleet status <id> [failed|attention|all]`.');
  });

  test('hostile text is never echoed with markup', () => {
    const e = error('<!channel>`x`');
    expect(e).not.toContain('<!channel>');
    expect(e.startsWith('Unknown subcommand `!channelx`')).toBe(true);
  });
});
