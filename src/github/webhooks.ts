import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Store, TargetRecord } from '../store/store.js';
import type { GitHubLogger } from './create-octokit.js';

const Repository = z.object({ full_name: z.string() });
const PrRef = z.object({ number: z.number().int() });

const CheckRunPayload = z.object({
  action: z.string(),
  repository: Repository,
  check_run: z.object({
    name: z.string(),
    head_sha: z.string(),
    status: z.string(),
    conclusion: z.string().nullable().optional(),
    pull_requests: z.array(PrRef).default([]),
  }),
});
const CheckSuitePayload = z.object({
  action: z.string(),
  repository: Repository,
  check_suite: z.object({
    head_sha: z.string(),
    status: z.string().nullable().optional(),
    conclusion: z.string().nullable().optional(),
    pull_requests: z.array(PrRef).default([]),
  }),
});
const StatusPayload = z.object({
  repository: Repository,
  sha: z.string(),
  context: z.string(),
  state: z.string(),
});
const PullRequestPayload = z.object({
  action: z.string(),
  repository: Repository,
  pull_request: z.object({
    number: z.number().int(),
    merged: z.boolean().nullable().optional(),
    head: z.object({ sha: z.string() }),
  }),
});
const ReviewPayload = z.object({
  action: z.string(),
  repository: Repository,
  review: z.object({ state: z.string(), user: z.object({ login: z.string() }).nullable().optional() }),
  pull_request: z.object({ number: z.number().int(), head: z.object({ sha: z.string() }) }),
});
const PushPayload = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  forced: z.boolean().optional(),
  deleted: z.boolean().optional(),
  repository: Repository,
});
const MergeGroupPayload = z.object({
  action: z.string(),
  reason: z.string().nullable().optional(),
  repository: Repository,
  merge_group: z.object({ head_sha: z.string(), head_ref: z.string(), base_ref: z.string() }),
});
const WorkflowRunPayload = z.object({
  action: z.string(),
  repository: Repository,
  workflow_run: z.object({
    id: z.number().int(),
    name: z.string().nullable().optional(),
    head_sha: z.string(),
    status: z.string().nullable().optional(),
    conclusion: z.string().nullable().optional(),
    pull_requests: z.array(PrRef).nullable().optional(),
  }),
});
const DeploymentRef = z.object({ id: z.number().int(), sha: z.string(), environment: z.string() });
const DeploymentPayload = z.object({ action: z.string(), repository: Repository, deployment: DeploymentRef });
const DeploymentStatusPayload = z.object({
  action: z.string(),
  repository: Repository,
  deployment: DeploymentRef,
  deployment_status: z.object({ state: z.string(), description: z.string().nullable().optional(), environment_url: z.string().nullable().optional(), log_url: z.string().nullable().optional() }),
});
const NO_SHA = /^0{40}$/;
/** A merge group's branch names the PR it was built for: `refs/heads/gh-readonly-queue/main/pr-7-<sha>`. */
const GROUP_REF = /gh-readonly-queue\/.+\/pr-(\d+)-([0-9a-f]{40})$/;

/** What a delivery is about: the repository, the PRs and commits it names, and the event's facts. */
interface Subject {
  repo: string;
  prNumbers: number[];
  shas: string[];
  data: Record<string, unknown>;
}

