import { performance } from 'node:perf_hooks';
import { runTick } from '../engine/tick.js';
import { createDefaultRegistry } from '../steps/registry.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { BENCH_EPOCH, createBenchClient, insertCampaign, makeBenchSpec, openBenchStore, seedSimpleRepos, startBenchGitHub } from './sandbox.js';
import { round, spread, type Spread } from './stats.js';

export interface TickCostOptions {
  sizes: number[];
  /** Targets a tick picks (the production default is 200). */
  maxTargets: number;
  concurrency: number;
  /** Timed ticks per size, after one untimed warm-up tick. */
  rounds: number;
}

export interface TickCostRow {
  targets: number;
  maxTargets: number;
  /** Median over the timed ticks. */
  msPerTick: number;
  msPerTickSpread: Spread;
  /** Median tick time divided by the targets it advanced. */
  usPerTarget: number;
  /** Projected time for one pass over every target in flight (usPerTarget × targets). */
  msPerPass: number;
  /** usPerTarget relative to the smallest size (1.0 = the per-target cost does not grow with the fleet). */
  ratioToSmallest: number;
  /** Time spent seeding and inserting, for context only. */
  setupMs: number;
}

/**
 * The engine tick's cost with 1,000 / 5,000 / 10,000 targets in flight: one campaign, every
 * target due in its open-pr step (the costliest step: about a dozen requests, five of them
 * writes without a workspace: tree, commit, ref, pull request, labels), against the fake GitHub over loopback. Each tick advances at most `maxTargets`; the
 * rest stay in flight, so what grows with the fleet is the tick's bookkeeping (the due query, the
 * wave scan, root-message updates), which is exactly what a linear-cost claim is about.
 */
export async function measureTickCost(options: TickCostOptions): Promise<TickCostRow[]> {
  const rows: TickCostRow[] = [];
  for (const size of options.sizes) {
    const setupStart = performance.now();
    const fake = await startBenchGitHub();
    const bench = openBenchStore('tick');
    try {
      const repos = seedSimpleRepos(fake, { org: 'tick', count: size, ciMs: 10 * 60_000 });
      const spec = makeBenchSpec({ repos: repos.slice(0, 1), steps: ['open-pr', 'await-checks', 'merge'], waves: ['100%'] });
      insertCampaign(bench.store, { id: 'c-tick', spec, waves: [repos], now: BENCH_EPOCH });
      const now = () => fake.state.now();
      const { github } = createBenchClient(fake, bench.store, now);
      const deps = { github, store: bench.store, metrics: { simulated: createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }) }) } };
      const registry = createDefaultRegistry();
      const setupMs = performance.now() - setupStart;
      const times: number[] = [];
      const picked: number[] = [];
      for (let i = 0; i <= options.rounds; i++) {
        const start = performance.now();
        const report = await runTick({ store: bench.store, registry, deps, now, limits: { maxTargets: options.maxTargets, concurrency: options.concurrency, stepTimeoutMs: 60_000 } });
        const ms = performance.now() - start;
        // Past the hour the write-pacing table is pruned, as it is in production where 500 writes an hour is the cap.
        fake.state.advance(61 * 60_000);
        if (i === 0) continue;
        times.push(ms);
        picked.push(report.ran);
      }
      const s = spread(times);
      const ran = Math.max(1, spread(picked).median);
      const usPerTarget = (s.median * 1000) / ran;
      rows.push({
        targets: size,
        maxTargets: options.maxTargets,
        msPerTick: round(s.median),
        msPerTickSpread: { min: round(s.min), median: round(s.median), max: round(s.max) },
        usPerTarget: round(usPerTarget, 0),
        msPerPass: round((usPerTarget * size) / 1000, 0),
        ratioToSmallest: 1,
        setupMs: round(setupMs, 0),
      });
    } finally {
      await fake.close();
      bench.close();
    }
  }
  const base = rows[0]?.usPerTarget ?? 1;
  for (const row of rows) row.ratioToSmallest = round(row.usPerTarget / Math.max(1, base), 2);
  return rows;
}
