import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { DeploymentFact, DeploymentState } from '../domain/deployment.js';
import type { DeployOptions } from '../domain/step-options.js';
import { FleetError } from '../errors.js';
import { verifySignature } from '../github/webhooks.js';
import type { Store } from '../store/store.js';
import type { DeployMethod } from './deploy-method.js';
import type { StepContext } from './types.js';

/**
 * `deploy.method: webhook`: a signed POST to an external CD system (a Spinnaker webhook trigger, a
 * CD's API) asking it to deploy the PR's head, then either polling the status URL (the spec's
 * `webhook.statusUrl` with `{{id}}`, or the one the system answered with) or waiting for the
 * system's signed callback to Fleet's `POST /deploy/callback` (kept as a `deploy.callback` event of
 * the target, which `src/runtime/deploy-callback.ts` records and this method reads).
 *
 * Both directions are signed the same way: `X-Fleet-Signature-256: sha256=<HMAC-SHA256 of the raw
 * body>` under the secret in the environment variable `webhook.secretEnv`, with the body carrying
 * `timestamp` (Unix seconds) so a replayed or delayed message is refused, and `X-Fleet-Delivery`
 * naming the message. Fleet's delivery id is derived from the campaign, the target and the sha (and
 * the execution a Retry replaces), so a POST sent again after a crash carries the same id and the
 * external system can tell it is the same request.
 */

export const SIGNATURE_HEADER = 'x-fleet-signature-256';
export const DELIVERY_HEADER = 'x-fleet-delivery';
/** The event a verified callback is kept as, on the target it is about. */
export const CALLBACK_EVENT = 'deploy.callback';
/** How far a signed message's `timestamp` may be from Fleet's clock. */
export const MAX_SKEW_MS = 5 * 60_000;
/** How long Fleet waits for the external system to answer. */
const REQUEST_TIMEOUT_MS = 15_000;

/** What the webhook deploy needs from the runtime. */
export interface DeployEnvironment {
  /** A secret by its environment variable's name (the runtime reads Fleet's environment). */
  secrets: (name: string) => string | undefined;
  /** Fleet's public base URL (FLEET_PUBLIC_URL): the callback goes to `${publicUrl}/deploy/callback`. */
  publicUrl?: string;
  fetch?: typeof fetch;
}

export interface WebhookDeployDeps {
  /** Where verified callbacks are kept (the runtime always gives it; without it only a status URL is read). */
  store?: Pick<Store, 'events'>;
  deploy?: DeployEnvironment;
}

/** The states an external system may report; `inactive` is Fleet's own. */
const REPORTED = ['pending', 'queued', 'in_progress', 'success', 'failure', 'error'] as const;

/** The body of the system's callback to `POST /deploy/callback`, and of its status URL's answer (without id and timestamp). */
export const DeployCallbackBody = z.object({
  id: z.union([z.string().min(1).max(200), z.number().int()]).transform(String),
  state: z.enum(REPORTED),
  environmentUrl: z.string().url().max(2000).nullable().optional(),
  logUrl: z.string().url().max(2000).nullable().optional(),
  description: z.string().max(1000).nullable().optional(),
  timestamp: z.number().int(),
});
export type DeployCallbackBody = z.infer<typeof DeployCallbackBody>;

const StatusAnswer = z.object({
  state: z.enum(REPORTED),
  environmentUrl: z.string().url().max(2000).nullable().optional(),
  logUrl: z.string().url().max(2000).nullable().optional(),
  description: z.string().max(1000).nullable().optional(),
});

const DeployAnswer = z.object({
  id: z.union([z.string().min(1).max(200), z.number().int()]).transform(String),
  statusUrl: z.string().url().max(2000).optional(),
});

/**
 * `sha256=<hex>` of the body under the secret, as `X-Fleet-Signature-256` carries it.
 *
 * @example signBody('s3cret', '{}') // 'sha256=…'
 */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `signature` is `signBody(secret, body)`, compared in constant time. */