const HANDLED: Record<string, (payload: unknown) => Subject> = {
  check_run(payload) {
    const p = CheckRunPayload.parse(payload);
    const run = p.check_run;
    return {
      repo: p.repository.full_name,
      prNumbers: run.pull_requests.map((pr) => pr.number),
      shas: [run.head_sha],
      data: { action: p.action, name: run.name, status: run.status, conclusion: run.conclusion ?? null, sha: run.head_sha },
    };
  },
  check_suite(payload) {
    const p = CheckSuitePayload.parse(payload);
    const suite = p.check_suite;
    return {
      repo: p.repository.full_name,
      prNumbers: suite.pull_requests.map((pr) => pr.number),
      shas: [suite.head_sha],
      data: { action: p.action, status: suite.status ?? null, conclusion: suite.conclusion ?? null, sha: suite.head_sha },
    };
  },
  status(payload) {
    const p = StatusPayload.parse(payload);
    return { repo: p.repository.full_name, prNumbers: [], shas: [p.sha], data: { context: p.context, state: p.state, sha: p.sha } };
  },
  pull_request(payload) {
    const p = PullRequestPayload.parse(payload);
    const pr = p.pull_request;
    return { repo: p.repository.full_name, prNumbers: [pr.number], shas: [], data: { action: p.action, number: pr.number, merged: pr.merged ?? false, headSha: pr.head.sha } };
  },
  /**
   * GitHub sends `push` for every ref update, by git or through the API. Fleet matches it by the
   * sha the ref left: a target whose PR head was moved by someone else hears of it at once (the
   * push it made itself leaves from no head a target holds, or from its own previous one).
   */
  push(payload) {
    const p = PushPayload.parse(payload);
    return {
      repo: p.repository.full_name,
      prNumbers: [],
      shas: NO_SHA.test(p.before) ? [] : [p.before],
      data: { ref: p.ref, before: p.before, after: p.after, forced: p.forced ?? false, deleted: p.deleted ?? NO_SHA.test(p.after) },
    };
  },
  /**
   * GitHub's merge queue: `checks_requested` when a merge group is built for a queued PR, and
   * `destroyed` (merged, invalidated, dequeued) when it is taken down. The group's branch names the
   * PR and the head that was queued, so the target waiting on the queue wakes.
   */
  merge_group(payload) {
    const p = MergeGroupPayload.parse(payload);
    const match = GROUP_REF.exec(p.merge_group.head_ref);
    return {
      repo: p.repository.full_name,
      prNumbers: match ? [Number(match[1])] : [],
      shas: match?.[2] ? [match[2]] : [],
      data: { action: p.action, reason: p.reason ?? null, headSha: p.merge_group.head_sha, headRef: p.merge_group.head_ref, baseRef: p.merge_group.base_ref },
    };
  },
  /**
   * A workflow run of a head (a `workflow-dispatch` deploy on the PR's branch) was requested,
   * started or completed: the target deploying that head wakes and reads the run.
   */
  workflow_run(payload) {
    const p = WorkflowRunPayload.parse(payload);
    const run = p.workflow_run;
    return {
      repo: p.repository.full_name,
      prNumbers: (run.pull_requests ?? []).map((pr) => pr.number),
      shas: [run.head_sha],
      data: { action: p.action, runId: run.id, name: run.name ?? null, status: run.status ?? null, conclusion: run.conclusion ?? null, sha: run.head_sha },
    };
  },
  /**
   * A deployment created, or a status a CD system reported on one: the targets whose PR head it
   * deploys wake (the deploy brick waiting for its canary's outcome).
   */
  deployment(payload) {
    const p = DeploymentPayload.parse(payload);
    const d = p.deployment;
    return { repo: p.repository.full_name, prNumbers: [], shas: [d.sha], data: { action: p.action, deploymentId: d.id, environment: d.environment, sha: d.sha } };
  },
  deployment_status(payload) {
    const p = DeploymentStatusPayload.parse(payload);
    const d = p.deployment;
    const s = p.deployment_status;
    return {
      repo: p.repository.full_name,
      prNumbers: [],
      shas: [d.sha],
      data: { action: p.action, deploymentId: d.id, environment: d.environment, sha: d.sha, state: s.state, description: s.description ?? null, environmentUrl: s.environment_url ?? null, logUrl: s.log_url ?? null },
    };
  },
  pull_request_review(payload) {
    const p = ReviewPayload.parse(payload);
    return {
      repo: p.repository.full_name,
      prNumbers: [p.pull_request.number],
      shas: [],
      data: { action: p.action, number: p.pull_request.number, state: p.review.state, user: p.review.user?.login ?? null },
    };
  },
};

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: the signature covers these bytes (a string is read as UTF-8). */
  rawBody: string | Uint8Array;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Makes the targets a delivery names due now and returns how many it woke. Called inside the
 * delivery's transaction, with every matching target: finished targets, and targets a tick is
 * running, must be left as they are.
 */
export type WakeTargets = (targets: readonly TargetRecord[], at: number) => number;

/**
 * The store's way to wake targets: `store.targets.wake` only moves pending and waiting targets, so
 * finished ones and ones a tick holds stay as they are.
 *
 * @example
 * handleWebhook({ secret, store, wakeTargets: wakeTargetsInStore(store), wake, now: Date.now }, request);
 */
export function wakeTargetsInStore(store: Store): WakeTargets {
  return (targets, at) => {
    let woken = 0;
    for (const target of targets) if (store.targets.wake(target.id, at)) woken++;
    return woken;
  };
}

export interface WebhookDeps {
  secret: string;
  store: Store;
  /** Makes the matched targets due now; `wakeTargetsInStore(store)` when not given. */
  wakeTargets?: WakeTargets;
  /** Wakes the advance job so the targets are looked at now, not at their next poll. */
  wake: () => void;
  now: () => number;
  logger?: GitHubLogger;
}

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether `signature` is GitHub's `sha256=<hex>` HMAC-SHA256 of `body` under `secret`, compared in
 * constant time. Checked by Fleet itself, before the body is read at all, so that an empty or
 * malformed body with a valid signature is answered 400 (what it is) rather than 401.
 *
 * @example verifySignature('s3cret', '{}', 'sha256=' + createHmac('sha256', 's3cret').update('{}').digest('hex')) // true
 */
