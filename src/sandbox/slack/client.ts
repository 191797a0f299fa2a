import { createHmac } from 'node:crypto';

/**
 * Sends requests to a Slack app the way Slack does: form-encoded bodies signed with the app's
 * signing secret (`X-Slack-Signature: v0=<HMAC-SHA256 of "v0:<timestamp>:<body>">` and
 * `X-Slack-Request-Timestamp`). Callers may override the timestamp, the secret or the whole
 * signature to check that the app refuses stale, future and forged requests.
 */

export interface SignedRequestOptions {
  /** Where the app listens, e.g. http://127.0.0.1:3000/slack/events */
  appUrl: string;
  signingSecret: string;
  /** Unix seconds; defaults to `now()`. */
  timestamp?: number;
  /** Sent as is instead of the computed signature. */
  signature?: string;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface AppResponse {
  status: number;
  /** The raw response body. */
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

export interface TeamFields {
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** The deprecated verification token Slack still sends. */
  token?: string;
}

export interface SlashCommandOptions extends SignedRequestOptions, TeamFields {
  command?: string;
  text: string;
  user: string;
  userName?: string;
  channel: string;
  channelName?: string;
  responseUrl?: string;
  triggerId?: string;
}

export interface BlockActionOptions extends SignedRequestOptions, TeamFields {
  user: string;
  userName?: string;
  channel?: string;
  channelName?: string;
  /** The message the button sits on; absent for buttons in views. */
  messageTs?: string;
  threadTs?: string;
  /** The message as Slack would send it back in the payload. */
  message?: Record<string, unknown>;
  isEphemeral?: boolean;
  /** For buttons in a modal or the Home tab. */
  view?: Record<string, unknown>;
  actionId: string;
  value?: string;
  blockId: string;
  actionType?: string;
  text?: string;
  responseUrl?: string;
  triggerId?: string;
}

export interface ViewSubmissionOptions extends SignedRequestOptions, TeamFields {
  user: string;
  userName?: string;
  view: {
    id: string;
    callback_id: string;
    private_metadata?: string;
    state: { values: Record<string, Record<string, unknown>> };
    [key: string]: unknown;
  };
  triggerId?: string;
  responseUrls?: unknown[];
}

const DEFAULT_TEAM = { teamId: 'T0FLEET01', teamDomain: 'fleet-sandbox', apiAppId: 'A0FLEETAPP', token: 'fake-verification-token' };

/**
 * The `X-Slack-Signature` value for a body at a timestamp.
 *
 * @example
 * signRequest({ signingSecret: 's3cret', timestamp: 1700000000, body: 'command=%2Ffleet' });
 * // 'v0=5f1c…'
 */
export function signRequest(input: { signingSecret: string; timestamp: number; body: string }): string {
  const digest = createHmac('sha256', input.signingSecret).update(`v0:${input.timestamp}:${input.body}`).digest('hex');
  return `v0=${digest}`;
}

async function postSigned(options: SignedRequestOptions, body: string, contentType = 'application/x-www-form-urlencoded'): Promise<AppResponse> {
  const now = options.now ?? Date.now;
  const timestamp = options.timestamp ?? Math.floor(now() / 1_000);
  const signature = options.signature ?? signRequest({ signingSecret: options.signingSecret, timestamp, body });
  const doFetch = options.fetch ?? fetch;
  const response = await doFetch(options.appUrl, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-signature': signature,
      'x-slack-request-timestamp': String(timestamp),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function team(options: TeamFields): Required<TeamFields> {
  return {
    teamId: options.teamId ?? DEFAULT_TEAM.teamId,
    teamDomain: options.teamDomain ?? DEFAULT_TEAM.teamDomain,
    apiAppId: options.apiAppId ?? DEFAULT_TEAM.apiAppId,
    token: options.token ?? DEFAULT_TEAM.token,
  };
}

/**
 * Send a signed slash command, form-encoded with the fields Slack sends.
 *
 * @example
 * await sendSlashCommand({ appUrl, signingSecret, text: 'list', user: 'U0OWNER01', channel: 'C0FLEET001' });
 * // { status: 200, body: '', json: undefined }
 */
export async function sendSlashCommand(options: SlashCommandOptions): Promise<AppResponse> {
  const ids = team(options);
  const form = new URLSearchParams({
    token: ids.token,
    team_id: ids.teamId,
    team_domain: ids.teamDomain,
    channel_id: options.channel,
    channel_name: options.channelName ?? options.channel,
    user_id: options.user,
    user_name: options.userName ?? options.user,
    command: options.command ?? '/fleet',
    text: options.text,
    api_app_id: ids.apiAppId,
    is_enterprise_install: 'false',
    response_url: options.responseUrl ?? '',
    trigger_id: options.triggerId ?? '',
  });
  return postSigned(options, form.toString());
}

function userField(options: { user: string; userName?: string }, teamId: string): Record<string, unknown> {
  return { id: options.user, username: options.userName ?? options.user, name: options.userName ?? options.user, team_id: teamId };
}

/**
 * Send a signed `block_actions` payload for one button click.
 *
 * @example
 * await sendBlockAction({ appUrl, signingSecret, user: 'U0APPROV1', channel: 'C0FLEET001',
 *   messageTs: '1700000000.000100', actionId: 'gate_approve', blockId: 'gate', value: 'c1:1' });
 */
export async function sendBlockAction(options: BlockActionOptions): Promise<AppResponse> {
  const ids = team(options);
  const actionTs = (Math.floor((options.now ?? Date.now)()) / 1_000).toFixed(6);
  const action: Record<string, unknown> = {
    action_id: options.actionId,
    block_id: options.blockId,
    type: options.actionType ?? 'button',
    action_ts: actionTs,
  };
  if (options.value !== undefined) action.value = options.value;
  if (options.text !== undefined) action.text = { type: 'plain_text', text: options.text, emoji: true };
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: userField(options, ids.teamId),
    api_app_id: ids.apiAppId,
    token: ids.token,
    team: { id: ids.teamId, domain: ids.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    trigger_id: options.triggerId ?? '',
    actions: [action],
    state: { values: {} },
  };
  if (options.view) {
    payload.container = { type: 'view', view_id: options.view.id };
    payload.view = options.view;
  } else {
    const container: Record<string, unknown> = {
      type: 'message',
      message_ts: options.messageTs ?? '',
      channel_id: options.channel ?? '',
      is_ephemeral: options.isEphemeral ?? false,
    };
    if (options.threadTs) container.thread_ts = options.threadTs;
    payload.container = container;
    payload.channel = { id: options.channel ?? '', name: options.channelName ?? options.channel ?? '' };
    if (!options.isEphemeral) {
      payload.message = options.message ?? {
        type: 'message',
        ts: options.messageTs ?? '',
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      };
    }
  }
  if (options.responseUrl) payload.response_url = options.responseUrl;
  const form = new URLSearchParams({ payload: JSON.stringify(payload) });
  return postSigned(options, form.toString());
}

/**
 * Send a signed `view_submission` payload for a modal's submit button.
 *
 * @example
 * await sendViewSubmission({ appUrl, signingSecret, user: 'U0OWNER01', view: { id: 'V1', callback_id: 'start',
 *   state: { values: { spec: { spec: { type: 'static_select', selected_option: { value: 'lodash' } } } } } } });
 */
export async function sendViewSubmission(options: ViewSubmissionOptions): Promise<AppResponse> {
  const ids = team(options);
  const payload = {
    type: 'view_submission',
    team: { id: ids.teamId, domain: ids.teamDomain },
    user: userField(options, ids.teamId),
    api_app_id: ids.apiAppId,
    token: ids.token,
    trigger_id: options.triggerId ?? '',
    view: {
      type: 'modal',
      team_id: ids.teamId,
      app_id: ids.apiAppId,
      private_metadata: '',
      ...options.view,
    },
    response_urls: options.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
  const form = new URLSearchParams({ payload: JSON.stringify(payload) });
  return postSigned(options, form.toString());
}

export interface EventOptions extends SignedRequestOptions, TeamFields {
  /** The inner event, e.g. { type: 'app_home_opened', user: 'U0OWNER01', tab: 'home' } */
  event: Record<string, unknown>;
  eventId?: string;
}

/**
 * Send a signed Events API callback (JSON, like Slack's event delivery).
 *
 * @example
 * await sendEvent({ appUrl, signingSecret, event: { type: 'app_home_opened', user: 'U0OWNER01', tab: 'home', channel: 'D0OWNER01' } });
 */
export async function sendEvent(options: EventOptions): Promise<AppResponse> {
  const ids = team(options);
  const eventTime = Math.floor((options.now ?? Date.now)() / 1_000);
  const body = JSON.stringify({
    token: ids.token,
    team_id: ids.teamId,
    api_app_id: ids.apiAppId,
    event: { event_ts: `${eventTime}.000100`, ...options.event },
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${eventTime.toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)}`,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: ids.teamId, user_id: 'U0FLEETBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
  return postSigned({ ...options }, body, 'application/json');
}
