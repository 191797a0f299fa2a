import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BenchFlags, resolveConfig } from '../../src/bench/options.js';
import { runBench, type BenchResult } from '../../src/bench/run-bench.js';

/**
 * Runs every measurement in its tiny configuration (`--quick`: 20-target fleets, 2+2 campaigns through every brick over HTTP)
 * and checks that the JSON has every field with values that make sense. No timing is asserted:
 * the machine is shared and timings are noise here; counts and invariants are not.
 */

const root = resolve(import.meta.dirname, '../..');
let result: BenchResult;

beforeAll(async () => {
  // The peak-memory children and the ack measurement's processes (Fleet itself, the load generator
  // and the bare Bolt app) run the compiled code; build it when a child is missing or older than its source.
  const children = ['bench/rss-child', 'bench/scale-child', 'bench/vm-hwm', 'bench/sandbox', 'runtime/main', 'slack/after-ack', 'bench/ack-load', 'sandbox/slack/bare-bolt'];
  const stale = (name: string) => {
    const child = resolve(root, `dist/src/${name}.js`);
    return !existsSync(child) || statSync(child).mtimeMs < statSync(resolve(root, `src/${name}.ts`)).mtimeMs;
  };
  if (children.some(stale)) {
    execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  }
  // The decision run alone takes two to three minutes on the busy 2-core machine: every brick over HTTP, git included.
  result = await runBench(resolveConfig(BenchFlags.parse({ quick: true })), { log: () => undefined, machine: { cpus: 1, node: process.version, loadAverage: [0, 0, 0] } });
}, 600_000);

