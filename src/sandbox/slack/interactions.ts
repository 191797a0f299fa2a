import { FleetError } from '../../errors.js';
import { sendBlockAction, sendEvent, sendSlashCommand, sendViewSubmission, type AppResponse } from './client.js';
import {
  addEphemeral,
  createId,
  createTs,
  findMessage,
  insertMessage,
  issueResponseUrlId,
  issueTriggerId,
  removeMessage,
  resolveChannel,
  touchState,
  type FakeView,
  type IssuedResponseUrl,
  type SlackMessage,
  type SlackState,
} from './state.js';
import { checkBlocks, describeBlockProblems, MESSAGE_BLOCK_LIMIT } from './blocks.js';

/**
 * What Slack does around a person's action: it hands out a trigger id and a response URL, sends
 * the signed request to the app, and applies what comes back (an immediate reply, a modal's
 * response_action, later posts to the response URL).
 */

export interface AppTarget {
  appUrl: string | undefined;
  signingSecret: string;
  /** This fake's own base URL, for the response URLs it hands out. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export interface InteractionResult {
  status: number;
  body: string;
  json: unknown;
  /** Field errors from a modal's `response_action: 'errors'`. */
  errors?: Record<string, string>;
}

export type ResponseOutcome = { ok: true } | { ok: false; status: number; error: string };

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireAppUrl(target: AppTarget): string {
  if (target.appUrl) return target.appUrl;
  throw new FleetError('slack_error', 'The fake Slack has no app URL: start it with `appUrl` (for example http://127.0.0.1:3000/slack/events) or call setAppUrl().');
}

function findUser(state: SlackState, userId: string): { id: string; name: string } {
  const user = state.workspace.users.find((candidate) => candidate.id === userId);
  if (!user) throw new FleetError('bad_input', `There is no user ${userId} in the fake workspace; act as one of ${state.workspace.users.map((u) => u.id).join(', ')}.`);
  return user;
}

/**
 * Apply a message sent to a response URL (or returned at once by the app): a new ephemeral
 * message by default, `in_channel` posts in the channel, `replace_original` / `delete_original`
 * act on the message the action came from (or the last ephemeral this URL posted).
 */
export function applyResponseMessage(state: SlackState, issued: IssuedResponseUrl, body: Record<string, unknown>): ResponseOutcome {
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
  if (blocks) {
    const problems = checkBlocks(blocks, MESSAGE_BLOCK_LIMIT);
    if (problems.length > 0) return { ok: false, status: 400, error: `invalid_blocks ${describeBlockProblems(problems).join(' ')}` };
  }
  const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : issued.threadTs;
  const wantsDelete = body.delete_original === true || body.delete_original === 'true';
  const wantsReplace = body.replace_original === true || body.replace_original === 'true';
  if (wantsDelete) {
    if (issued.ephemeralId) {
      state.ephemerals = state.ephemerals.filter((ephemeral) => ephemeral.id !== issued.ephemeralId);
      touchState(state);
    } else if (issued.messageTs) {
      removeMessage(state, issued.channel, issued.messageTs);
    }
    return { ok: true };
  }
  if (!text && !blocks) return { ok: false, status: 400, error: 'no_text' };
  if (wantsReplace && issued.ephemeralId) {
    const ephemeral = state.ephemerals.find((candidate) => candidate.id === issued.ephemeralId);
    if (ephemeral) {
      ephemeral.text = text;
      if (blocks) ephemeral.blocks = blocks;
      else delete ephemeral.blocks;
      touchState(state);
      return { ok: true };
    }
  }
  if (wantsReplace && issued.messageTs) {
    const message = findMessage(state, issued.channel, issued.messageTs);
    if (message) {
      message.text = text;
      if (blocks) message.blocks = blocks;
      else delete message.blocks;
      message.edited = { user: state.workspace.botUserId, ts: createTs(state, `edit:${issued.channel}`) };
      state.stats.updates += 1;
      touchState(state);
      return { ok: true };
    }
  }
  if (body.response_type === 'in_channel') {
    const channel = resolveChannel(state, issued.channel);
    if (!channel) return { ok: false, status: 404, error: 'channel_not_found' };
    const message: SlackMessage = {
      type: 'message',
      ts: createTs(state, channel.id),
      user: state.workspace.botUserId,
      bot_id: state.workspace.botId,
      app_id: state.workspace.appId,
      team: state.workspace.teamId,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs && findMessage(state, channel.id, threadTs) ? { thread_ts: threadTs, parent_user_id: state.workspace.botUserId } : {}),
    };
    insertMessage(state, channel.id, message);
    state.stats.posts += 1;
    return { ok: true };
  }
  const ephemeral = addEphemeral(state, {
    user: issued.user,
    channel: issued.channel,
    text,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { threadTs } : {}),
    source: 'response_url',
  });
  issued.ephemeralId = ephemeral.id;
  return { ok: true };
}

