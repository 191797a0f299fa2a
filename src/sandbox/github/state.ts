import { createHash } from 'node:crypto';
import { FleetError } from '../../errors.js';
import { mergeLines } from './diff.js';
import { findBrokenManifest, findLockfileMismatch, type LockfileMismatch, type ManifestProblem } from './ci-build.js';
import { DEFAULT_REPO_SETTINGS, activeRules, type RepoSettings, type RulesetInput, type RulesetRecord, type RulesetRule } from './rulesets.js';
import { codeownersMatcher, reviewRefusal as refuseByReviews, reviewRequirement, type SandboxReviewer } from './reviews.js';
import { createObjectStore, hashBlob, isBinaryContent, type FlatTree, type GitPerson, type ObjectStore } from './git-objects.js';
import { createMergeQueue, type MergeGroupRecord } from './merge-queue.js';
import type { WorkflowRunRecord } from './actions.js';
import { createDeploymentState, type DeploymentEvent } from './deployments.js';

/**
 * The fake's world: repositories, refs, git objects, pull requests, reviews, check runs and
 * statuses. Plain records and operations, no HTTP; `routes.ts` renders them in GitHub's shapes.
 */

export type CiOutcome = 'pass' | 'fail' | 'flaky' | 'fail-on-default' | 'manual';
export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CiProfile {
  /** Check names created on every new commit. */
  checks: string[];
  outcome: CiOutcome;
  durationMs: number;
  /** Share of flaky runs that fail (default 0.3), decided per commit, check and attempt, deterministically. */
  flakyRate?: number;
  /**
   * Ground truth for "this change breaks CI": true makes every check fail on that commit. It is
   * given the commit's text files (binary files, as git tells them, are left out).
   */
  failWhen?: (files: Record<string, string>) => boolean;
  /** The same as `failWhen`, in a form that travels over HTTP: fails when the dependency is at or above the version. */
  failWhenDependency?: { name: string; atLeast: string };
  /**
   * Ground truth for "this repository fails any change for a reason of its own" (a test pinned to
   * today's behaviour, a snapshot, a conflicting pin): its `test` check (every check when it has
   * none) fails on every commit whose tree differs from the one the repository was seeded with,
   * on each re-run too, while the seeded default branch stays green.
   */
  failOnChange?: boolean;
  /** False: GitHub refuses to re-run this CI's check suites (403), as for a suite that is not rerequestable. Default true. */
  rerequestable?: boolean;
}

export interface BranchProtection {
  requiredChecks: string[];
  requiredApprovals?: number;
  /** GitHub's "Require branches to be up to date before merging" (`required_status_checks.strict`). */
  strict?: boolean;
  /** GitHub's "Require signed commits" (`required_signatures`). */
  requiredSignatures?: boolean;
  /** `required_pull_request_reviews.require_code_owner_reviews` (with `requiredApprovals` set). */
  requireCodeOwnerReviews?: boolean;
  /** `required_pull_request_reviews.require_last_push_approval`. */
  requireLastPushApproval?: boolean;
  /** `required_pull_request_reviews.dismiss_stale_reviews`: a push dismisses the approvals given before it. */
  dismissStaleReviews?: boolean;
}

export interface SeedRepoInput {
  owner: string;
  name: string;
  /** Path → content: text (stored as UTF-8) or bytes, kept byte for byte. */
  files: Record<string, string | Uint8Array>;
  topics?: string[];
  language?: string | null;
  archived?: boolean;
  defaultBranch?: string;
  description?: string | null;
  protection?: BranchProtection;
  /** Repository rulesets (GitHub's recommended protection); organisation ones are seeded with `addOrgRuleset`. */
  rulesets?: RulesetInput[];
  /** Merge settings (allowed methods, auto-merge, update branch, delete branch on merge); default DEFAULT_REPO_SETTINGS. */
  settings?: Partial<RepoSettings>;
  /** A fork of another repository (GitHub lists forks with the organisation's own). */
  fork?: boolean;
  /** The repository (`owner/name`, seeded before) this one is a fork of: its `parent`, implies `fork`. */
  forkOf?: string;
  ci?: CiProfile;
  /** People who review this repository's PRs some time after a review is asked of them (or of their team). */
  reviewers?: SandboxReviewer[];
  /** Ground truth for the sandbox's CD: a deploy of a version other than the seeded one fails with this description. */
  deployBreaks?: string;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  topics: string[];
  language: string | null;
  archived: boolean;
  description: string | null;
  protection: BranchProtection | null;
  rulesets: RulesetRecord[];
  settings: RepoSettings;
  fork: boolean;
  /** The parent of a fork (`owner/name`), when the seed named it. */
  forkOf?: string;
  ci: CiProfile | null;
  /** The sandbox CD's ground truth (`SeedRepoInput.deployBreaks`), null when its deploys succeed. */
  deployBreaks: string | null;
  /** 'heads/main' → commit sha */
  refs: Map<string, string>;
  createdAt: string;
  pushedAt: string;
  nextNumber: number;
}

export interface ReviewRecord {
  id: number;
  login: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING' | 'DISMISSED';
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface CommentRecord {
  id: number;
  login: string;
  body: string;
  createdAt: string;
}

export interface PullRecord {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  login: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  reviews: ReviewRecord[];
  comments: CommentRecord[];
  /**
   * The base and head GitHub last computed `mergeable` for. GitHub computes it in the background:
   * the first read after either moves answers `mergeable: null` and starts the job; the next has it.
   */
  mergeabilityOf?: string;
}

/** One merge of a PR, as `world.merges()` logs it. */
export interface MergeLogEntry {
  /** `owner/name` */
  repo: string;
  number: number;
  /** The head that was merged (for a merge queue, the merge group's head). */
  headSha: string;
  method: 'merge' | 'squash' | 'rebase';
  /** Every check run and status on `headSha` had completed when it merged. */
  checksComplete: boolean;
  /** The checks still queued or in progress then. */
  incompleteChecks: string[];
  via: 'api' | 'queue' | 'auto';
}

/** GitHub's `mergeable_state` values the fake reports. */
export type MergeableState = 'clean' | 'dirty' | 'behind' | 'blocked' | 'unstable' | 'draft' | 'unknown';

export interface CheckRunRecord {
  id: number;
  suiteId: number;
  owner: string;
  repo: string;
  headSha: string;
  headBranch: string;
  name: string;
  /** 1 for the run a push started; a re-run of the suite adds a run with the next attempt. */
  attempt: number;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: CheckConclusion | null;
  /** What the run will conclude when due; null for a manual check. */
  planned: CheckConclusion | null;
  /** The output the run shows once completed (why a build failed); null: the default words for its conclusion. */
  output: { title: string; summary: string } | null;
  startedAt: string;
  completedAt: string | null;
  dueAt: number;
}

/** A commit's signature as GitHub's REST `verification` shows it. */
export interface CommitVerification {
  verified: boolean;
  reason: 'valid' | 'unsigned' | 'unknown_key';
  signature: string | null;
  payload: string | null;
  verified_at: string | null;
}

/** Something the world did that GitHub would announce by webhook. */
export type WorldEvent =
  | { kind: 'pull_request'; action: 'opened' | 'closed' | 'reopened' | 'synchronize' | 'edited' | 'ready_for_review' | 'enqueued' | 'dequeued' | 'auto_merge_enabled'; pull: PullRecord; actor: string }
  | { kind: 'merge_group'; action: 'checks_requested' | 'destroyed'; owner: string; repo: string; group: MergeGroupRecord; reason?: 'merged' | 'invalidated' | 'dequeued' }
  | { kind: 'pull_request_review'; pull: PullRecord; review: ReviewRecord }
  | { kind: 'check_run'; run: CheckRunRecord }
  | { kind: 'check_suite'; runs: CheckRunRecord[] }
  | { kind: 'status'; run: CheckRunRecord }
  | { kind: 'push'; push: PushRecord }
  | { kind: 'workflow_run'; action: 'requested' | 'in_progress' | 'completed'; run: WorkflowRunRecord }
  | DeploymentEvent;

/** One ref a `git push` moved, as the `push` webhook tells it. */
export interface PushRecord {
  owner: string;
  repo: string;
  /** `refs/heads/main` */
  ref: string;
  /** null: the push created the ref. */
  before: string | null;
  /** null: the push deleted the ref. */
  after: string | null;
  forced: boolean;
  /** Another branch already at `after` when a push creates a ref (GitHub's `base_ref`). */
  baseRef: string | null;
  /** The commits the push added, oldest first. */
  commits: string[];
  pusher: string;
}

/** A ref update a `git push` made: `before`/`after` null for a created/deleted ref. */
export interface RefUpdate {
  ref: string;
  before: string | null;
  after: string | null;
}

export interface WorldDeps {
  /** Wall clock in epoch ms; the world adds its own `advance()` offset. */
  now: () => number;
  emit: (event: WorldEvent) => void;
}

export type World = ReturnType<typeof createWorld>;

/** An HTTP-level failure in GitHub's words; the server renders it as GitHub's error body. */
export function failHttp(status: number, message: string, errors?: unknown[]): never {
  const code = status === 404 ? 'not_found' : status === 409 ? 'conflict' : status === 401 || status === 403 ? 'forbidden' : 'bad_input';
  throw new FleetError(code, message, { httpStatus: status, ...(errors ? { errors } : {}) });
}

function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^[^\d]*/, '').split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.replace(/^[^\d]*/, '').split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length, 3); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * True when package.json declares `name` (in any dependency block) at or above `atLeast`.
 *
 * @example hasDependencyAtLeast({ 'package.json': '{"dependencies":{"lodash":"^4.17.21"}}' }, 'lodash', '4.17.21') // true
 */
