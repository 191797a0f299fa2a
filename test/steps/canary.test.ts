import { describe, expect, it } from 'vitest';
import { CampaignSpec } from '../../src/domain/spec.js';
import { scoreTarget } from '../../src/confidence/score-target.js';
import { FleetError } from '../../src/errors.js';
import type { MetricsProvider, SeriesQuery } from '../../src/metrics/provider.js';
import { createSimulatedProvider } from '../../src/metrics/simulated.js';
import { canaryStep, type CanaryDeps, type CanaryEvidence } from '../../src/steps/canary.js';
import type { StepContext } from '../../src/steps/types.js';
import type { CampaignRecord, TargetRecord } from '../../src/store/store.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MINUTE = 60_000;

function buildSpec(canary: unknown = {
  lookback: '1h',
  step: '1m',
  metrics: [
    { name: 'http_errors', group: 'errors', direction: 'increase' },
    { name: 'latency_p99', group: 'latency', direction: 'increase' },
  ],
}) {
  return CampaignSpec.parse({
    name: 'bump-lodash',
    owner: 'U024BE7LH',
    channel: 'C024BE91L',
    targets: { repos: ['acme/api', 'acme/bad'] },
    change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
    pr: { title: 'Bump lodash' },
    ...(canary ? { canary } : { steps: ['open-pr', 'merge'] }),
  });
}

function buildContext(repo: string, deps: CanaryDeps, now: number, state: Record<string, unknown> = {}, spec = buildSpec()): StepContext<{ duration: number }, CanaryDeps> {
  const campaign = { id: 'c-1', changeKind: 'npm-dependency' } as CampaignRecord;
  const target = { id: 1, campaignId: 'c-1', repo, wave: 0, headSha: 'abc123', branch: 'fleet/bump-lodash', mergedSha: null } as TargetRecord;
  return {
    campaign,
    spec,
    target,
    step: { kind: 'canary', options: {} },
    stepIndex: 3,
    options: { duration: 60 * MINUTE },
    state,
    deps,
    now,
  };
}

/** Deps with one provider, under the name the test spec asks for (the default, prometheus). */
function only(provider: MetricsProvider): CanaryDeps {
  return { metrics: { prometheus: provider } };
}

const simulated = createSimulatedProvider({ seed: 5, truth: (repo) => ({ regresses: repo === 'acme/bad', kind: 'errors' }) });

