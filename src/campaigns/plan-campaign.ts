import type { DependencyEnvironment } from '../changes/dependency/types.js';
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { applyChange, pathsToRead } from '../changes/apply-change.js';
import { applyChangeInDirectory } from '../changes/apply-in-directory.js';
import type { WorkspacePool } from '../workspace/workspaces.js';
import type { CampaignSpec, StepDefinition } from '../domain/spec.js';
import { plural } from '../domain/words.js';
import { FleetError, isFleetError } from '../errors.js';
import type { Gateway, RepoInfo } from '../github/gateway.js';
import { CI_HEALTH_REQUESTS, readCiHealth, type CiHealthReport } from './ci-health.js';
import { discoverTargets as discover, dropUnchanged, type DroppedTarget } from './discover-targets.js';
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
  /**
   * Checkouts for the preview: with a pool, the change runs on each sampled repository in a real
   * checkout (every kind, `run` included), as open-pr will make it; without one, in memory.
   */
  workspaces?: WorkspacePool;
  /** FLEET_UNSANDBOXED=1: code from the catalog may run without bubblewrap. */
  unsandboxed?: boolean;
  /** The dependency change's registries and allowed credentials, for the preview's run of the change. */
  dependencies?: DependencyEnvironment;
  /** How long the whole sample may take in checkouts (default PREVIEW_TIME_BUDGET_MS). */
  previewBudgetMs?: number;
}

export interface CampaignPlanner {
  /** The spec's repositories (listed, from its org or a search), filtered by archived, forks, include, exclude and `containing`. */
  discoverTargets(spec: CampaignSpec): Promise<RepoInfo[]>;
  /**
   * The repositories to plan waves over: the spec's targets less those that need no change
   * (`containing`, then the cheap check of discover-targets.ts), with what was dropped and why.
   */
  selectTargets(spec: CampaignSpec): Promise<TargetSelection>;
  /** The waves, with each repository's CI health read from its default branch (see ci-health.ts). */
  planFor(spec: CampaignSpec, repos: RepoInfo[], seed: string): Promise<{ waves: PlannedWave[]; ci: CiHealthReport }>;
  /**
   * The change applied, in memory, to each sampled repository's default branch (chooseSample):
   * which need no change, which the change fails on, and the diff of the first that needs it.
   */
  readSample(spec: CampaignSpec, repos: RepoInfo[], sample: readonly string[]): Promise<PreviewSample>;
}

/** The targets planning keeps, and those it dropped before planning waves. */
export interface TargetSelection {
  repos: RepoInfo[];
  dropped: DroppedTarget[];
  /** Set when GitHub's rate limit stopped the cheap check early (the rest were kept). */
  stoppedBy?: string;
}

/** What the preview learned from running the change on its sample. */
export interface PreviewSample {
  /** The repositories the change was run on (those GitHub answered for). */
  sampled: string[];
  /** Of those, the ones that need no change. */
  noChange: string[];
  /** Of those, the ones the change fails on, with its sentence. */
  failed: { repo: string; reason: string }[];
  /** The repository whose diff is shown: the first sampled one that needs the change, else the first sampled. */
  sampleRepo: string | null;
  sampleDiff: string;
  /** Each sampled repository that needs the change, with its diff, in sample order. */
  diffs: { repo: string; diff: string }[];
  /** Set when GitHub's rate limit or the preview's time budget stopped the sampling early. */
  stoppedBy?: string;
}

/**
 * At most this many repositories are read for the preview: a few GitHub requests each (the
 * branch, its tree and the files the change edits), so the preview stays fast and cheap.
 */
export const PREVIEW_SAMPLE_SIZE = 10;
/** Parallel repositories while sampling. */
const SAMPLE_CONCURRENCY = 4;
/**
 * Files read for the whole sample at most (each is one GitHub request): a change over broad globs
 * (a codemod over "**") stops sampling further repositories once this many were read.
 */
export const PREVIEW_FILE_BUDGET = 100;
/** How long the preview may spend running the change in checkouts, for the whole sample. */
export const PREVIEW_TIME_BUDGET_MS = 60_000;
/** Lines of a failed command's output the preview shows. */
const PREVIEW_TAIL_LINES = 15;

