import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPrStep } from '../../src/steps/open-pr.js';
import { awaitChecksStep } from '../../src/steps/await-checks.js';
import { mergeStep } from '../../src/steps/merge.js';
import type { StepResult } from '../../src/steps/types.js';
import type { TargetRecord } from '../../src/store/store.js';
import { startHarness, type Harness } from '../github/harness.js';
import { applyResult, makeContext, makeSpec, makeTarget } from './context.js';

/**
 * Measures what one target costs GitHub on open-pr → await-checks → merge: every request, those
 * counted against the primary limit (304s are free), and content-creating writes per PR. With
 * webhooks the engine re-runs await-checks when CI reports; without, it polls every 2 minutes
 * through a 10-minute CI run. Figures are printed and bounded so a regression fails the test.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ fake: { secondaryPerMinute: 100_000 }, octokit: { pacing: { perMinute: 100_000, perHour: 100_000 } } });
});
afterAll(async () => {
  await h.close();
});

const spec = makeSpec({ pr: { title: 'Bump lodash', labels: ['fleet'] } });
const CI_MS = 10 * 60_000;
const POLL_MS = 2 * 60_000;
let n = 0;

async function runStep(kind: 'open-pr' | 'await-checks' | 'merge', target: TargetRecord, state: Record<string, unknown> = {}): Promise<StepResult> {
  const step = { 'open-pr': openPrStep, 'await-checks': awaitChecksStep, merge: mergeStep }[kind];
  const ctx = makeContext({ kind, spec, target, deps: { github: h.github }, now: h.now(), state });
  return (step.run)(ctx);
}

async function oneTarget(mode: 'webhooks' | 'polling') {
  const name = `svc${++n}`;
  h.fake.state.seedRepo({
    owner: 'acme',
    name,
    files: { 'package.json': '{\n  "dependencies": {\n    "lodash": "^4.17.15"\n  }\n}\n', '.github/CODEOWNERS': '* @acme/platform\n' },
    protection: { requiredChecks: ['ci/test'], requiredApprovals: 0 },
    ci: { checks: ['ci/test'], outcome: 'pass', durationMs: CI_MS },
  });
  const mark = h.fake.requestLog.length;
  let target = makeTarget(`acme/${name}`);
  target = applyResult(target, await runStep('open-pr', target));
  const afterOpen = h.fake.requestLog.length;
  let state: Record<string, unknown> = {};
  let result = await runStep('await-checks', target);
  while (result.kind === 'wait') {
    state = result.data ?? state;
    // With webhooks the next run comes when CI reports; without, at the next poll.
    h.fake.state.advance(mode === 'webhooks' ? CI_MS : POLL_MS);
    result = await runStep('await-checks', target, state);
  }
  expect(result.kind).toBe('done');
  target = applyResult(target, result);
  expect((await runStep('merge', target)).kind).toBe('done');
  const log = h.fake.requestLog.slice(mark);
  const opening = h.fake.requestLog.slice(mark, afterOpen);
  return {
    total: log.length,
    counted: log.filter((r) => r.status !== 304).length,
    free304: log.filter((r) => r.status === 304).length,
    writes: log.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.route}`),
    openWrites: opening.filter((r) => r.method !== 'GET').length,
  };
}

describe('GitHub requests per target', () => {
  test('open-pr → await-checks → merge, with webhooks and with polling only', async () => {
    // The first target warms the conditional-request cache; the figures are for the next ones.
    await oneTarget('webhooks');
    const webhooks = await oneTarget('webhooks');
    const polling = await oneTarget('polling');
    console.log(`[request-budget] webhooks: ${JSON.stringify({ ...webhooks, writes: undefined })}`);
    console.log(`[request-budget] polling:  ${JSON.stringify({ ...polling, writes: undefined })}`);
    console.log(`[request-budget] writes per PR: ${webhooks.writes.join(', ')}`);
    expect(webhooks.writes).toEqual([
      'POST /repos/{owner}/{repo}/git/trees',
      'POST /repos/{owner}/{repo}/git/commits',
      'POST /repos/{owner}/{repo}/git/refs',
      'POST /repos/{owner}/{repo}/pulls',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
      // No review request: GitHub asks the code owners of a ready PR itself.
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
      'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
    ]);
    expect(webhooks.total).toBeLessThan(polling.total);
    expect(webhooks.counted).toBeLessThanOrEqual(30);
  });
});
