import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an external CD system triggered by a webhook (a Spinnaker pipeline's webhook
 * trigger, a CD's deploy API), for `deploy.method: webhook`. On 127.0.0.1 it serves:
 *
 * - `POST /deploy`: Fleet's signed request (`X-Fleet-Signature-256: sha256=<HMAC-SHA256 of the raw
 *   body>` under the shared secret, refused with 401 otherwise or when its `timestamp` is more than
 *   five minutes off). It starts an execution and answers `201 { id, statusUrl }`; the same
 *   `X-Fleet-Delivery` again gets the same execution (`200`), so a request Fleet re-sends after a
 *   crash deploys once.
 * - `GET /executions/{id}`: `{ id, state, environmentUrl, logUrl, description }`.
 *
 * An execution is `queued`, then `in_progress` after `inProgressMs`, then `success` (with an
 * environment URL) or, for a repository whose deploy breaks, `failure` with the description, after
 * `successMs` more, on the injected clock (the fake GitHub's, so `advance()` moves both). When the
 * request named a `callbackUrl`, each change is also sent there, signed the same way.
 *
 * It is written from the protocol's description, not from Fleet's code: it shares no code with
 * Fleet's signing, so a mistake on either side shows.
 */

export interface WebhookCdOptions {
  /** The secret both sides sign with (Fleet reads it from its FLEET_DEPLOY_* variable). */
  secret: string;
  now?: () => number;
  delays?: { inProgressMs?: number; successMs?: number };
  /** A failure description for a repository whose deploy breaks. */
  breaks?: (repo: string) => string | undefined;
  /** Whether its answer names a status URL (default true); without one Fleet waits for the callback. */
  answerStatusUrl?: boolean;
  port?: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export interface Execution {
  id: string;
  delivery: string;
  repo: string;
  sha: string;
  environment: string;
  campaign: string;
  target: number;
  callbackUrl: string | null;
  createdAt: number;
  state: 'queued' | 'in_progress' | 'success' | 'failure';
  /** Callbacks sent (state → HTTP status, or null when Fleet could not be reached). */
  callbacks: { state: string; status: number | null }[];
}

export interface WebhookCd {
  url: string;
  /** The status URL template a spec names (`deploy.webhook.statusUrl`). */
  statusUrlTemplate: string;
  executions(): Execution[];
  /** Moves the executions whose time came and sends their callbacks; resolves when they were sent. */
  evaluate(): Promise<void>;
  /** Requests refused, by reason (bad signature, stale timestamp, bad body). */
  refused: { reason: string; at: number }[];
  close(): Promise<void>;
}

const MAX_SKEW_MS = 5 * 60_000;

function hmac(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function signatureMatches(secret: string, body: Buffer, given: string | undefined): boolean {
  if (!given || !/^sha256=[0-9a-f]{64}$/.test(given)) return false;
  const expected = Buffer.from(hmac(secret, body));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

export async function startWebhookCd(options: WebhookCdOptions): Promise<WebhookCd> {
  const now = options.now ?? Date.now;
  const inProgressMs = options.delays?.inProgressMs ?? 10_000;
  const successMs = options.delays?.successMs ?? 60_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const log = options.log ?? (() => undefined);
  const executions: Execution[] = [];
  const refused: { reason: string; at: number }[] = [];
  let base = '';
  let sending: Promise<void> = Promise.resolve();

  function stateAt(execution: Execution, at: number): Execution['state'] {
    if (at < execution.createdAt + inProgressMs) return 'queued';
    if (at < execution.createdAt + inProgressMs + successMs) return 'in_progress';
    return options.breaks?.(execution.repo) ? 'failure' : 'success';
  }

  function view(execution: Execution): Record<string, unknown> {
    const failure = execution.state === 'failure' ? options.breaks?.(execution.repo) ?? 'the deploy failed' : null;
    const name = execution.repo.split('/')[1] ?? execution.repo;
    return {
      id: execution.id,
      state: execution.state,
      environmentUrl: execution.state === 'success' ? `https://${execution.environment}.${name}.webhook-cd.sandbox.fleet.invalid/` : null,
      logUrl: `${base}/executions/${execution.id}/log`,
      description: failure ?? `${execution.state} (${execution.sha.slice(0, 7)} to ${execution.environment})`,
    };
  }

  /** Brings every execution to its state now; queues a signed callback for each change. */
  function advance(): void {
    const at = now();
    for (const execution of executions) {
      const next = stateAt(execution, at);
      if (next === execution.state) continue;
      execution.state = next;
      if (!execution.callbackUrl) continue;
      const url = execution.callbackUrl;
      const body = JSON.stringify({ ...view(execution), timestamp: Math.floor(at / 1000) });
      const record = { state: next, status: null as number | null };
      execution.callbacks.push(record);
      sending = sending.then(async () => {
        try {
          const response = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fleet-signature-256': hmac(options.secret, body), 'x-fleet-delivery': `${execution.id}-${next}` }, body });
          record.status = response.status;
          await response.arrayBuffer();
        } catch (error) {
          log(`callback for ${execution.id} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://cd.invalid').pathname;
    advance();
    if (request.method === 'GET') {
      const match = /^\/executions\/([^/]+)$/.exec(path);
      const execution = match ? executions.find((e) => e.id === decodeURIComponent(match[1] ?? '')) : undefined;
      if (!execution) return json(response, 404, { error: 'no such execution' });
      return json(response, 200, view(execution));
    }
    if (request.method !== 'POST' || path !== '/deploy') return json(response, 404, { error: `no route ${request.method ?? ''} ${path}` });
    const raw = await readBody(request);
    const refuse = (status: number, reason: string): void => {
      refused.push({ reason, at: now() });
      json(response, status, { error: reason });
    };
    const signature = request.headers['x-fleet-signature-256'];
    if (!signatureMatches(options.secret, raw, Array.isArray(signature) ? signature[0] : signature)) return refuse(401, 'signature does not match');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse(400, 'the body is not a JSON object');
      body = parsed as Record<string, unknown>;
    } catch {
      return refuse(400, 'the body is not JSON');
    }
    if (typeof body.timestamp !== 'number' || Math.abs(now() - body.timestamp * 1000) > MAX_SKEW_MS) return refuse(401, 'the timestamp is missing or too far from our clock');
    const { action, repo, sha, environment, campaign, target, callbackUrl } = body;
    if (action !== 'deploy' || typeof repo !== 'string' || typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha) || typeof environment !== 'string' || typeof campaign !== 'string' || typeof target !== 'number') {
      return refuse(422, 'expected { action: "deploy", campaign, target, repo, sha (40 hex), environment, callbackUrl?, timestamp }');
    }
    if (callbackUrl !== undefined && (typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl))) return refuse(422, 'callbackUrl must be an http(s) URL');
    const deliveryHeader = request.headers['x-fleet-delivery'];
    const delivery = (Array.isArray(deliveryHeader) ? deliveryHeader[0] : deliveryHeader) ?? '';
    if (delivery === '') return refuse(422, 'X-Fleet-Delivery is missing');
    const seen = executions.find((e) => e.delivery === delivery);
    const answer = (e: Execution) => ({ id: e.id, ...(options.answerStatusUrl === false ? {} : { statusUrl: `${base}/executions/${e.id}` }) });
    if (seen) return json(response, 200, answer(seen));
    const execution: Execution = { id: `exec-${executions.length + 1}`, delivery, repo, sha, environment, campaign, target, callbackUrl: callbackUrl ?? null, createdAt: now(), state: 'queued', callbacks: [] };
    executions.push(execution);
    return json(response, 201, answer(execution));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`error: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) json(response, 500, { error: 'internal error' });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ticker = setInterval(advance, 250);
  ticker.unref();

  return {
    url: base,
    statusUrlTemplate: `${base}/executions/{{id}}`,
    executions: () => executions.map((e) => ({ ...e, callbacks: e.callbacks.map((c) => ({ ...c })) })),
    async evaluate() {
      advance();
      await sending;
    },
    refused,
    async close() {
      clearInterval(ticker);
      await sending;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
