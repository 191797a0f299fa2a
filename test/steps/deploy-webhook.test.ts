import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { DeployOptions } from '../../src/domain/step-options.js';
import { STEP_OPTIONS } from '../../src/domain/step-options.js';
import { isFleetError } from '../../src/errors.js';
import { handleDeployCallback } from '../../src/runtime/deploy-callback.js';
import { startWebhookCd, type WebhookCd } from '../../src/sandbox/cd/webhook-cd.js';
import { CALLBACK_EVENT, deliveryId, webhookMethod, type WebhookDeployDeps } from '../../src/steps/deploy-webhook.js';
import type { StepContext } from '../../src/steps/types.js';
import { openTempStore, type TempStore } from '../../src/store/temp-store.js';
import type { TargetRecord } from '../../src/store/store.js';
import { makeCampaign, makeSpec } from './context.js';

/**
 * The webhook deploy against the sandbox's webhook-triggered CD over real HTTP: Fleet's signed
 * request, the execution polled at its status URL, or its signed callback to Fleet's
 * `POST /deploy/callback` (served here by the runtime's handler over a real store); bad
 * signatures, stale timestamps and replays refused and nothing kept; the same delivery id after a
 * crash; a missing secret sent to a person naming the variable.
 */

const SECRET = 'a-long-shared-secret';
const SHA = 'a'.repeat(40);

let cd: WebhookCd | undefined;
let temp: TempStore | undefined;
let server: Server | undefined;
afterEach(async () => {
  await cd?.close();
  cd = undefined;
  server?.close();
  server = undefined;
  temp?.close();
  temp = undefined;
});