export function hasDependencyAtLeast(files: Record<string, string | Uint8Array>, name: string, atLeast: string): boolean {
  const text = files['package.json'];
  if (text === undefined) return false;
  if (typeof text !== 'string') return true;
  try {
    const manifest = JSON.parse(text) as Record<string, Record<string, string> | undefined>;
    for (const block of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      const version = manifest[block]?.[name];
      if (typeof version === 'string' && compareVersions(version, atLeast) >= 0) return true;
    }
  } catch {
    // A broken manifest is the change's fault; CI fails on it below.
    return true;
  }
  return false;
}

/** A deterministic number in [0, 1) for a key, so flaky CI is the same on every run. */
function unitHash(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const BOT = 'fleet-bot';

/**
 * A commit's `gpgsig` (or `gpgsig-sha256`) header and the bytes it signs (the commit without that
 * header), as git's verify-commit splits them; undefined for an unsigned commit.
 */
export function splitSignature(raw: Buffer): { signature: string; payload: string } | undefined {
  const text = raw.toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end === -1 ? text : text.slice(0, end + 1);
  const lines = head.split('\n');
  const start = lines.findIndex((line) => line.startsWith('gpgsig ') || line.startsWith('gpgsig-sha256 '));
  if (start === -1) return undefined;
  let stop = start + 1;
  while (stop < lines.length && lines[stop]?.startsWith(' ')) stop += 1;
  const block = lines.slice(start, stop);
  const signature = [block[0]?.slice(block[0].indexOf(' ') + 1) ?? '', ...block.slice(1).map((line) => line.slice(1))].join('\n');
  const payload = [...lines.slice(0, start), ...lines.slice(stop)].join('\n') + (end === -1 ? '' : text.slice(end + 1));
  return { signature: signature.endsWith('\n') ? signature : `${signature}\n`, payload };
}

export function createWorld(given: WorldDeps) {
  /** Stand-ins that react to what the world did (the sandbox's CD deploys a moved default branch). */
  const eventListeners: ((event: WorldEvent) => void)[] = [];
  const deps: WorldDeps = {
    now: given.now,
    emit: (event) => {
      given.emit(event);
      for (const listener of [...eventListeners]) listener(event);
    },
  };
  const objects: ObjectStore = createObjectStore();
  const repos = new Map<string, RepoRecord>();
  const pulls: PullRecord[] = [];
  /** Organisation login (lower case) → its rulesets. */
  const orgRulesets = new Map<string, RulesetRecord[]>();
  /** Every merge of a PR, by any path, in order. */
  const mergeLog: MergeLogEntry[] = [];
  const checkRuns: CheckRunRecord[] = [];
  const suites = new Map<string, number>();
  const manifestVerdicts = new Map<string, ManifestProblem | null>();
  /** Each repository's tree as seeded (`owner/name` lower-cased → tree sha), for `CiProfile.failOnChange`. */
  const seededTrees = new Map<string, string>();
  const lockfileVerdicts = new Map<string, LockfileMismatch | null>();
  /** Commits GitHub made and signed itself (API commits of a bot, merge and squash commits) → when. */
  const signedByGitHub = new Map<string, string>();
  /** `org/slug` (lower case) → the team's member logins. */
  const teams = new Map<string, { org: string; slug: string; members: string[] }>();
  /** `owner/name` (lower case) → the sandbox reviewers of the repository. */
  const reviewersOf = new Map<string, SandboxReviewer[]>();
  /** Reviews the sandbox reviewers will give: the PR, who, when. */
  const dueReviews: { pull: PullRecord; reviewer: SandboxReviewer; dueAt: number | null }[] = [];
  /** PR id → who pushed its head last. */
  const lastPushers = new Map<number, string>();
  let offsetMs = 0;
  let nextId = 1000;
  /** Stand-ins driven by the fake's clock (the sandbox's CD), run after CI on each evaluation. */
  const evaluateHooks: (() => void)[] = [];

  function now(): number {
    return deps.now() + offsetMs;
  }

  function newId(): number {
    nextId += 1;
    return nextId;
  }

  function person(login: string): GitPerson {
    return { name: login, email: `${login}@users.noreply.github.com`, date: iso(now()) };
  }

  function getRepo(owner: string, name: string): RepoRecord {
    const repo = repos.get(`${owner}/${name}`.toLowerCase());
    if (!repo) failHttp(404, 'Not Found');
    return repo;
  }

  function listOrgRepos(org: string): RepoRecord[] {
    const list = [...repos.values()].filter((repo) => repo.owner.toLowerCase() === org.toLowerCase());
    if (list.length === 0) failHttp(404, 'Not Found');
    return list.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A branch name, `heads/x`, `refs/heads/x` or a commit sha → commit sha. */
  function resolveCommit(repo: RepoRecord, ref: string): string | undefined {
    const short = ref.replace(/^refs\//, '');
    let direct = repo.refs.get(short) ?? repo.refs.get(`heads/${short}`) ?? repo.refs.get(`tags/${short}`);
    // An annotated tag (pushed by git) names its commit.
    for (let object = direct ? objects.get(direct) : undefined; object?.type === 'tag'; object = objects.get(object.object)) direct = object.object;
    if (direct) return direct;
    if (/^[0-9a-f]{40}$/.test(ref) && objects.get(ref)?.type === 'commit') return ref;
    return undefined;
  }

  function mergeBase(a: string, b: string): string | undefined {
    const ofA = new Set(objects.ancestors(a));
    return objects.ancestors(b).find((sha) => ofA.has(sha));
  }

  /**
   * What a run will conclude. A change that breaks CI breaks every attempt; a flaky check rolls
   * again on each attempt (the first attempt keeps the key it always had), so a re-run usually passes.
   */
  function planConclusion(repo: RepoRecord, sha: string, name: string, attempt = 1): { planned: CheckConclusion | null; output: CheckRunRecord['output'] } {
    const ci = repo.ci;
    if (!ci || ci.outcome === 'manual') return { planned: null, output: null };
    const verdict = (planned: CheckConclusion) => ({ planned, output: null });
    // The build reads the manifests first: one that does not parse fails it, whatever the profile says.
    if (name === 'build') {
      const broken = brokenManifest(sha);
      if (broken) return { planned: 'failure', output: { title: `Build failed: ${broken.path} does not parse`, summary: `${broken.path}: ${broken.error}` } };
      // Then it installs, as `npm ci` and the like do: a lockfile out of step with its manifest fails it.
      const stale = staleLockfile(sha);
      if (stale) return { planned: 'failure', output: { title: `Build failed: ${stale.path} is out of date with its manifest`, summary: `${stale.path}: ${stale.message}` } };
    }
    if (ci.failWhen || ci.failWhenDependency) {
      const files = objects.readFiles(sha);
      if (ci.failWhen?.(files)) return verdict('failure');
      if (ci.failWhenDependency && hasDependencyAtLeast(files, ci.failWhenDependency.name, ci.failWhenDependency.atLeast)) return verdict('failure');
    }
    if (ci.failOnChange && (name === 'test' || !ci.checks.includes('test'))) {
      const commit = objects.get(sha);
      if (commit?.type === 'commit' && commit.tree !== seededTrees.get(`${repo.owner}/${repo.name}`.toLowerCase())) return verdict('failure');
    }
    if (ci.outcome === 'fail' || ci.outcome === 'fail-on-default') return verdict('failure');
    if (ci.outcome === 'flaky') return verdict(unitHash(attempt === 1 ? `${sha}:${name}` : `${sha}:${name}:${attempt}`) < (ci.flakyRate ?? 0.3) ? 'failure' : 'success');
    return verdict('success');
  }

  /** The first manifest under a commit's tree that does not parse, remembered per tree (repositories that share content share the answer). */
  function brokenManifest(sha: string): ManifestProblem | undefined {
    const commit = objects.get(sha);
    if (commit?.type !== 'commit') return undefined;
    if (manifestVerdicts.has(commit.tree)) return manifestVerdicts.get(commit.tree) ?? undefined;
    const flat = objects.flatten(commit.tree);
    const problem = findBrokenManifest([...flat.keys()], (path) => {
      const blob = objects.get(flat.get(path)?.sha ?? '');
      return blob?.type === 'blob' ? blob.content : Buffer.alloc(0);
    });
    manifestVerdicts.set(commit.tree, problem ?? null);
    return problem;
  }

  /** The first lockfile under a commit's tree that its install step refuses, remembered per tree. */
  function staleLockfile(sha: string): LockfileMismatch | undefined {
    const commit = objects.get(sha);
    if (commit?.type !== 'commit') return undefined;
    if (lockfileVerdicts.has(commit.tree)) return lockfileVerdicts.get(commit.tree) ?? undefined;
    const flat = objects.flatten(commit.tree);
    const mismatch = findLockfileMismatch([...flat.keys()], (path) => {
      const blob = objects.get(flat.get(path)?.sha ?? '');
      return blob?.type === 'blob' ? blob.content : Buffer.alloc(0);
    });
    lockfileVerdicts.set(commit.tree, mismatch ?? null);
    return mismatch;
  }

  /** The newest run of each check name (a re-run adds runs; GitHub's `filter=latest` shows only these). */
  function latestRuns(runs: readonly CheckRunRecord[]): CheckRunRecord[] {
    const byName = new Map<string, CheckRunRecord>();
    for (const run of runs) {
      const seen = byName.get(run.name);
      if (!seen || run.id > seen.id) byName.set(run.name, run);
    }
    return runs.filter((run) => byName.get(run.name) === run);
  }

  /** The latest runs of a check suite. */
  function suiteRuns(suiteId: number): CheckRunRecord[] {
    return latestRuns(checkRuns.filter((run) => run.suiteId === suiteId));
  }

  function startChecks(repo: RepoRecord, sha: string, branch: string, completeNow: boolean): void {
    if (!repo.ci || repo.ci.checks.length === 0) return;
    const suiteKey = `${repo.owner}/${repo.name}@${sha}`.toLowerCase();
    if (suites.has(suiteKey)) return;
    const suiteId = newId();
    suites.set(suiteKey, suiteId);
    const startedAt = now();
    for (const name of repo.ci.checks) {
      const { planned, output } = planConclusion(repo, sha, name);
      const done = completeNow && planned !== null;
      checkRuns.push({
        id: newId(),
        suiteId,
        owner: repo.owner,
        repo: repo.name,
        headSha: sha,
        headBranch: branch,
        name,
        attempt: 1,
        status: done ? 'completed' : 'queued',
        conclusion: done ? planned : null,
        planned,
        output,
        startedAt: iso(startedAt),
        completedAt: done ? iso(startedAt) : null,
        dueAt: startedAt + repo.ci.durationMs,
      });
    }
  }

  function finishRun(run: CheckRunRecord, conclusion: CheckConclusion): void {
    run.status = 'completed';
    run.conclusion = conclusion;
    run.completedAt = iso(now());
    deps.emit({ kind: 'check_run', run });
    deps.emit({ kind: 'status', run });
    const suite = suiteRuns(run.suiteId);
    if (suite.every((other) => other.status === 'completed')) deps.emit({ kind: 'check_suite', runs: suite });
  }

  /**
   * GitHub's "Rerequest a check suite": the suite goes back to queued and its CI runs again. Like
   * GitHub Actions (which re-runs the whole workflow run), every completed run of the suite gets a
   * new run with the next attempt, completed after the CI's duration; runs still going are left
   * alone. GitHub sends the `check_suite` `rerequested` webhook only to the app that owns the
   * suite (here the CI), so the repository's webhook hears only the new runs' `completed` events.
   */
  function rerequestSuite(repo: RepoRecord, suiteId: number): void {
    const suite = suiteRuns(suiteId).filter((run) => run.owner === repo.owner && run.repo === repo.name);
    if (suite.length === 0) failHttp(404, 'Not Found');
    if (repo.ci?.rerequestable === false) failHttp(403, 'This check suite is not rerequestable');
    const startedAt = now();
    for (const run of suite) {
      if (run.status !== 'completed') continue;
      const attempt = run.attempt + 1;
      checkRuns.push({
        ...run,
        id: newId(),
        attempt,
        status: 'queued',
        conclusion: null,
        ...planConclusion(repo, run.headSha, run.name, attempt),
        startedAt: iso(startedAt),
        completedAt: null,
        dueAt: startedAt + (repo.ci?.durationMs ?? 0),
      });
    }
  }

  /** Completes every check run whose time has come; called on each request and on `advance`. */
  function evaluateChecks(): void {
    const at = now();
    for (const run of checkRuns) {
      if (run.status === 'completed' || run.planned === null || run.dueAt > at) continue;
      finishRun(run, run.planned);
    }
    evaluateReviewers();
    mergeQueue.process();
    for (const hook of evaluateHooks) hook();
  }

  /**
   * The `push` event GitHub sends for a ref update (`ref` without `refs/`), whoever made it: the
   * commits it added (those no ref in `tips`, the refs before the update, already had), whether it
   * was forced, and the branch already at `after` when it created the ref.
   */
  function pushRecord(repo: RepoRecord, ref: string, before: string | null, after: string | null, pusher: string, tips: ReadonlyMap<string, string>): PushRecord {
    let commits: string[] = [];
    let forced = false;
    let baseRef: string | null = null;
    if (after) {
      const known = new Set<string>();
      const commitTips = [...tips].filter(([, sha]) => objects.get(sha)?.type === 'commit');
      if (before) for (const sha of objects.ancestors(before)) known.add(sha);
      else for (const [other, sha] of commitTips) if (other !== ref) for (const old of objects.ancestors(sha)) known.add(old);
      commits = objects.ancestors(after).filter((sha) => !known.has(sha)).reverse();
      forced = before !== null && !objects.ancestors(after).includes(before);
      if (!before) {
        const same = commitTips.find(([other, sha]) => other !== ref && other.startsWith('heads/') && sha === after);
        baseRef = same ? `refs/${same[0]}` : null;
      }
    }
    return { owner: repo.owner, repo: repo.name, ref: `refs/${ref}`, before, after, forced, baseRef, commits, pusher };
  }

  /**
   * Points a ref at a commit, starting CI for a new commit and telling open PRs on that branch.
   * GitHub announces every ref update with a `push` webhook, made through REST or a merge as much
   * as by git; `announce: false` is for a git push, which announces its updates itself.
   */
  function setRef(repo: RepoRecord, ref: string, sha: string, actor: string, announce = true): void {
    const before = repo.refs.get(ref) ?? null;
    const tips = announce ? new Map(repo.refs) : undefined;
    repo.refs.set(ref, sha);
    repo.pushedAt = iso(now());
    if (!ref.startsWith('heads/')) {
      if (tips && before !== sha) deps.emit({ kind: 'push', push: pushRecord(repo, ref, before, sha, actor, tips) });
      return;
    }
    const branch = ref.slice('heads/'.length);
    startChecks(repo, sha, branch, false);
    for (const pull of pulls) {
      if (pull.owner !== repo.owner || pull.repo !== repo.name || pull.state !== 'open' || pull.headRef !== branch || pull.headSha === sha) continue;
      pull.headSha = sha;
      pull.updatedAt = iso(now());
      pushedHead(repo, pull, actor);
      deps.emit({ kind: 'pull_request', action: 'synchronize', pull, actor });
    }
    if (tips && before !== sha) deps.emit({ kind: 'push', push: pushRecord(repo, ref, before, sha, actor, tips) });
  }

  function writeFiles(files: Record<string, string | Uint8Array>): string {
    const flat: FlatTree = new Map();
    for (const [path, content] of Object.entries(files)) {
      // Bytes are copied only when new to the store (a seed's array may be shared or reused by its caller).
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      const sha = hashBlob(bytes);
      flat.set(path, { sha: objects.get(sha) ? sha : objects.writeBlob(typeof content === 'string' ? bytes : Buffer.from(bytes)), mode: '100644' });
    }
    return objects.writeFlat(flat);
  }

  /**
   * Creates a repository with one commit holding `files` on its default branch. Its CI runs on
   * that commit at once (completed, except manual checks), so the default branch has a history.
   */
  function seedRepo(input: SeedRepoInput): { fullName: string; defaultBranch: string; headSha: string } {
    const key = `${input.owner}/${input.name}`.toLowerCase();
    if (repos.has(key)) throw new FleetError('conflict', `The fake already has ${input.owner}/${input.name}; seed each repository once or pick another name.`);
    const defaultBranch = input.defaultBranch ?? 'main';
    if (input.forkOf !== undefined && !repos.has(input.forkOf.toLowerCase())) {
      throw new FleetError('bad_input', `Seed ${input.owner}/${input.name}: forkOf "${input.forkOf}" is not a seeded repository; seed the parent first.`, { forkOf: input.forkOf });
    }
    const tree = writeFiles(input.files);
    const author = { name: 'Fleet Sandbox', email: 'sandbox@fleet.invalid', date: iso(now()) };
    const sha = objects.writeCommit({ tree, parents: [], message: 'Initial commit\n', author, committer: author });
    const repo: RepoRecord = {
      id: newId(),
      owner: input.owner,
      name: input.name,
      defaultBranch,
      topics: input.topics ?? [],
      language: input.language ?? null,
      archived: input.archived ?? false,
      description: input.description ?? null,
      protection: input.protection ?? null,
      rulesets: [],
      settings: { ...DEFAULT_REPO_SETTINGS, ...input.settings },
      fork: input.fork ?? input.forkOf !== undefined,
      ...(input.forkOf ? { forkOf: input.forkOf } : {}),
      ci: input.ci ?? null,
      deployBreaks: input.deployBreaks ?? null,
      refs: new Map([[`heads/${defaultBranch}`, sha]]),
      createdAt: iso(now()),
      pushedAt: iso(now()),
      nextNumber: 1,
    };
    repos.set(key, repo);
    seededTrees.set(key, tree);
    for (const ruleset of input.rulesets ?? []) addRuleset(repo, ruleset);
    if (input.reviewers?.length) reviewersOf.set(key, [...input.reviewers]);
    startChecks(repo, sha, defaultBranch, true);
    return { fullName: `${repo.owner}/${repo.name}`, defaultBranch, headSha: sha };
  }

  function toRuleset(input: RulesetInput, source: string, sourceType: RulesetRecord['sourceType']): RulesetRecord {
    return { id: newId(), name: input.name, enforcement: input.enforcement ?? 'active', include: input.include ?? ['~DEFAULT_BRANCH'], exclude: input.exclude ?? [], rules: input.rules, source, sourceType, createdAt: iso(now()) };
  }

  /** Adds a repository ruleset. */
  function addRuleset(repo: RepoRecord, input: RulesetInput): RulesetRecord {
    const record = toRuleset(input, `${repo.owner}/${repo.name}`, 'Repository');
    repo.rulesets.push(record);
    return record;
  }

  /** Adds an organisation ruleset: it applies to every repository of `org` whose branch it matches. */
  function addOrgRuleset(org: string, input: RulesetInput): RulesetRecord {
    const record = toRuleset(input, org, 'Organization');
    const list = orgRulesets.get(org.toLowerCase()) ?? [];
    list.push(record);
    orgRulesets.set(org.toLowerCase(), list);
    return record;
  }

  /** Every ruleset that may apply to the repository: its own, then its organisation's. */
  function rulesetsOf(repo: RepoRecord): RulesetRecord[] {
    return [...repo.rulesets, ...(orgRulesets.get(repo.owner.toLowerCase()) ?? [])];
  }

  /** The rules that block merges into `branch` of the repository, each with the ruleset it comes from. */
  function branchRules(repo: RepoRecord, branch: string): { rule: RulesetRule; ruleset: RulesetRecord }[] {
    return activeRules(rulesetsOf(repo), branch, repo.defaultBranch);
  }

  function getPull(owner: string, name: string, number: number): PullRecord {
    const repo = getRepo(owner, name);
    const pull = pulls.find((candidate) => candidate.owner === repo.owner && candidate.repo === repo.name && candidate.number === number);
    if (!pull) failHttp(404, 'Not Found');
    return pull;
  }

  function runsFor(repo: RepoRecord, sha: string): CheckRunRecord[] {
    return checkRuns.filter((run) => run.owner === repo.owner && run.repo === repo.name && run.headSha === sha);
  }

  /** The newest run of each check on a commit: what GitHub's merge rules and statuses look at. */
  function latestRunsFor(repo: RepoRecord, sha: string): CheckRunRecord[] {
    return latestRuns(runsFor(repo, sha));
  }

  /** A line merge of one file changed on both sides, as a new blob; undefined on a conflict or for binary content (git does not merge binary files). */
  function mergeBlobs(baseSha: string | undefined, oursSha: string, theirsSha: string): string | undefined {
    const text = (sha: string | undefined): string | undefined => {
      if (!sha) return '';
      const blob = objects.get(sha);
      if (blob?.type !== 'blob' || isBinaryContent(blob.content)) return undefined;
      return blob.content.toString('utf8');
    };
    const [base, ours, theirs] = [text(baseSha), text(oursSha), text(theirsSha)];
    if (base === undefined || ours === undefined || theirs === undefined) return undefined;
    // A file both sides added is merged against an empty base: only identical lines agree.
    const merged = mergeLines(base, ours, theirs);
    return merged === undefined ? undefined : objects.writeBlob(Buffer.from(merged, 'utf8'));
  }

  /** Three-way merge of flat trees; undefined on a conflict. */
  function mergeTrees(baseSha: string | undefined, oursSha: string, theirsSha: string): FlatTree | undefined {
    const treeOf = (commitSha: string | undefined): FlatTree => {
      const commit = commitSha ? objects.get(commitSha) : undefined;
      return commit?.type === 'commit' ? objects.flatten(commit.tree) : new Map();
    };
    const base = treeOf(baseSha);
    const ours = treeOf(oursSha);
    const theirs = treeOf(theirsSha);
    const result: FlatTree = new Map();
    for (const path of new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])) {
      const b = base.get(path)?.sha;
      const o = ours.get(path);
      const t = theirs.get(path);
      let pick: typeof o;
      if (o?.sha === t?.sha) pick = o;
      else if (b === o?.sha) pick = t;
      else if (b === t?.sha) pick = o;
      else {
        // Both sides changed the file: git merges their lines, and only overlapping or adjacent changes conflict.
        const merged = o && t && o.mode === t.mode ? mergeBlobs(b, o.sha, t.sha) : undefined;
        if (merged === undefined) return undefined;
        pick = { ...o!, sha: merged };
      }
      if (pick) result.set(path, pick);
    }
    return result;
  }

  /** Records that GitHub signed this commit (the fake holds no key, so no signature is written into it). */
  function markSigned(sha: string): void {
    if (!signedByGitHub.has(sha)) signedByGitHub.set(sha, iso(now()));
  }

  /**
   * A commit's verification as GitHub reports it: `valid` for a commit GitHub signed itself;
   * `unknown_key` for a `gpgsig` (or `gpgsig-sha256`) the fake cannot check (it holds nobody's
   * public key); `unsigned` for a commit with no signature.
   */
  function verification(sha: string): CommitVerification {
    const signedAt = signedByGitHub.get(sha);
    if (signedAt) return { verified: true, reason: 'valid', signature: null, payload: null, verified_at: signedAt };
    const commit = objects.get(sha);
    const signed = commit?.type === 'commit' && commit.raw ? splitSignature(commit.raw) : undefined;
    if (signed) return { verified: false, reason: 'unknown_key', signature: signed.signature, payload: signed.payload, verified_at: null };
    return { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };
  }

  /** The commits a PR brings onto its base that are not verified, oldest first. */
  function unverifiedCommits(baseSha: string, headSha: string): string[] {
    const onBase = new Set(objects.ancestors(baseSha));
    return objects.ancestors(headSha).filter((sha) => !onBase.has(sha) && !verification(sha).verified).reverse();
  }

  /** The paths a PR changes: those whose entry differs between its merge base and its head. */
  function changedPaths(baseSha: string, headSha: string): string[] {
    const treeOf = (sha: string | undefined): FlatTree => {
      const commit = sha ? objects.get(sha) : undefined;
      return commit?.type === 'commit' ? objects.flatten(commit.tree) : new Map();
    };
    const before = treeOf(mergeBase(baseSha, headSha));
    const after = treeOf(headSha);
    return [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path)?.sha !== after.get(path)?.sha || before.get(path)?.mode !== after.get(path)?.mode).sort();
  }

  /** The CODEOWNERS file GitHub uses at a commit (the first of .github/, the root, docs/), as text. */
  function codeownersAt(sha: string): string | undefined {
    const commit = objects.get(sha);
    if (commit?.type !== 'commit') return undefined;
    const flat = objects.flatten(commit.tree);
    for (const path of ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS']) {
      const blob = objects.get(flat.get(path)?.sha ?? '');
      if (blob?.type === 'blob') return blob.content.toString('utf8');
    }
    return undefined;
  }

  function inTeam(org: string, slug: string, login: string): boolean {
    return teams.get(`${org}/${slug}`.toLowerCase())?.members.some((member) => member.toLowerCase() === login.toLowerCase()) ?? false;
  }

  /**
   * Why the reviews the PR's base requires (classic protection and `pull_request` rules) keep it
   * from merging, in GitHub's 405 words; undefined when they do not. Code owners are read from the
   * base branch's CODEOWNERS, as GitHub reads them.
   */
  function reviewBlock(repo: RepoRecord, pull: PullRecord): string | undefined {
    const protection = pull.baseRef === repo.defaultBranch ? repo.protection : null;
    const requirement = reviewRequirement(protection, branchRules(repo, pull.baseRef));
    if (!requirement) return undefined;
    const ownedFiles: { path: string; owners: string[] }[] = [];
    const baseSha = resolveCommit(repo, pull.baseRef);
    const text = requirement.codeOwner && baseSha ? codeownersAt(baseSha) : undefined;
    if (text !== undefined && baseSha) {
      const ownersOf = codeownersMatcher(text);
      for (const path of changedPaths(baseSha, pull.headSha)) {
        const owners = ownersOf(path);
        if (owners.length > 0) ownedFiles.push({ path, owners });
      }
    }
    const reason = refuseByReviews({ requirement, reviews: pull.reviews, author: pull.login, headSha: pull.headSha, lastPusher: lastPushers.get(pull.id) ?? pull.login, ownedFiles, inTeam });
    // A ruleset's refusal is worded as a rule violation, as GitHub words the ruleset's other rules.
    const byRuleset = !protection || protection.requiredApprovals === undefined;
    return reason && byRuleset ? `Repository rule violations found\n\n${reason}\n\n` : reason;
  }

  /** A push moved the PR's head: remember who pushed it, and dismiss older approvals where the base asks for it. */
  function pushedHead(repo: RepoRecord, pull: PullRecord, actor: string): void {
    lastPushers.set(pull.id, actor);
    const protection = pull.baseRef === repo.defaultBranch ? repo.protection : null;
    if (!reviewRequirement(protection, branchRules(repo, pull.baseRef))?.dismissStale) return;
    for (const review of pull.reviews) if (review.state === 'APPROVED' && review.commitId !== pull.headSha) review.state = 'DISMISSED';
  }

  /** Adds (or replaces) an organisation's team. */
  function addTeam(org: string, slug: string, members: readonly string[]): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(slug)) throw new FleetError('bad_input', `"${slug}" is not a team slug: use letters, digits, "-", "_" and ".".`);
    teams.set(`${org}/${slug}`.toLowerCase(), { org, slug, members: [...members] });
  }

  /** A team's members; 404 as GitHub answers for a team it does not know. */
  function teamMembers(org: string, slug: string): string[] {
    const team = teams.get(`${org}/${slug}`.toLowerCase());
    if (!team) failHttp(404, 'Not Found');
    return [...team.members];
  }

  /** Adds a sandbox reviewer to a repository. */
  function addReviewer(repo: RepoRecord, reviewer: SandboxReviewer): void {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    reviewersOf.set(key, [...(reviewersOf.get(key) ?? []).filter((r) => r.login.toLowerCase() !== reviewer.login.toLowerCase()), reviewer]);
  }

  /** After a review request: the sandbox reviewers it asks (by login, or through a team they are in) will answer `afterMs` later. */
  function reviewsRequested(pull: PullRecord): void {
    for (const reviewer of reviewersOf.get(`${pull.owner}/${pull.repo}`.toLowerCase()) ?? []) {
      const login = reviewer.login.toLowerCase();
      const asked = pull.requestedReviewers.some((user) => user.toLowerCase() === login) || pull.requestedTeams.some((slug) => inTeam(pull.owner, slug, reviewer.login));
      if (!asked || dueReviews.some((due) => due.pull === pull && due.reviewer === reviewer)) continue;
      dueReviews.push({ pull, reviewer, dueAt: reviewer.afterChecks ? null : now() + reviewer.afterMs });
    }
  }

  /** Gives the sandbox reviewers' reviews that are due (on each request and on `advance`). */
  function evaluateReviewers(): void {
    const at = now();
    for (const due of [...dueReviews]) {
      if (due.dueAt === null) {
        // A reviewer who waits for green: the clock starts once every check on the head has completed.
        const runs = latestRunsFor(getRepo(due.pull.owner, due.pull.repo), due.pull.headSha);
        if (runs.length > 0 && runs.every((run) => run.status === 'completed')) due.dueAt = at + due.reviewer.afterMs;
        continue;
      }
      if (due.dueAt > at) continue;
      dueReviews.splice(dueReviews.indexOf(due), 1);
      const { pull, reviewer } = due;
      if (pull.state !== 'open' || pull.login.toLowerCase() === reviewer.login.toLowerCase()) continue;
      submitReview(pull, { event: reviewer.verdict === 'request-changes' ? 'REQUEST_CHANGES' : 'APPROVE', body: reviewer.body ?? '' }, reviewer.login);
      // The request is answered: GitHub takes the reviewer (and the team they answered for) off it.
      pull.requestedReviewers = pull.requestedReviewers.filter((user) => user.toLowerCase() !== reviewer.login.toLowerCase());
      pull.requestedTeams = pull.requestedTeams.filter((slug) => !inTeam(pull.owner, slug, reviewer.login));
    }
  }

  function approvals(pull: PullRecord): number {
    const latest = new Map<string, ReviewRecord['state']>();
    for (const review of pull.reviews) if (review.state !== 'PENDING' && review.state !== 'COMMENTED') latest.set(review.login, review.state);
    return [...latest.values()].filter((state) => state === 'APPROVED').length;
  }

  /** Why branch protection blocks a merge, in GitHub's 405 words; undefined when nothing required is missing. */
  function protectionRefusal(repo: RepoRecord, pull: PullRecord, protection: BranchProtection): string | undefined {
    const runs = latestRunsFor(repo, pull.headSha);
    const passed = (name: string) => runs.some((run) => run.name === name && run.status === 'completed' && ['success', 'neutral', 'skipped'].includes(run.conclusion ?? ''));
    const failing = protection.requiredChecks.filter((name) => runs.some((run) => run.name === name && run.status === 'completed') && !passed(name));
    const expected = protection.requiredChecks.filter((name) => !passed(name) && !failing.includes(name));
    if (failing.length === 1 && expected.length === 0) return `Required status check "${failing[0]}" is failing.`;
    if (failing.length > 0) return `${failing.length + expected.length} of ${protection.requiredChecks.length} required status checks have not succeeded: ${failing.length} failing.`;
    if (expected.length === 1) return `Required status check "${expected[0]}" is expected.`;
    if (expected.length > 1) return `${expected.length} of ${protection.requiredChecks.length} required status checks are expected.`;
    const needed = protection.requiredApprovals ?? 0;
    if (approvals(pull) < needed) return `At least ${needed} approving review${needed === 1 ? ' is' : 's are'} required by reviewers with write access.`;
    // GitHub's 405 for a PR with an unsigned commit under "Require signed commits". The wording is
    // the one GitHub answers today ("Commits must have verified signatures.", quoted from a refused
    // merge in github.com/appolon1908-hue/kyqra-crawler/issues/29, and the same sentence its push
    // rules print); older answers said "Commits must have valid signatures." (a 405 body quoted in
    // github.com/chdsbd/kodiak/issues/89).
    const baseSha = resolveCommit(repo, pull.baseRef);
    if (protection.requiredSignatures && baseSha && unverifiedCommits(baseSha, pull.headSha).length > 0) return 'Commits must have verified signatures.';
    return undefined;
  }

  /**
   * Why the base branch's active ruleset rules block a merge, in GitHub's 405 words (`Repository
   * rule violations found` and the first violated rule); undefined when none blocks. Rules of
   * `evaluate` rulesets never block. The `pull_request` rule's reviews and the `merge_queue` rule
   * are enforced where they are implemented (review counting, the merge queue), not here.
   */
  function rulesetRefusal(repo: RepoRecord, pull: PullRecord, method?: 'merge' | 'squash' | 'rebase'): string | undefined {
    const rules = branchRules(repo, pull.baseRef).map(({ rule }) => rule);
    const violation = (reason: string): string => `Repository rule violations found\n\n${reason}\n\n`;
    const required = [...new Set(rules.flatMap((rule) => (rule.type === 'required_status_checks' ? rule.parameters.required_status_checks.map((c) => c.context) : [])))];
    const runs = latestRunsFor(repo, pull.headSha);
    const passed = (name: string) => runs.some((run) => run.name === name && run.status === 'completed' && ['success', 'neutral', 'skipped'].includes(run.conclusion ?? ''));
    const failing = required.filter((name) => runs.some((run) => run.name === name && run.status === 'completed') && !passed(name));
    const expected = required.filter((name) => !passed(name) && !failing.includes(name));
    if (failing.length === 1 && expected.length === 0) return violation(`Required status check "${failing[0]}" is failing.`);
    if (failing.length > 0) return violation(`${failing.length + expected.length} of ${required.length} required status checks have not succeeded: ${failing.length} failing.`);
    if (expected.length === 1) return violation(`Required status check "${expected[0]}" is expected.`);
    if (expected.length > 1) return violation(`${expected.length} of ${required.length} required status checks are expected.`);
    const baseSha = resolveCommit(repo, pull.baseRef);
    if (rules.some((rule) => rule.type === 'required_signatures') && baseSha && unverifiedCommits(baseSha, pull.headSha).length > 0) return violation('Commits must have verified signatures.');
    if (method === 'merge' && rules.some((rule) => rule.type === 'required_linear_history')) return violation('This branch must not contain merge commits.');
    return undefined;
  }

  /** True when an active ruleset on the base requires strict (up-to-date) status checks. */
  function rulesetStrict(repo: RepoRecord, branch: string): boolean {
    return branchRules(repo, branch).some(({ rule }) => rule.type === 'required_status_checks' && rule.parameters.strict_required_status_checks_policy);
  }

  /** True when the base branch has commits the PR's head does not contain. */
  function isBehind(baseSha: string, headSha: string): boolean {
    return !objects.ancestors(headSha).includes(baseSha);
  }

  /**
   * GitHub's mergeable / mergeable_state for an open PR, as GitHub works them out: `dirty` when the
   * PR's changes conflict with commits added to the base since the merge base; `draft` for a draft;
   * `behind` when the base moved and its protection requires branches to be up to date; `blocked`
   * while a required check or review is missing; `unstable` when a check that is not required
   * failed; `clean` otherwise.
   */
  function mergeability(pull: PullRecord): { mergeable: boolean | null; state: MergeableState } {
    if (pull.state !== 'open') return { mergeable: null, state: 'unknown' };
    const repo = getRepo(pull.owner, pull.repo);
    const baseSha = resolveCommit(repo, pull.baseRef);
    if (!baseSha) return { mergeable: false, state: 'dirty' };
    if (!mergeTrees(mergeBase(baseSha, pull.headSha), baseSha, pull.headSha)) return { mergeable: false, state: 'dirty' };
    if (pull.draft) return { mergeable: true, state: 'draft' };
    const protection = pull.baseRef === repo.defaultBranch ? repo.protection : null;
    if (protection?.strict && isBehind(baseSha, pull.headSha)) return { mergeable: true, state: 'behind' };
    if (protection && protectionRefusal(repo, pull, protection)) return { mergeable: true, state: 'blocked' };
    if (rulesetStrict(repo, pull.baseRef) && isBehind(baseSha, pull.headSha)) return { mergeable: true, state: 'behind' };
    if (rulesetRefusal(repo, pull)) return { mergeable: true, state: 'blocked' };
    if (reviewBlock(repo, pull)) return { mergeable: true, state: 'blocked' };
    // GitHub's `unstable`: a check that is not required is failing or still pending.
    const unsettled = latestRunsFor(repo, pull.headSha).some((run) => run.status !== 'completed' || !['success', 'neutral', 'skipped'].includes(run.conclusion ?? ''));
    return { mergeable: true, state: unsettled ? 'unstable' : 'clean' };
  }

  /**
   * What a read of the PR shows: `mergeable: null` (state `unknown`) until GitHub has computed it
   * for the PR's current base and head. `startCompute` (a read of the single PR) starts the job,
   * which the fake finishes at once, so the next read has the answer.
   */
  function observedMergeability(pull: PullRecord, startCompute: boolean): { mergeable: boolean | null; state: MergeableState } {
    const truth = mergeability(pull);
    if (pull.state !== 'open') return truth;
    const repo = getRepo(pull.owner, pull.repo);
    const key = `${resolveCommit(repo, pull.baseRef) ?? ''}:${pull.headSha}`;
    if (pull.mergeabilityOf === key) return truth;
    if (startCompute) pull.mergeabilityOf = key;
    return { mergeable: null, state: 'unknown' };
  }

  /**
   * Logs a merge of a PR: whether every check run (and the status each one reports) on the merged
   * head had completed. Whoever merges calls it (the merge API here, the merge queue and auto-merge
   * with their `via`), so `merges()` answers "was anything merged unchecked?" for every path.
   */
  function recordMerge(pull: PullRecord, headSha: string, method: MergeLogEntry['method'], via: MergeLogEntry['via']): void {
    const repo = getRepo(pull.owner, pull.repo);
    const incompleteChecks = latestRunsFor(repo, headSha).filter((run) => run.status !== 'completed').map((run) => run.name);
    mergeLog.push({ repo: `${repo.owner}/${repo.name}`, number: pull.number, headSha, method, checksComplete: incompleteChecks.length === 0, incompleteChecks, via });
  }

  /** Merges as GitHub's PUT /merge does, refusing with GitHub's 405 and 409 messages. */
  function mergePull(pull: PullRecord, input: { sha?: string; method: 'merge' | 'squash' | 'rebase'; title?: string; message?: string }, actor: string, via: MergeLogEntry['via'] = 'api'): string {
    const repo = getRepo(pull.owner, pull.repo);
    if (pull.state !== 'open') failHttp(405, 'Pull Request is not mergeable');
    if (input.sha && input.sha !== pull.headSha) failHttp(409, 'Head branch was modified. Review and try the merge again.');
    if (pull.draft) failHttp(405, 'Pull Request is still a draft');
    const baseSha = resolveCommit(repo, pull.baseRef);
    if (!baseSha) failHttp(405, 'Pull Request is not mergeable');
    const merged = mergeTrees(mergeBase(baseSha, pull.headSha), baseSha, pull.headSha);
    if (!merged) failHttp(405, 'Pull Request is not mergeable');
    const protection = pull.baseRef === repo.defaultBranch ? repo.protection : null;
    if (protection?.strict && isBehind(baseSha, pull.headSha)) failHttp(405, 'Head branch is out of date. Review and try the merge again.');
    const refusal = protection ? protectionRefusal(repo, pull, protection) : undefined;
    if (refusal) failHttp(405, refusal);
    // The `merge_queue` rule (a direct merge refused) plugs in here.
    if (rulesetStrict(repo, pull.baseRef) && isBehind(baseSha, pull.headSha)) failHttp(405, 'Repository rule violations found\n\nHead branch is out of date. Review and try the merge again.\n\n');
    const ruleRefusal = rulesetRefusal(repo, pull, input.method);
    if (ruleRefusal) failHttp(405, ruleRefusal);
    const reviewsRefusal = reviewBlock(repo, pull);
    if (reviewsRefusal) failHttp(405, reviewsRefusal);
    const tree = objects.writeFlat(merged);
    const title = input.title ?? (input.method === 'merge' ? `Merge pull request #${pull.number} from ${pull.owner}/${pull.headRef}` : `${pull.title} (#${pull.number})`);
    const message = input.message ? `${title}\n\n${input.message}` : title;
    const parents = input.method === 'merge' ? [baseSha, pull.headSha] : [baseSha];
    const commit = objects.writeCommit({ tree, parents, message, author: person(actor), committer: person('web-flow') });
    // GitHub signs the merge and squash commits it writes (committer web-flow).
    markSigned(commit);
    setRef(repo, `heads/${pull.baseRef}`, commit, actor);
    pull.state = 'closed';
    pull.merged = true;
    pull.mergedAt = iso(now());
    pull.closedAt = pull.mergedAt;
    pull.updatedAt = pull.mergedAt;
    pull.mergedBy = actor;
    pull.mergeCommitSha = commit;
    recordMerge(pull, pull.headSha, input.method, via);
    deps.emit({ kind: 'pull_request', action: 'closed', pull, actor });
    return commit;
  }

  function openPull(repo: RepoRecord, input: { title: string; head: string; base: string; body?: string | null; draft?: boolean }, actor: string): PullRecord {
    const headBranch = input.head.includes(':') ? input.head.slice(input.head.indexOf(':') + 1) : input.head;
    const headSha = repo.refs.get(`heads/${headBranch}`);
    const baseSha = repo.refs.get(`heads/${input.base}`);
    const invalid = (field: string): never => failHttp(422, 'Validation Failed', [{ resource: 'PullRequest', field, code: 'invalid' }]);
    if (!headSha) invalid('head');
    if (!baseSha) invalid('base');
    const duplicate = pulls.find((pull) => pull.owner === repo.owner && pull.repo === repo.name && pull.state === 'open' && pull.headRef === headBranch && pull.baseRef === input.base);
    if (duplicate) {
      const message = `A pull request already exists for ${repo.owner}:${headBranch}.`;
      failHttp(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message }]);
    }
    if (headSha === baseSha) failHttp(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${input.base} and ${headBranch}` }]);
    const at = iso(now());
    const pull: PullRecord = {
      id: newId(),
      number: repo.nextNumber,
      owner: repo.owner,
      repo: repo.name,
      title: input.title,
      body: input.body ?? null,
      login: actor,
      headRef: headBranch,
      headSha: headSha as string,
      baseRef: input.base,
      state: 'open',
      draft: input.draft ?? false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      closedAt: null,
      createdAt: at,
      updatedAt: at,
      labels: [],
      requestedReviewers: [],
      requestedTeams: [],
      reviews: [],
      comments: [],
    };
    repo.nextNumber += 1;
    pulls.push(pull);
    deps.emit({ kind: 'pull_request', action: 'opened', pull, actor });
    return pull;
  }

  function updatePull(pull: PullRecord, input: { title?: string; body?: string | null; state?: 'open' | 'closed'; base?: string }, actor: string): void {
    if (input.title !== undefined) pull.title = input.title;
    if (input.body !== undefined) pull.body = input.body;
    if (input.base !== undefined) pull.baseRef = input.base;
    pull.updatedAt = iso(now());
    if (input.state === 'closed' && pull.state === 'open') {
      pull.state = 'closed';
      pull.closedAt = pull.updatedAt;
      deps.emit({ kind: 'pull_request', action: 'closed', pull, actor });
      return;
    }
    if (input.state === 'open' && pull.state === 'closed' && !pull.merged) {
      pull.state = 'open';
      pull.closedAt = null;
      deps.emit({ kind: 'pull_request', action: 'reopened', pull, actor });
      return;
    }
    if (input.title !== undefined || input.body !== undefined || input.base !== undefined) deps.emit({ kind: 'pull_request', action: 'edited', pull, actor });
  }

  /** Deletes a ref; deleting a PR's head branch closes the PR. `announce` as for `setRef`. */
  function deleteRef(repo: RepoRecord, ref: string, actor: string, announce = true): void {
    const before = repo.refs.get(ref);
    if (!before) failHttp(422, 'Reference does not exist');
    const tips = new Map(repo.refs);
    repo.refs.delete(ref);
    if (ref.startsWith('heads/')) {
      // GitHub closes open pull requests whose head branch is deleted.
      const branch = ref.slice('heads/'.length);
      for (const pull of pulls) {
        if (pull.owner === repo.owner && pull.repo === repo.name && pull.state === 'open' && pull.headRef === branch) updatePull(pull, { state: 'closed' }, actor);
      }
    }
    if (announce) deps.emit({ kind: 'push', push: pushRecord(repo, ref, before, null, actor, tips) });
  }

  /**
   * Applies the ref updates of a `git push` with the same operations REST uses (CI on new
   * commits, `synchronize` for PR heads, a deleted head branch closes its PR) and announces each
   * with a `push` event. REST's ref writes wait for a push in flight (`GitHttp.exclusive`), so
   * `before` matches; an update whose `before` no longer does is not applied but returned (logged),
   * and the git side is put back in step on the next request.
   */
  function applyPush(repo: RepoRecord, updates: readonly RefUpdate[], pusher: string): { applied: RefUpdate[]; skipped: RefUpdate[] } {
    const applied: RefUpdate[] = [];
    const skipped: RefUpdate[] = [];
    const tips = new Map(repo.refs);
    for (const update of updates) {
      const ref = update.ref.replace(/^refs\//, '');
      if ((repo.refs.get(ref) ?? null) !== update.before || update.before === update.after) {
        skipped.push(update);
        continue;
      }
      const push = pushRecord(repo, ref, update.before, update.after, pusher, tips);
      if (update.after) setRef(repo, ref, update.after, pusher, false);
      else deleteRef(repo, ref, pusher, false);
      applied.push(update);
      deps.emit({ kind: 'push', push });
    }
    return { applied, skipped };
  }

  function submitReview(pull: PullRecord, input: { event?: string; body?: string; commitId?: string }, actor: string): ReviewRecord {
    const states: Record<string, ReviewRecord['state']> = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' };
    const state = input.event ? states[input.event] : 'PENDING';
    if (!state) failHttp(422, 'Unprocessable Entity', [{ resource: 'PullRequestReview', field: 'event', code: 'invalid' }]);
    if (pull.login === actor && (state === 'APPROVED' || state === 'CHANGES_REQUESTED')) failHttp(422, 'Unprocessable Entity', [`Can not ${state === 'APPROVED' ? 'approve' : 'request changes on'} your own pull request`]);
    const review: ReviewRecord = { id: newId(), login: actor, state, body: input.body ?? '', commitId: input.commitId ?? pull.headSha, submittedAt: iso(now()) };
    pull.reviews.push(review);
    if (state !== 'PENDING') deps.emit({ kind: 'pull_request_review', pull, review });
    return review;
  }

  function completeCheck(owner: string, name: string, sha: string, check: string, conclusion: CheckConclusion): CheckRunRecord {
    const repo = getRepo(owner, name);
    const run = runsFor(repo, sha).find((candidate) => candidate.name === check && candidate.status !== 'completed');
    if (!run) throw new FleetError('not_found', `No pending check "${check}" on ${owner}/${name}@${sha.slice(0, 7)}; list check runs for that commit to see what is pending.`);
    finishRun(run, conclusion);
    mergeQueue.process();
    return run;
  }

  /** Moves the fake's clock forward and completes the CI that became due. */
  function advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new FleetError('bad_input', 'Advance the fake clock by a positive number of milliseconds.');
    offsetMs += ms;
    evaluateChecks();
  }

  const mergeQueue = createMergeQueue({
    objects,
    pulls,
    now,
    iso,
    newId,
    person,
    getRepo,
    resolveCommit,
    mergeBase,
    mergeTrees,
    setRef,
    deleteRef,
    latestRunsFor,
    branchRules,
    mergeability,
    mergePull,
    markSigned,
    recordMerge,
    emit: deps.emit,
  });

  const deployments = createDeploymentState({ now, iso, newId, objects, resolveCommit, latestRunsFor, mergeBase, mergeTrees, person, markSigned, setRef: (repo, ref, sha, actor) => setRef(repo, ref, sha, actor), emit: deps.emit, fail: failHttp });

  function readFiles(owner: string, name: string, ref?: string): Record<string, string> {
    const repo = getRepo(owner, name);
    const sha = resolveCommit(repo, ref ?? repo.defaultBranch);
    if (!sha) throw new FleetError('not_found', `No ref "${ref}" in ${owner}/${name}; pass a branch name or a commit sha.`);
    return objects.readFiles(sha);
  }

  return {
    objects,
    repos,
    pulls,
    checkRuns,
    now,
    iso,
    newId,
    person,
    getRepo,
    listOrgRepos,
    resolveCommit,
    mergeBase,
    setRef,
    deleteRef,
    applyPush,
    seedRepo,
    addRuleset,
    addOrgRuleset,
    rulesetsOf,
    branchRules,
    getPull,
    runsFor,
    latestRunsFor,
    suiteRuns,
    rerequestSuite,
    mergeability,
    observedMergeability,
    mergePull,
    recordMerge,
    merges: (): MergeLogEntry[] => mergeLog.map((entry) => ({ ...entry, incompleteChecks: [...entry.incompleteChecks] })),
    openPull,
    updatePull,
    submitReview,
    completeCheck,
    evaluateChecks,
    advance,
    readFiles,
    approvals,
    reviewBlock,
    addTeam,
    teamMembers,
    inTeam,
    addReviewer,
    reviewsRequested,
    verification,
    markSigned,
    signedCommits: (): string[] => [...signedByGitHub.keys()],
    mergeQueue,
    mergeTrees,
    deployments,
    /** Calls `listener` with every event the world announces, after the webhook sender has it; returns its removal. */
    onEvent(listener: (event: WorldEvent) => void): () => void {
      eventListeners.push(listener);
      return () => void eventListeners.splice(eventListeners.indexOf(listener), 1);
    },
    /** Runs `hook` after CI on every evaluation (each request, `advance`, the ticker); returns its removal. */
    onEvaluate(hook: () => void): () => void {
      evaluateHooks.push(hook);
      return () => void evaluateHooks.splice(evaluateHooks.indexOf(hook), 1);
    },
    /** Announces an event as the world's own operations do (for GraphQL mutations). */
    emitEvent: (event: WorldEvent): void => deps.emit(event),
    BOT,
  };
}