export function verifySignature(secret: string, body: string | Uint8Array, signature: string): boolean {
  const hex = /^sha256=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (!hex) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

/** Targets named by the delivery (by PR number, then by head sha), each once. */
function matchTargets(store: Store, subject: Subject): TargetRecord[] {
  const found = new Map<number, TargetRecord>();
  for (const n of subject.prNumbers) for (const t of store.targets.findByPr(subject.repo, n)) found.set(t.id, t);
  for (const sha of subject.shas) for (const t of store.targets.findByRepoAndSha(subject.repo, sha)) found.set(t.id, t);
  return [...found.values()];
}

const DeployedCommit = z.object({ repository: Repository, deployment: z.object({ sha: z.string() }) });

/**
 * The targets a `deployment` or `deployment_status` delivery names by their merge commit: a CD
 * deploying the default branch after a merge wakes the bake that waits for it (the PR's head is
 * another commit). Other events name none.
 */
function matchMergedTargets(store: Store, event: string, payload: unknown): TargetRecord[] {
  if (event !== 'deployment' && event !== 'deployment_status') return [];
  const p = DeployedCommit.safeParse(payload);
  return p.success ? store.targets.findByRepoAndMergedSha(p.data.repository.full_name, p.data.deployment.sha) : [];
}

/**
 * Handles one webhook delivery: verifies `X-Hub-Signature-256` over the raw body, records an event
 * for each matching target, makes those targets due now and wakes the engine. A missing or wrong
 * signature is 401 and changes nothing; then an empty body or malformed JSON is 400; an event
 * Fleet does not use is 202; a delivery id seen before is 200 and changes nothing. The composition
 * root serves it at POST /github/webhooks on the Slack app's HTTP server, which reads the raw body
 * (up to 1 MB, a body larger is refused with 413: the events Fleet uses are far smaller than GitHub's 25 MB cap) before anything parses it.
 *
 * @example
 * const result = await handleWebhook(deps, { headers: req.headers, rawBody }); // { status: 200, body: { targets: 1 } }
 */
export async function handleWebhook(deps: WebhookDeps, request: WebhookRequest): Promise<WebhookResponse> {
  const { store, now, logger } = deps;
  const wakeTargets = deps.wakeTargets ?? wakeTargetsInStore(store);
  const signature = header(request.headers, 'x-hub-signature-256');
  if (!signature) return { status: 401, body: { error: 'Missing X-Hub-Signature-256: set the webhook secret in the GitHub App or repository settings.' } };
  if (!verifySignature(deps.secret, request.rawBody, signature)) {
    logger?.warn('GitHub webhook with a wrong signature refused', { delivery: header(request.headers, 'x-github-delivery') ?? null });
    return { status: 401, body: { error: 'Signature does not match: GITHUB_WEBHOOK_SECRET must equal the secret set on GitHub.' } };
  }
  const event = header(request.headers, 'x-github-event') ?? '';
  const delivery = header(request.headers, 'x-github-delivery');
  const text = typeof request.rawBody === 'string' ? request.rawBody : Buffer.from(request.rawBody).toString('utf8');
  if (text.trim() === '') {
    return { status: 400, body: { error: 'The body is empty: GitHub sends each event as a JSON body; check the webhook content type (application/json) and any proxy in between.' } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { status: 400, body: { error: 'The body is not JSON: set the webhook content type to application/json.' } };
  }
  if (event === 'ping') return { status: 200, body: { ok: true } };
  const describe = HANDLED[event];
  if (!describe) return { status: 202, body: { ignored: event } };
  let subject: Subject;
  try {
    subject = describe(payload);
  } catch (error) {
    const issues = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(error);
    return { status: 400, body: { error: `The ${event} payload lacks what Fleet reads (${issues}).` } };
  }

  const at = now();
  const outcome = store.transaction(() => {
    // Claimed in the same transaction as its effects: a crash before commit leaves the redelivery welcome.
    if (delivery && !store.github.claimDelivery(delivery, event, at)) return { duplicate: true, woken: 0, matched: 0 };
    const targets = [...new Map([...matchTargets(store, subject), ...matchMergedTargets(store, event, payload)].map((t) => [t.id, t])).values()];
    for (const target of targets) {
      store.events.append({ campaignId: target.campaignId, targetId: target.id, at, actor: 'github', kind: `github.${event}`, data: { ...subject.data, delivery: delivery ?? null } });
    }
    return { duplicate: false, woken: wakeTargets(targets, at), matched: targets.length };
  });
  if (outcome.duplicate) return { status: 200, body: { duplicate: true } };
  if (outcome.matched > 0) deps.wake();
  logger?.info('GitHub webhook handled', { event, delivery: delivery ?? null, repo: subject.repo, targets: outcome.matched, woken: outcome.woken });
  return { status: 200, body: { targets: outcome.matched, woken: outcome.woken } };
}
