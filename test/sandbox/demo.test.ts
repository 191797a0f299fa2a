import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run demo -- --headless` end to end: the built demo (npm test builds first) in a process of
 * its own, exactly as a new user runs it, and its transcript read like a person would.
 */
const demo = fileURLToPath(new URL('../../dist/src/sandbox/demo.js', import.meta.url));
const BOUND_SECONDS = 420;

interface Run {
  code: number | null;
  out: string;
  dataDir: string;
}

function runDemo(dataDir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demo, '--headless', '--port', '0', '--timeout-seconds', String(BOUND_SECONDS), '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, dataDir }));
  });
}

/** The backquoted repositories of a line, in order. */
function reposIn(line: string): string[] {
  return [...line.matchAll(/`(acme\/[a-z0-9-]+)`/g)].map((m) => m[1]);
}

describe('npm run demo -- --headless', () => {
  let run: Run;
  let dir: string;

  beforeAll(async () => {
    expect(existsSync(demo), 'dist/src/sandbox/demo.js is missing: run `npm run build` first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'fleet-demo-'));
    run = await runDemo(dir);
  }, (BOUND_SECONDS + 60) * 1000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('completes the campaign and exits 0', () => {
    expect(run.code, run.out.slice(-3000)).toBe(0);
    expect(run.out).toMatch(/Campaign c-[0-9a-f]{6} is completed\./);
    expect(run.out).toContain('99 repositories across 3 teams');
    expect(run.out).toContain('#fleet-payments, as a person sees it');
    expect(run.out).toMatch(/started \*sandbox-bump-lodash\* \(`c-[0-9a-f]{6}`\) in #fleet-payments\./);
  });

  it('starts the waves its preview showed', () => {
    const lines = run.out.split('\n');
    const previewed = lines.filter((l) => /^ {2}Wave \d: \*\d+\*/.test(l)).map(reposIn);
    expect(previewed).toHaveLength(3);
    const started = lines.filter((l) => /Wave \d of 3\* started with/.test(l)).map(reposIn);
    // Wave 1 starts with the campaign (its repositories are in the root message); waves 2 and 3 are announced.
    expect(started).toHaveLength(2);
    expect(started[0].slice(0, previewed[1].length)).toEqual(previewed[1]);
    expect(started[1].slice(0, previewed[2].length)).toEqual(previewed[2]);
    const wave2 = lines.findIndex((l) => /wave\.started\s+\(wave 2\)/.test(l));
    expect(wave2).toBeGreaterThan(0);
    const openedInWave1 = lines.slice(0, wave2).filter((l) => /pr\.opened/.test(l)).map((l) => l.trim().split(/\s+/)[2]);
    expect(openedInWave1.length).toBeGreaterThan(0);
    for (const repo of openedInWave1) expect(previewed[0]).toContain(repo);
  });

  it('names waves from 1 in its narration, the wave a target is in', () => {
    // Wave 1 starts with the campaign; later waves have a wave.started line.
    let current = 1;
    const named: number[] = [];
    for (const line of run.out.split('\n')) {
      const started = /wave\.started\s+\(wave (\d+)\)/.exec(line);
      if (started) current = Number(started[1]);
      const waiting = /\(waiting for (?:the rest|approval) of wave (\d+)\)/.exec(line);
      if (waiting) {
        named.push(Number(waiting[1]));
        expect(Number(waiting[1]), line).toBe(current);
      }
    }
    // The gate step waits in the campaign's waves, so the check above had lines to read (how many
    // waves log a wait depends on how the ticks fall).
    expect(named.length).toBeGreaterThan(0);
    expect(run.out).not.toMatch(/wave 0\b/);
  });

  it('meets GitHub as organisations run it: a check a ruleset requires, a code owner\'s review and a merge queue, each waited for before the merge', () => {
    const story = run.out.slice(run.out.indexOf("GitHub's rules, as the campaign met them:"));
    expect(story, run.out.slice(-3000)).toMatch(/^ {2}acme\/\S+ \(protected by a ruleset\): waiting for [^\n]*\(required by [^\n]*ruleset "main" \(#\d+\)\)/m);
    expect(story).toMatch(/^ {2}acme\/\S+: waiting for a review from @acme\/[a-z]+ \(code owner of [^\n]*required by ruleset "main" \(#\d+\)\)[^\n]*; merged once the code owner approved/m);
    expect(story).toMatch(/^ {2}acme\/\S+: PR #\d+ is in the merge queue of main[^\n]*; merged by the queue at [0-9a-f]{7}/m);
  });

  it('refuses an outsider at the gate, and the approver approves it through the button', () => {
    expect(run.out).toContain(':no_entry: Only @U0OWNER01, the approvers (@U0APPROV1, @S0PLATFRM) or an admin can approve this campaign.');
    expect(run.out).toMatch(/auth\.refused\s+by U0OUTSID1/);
    expect(run.out).toMatch(/gate\.approved\s+\(wave 1\)\s+by U0APPROV1/);
    expect(run.out).toContain(':white_check_mark: Approved by @U0APPROV1');
  });

  it("deploys the canary wave through GitHub Deployments: each deployment's link in the thread, the one that fails, and the regression caught on a deployed canary", () => {
    const thread = run.out.slice(run.out.indexOf('as a person sees it'));
    const deployed = [...thread.matchAll(/:rocket: Deployed `([0-9a-f]{7})` of \*(acme\/[a-z0-9-]+)\*[^\n]* to `canary`: (https:\/\/\S+)/g)];
    // The canary wave is three: two deployed (search-indexer is a named canary), one whose deployment crash-loops.
    expect(deployed.map((m) => m[2]), run.out.slice(-3000)).toContain('acme/search-indexer');
    expect(deployed).toHaveLength(2);
    for (const m of deployed) expect(m[3]).toBe(`https://canary.${m[2].split('/')[1]}.sandbox.fleet.invalid/`);
    expect(thread).toMatch(/:x: The deployment of `[0-9a-f]{7}` of \*acme\/search-web\*[^\n]* to `canary` failed: the canary pod crash-looped: CrashLoopBackOff/);
    expect(run.out).toMatch(/target\.failed\s+acme\/search-web\s+\(The deployment of [0-9a-f]{7} to canary failed: the canary pod crash-looped: CrashLoopBackOff/);
    // Judged canaries let their deployment go.
    expect(run.out).toMatch(/deploy\.deactivated\s+acme\/search-indexer/);
    expect(run.out).toMatch(/Regression caught on a deployed canary: acme\/payments-gateway [0-9a-f]{7} in canary \(deployment \d+\) against production [0-9a-f]{7}: Canary failed with score \d+: .*latency-p99: higher than the baseline/);
  });

  it('catches the regression in acme/payments-gateway with the judge’s reason, and merges nothing there', () => {
    expect(run.out).toMatch(/target\.failed\s+acme\/payments-gateway\s+\(Canary failed with score \d+: .*latency-p99: higher than the baseline/);
    expect(run.out).not.toMatch(/pr\.merged\s+acme\/payments-gateway/);
  });

  it('asks a person about the repository whose default branch already fails, and shows the Skip', () => {
    expect(run.out).toMatch(/target\.needs-attention\s+acme\/\S+\s+\(`build`, `test` fail on main too/);
    expect(run.out).toMatch(/target\.skipped\s+acme\/\S+\s+\(skipped from Slack\)\s+by U0OWNER01/);
    expect(run.out).toMatch(/:fast_forward: Skipped by @U0OWNER01/);
  });

  it('ends with the final summary, a digest, and one pull request per repository', () => {
    expect(run.out).toMatch(/:tada: \*sandbox-bump-lodash\* completed after/);
    const digestAt = run.out.indexOf('> /fleet digest');
    expect(digestAt).toBeGreaterThan(0);
    const digest = run.out.slice(digestAt, run.out.indexOf('\nGitHub: ', digestAt));
    // The day's progress: the campaign completed today is in it, with what moved.
    expect(digest).toContain('Fleet digest for');
    expect(digest).toContain('sandbox-bump-lodash');
    expect(digest).not.toContain('No active campaigns');
    const github = /GitHub: (\d+) pull requests in (\d+) repositories, (\d+) merged/.exec(run.out);
    expect(github).not.toBeNull();
    expect(Number(github![1])).toBe(Number(github![2]));
    expect(Number(github![3])).toBeGreaterThan(30);
    // Never a merge before the merged head's checks had completed (the fake's merge log, every path).
    const checked = /Merges with every check complete: (\d+) of (\d+)\./.exec(run.out);
    expect(checked, run.out.slice(-2000)).not.toBeNull();
    expect(Number(checked![1])).toBe(Number(checked![2]));
    expect(Number(checked![2])).toBe(Number(github![3]));
  });

  it('shows what one pull request changed: package.json and its lockfile, regenerated by the repository\'s own tool', () => {
    const at = run.out.search(/acme\/\S+ #\d+: its manifest and lockfile/);
    expect(at, run.out.slice(-3000)).toBeGreaterThan(0);
    const shown = run.out.slice(at, run.out.indexOf('\n\n', at + 1) > 0 ? run.out.indexOf('\n\n', at + 1) : undefined);
    expect(shown).toMatch(/\+\+\+ b\/package\.json[\s\S]*\+\s+"lodash": "\^4\.17\.21"/);
    const lockfile = /\+\+\+ b\/(package-lock\.json|yarn\.lock|pnpm-lock\.yaml)/.exec(shown);
    expect(lockfile, shown).not.toBeNull();
    // The lockfile now resolves lodash to 4.17.21, in the tool's own format.
    expect(shown.slice(shown.indexOf(lockfile![0]))).toMatch(/^\s+\+.*4\.17\.21/m);
  });

  it('leaves a SQLite file whose targets are all final and agree with the event log', () => {
    const db = new Database(join(run.dataDir, 'fleet.db'), { readonly: true });
    try {
      const campaign = db.prepare("SELECT id, state FROM campaigns WHERE name = 'sandbox-bump-lodash'").get() as { id: string; state: string };
      expect(campaign.state).toBe('completed');
      const targets = db.prepare('SELECT id, repo, state FROM targets WHERE campaign_id = ?').all(campaign.id) as { id: number; repo: string; state: string }[];
      // The 48 Node services and the workspaces monorepo; the Java, Python and Go services are not targets.
      expect(targets).toHaveLength(49);
      expect(targets.filter((t) => !['succeeded', 'failed', 'skipped', 'reverted'].includes(t.state))).toEqual([]);
      const last = db
        .prepare("SELECT target_id, kind FROM events WHERE campaign_id = ? AND kind IN ('target.succeeded', 'target.failed', 'target.skipped', 'target.reverted') ORDER BY id")
        .all(campaign.id) as { target_id: number; kind: string }[];
      const finalByEvents = new Map(last.map((e) => [e.target_id, e.kind.slice('target.'.length)]));
      for (const t of targets) expect(finalByEvents.get(t.id), t.repo).toBe(t.state);
      expect(targets.find((t) => t.repo === 'acme/payments-gateway')?.state).toBe('failed');
    } finally {
      db.close();
    }
  });
});