describe('npm run bench, tiny configuration', () => {
  test('acks and replies: Fleet in its own process and the bare Bolt app each answered every request; one click per round approved its gate', () => {
    const a = result.ackLatencyMs!;
    expect(a.rounds).toBe(1);
    expect(a.perRound.map((r) => [r.app, r.round, r.requests])).toEqual([
      ['fleet', 1, 40],
      ['bare', 1, 40],
    ]);
    expect(a.failed).toBe(0);
    // Every command's reply reached its response_url, and the winning click's chat.update reached the Web API.
    expect(a.missingReplies).toBe(0);
    // Ten clicks on each round's gate (and the warm-up's): each gate approved exactly once, its message marked once.
    expect(a.approvedGates).toBe(a.rounds + 1);
    expect(a.approvalUpdates).toBe(a.rounds + 1);
    expect(a.fleetErrors).toBe(0);
    for (const r of a.perRound) {
      expect(r.p50).toBeGreaterThan(0);
      expect(r.p99).toBeGreaterThanOrEqual(r.p50);
      expect(r.max).toBeGreaterThanOrEqual(r.p99);
    }
    const fleet = a.perRound.find((r) => r.app === 'fleet')!;
    expect(fleet.reply!.p99).toBeGreaterThanOrEqual(fleet.reply!.p50);
    expect(a.perRound.find((r) => r.app === 'bare')!.reply).toBeUndefined();
    expect(a.p99Ratio.median).toBeCloseTo(fleet.p99 / a.perRound.find((r) => r.app === 'bare')!.p99, 1);
    expect(a.concurrency).toBe(10);
  });

  test('tick cost: one row per size, each tick advanced targets', () => {
    expect(result.tick!.map((t) => t.targets)).toEqual([20, 40]);
    for (const t of result.tick!) {
      expect(t.msPerTick).toBeGreaterThan(0);
      expect(t.usPerTarget).toBeGreaterThan(0);
      expect(t.ratioToSmallest).toBeGreaterThan(0);
    }
    expect(result.tick![0].ratioToSmallest).toBe(1);
  });

  test('GitHub requests: the log and the store agree; conditional requests save counted requests', () => {
    const g = result.githubRequestsPerTarget!;
    for (const mode of [g.webhooks, g.polling, g.naive]) {
      expect(mode.storeCounted).toBe(mode.counted);
      expect(mode.storeNotModified).toBe(mode.notModified);
      expect(mode.total).toBeCloseTo(mode.counted + mode.notModified, 5);
    }
    expect(g.naive.notModified).toBe(0);
    expect(g.polling.counted).toBeLessThan(g.naive.counted);
    // Push, pull request, merge: no labels asked for, GitHub asks the code owners and deletes the merged branch itself.
    const c = result.contentRequestsPerPr!;
    expect(c.requests).toEqual(['POST /repos/{owner}/{repo}/pulls', 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge']);
    expect(c.count).toBe(2);
    expect(c.withPush).toBe(3);
    const labels = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';
    const remove = 'DELETE /repos/{owner}/{repo}/git/refs/{ref}';
    expect(c.bySetting.map((b) => [b.labels.length > 0, b.deleteBranchOnMerge, b.withPushPerPr])).toEqual([
      [false, true, 3],
      [true, true, 4],
      [false, false, 4],
      [true, false, 5],
    ]);
    for (const b of c.bySetting) {
      expect(b.requests.includes(labels)).toBe(b.labels.length > 0);
      expect(b.requests.includes(remove)).toBe(!b.deleteBranchOnMerge);
      expect(b.requests.some((r) => r.includes('requested_reviewers'))).toBe(false);
      expect(b.withPushPerPr).toBe(b.perPr + 1);
    }
    // open-pr pushes with git: no git data API write per PR, and the push is not a REST request.
    expect(c.requests.filter((r) => r.includes('/git/') && !r.startsWith('DELETE'))).toEqual([]);
    const git = result.gitPerTarget!;
    expect(git.restContentPerPr).toBe(c.count);
    expect(git.gitRequestsPerTarget).toBeGreaterThanOrEqual(3);
    expect(git.bytesPerTarget.sent).toBeGreaterThan(0);
    expect(git.bytesPerTarget.received).toBeGreaterThan(0);
    expect(git.workspaceToPushMs.median).toBeGreaterThan(0);
    expect(git.workspaceToPushMs.max).toBeGreaterThanOrEqual(git.workspaceToPushMs.min);
    const p = result.prsPerHourCeiling!;
    // GitHub's 500 content-creating requests an hour over 3 a PR.
    expect(p.secondary).toBe(Math.floor(500 / c.withPush));
    expect(p.fleet).toBe(Math.min(p.primary, p.secondary));
    expect(p.naive).toBeLessThanOrEqual(p.fleet);
  });

  test('Slack calls: the campaign completed and every post stayed within the per-channel limit', () => {
    const s = result.slackCallsPerCampaign!;
    expect(s.targets).toBe(20);
    expect(s.finalState).toBe('completed');
    expect(s.posts).toBeGreaterThan(0);
    expect(s.calls).toBe(s.posts + s.updates);
    expect(s.rateLimited).toBe(0);
  });

  test('peak RSS: measured in the child, a plausible size', () => {
    expect(result.peakRssMb).toBeGreaterThan(20);
    expect(result.peakRssMb).toBeLessThan(2000);
    expect(result.peakRss!.advanced).toBe(20);
  });

  test('decision quality: every campaign launched, ran over HTTP and finished; the shares are shares', () => {
    const d = result.decisionQuality!;
    expect(d.world).toBe('calibrated');
    expect(d.campaigns).toMatchObject({ healthy: 2, bad: 2, finished: 4 });
    expect(d.perCampaign.map((c) => c.bad).sort()).toEqual(['canary', 'ci', 'none', 'none']);
    for (const share of [d.humanTouchShare, d.humanTouchShareStrict, d.exposureBeforeHalt, d.exposureBeforeHaltMax]) {
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }
    expect(d.humanTouchShareStrict).toBeGreaterThanOrEqual(d.humanTouchShare - 1e-9);
    expect(d.wallSeconds).toBeGreaterThan(0);
  });

  test('decision quality: no PR of a repository a bad change breaks was merged', () => {
    const bad = result.decisionQuality!.perCampaign.filter((c) => c.bad !== 'none');
    expect(bad.length).toBe(2);
    for (const c of bad) {
      expect(c.brokenRepos, `${c.org} has repositories its change breaks`).toBeGreaterThan(0);
      expect(c.brokenMerged, `${c.org}: PRs merged where the change breaks CI or regresses`).toBe(0);
    }
  });

  test('decision quality: the store and the fake GitHub agree on every campaign', () => {
    const d = result.decisionQuality!;
    const stopped = ['halted', 'paused', 'rolling-back', 'aborted'];
    for (const c of d.perCampaign) {
      expect(c.targets, `${c.org} was launched with targets`).toBeGreaterThan(0);
      // Exposure is merged / targets, recomputed from the store.
      expect(c.exposure).toBeCloseTo(c.merged / c.targets, 4);
      // Every merge the store records is a merge the fake GitHub made, and nothing else merged.
      expect(c.github.merges, `${c.org}: merges on GitHub`).toBe(c.merged);
      expect(c.merged).toBe(c.succeeded);
      // A merged target opened its PR and was deployed to a canary first.
      expect(c.github.pulls).toBeGreaterThanOrEqual(c.merged);
      expect(c.github.canaryDeployments).toBeGreaterThanOrEqual(c.merged);
      if (c.state === 'completed') {
        // A completed campaign merged every target but those skipped or failed.
        expect(c.merged, `${c.org} completed`).toBe(c.targets - c.skipped - c.failed);
        expect(c.skippedByPerson).toBeLessThanOrEqual(c.skipped);
      } else {
        expect(stopped, `${c.org} ended ${c.state}`).toContain(c.state);
      }
    }
    expect(d.falseHalts).toBe(d.perCampaign.filter((c) => c.bad === 'none' && stopped.includes(c.state)).length);
    expect(d.missedBad).toBe(d.perCampaign.filter((c) => c.bad !== 'none' && c.state === 'completed').length);
  });

  test('decision quality: every brick ran over HTTP against the fake GitHub', () => {
    const d = result.decisionQuality!;
    const r = d.requests;
    const sum = (pick: (c: (typeof d.perCampaign)[number]) => number) => d.perCampaign.reduce((n, c) => n + pick(c), 0);
    // Discovery listed each campaign's organisation; open-pr pushed with git and opened a PR per push.
    expect(r.discovery).toBeGreaterThanOrEqual(d.perCampaign.length);
    expect(r.pulls).toBe(sum((c) => c.github.pulls));
    expect(r.push).toBeGreaterThanOrEqual(r.pulls);
    // await-checks read check runs; deploy created the canary deployments and read their statuses; merge merged.
    expect(r.checkRuns).toBeGreaterThanOrEqual(r.pulls);
    expect(r.deployments).toBe(sum((c) => c.github.canaryDeployments));
    expect(r.deploymentStatuses).toBeGreaterThan(0);
    // A merge by the API is a PUT …/merge; one through a merge queue is the queue's (a PR queued by the same brick).
    expect(r.merges).toBeGreaterThanOrEqual(sum((c) => c.github.mergedVia.api));
    for (const c of d.perCampaign) expect(c.github.mergedVia.api + c.github.mergedVia.queue + c.github.mergedVia.auto).toBe(c.github.merges);
    // The bake followed each merge into production: the CD deployed every merge commit there.
    for (const c of d.perCampaign) expect(c.github.productionDeployments).toBeGreaterThanOrEqual(c.targets + c.merged);
  });

  test('a campaign from launch to digest: every repository planned, the first waves opened their PRs, root and digest posted, memory in the child', () => {
    const sc = result.scaleCampaign!;
    expect(sc.targets).toBe(200);
    expect(sc.waveSizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(sc.waveSizes[0]).toBe(3);
    expect(sc.wavesRun).toBe(2);
    // Every target of the first two waves opened its PR, and no other did.
    expect(sc.prsOpened).toBe(sc.waveSizes[0] + sc.waveSizes[1]);
    expect(sc.state).toBe('running');
    expect(sc.rootPosted).toBe(true);
    expect(sc.digestPosted).toBe(true);
    expect(sc.slackCalls['chat.postMessage']).toBeGreaterThanOrEqual(2);
    // Discovery, the manifest check and CI health read GitHub for each repository at launch; the root and digest do not.
    expect(sc.phases.launch.requests).toBeGreaterThanOrEqual(3 * sc.targets);
    expect(sc.phases.root.requests).toBe(0);
    expect(sc.phases.digest.requests).toBe(0);
    expect(sc.phases.waves.requests).toBeGreaterThanOrEqual(sc.prsOpened);
    // The kernel's high-water mark is at least what the child saw at the end of any phase.
    for (const phase of Object.values(sc.phases)) expect(sc.peakRssMb).toBeGreaterThanOrEqual(phase.rssMb - 0.5);
    expect(sc.peakRssMb).toBeLessThan(300);
  });

  test('bad flags are refused with the flag named', () => {
    expect(BenchFlags.safeParse({ only: 'ack,nope' }).success).toBe(false);
    expect(BenchFlags.safeParse({ seed: '-1' }).success).toBe(false);
    expect(resolveConfig(BenchFlags.parse({ only: 'ack,tick' })).only).toEqual(['ack', 'tick']);
  });
});
