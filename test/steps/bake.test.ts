import { describe, expect, it } from 'vitest';
import { CampaignSpec } from '../../src/campaigns/spec.js';
import { createSimulatedProvider } from '../../src/metrics/simulated.js';
import { bakeStep } from '../../src/steps/bake.js';
import type { CanaryDeps } from '../../src/steps/canary.js';
import type { StepContext } from '../../src/steps/types.js';
import type { CampaignRecord, TargetRecord } from '../../src/store/store.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MINUTE = 60_000;

function buildSpec(withCanary: boolean) {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U024BE7LH',
    channel: 'C024BE91L',
    targets: { repos: ['acme/api'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'Bump lodash' },
    steps: withCanary ? ['open-pr', 'canary', 'merge', 'bake'] : ['open-pr', 'merge', 'bake'],
    ...(withCanary ? { canary: { lookback: '1h', step: '1m', metrics: [{ name: 'latency_p99', direction: 'increase', critical: true }] } } : {}),
  });
}

function buildContext(repo: string, now: number, state: Record<string, unknown>, withCanary = true): StepContext<{ duration: number }, CanaryDeps> {
  const metrics = createSimulatedProvider({ seed: 9, truth: (r) => ({ regresses: r === 'acme/bad', kind: 'latency' }) });
  return {
    campaign: { id: 'c-1' } as CampaignRecord,
    spec: buildSpec(withCanary),
    target: { id: 2, repo, wave: 1, headSha: 'abc', branch: 'b', mergedSha: 'def456' } as TargetRecord,
    step: { kind: 'bake', options: {} },
    stepIndex: 6,
    options: { duration: 60 * MINUTE },
    state,
    deps: { metrics },
    now,
  };
}

describe('bakeStep', () => {
  it('waits for the bake duration first', async () => {
    expect(await bakeStep.run(buildContext('acme/api', T0, {}))).toMatchObject({ kind: 'wait', until: T0 + 60 * MINUTE, data: { startedAt: T0 } });
  });

  it('is done when the merged code holds up', async () => {
    const result = await bakeStep.run(buildContext('acme/api', T0 + 60 * MINUTE, { startedAt: T0 }));
    expect(result).toMatchObject({ kind: 'done', data: { judged: true, verdict: 'pass' } });
    expect(result.events?.[0]).toMatchObject({ kind: 'bake.judged', data: { subject: 'def456' } });
  });

  it('fails with a rollback offer when the merged code regresses', async () => {
    const result = await bakeStep.run(buildContext('acme/bad', T0 + 60 * MINUTE, { startedAt: T0 }));
    expect(result).toMatchObject({ kind: 'failed', retryable: false, data: { rollback: true, verdict: 'fail' } });
    expect(result.kind === 'failed' && result.reason).toMatch(/Critical metric latency_p99 \(High\) failed.*Revert the wave\.$/);
  });

  it('only waits when the campaign has no canary metrics', async () => {
    const result = await bakeStep.run(buildContext('acme/bad', T0 + 60 * MINUTE, { startedAt: T0 }, false));
    expect(result).toMatchObject({ kind: 'done', data: { judged: false } });
  });
});
