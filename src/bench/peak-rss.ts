import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { seedSimpleRepos, startBenchGitHub } from './sandbox.js';
import { round } from './stats.js';

const run = promisify(execFile);

export interface PeakRssResult {
  peakRssMb: number;
  /** The highest `process.memoryUsage().rss` seen by a 50 ms sampler, for comparison with VmHWM. */
  sampledPeakMb: number;
  targets: number;
  /** Targets the child actually advanced (opened PRs for); the rest stayed due, in flight. */
  advanced: number;
  ticks: number;
  maxTargets: number;
}

const ChildOutput = z.object({ vmHwmMb: z.number().nullable(), sampledPeakMb: z.number(), ticks: z.number(), ran: z.number() });

/**
 * The compiled child entry. From the built bench it sits next to this file; from the TypeScript
 * sources (tests) it is the build's copy, since a child process cannot load `.ts` files here.
 */
export function findChildEntry(file = 'rss-child.js'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, file);
  if (existsSync(sibling)) return sibling;
  const built = resolve(here, `../../dist/src/bench/${file}`);
  if (existsSync(built)) return built;
  throw new Error('The compiled bench is missing: run `npm run build` first.');
}

/**
 * Peak resident memory of Fleet with `targets` in flight, measured in a child process that holds
 * only Fleet (store, client, engine); the fake GitHub with its repositories stays in this process.
 */
export async function measurePeakRss(options: { targets: number; maxTargets: number; ticks?: number }): Promise<PeakRssResult> {
  const fake = await startBenchGitHub();
  try {
    seedSimpleRepos(fake, { org: 'rss', count: options.targets, ciMs: 10 * 60_000 });
    const ticks = options.ticks ?? 2;
    const args = JSON.stringify({ githubUrl: fake.url, org: 'rss', targets: options.targets, maxTargets: options.maxTargets, ticks });
    // execFile is asynchronous: this process keeps serving the fake GitHub while the child runs.
    const { stdout } = await run(process.execPath, [findChildEntry(), args], { maxBuffer: 1024 * 1024, timeout: 300_000 });
    const out = ChildOutput.parse(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
    return {
      peakRssMb: round(out.vmHwmMb ?? out.sampledPeakMb),
      sampledPeakMb: round(out.sampledPeakMb),
      targets: options.targets,
      advanced: out.ran,
      ticks: out.ticks,
      maxTargets: options.maxTargets,
    };
  } finally {
    await fake.close();
  }
}
