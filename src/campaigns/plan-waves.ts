import { createHash } from 'node:crypto';
import type { PlannedWave } from './service-types.js';
import type { WaveSize } from '../domain/spec.js';

/** What wave planning knows about one target's risk. */
export interface PlanTarget {
  repo: string;
  /** Named in the spec's `targets.canary`. */
  canary?: boolean;
  /** Share of the checks on the default branch's head that passed, in [0, 1] (`scoreCiHealth`); unknown when absent. */
  ciHealth?: number | null;
  /** 0 (harmless) to 5 (business critical); from the spec's `targets.criticality`. */
  criticality?: number | null;
}

const UNKNOWN_CI_HEALTH = 0.5;
const UNKNOWN_CRITICALITY = 2;

/**
 * Splits targets into waves. A number is a count for that wave; "N%" is the cumulative share of
 * all targets reached by the end of that wave. Targets are ordered by risk, lowest first (explicit
 * canaries, then healthy CI history, then low criticality, then a hash of seed and repository), so
 * wave 0, the canary cohort, holds the safest targets and the riskiest go last. Every target lands
 * in exactly one wave; the last wave takes the rest; empty waves are dropped.
 *
 * @example
 * planWaves([{ repo: 'acme/a' }, { repo: 'acme/b', canary: true }, { repo: 'acme/c' }], [1, '100%'], 'c-7f3a')
 * // [{ index: 0, repos: ['acme/b'] }, { index: 1, repos: [...the other two, in seeded order] }]
 */
export function planWaves(targets: PlanTarget[], sizes: WaveSize[], seed: string): PlannedWave[] {
  const unique = [...new Map(targets.map((t) => [t.repo, t])).values()];
  const ordered = unique
    .map((target) => ({ target, key: riskKey(target, seed) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((entry) => entry.target.repo);
  const total = ordered.length;
  const waves: PlannedWave[] = [];
  let taken = 0;
  let reached = 0;
  sizes.forEach((size, i) => {
    reached = typeof size === 'number' ? reached + size : Math.max(reached, percentOf(size, total));
    const end = i === sizes.length - 1 ? total : Math.min(total, reached);
    if (end <= taken) return;
    waves.push({ index: waves.length, repos: ordered.slice(taken, end) });
    taken = end;
  });
  return waves;
}

function percentOf(size: string, total: number): number {
  const share = Number(size.slice(0, -1)) / 100;
  // Rounded up so that "10%" of a small fleet still starts one target; the epsilon keeps
  // exact products (20% of 50) from rounding up past themselves.
  return Math.ceil(total * share - 1e-9);
}

type RiskKey = [number, number, number, string];

function riskKey(target: PlanTarget, seed: string): RiskKey {
  const health = clamp(target.ciHealth ?? UNKNOWN_CI_HEALTH, 0, 1);
  const criticality = target.criticality ?? UNKNOWN_CRITICALITY;
  // CI health is compared in tenths: a 0.97 versus 0.96 pass rate is noise, and criticality
  // should decide between two repositories that are both healthy.
  return [target.canary === true ? 0 : 1, -Math.min(9, Math.floor(health * 10)), criticality, seededHash(seed, target.repo)];
}

function compareKeys(a: RiskKey, b: RiskKey): number {
  for (let i = 0; i < 3; i++) {
    const d = Number(a[i]) - Number(b[i]);
    if (d !== 0) return d;
  }
  return a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0;
}

function seededHash(seed: string, repo: string): string {
  return createHash('sha256').update(seed).update('\0').update(repo).digest('hex');
}

function clamp(value: number, min: number, max: number): number {
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, value));
}
