import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { isFleetError } from '../../errors.js';
import { createActions, type Actions, type ActionsDeployer } from './actions.js';
import { createActionsDeployer, createActionsRenderer } from './actions-routes.js';
import { createApps, type AppCaller, type FakeAppInfo, type FakeAppOptions } from './apps.js';
import { createRandom } from '../fleet/random.js';
import { createGitHttp, gitRouteTemplate, gitToken, matchGitPath } from './git-http.js';
import { createRenderer } from './render.js';
import { createGraphqlRoute } from './graphql.js';
import { createRoutes, matchRoute, type RouteResult } from './routes.js';
import { createSearchLimits, type SearchResource } from './search.js';
import { createWorld, type CheckConclusion, type CheckRunRecord, type MergeLogEntry, type SeedRepoInput } from './state.js';
import type { RulesetInput, RulesetRecord } from './rulesets.js';
import { createWebhookSender, type DeliveryRecord, type WebhookTarget } from './webhooks.js';
import type { SandboxReviewer } from './reviews.js';
import type { DeploymentRecord } from './deployments.js';
import { createSimulatedCd, type SimulatedCd, type SimulatedCdOptions } from '../cd/simulated-cd.js';
import type { DeploymentHistory } from '../../metrics/provider.js';

export type { CiProfile, BranchProtection, SeedRepoInput, CheckConclusion, MergeLogEntry } from './state.js';
export type { RulesetInput, RulesetRecord, RulesetRule } from './rulesets.js';
export type { WebhookTarget, DeliveryRecord } from './webhooks.js';
export type { FakeAppOptions, FakeAppInfo } from './apps.js';
export type { DeploymentRecord, DeploymentStatusRecord, DeploymentState } from './deployments.js';
export type { SimulatedCd } from '../cd/simulated-cd.js';

export const Faults = z.object({
  /** Share of requests answered 500, 502 or 503. */
  errorRate: z.number().min(0).max(1).default(0),
  /** Share answered 429 with `Retry-After`. */
  rateLimitRate: z.number().min(0).max(1).default(0),
  /** Share answered 403 as a secondary rate limit. */
  secondaryRate: z.number().min(0).max(1).default(0),
  latencyMs: z.number().int().min(0).default(0),
  /** Share whose socket is destroyed without an answer. */
  dropRate: z.number().min(0).max(1).default(0),
  /** Searches answer `incomplete_results: true`, as when GitHub's search times out. */
  searchIncomplete: z.boolean().default(false),
  seed: z.number().int().default(1),
});
export type Faults = z.infer<typeof Faults>;

export interface RequestLogEntry {
  method: string;
  /** The OpenAPI path template, or the raw path when no route matched. */
  route: string;
  status: number;
  at: number;
  /** Bytes of the request body as received (compressed bodies count as sent). */
  bytesIn: number;
  /** Bytes of the response body. */
  bytesOut: number;
}

export interface FakeGitHubOptions {
  port?: number;
  now?: () => number;
  webhook?: WebhookTarget;
  faults?: Partial<Faults>;
  rateLimit?: { limit?: number; windowMs?: number };
  /** Search requests allowed a minute (default GitHub's: 30 for search, 10 for code search). */
  searchLimits?: Record<SearchResource, number>;
  /** Content-creating requests allowed per minute before the secondary limit answers 403. */
  secondaryPerMinute?: number;
  /** token → login. Without it, any non-empty token is accepted and acts as `fleet-bot`. */
  tokens?: Record<string, string>;
  installationId?: number;
  /**
   * Serve a GitHub App: its routes (asked with a JWT signed by its key), its installations (one per
   * account) and the installation tokens they mint, each acting only on its account with its own
   * rate-limit budget. Webhooks then name the installation of the repository's owner.
   */
  app?: FakeAppOptions;
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /** Where the bare repositories git is served from live; default a temporary folder removed on close. */
  gitRoot?: string;
  /** How long a dispatched Actions run is queued, and then runs (ms of the fake's clock; default 5 s and 60 s). */
  actions?: { queuedMs?: number; durationMs?: number };
  /**
   * Run the sandbox's CD (`src/sandbox/cd/simulated-cd.ts`) over the fake's deployments: every
   * repository starts deployed to production, a moved default branch is deployed there, and each
   * deployment is reported `in_progress` then `success` (or `failure` where `breaks` says so) on
   * the fake's clock. Off by default.
   */
  cd?: Omit<SimulatedCdOptions, 'world'>;
}

