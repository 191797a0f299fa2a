import { describe, expect, it } from 'vitest';
import { judgeCanary, type JudgeInput } from '../../src/confidence/judge.js';
import type { CanaryMetricConfig, DeployedVersion, DeploymentHistory, SeriesQuery, Track } from '../../src/metrics/provider.js';
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

describe('createSimulatedProvider with a deployment history', () => {
  const T0 = 1_700_000_000_000;
  const MIN = 60_000;
  const versions: DeployedVersion[] = [
    // Production ran p1 until the hour's 40th minute, then the merge commit m1 (which carries the change).
    { repo: 'acme/api', environment: 'production', sha: 'p1', deployment: 1, from: T0 - 3_600_000, to: T0 + 40 * MIN, carriesChange: false },
    { repo: 'acme/api', environment: 'production', sha: 'm1', deployment: 3, from: T0 + 40 * MIN, to: null, carriesChange: true },
    // The canary c1 came up ten minutes in and was taken down at the 30th.
    { repo: 'acme/api', environment: 'canary', sha: 'c1', deployment: 2, from: T0 + 10 * MIN, to: T0 + 30 * MIN, carriesChange: true },
  ];
  const history: DeploymentHistory = { versions: (repo, environment) => versions.filter((v) => v.repo === repo && v.environment === environment) };
  const hour = { baselineSha: 'p1', deployment: null, start: T0, end: T0 + 59 * MIN, stepMs: MIN };
  const query = (overrides: Partial<SeriesQuery>): SeriesQuery => ({ ...hour, metric: METRICS[1], target: 'c1', repo: 'acme/api', track: 'canary', sha: 'c1', environment: 'canary', ...overrides });
  const present = (values: number[]) => values.map((v, i) => (Number.isNaN(v) ? -1 : i)).filter((i) => i >= 0);

  it('has points only where the queried sha ran in the queried environment', async () => {
    const sim = createSimulatedProvider({ seed: 5, truth: () => ({ regresses: false }), deployments: history });
    const canary = await sim.fetchSeries(query({}));
    expect(canary).toHaveLength(60);
    expect(present(canary)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    const production = await sim.fetchSeries(query({ track: 'baseline', sha: 'p1', environment: 'production' }));
    expect(present(production)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Any version in the environment when the query names no sha.
    expect(present(await sim.fetchSeries(query({ sha: null, environment: 'production' })))).toHaveLength(60);
    // A sha that never ran there, or an environment nothing ran in: no series at all.
    expect(await sim.fetchSeries(query({ sha: 'p1' }))).toEqual([]);
    expect(await sim.fetchSeries(query({ environment: 'staging' }))).toEqual([]);
    expect(await sim.fetchSeries(query({ repo: 'acme/other' }))).toEqual([]);
  });

  it('keeps the points of a window the same whether or not some of them are gaps', async () => {
    const aware = createSimulatedProvider({ seed: 5, truth: () => ({ regresses: false }), deployments: history });
    const plain = createSimulatedProvider({ seed: 5, truth: () => ({ regresses: false }) });
    const gappy = await aware.fetchSeries(query({}));
    const full = await plain.fetchSeries(query({}));
    for (const i of present(gappy)) expect(gappy[i]).toBe(full[i]);
    // A query that names no environment is not deployment-aware: today's series.
    expect(await aware.fetchSeries(query({ environment: null }))).toEqual(full);
  });

  it('shows the regression on the versions that carry the change, on either track, with independent noise per track', async () => {
    const sim = createSimulatedProvider({ seed: 5, truth: () => ({ regresses: true, kind: 'latency' }), deployments: history });
    const median = (values: number[]) => {
      const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)];
    };
    const canary = await sim.fetchSeries(query({ start: T0 + 10 * MIN, end: T0 + 29 * MIN }));
    const production = await sim.fetchSeries(query({ track: 'baseline', sha: 'p1', environment: 'production', start: T0 + 10 * MIN, end: T0 + 29 * MIN }));
    expect(median(canary) / median(production)).toBeGreaterThan(1.2);
    // The bake's comparison: production's new version against the one it replaced.
    const merged = await sim.fetchSeries(query({ sha: 'm1', environment: 'production', start: T0 + 40 * MIN, end: T0 + 59 * MIN }));
    const before = await sim.fetchSeries(query({ track: 'baseline', sha: 'p1', environment: 'production', start: T0 + 20 * MIN, end: T0 + 39 * MIN }));
    expect(median(merged) / median(before)).toBeGreaterThan(1.2);
    // Queried as the baseline, a version with the change is as slow: the truth is the version's.
    const asBaseline = await sim.fetchSeries(query({ track: 'baseline', start: T0 + 10 * MIN, end: T0 + 29 * MIN }));
    expect(median(asBaseline) / median(production)).toBeGreaterThan(1.2);
    expect(asBaseline).not.toEqual(canary);
  });

  it('lets the judge fail a deployed regression and pass a deployed healthy canary against production', async () => {
    const judge = async (regresses: boolean) => {
      const sim = createSimulatedProvider({ seed: 9, truth: () => ({ regresses, kind: 'errors' }), deployments: history });
      const metrics: JudgeInput['metrics'] = [];
      for (const m of METRICS) {
        const window = { metric: m, start: T0 + 10 * MIN, end: T0 + 29 * MIN, stepMs: 10_000 };
        metrics.push({
          name: m.name,
          group: m.group,
          direction: m.direction,
          critical: false,
          canary: await sim.fetchSeries(query({ ...window })),
          baseline: await sim.fetchSeries(query({ ...window, track: 'baseline', sha: 'p1', environment: 'production' })),
        });
      }
      return judgeCanary({ metrics, thresholds: { pass: 95, marginal: 75 } }).verdict;
    };
    expect(await judge(true)).toBe('fail');
    expect(await judge(false)).toBe('pass');
  });
});