/** Handle a POST to a response URL this fake handed out. */
export function postToResponseUrl(state: SlackState, id: string, body: unknown): ResponseOutcome {
  const issued = state.responseUrls.get(id);
  if (!issued) return { ok: false, status: 404, error: 'expired_url' };
  if (state.now() - issued.issuedAt > RESPONSE_URL_LIFETIME_MS) return { ok: false, status: 404, error: 'expired_url' };
  // Slack accepts five posts per response URL, within thirty minutes.
  if (issued.uses >= RESPONSE_URL_USES) return { ok: false, status: 404, error: 'used_url' };
  if (!isObject(body)) return { ok: false, status: 400, error: 'invalid_payload' };
  issued.uses += 1;
  state.stats.responses += 1;
  return applyResponseMessage(state, issued, body);
}

function issueResponseUrl(state: SlackState, target: AppTarget, issued: Omit<IssuedResponseUrl, 'issuedAt' | 'uses'>): string {
  return `${target.baseUrl}/response/${issueResponseUrlId(state, issued)}`;
}

/** An immediate reply in the HTTP response to a slash command shows like a response_url post. */
function applyImmediateReply(state: SlackState, responseUrl: string, target: AppTarget, response: AppResponse): void {
  if (response.status !== 200) return;
  const id = responseUrl.slice(`${target.baseUrl}/response/`.length);
  const issued = state.responseUrls.get(id);
  if (!issued) return;
  if (isObject(response.json)) {
    if (typeof response.json.text === 'string' || Array.isArray(response.json.blocks)) applyResponseMessage(state, issued, response.json);
    return;
  }
  if (response.body.trim() !== '') applyResponseMessage(state, issued, { text: response.body });
}

export interface SlashCommandInput {
  user: string;
  channel: string;
  text: string;
  command?: string;
}

/**
 * Run a slash command as a person would type it: issue a trigger id and response URL, send the
 * signed request, and show an immediate reply to that person.
 */
export async function runSlashCommand(state: SlackState, target: AppTarget, input: SlashCommandInput): Promise<InteractionResult> {
  const appUrl = requireAppUrl(target);
  const user = findUser(state, input.user);
  const channel = resolveChannel(state, input.channel);
  if (!channel) throw new FleetError('not_found', `There is no channel ${input.channel} in the fake workspace; use one of ${[...state.channels.keys()].join(', ')}.`);
  const responseUrl = issueResponseUrl(state, target, { user: user.id, channel: channel.id });
  const response = await sendSlashCommand({
    appUrl,
    signingSecret: target.signingSecret,
    now: state.now,
    ...(target.fetch ? { fetch: target.fetch } : {}),
    command: input.command ?? '/fleet',
    text: input.text,
    user: user.id,
    userName: user.name,
    channel: channel.id,
    channelName: channel.name,
    teamId: state.workspace.teamId,
    teamDomain: state.workspace.domain,
    apiAppId: state.workspace.appId,
    responseUrl,
    triggerId: issueTriggerId(state, user.id),
  });
  applyImmediateReply(state, responseUrl, target, response);
  return response;
}

export interface BlockActionInput {
  user: string;
  actionId: string;
  /** Found from the button when left out. */
  blockId?: string;
  value?: string;
  channel?: string;
  messageTs?: string;
  ephemeralId?: string;
  viewId?: string;
}

interface FoundButton {
  blockId: string;
  value?: string;
  text?: string;
  type: string;
}

