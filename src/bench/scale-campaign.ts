import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { startFakeSlack } from '../sandbox/slack/server.js';
import { findChildEntry } from './peak-rss.js';
import { seedSimpleRepos, startBenchGitHub } from './sandbox.js';
import { ScaleChildOutput, type ScalePhase } from './scale-child.js';
import { round } from './stats.js';

const run = promisify(execFile);
const SLACK_TOKEN = 'xoxb-bench-scale';

export interface ScaleCampaignOptions {
  targets: number;
  /** The waves of the spec: a canary of 3, then shares of the fleet. */
  waves: (number | string)[];
  /** How many of the first waves run (open-pr for each of their targets, their gates). */
  firstWaves: number;
  /** Targets a tick picks (the production default is 200). */
  maxTargets: number;
}

export interface ScaleCampaignResult extends Omit<ScaleChildOutput, 'phases' | 'vmHwmMb' | 'sampledPeakMb'> {
  /** Each phase in the child: milliseconds, GitHub requests (counted and 304s), resident MB at its end. */
  phases: Record<keyof ScaleChildOutput['phases'], ScalePhase>;
  /** VmHWM of the child, which holds Fleet alone; the sampler's peak beside it. */
  peakRssMb: number;
  sampledPeakMb: number;
  /** Seeding the fake GitHub with the fleet, in the parent (context only). */
  setupMs: number;
}

/**
 * A campaign over `targets` repositories from launch to digest, with Fleet in a child process
 * (as `rss-child.ts` does) so that its peak memory is Fleet's own: the fake GitHub with the fleet
 * and the fake Slack stay in this process. See `scale-child.ts` for the phases.
 */
export async function measureScaleCampaign(options: ScaleCampaignOptions): Promise<ScaleCampaignResult> {
  const setupStart = performance.now();
  const fake = await startBenchGitHub();
  const slack = await startFakeSlack({ signingSecret: 'bench', botToken: SLACK_TOKEN });
  try {
    seedSimpleRepos(fake, { org: 'scale', count: options.targets, ciMs: 10 * 60_000, settings: { deleteBranchOnMerge: true } });
    const setupMs = performance.now() - setupStart;
    const args = JSON.stringify({ githubUrl: fake.url, slackApiUrl: slack.apiUrl, slackToken: SLACK_TOKEN, org: 'scale', firstWaves: options.firstWaves, maxTargets: options.maxTargets, waves: options.waves });
    // execFile is asynchronous: this process keeps serving both fakes while the child runs.
    const { stdout } = await run(process.execPath, [findChildEntry('scale-child.js'), args], { maxBuffer: 1024 * 1024, timeout: 900_000 });
    const out = ScaleChildOutput.parse(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
    const phases = Object.fromEntries(Object.entries(out.phases).map(([name, p]) => [name, { ms: round(p.ms, 0), requests: p.requests, rssMb: round(p.rssMb) }])) as ScaleCampaignResult['phases'];
    const { vmHwmMb, sampledPeakMb, phases: _phases, ...rest } = out;
    return { ...rest, phases, peakRssMb: round(vmHwmMb ?? sampledPeakMb), sampledPeakMb: round(sampledPeakMb), setupMs: round(setupMs, 0) };
  } finally {
    await slack.close();
    await fake.close();
  }
}
