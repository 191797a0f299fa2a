import { z } from 'zod';
import type { WorldName } from '../sandbox/fleet/world-rates.js';

export const MEASUREMENTS = ['ack', 'tick', 'github', 'slack', 'rss', 'decisions', 'worlds', 'scale'] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

const Count = z.coerce.number().int().positive();

/** `npm run bench -- [flags]`: every flag is optional; the defaults are the published configuration. */
export const BenchFlags = z.strictObject({
  out: z.string().min(1).optional(),
  only: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(MEASUREMENTS)).min(1))
    .optional(),
  /** A tiny configuration of every measurement (seconds, not minutes): for tests and a quick look. */
  quick: z.boolean().default(false),
  seed: Count.default(2024),
  /** The world the decision-quality fleets are generated in: today's rates or the calibrated ones. */
  world: z.enum(['today', 'calibrated']).default('calibrated'),
  help: z.boolean().default(false),
});
export type BenchFlags = z.infer<typeof BenchFlags>;

export interface BenchConfig {
  only: Measurement[];
  seed: number;
  /** Per round and app: `requests` signed requests, `concurrency` at a time; campaigns of `targets` targets in the store. */
  ack: { requests: number; concurrency: number; rounds: number; targets: number };
  tick: { sizes: number[]; maxTargets: number; concurrency: number; rounds: number };
  github: { targets: number; ciMinutes: number };
  slack: { targets: number };
  rss: { targets: number; maxTargets: number };
  decisions: { healthy: number; bad: number; repos: number; timeLimitMs: number; world: WorldName };
  /** The worlds' rates as the fake's CI and the sandbox's CD produce them: fleets per world, repositories per fleet. */
  worlds: { fleets: number; repos: number };
  /** One campaign from launch to digest (scale-campaign.ts): its size, waves, the first waves run, targets a tick picks. */
  scale: { targets: number; waves: (number | string)[]; firstWaves: number; maxTargets: number };
}

/** The published configuration, or the tiny one with `--quick`. */
export function resolveConfig(flags: BenchFlags): BenchConfig {
  const only = flags.only ?? [...MEASUREMENTS];
  if (flags.quick) {
    return {
      only,
      seed: flags.seed,
      ack: { requests: 40, concurrency: 10, rounds: 1, targets: 50 },
      tick: { sizes: [20, 40], maxTargets: 10, concurrency: 4, rounds: 1 },
      github: { targets: 2, ciMinutes: 10 },
      slack: { targets: 20 },
      rss: { targets: 20, maxTargets: 10 },
      decisions: { healthy: 2, bad: 2, repos: 20, timeLimitMs: 240_000, world: flags.world },
      worlds: { fleets: 2, repos: 100 },
      scale: { targets: 200, waves: [3, '1%', '10%', '100%'], firstWaves: 2, maxTargets: 50 },
    };
  }
  return {
    only,
    seed: flags.seed,
    ack: { requests: 400, concurrency: 50, rounds: 5, targets: 200 },
    tick: { sizes: [1000, 5000, 10_000], maxTargets: 50, concurrency: 8, rounds: 2 },
    github: { targets: 10, ciMinutes: 10 },
    slack: { targets: 1000 },
    rss: { targets: 10_000, maxTargets: 250 },
    decisions: { healthy: 20, bad: 20, repos: 200, timeLimitMs: 3_600_000, world: flags.world },
    worlds: { fleets: 5, repos: 200 },
    scale: { targets: 10_000, waves: [3, '1%', '10%', '100%'], firstWaves: 2, maxTargets: 200 },
  };
}
