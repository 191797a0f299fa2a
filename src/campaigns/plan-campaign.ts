import picomatch from 'picomatch';
import { applyChange, pathsToRead } from '../changes/apply-change.js';
import type { CampaignSpec, StepDefinition } from '../domain/spec.js';
import { plural } from '../domain/words.js';
import { FleetError } from '../errors.js';
import type { Gateway, RepoInfo } from '../github/gateway.js';
import { CI_HEALTH_REQUESTS, readCiHealth, type CiHealthReport } from './ci-health.js';
import { planWaves } from './plan-waves.js';
import type { CampaignPreview, PlannedWave } from './service-types.js';

/*
 * The planning side of a campaign, shared by the preview and the start: which repositories a spec
 * targets, how they fall into waves (with each one's CI health), and what the preview shows of the
 * cost: a sample diff, the GitHub requests and the time.
 */

export type PlanWaves = typeof planWaves;

export interface CampaignPlannerDeps {
  gateway: Gateway;
  /** Default: the risk-ordered planner of plan-waves.ts. */
  planWaves?: PlanWaves;
  catalogDir?: string;
}

export interface CampaignPlanner {
  /** The spec's repositories (listed or from its org), filtered by archived, include and exclude. */
  discoverTargets(spec: CampaignSpec): Promise<RepoInfo[]>;
  /** The waves, with each repository's CI health read from its default branch (see ci-health.ts). */
  planFor(spec: CampaignSpec, repos: RepoInfo[], seed: string): Promise<{ waves: PlannedWave[]; ci: CiHealthReport }>;
  /** The change applied to the sample repository's default branch, as the preview shows it. */
  readSampleDiff(spec: CampaignSpec, repos: RepoInfo[], sampleRepo: string | null): Promise<{ sampleDiff: string; noChange: string[] }>;
}

/** GitHub requests per target along the default path, measured against the fake GitHub's counters. */
const REQUESTS_PER_STEP: Record<string, { requests: number; content: number }> = {
  'open-pr': { requests: 12, content: 7 },
  'await-checks': { requests: 4, content: 0 },
  compliance: { requests: 4, content: 0 },
  canary: { requests: 0, content: 0 },
  gate: { requests: 0, content: 0 },
  merge: { requests: 3, content: 2 },
  bake: { requests: 0, content: 0 },
  close: { requests: 2, content: 2 },
  revert: { requests: 6, content: 5 },
};
/** GitHub's secondary limit on content-creating requests. */
const CONTENT_PER_HOUR = 500;
/** How long the preview assumes CI takes, unless the await-checks step gives up sooner. */
const ASSUMED_CI_MINUTES = 10;

function minutesText(minutes: number): string {
  if (minutes < 1) return `${Math.max(1, Math.round(minutes * 60))} s`;
  return `${minutes < 10 ? Number(minutes.toFixed(1)) : Math.round(minutes)} min`;
}

function matchesAny(globs: readonly string[], repo: string): boolean {
  return globs.some((g) => picomatch.isMatch(repo, g) || picomatch.isMatch(repo.split('/')[1] ?? repo, g));
}

/**
 * The repository's criticality from the spec's table: its full name, else the first glob that matches it.
 *
 * @example findCriticality(spec, 'acme/payments') // 5 with targets.criticality { 'acme/pay*': 5 }
 */
export function findCriticality(spec: CampaignSpec, repo: string): number | undefined {
  const table = spec.targets.criticality;
  if (table[repo] !== undefined) return table[repo];
  const glob = Object.keys(table).find((g) => matchesAny([g], repo));
  return glob === undefined ? undefined : table[glob];
}

/**
 * What the start event records of the CI health it planned with: how many were known, which could not be read.
 *
 * @example summarizeCiHealth(ci) // { known: 12, unreadable: 1, unreadableRepos: ['acme/old'] }
 */
export function summarizeCiHealth(ci: CiHealthReport): Record<string, unknown> {
  return {
    known: ci.known,
    unreadable: ci.unreadable.length,
    ...(ci.unreadable.length > 0 ? { unreadableRepos: ci.unreadable.slice(0, 20) } : {}),
    ...(ci.stoppedBy ? { stoppedBy: ci.stoppedBy } : {}),
  };
}

/**
 * The waves of a start are the waves its preview showed: both order the fleet by the spec's name.
 *
 * @example planSeed(spec) // 'plan:bump-lodash'
 */
export function planSeed(spec: CampaignSpec): string {
  return `plan:${spec.name}`;
}

export interface PreviewEstimateInput {
  /** The campaign's steps along its path (resolveSteps). */
  steps: readonly StepDefinition[];
  /** Target repositories. */
  targets: number;
  waveCount: number;
  /** The core rate limit's remaining requests as last seen, or null. */
  remaining: number | null;
  /** The content-creating GitHub requests allowed an hour (default 500, GitHub's secondary limit). */
  contentPerHour?: number;
}

/**
 * The preview's GitHub budget and time estimate: requests per step along the path, CI time (or
 * the checks step's timeout when shorter), canary and bake durations per wave, and the pacing of
 * content-creating requests. Pure.
 *
 * @example
 * // open-pr, await-checks (5 min timeout), bake (30 min) over 10 targets in 2 waves:
 * const { github, estimate } = estimatePreview({ steps: resolveSteps(spec), targets: 10, waveCount: 2, remaining: 4000 });
 * github // { requests: 201, contentRequests: 70, remaining: 4000 }
 * estimate.minutes // 79: 2 × (30 + 5) min, plus 8.4 min of pacing at 500 an hour
 */
