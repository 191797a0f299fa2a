import { describe, expect, it } from 'vitest';
import { CampaignSpec } from '../../src/domain/spec.js';
import type { MetricsProvider } from '../../src/metrics/provider.js';
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

function buildContext(
  repo: string,
  now: number,
  state: Record<string, unknown>,
  withCanary = true,
  options: { confirm?: boolean; metrics?: MetricsProvider } = {},
): StepContext<{ duration: number; environment: string; confirm: boolean }, CanaryDeps> {
  const metrics = options.metrics ?? createSimulatedProvider({ seed: 9, truth: (r) => ({ regresses: r === 'acme/bad', kind: 'latency' }) });
  return {
    campaign: { id: 'c-1' } as CampaignRecord,
    spec: buildSpec(withCanary),
    target: { id: 2, repo, wave: 1, headSha: 'abc', branch: 'b', mergedSha: 'def456' } as TargetRecord,
    step: { kind: 'bake', options: {} },
    stepIndex: 6,
    options: { duration: 60 * MINUTE, environment: 'production', confirm: options.confirm ?? true },
    state,
    deps: { metrics: { prometheus: metrics } },
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

  it('confirms a failure on a second window, then fails with a rollback offer when the merged code regresses', async () => {
    const first = await bakeStep.run(buildContext('acme/bad', T0 + 60 * MINUTE, { startedAt: T0 }));
    expect(first).toMatchObject({ kind: 'wait', until: T0 + 120 * MINUTE, data: { startedAt: T0, firstFailure: { score: 0, confirmFrom: T0 + 60 * MINUTE } } });
    expect(first.events?.[0]).toMatchObject({ kind: 'bake.judged', data: { verdict: 'fail' } });
    const state = (first as { data: Record<string, unknown> }).data;
    // Run early (a webhook woke it): it keeps waiting for the second window.
    expect(await bakeStep.run(buildContext('acme/bad', T0 + 90 * MINUTE, state))).toMatchObject({ kind: 'wait', until: T0 + 120 * MINUTE });
    const second = await bakeStep.run(buildContext('acme/bad', T0 + 120 * MINUTE, state));
    expect(second).toMatchObject({ kind: 'failed', retryable: false, data: { rollback: true, verdict: 'fail' } });
    expect(second.kind === 'failed' && second.reason).toBe('The merged change failed its bake twice (scores 0 and 0): latency_p99: higher than the baseline (critical). Revert the wave.');
    expect(second.events?.[0]).toMatchObject({ kind: 'bake.judged', data: { confirming: true } });
  });

  it('lets a chance failure go when the second window passes, and says so', async () => {
    // The canary track is 50% slower in the first hour after T0 only.
    const metrics: MetricsProvider = {
      fetchSeries: (q) => {
        const points = Math.floor((q.end - q.start) / q.stepMs) + 1;
        const slow = q.track === 'canary' && q.start < T0 + 60 * MINUTE ? 1.5 : 1;
        return Promise.resolve(Array.from({ length: points }, (_, i) => (100 + ((i * 7) % 11)) * slow));
      },
    };
    const first = await bakeStep.run(buildContext('acme/api', T0 + 60 * MINUTE, { startedAt: T0 }, true, { metrics }));
    expect(first).toMatchObject({ kind: 'wait', data: { firstFailure: { score: 0 } } });
    const second = await bakeStep.run(buildContext('acme/api', T0 + 120 * MINUTE, (first as { data: Record<string, unknown> }).data, true, { metrics }));
    expect(second).toMatchObject({ kind: 'done', data: { verdict: 'pass', judged: true, firstFailure: { score: 0 } } });
    expect((second as { data: Record<string, unknown> }).data.note).toMatch(/^A first bake window failed \(score 0: .*\); the second passed, so it was judged a chance failure\.$/);
  });

  it('fails at once with confirm: false', async () => {
    const result = await bakeStep.run(buildContext('acme/bad', T0 + 60 * MINUTE, { startedAt: T0 }, true, { confirm: false }));
    expect(result).toMatchObject({ kind: 'failed', data: { rollback: true } });
    expect(result.kind === 'failed' && result.reason).toMatch(/failed its bake with score 0:/);
  });

  it('only waits when the campaign has no canary metrics', async () => {
    const result = await bakeStep.run(buildContext('acme/bad', T0 + 60 * MINUTE, { startedAt: T0 }, false));
    expect(result).toMatchObject({ kind: 'done', data: { judged: false } });
  });

  it('asks a person before baking when the provider the spec names is not configured', async () => {
    const context = buildContext('acme/api', T0, {});
    const result = await bakeStep.run({ ...context, deps: { metrics: { simulated: context.deps.metrics.prometheus! } } });
    expect(result).toMatchObject({ kind: 'needs-human', reason: expect.stringMatching(/canary\.provider is "prometheus".*set PROMETHEUS_URL/) as unknown });
  });

  it('needs no provider when the campaign has no canary metrics', async () => {
    const context = buildContext('acme/api', T0 + 60 * MINUTE, { startedAt: T0 }, false);
    expect(await bakeStep.run({ ...context, deps: { metrics: {} } })).toMatchObject({ kind: 'done', data: { judged: false } });
  });
});
