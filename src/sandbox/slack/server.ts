import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { FleetError, describeError, isFleetError } from '../../errors.js';
import type { AppResponse } from './client.js';
import { createFaultInjector, type FaultOptions } from './faults.js';
import {
  closeTopView,
  openHomeTab,
  postToResponseUrl,
  runBlockAction,
  runSlashCommand,
  runViewSubmission,
  type AppTarget,
  type BlockActionInput,
  type InteractionResult,
  type SlashCommandInput,
  type ViewSubmissionInput,
} from './interactions.js';
import { renderSandboxPage } from './page.js';
import {
  createSlackState,
  issueTriggerId,
  listChannelMessages,
  listThread,
  type EphemeralMessage,
  type FakeSlackStats,
  type FakeView,
  type SlackMessage,
  type SlackState,
} from './state.js';
import { callMethod, type SlackArgs } from './web-api.js';
import { createDefaultWorkspace, type FakeWorkspace } from './workspace.js';

export interface FakeSlackOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  botToken?: string;
  signingSecret: string;
  /** Where slash commands and actions go, e.g. http://127.0.0.1:3000/slack/events */
  appUrl?: string;
  /** Milliseconds since the epoch; the fake's clock for ts values and trigger expiry. */
  now?: () => number;
  workspace?: FakeWorkspace;
  /** Used to send signed requests to the app (defaults to the global fetch). */
  fetch?: typeof fetch;
}

export interface FakeSlack {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/api/ — give this to WebClient as `slackApiUrl`. */
  apiUrl: string;
  port: number;
  botToken: string;
  signingSecret: string;
  workspace: FakeWorkspace;
  setAppUrl(appUrl: string): void;
  setFaults(faults: FaultOptions): void;
  stats(): FakeSlackStats;
  /** Top-level messages of a channel (and thread broadcasts), oldest first, metadata included. */
  messages(channel: string): SlackMessage[];
  /** A thread's parent then its replies, oldest first. */
  thread(channel: string, ts: string): SlackMessage[];
  /** Ephemeral messages shown to a user, oldest first. */
  ephemeral(user: string): EphemeralMessage[];
  /** The user's open modals, bottom of the stack first. */
  views(user: string): FakeView[];
  home(user: string): FakeView | undefined;
  issueTriggerId(user: string): string;
  /** Type a slash command as a user (the page's composer does the same). */
  sendCommand(input: SlashCommandInput): Promise<InteractionResult>;
  /** Click a button as a user; the block id and value come from the button when left out. */
  clickButton(input: BlockActionInput): Promise<InteractionResult>;
  /** Submit the user's open modal with these state values. */
  submitView(input: ViewSubmissionInput): Promise<InteractionResult>;
  /** Open the app's Home tab as a user (sends `app_home_opened`). */
  openHome(user: string): Promise<InteractionResult>;
  /**
   * Resolves when a browser page first asks for the channel (its first `/_page/state` poll), so
   * the demo can wait for a person to open the page.
   *
   * @example await slack.pageOpened(); // someone has the page open
   */
  pageOpened(): Promise<void>;
  close(): Promise<void>;
}

const PageCommand = z.object({ user: z.string(), channel: z.string(), text: z.string() });
const PageAction = z.object({
  user: z.string(),
  actionId: z.string(),
  blockId: z.string().optional(),
  value: z.string().optional(),
  channel: z.string().optional(),
  messageTs: z.string().optional(),
  ephemeralId: z.string().optional(),
  viewId: z.string().optional(),
});
const PageSubmit = z.object({ user: z.string(), viewId: z.string().optional(), values: z.record(z.string(), z.record(z.string(), z.unknown())) });
const PageUser = z.object({ user: z.string() });

const MAX_BODY_BYTES = 5 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new FleetError('bad_input', 'The request body is larger than 5 MB; send less.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function parseArgs(raw: string, contentType: string, query: URLSearchParams): SlackArgs | undefined {
  const args: SlackArgs = Object.fromEntries(query.entries());
  if (raw.trim() === '') return args;
  if (contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      return { ...args, ...(parsed as SlackArgs) };
    } catch {
      return undefined;
    }
  }
  return { ...args, ...Object.fromEntries(new URLSearchParams(raw).entries()) };
}

function readToken(request: IncomingMessage, args: SlackArgs): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return typeof args.token === 'string' ? args.token : undefined;
}

function channelOf(args: SlackArgs): string | undefined {
  return typeof args.channel === 'string' ? args.channel : undefined;
}

function snapshotPage(state: SlackState, user: string): Record<string, unknown> {
  const { workspace } = state;
  const channels = [...state.channels.values()].filter((channel) => !channel.isIm || channel.id === `D${user.slice(1)}`);
  return {
    version: state.version,
    team: { id: workspace.teamId, name: workspace.teamName },
    botUserId: workspace.botUserId,
    channels,
    users: workspace.users,
    usergroups: workspace.usergroups,
    messages: Object.fromEntries(channels.map((channel) => [channel.id, state.messagesByChannel.get(channel.id) ?? []])),
    ephemerals: state.ephemerals.filter((ephemeral) => ephemeral.user === user),
    modals: state.modals.get(user) ?? [],
    home: state.homes.get(user) ?? null,
  };
}

/**
 * Start the fake Slack: the Web API at /api/<method>, response URLs at /response/<id>, and the
 * browser page at /.
 *
 * @example
 * const slack = await startFakeSlack({ signingSecret: 'secret', appUrl: 'http://127.0.0.1:3000/slack/events' });
 * const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
 * await client.chat.postMessage({ channel: 'C0FLEET001', text: 'hello' });
 * slack.messages('C0FLEET001'); // [{ type: 'message', text: 'hello', … }]
 * await slack.close();
 */
