import { readSteps } from '../engine/campaign-spec.js';
import type { DeployOptions } from '../domain/step-options.js';
import { CALLBACK_EVENT, DELIVERY_HEADER, DeployCallbackBody, MAX_SKEW_MS, SIGNATURE_HEADER, verifyBody } from '../steps/deploy-webhook.js';
import type { Store, TargetRecord } from '../store/store.js';
import type { FleetLogger } from './logger.js';

/**
 * `POST /deploy/callback?target=<id>`: an external CD system reporting a webhook deploy's state
 * (see `src/steps/deploy-webhook.ts`). The request is checked before anything is kept: the target
 * exists and deploys by webhook, `X-Fleet-Signature-256` is the HMAC of the raw body under that
 * deploy's secret (401 otherwise), the body's `timestamp` is within five minutes of Fleet's clock
 * (401: a replayed or delayed callback), and `X-Fleet-Delivery`, when given, was not seen before
 * (200, nothing kept). Then the state is kept as a `deploy.callback` event of the target and the
 * target is woken, so the deploy brick reads it at once.
 */

export interface DeployCallbackDeps {
  store: Store;
  /** A secret by its environment variable's name. */
  secrets: (name: string) => string | undefined;
  /** Wakes the advance job. */
  wake: () => void;
  now: () => number;
  logger?: FleetLogger;
}

export interface DeployCallbackRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string | Uint8Array;
  /** The request's URL (path and query). */
  url: string;
}

function header(headers: DeployCallbackRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The webhook deploy options of the target's campaign: the deploy step it is at, else the campaign's webhook deploy. */
function webhookOptions(store: Store, target: TargetRecord): DeployOptions | undefined {
  const campaign = store.campaigns.get(target.campaignId);
  if (!campaign) return undefined;
  const steps = readSteps(campaign);
  const deploys = [steps[target.stepIndex], ...steps].filter((step) => step?.kind === 'deploy').map((step) => step?.options as DeployOptions);
  return deploys.find((options) => options.method === 'webhook' && options.webhook !== undefined);
}

export function handleDeployCallback(deps: DeployCallbackDeps, request: DeployCallbackRequest): { status: number; body: Record<string, unknown> } {
  const { store, now } = deps;
  const targetParam = new URL(request.url, 'http://fleet.invalid').searchParams.get('target');
  const targetId = targetParam !== null && /^\d+$/.test(targetParam) ? Number(targetParam) : null;
  const target = targetId === null ? undefined : store.targets.get(targetId);
  if (!target) return { status: 404, body: { error: 'No such target: the callback URL Fleet sent names it (…/deploy/callback?target=<id>); call that URL as given.' } };
  const options = webhookOptions(store, target);
  if (!options?.webhook) return { status: 404, body: { error: `Target ${target.id} (${target.repo}) does not deploy by webhook.` } };
  const secret = deps.secrets(options.webhook.secretEnv);
  if (!secret) return { status: 503, body: { error: `Fleet cannot check the callback: ${options.webhook.secretEnv} is not set in its environment.` } };
  if (!verifyBody(secret, request.rawBody, header(request.headers, SIGNATURE_HEADER))) {
    deps.logger?.warn('deploy callback with a wrong signature refused', { target: target.id, delivery: header(request.headers, DELIVERY_HEADER) ?? null });
    return { status: 401, body: { error: `Signature does not match: sign the raw body with HMAC-SHA256 under the secret in ${options.webhook.secretEnv} and send it as X-Fleet-Signature-256: sha256=<hex>.` } };
  }
  const text = typeof request.rawBody === 'string' ? request.rawBody : Buffer.from(request.rawBody).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 400, body: { error: 'The body is not JSON.' } };
  }
  const parsed = DeployCallbackBody.safeParse(json);
  if (!parsed.success) return { status: 400, body: { error: `The callback lacks what Fleet reads (${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}): send { id, state, environmentUrl?, logUrl?, description?, timestamp }.` } };
  const at = now();
  if (Math.abs(at - parsed.data.timestamp * 1000) > MAX_SKEW_MS) {
    return { status: 401, body: { error: `The callback's timestamp is more than ${MAX_SKEW_MS / 60_000} minutes from Fleet's clock: send the time of sending, in Unix seconds (and keep both clocks in sync).` } };
  }
  const delivery = header(request.headers, DELIVERY_HEADER);
  const outcome = store.transaction(() => {
    if (delivery && !store.github.claimDelivery(`deploy:${delivery}`, CALLBACK_EVENT, at)) return 'duplicate' as const;
    const { timestamp: _sent, ...report } = parsed.data;
    store.events.append({ campaignId: target.campaignId, targetId: target.id, at, actor: 'deploy-system', kind: CALLBACK_EVENT, data: { repo: target.repo, ...report, delivery: delivery ?? null } });
    store.targets.wake(target.id, at);
    return 'kept' as const;
  });
  if (outcome === 'duplicate') return { status: 200, body: { duplicate: true } };
  deps.wake();
  deps.logger?.info('deploy callback kept', { target: target.id, repo: target.repo, id: parsed.data.id, state: parsed.data.state });
  return { status: 200, body: { ok: true } };
}