export function verifyBody(secret: string, body: string | Uint8Array, signature: string | undefined): boolean {
  return signature !== undefined && verifySignature(secret, body, signature);
}

/**
 * The delivery id of Fleet's deploy request: the same for the same campaign, target and sha (and
 * the failed execution a Retry replaces), so a request sent again after a crash can be deduplicated.
 *
 * @example deliveryId('c-1', 7, 'abc…', null) // 'fleet-deploy-3f2a…'
 */
export function deliveryId(campaignId: string, targetId: number, sha: string, replaces: string | null): string {
  return `fleet-deploy-${createHash('sha256').update(`${campaignId}\n${targetId}\n${sha}\n${replaces ?? ''}`).digest('hex').slice(0, 32)}`;
}

function secretOf(deps: WebhookDeployDeps, env: string): string {
  const secret = deps.deploy?.secrets(env);
  if (!secret) throw new FleetError('config_invalid', `The webhook deploy signs its request with the secret in ${env}, which is not set in Fleet's environment: set ${env} to the secret the deploy system verifies, restart Fleet, then press Retry.`);
  return secret;
}

async function send(deps: WebhookDeployDeps, url: string, init: { method: 'GET' | 'POST'; body?: string; headers: Record<string, string> }, what: string): Promise<unknown> {
  const doFetch = deps.deploy?.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, { method: init.method, headers: { accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers }, body: init.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new FleetError('timeout', `The deploy system at ${new URL(url).origin} did not answer ${what}: ${error instanceof Error ? error.message : String(error)}.`, { retryable: true });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new FleetError('bad_input', `The deploy system answered ${what} with HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}.`, { status: response.status });
  }
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new FleetError('bad_input', `The deploy system's answer ${what} is not JSON: ${text.slice(0, 200)}.`);
  }
}

