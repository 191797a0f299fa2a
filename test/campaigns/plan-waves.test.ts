import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planWaves, type PlanTarget } from '../../src/campaigns/plan-waves.js';
import type { WaveSize } from '../../src/domain/spec.js';

const target = fc.record({
  repo: fc.stringMatching(/^acme\/[a-z][a-z0-9-]{0,12}$/),
  canary: fc.option(fc.boolean(), { nil: undefined }),
  ciHealth: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  criticality: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
});
const uniqueTargets = fc.uniqueArray(target, { selector: (t) => t.repo, maxLength: 120 });
const waveSize: fc.Arbitrary<WaveSize> = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`));
const sizes = fc.array(waveSize, { minLength: 1, maxLength: 6 });

function repos(n: number): PlanTarget[] {
  return Array.from({ length: n }, (_, i) => ({ repo: `acme/svc-${String(i).padStart(3, '0')}` }));
}

describe('planWaves', () => {
  test('puts every target in exactly one wave, with no empty waves and consecutive indices', () => {
    fc.assert(
      fc.property(uniqueTargets, sizes, fc.string(), (targets, waveSizes, seed) => {
        const waves = planWaves(targets, waveSizes, seed);
        const placed = waves.flatMap((w) => w.repos);
        expect(placed.slice().sort()).toEqual(targets.map((t) => t.repo).sort());
        expect(waves.every((w) => w.repos.length > 0)).toBe(true);
        expect(waves.map((w) => w.index)).toEqual(waves.map((_, i) => i));
        expect(waves.length).toBeLessThanOrEqual(waveSizes.length);
      }),
      { numRuns: 300 },
    );
  });

  test('is deterministic for a seed and independent of input order', () => {
    fc.assert(
      fc.property(uniqueTargets, sizes, fc.string(), (targets, waveSizes, seed) => {
        const once = planWaves(targets, waveSizes, seed);
        expect(planWaves([...targets].reverse(), waveSizes, seed)).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });

  test('different seeds break ties differently', () => {
    const targets = repos(40);
    expect(planWaves(targets, [5, '100%'], 'seed-a')[0].repos).not.toEqual(planWaves(targets, [5, '100%'], 'seed-b')[0].repos);
  });

  test('counts are per wave; percentages are cumulative shares of all targets', () => {
    const waves = planWaves(repos(200), [3, '10%', '50%', '100%'], 's');
    expect(waves.map((w) => w.repos.length)).toEqual([3, 17, 80, 100]);
  });

  test('rounds percentages up so that a small fleet still starts', () => {
    expect(planWaves(repos(5), ['10%', '100%'], 's').map((w) => w.repos.length)).toEqual([1, 4]);
    expect(planWaves(repos(50), ['20%', '100%'], 's').map((w) => w.repos.length)).toEqual([10, 40]);
  });

  test('the last wave takes the rest, and waves past the end are dropped', () => {
    expect(planWaves(repos(10), [2, 3], 's').map((w) => w.repos.length)).toEqual([2, 8]);
    expect(planWaves(repos(4), [3, 5, '100%'], 's').map((w) => w.repos.length)).toEqual([3, 1]);
    expect(planWaves([], [3, '100%'], 's')).toEqual([]);
  });

  test('a percentage already reached yields no wave of its own', () => {
    expect(planWaves(repos(10), [5, '10%', '100%'], 's').map((w) => w.repos.length)).toEqual([5, 5]);
  });

  test('wave 0 takes explicit canaries, then healthy CI, then low criticality', () => {
    const targets: PlanTarget[] = [
      { repo: 'acme/payments-api', ciHealth: 1, criticality: 5 },
      { repo: 'acme/flaky', ciHealth: 0.4, criticality: 0 },
      { repo: 'acme/status', canary: true, ciHealth: 0.2, criticality: 4 },
      { repo: 'acme/docs', ciHealth: 0.98, criticality: 0 },
      { repo: 'acme/search', ciHealth: 0.95, criticality: 2 },
      { repo: 'acme/unknown' },
    ];
    const order = planWaves(targets, [1, 1, 1, 1, 1, 1], 'seed').map((w) => w.repos[0]);
    expect(order).toEqual(['acme/status', 'acme/docs', 'acme/search', 'acme/payments-api', 'acme/unknown', 'acme/flaky']);
  });

  test('explicit canaries come first whatever else is known', () => {
    fc.assert(
      fc.property(uniqueTargets, fc.integer({ min: 1, max: 10 }), fc.string(), (targets, first, seed) => {
        const [wave0] = planWaves(targets, [first, '100%'], seed);
        if (!wave0) return;
        const canaries = targets.filter((t) => t.canary === true).map((t) => t.repo);
        const expectedCanaries = Math.min(canaries.length, wave0.repos.length);
        expect(wave0.repos.slice(0, expectedCanaries).every((r) => canaries.includes(r))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('a repository listed twice is planned once', () => {
    const waves = planWaves([{ repo: 'acme/a' }, { repo: 'acme/a', canary: true }, { repo: 'acme/b' }], [1, '100%'], 's');
    expect(waves.flatMap((w) => w.repos).sort()).toEqual(['acme/a', 'acme/b']);
  });
});