export function estimatePreview(input: PreviewEstimateInput): Pick<CampaignPreview, 'github' | 'estimate'> {
  const { steps, targets, waveCount, remaining } = input;
  const perTarget = steps.reduce((acc, s) => ({ requests: acc.requests + (REQUESTS_PER_STEP[s.kind]?.requests ?? 2), content: acc.content + (REQUESTS_PER_STEP[s.kind]?.content ?? 0) }), { requests: 0, content: 0 });
  // The start reads each repository's CI health again for its plan: conditional, so mostly free 304s.
  const requests = targets * (perTarget.requests + CI_HEALTH_REQUESTS) + targets + 1;
  const contentRequests = targets * perTarget.content;
  const perHour = input.contentPerHour ?? CONTENT_PER_HOUR;
  const durations = steps.reduce((sum, s) => sum + (typeof s.options.duration === 'number' ? s.options.duration / 60_000 : 0), 0);
  const checks = steps.find((s) => s.kind === 'await-checks');
  const ciMinutes = checks ? Math.min(ASSUMED_CI_MINUTES, typeof checks.options.timeout === 'number' ? checks.options.timeout / 60_000 : ASSUMED_CI_MINUTES) : 0;
  const waitMinutes = durations + ciMinutes;
  const ciText = !checks ? '' : ciMinutes < ASSUMED_CI_MINUTES ? `CI up to ${minutesText(ciMinutes)}, the checks step's timeout; ` : `CI assumed ${minutesText(ciMinutes)}; `;
  const pacingMinutes = (contentRequests / perHour) * 60;
  const minutes = Math.ceil(waveCount * waitMinutes + pacingMinutes);
  return {
    github: { requests, contentRequests, remaining },
    estimate: {
      minutes,
      explanation:
        `${plural(waveCount, 'wave')} × about ${minutesText(waitMinutes)} each (${ciText}canary and bake ${minutesText(durations)}), ` +
        `plus ${minutesText(pacingMinutes)} of pacing for ${plural(contentRequests, 'content-creating request')} at ${perHour} an hour; approvals at review gates add to this.`,
    },
  };
}

/**
 * The planner the campaign service composes: target discovery, wave planning and the preview's
 * sample diff, over the injected gateway.
 *
 * @example
 * const planner = createCampaignPlanner({ gateway });
 * const repos = await planner.discoverTargets(spec);
 * const { waves, ci } = await planner.planFor(spec, repos, planSeed(spec));
 */
export function createCampaignPlanner(deps: CampaignPlannerDeps): CampaignPlanner {
  async function discoverTargets(spec: CampaignSpec): Promise<RepoInfo[]> {
    const t = spec.targets;
    let repos: RepoInfo[];
    if (t.repos) {
      const { found, missing } = await deps.gateway.getRepos(t.repos);
      if (missing.length > 0 && found.length === 0) {
        throw new FleetError('not_found', `None of the listed repositories were found (${missing.slice(0, 5).join(', ')}). Check the names in the spec's targets.repos.`, { missing });
      }
      repos = found;
    } else {
      repos = await deps.gateway.listOrgRepos({ org: t.org!, topics: t.topics, language: t.language, includeArchived: t.includeArchived });
    }
    return repos.filter(
      (r) => (t.includeArchived || !r.archived) && (t.include.length === 0 || matchesAny(t.include, r.fullName)) && !matchesAny(t.exclude, r.fullName),
    );
  }

  async function planFor(spec: CampaignSpec, repos: RepoInfo[], seed: string): Promise<{ waves: PlannedWave[]; ci: CiHealthReport }> {
    if (repos.length === 0) {
      throw new FleetError('bad_input', `No repositories match the targets of ${spec.name}. Widen targets (org, topics, include) or list repos explicitly.`);
    }
    const ci = await readCiHealth(deps.gateway, repos);
    const inputs = repos.map((r) => ({ repo: r.fullName, canary: spec.targets.canary.includes(r.fullName), ciHealth: ci.health.get(r.fullName) ?? null, criticality: findCriticality(spec, r.fullName) }));
    return { waves: (deps.planWaves ?? planWaves)(inputs, spec.waves, seed).filter((w) => w.repos.length > 0), ci };
  }

  async function readSampleDiff(spec: CampaignSpec, repos: RepoInfo[], sampleRepo: string | null): Promise<{ sampleDiff: string; noChange: string[] }> {
    let sampleDiff = '';
    const noChange: string[] = [];
    if (sampleRepo) {
      const info = repos.find((r) => r.fullName === sampleRepo)!;
      const head = await deps.gateway.getBranchSha(sampleRepo, info.defaultBranch);
      if (head) {
        const tree = await deps.gateway.listTree(sampleRepo, head);
        const wanted = new Set(pathsToRead(spec.change, tree.map((e) => e.path)));
        const files = await deps.gateway.readFiles(sampleRepo, tree.filter((e) => wanted.has(e.path)));
        const result = await applyChange(spec.change, files, { repo: sampleRepo, catalogDir: deps.catalogDir });
        if (result.noop) noChange.push(sampleRepo);
        sampleDiff = result.noop ? `(no change needed: ${result.reason})` : result.diff;
      }
    }
    return { sampleDiff, noChange };
  }

  return { discoverTargets, planFor, readSampleDiff };
}