describe('canaryStep', () => {
  it('waits for the canary duration from its first run, and keeps that start across runs', async () => {
    const first = await canaryStep.run(buildContext('acme/api', only(simulated), T0));
    expect(first).toMatchObject({ kind: 'wait', until: T0 + 60 * MINUTE, data: { startedAt: T0 } });
    // A later run (after a restart) waits for the same moment rather than starting over.
    const again = await canaryStep.run(buildContext('acme/api', only(simulated), T0 + 10 * MINUTE, { startedAt: T0 }));
    expect(again).toMatchObject({ kind: 'wait', until: T0 + 60 * MINUTE });
  });

  it('judges a healthy canary, records the signal and an event', async () => {
    const seen: SeriesQuery[] = [];
    const recording: MetricsProvider = {
      fetchSeries(q) {
        seen.push(q);
        return simulated.fetchSeries(q);
      },
    };
    const result = await canaryStep.run(buildContext('acme/api', only(recording), T0 + 61 * MINUTE, { startedAt: T0 }));
    expect(result.kind).toBe('done');
    // 2 metrics × 2 tracks, over the hour the canary ran, with {{target}} = the head commit.
    expect(seen).toHaveLength(4);
    expect(seen[0]).toMatchObject({ start: T0, end: T0 + 60 * MINUTE, stepMs: MINUTE, target: 'abc123', repo: 'acme/api' });
    const signal = result.patch!.signals!.canary as { value: number; evidence: CanaryEvidence };
    expect(signal.value).toBeGreaterThan(0.75);
    expect(signal.evidence.metrics.map((m) => m.name)).toEqual(['http_errors', 'latency_p99']);
    expect(result.events).toEqual([{ kind: 'canary.judged', data: expect.objectContaining({ repo: 'acme/api', verdict: signal.evidence.verdict }) as unknown }]);
    // The signal is what scoreTarget reads.
    expect(scoreTarget({ canary: signal }).gated).toBe(signal.value <= 0.75);
  });

  it('fails a regressing canary without retry and says why', async () => {
    const result = await canaryStep.run(buildContext('acme/bad', only(simulated), T0 + 61 * MINUTE, { startedAt: T0 }));
    expect(result).toMatchObject({ kind: 'failed', retryable: false });
    expect(result.kind === 'failed' && result.reason).toBe('Canary failed with score 50: http_errors: higher than the baseline.');
    const signal = result.patch!.signals!.canary as { value: number; evidence: CanaryEvidence };
    expect(signal.evidence.verdict).toBe('fail');
    expect(scoreTarget({ canary: signal }).gated).toBe(true);
  });

  it('retries when the metrics provider fails', async () => {
    const down: MetricsProvider = { fetchSeries: () => Promise.reject(new FleetError('metrics_error', 'Prometheus is down.')) };
    const result = await canaryStep.run(buildContext('acme/api', only(down), T0 + 61 * MINUTE, { startedAt: T0 }));
    expect(result).toMatchObject({ kind: 'failed', retryable: true, reason: 'Could not read the canary metrics: Prometheus is down.', data: { startedAt: T0 } });
  });

  it('does not retry a query Prometheus rejects', async () => {
    const wrong: MetricsProvider = { fetchSeries: () => Promise.reject(new FleetError('metrics_error', 'Prometheus rejected the query.', { retryable: false })) };
    const result = await canaryStep.run(buildContext('acme/api', only(wrong), T0 + 61 * MINUTE, { startedAt: T0 }));
    expect(result).toMatchObject({ kind: 'failed', retryable: false });
  });

  it('refuses to run without a canary section', async () => {
    const result = await canaryStep.run(buildContext('acme/api', only(simulated), T0, {}, buildSpec(null)));
    expect(result).toMatchObject({ kind: 'failed', retryable: false });
  });

  it('reads the provider the spec names, even when Prometheus is configured too', async () => {
    const asked: string[] = [];
    const named = (name: string): MetricsProvider => ({
      fetchSeries(q) {
        asked.push(name);
        return simulated.fetchSeries(q);
      },
    });
    const spec = buildSpec({ provider: 'simulated', lookback: '1h', step: '1m', metrics: [{ name: 'http_errors', direction: 'increase' }] });
    const deps: CanaryDeps = { metrics: { prometheus: named('prometheus'), simulated: named('simulated') } };
    const result = await canaryStep.run(buildContext('acme/api', deps, T0 + 61 * MINUTE, { startedAt: T0 }, spec));
    expect(result.kind).toBe('done');
    expect(asked).toEqual(['simulated', 'simulated']);
  });

  it('asks a person at once when the provider the spec names is not configured', async () => {
    // A sandbox-style Fleet (simulated only) and a spec that asks for Prometheus: never the simulated numbers.
    const result = await canaryStep.run(buildContext('acme/api', { metrics: { simulated } }, T0));
    expect(result).toEqual({
      kind: 'needs-human',
      reason: 'The campaign\'s canary.provider is "prometheus", which this Fleet has not configured: set PROMETHEUS_URL and restart Fleet, or change canary.provider in the campaign spec, then retry.',
    });
    const spec = buildSpec({ provider: 'simulated', metrics: [{ name: 'http_errors', direction: 'increase' }] });
    const other = await canaryStep.run(buildContext('acme/api', only(simulated), T0 + 61 * MINUTE, { startedAt: T0 }, spec));
    expect(other).toMatchObject({ kind: 'needs-human', reason: expect.stringContaining('change canary.provider to prometheus') as unknown });
  });
});
