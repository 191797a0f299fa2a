import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore } from '../../src/store/store.js';
import { capture } from './capture-io.js';

const T0 = Date.UTC(2024, 4, 1, 9, 0, 0);
let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-cli-audit-'));
  file = join(dir, 'fleet.db');
  const db = openDatabase(file);
  const store = createStore(db);
  for (const id of ['c-1', 'c-2']) {
    store.campaigns.insert({ id, name: 'bump-lodash', specJson: '{}', specSource: 'test', changeKind: 'npm-dependency', owner: 'U0OWNER01', channel: 'C1', state: 'draft', waveCount: 1, now: T0 });
  }
  store.targets.insertMany('c-1', [{ repo: 'acme/alpha', wave: 0 }], T0);
  const alpha = store.targets.findByRepo('c-1', 'acme/alpha')!;
  store.events.append({ campaignId: 'c-1', at: T0, actor: 'U0OWNER01', kind: 'campaign.created', data: { spec: 'bump-lodash' } });
  store.events.append({ campaignId: 'c-2', at: T0 + 500, actor: 'U0OTHER01', kind: 'campaign.created' });
  store.events.append({ campaignId: 'c-1', targetId: alpha.id, at: T0 + 1000, actor: 'fleet', kind: 'target.failed', data: { reason: 'CI said "no", twice,\nthen timed out' } });
  store.events.append({ campaignId: 'c-1', at: T0 + 2000, actor: 'U0APPROV1', kind: 'gate.approved', data: {} });
  db.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fleet audit', () => {
  test('prints every event of the campaign in order as JSON lines by default', async () => {
    const io = capture({ FLEET_DB: file });
    expect(await runCli(['audit', 'c-1'], io)).toBe(0);
    expect(io.err).toBe('');
    const lines = io.out.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { at: '2024-05-01T09:00:00.000Z', actor: 'U0OWNER01', kind: 'campaign.created', repo: null, data: { spec: 'bump-lodash' } },
      { at: '2024-05-01T09:00:01.000Z', actor: 'fleet', kind: 'target.failed', repo: 'acme/alpha', data: { reason: 'CI said "no", twice,\nthen timed out' } },
      { at: '2024-05-01T09:00:02.000Z', actor: 'U0APPROV1', kind: 'gate.approved', repo: null, data: {} },
    ]);
  });

  test('prints CSV with a header and RFC 4180 quoting', async () => {
    const io = capture({ FLEET_DB: file });
    expect(await runCli(['audit', 'c-1', '--format', 'csv'], io)).toBe(0);
    expect(io.out).toBe(
      'at,actor,kind,repo,data\r\n' +
        '2024-05-01T09:00:00.000Z,U0OWNER01,campaign.created,,"{""spec"":""bump-lodash""}"\r\n' +
        '2024-05-01T09:00:01.000Z,fleet,target.failed,acme/alpha,"{""reason"":""CI said \\""no\\"", twice,\\nthen timed out""}"\r\n' +
        '2024-05-01T09:00:02.000Z,U0APPROV1,gate.approved,,{}\r\n',
    );
    const again = capture({ FLEET_DB: file });
    expect(await runCli(['audit', '--format=csv', 'c-1'], again)).toBe(0);
    expect(again.out).toBe(io.out);
  });

  test('an unknown campaign id is exit 1 with a sentence', async () => {
    const io = capture({ FLEET_DB: file });
    expect(await runCli(['audit', 'c-nope'], io)).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toContain('There is no campaign c-nope in');
  });

  test.each([
    ['a missing id', ['audit']],
    ['an unknown format', ['audit', 'c-1', '--format', 'xml']],
    ['a format with no value', ['audit', 'c-1', '--format']],
    ['two ids', ['audit', 'c-1', 'c-2']],
    ['an unknown option', ['audit', 'c-1', '--since', '1']],
  ])('%s is exit 2 with the usage line', async (_name, args) => {
    const io = capture({ FLEET_DB: file });
    expect(await runCli(args, io)).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toContain('Usage: fleet audit <campaign-id> [--format jsonl|csv]');
  });

  test('needs FLEET_DB, and a file that is there', async () => {
    const unset = capture({});
    expect(await runCli(['audit', 'c-1'], unset)).toBe(2);
    expect(unset.err).toContain('FLEET_DB is not set');
    const missing = capture({ FLEET_DB: join(dir, 'absent.db') });
    expect(await runCli(['audit', 'c-1'], missing)).toBe(1);
    expect(missing.err).toContain('There is no database at');
  });
});