describe('createSimulatedProvider with correlated latency', () => {
  // On ranks, so the rare latency spikes do not swamp the correlation of the noise.
  const lagOne = (values: number[]) => {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const logs = new Array<number>(values.length);
    order.forEach(([, i], rank) => (logs[i] = rank));
    const mean = logs.reduce((s, v) => s + v, 0) / logs.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < logs.length; i++) {
      den += (logs[i] - mean) ** 2;
      if (i > 0) num += (logs[i] - mean) * (logs[i - 1] - mean);
    }
    return num / den;
  };
  const q = { ...WINDOW, end: WINDOW.start + 599 * 60_000, metric: METRICS[1], target: 't', repo: 'acme/api', track: 'canary' as Track };

  it('draws AR(1) latency noise with the lag-one correlation asked for, independent points by default', async () => {
    const independent = await createSimulatedProvider({ seed: 2, truth: () => ({ regresses: false }) }).fetchSeries(q);
    const half = await createSimulatedProvider({ seed: 2, truth: () => ({ regresses: false }), latencyCorrelation: 0.5 }).fetchSeries(q);
    const strong = await createSimulatedProvider({ seed: 2, truth: () => ({ regresses: false }), latencyCorrelation: 0.9 }).fetchSeries(q);
    expect(Math.abs(lagOne(independent))).toBeLessThan(0.15);
    expect(lagOne(half)).toBeGreaterThan(0.35);
    expect(lagOne(half)).toBeLessThan(0.65);
    expect(lagOne(strong)).toBeGreaterThan(0.75);
  });

  it('refuses a correlation outside [0, 1)', () => {
    expect(() => createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }), latencyCorrelation: 1 })).toThrow(/latencyCorrelation must be in \[0, 1\), not 1/);
    expect(() => createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }), latencyCorrelation: -0.2 })).toThrow(RangeError);
  });
});