function describe(issues: z.ZodError): string {
  return issues.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

/** Fills `{{id}}` (URL-encoded) into a status URL. */
export function statusUrlFor(template: string, id: string): string {
  return template.replace(/\{\{\s*id\s*\}\}/g, encodeURIComponent(id));
}

/** The latest verified callback about an execution, from the target's events. */
function latestCallback(deps: WebhookDeployDeps, targetId: number, id: string): { state: DeploymentState; environmentUrl: string | null; logUrl: string | null; description: string | null; at: number } | undefined {
  if (!deps.store) return undefined;
  const events = deps.store.events.list({ targetId, kinds: [CALLBACK_EVENT] }).filter((e) => e.data.id === id);
  const last = events.at(-1);
  if (!last) return undefined;
  const parsed = StatusAnswer.safeParse(last.data);
  if (!parsed.success) return undefined;
  return { state: parsed.data.state, environmentUrl: parsed.data.environmentUrl ?? null, logUrl: parsed.data.logUrl ?? null, description: parsed.data.description ?? null, at: last.at };
}

const FINISHED_BADLY = new Set<DeploymentState>(['failure', 'error', 'inactive']);
const FINAL = new Set<DeploymentState>(['success', 'failure', 'error']);

export const webhookMethod: DeployMethod<WebhookDeployDeps> = {
  async advance(ctx: StepContext<DeployOptions, WebhookDeployDeps>, fact: DeploymentFact | null): Promise<DeploymentFact> {
    const { options, target, deps, now } = ctx;
    const hook = options.webhook;
    if (!hook) throw new FleetError('spec_invalid', 'deploy.method is webhook but deploy.webhook is not set: give its url (and secretEnv, and a statusUrl to poll or FLEET_PUBLIC_URL for the callback).');
    const sha = target.headSha;
    if (!sha) throw new FleetError('bad_input', `The webhook deploy of ${target.repo} needs the PR's head, which open-pr records: put open-pr before deploy.`);
    const secret = secretOf(deps, hook.secretEnv);
    // The target's fact outlives the step's state (a Retry may start the step afresh): a failed
    // deploy of this head there makes this one a new delivery, not the failed one again.
    const stored = target.deployment && target.deployment.sha === sha && target.deployment.method === 'webhook' && target.deployment.environment === options.environment ? target.deployment : null;
    const known = fact ?? stored;
    const retry = known !== null && known.sha === sha && FINISHED_BADLY.has(known.state);
    const current = known && known.sha === sha && known.method === 'webhook' && known.runId !== null && !retry ? known : null;

    if (!current) {
      const callbackBase = deps.store ? deps.deploy?.publicUrl?.replace(/\/+$/, '') : undefined;
      if (!hook.statusUrl && !callbackBase) {
        throw new FleetError('config_invalid', `The webhook deploy of ${target.repo} has no way to hear back: set FLEET_PUBLIC_URL (the address the deploy system reaches Fleet at, for its signed callback to /deploy/callback) or give deploy.webhook.statusUrl to poll.`);
      }
      const callbackUrl = callbackBase ? `${callbackBase}/deploy/callback?target=${target.id}` : undefined;
      const delivery = deliveryId(ctx.campaign.id, target.id, sha, retry ? known.runId : null);
      const body = JSON.stringify({ action: 'deploy', campaign: ctx.campaign.id, target: target.id, repo: target.repo, sha, environment: options.environment, ...(callbackUrl ? { callbackUrl } : {}), timestamp: Math.floor(now / 1000) });
      const raw = await send(deps, hook.url, { method: 'POST', body, headers: { [SIGNATURE_HEADER]: signBody(secret, body), [DELIVERY_HEADER]: delivery } }, `the deploy of ${sha.slice(0, 7)} to ${options.environment}`);
      const answer = DeployAnswer.safeParse(raw);
      if (!answer.success) throw new FleetError('bad_input', `The deploy system's answer lacks what Fleet reads (${describe(answer.error)}): it must answer JSON { "id": "<its execution id>", "statusUrl"?: "<url>" }.`);
      const statusUrl = hook.statusUrl ? statusUrlFor(hook.statusUrl, answer.data.id) : answer.data.statusUrl ?? null;
      return { method: 'webhook', environment: options.environment, sha, deploymentId: null, runId: answer.data.id, state: 'pending', environmentUrl: null, logUrl: null, startedAt: now, readyAt: null, description: `asked ${new URL(hook.url).host} to deploy (delivery ${delivery})`, statusUrl };
    }

    const id = current.runId ?? '';
    let reported: { state: DeploymentState; environmentUrl: string | null; logUrl: string | null; description: string | null; at: number } | undefined;
    if (current.statusUrl) {
      const raw = await send(deps, current.statusUrl, { method: 'GET', headers: { [DELIVERY_HEADER]: deliveryId(ctx.campaign.id, target.id, sha, null) } }, `for the status of execution ${id}`);
      const parsed = StatusAnswer.safeParse(raw);
      if (!parsed.success) throw new FleetError('bad_input', `The deploy system's status of execution ${id} lacks what Fleet reads (${describe(parsed.error)}): it must answer JSON { "state": "${REPORTED.join('" | "')}", "environmentUrl"?, "logUrl"?, "description"? }.`);
      reported = { state: parsed.data.state, environmentUrl: parsed.data.environmentUrl ?? null, logUrl: parsed.data.logUrl ?? null, description: parsed.data.description ?? null, at: now };
    }
    // A callback can come as well as (or instead of) the status URL: a final word from either counts.
    const called = latestCallback(deps, target.id, id);
    if (called && (!reported || (!FINAL.has(reported.state) && FINAL.has(called.state)))) reported = called;
    if (!reported) return current;
    return {
      ...current,
      state: reported.state,
      environmentUrl: reported.environmentUrl ?? current.environmentUrl,
      logUrl: reported.logUrl ?? current.logUrl,
      description: reported.description ?? current.description,
      readyAt: reported.state === 'success' ? current.readyAt ?? reported.at : null,
    };
  },

  /**
   * An external system's canary is its own to tear down (Spinnaker's pipeline, the CD's TTL): a
   * webhook deploy has no GitHub deployment to mark inactive, so there is nothing for Fleet to do.
   */
  async deactivate() {
    await Promise.resolve();
  },
};