/**
 * The preview's sample: the first wave (the canaries, the campaign's first real try), then
 * repositories spread evenly over the later waves, `size` in all; the whole fleet when it is no
 * larger.
 *
 * @example chooseSample([{ index: 0, repos: ['o/a', 'o/b'] }, { index: 1, repos: ['o/c', 'o/d', 'o/e', 'o/f'] }], 4) // ['o/a', 'o/b', 'o/c', 'o/e']
 */
export function chooseSample(waves: readonly PlannedWave[], size = PREVIEW_SAMPLE_SIZE): string[] {
  const first = (waves[0]?.repos ?? []).slice(0, size);
  const rest = waves.slice(1).flatMap((w) => w.repos);
  const room = size - first.length;
  if (room <= 0 || rest.length === 0) return first;
  if (rest.length <= room) return [...first, ...rest];
  const step = rest.length / room;
  return [...first, ...Array.from({ length: room }, (_, i) => rest[Math.floor(i * step)])];
}

/**
 * GitHub requests per target along the default path, measured against the fake GitHub's counters.
 * open-pr pushes its commit with git (the clone's and the push's smart-HTTP requests are not
 * REST and not counted here): 10 REST requests, of which the PR, its labels and its reviewers
 * create content (test/steps/open-pr-git.test.ts measures them).
 */
const REQUESTS_PER_STEP: Record<string, { requests: number; content: number }> = {
  // Content: the PR, labels, a review request (a draft's only; see openPrContent).
  'open-pr': { requests: 11, content: 3 },
  'await-checks': { requests: 5, content: 0 },
  compliance: { requests: 4, content: 0 },
  canary: { requests: 0, content: 0 },
  gate: { requests: 0, content: 0 },
  // Content: the merge and the head branch's delete (none where the repository deletes it itself).
  merge: { requests: 3, content: 2 },
  bake: { requests: 0, content: 0 },
  close: { requests: 2, content: 2 },
  revert: { requests: 6, content: 5 },
};
/** GitHub's secondary limit on content-creating requests. */
const CONTENT_PER_HOUR = 500;
/** How long the preview assumes CI takes when no repository's recent CI time is known, unless the await-checks step gives up sooner. */
const ASSUMED_CI_MINUTES = 10;