/** The element with this action id in a list of blocks, with its block id. */
export function findActionElement(blocks: unknown[] | undefined, actionId: string): FoundButton | undefined {
  for (const [index, block] of (blocks ?? []).entries()) {
    if (!isObject(block)) continue;
    const blockId = typeof block.block_id === 'string' ? block.block_id : `b${index}`;
    const elements = [...(Array.isArray(block.elements) ? block.elements : []), ...(block.accessory ? [block.accessory] : [])];
    for (const element of elements) {
      if (!isObject(element) || element.action_id !== actionId) continue;
      const text = isObject(element.text) && typeof element.text.text === 'string' ? element.text.text : undefined;
      return {
        blockId,
        type: typeof element.type === 'string' ? element.type : 'button',
        ...(typeof element.value === 'string' ? { value: element.value } : {}),
        ...(text !== undefined ? { text } : {}),
      };
    }
  }
  return undefined;
}

function renderViewForApp(view: FakeView): Record<string, unknown> {
  const { user: _user, ...rest } = view;
  return rest;
}

function findViewById(state: SlackState, viewId: string): FakeView | undefined {
  return [...[...state.modals.values()].flat(), ...state.homes.values()].find((view) => view.id === viewId);
}

/**
 * Click a button as a person: on a channel message, on an ephemeral message, or in a view. The
 * block id and value are read from the button itself when the caller leaves them out.
 */
export async function runBlockAction(state: SlackState, target: AppTarget, input: BlockActionInput): Promise<InteractionResult> {
  const appUrl = requireAppUrl(target);
  const user = findUser(state, input.user);
  const common = {
    appUrl,
    signingSecret: target.signingSecret,
    now: state.now,
    ...(target.fetch ? { fetch: target.fetch } : {}),
    user: user.id,
    userName: user.name,
    teamId: state.workspace.teamId,
    teamDomain: state.workspace.domain,
    apiAppId: state.workspace.appId,
    actionId: input.actionId,
    triggerId: issueTriggerId(state, user.id),
  };
  if (input.viewId) {
    const view = findViewById(state, input.viewId);
    if (!view) throw new FleetError('not_found', `There is no view ${input.viewId}; it may have been closed. Reopen it and click again.`);
    const found = findActionElement(view.blocks, input.actionId);
    return sendBlockAction({
      ...common,
      view: renderViewForApp(view),
      blockId: input.blockId ?? found?.blockId ?? '',
      ...(input.value ?? found?.value ? { value: input.value ?? found?.value } : {}),
      ...(found?.text ? { text: found.text } : {}),
      ...(found ? { actionType: found.type } : {}),
    });
  }
  if (input.ephemeralId) {
    const ephemeral = state.ephemerals.find((candidate) => candidate.id === input.ephemeralId && candidate.user === user.id);
    if (!ephemeral) throw new FleetError('not_found', `There is no ephemeral message ${input.ephemeralId} for ${user.id}.`);
    const found = findActionElement(ephemeral.blocks, input.actionId);
    const responseUrl = issueResponseUrl(state, target, { user: user.id, channel: ephemeral.channel, ephemeralId: ephemeral.id, ...(ephemeral.threadTs ? { threadTs: ephemeral.threadTs } : {}) });
    return sendBlockAction({
      ...common,
      channel: ephemeral.channel,
      channelName: state.channels.get(ephemeral.channel)?.name ?? ephemeral.channel,
      messageTs: ephemeral.ts,
      isEphemeral: true,
      ...(ephemeral.threadTs ? { threadTs: ephemeral.threadTs } : {}),
      blockId: input.blockId ?? found?.blockId ?? '',
      ...(input.value ?? found?.value ? { value: input.value ?? found?.value } : {}),
      ...(found?.text ? { text: found.text } : {}),
      ...(found ? { actionType: found.type } : {}),
      responseUrl,
    });
  }
  const channel = resolveChannel(state, input.channel ?? '');
  if (!channel) throw new FleetError('not_found', `There is no channel ${input.channel ?? '(none)'} in the fake workspace.`);
  const message = findMessage(state, channel.id, input.messageTs ?? '');
  if (!message) throw new FleetError('not_found', `There is no message ${input.messageTs ?? '(none)'} in ${channel.id}.`);
  const found = findActionElement(message.blocks, input.actionId);
  const threadTs = message.thread_ts !== undefined && message.thread_ts !== message.ts ? message.thread_ts : undefined;
  const responseUrl = issueResponseUrl(state, target, { user: user.id, channel: channel.id, messageTs: message.ts, ...(threadTs ? { threadTs } : {}) });
  return sendBlockAction({
    ...common,
    channel: channel.id,
    channelName: channel.name,
    messageTs: message.ts,
    ...(threadTs ? { threadTs } : {}),
    message: { ...message },
    blockId: input.blockId ?? found?.blockId ?? '',
    ...(input.value ?? found?.value ? { value: input.value ?? found?.value } : {}),
    ...(found?.text ? { text: found.text } : {}),
    ...(found ? { actionType: found.type } : {}),
    responseUrl,
  });
}

