import { performance } from 'node:perf_hooks';
import { measureAckLatency, type AckLatencyResult } from './ack-latency.js';
import type { BenchConfig, Measurement } from './options.js';
import { measureTickCost, type TickCostRow } from './tick-cost.js';
import { measureGitHubRequests, type GitFigures, type GitHubRequestsResult } from './github-requests.js';
import { measureSlackCalls, type SlackCallsResult } from './slack-calls.js';
import { measurePeakRss, type PeakRssResult } from './peak-rss.js';
import { measureDecisionQuality, type DecisionQualityResult } from './decision-quality.js';
import { measureScaleCampaign, type ScaleCampaignResult } from './scale-campaign.js';
import { round } from './stats.js';
import { measureWorldShares, type WorldShares } from './world-shares.js';

export interface BenchResult {
  startedAt: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  config: BenchConfig;
  /** Seconds each measurement took. */
  seconds: Partial<Record<Measurement, number>>;
  ackLatencyMs?: AckLatencyResult;
  tick?: TickCostRow[];
  githubRequestsPerTarget?: Pick<GitHubRequestsResult, 'webhooks' | 'polling' | 'naive' | 'path' | 'targets' | 'ciMinutes'>;
  /** REST content-creating requests per PR and their list; `withPush` counts the git push too; `bySetting` under other specs and repository settings. */
  contentRequestsPerPr?: { count: number; requests: string[]; withPush: number; bySetting: GitHubRequestsResult['contentBySetting'] };
  prsPerHourCeiling?: GitHubRequestsResult['prsPerHourCeiling'];
  /** open-pr through a workspace and one `git push`, per target. */
  gitPerTarget?: GitFigures;
  slackCallsPerCampaign?: SlackCallsResult;
  peakRssMb?: number;
  peakRss?: PeakRssResult;
  decisionQuality?: DecisionQualityResult;
  /** Each world's rates beside the shares the fake's CI and the sandbox's CD produced. */
  worldShares?: { today: WorldShares; calibrated: WorldShares };
  /** A campaign of `config.scale.targets` from launch to digest: time, requests and memory of each phase, Fleet in a child process. */
  scaleCampaign?: ScaleCampaignResult;
}

/**
 * Runs the chosen measurements one after another (never side by side: they would time each
 * other) and returns the figures.
 */
export async function runBench(config: BenchConfig, deps: { log: (line: string) => void; machine: BenchResult['machine'] }): Promise<BenchResult> {
  const result: BenchResult = { startedAt: new Date().toISOString(), machine: deps.machine, config, seconds: {} };
  async function step<T>(name: Measurement, run: () => Promise<T>, keep: (value: T) => void): Promise<void> {
    if (!config.only.includes(name)) return;
    deps.log(`measuring ${name}…`);
    const start = performance.now();
    keep(await run());
    result.seconds[name] = round((performance.now() - start) / 1000);
  }
  await step('ack', () => measureAckLatency(config.ack), (v) => (result.ackLatencyMs = v));
  await step('tick', () => measureTickCost(config.tick), (v) => (result.tick = v));
  await step('github', () => measureGitHubRequests(config.github), (v) => {
    result.githubRequestsPerTarget = { path: v.path, targets: v.targets, ciMinutes: v.ciMinutes, webhooks: v.webhooks, polling: v.polling, naive: v.naive };
    result.contentRequestsPerPr = { count: v.contentRequestsPerPr, requests: v.contentRequests, withPush: v.contentWithPushPerPr, bySetting: v.contentBySetting };
    result.prsPerHourCeiling = v.prsPerHourCeiling;
    result.gitPerTarget = v.git;
  });
  await step('slack', () => measureSlackCalls(config.slack), (v) => (result.slackCallsPerCampaign = v));
  await step('rss', () => measurePeakRss(config.rss), (v) => {
    result.peakRssMb = v.peakRssMb;
    result.peakRss = v;
  });
  await step('decisions', () => measureDecisionQuality({ ...config.decisions, seed: config.seed, log: deps.log }), (v) => (result.decisionQuality = v));
  await step('worlds', () => Promise.resolve(measureWorldShares({ ...config.worlds, seed: config.seed })), (v) => (result.worldShares = v));
  await step('scale', () => measureScaleCampaign(config.scale), (v) => (result.scaleCampaign = v));
  return result;
}