function minutesText(minutes: number): string {
  if (minutes < 1) return `${Math.max(1, Math.round(minutes * 60))} s`;
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes / 60} h`;
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

/**
 * A short hash of a spec's content, as parsed: a preview's Launch carries it, so a spec edited in
 * the catalog after the preview is noticed.
 *
 * @example hashSpec(spec) // '3f2a9c0d1b7e4a55'
 */
export function hashSpec(spec: CampaignSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** Step kinds whose length the estimate counts, and the option that sets it. */
const TIMED_STEPS = ['canary', 'bake'] as const;

/**
 * The timed steps (canary, bake) whose duration the spec leaves at its default, in path order.
 *
 * @example defaultedDurations(spec) // ['bake'] for steps [open-pr, await-checks, merge, bake]
 */
export function defaultedDurations(spec: CampaignSpec): string[] {
  return spec.steps.filter((s) => (TIMED_STEPS as readonly string[]).includes(s.kind) && s.options.duration === undefined).map((s) => s.kind);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
  /** Minutes the repositories' latest CI took (ci-health.ts `ciMinutes`), where known; empty: assumed. */
  ciMinutes?: readonly number[];
  /** The timed steps left at their default duration (defaultedDurations), named in the explanation. */
  defaulted?: readonly string[];
  /**
   * The spec's PR: labels cost open-pr a write; a draft's code owners are asked by Fleet (GitHub
   * asks those of a ready PR itself). Absent: both counted, the most open-pr writes.
   */
  pr?: { labels: boolean; draft: boolean; reviewersFromCodeowners: boolean };
  /** How many of the targets' repositories delete merged head branches themselves (`delete_branch_on_merge`): merge deletes none there. */
  autoDeleting?: number;
}

/** open-pr's content-creating requests per PR: the PR, the labels when the spec asks, the review request of a draft. */
function openPrContent(pr: PreviewEstimateInput['pr']): number {
  if (!pr) return REQUESTS_PER_STEP['open-pr'].content;
  return 1 + (pr.labels ? 1 : 0) + (pr.draft && pr.reviewersFromCodeowners ? 1 : 0);
}

/**
 * The preview's GitHub budget and time estimate: requests per step along the path, CI time (the
 * median of the repositories' own latest CI runs when known, else assumed; capped by the checks
 * step's timeout), canary and bake durations per wave, and the pacing of content-creating
 * requests. The explanation names the durations that are the defaults. Pure.
 *
 * @example
 * // open-pr, await-checks (5 min timeout), bake (30 min) over 10 targets in 2 waves:
 * const { github, estimate } = estimatePreview({ steps: resolveSteps(spec), targets: 10, waveCount: 2, remaining: 4000 });
 * github // { requests: 201, contentRequests: 70, remaining: 4000 }
 * estimate.minutes // 79: 2 × (30 + 5) min, plus 8.4 min of pacing at 500 an hour
 */
export function estimatePreview(input: PreviewEstimateInput): Pick<CampaignPreview, 'github' | 'estimate'> {
  const { steps, targets, waveCount, remaining } = input;
  // open-pr's writes as the spec makes them: its reads, plus what openPrContent counts.
  // merge deletes no branch when the step is told not to.
  const fewer = (s: StepDefinition) => (s.kind === 'open-pr' ? REQUESTS_PER_STEP['open-pr'].content - openPrContent(input.pr) : s.kind === 'merge' && s.options.deleteBranch === false ? 1 : 0);
  const perTarget = steps.reduce((acc, s) => ({ requests: acc.requests + (REQUESTS_PER_STEP[s.kind]?.requests ?? 2) - fewer(s), content: acc.content + (REQUESTS_PER_STEP[s.kind]?.content ?? 0) - fewer(s) }), { requests: 0, content: 0 });
  // merge's branch delete, where GitHub deletes the head branch itself.
  const deletes = steps.some((s) => s.kind === 'merge' && s.options.deleteBranch !== false) ? Math.min(targets, input.autoDeleting ?? 0) : 0;
  // The start reads each repository's CI health again for its plan: conditional, so mostly free 304s.
  const requests = targets * (perTarget.requests + CI_HEALTH_REQUESTS) + targets + 1 - deletes;
  const contentRequests = targets * perTarget.content - deletes;
  const perHour = input.contentPerHour ?? CONTENT_PER_HOUR;
  const timed = steps.filter((s) => typeof s.options.duration === 'number').map((s) => ({ kind: s.kind, minutes: (s.options.duration as number) / 60_000 }));
  const durations = timed.reduce((sum, t) => sum + t.minutes, 0);
  const checks = steps.find((s) => s.kind === 'await-checks');
  const known = input.ciMinutes ?? [];
  const typicalCi = known.length > 0 ? median(known) : ASSUMED_CI_MINUTES;
  const timeout = checks && typeof checks.options.timeout === 'number' ? checks.options.timeout / 60_000 : Infinity;
  const ciMinutes = checks ? Math.min(typicalCi, timeout) : 0;
  const parts: string[] = [];
  if (checks) {
    if (ciMinutes < typicalCi) parts.push(`CI up to ${minutesText(ciMinutes)}, the checks step's timeout`);
    else if (known.length > 0) parts.push(`CI about ${minutesText(ciMinutes)}, the median of ${plural(known.length, "repository's", "repositories'")} latest runs`);
    else parts.push(`CI assumed ${minutesText(ciMinutes)}, as no repository's recent CI time is known`);
  }
  for (const t of timed) parts.push(`${t.kind} ${minutesText(t.minutes)}`);
  const waitMinutes = durations + ciMinutes;
  const pacingMinutes = (contentRequests / perHour) * 60;
  const minutes = Math.ceil(waveCount * waitMinutes + pacingMinutes);
  const defaulted = timed.filter((t) => input.defaulted?.includes(t.kind));
  const defaultsText =
    defaulted.length === 0
      ? ''
      : ` ${defaulted.map((t) => `${t.kind} ${minutesText(t.minutes)}`).join(' and ').replace(/^./, (c) => c.toUpperCase())} ${defaulted.length === 1 ? 'is the default duration' : 'are the default durations'}; ` +
        `set \`duration\` on ${defaulted.length === 1 ? 'that step' : 'those steps'} in the spec to change ${defaulted.length === 1 ? 'it' : 'them'}.`;
  return {
    github: { requests, contentRequests, remaining },
    estimate: {
      minutes,
      explanation:
        `${plural(waveCount, 'wave')} × about ${minutesText(waitMinutes)} each${parts.length ? ` (${parts.join('; ')})` : ''}, ` +
        `plus ${minutesText(pacingMinutes)} of pacing for ${plural(contentRequests, 'content-creating request')} at ${perHour} an hour; approvals at review gates add to this.${defaultsText}`,
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
    return (await discover(deps.gateway, spec)).repos;
  }

  async function selectTargets(spec: CampaignSpec): Promise<TargetSelection> {
    const found = await discover(deps.gateway, spec);
    const checked = await dropUnchanged(deps.gateway, spec, found.repos);
    return { repos: checked.kept, dropped: [...found.dropped, ...checked.dropped], ...(checked.stoppedBy ? { stoppedBy: checked.stoppedBy } : {}) };
  }

  async function planFor(spec: CampaignSpec, repos: RepoInfo[], seed: string): Promise<{ waves: PlannedWave[]; ci: CiHealthReport }> {
    if (repos.length === 0) {
      throw new FleetError('bad_input', `No repositories match the targets of ${spec.name}. Widen targets (org, topics, include) or list repos explicitly.`);
    }
    const ci = await readCiHealth(deps.gateway, repos);
    const inputs = repos.map((r) => ({ repo: r.fullName, canary: spec.targets.canary.includes(r.fullName), ciHealth: ci.health.get(r.fullName) ?? null, criticality: findCriticality(spec, r.fullName) }));
    return { waves: (deps.planWaves ?? planWaves)(inputs, spec.waves, seed).filter((w) => w.repos.length > 0), ci };
  }

  /** The change run on one repository's default branch; null when it has none, or when `reserve` refuses its files. */
  async function readOne(spec: CampaignSpec, info: RepoInfo, reserve: (files: number) => boolean): Promise<{ noop: boolean; text: string } | null> {
    const head = await deps.gateway.getBranchSha(info.fullName, info.defaultBranch);
    if (!head) return null;
    const tree = await deps.gateway.listTree(info.fullName, head);
    const wanted = new Set(pathsToRead(spec.change, tree.map((e) => e.path)));
    if (!reserve(wanted.size)) return null;
    const files = await deps.gateway.readFiles(info.fullName, tree.filter((e) => wanted.has(e.path)));
    const result = await applyChange(spec.change, files, { repo: info.fullName, catalogDir: deps.catalogDir });
    return { noop: result.noop, text: result.noop ? `(no change needed: ${result.reason})` : result.diff };
  }

  /** The change run in a checkout of the repository's default branch; the checkout goes afterwards. */
  async function readInWorkspace(pool: WorkspacePool, spec: CampaignSpec, info: RepoInfo, run: string): Promise<{ noop: boolean; text: string } | null> {
    const head = await deps.gateway.getBranchSha(info.fullName, info.defaultBranch);
    if (!head) return null;
    const key = `preview:${run}:${info.fullName}`;
    const ws = await pool.acquire({ key, remote: deps.gateway.gitRemote(info.fullName), sha: head, branch: info.defaultBranch });
    try {
      const result = await applyChangeInDirectory(spec.change, ws.dir, { repo: info.fullName, ...(deps.catalogDir ? { catalogDir: deps.catalogDir } : {}), sandbox: { allowUnsandboxed: deps.unsandboxed === true }, ...(deps.dependencies ? { dependencies: deps.dependencies } : {}) });
      return { noop: result.noop, text: result.noop ? `(no change needed: ${result.reason})` : result.diff };
    } finally {
      await ws.release();
      await pool.remove(key);
    }
  }

  async function readSample(spec: CampaignSpec, repos: RepoInfo[], sample: readonly string[]): Promise<PreviewSample> {
    const byName = new Map(repos.map((r) => [r.fullName, r]));
    const results = new Map<string, { noop: boolean; text: string } | { failed: string }>();
    const queue = sample.filter((name) => byName.has(name));
    let stoppedBy: string | undefined;
    const pool = deps.workspaces;
    const budgetMs = deps.previewBudgetMs ?? PREVIEW_TIME_BUDGET_MS;
    const deadline = Date.now() + budgetMs;
    const run = createHash('sha256').update(`${spec.name}:${Date.now()}:${Math.random()}`).digest('hex').slice(0, 8);
    const outOfTime = () => `the preview's time budget of ${budgetMs < 1000 ? `${budgetMs} ms` : `${Math.round(budgetMs / 1000)} s`} ran out after ${results.size} of ${queue.length} sampled repositories; the rest are run when their wave does`;
    /** One repository within what is left of the time budget; undefined when the budget ran out first (its checkout is removed when it ends). */
    async function withinBudget<T>(work: Promise<T>): Promise<T | undefined> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
      });
      work.catch(() => undefined);
      try {
        return await Promise.race([work, late]);
      } finally {
        clearTimeout(timer);
      }
    }
    let next = 0;
    let filesRead = 0;
    // Lanes read trees at once: a repository whose files would start after the budget is spent is not read.
    const reserve = (files: number) => {
      if (filesRead >= PREVIEW_FILE_BUDGET) return false;
      filesRead += files;
      return true;
    };
    async function lane(): Promise<void> {
      while (next < queue.length && stoppedBy === undefined && (pool || filesRead < PREVIEW_FILE_BUDGET)) {
        if (pool && Date.now() >= deadline) {
          stoppedBy = outOfTime();
          break;
        }
        const repo = queue[next++];
        try {
          if (pool) {
            const outcome = await withinBudget(readInWorkspace(pool, spec, byName.get(repo)!, run));
            if (outcome === undefined) {
              stoppedBy ??= outOfTime();
              break;
            }
            if (outcome) results.set(repo, outcome);
            continue;
          }
          const outcome = await readOne(spec, byName.get(repo)!, reserve);
          if (outcome) results.set(repo, outcome);
        } catch (error) {
          if (isFleetError(error, 'budget_exhausted')) stoppedBy = error.message;
          else if (isFleetError(error, 'change_failed')) results.set(repo, { failed: withTail(error.message, error.details.outputTail) });
          // A repository GitHub will not answer for is left out of the sample, not counted.
          else if (!isFleetError(error, 'github_error')) throw error;
        }
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(SAMPLE_CONCURRENCY, queue.length)) }, lane));
    const sampled = queue.filter((r) => results.has(r));
    const noChange = sampled.filter((r) => { const o = results.get(r)!; return 'noop' in o && o.noop; });
    const failed = sampled.flatMap((r) => { const o = results.get(r)!; return 'failed' in o ? [{ repo: r, reason: o.failed }] : []; });
    const shown = sampled.find((r) => { const o = results.get(r)!; return 'noop' in o && !o.noop; }) ?? sampled[0] ?? null;
    const outcome = shown ? results.get(shown)! : undefined;
    const sampleDiff = !outcome ? '' : 'failed' in outcome ? `(the change fails here: ${outcome.failed})` : outcome.text;
    const diffs = sampled.flatMap((r) => {
      const o = results.get(r)!;
      return 'noop' in o && !o.noop ? [{ repo: r, diff: o.text }] : [];
    });
    return { sampled, noChange, failed, sampleRepo: shown, sampleDiff, diffs, ...(stoppedBy ? { stoppedBy } : {}) };
  }

  return { discoverTargets, selectTargets, planFor, readSample };
}

/** A failure's sentence with the last lines of the command's output, when it printed any. */
function withTail(message: string, tail: unknown): string {
  if (typeof tail !== 'string' || tail.trim() === '') return message;
  const lines = tail.replace(/\n+$/, '').split('\n');
  return `${message}\n${lines.slice(-PREVIEW_TAIL_LINES).join('\n')}`;
}