export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-fake';
  const now = options.now ?? Date.now;
  const workspace = options.workspace ?? createDefaultWorkspace();
  const state = createSlackState(workspace, now);
  const faults = createFaultInjector();
  let markPageOpened: () => void = () => undefined;
  const pageOpened = new Promise<void>((resolve) => (markPageOpened = resolve));
  const target: AppTarget = {
    appUrl: options.appUrl,
    signingSecret: options.signingSecret,
    baseUrl: '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };

  async function handleApi(request: IncomingMessage, response: ServerResponse, method: string, query: URLSearchParams): Promise<void> {
    const raw = await readBody(request);
    state.stats.calls[method] = (state.stats.calls[method] ?? 0) + 1;
    const args = parseArgs(raw, request.headers['content-type'] ?? '', query);
    if (!args) {
      sendJson(response, 200, { ok: false, error: 'invalid_json' });
      return;
    }
    const token = readToken(request, args);
    if (!token) {
      sendJson(response, 200, { ok: false, error: 'not_authed' });
      return;
    }
    if (token !== botToken) {
      sendJson(response, 200, { ok: false, error: 'invalid_auth' });
      return;
    }
    const fault = faults.decide(method, channelOf(args), now());
    if (fault.kind === 'ratelimited') {
      state.stats.rateLimited += 1;
      sendJson(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds) });
      return;
    }
    if (fault.kind === 'server-error') {
      state.stats.serverErrors += 1;
      response.writeHead(fault.status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error');
      return;
    }
    sendJson(response, 200, callMethod(state, method, args));
  }

  async function handleResponseUrl(request: IncomingMessage, response: ServerResponse, id: string): Promise<void> {
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      sendJson(response, 400, { ok: false, error: 'invalid_payload' });
      return;
    }
    const outcome = postToResponseUrl(state, id, body);
    if (outcome.ok) sendJson(response, 200, { ok: true });
    else sendJson(response, outcome.status, { ok: false, error: outcome.error });
  }

  async function handlePagePost(request: IncomingMessage, response: ServerResponse, action: string): Promise<void> {
    const raw = await readBody(request);
    let input: unknown;
    try {
      input = JSON.parse(raw) as unknown;
    } catch {
      sendJson(response, 400, { ok: false, error: 'The page sent a body that is not JSON; reload the page.' });
      return;
    }
    let result: AppResponse | InteractionResult | undefined;
    if (action === 'command') result = await runSlashCommand(state, target, PageCommand.parse(input));
    else if (action === 'action') result = await runBlockAction(state, target, PageAction.parse(input));
    else if (action === 'submit') result = await runViewSubmission(state, target, PageSubmit.parse(input));
    else if (action === 'close') closeTopView(state, PageUser.parse(input).user);
    else if (action === 'home') result = await openHomeTab(state, target, PageUser.parse(input).user);
    else {
      sendJson(response, 404, { ok: false, error: `There is no page action ${action}.` });
      return;
    }
    sendJson(response, 200, { ok: true, result: result ?? null });
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      await handleApi(request, response, path.slice('/api/'.length), url.searchParams);
      return;
    }
    if (request.method === 'POST' && path.startsWith('/response/')) {
      await handleResponseUrl(request, response, decodeURIComponent(path.slice('/response/'.length)));
      return;
    }
    if (request.method === 'GET' && (path === '/' || path === '/index.html')) {
      const html = renderSandboxPage();
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
      response.end(html);
      return;
    }
    if (request.method === 'GET' && path === '/_page/state') {
      markPageOpened();
      const user = url.searchParams.get('user') ?? '';
      const since = Number(url.searchParams.get('since') ?? '-1');
      if (since === state.version) {
        sendJson(response, 200, { version: state.version, unchanged: true });
        return;
      }
      sendJson(response, 200, snapshotPage(state, user));
      return;
    }
    if (request.method === 'POST' && path.startsWith('/_page/')) {
      await handlePagePost(request, response, path.slice('/_page/'.length));
      return;
    }
    sendJson(response, 404, { ok: false, error: 'not_found' });
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.end();
        return;
      }
      const status = error instanceof z.ZodError || isFleetError(error, 'bad_input') ? 400 : isFleetError(error, 'not_found') ? 404 : 500;
      const message = error instanceof z.ZodError ? `The request is malformed: ${error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` : describeError(error);
      sendJson(response, status, { ok: false, error: message });
    });
  });
  // Keep-alive sockets would hold close() open for the WebClient's agent timeout.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  target.baseUrl = url;

  return {
    url,
    apiUrl: `${url}/api/`,
    port,
    botToken,
    signingSecret: options.signingSecret,
    workspace,
    setAppUrl(appUrl) {
      target.appUrl = appUrl;
    },
    setFaults(next) {
      faults.configure(next);
    },
    stats() {
      return structuredClone(state.stats);
    },
    messages(channel) {
      return structuredClone(listChannelMessages(state, channel));
    },
    thread(channel, ts) {
      return structuredClone(listThread(state, channel, ts));
    },
    ephemeral(user) {
      return structuredClone(state.ephemerals.filter((ephemeral) => ephemeral.user === user));
    },
    views(user) {
      return structuredClone(state.modals.get(user) ?? []);
    },
    home(user) {
      const view = state.homes.get(user);
      return view ? structuredClone(view) : undefined;
    },
    issueTriggerId(user) {
      return issueTriggerId(state, user);
    },
    sendCommand(input) {
      return runSlashCommand(state, target, input);
    },
    clickButton(input) {
      return runBlockAction(state, target, input);
    },
    submitView(input) {
      return runViewSubmission(state, target, input);
    },
    openHome(user) {
      return openHomeTab(state, target, user);
    },
    pageOpened() {
      return pageOpened;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
