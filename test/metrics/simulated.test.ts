import { describe, expect, it } from 'vitest';
import { judgeCanary, type JudgeInput } from '../../src/confidence/judge.js';
import type { CanaryMetricConfig, Track } from '../../src/metrics/provider.js';
import { createSimulatedProvider, type RegressionKind } from '../../src/metrics/simulated.js';

function metric(name: string, direction: CanaryMetricConfig['direction']): CanaryMetricConfig {
  return { name, group: name, direction, critical: false, effectSize: 0.1, mustHaveData: false };
}

const METRICS = [metric('http_errors', 'increase'), metric('latency_p99', 'increase'), metric('throughput', 'decrease')];
const WINDOW = { sha: null, baselineSha: null, environment: null, deployment: null, start: 1_700_000_000_000, end: 1_700_000_000_000 + 59 * 60_000, stepMs: 60_000 };

describe('createSimulatedProvider', () => {
  it('is deterministic and sized by the window', async () => {
    const make = () => createSimulatedProvider({ seed: 3, truth: () => ({ regresses: false }) });
    const q = { ...WINDOW, metric: METRICS[1], target: 't', repo: 'acme/api', track: 'canary' as Track };
    const a = await make().fetchSeries(q);
    expect(a).toHaveLength(60);
    expect(await make().fetchSeries(q)).toEqual(a);
    expect(await createSimulatedProvider({ seed: 4, truth: () => ({ regresses: false }) }).fetchSeries(q)).not.toEqual(a);
  });

  it('makes error metrics sparse counts', async () => {
    const sim = createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }) });
    const values = await sim.fetchSeries({ ...WINDOW, metric: METRICS[0], target: 't', repo: 'acme/api', track: 'baseline' });
    expect(values.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    expect(values.filter((v) => v === 0).length).toBeGreaterThan(45);
  });

  it('shows what the reference judge misses on the same fleet', async () => {
    const kinds: RegressionKind[] = ['errors', 'latency', 'variance'];
    const truth = (repo: string) => {
      const i = Number(repo.split('-')[1]);
      return i % 4 === 0 ? { regresses: true, kind: kinds[(i / 4) % 3] } : { regresses: false };
    };
    const sim = createSimulatedProvider({ seed: 11, truth });
    const caught: Record<string, number> = { errors: 0, latency: 0, variance: 0 };
    for (let i = 0; i < 24; i += 4) {
      const repo = `acme/svc-${i}`;
      const metrics: JudgeInput['metrics'] = [];
      for (const m of METRICS) {
        const fetch = (track: Track) => sim.fetchSeries({ ...WINDOW, metric: m, target: repo, repo, track });
        metrics.push({ name: m.name, group: m.group, direction: m.direction, critical: false, canary: await fetch('canary'), baseline: await fetch('baseline') });
      }
      const judge = (mode: 'fleet' | 'reference') => judgeCanary({ metrics, thresholds: { pass: 95, marginal: 75 }, mode }).verdict;
      expect(judge('fleet')).toBe('fail');
      if (judge('reference') === 'fail') caught[truth(repo).kind!]++;
    }
    // Two repositories of each kind: a rank test on location sees both slower latencies, only one of
    // the two error regressions, and neither wider spread.
    expect(caught).toEqual({ errors: 1, latency: 2, variance: 0 });
  });

  it('lets the judge tell regressing repositories from healthy ones', async () => {
    const kinds: RegressionKind[] = ['errors', 'latency', 'variance'];
    const truth = (repo: string) => {
      const i = Number(repo.split('-')[1]);
      return i % 4 === 0 ? { regresses: true, kind: kinds[(i / 4) % 3] } : { regresses: false };
    };
    const sim = createSimulatedProvider({ seed: 11, truth });
    let caught = 0;
    let missed = 0;
    let falseAlarms = 0;
    for (let i = 0; i < 24; i++) {
      const repo = `acme/svc-${i}`;
      const metrics: JudgeInput['metrics'] = [];
      for (const m of METRICS) {
        const fetch = (track: Track) => sim.fetchSeries({ ...WINDOW, metric: m, target: repo, repo, track });
        metrics.push({ name: m.name, group: m.group, direction: m.direction, critical: false, canary: await fetch('canary'), baseline: await fetch('baseline') });
      }
      const verdict = judgeCanary({ metrics, thresholds: { pass: 95, marginal: 75 } }).verdict;
      const bad = truth(repo).regresses;
      if (bad && verdict === 'fail') caught++;
      if (bad && verdict !== 'fail') missed++;
      if (!bad && verdict === 'fail') falseAlarms++;
    }
    // 6 regressing repositories (2 of each kind), 18 healthy ones.
    expect(caught).toBe(6);
    expect(missed).toBe(0);
    expect(falseAlarms).toBeLessThanOrEqual(1);
  });
});
