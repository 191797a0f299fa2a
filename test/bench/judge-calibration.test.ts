import { describe, expect, it } from 'vitest';
import { formatCalibration, generateTrack, measureJudgeCalibration } from '../../src/bench/judge-calibration.js';
import { createRandom } from '../../src/metrics/random.js';

describe('the judge calibration (quick configuration)', () => {
  const report = measureJudgeCalibration({ seed: 7, runs: 12, rhos: [0, 0.9], points: [30], metrics: ['latency', 'error-counts'] });

  it('has one healthy and one regression cell per metric, ρ and length, each tallying every canary', () => {
    expect(report.cells).toHaveLength(2 * 2 * 1 * 2);
    for (const cell of report.cells) {
      expect(cell.runs).toBe(12);
      for (const t of [cell.fleet, cell.kayenta]) {
        expect(t.fail + t.marginal).toBeLessThanOrEqual(12);
        expect(t.failRate).toBeCloseTo(t.fail / 12, 12);
      }
    }
    expect(new Set(report.cells.map((c) => `${c.metric}|${c.rho}|${c.points}|${c.scenario}`)).size).toBe(8);
    expect(report.aims.falseAlarmsAtRho05).toBeNull();
    expect(report.aims.independent).not.toBeNull();
  });

  it('is reproducible from its seed and changes with it', () => {
    const again = measureJudgeCalibration({ seed: 7, runs: 12, rhos: [0, 0.9], points: [30], metrics: ['latency', 'error-counts'] });
    expect(again.cells).toEqual(report.cells);
    const other = measureJudgeCalibration({ seed: 8, runs: 12, rhos: [0, 0.9], points: [30], metrics: ['latency', 'error-counts'] });
    expect(other.cells.map((c) => [c.fleet.fail, c.kayenta.fail])).not.toEqual(report.cells.map((c) => [c.fleet.fail, c.kayenta.fail]));
  });

  it('finds the regressions more often than it fails healthy canaries, for both judges', () => {
    for (const metric of ['latency', 'error-counts'] as const) {
      const cell = (scenario: 'healthy' | 'regression') => report.cells.find((c) => c.metric === metric && c.rho === 0 && c.scenario === scenario)!;
      expect(cell('regression').fleet.fail).toBeGreaterThan(cell('healthy').fleet.fail);
      expect(cell('regression').kayenta.fail).toBeGreaterThan(cell('healthy').kayenta.fail);
    }
  });

  it('generates what it says: AR(1) series whose lag-1 correlation follows ρ, counts that are integers, rates that are counts per second', () => {
    const lag1 = (values: number[]) => {
      const logs = values.map(Math.log);
      const mean = logs.reduce((s, v) => s + v, 0) / logs.length;
      let num = 0;
      let den = 0;
      for (let t = 0; t < logs.length; t++) {
        den += (logs[t] - mean) ** 2;
        if (t + 1 < logs.length) num += (logs[t] - mean) * (logs[t + 1] - mean);
      }
      return num / den;
    };
    expect(lag1(generateTrack(createRandom(1), 'latency', 5000, 0.9, 1))).toBeCloseTo(0.9, 1);
    expect(Math.abs(lag1(generateTrack(createRandom(2), 'latency', 5000, 0, 1)))).toBeLessThan(0.05);
    expect(generateTrack(createRandom(3), 'error-counts', 100, 0.5, 1).every(Number.isInteger)).toBe(true);
    const counts = generateTrack(createRandom(4), 'error-counts', 100, 0.5, 1);
    expect(generateTrack(createRandom(4), 'error-rates', 100, 0.5, 1)).toEqual(counts.map((c) => c / 60));
  });

  it('refuses a configuration it cannot measure, and prints one row per metric, ρ and length', () => {
    expect(() => measureJudgeCalibration({ runs: 0 })).toThrow(/runs must be a positive integer/);
    expect(() => measureJudgeCalibration({ rhos: [1] })).toThrow(/ρ must be in \[0, 1\)/);
    const table = formatCalibration(report).split('\n');
    expect(table).toHaveLength(2 + 4);
    expect(table[2]).toMatch(/^\| latency \| 0 \| 30 \| \d+\.\d% \| \d+\.\d% \| \d+\.\d% \| \d+\.\d% \|$/);
  });
});
