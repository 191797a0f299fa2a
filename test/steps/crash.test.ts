import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { mergeStep } from '../../src/steps/merge.js';
import { revertStep } from '../../src/steps/revert.js';
import { closeStep } from '../../src/steps/close.js';
import type { Step, StepResult } from '../../src/steps/types.js';
import type { GitHubStepDeps } from '../../src/github/gateway.js';
import type { TargetRecord } from '../../src/store/store.js';
import { startHarness, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget } from './context.js';

/**
 * Crash at every await point: the Nth HTTP request reaches GitHub (the fake applies it) but the
 * process dies before it sees the answer. Re-running the step with a healthy client must finish
 * the job without a second branch, PR, review request, label or merge.
 */
let h: Harness;
beforeAll(async () => {
  // The clock is frozen, so every write lands in the same minute: lift both limits for this test.
  h = await startHarness({ fake: { secondaryPerMinute: 100_000 }, octokit: { pacing: { perMinute: 100_000, perHour: 100_000 } } });
});
afterAll(async () => {
  await h.close();
});

const spec = makeSpec();
const PACKAGE_JSON = '{\n  "dependencies": {\n    "lodash": "^4.17.15"\n  }\n}\n';
let repoCount = 0;

function seed(): string {
  const name = `r${++repoCount}`;
  h.fake.state.seedRepo({
    owner: 'acme',
    name,
    files: { 'package.json': PACKAGE_JSON, CODEOWNERS: '* @acme/platform @alice\n' },
    ci: { checks: ['ci/test'], outcome: 'pass', durationMs: 0 },
  });
  return `acme/${name}`;
}

/** A gateway whose HTTP dies right after the `crashAt`-th request was delivered. */
function crashingGateway(crashAt: number): { github: GitHubStepDeps['github']; crashed: () => boolean } {
  let requests = 0;
  let crashed = false;
  const { github } = h.client({
    retry: { retries: 0, baseMs: 1 },
    fetch: async (input, init) => {
      if (crashed) throw new Error('the process is gone');
      const response = await fetch(input, init);
      if (++requests === crashAt) {
        crashed = true;
        throw new Error('crash after the request was delivered');
      }
      return response;
    },
  });
  return { github, crashed: () => crashed };
}

async function runWith(step: Step<never, GitHubStepDeps>, kind: 'open-pr' | 'merge' | 'revert' | 'close', target: TargetRecord, github: GitHubStepDeps['github'], with_ = spec): Promise<StepResult> {
  return step.run(makeContext({ kind, spec: with_, target, deps: { github }, now: h.now() }));
}

function writesSince(mark: number, route: string, status?: number): number {
  return h.fake.requestLog.slice(mark).filter((r) => `${r.method} ${r.route}` === route && (status === undefined || r.status === status)).length;
}

async function crashEverywhere(kind: 'open-pr' | 'merge' | 'revert' | 'close', step: Step<never, GitHubStepDeps>, prepare: (repo: string) => Promise<TargetRecord>, check: (repo: string, target: TargetRecord, mark: number, result: StepResult) => void, with_ = spec): Promise<number> {
  let points = 0;
  for (let crashAt = 1; crashAt < 60; crashAt++) {
    const repo = seed();
    const target = await prepare(repo);
    const mark = h.fake.requestLog.length;
    const crashing = crashingGateway(crashAt);
    const first = await runWith(step, kind, target, crashing.github, with_).catch(() => undefined);
    if (!crashing.crashed()) {
      // The step needed fewer requests than crashAt: every await point has been crashed at.
      expect(first?.kind).toBe('done');
      return points;
    }
    points++;
    const rerun = await runWith(step, kind, target, h.github, with_);
    expect(rerun.kind).toBe('done');
    check(repo, applyResult(target, rerun), mark, rerun);
  }
  throw new Error('the step never finished');
}

function pullsOf(repo: string) {
  return h.fake.state.listPulls().filter((p) => p.repo === repo);
}

