import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { CampaignService } from '../campaigns/service-types.js';
import { registerActions } from './actions.js';
import { createActorCheck, type Refusal } from './check-actor.js';
import type { DigestInput } from './blocks/digest.js';
import { createFleetCommand } from './commands.js';
import type { ListenerDeps } from './deps.js';
import { adaptLogger, type FleetLogger } from './logger.js';
import { registerViews } from './views.js';

/** A request to an extra route, with its body already read as bytes (for signature checks). */
export interface RawBodyRequest extends IncomingMessage {
  rawBody: Buffer;
}

/** An extra HTTP route served next to /slack/events, e.g. POST /github/webhooks. */
export interface HttpRoute {
  method: string;
  path: string;
  handler: (req: RawBodyRequest, res: ServerResponse) => void | Promise<void>;
}

export interface SlackAppDeps {
  signingSecret: string;
  botToken: string;
  /** With an app-level token the app uses Socket Mode instead of the HTTP endpoint. */
  appToken?: string;
  /** Web API base URL (e.g. the local stand-in's `http://127.0.0.1:port/api/`). */
  apiUrl?: string;
  service: CampaignService;
  admins: string[];
  /** Members of an approver user group (the service's own resolver), for checks before a confirmation. */
  resolveGroupMembers: (groupId: string) => Promise<string[]>;
  /** Records an attempt refused before a confirmation, e.g. as an `auth.refused` event. */
  recordRefusal: (refusal: Refusal) => void;
  logger: FleetLogger;
  now: () => number;
  routes?: HttpRoute[];
  /** The interface to listen on (default all; the sandbox and tests use 127.0.0.1). */
  host?: string;
  /** The channel's digest, as data, for `/fleet digest`, e.g. `(channel) => buildDigest(store, channel, now())`. */
  buildDigest?: (channel: string) => Promise<DigestInput> | DigestInput;
  /** Largest body accepted on an extra route (default 1 MB, like /slack/events). */
  routeBodyLimit?: number;
  /**
   * Where accepted signatures and Events API event ids are remembered, so a replay is refused and
   * a retry is not processed twice (`store.seenRequests`; an in-memory set when not given).
   */
  seenRequests?: SeenRequests;
}

/** Remembers keys until they expire; `claim` is true only for the first claim of an unexpired key. */
export interface SeenRequests {
  claim(key: string, expiresAt: number, now: number): boolean;
}

export interface SlackApp {
  app: App;
  start(port: number): Promise<void>;
  stop(): Promise<void>;
  /** The port the HTTP server listens on (useful after start(0)). */
  port(): number;
}

/** Slack's replay window: a request more than 5 minutes from our clock, either way, is refused. */
const MAX_SKEW_SECONDS = 300;

/**
 * Whether a Slack request timestamp (seconds) is within 5 minutes of `nowMs`, in both directions.
 * Bolt's own check only refuses old timestamps; a timestamp from the future would let a captured
 * request be replayed for as long as it stays "in the future".
 *
 * @example isFreshTimestamp('1700000000', 1700000000_000) // true
 */
export function isFreshTimestamp(header: string | string[] | undefined, nowMs: number): boolean {
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(Number(header) - Math.floor(nowMs / 1000)) <= MAX_SKEW_SECONDS;
}

/** Largest request body read on any route: Slack's payloads are far smaller, GitHub's webhooks too. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** How long an Events API event id is remembered: Slack retries a delivery up to 3 times, the last after about 5 minutes. */
const EVENT_ID_TTL_MS = 60 * 60 * 1000;

/**
 * Reads the body into memory, or undefined once it would pass `limit` bytes (a declared
 * Content-Length over the limit is refused before reading anything). Past the limit the rest is
 * no longer read: the request is paused and the connection closed after the 413.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: `body larger than ${limit} bytes` }), () => req.destroy());
}

/** Whether `signature` is Slack's `v0=` HMAC of the body at `timestamp`, compared in constant time. */
function hasValidSignature(signingSecret: string, timestamp: string, signature: string | string[] | undefined, body: Buffer): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The `event_id` of an Events API callback (a JSON body), if the body is one. */
function eventIdOf(req: IncomingMessage, body: Buffer): string | undefined {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { type, event_id: eventId } = parsed as { type?: unknown; event_id?: unknown };
    return type === 'event_callback' && typeof eventId === 'string' && eventId !== '' ? eventId : undefined;
  } catch {
    return undefined;
  }
}