export interface ViewSubmissionInput {
  user: string;
  /** The modal to submit; the top of the user's stack when left out. */
  viewId?: string;
  values: Record<string, Record<string, unknown>>;
}

/** Submit a modal and apply the app's response_action (errors, update, push, clear, or close). */
export async function runViewSubmission(state: SlackState, target: AppTarget, input: ViewSubmissionInput): Promise<InteractionResult> {
  const appUrl = requireAppUrl(target);
  const user = findUser(state, input.user);
  const stack = state.modals.get(user.id) ?? [];
  const view = input.viewId ? stack.find((candidate) => candidate.id === input.viewId) : stack[stack.length - 1];
  if (!view) throw new FleetError('not_found', `${user.id} has no open modal to submit; open one first.`);
  view.state = { values: input.values };
  const response = await sendViewSubmission({
    appUrl,
    signingSecret: target.signingSecret,
    now: state.now,
    ...(target.fetch ? { fetch: target.fetch } : {}),
    user: user.id,
    userName: user.name,
    teamId: state.workspace.teamId,
    teamDomain: state.workspace.domain,
    apiAppId: state.workspace.appId,
    triggerId: issueTriggerId(state, user.id),
    view: renderViewForApp(view) as Parameters<typeof sendViewSubmission>[0]['view'],
  });
  if (response.status !== 200) return response;
  const body = isObject(response.json) ? response.json : {};
  switch (body.response_action) {
    case 'errors':
      return { ...response, errors: isObject(body.errors) ? (body.errors as Record<string, string>) : {} };
    case 'update':
    case 'push': {
      if (!isObject(body.view)) return response;
      const next: FakeView = {
        ...view,
        id: body.response_action === 'push' ? createId(state, 'V') : view.id,
        blocks: Array.isArray(body.view.blocks) ? body.view.blocks : [],
        title: body.view.title,
        submit: body.view.submit,
        close: body.view.close,
        callback_id: typeof body.view.callback_id === 'string' ? body.view.callback_id : '',
        private_metadata: typeof body.view.private_metadata === 'string' ? body.view.private_metadata : '',
        state: { values: {} },
        previous_view_id: body.response_action === 'push' ? view.id : view.previous_view_id,
      };
      const index = stack.indexOf(view);
      if (body.response_action === 'push') stack.push(next);
      else stack[index] = next;
      touchState(state);
      return response;
    }
    case 'clear':
      state.modals.set(user.id, []);
      touchState(state);
      return response;
    default:
      stack.splice(stack.indexOf(view), 1);
      touchState(state);
      return response;
  }
}

/** Close a user's top modal (the Cancel button). */
export function closeTopView(state: SlackState, user: string): void {
  const stack = state.modals.get(user);
  if (!stack || stack.length === 0) return;
  stack.pop();
  touchState(state);
}

/** The person opened the app's Home tab: Slack sends `app_home_opened` so the app can publish it. */
export async function openHomeTab(state: SlackState, target: AppTarget, userId: string): Promise<InteractionResult> {
  const appUrl = requireAppUrl(target);
  const user = findUser(state, userId);
  const channel = resolveChannel(state, user.id);
  const home = state.homes.get(user.id);
  return sendEvent({
    appUrl,
    signingSecret: target.signingSecret,
    now: state.now,
    ...(target.fetch ? { fetch: target.fetch } : {}),
    teamId: state.workspace.teamId,
    apiAppId: state.workspace.appId,
    event: {
      type: 'app_home_opened',
      user: user.id,
      channel: channel?.id ?? '',
      tab: 'home',
      ...(home ? { view: renderViewForApp(home) } : {}),
    },
    eventId: createId(state, 'Ev'),
  });
}
