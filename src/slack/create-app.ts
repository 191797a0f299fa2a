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
  /** Largest body accepted on an extra route (GitHub sends up to 25 MB). */
  routeBodyLimit?: number;
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

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
  const bodyLimit = deps.routeBodyLimit ?? 25 * 1024 * 1024;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/healthz' && method === 'GET') {
      sendJson(res, 200, { ok: true });
      return;
    }
    const route = routes.find((r) => r.path === path && r.method.toUpperCase() === method);
    if (route) {
      let rawBody: Buffer;
      try {
        rawBody = await readBody(req, bodyLimit);
      } catch {
        sendJson(res, 413, { error: 'body too large' });
        return;
      }
      await route.handler(Object.assign(req, { rawBody }), res);
      return;
    }
    if (httpReceiver && path === '/slack/events' && method === 'POST') {
      if (!isFreshTimestamp(req.headers['x-slack-request-timestamp'], deps.now())) {
        deps.logger.warn('refused a Slack request outside the 5-minute window', { path });
        res.writeHead(401).end();
        return;
      }
      httpReceiver.requestListener(req, res);
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
