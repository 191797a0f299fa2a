import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runTick, type TickLimits } from '../../src/engine/tick.js';
import { gateStep } from '../../src/steps/gate.js';
import { createStepRegistry, type RegisteredStep } from '../../src/steps/registry.js';
import type { StepResult } from '../../src/steps/types.js';
import type { Store } from '../../src/store/store.js';
import { createFixedConfidence, makeSpec, openTempStore, renderRow, seedCampaign, type TempStore } from './helpers.js';

/** The canary wave's deployments in the thread: one line per target of wave 0, nothing for later waves. */

const LIMITS: TickLimits = { maxTargets: 100, concurrency: 2, stepTimeoutMs: 5_000, backoffBaseMs: 1_000 };
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

function registry() {
  const step = (kind: 'open-pr' | 'merge', run: (repo: string) => StepResult): RegisteredStep<{ store: Store }> => ({ kind, run: (ctx) => Promise.resolve(run(ctx.target.repo)) });
  return createStepRegistry<{ store: Store }>([
    step('open-pr', (repo) => {
      const base = { repo, environment: 'canary', sha: SHA, deploymentId: 41 };
      if (repo === 'acme/broken') {
        return { kind: 'failed', retryable: false, reason: 'The deployment of abcdef0 to canary failed: CrashLoopBackOff', events: [{ kind: 'deploy.failed', data: { ...base, description: 'the canary pod crash-looped: CrashLoopBackOff', logUrl: 'https://cd.example/runs/9' } }] };
      }
      return { kind: 'done', patch: { prNumber: 1, prUrl: `https://github.example/${repo}/pull/1`, headSha: SHA }, events: [{ kind: 'deploy.succeeded', data: { ...base, environmentUrl: `https://canary.${repo.split('/')[1]}.example/` } }] };
    }),
    gateStep,
    step('merge', () => ({ kind: 'done' })),
  ]);
}

describe('deployment notices', () => {
  let t: TempStore;
  let clock = 10_000;
  beforeEach(() => {
    t = openTempStore();
    clock = 10_000;
  });
  afterEach(() => t.close());

  test("the canary wave's deployments and failures are one line each in the thread; later waves keep quiet", async () => {
    const spec = makeSpec({ targets: { repos: ['acme/a', 'acme/broken', 'acme/b', 'acme/c'] }, waves: [2, '100%'], policy: { failureBudget: 1 } });
    const id = seedCampaign(t.store, { spec, waves: [['acme/a', 'acme/broken'], ['acme/b', 'acme/c']] });
    const reg = registry();
    for (let i = 0; i < 12; i++) {
      await runTick({ store: t.store, registry: reg, deps: { store: t.store }, now: () => clock, limits: LIMITS, confidence: createFixedConfidence('auto').model });
      clock += 1_000;
    }
    // Wave 1 ran too: its deployments are in the events, not in the thread.
    expect(t.store.targets.findByRepo(id, 'acme/c')?.prNumber).toBe(1);
    const notices = t.store.outbox.list({ campaignId: id }).filter((m) => m.record?.kind === 'deployment');
    expect(notices.map((m) => m.record)).toEqual([
      expect.objectContaining({ repo: 'acme/a', outcome: 'succeeded', environment: 'canary', environmentUrl: 'https://canary.a.example/', wave: 0 }),
      expect.objectContaining({ repo: 'acme/broken', outcome: 'failed', description: 'the canary pod crash-looped: CrashLoopBackOff', logUrl: 'https://cd.example/runs/9' }),
    ]);
    const [deployed, failed] = notices.map((m) => renderRow(t.store, m));
    expect(deployed.text).toBe('Deployed abcdef0 of acme/a to canary: https://canary.a.example/');
    expect(JSON.stringify(deployed.blocks)).toContain('<https://canary.a.example/|https://canary.a.example/>');
    expect(failed.text).toBe('The deployment of abcdef0 of acme/broken to canary failed: the canary pod crash-looped: CrashLoopBackOff (log: https://cd.example/runs/9)');
    expect(notices.every((m) => m.threadOf === 'root')).toBe(true);
  });
});
