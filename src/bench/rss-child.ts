import { z } from 'zod';
import { runTick } from '../engine/tick.js';
import { createOctokit } from '../github/create-octokit.js';
import { createGateway } from '../github/gateway.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { createDefaultRegistry } from '../steps/registry.js';
import { BENCH_EPOCH, insertCampaign, makeBenchSpec, openBenchStore } from './sandbox.js';
import { readVmHwmMb } from './vm-hwm.js';

/**
 * The child process of the peak-memory measurement: Fleet alone (store, client, engine) with a
 * campaign of `targets` repositories in flight against a fake GitHub that runs in the parent, so
 * that neither the fake's repositories nor the bench harness count towards the figure.
 * Prints one JSON line: `{ vmHwmMb, sampledPeakMb, ticks, ran }`.
 */

const ChildArgs = z.strictObject({
  githubUrl: z.string().url(),
  org: z.string().min(1),
  targets: z.number().int().positive(),
  maxTargets: z.number().int().positive(),
  ticks: z.number().int().positive(),
});


async function main(): Promise<void> {
  const args = ChildArgs.parse(JSON.parse(process.argv[2] ?? '{}'));
  let sampledPeak = 0;
  const sample = () => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, 50);
  const bench = openBenchStore('rss');
  let clock = BENCH_EPOCH;
  const now = () => clock;
  const repos = Array.from({ length: args.targets }, (_, i) => `${args.org}/svc-${String(i).padStart(5, '0')}`);
  const spec = makeBenchSpec({ repos: repos.slice(0, 1), steps: ['open-pr', 'await-checks', 'merge'], waves: ['100%'] });
  insertCampaign(bench.store, { id: 'c-rss', spec, waves: [repos], now: clock });
  const octokit = createOctokit({
    auth: { token: 'bench-token' },
    baseUrl: args.githubUrl,
    store: bench.store,
    now,
    pacing: { perMinute: 1_000_000_000, perHour: 1_000_000_000 },
    retry: { retries: 2, baseMs: 1 },
    throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 },
  });
  const deps = { github: createGateway({ octokit, now }), store: bench.store, metrics: { simulated: createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }) }) } };
  const registry = createDefaultRegistry();
  let ran = 0;
  for (let i = 0; i < args.ticks; i++) {
    const report = await runTick({ store: bench.store, registry, deps, now, limits: { maxTargets: args.maxTargets, concurrency: 32, stepTimeoutMs: 120_000 } });
    ran += report.ran;
    sample();
    clock += 61 * 60_000;
  }
  clearInterval(sampler);
  bench.close();
  process.stdout.write(`${JSON.stringify({ vmHwmMb: readVmHwmMb(), sampledPeakMb: sampledPeak / (1024 * 1024), ticks: args.ticks, ran })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
