import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createCampaignService } from '../campaigns/service.js';
import { postDigestNow } from '../engine/digest.js';
import { runTick } from '../engine/tick.js';
import { createOctokit } from '../github/create-octokit.js';
import { createGateway } from '../github/gateway.js';
import { createSimulatedProvider } from '../metrics/simulated.js';
import { createOutboxClient, deliverOutbox } from '../slack/deliver-outbox.js';
import { createDefaultRegistry } from '../steps/registry.js';
import { BENCH_APPROVER, BENCH_EPOCH, BENCH_OWNER, makeBenchSpec, openBenchStore } from './sandbox.js';
import { readVmHwmMb } from './vm-hwm.js';

/**
 * The child process of the 10,000-target campaign: Fleet alone (store, client, campaign service,
 * engine, outbox delivery) against a fake GitHub and a fake Slack that run in the parent. It
 * launches the campaign as `/fleet start` does (discovery over the organisation, the cheap check
 * of each repository's manifest, CI health of each default branch, the planner), delivers the
 * root message, runs the first waves through the real tick (open-pr for each target, the wave
 * gates, an approver approving where Fleet asks), delivers what they posted, then builds and
 * delivers the channel's digest. Prints one JSON line: each phase's time, requests and resident
 * memory at its end, and the kernel's high-water mark.
 */

const ChildArgs = z.strictObject({
  githubUrl: z.string().url(),
  slackApiUrl: z.string().url(),
  slackToken: z.string().min(1),
  org: z.string().min(1),
  /** Waves to run through before stopping (the first ones). */
  firstWaves: z.number().int().positive(),
  maxTargets: z.number().int().positive(),
  waves: z.array(z.union([z.number().int().positive(), z.string()])).min(1),
});

export const ScalePhase = z.object({ ms: z.number(), requests: z.number(), rssMb: z.number() });
export type ScalePhase = z.infer<typeof ScalePhase>;

export const ScaleChildOutput = z.object({
  phases: z.object({ launch: ScalePhase, root: ScalePhase, waves: ScalePhase, messages: ScalePhase, digest: ScalePhase }),
  vmHwmMb: z.number().nullable(),
  sampledPeakMb: z.number(),
  targets: z.number(),
  waveSizes: z.array(z.number()),
  wavesRun: z.number(),
  prsOpened: z.number(),
  approvals: z.number(),
  ticks: z.number(),
  rootPosted: z.boolean(),
  digestPosted: z.boolean(),
  slackCalls: z.record(z.string(), z.number()),
  state: z.string(),
});
export type ScaleChildOutput = z.infer<typeof ScaleChildOutput>;

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function main(): Promise<void> {
  const args = ChildArgs.parse(JSON.parse(process.argv[2] ?? '{}'));
  let sampledPeak = 0;
  const sample = () => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, 50);
  const bench = openBenchStore('scale');
  const { store } = bench;
  let clock = BENCH_EPOCH;
  const now = () => clock;
  const octokit = createOctokit({
    auth: { token: 'bench-token' },
    baseUrl: args.githubUrl,
    store,
    now,
    pacing: { perMinute: 1_000_000_000, perHour: 1_000_000_000 },
    retry: { retries: 2, baseMs: 1 },
    throttle: { retryAfterBaseMs: 1, writeSpacingMs: 0, notificationSpacingMs: 0 },
  });
  const github = createGateway({ octokit, now });
  const spec = makeBenchSpec({ name: 'bench-scale', org: args.org, steps: ['open-pr'], waves: args.waves, labels: [] });
  const service = createCampaignService({
    store,
    catalog: { list: async () => [], load: async () => ({ spec, source: 'bench' }) },
    gateway: github,
    admins: [BENCH_OWNER],
    launchers: { users: [], groups: [] },
    resolveGroupMembers: async () => [],
    now,
    wake: () => undefined,
  });
  const slack = createOutboxClient(args.slackToken, args.slackApiUrl);
  const slackCalls: Record<string, number> = {};
  const deliver = async () => {
    const report = await deliverOutbox({ store, client: slack, now, sleep: async (ms) => void (clock += ms) });
    for (const [method, n] of Object.entries(report.calls)) slackCalls[method] = (slackCalls[method] ?? 0) + n;
  };
  const requests = () => {
    const day = store.github.requestsOn(new Date(now()).toISOString().slice(0, 10));
    return day.counted + day.notModified;
  };
  async function phase(run: () => Promise<void>): Promise<ScalePhase> {
    const before = requests();
    const start = performance.now();
    await run();
    const ms = performance.now() - start;
    sample();
    return { ms, requests: requests() - before, rssMb: process.memoryUsage().rss / (1024 * 1024) };
  }

  let campaignId = '';
  const launch = await phase(async () => {
    campaignId = (await service.start({ catalog: spec.name }, BENCH_OWNER)).id;
  });
  const root = await phase(deliver);
  const deps = { github, store, metrics: { simulated: createSimulatedProvider({ seed: 1, truth: () => ({ regresses: false }) }) } };
  const registry = createDefaultRegistry();
  let ticks = 0;
  let approvals = 0;
  const waves = await phase(async () => {
    for (; ticks < 10_000; ticks++) {
      const campaign = store.campaigns.get(campaignId)!;
      if (campaign.currentWave >= args.firstWaves || campaign.state !== 'running' && campaign.state !== 'awaiting-approval') break;
      const open = store.gates.list(campaignId).find((g) => g.kind === 'wave' && g.state === 'open');
      if (open) {
        await service.approve(campaignId, BENCH_APPROVER, open.id);
        approvals += 1;
      }
      await runTick({ store, registry, deps, now, limits: { maxTargets: args.maxTargets, concurrency: 8, stepTimeoutMs: 120_000 } });
      clock += 60_000;
    }
  });
  const messages = await phase(deliver);
  const digest = await phase(async () => {
    postDigestNow(store, spec.channel, now());
    await deliver();
  });
  clearInterval(sampler);
  const campaign = store.campaigns.get(campaignId)!;
  const out: ScaleChildOutput = {
    phases: { launch, root, waves, messages, digest },
    vmHwmMb: readVmHwmMb(),
    sampledPeakMb: sampledPeak / (1024 * 1024),
    targets: total(store.targets.counts(campaignId)),
    waveSizes: Array.from({ length: campaign.waveCount }, (_, i) => total(store.targets.counts(campaignId, i))),
    wavesRun: campaign.currentWave,
    prsOpened: store.events.list({ campaignId, kinds: ['pr.opened'] }).length,
    approvals,
    ticks,
    rootPosted: campaign.rootTs !== null,
    digestPosted: store.outbox.pendingCount() === 0 && (slackCalls['chat.postMessage'] ?? 0) >= 2,
    slackCalls,
    state: campaign.state,
  };
  bench.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// Only as a process of its own (the parent imports the output's schema from this file).
if (process.argv[1]?.endsWith('scale-child.js')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