async function openedTarget(repo: string): Promise<TargetRecord> {
  const result = await openPrStep.run(makeContext({ kind: 'open-pr', spec, target: makeTarget(repo), deps: { github: h.github }, now: h.now() }));
  return applyResult(makeTarget(repo), result);
}

describe('crash at every await point, then run again', () => {
  test('open-pr: one branch, one PR, labels once, the code owners asked by GitHub', async () => {
    const points = await crashEverywhere('open-pr', openPrStep, async (repo) => makeTarget(repo), (repo, target, mark) => {
      expect(pullsOf(repo)).toHaveLength(1);
      expect(pullsOf(repo)[0].labels).toEqual(['fleet', 'dependencies']);
      expect(pullsOf(repo)[0]).toMatchObject({ requestedReviewers: ['alice'], requestedTeams: ['platform'] });
      expect(target.prNumber).toBe(pullsOf(repo)[0].number);
      expect(writesSince(mark, 'POST /repos/{owner}/{repo}/pulls', 201)).toBe(1);
      expect(writesSince(mark, 'POST /repos/{owner}/{repo}/git/refs', 201)).toBe(1);
      expect(writesSince(mark, 'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers')).toBe(0);
      expect(writesSince(mark, 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels')).toBe(1);
    });
    expect(points).toBeGreaterThan(8);
    // Each crash point is a full open-pr run against the fake: about twenty of them, so more than
    // the default 30 s on a busy 2-core machine with another worker beside it.
  }, 120_000);

  test('open-pr of a draft: one PR, one review request (GitHub asks a draft\'s owners only once it is ready)', async () => {
    const draft = makeSpec({ pr: { title: 'Bump lodash in {{repo}}', body: 'Body', draft: true } });
    const points = await crashEverywhere(
      'open-pr',
      openPrStep,
      async (repo) => makeTarget(repo),
      (repo, _target, mark) => {
        expect(pullsOf(repo)).toHaveLength(1);
        expect(pullsOf(repo)[0]).toMatchObject({ draft: true, requestedReviewers: ['alice'], requestedTeams: ['platform'] });
        expect(writesSince(mark, 'POST /repos/{owner}/{repo}/pulls', 201)).toBe(1);
        expect(writesSince(mark, 'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers')).toBe(1);
      },
      draft,
    );
    expect(points).toBeGreaterThan(8);
  }, 120_000);

  test('merge: merged once, branch gone', async () => {
    const points = await crashEverywhere('merge', mergeStep, openedTarget, (repo, target, mark) => {
      expect(pullsOf(repo)[0]).toMatchObject({ merged: true });
      expect(target.mergedSha).toMatch(/^[0-9a-f]{40}$/);
      expect(writesSince(mark, 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', 200)).toBe(1);
    });
    expect(points).toBeGreaterThan(2);
  });

  test('revert: one revert PR', async () => {
    const merged = async (repo: string) => {
      const target = await openedTarget(repo);
      const result = await mergeStep.run(makeContext({ kind: 'merge', spec, target, deps: { github: h.github }, now: h.now() }));
      return applyResult(target, result);
    };
    const points = await crashEverywhere('revert', revertStep, merged, (repo, _target, mark, result) => {
      expect(pullsOf(repo)).toHaveLength(2);
      expect(result).toMatchObject({ data: { revertPr: 2 } });
      expect(writesSince(mark, 'POST /repos/{owner}/{repo}/pulls', 201)).toBe(1);
    });
    expect(points).toBeGreaterThan(4);
  });

  test('close: closed once', async () => {
    const points = await crashEverywhere('close', closeStep, openedTarget, (repo, _target, mark) => {
      expect(pullsOf(repo)[0]).toMatchObject({ state: 'closed', merged: false });
      expect(writesSince(mark, 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}', 200)).toBe(1);
      // The comment saying why is posted once, whichever request the crash interrupted.
      expect(writesSince(mark, 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', 201)).toBe(1);
    });
    expect(points).toBeGreaterThan(1);
  });
});