async function setup(input: { poll: boolean; breaks?: string }) {
  let clock = Date.parse('2025-03-01T09:00:00Z');
  const now = () => clock;
  cd = await startWebhookCd({ secret: SECRET, now, answerStatusUrl: input.poll, delays: { inProgressMs: 10_000, successMs: 60_000 }, breaks: () => input.breaks });
  temp = openTempStore('deploy-webhook');
  const store = temp.store;
  const webhook = { url: `${cd.url}/deploy`, secretEnv: 'FLEET_DEPLOY_WEBHOOK_SECRET', ...(input.poll ? { statusUrl: cd.statusUrlTemplate } : {}) };
  const spec = makeSpec({ steps: ['open-pr', { kind: 'deploy', options: { method: 'webhook', webhook } }, 'merge'] });
  const campaign = makeCampaign(spec, 'c-7');
  store.campaigns.insert({ ...campaign, state: 'running', waveCount: 1, now: clock });
  store.targets.insertMany('c-7', [{ repo: 'acme/api', wave: 0 }], clock);
  const target0 = store.targets.list('c-7')[0];
  store.targets.update(target0.id, target0.version, { stepIndex: 1, headSha: SHA, branch: 'fleet/bump', state: 'waiting' }, clock);
  const target = store.targets.get(target0.id) as TargetRecord;
  const secrets = (name: string) => (name === 'FLEET_DEPLOY_WEBHOOK_SECRET' ? SECRET : undefined);
  let wakes = 0;
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const result = handleDeployCallback({ store, secrets, wake: () => void wakes++, now }, { headers: request.headers, rawBody: Buffer.concat(chunks), url: request.url ?? '/' });
      response.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result.body));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const fleetUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const deps: WebhookDeployDeps = { store, deploy: { secrets, publicUrl: fleetUrl } };
  const ctx = (overrides: Partial<WebhookDeployDeps> = {}): StepContext<DeployOptions, WebhookDeployDeps> => ({
    campaign: store.campaigns.get('c-7') ?? campaign,
    spec,
    target: store.targets.get(target.id) ?? target,
    step: { kind: 'deploy', options: {} },
    stepIndex: 1,
    options: STEP_OPTIONS.deploy.parse({ method: 'webhook', webhook }),
    state: {},
    deps: { ...deps, ...overrides },
    now: clock,
  });
  return { store, target, ctx, fleetUrl, advance: (ms: number) => (clock += ms), now, wakes: () => wakes, cd };
}

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('webhook deploys', () => {
  test('polling the status URL: a signed request, then queued, in_progress and success with the environment link', async () => {
    const s = await setup({ poll: true });
    const started = await webhookMethod.advance(s.ctx(), null);
    expect(started).toMatchObject({ method: 'webhook', state: 'pending', sha: SHA, environment: 'canary', runId: 'exec-1', statusUrl: `${s.cd.url}/executions/exec-1` });
    const [execution] = s.cd.executions();
    expect(execution).toMatchObject({ repo: 'acme/api', sha: SHA, environment: 'canary', campaign: 'c-7', target: s.target.id, delivery: deliveryId('c-7', s.target.id, SHA, null) });
    expect((await webhookMethod.advance(s.ctx(), started)).state).toBe('queued');
    s.advance(10_000);
    expect((await webhookMethod.advance(s.ctx(), started)).state).toBe('in_progress');
    s.advance(60_000);
    const done = await webhookMethod.advance(s.ctx(), started);
    expect(done).toMatchObject({ state: 'success', environmentUrl: 'https://canary.api.webhook-cd.sandbox.fleet.invalid/', logUrl: `${s.cd.url}/executions/exec-1/log`, readyAt: s.now() });
  });

  test('a request sent again after a crash carries the same delivery id and deploys once', async () => {
    const s = await setup({ poll: true });
    const first = await webhookMethod.advance(s.ctx(), null);
    const again = await webhookMethod.advance(s.ctx(), null);
    expect(again.runId).toBe(first.runId);
    expect(s.cd.executions()).toHaveLength(1);
  });

  test('a deploy that breaks is the failure with its description; a Retry after it is a new delivery', async () => {
    const s = await setup({ poll: true, breaks: 'the canary pod crash-looped: CrashLoopBackOff' });
    const started = await webhookMethod.advance(s.ctx(), null);
    s.advance(70_000);
    const failed = await webhookMethod.advance(s.ctx(), started);
    expect(failed).toMatchObject({ state: 'failure', description: 'the canary pod crash-looped: CrashLoopBackOff', readyAt: null });
    const retried = await webhookMethod.advance(s.ctx(), failed);
    expect(retried.runId).toBe('exec-2');
    // A Retry that starts the step afresh still sees the failed deploy on the target: the same new delivery, not the failed one again.
    const row = s.store.targets.get(s.target.id) as TargetRecord;
    s.store.targets.update(row.id, row.version, { deployment: failed }, s.now());
    expect((await webhookMethod.advance(s.ctx(), null)).runId).toBe('exec-2');
    expect(s.cd.executions().map((e) => e.delivery)).toEqual([deliveryId('c-7', s.target.id, SHA, null), deliveryId('c-7', s.target.id, SHA, 'exec-1')]);
  });

  test("the signed callback: the system calls Fleet's /deploy/callback, which keeps the state and wakes the target", async () => {
    const s = await setup({ poll: false });
    const started = await webhookMethod.advance(s.ctx(), null);
    expect(started.statusUrl).toBeNull();
    expect(s.cd.executions()[0]?.callbackUrl).toBe(`${s.fleetUrl}/deploy/callback?target=${s.target.id}`);
    expect((await webhookMethod.advance(s.ctx(), started)).state).toBe('pending');
    s.advance(10_000);
    await s.cd.evaluate();
    expect((await webhookMethod.advance(s.ctx(), started)).state).toBe('in_progress');
    s.advance(60_000);
    await s.cd.evaluate();
    expect(s.cd.executions()[0]?.callbacks).toEqual([
      { state: 'in_progress', status: 200 },
      { state: 'success', status: 200 },
    ]);
    const done = await webhookMethod.advance(s.ctx(), started);
    expect(done).toMatchObject({ state: 'success', environmentUrl: 'https://canary.api.webhook-cd.sandbox.fleet.invalid/', readyAt: s.now() });
    expect(s.wakes()).toBe(2);
    const kept = s.store.events.list({ targetId: s.target.id, kinds: [CALLBACK_EVENT] });
    expect(kept.map((e) => [e.data.repo, e.data.id, e.data.state])).toEqual([
      ['acme/api', 'exec-1', 'in_progress'],
      ['acme/api', 'exec-1', 'success'],
    ]);
  });

  test('a callback with a bad signature, a stale timestamp, a replayed delivery or no such target is refused and keeps nothing', async () => {
    const s = await setup({ poll: false });
    const post = (body: string, headers: Record<string, string>, target = s.target.id) => fetch(`${s.fleetUrl}/deploy/callback?target=${target}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const body = JSON.stringify({ id: 'exec-1', state: 'success', environmentUrl: 'https://evil.example/', timestamp: Math.floor(s.now() / 1000) });
    expect((await post(body, { 'x-fleet-signature-256': sign(body, 'wrong-secret') })).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    const stale = JSON.stringify({ id: 'exec-1', state: 'success', timestamp: Math.floor(s.now() / 1000) - 600 });
    expect((await post(stale, { 'x-fleet-signature-256': sign(stale) })).status).toBe(401);
    expect((await post(body, { 'x-fleet-signature-256': sign(body) }, 999)).status).toBe(404);
    const bad = JSON.stringify({ id: 'exec-1', state: 'deployed', timestamp: Math.floor(s.now() / 1000) });
    expect((await post(bad, { 'x-fleet-signature-256': sign(bad) })).status).toBe(400);
    expect(s.store.events.list({ targetId: s.target.id, kinds: [CALLBACK_EVENT] })).toEqual([]);
    expect(s.wakes()).toBe(0);
    // A good one is kept once; the same delivery again changes nothing.
    const good = await post(body, { 'x-fleet-signature-256': sign(body), 'x-fleet-delivery': 'd-1' });
    expect(good.status).toBe(200);
    const replay = await post(body, { 'x-fleet-signature-256': sign(body), 'x-fleet-delivery': 'd-1' });
    expect(await replay.json()).toEqual({ duplicate: true });
    expect(s.store.events.list({ targetId: s.target.id, kinds: [CALLBACK_EVENT] })).toHaveLength(1);
  });

  test("the CD refuses a request not signed with the shared secret (401), and Fleet's deploy fails saying so", async () => {
    const s = await setup({ poll: true });
    const wrong = { store: s.store, deploy: { secrets: () => 'not-the-secret', publicUrl: s.fleetUrl } };
    const error: unknown = await webhookMethod.advance(s.ctx(wrong), null).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(error)).toBe(true);
    expect(error instanceof Error ? error.message : '').toContain('HTTP 401');
    expect(s.cd.executions()).toEqual([]);
    expect(s.cd.refused.map((r) => r.reason)).toEqual(['signature does not match']);
  });

  test('a missing secret goes to a person naming the variable, and nothing is sent', async () => {
    const s = await setup({ poll: true });
    const error: unknown = await webhookMethod.advance(s.ctx({ deploy: { secrets: () => undefined, publicUrl: s.fleetUrl } }), null).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(error, 'config_invalid')).toBe(true);
    expect(error instanceof Error ? error.message : '').toContain('FLEET_DEPLOY_WEBHOOK_SECRET');
    expect(s.cd.executions()).toEqual([]);
    expect(s.cd.refused).toEqual([]);
  });

  test('without a status URL and without FLEET_PUBLIC_URL there is no way to hear back: a person is told, nothing is sent', async () => {
    const s = await setup({ poll: false });
    const error: unknown = await webhookMethod.advance(s.ctx({ deploy: { secrets: () => SECRET } }), null).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(error, 'config_invalid')).toBe(true);
    expect(error instanceof Error ? error.message : '').toContain('FLEET_PUBLIC_URL');
    expect(s.cd.executions()).toEqual([]);
  });
});
