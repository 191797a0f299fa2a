import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { watchOutput, type ChildOutput } from '../support/child-output.js';

/**
 * `npm run demo` without --headless, as a newcomer runs it: nothing starts until the page is
 * open, and each scripted click waits so the person can read what it answers. A plain GET of the
 * page's state stands in for the browser (it is the page's first poll), so no Chromium is needed.
 * Durations are read from the timestamps the fake Slack and Fleet record, not from this test's
 * clock.
 */
const demo = fileURLToPath(new URL('../../dist/src/sandbox/demo.js', import.meta.url));
const PACE_SECONDS = 3;
const CHANNEL = 'C0FLEET001';
const BOUND_MS = 300_000;

interface PageMessage {
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

function tsToMs(ts: string): number {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1000 + Math.floor(Number(micros.padEnd(6, '0')) / 1000);
}

/** The first reply in a thread whose text or blocks match (the click may have replaced its buttons since). */
function firstReply(messages: PageMessage[], pattern: RegExp): PageMessage | undefined {
  return messages.find((m) => m.thread_ts !== undefined && m.thread_ts !== m.ts && pattern.test(JSON.stringify([m.text, m.blocks ?? []])));
}

describe('npm run demo (with its page)', () => {
  let child: ChildProcessWithoutNullStreams;
  let output: ChildOutput;
  let dataDir: string;
  let pageUrl: string;

  const waitForOutput = (pattern: RegExp, timeoutMs: number) => output.waitFor(pattern, timeoutMs);

  function events(kind: string): { at: number; actor: string }[] {
    const db = new Database(join(dataDir, 'fleet.db'), { readonly: true });
    try {
      return db.prepare('SELECT at, actor FROM events WHERE kind = ? ORDER BY id').all(kind) as { at: number; actor: string }[];
    } finally {
      db.close();
    }
  }

  async function channelMessages(): Promise<PageMessage[]> {
    const response = await fetch(`${pageUrl}/_page/state?user=U0OWNER01`);
    const state = (await response.json()) as { messages: Record<string, PageMessage[]> };
    return state.messages[CHANNEL] ?? [];
  }

  beforeAll(async () => {
    expect(existsSync(demo), 'dist/src/sandbox/demo.js is missing: run `npm run build` first').toBe(true);
    dataDir = mkdtempSync(join(tmpdir(), 'fleet-demo-pacing-'));
    child = spawn(process.execPath, [demo, '--port', '0', '--pace-seconds', String(PACE_SECONDS), '--data-dir', dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    output = watchOutput(child, 'the demo');
    const [, url] = await waitForOutput(/Open (http:\/\/127\.0\.0\.1:\d+)\/ in a browser to start the campaign\./, 60_000);
    pageUrl = url;
  }, 90_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('waits for the page before it starts the campaign', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(output.text()).not.toContain('> /fleet preview');
    const db = new Database(join(dataDir, 'fleet.db'), { readonly: true });
    const campaigns = (db.prepare('SELECT COUNT(*) AS n FROM campaigns').get() as { n: number }).n;
    db.close();
    expect(campaigns).toBe(0);

    // The page's first poll.
    await channelMessages();
    await waitForOutput(/The page is open: the scripted campaign starts now\./, 10_000);
    await waitForOutput(/Campaign c-[0-9a-f]{6} started/, 60_000);
  }, 90_000);

  test('the approval request and the outsider’s refusal each stay on screen for the pacing delay before the next click', async () => {
    await waitForOutput(/gate\.approved\s+\(wave 1\)\s+by U0APPROV1/, BOUND_MS);
    const request = firstReply(await channelMessages(), /Approval needed/);
    expect(request, 'the approval request in the thread').toBeDefined();
    const [refused] = events('auth.refused');
    const approved = events('gate.approved').find((e) => e.actor === 'U0APPROV1');
    expect(refused?.actor).toBe('U0OUTSID1');
    expect(approved).toBeDefined();
    expect(refused.at - tsToMs(request!.ts)).toBeGreaterThanOrEqual(PACE_SECONDS * 1000);
    expect(approved!.at - refused.at).toBeGreaterThanOrEqual(PACE_SECONDS * 1000);
    expect(output.text()).toContain(`The script clicks in ${PACE_SECONDS} s.`);
  }, BOUND_MS + 30_000);

  test('the repository that needs a person stays on screen for the pacing delay before the Skip', async () => {
    await waitForOutput(/target\.skipped\s+acme\/\S+\s+\(skipped from Slack\)\s+by U0OWNER01/, BOUND_MS);
    // Repositories that need no change are skipped by the engine; the owner's click is the first skip by a person.
    const db = new Database(join(dataDir, 'fleet.db'), { readonly: true });
    const skipped = db
      .prepare("SELECT e.at AS at, t.repo AS repo FROM events e JOIN targets t ON t.id = e.target_id WHERE e.kind = 'target.skipped' AND e.actor = 'U0OWNER01' ORDER BY e.id")
      .get() as { at: number; repo: string } | undefined;
    db.close();
    expect(skipped).toBeDefined();
    const asked = firstReply(await channelMessages(), new RegExp(`\\*${skipped!.repo.replace('/', '\\/')}\\* needs attention`));
    expect(asked, `the message asking about ${skipped!.repo}`).toBeDefined();
    expect(skipped!.at - tsToMs(asked!.ts)).toBeGreaterThanOrEqual(PACE_SECONDS * 1000);
  }, BOUND_MS + 30_000);

  test('Ctrl-C stops it cleanly', async () => {
    await waitForOutput(/The sandbox keeps running/, BOUND_MS);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, BOUND_MS + 30_000);
});

describe('npm run demo, stopped before anyone opened the page', () => {
  test('Ctrl-C ends it at once, with 0 and no campaign', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-demo-unopened-'));
    try {
      const child = spawn(process.execPath, [demo, '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const unopened = watchOutput(child, 'the demo');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await unopened.waitFor(/to start the campaign\./, 60_000);
      child.kill('SIGINT');
      expect(await exited, unopened.text()).toBe(0);
      expect(unopened.text()).not.toContain('> /fleet preview');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