/** A process-local SeenRequests, for callers without a store (Socket Mode, benchmarks). */
export function createMemorySeenRequests(): SeenRequests {
  const seen = new Map<string, number>();
  return {
    claim(key, expiresAt, now) {
      for (const [k, until] of seen) if (until <= now) seen.delete(k);
      if (seen.has(key)) return false;
      seen.set(key, expiresAt);
      return true;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Builds the Bolt app with Fleet's listeners, served by one HTTP server: POST /slack/events
 * (HTTP mode; the signing secret and a ±5-minute timestamp window are enforced), GET /healthz,
 * and the extra routes given. With `appToken`, events arrive over Socket Mode instead.
 *
 * @example
 * const slack = createSlackApp({ signingSecret, botToken, service, admins: [], logger, now: Date.now });
 * await slack.start(3000);
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const boltLogger = adaptLogger(deps.logger);
  const httpReceiver = deps.appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: deps.signingSecret, endpoints: '/slack/events', logger: boltLogger, processBeforeResponse: false });
  const receiver: Receiver = httpReceiver ?? new SocketModeReceiver({
      appToken: deps.appToken!,
      logger: boltLogger,
      // apps.connections.open must go to the same Web API as every other call.
      ...(deps.apiUrl ? { installerOptions: { clientOptions: { slackApiUrl: deps.apiUrl } } } : {}),
    });
  const app = new App({
    receiver,
    logger: boltLogger,
    // One workspace, one bot token: no auth.test round trip at start-up.
    authorize: async () => ({ botToken: deps.botToken }),
    ...(deps.apiUrl ? { clientOptions: { slackApiUrl: deps.apiUrl } } : {}),
  });

  const checkActor = createActorCheck({ status: (id) => deps.service.status(id), admins: deps.admins, resolveGroupMembers: deps.resolveGroupMembers, recordRefusal: deps.recordRefusal, now: deps.now });
  const listenerDeps: ListenerDeps = { service: deps.service, admins: deps.admins, logger: deps.logger, now: deps.now, checkActor, buildDigest: deps.buildDigest };
  app.command('/fleet', createFleetCommand(listenerDeps));
  registerActions(app, listenerDeps);
  registerViews(app, listenerDeps);
  app.error(async (error) => {
    deps.logger.error('unhandled error in a Slack listener', { code: (error as { code?: string }).code, message: error.message });
  });

  const routes = deps.routes ?? [];
  const bodyLimit = deps.routeBodyLimit ?? BODY_LIMIT_BYTES;
  const seenRequests = deps.seenRequests ?? createMemorySeenRequests();

  /**
   * The checks in front of Bolt, in order: the body's size (413), the timestamp window (401), then,
   * for a valid signature, a replay of it (401) and a redelivery of an Events API event (200, not
   * processed). Events are deduplicated by `event_id` whether or not `X-Slack-Retry-Num` is set:
   * a retry carries a new timestamp and signature but the same event id. An invalid signature is
   * left to Bolt, which refuses it with 401.
   */
  async function handleSlack(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, BODY_LIMIT_BYTES);
    if (!body) {
      deps.logger.warn('refused a Slack request over the body limit', { limit: BODY_LIMIT_BYTES });
      refuseTooLarge(req, res, BODY_LIMIT_BYTES);
      return;
    }
    const timestamp = req.headers['x-slack-request-timestamp'];
    const now = deps.now();
    if (!isFreshTimestamp(timestamp, now) || typeof timestamp !== 'string') {
      deps.logger.warn('refused a Slack request outside the 5-minute window', { path: '/slack/events' });
      res.writeHead(401).end();
      return;
    }
    const signature = req.headers['x-slack-signature'];
    if (typeof signature === 'string' && hasValidSignature(deps.signingSecret, timestamp, signature, body)) {
      // Once its timestamp leaves the window the signature is refused anyway, so it need not be kept longer.
      if (!seenRequests.claim(signature, (Number(timestamp) + MAX_SKEW_SECONDS) * 1000 + 1, now)) {
        deps.logger.warn('refused a replayed Slack request', { path: '/slack/events' });
        res.writeHead(401).end();
        return;
      }
      const eventId = eventIdOf(req, body);
      if (eventId !== undefined && !seenRequests.claim(`event:${eventId}`, now + EVENT_ID_TTL_MS, now)) {
        deps.logger.info('answered a redelivered Slack event without processing it again', { eventId, retryNum: req.headers['x-slack-retry-num'] });
        res.writeHead(200).end();
        return;
      }
    }
    // Bolt reads a body already buffered on `rawBody` instead of the (consumed) stream.
    httpReceiver!.requestListener(Object.assign(req, { rawBody: body }), res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/healthz' && method === 'GET') {
      sendJson(res, 200, { ok: true });
      return;
    }
    const route = routes.find((r) => r.path === path && r.method.toUpperCase() === method);
    if (route) {
      const rawBody = await readBody(req, bodyLimit);
      if (!rawBody) {
        deps.logger.warn('refused a request over the body limit', { path, limit: bodyLimit });
        refuseTooLarge(req, res, bodyLimit);
        return;
      }
      await route.handler(Object.assign(req, { rawBody }), res);
      return;
    }
    if (httpReceiver && path === '/slack/events' && method === 'POST') {
      await handleSlack(req, res);
      return;
    }
    sendJson(res, 404, { error: `no route for ${method} ${path}` });
  }

  let server: Server | undefined;
  return {
    app,
    async start(port: number): Promise<void> {
      if (deps.appToken) await app.start();
      const s = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          deps.logger.error('HTTP request failed', { url: req.url?.split('?')[0], message: error instanceof Error ? error.message : String(error) });
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
      });
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, deps.host ?? '0.0.0.0', () => resolve());
      });
    },
    async stop(): Promise<void> {
      const s = server;
      server = undefined;
      if (deps.appToken) await app.stop();
      if (!s) return;
      await new Promise<void>((resolve, reject) => {
        s.close((error) => (error ? reject(error) : resolve()));
        s.closeAllConnections();
      });
    },
    port(): number {
      return (server?.address() as AddressInfo | null)?.port ?? 0;
    },
  };
}