export interface FakeGitHubState {
  seedRepo(input: SeedRepoInput): { fullName: string; defaultBranch: string; headSha: string };
  completeCheck(owner: string, repo: string, sha: string, name: string, conclusion: CheckConclusion): void;
  /** Moves the fake's clock forward; CI that became due completes (and its webhooks fire). */
  advance(ms: number): void;
  /** The fake's clock: the injected `now` plus every `advance`. */
  now(): number;
  /** Text of every text file at a ref (default branch when omitted); binary files are left out (read them over REST). */
  readFiles(owner: string, repo: string, ref?: string): Record<string, string>;
  /** A short view of every pull request, for demos and assertions. */
  listPulls(): PullSummary[];
  checkRuns(owner: string, repo: string, sha: string): CheckRunRecord[];
  /** Adds a ruleset to a repository, or (`owner` alone) to every repository of an organisation. */
  addRuleset(owner: string, repo: string | null, input: RulesetInput): RulesetRecord;
  /** Every merge of a PR, by any path, with whether its head's checks had all completed. */
  merges(): MergeLogEntry[];
  deliveries: DeliveryRecord[];
  /** Resolves once every queued webhook delivery has been attempted. */
  flushWebhooks(): Promise<void>;
  /** Adds (or replaces) an organisation's team, as CODEOWNERS names it (`@org/slug`). */
  addTeam(org: string, slug: string, members: string[]): void;
  /** A sandbox reviewer of a repository: reviews a PR `afterMs` after a review is asked of them or of their team. */
  addReviewer(owner: string, repo: string, reviewer: SandboxReviewer): void;
  /** Submits a review as `login` (a person of the sandbox), as `POST …/pulls/{n}/reviews` would. */
  submitReview(input: { owner: string; repo: string; number: number; login: string; event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'; body?: string }): { id: number; htmlUrl: string };
  /** GitHub Actions' workflow runs (dispatched deploy workflows); `setBreaks` names the repositories whose deploy runs fail, `setDeployer` where a deploy run records its deployment. */
  actions: Pick<Actions, 'setBreaks' | 'setDeployer'> & { runs(owner: string, repo: string): ReturnType<Actions['runsOf']> };
  /** Every deployment of every repository, oldest first, with its statuses (oldest first). */
  deployments(): DeploymentRecord[];
}

export interface PullSummary {
  repo: string;
  number: number;
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  head: string;
  headSha: string;
  base: string;
  labels: string[];
  approvals: number;
  mergeableState: string;
}

export interface FakeGitHub {
  url: string;
  /** The clone URL of a repository: `${url}/${owner}/${name}.git` (no credential in it). */
  gitUrl(owner: string, name: string): string;
  state: FakeGitHubState;
  /** The App the fake serves (its id, private key and installations), when `app` was given. */
  app?: FakeAppInfo;
  requestLog: RequestLogEntry[];
  counts(): Record<string, number>;
  setFaults(faults: Partial<Faults> | null): void;
  setWebhook(target: WebhookTarget | null): void;
  /** The sandbox's CD, when started with the `cd` option. */
  cd?: SimulatedCd;
  /** Which version ran where and when (the CD's record), for the simulated metrics and the exporter; with `cd` only. */
  history?: DeploymentHistory;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
/** The REST routes that move refs: they run between a repository's git operations. */
const REF_WRITES = new Set([
  'POST /repos/{owner}/{repo}/git/refs',
  'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch',
]);
const SECONDARY_MESSAGE = 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.';

/** The accounts a search query's `org:`, `user:` and `repo:` qualifiers name other than `account`. */
function outsideAccounts(query: string | null, account: string): string[] {
  const named = [...(query ?? '').matchAll(/(?:^|\s)(org|user|repo):("?)([^\s"]+)\2/gi)].map((match) => (match[1]?.toLowerCase() === 'repo' ? (match[3] ?? '').split('/')[0] ?? '' : match[3] ?? ''));
  return [...new Set(named.filter((name) => name.toLowerCase() !== account.toLowerCase()))];
}

function errorBody(status: number, message: string, errors?: unknown): Record<string, unknown> {
  return { message, documentation_url: DOCS, status: String(status), ...(errors ? { errors } : {}) };
}

async function readBody(request: IncomingMessage, counted?: { bytesIn: number }): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (counted) counted.bytesIn += body.length;
  return body.toString('utf8');
}

/** A seed file over JSON: text, or `{ "base64": "…" }` for bytes (standard alphabet, padded). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SeedFileBody = z.unknown().transform((value, ctx): string | Uint8Array => {
  if (typeof value === 'string') return value;
  const base64 = value !== null && typeof value === 'object' && Object.keys(value).length === 1 ? (value as { base64?: unknown }).base64 : undefined;
  if (typeof base64 !== 'string') ctx.addIssue({ code: 'custom', message: 'a file is a string of text or { "base64": "…" } for bytes' });
  else if (!BASE64.test(base64)) ctx.addIssue({ code: 'custom', message: 'the base64 is not padded standard base64 (A-Z, a-z, 0-9, +, /, = padding)' });
  else return new Uint8Array(Buffer.from(base64, 'base64'));
  return z.NEVER;
});
const SandboxReviewerBody = z.strictObject({ login: z.string().min(1), afterMs: z.number().min(0), verdict: z.enum(['approve', 'request-changes']).optional(), body: z.string().optional(), afterChecks: z.boolean().optional() });
const TeamBody = z.strictObject({ org: z.string().min(1), slug: z.string().min(1), members: z.array(z.string().min(1)) });
const ReviewerBody = z.strictObject({ owner: z.string().min(1), repo: z.string().min(1), reviewer: SandboxReviewerBody });
const SubmitReviewBody = z.strictObject({
  owner: z.string().min(1),
  repo: z.string().min(1),
  number: z.number().int().positive(),
  login: z.string().min(1),
  event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
  body: z.string().optional(),
});
/** A ruleset over JSON, with GitHub's rule types and parameter names (`rulesets.ts`). */
const RulesetRuleBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('required_status_checks'), parameters: z.strictObject({ required_status_checks: z.array(z.strictObject({ context: z.string().min(1), integration_id: z.number().int().optional() })), strict_required_status_checks_policy: z.boolean() }) }),
  z.strictObject({
    type: z.literal('pull_request'),
    parameters: z.strictObject({ required_approving_review_count: z.number().int().min(0).max(10), require_code_owner_review: z.boolean(), require_last_push_approval: z.boolean(), dismiss_stale_reviews_on_push: z.boolean(), required_review_thread_resolution: z.boolean() }),
  }),
  z.strictObject({ type: z.literal('required_signatures') }),
  z.strictObject({ type: z.literal('required_linear_history') }),
  z.strictObject({
    type: z.literal('merge_queue'),
    parameters: z.strictObject({
      merge_method: z.enum(['MERGE', 'SQUASH', 'REBASE']),
      grouping_strategy: z.enum(['ALLGREEN', 'HEADGREEN']),
      max_entries_to_build: z.number().int().min(0).max(100),
      min_entries_to_merge: z.number().int().min(0).max(100),
      max_entries_to_merge: z.number().int().min(0).max(100),
      min_entries_to_merge_wait_minutes: z.number().int().min(0).max(360),
      check_response_timeout_minutes: z.number().int().min(1).max(360),
    }),
  }),
  z.strictObject({ type: z.literal('deletion') }),
  z.strictObject({ type: z.literal('non_fast_forward') }),
]);
const RulesetBody = z.strictObject({
  name: z.string().min(1),
  enforcement: z.enum(['active', 'evaluate', 'disabled']).optional(),
  include: z.array(z.string().min(1)).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  rules: z.array(RulesetRuleBody),
});
const SeedRepoBody = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
  files: z.record(z.string(), SeedFileBody),
  topics: z.array(z.string()).optional(),
  language: z.string().nullable().optional(),
  archived: z.boolean().optional(),
  defaultBranch: z.string().optional(),
  description: z.string().nullable().optional(),
  protection: z
    .object({
      requiredChecks: z.array(z.string()),
      requiredApprovals: z.number().int().min(0).optional(),
      strict: z.boolean().optional(),
      requiredSignatures: z.boolean().optional(),
      requireCodeOwnerReviews: z.boolean().optional(),
      requireLastPushApproval: z.boolean().optional(),
      dismissStaleReviews: z.boolean().optional(),
    })
    .optional(),
  reviewers: z.array(SandboxReviewerBody).optional(),
  rulesets: z.array(RulesetBody).optional(),
  settings: z
    .strictObject({ allowSquashMerge: z.boolean(), allowMergeCommit: z.boolean(), allowRebaseMerge: z.boolean(), allowAutoMerge: z.boolean(), allowUpdateBranch: z.boolean(), deleteBranchOnMerge: z.boolean() })
    .partial()
    .optional(),
  fork: z.boolean().optional(),
  deployBreaks: z.string().min(1).max(140).optional(),
  ci: z
    .object({
      checks: z.array(z.string()),
      outcome: z.enum(['pass', 'fail', 'flaky', 'fail-on-default', 'manual']),
      durationMs: z.number().min(0),
      flakyRate: z.number().min(0).max(1).optional(),
      failWhenDependency: z.object({ name: z.string(), atLeast: z.string() }).optional(),
      failOnChange: z.boolean().optional(),
      rerequestable: z.boolean().optional(),
    })
    .optional(),
});
const CompleteCheckBody = z.object({
  owner: z.string(),
  repo: z.string(),
  sha: z.string(),
  name: z.string(),
  conclusion: z.enum(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required']),
});
const AdvanceBody = z.object({ ms: z.number().min(0) });
const WebhookBody = z.object({ url: z.string().url(), secret: z.string().min(1) }).nullable();

/**
 * Starts a stateful stand-in for GitHub's REST API on 127.0.0.1, serving the routes Fleet calls
 * with GitHub's shapes, ETags, rate-limit headers, signed webhooks and injectable faults.
 *
 * @example
 * const fake = await startFakeGitHub({ port: 0 });
 * fake.state.seedRepo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
 * const octokit = new Octokit({ baseUrl: fake.url, auth: 'token' });
 * await fake.close();
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const wallClock = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => process.stderr.write(`[fake-github] ${line}\n`));
  const limit = options.rateLimit?.limit ?? 5000;
  const windowMs = options.rateLimit?.windowMs ?? 3_600_000;
  const secondaryPerMinute = options.secondaryPerMinute ?? 80;
  const ctx = { base: '' };
  // Events are queued until the sender exists (it needs the world to render payloads).
  let sendEvent: (event: Parameters<Parameters<typeof createWorld>[0]['emit']>[0]) => void = () => undefined;
  const world = createWorld({ now: wallClock, emit: (event) => sendEvent(event) });
  const render = createRenderer(world, ctx);
  const apps = options.app ? createApps(options.app, { ctx, now: () => world.now() }) : undefined;
  const repoExists = (owner: string, name: string): boolean => world.listOrgRepos(owner).some((repo) => repo.name.toLowerCase() === name.toLowerCase());
  const actions = createActions(world, (event) => sendEvent(event), () => ctx.base, options.actions);
  world.onEvaluate(() => actions.evaluate());
  const actionsView = createActionsRenderer(world, render, ctx, actions);
  const routes = [...createRoutes(world, render, { search: { incomplete: () => faults.searchIncomplete }, actions: { actions, view: actionsView } }), ...(apps?.routes(repoExists) ?? [])];
  const installationId = (owner: string): number => apps?.installationOn(owner)?.id ?? options.installationId ?? 1;
  const sender = createWebhookSender({ world, render, ctx, workflowRun: actionsView.webhook, fetch: options.fetch ?? globalThis.fetch, installationId: options.installationId ?? 1, installationOf: installationId, log });
  const searchLimits = createSearchLimits(() => world.now(), options.searchLimits);
  routes.push(createGraphqlRoute(world, () => ctx.base));
  sendEvent = sender.send;
  sender.setTarget(options.webhook ?? null);
  const gitHttp = createGitHttp({ world, root: options.gitRoot, log });
  const cd = options.cd ? createSimulatedCd({ ...options.cd, world }) : undefined;
  // A deploy workflow's job with an `environment` records a deployment as GitHub Actions does: made
  // and reported by the Actions bot (the sandbox's CD leaves those to the workflow). Its deploy
  // breaks where the CD's ground truth says the repository's deploy breaks.
  actions.setDeployer(createActionsDeployer(world));
  if (options.cd?.breaks) actions.setBreaks(options.cd.breaks);

  let faults: Faults = Faults.parse(options.faults ?? {});
  let random = createRandom(faults.seed);
  const requestLog: RequestLogEntry[] = [];
  // The primary budget: one for the fake's own tokens, and one per App installation, as on GitHub.
  interface Budget {
    windowStart: number;
    used: number;
  }
  const budgets = new Map<string, Budget>();
  const recentWrites: number[] = [];

  function budgetOf(caller: AppCaller | undefined): Budget {
    const key = caller?.kind === 'installation' ? `installation:${caller.installation.id}` : caller?.kind === 'app' ? 'app' : '';
    let budget = budgets.get(key);
    if (!budget) budgets.set(key, (budget = { windowStart: world.now(), used: 0 }));
    return budget;
  }

  function rateHeaders(budget: Budget): Record<string, string> {
    const at = world.now();
    if (at >= budget.windowStart + windowMs) {
      budget.windowStart = at;
      budget.used = 0;
    }
    const { used, windowStart } = budget;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.ceil((windowStart + windowMs) / 1000)),
      'x-ratelimit-resource': 'core',
    };
  }

  /** Writes a JSON answer; returns the body's size in bytes. */
  function send(response: ServerResponse, result: RouteResult, extra: Record<string, string> = {}): number {
    const headers: Record<string, string> = { 'x-github-request-id': randomUUID().toUpperCase(), 'x-github-media-type': 'github.v3; format=json', ...extra, ...result.headers };
    if (result.body === undefined || result.status === 204 || result.status === 304) {
      response.writeHead(result.status, headers);
      response.end();
      return 0;
    }
    const text = JSON.stringify(result.body);
    const size = Buffer.byteLength(text);
    response.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(size), ...headers });
    response.end(text);
    return size;
  }

  /** Who a token acts as: the App's installation token its bot, else `tokens` decides, or any non-empty token acts as the bot. */
  function loginOfToken(token: string | undefined): string | undefined {
    if (!token) return undefined;
    if (apps) {
      const caller = apps.authenticate(`token ${token}`);
      if (caller) return caller.kind === 'installation' ? caller.login : undefined;
    }
    if (!options.tokens) return world.BOT;
    return options.tokens[token];
  }

  function loginOf(request: IncomingMessage): string | undefined {
    const header = request.headers.authorization ?? '';
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header);
    return loginOfToken(match?.[1]);
  }

  function rateLimitBody(budget: Budget, searchKey: string): Record<string, unknown> {
    const headers = rateHeaders(budget);
    const { used } = budget;
    const core = { limit, used, remaining: Math.max(0, limit - used), reset: Number(headers['x-ratelimit-reset']) };
    const other = (n: number) => ({ limit: n, used: 0, remaining: n, reset: core.reset });
    return { resources: { core, search: searchLimits.status('search', searchKey), graphql: other(5000), integration_manifest: other(5000), code_search: searchLimits.status('code_search', searchKey) }, rate: core };
  }

  async function handleControl(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const raw = request.method === 'GET' ? '' : await readBody(request);
    const json: unknown = raw === '' ? {} : JSON.parse(raw);
    const ok = (body: unknown, status = 200): void => void send(response, { status, body });
    if (request.method === 'GET' && path === '/_fake/requests') return ok(requestLog);
    if (request.method === 'GET' && path === '/_fake/counts') return ok(counts());
    if (request.method === 'GET' && path === '/_fake/state/pulls') return ok(listPulls());
    if (request.method === 'GET' && path === '/_fake/deliveries') return ok(sender.deliveries);
    if (request.method === 'GET' && path === '/_fake/merges') return ok(world.merges());
    if (request.method === 'POST' && path === '/_fake/repos') {
      const inputs = Array.isArray(json) ? json : [json];
      // Every seed is checked before any is created, so a bad one leaves the fake as it was.
      const seeds = inputs.map((input) => SeedRepoBody.parse(input));
      return ok(seeds.map((seed) => world.seedRepo(seed)), 201);
    }
    if (request.method === 'POST' && path === '/_fake/checks/complete') {
      const body = CompleteCheckBody.parse(json);
      world.completeCheck(body.owner, body.repo, body.sha, body.name, body.conclusion);
      return ok({ completed: true });
    }
    if (request.method === 'POST' && path === '/_fake/teams') {
      const body = TeamBody.parse(json);
      world.addTeam(body.org, body.slug, body.members);
      return ok({ org: body.org, slug: body.slug, members: body.members }, 201);
    }
    if (request.method === 'POST' && path === '/_fake/reviewers') {
      const body = ReviewerBody.parse(json);
      state.addReviewer(body.owner, body.repo, body.reviewer);
      return ok({ added: true }, 201);
    }
    if (request.method === 'POST' && path === '/_fake/reviews') return ok(state.submitReview(SubmitReviewBody.parse(json)), 201);
    if (request.method === 'POST' && path === '/_fake/advance') {
      world.advance(AdvanceBody.parse(json).ms);
      return ok({ now: world.now() });
    }
    if (request.method === 'POST' && path === '/_fake/faults') {
      setFaults(json === null ? null : Faults.partial().parse(json));
      return ok(faults);
    }
    if (request.method === 'POST' && path === '/_fake/webhook') {
      sender.setTarget(WebhookBody.parse(json));
      return ok({ configured: json !== null });
    }
    send(response, { status: 404, body: errorBody(404, `No control route ${request.method ?? ''} ${path}; see src/sandbox/github/README.md for the control API.`) });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', ctx.base);
    const method = (request.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const git = matchGitPath(path);
    if (git) {
      // Git is served beside REST: no REST rate limits or injected faults, but logged the same way.
      world.evaluateChecks();
      const token = gitToken(request.headers.authorization);
      const gitCaller = token ? apps?.authenticate(`token ${token}`) : undefined;
      if (gitCaller && !apps?.reaches(gitCaller, git.owner, git.name)) {
        // An installation token sees only its account's repositories: another's is not there.
        request.resume();
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Repository not found.\n');
        requestLog.push({ method, route: git.service ? gitRouteTemplate(git.service) : path, status: 404, at: world.now(), bytesIn: 0, bytesOut: 0 });
        return;
      }
      const exchange = await gitHttp.handle(request, response, git, url, loginOfToken(token), request.headers.authorization !== undefined);
      requestLog.push({ method, route: git.service ? gitRouteTemplate(git.service) : path, status: exchange.status, at: world.now(), bytesIn: exchange.bytesIn, bytesOut: exchange.bytesOut });
      return;
    }
    if (path.startsWith('/_fake/')) {
      try {
        await handleControl(request, response, path);
      } catch (error) {
        const message = error instanceof z.ZodError ? `Invalid control request: ${error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` : error instanceof Error ? error.message : String(error);
        send(response, { status: isFleetError(error, 'not_found') ? 404 : 400, body: errorBody(400, message) });
      }
      return;
    }
    world.evaluateChecks();
    const matched = matchRoute(routes, method, path);
    const route = 'route' in matched ? matched.route.template : path;
    const counted = { bytesIn: 0 };
    const caller = apps?.authenticate(request.headers.authorization);
    const budget = budgetOf(caller);
    const record = (status: number, bytesOut = 0): void => {
      requestLog.push({ method, route, status, at: world.now(), bytesIn: counted.bytesIn, bytesOut });
    };
    const reply = (result: RouteResult, extra: Record<string, string> = {}): void => {
      const entry = { method, route, status: result.status, at: world.now(), bytesIn: counted.bytesIn, bytesOut: 0 };
      requestLog.push(entry);
      entry.bytesOut = send(response, result, { ...rateHeaders(budget), ...extra });
    };

    // Faults come first, as they would from a proxy in front of the API.
    if (faults.dropRate > 0 && random() < faults.dropRate) {
      record(0);
      request.socket.destroy();
      return;
    }
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    if (faults.errorRate > 0 && random() < faults.errorRate) {
      const status = [500, 502, 503][Math.floor(random() * 3)] ?? 500;
      return reply({ status, body: errorBody(status, status === 500 ? 'Server Error' : status === 502 ? 'Bad Gateway' : 'Service Unavailable') });
    }
    if (faults.rateLimitRate > 0 && random() < faults.rateLimitRate) {
      return reply({ status: 429, body: errorBody(429, 'Too Many Requests') }, { 'retry-after': '1' });
    }
    if (faults.secondaryRate > 0 && random() < faults.secondaryRate) {
      return reply({ status: 403, body: errorBody(403, SECONDARY_MESSAGE) }, { 'retry-after': '1' });
    }

    if (caller?.kind === 'refused') return reply({ status: caller.status, body: errorBody(caller.status, caller.message) });
    const appRoute = 'route' in matched && (matched.route.template.startsWith('/app') || matched.route.template.endsWith('/installation'));
    // The App's JWT opens the App's routes only; an installation token or a user's token does not open them.
    if (caller?.kind === 'app' && !appRoute) return reply({ status: 401, body: errorBody(401, 'A JSON web token could not be decoded') });
    const login = caller?.kind === 'app' ? `${apps?.info.slug ?? ''}` : loginOf(request);
    if (!login) return reply({ status: 401, body: errorBody(401, request.headers.authorization ? 'Bad credentials' : 'Requires authentication') });
    if (!('route' in matched)) return reply({ status: 404, body: errorBody(404, 'Not Found') });
    // Search's own limits, like the core one, are per installation for an App and per user for a token.
    const searchKey = caller?.kind === 'installation' ? `installation:${caller.installation.id}` : login;
    if (matched.route.template === '/rate_limit') return reply({ status: 200, body: rateLimitBody(budget, searchKey) });
    if (caller?.kind === 'installation') {
      // An installation acts on its own account only: GitHub answers another's repository or organisation with 404.
      const account = matched.params.owner ?? matched.params.org;
      if (!apps?.reaches(caller, account, matched.params.repo)) return reply({ status: 404, body: errorBody(404, 'Not Found') });
      if (matched.route.template === '/user') return reply({ status: 403, body: errorBody(403, 'Resource not accessible by integration') });
      const named = outsideAccounts(url.searchParams.get('q'), caller.installation.account);
      if (matched.route.template.startsWith('/search/') && named.length > 0) {
        return reply({
          status: 422,
          body: errorBody(422, 'Validation Failed', named.map(() => ({ message: 'The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.', resource: 'Search', field: 'q', code: 'invalid' }))),
        });
      }
    }
    // Search counts against its own limits (search, code_search), not the core one.
    const searchResource = searchLimits.resourceOf(matched.route.template);
    if (searchResource) {
      const taken = searchLimits.take(searchResource, searchKey);
      if (!taken.ok) return reply({ status: taken.status, body: taken.body }, taken.headers);
      try {
        const result = matched.route.handle({ params: matched.params, query: url.searchParams, body: {}, login, url, caller });
        return reply(result, taken.headers);
      } catch (error) {
        const status = isFleetError(error) && typeof error.details.httpStatus === 'number' ? error.details.httpStatus : 500;
        const message = isFleetError(error) && status !== 500 ? error.message : 'Server Error';
        return reply({ status, body: errorBody(status, message, isFleetError(error) ? error.details.errors : undefined) }, taken.headers);
      }
    }

    let body: Record<string, unknown> = {};
    if (method !== 'GET' && method !== 'DELETE') {
      const raw = await readBody(request, counted);
      try {
        const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
        body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      } catch {
        return reply({ status: 400, body: errorBody(400, 'Problems parsing JSON') });
      }
    }

    const exhausted = (): boolean => {
      rateHeaders(budget);
      return budget.used >= limit;
    };
    const limited = (): void => reply({ status: 403, body: errorBody(403, caller?.kind === 'installation' ? `API rate limit exceeded for installation ID ${caller.installation.id}.` : `API rate limit exceeded for user ${login}.`) }, { 'x-ratelimit-remaining': '0' });

    if (method !== 'GET') {
      if (exhausted()) return limited();
      const at = world.now();
      while (recentWrites.length > 0 && (recentWrites[0] ?? 0) <= at - 60_000) recentWrites.shift();
      if (recentWrites.length >= secondaryPerMinute) {
        const wait = Math.max(1, Math.ceil(((recentWrites[0] ?? at) + 60_000 - at) / 1000));
        return reply({ status: 403, body: errorBody(403, SECONDARY_MESSAGE) }, { 'retry-after': String(wait) });
      }
      recentWrites.push(at);
    }

    let result: RouteResult;
    try {
      const handle = (): RouteResult => matched.route.handle({ params: matched.params, query: url.searchParams, body, login, url, caller });
      // A REST ref write waits for a push in flight to the repository, as GitHub applies ref updates one at a time.
      result = REF_WRITES.has(`${method} ${matched.route.template}`) ? await gitHttp.exclusive(matched.params.owner ?? '', matched.params.repo ?? '', handle) : handle();
    } catch (error) {
      const status = isFleetError(error) && typeof error.details.httpStatus === 'number' ? error.details.httpStatus : 500;
      if (status === 500) log(`handler error on ${method} ${route}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      if (method !== 'GET') budget.used += 1;
      const message = isFleetError(error) && status !== 500 ? error.message : 'Server Error';
      return reply({ status, body: errorBody(status, message, isFleetError(error) ? error.details.errors : undefined) });
    }

    if (method === 'GET' && result.status === 200) {
      const etag = `W/"${createHash('sha1').update(JSON.stringify(result.body)).digest('hex')}"`;
      const conditional = request.headers['if-none-match'];
      // A 304 costs nothing against the primary limit, as on GitHub.
      if (conditional && conditional.split(',').map((tag) => tag.trim()).includes(etag)) {
        return reply({ status: 304, headers: { etag, ...result.headers } });
      }
      if (exhausted()) return limited();
      budget.used += 1;
      return reply({ ...result, headers: { etag, 'cache-control': 'private, max-age=60, s-maxage=60', vary: 'Accept, Authorization, Cookie, X-GitHub-OTP', ...result.headers } });
    }
    if (method === 'GET') {
      if (exhausted()) return limited();
      budget.used += 1;
    } else {
      budget.used += 1;
    }
    return reply(result);
  }

  function counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const entry of requestLog) out[`${entry.method} ${entry.route}`] = (out[`${entry.method} ${entry.route}`] ?? 0) + 1;
    return out;
  }

  function listPulls(): PullSummary[] {
    return world.pulls.map((pull) => ({
      repo: `${pull.owner}/${pull.repo}`,
      number: pull.number,
      title: pull.title,
      state: pull.state,
      merged: pull.merged,
      head: pull.headRef,
      headSha: pull.headSha,
      base: pull.baseRef,
      labels: [...pull.labels],
      approvals: world.approvals(pull),
      mergeableState: world.mergeability(pull).state,
    }));
  }

  function setFaults(next: Partial<Faults> | null): void {
    faults = Faults.parse(next ?? {});
    random = createRandom(faults.seed);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      if (!response.headersSent) send(response, { status: 500, body: errorBody(500, 'Server Error') });
      else response.destroy();
    });
  });
  // Keep-alive sockets would hold close() open in tests.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  ctx.base = `http://127.0.0.1:${address.port}`;
  const ticker = setInterval(() => world.evaluateChecks(), 250);
  ticker.unref();

  const state: FakeGitHubState = {
    seedRepo: (input) => world.seedRepo(input),
    completeCheck: (owner, repo, sha, name, conclusion) => void world.completeCheck(owner, repo, sha, name, conclusion),
    advance: (ms) => world.advance(ms),
    now: () => world.now(),
    readFiles: (owner, repo, ref) => world.readFiles(owner, repo, ref),
    listPulls,
    checkRuns: (owner, repo, sha) => world.runsFor(world.getRepo(owner, repo), sha).map((run) => ({ ...run })),
    addRuleset: (owner, repo, input) => (repo === null ? world.addOrgRuleset(owner, input) : world.addRuleset(world.getRepo(owner, repo), input)),
    merges: () => world.merges(),
    deliveries: sender.deliveries,
    flushWebhooks: () => sender.flush(),
    addTeam: (org, slug, members) => world.addTeam(org, slug, members),
    addReviewer: (owner, repo, reviewer) => world.addReviewer(world.getRepo(owner, repo), reviewer),
    submitReview: (input) => {
      const pull = world.getPull(input.owner, input.repo, input.number);
      const review = world.submitReview(pull, { event: input.event, body: input.body }, input.login);
      pull.requestedReviewers = pull.requestedReviewers.filter((login) => login.toLowerCase() !== input.login.toLowerCase());
      return { id: review.id, htmlUrl: String(render.review(pull, review).html_url) };
    },
    actions: {
      setBreaks: (fn) => actions.setBreaks(fn),
      setDeployer: (deployer: ActionsDeployer | null) => actions.setDeployer(deployer),
      runs: (owner, repo) => actions.runsOf(world.getRepo(owner, repo)).map((run) => ({ ...run, inputs: { ...run.inputs } })),
    },
    deployments: () => world.deployments.all().map((deployment) => ({ ...deployment, statuses: deployment.statuses.map((status) => ({ ...status })) })),
  };

  return {
    url: ctx.base,
    ...(apps ? { app: apps.info } : {}),
    gitUrl: (owner, name) => `${ctx.base}/${owner}/${name}.git`,
    state,
    requestLog,
    counts,
    setFaults,
    setWebhook: (target) => sender.setTarget(target),
    ...(cd ? { cd, history: cd } : {}),
    async close(): Promise<void> {
      clearInterval(ticker);
      cd?.stop();
      gitHttp.close();
      await sender.flush();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

