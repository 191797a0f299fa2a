import {
  checkBlocks,
  describeBlockProblems,
  MESSAGE_BLOCK_LIMIT,
  MESSAGE_TEXT_LIMIT,
  VIEW_BLOCK_LIMIT,
} from './blocks.js';
import {
  compareTs,
  createId,
  createTs,
  findMessage,
  insertMessage,
  listChannelMessages,
  listThread,
  removeMessage,
  resolveChannel,
  touchState,
  addEphemeral,
  type FakeView,
  type MessageMetadata,
  type SlackMessage,
  type SlackState,
} from './state.js';

/**
 * The Web API methods Fleet calls, with Slack's response and error shapes. Each handler takes the
 * request's arguments (form fields or JSON, already merged) and returns the JSON body; the server
 * adds HTTP concerns (auth, faults, status codes).
 */

export type SlackArgs = Record<string, unknown>;
export type SlackResponse = Record<string, unknown> & { ok: boolean };

const TRIGGER_LIFETIME_MS = 3_000;
const MODAL_STACK_LIMIT = 3;

function fail(error: string, messages?: string[]): SlackResponse {
  if (messages === undefined) return { ok: false, error };
  return { ok: false, error, response_metadata: { messages } };
}

function readString(args: SlackArgs, name: string): string | undefined {
  const value = args[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function readBoolean(args: SlackArgs, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** Form bodies carry objects as JSON strings; JSON bodies carry them as they are. */
function readJson(args: SlackArgs, name: string): { present: boolean; value?: unknown; invalid?: boolean } {
  const raw = args[name];
  if (raw === undefined || raw === '') return { present: false };
  if (typeof raw !== 'string') return { present: true, value: raw };
  try {
    return { present: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { present: true, invalid: true };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface MessageContent {
  text: string;
  blocks?: unknown[];
  metadata?: MessageMetadata;
}

function readMessageContent(args: SlackArgs): MessageContent | SlackResponse {
  const text = readString(args, 'text') ?? '';
  const blocks = readJson(args, 'blocks');
  const attachments = readJson(args, 'attachments');
  if (blocks.invalid) return fail('invalid_blocks_format');
  if (text.length > MESSAGE_TEXT_LIMIT) return fail('msg_too_long');
  if (!text && !blocks.present && !attachments.present) return fail('no_text');
  const content: MessageContent = { text };
  if (blocks.present) {
    const problems = checkBlocks(blocks.value, MESSAGE_BLOCK_LIMIT);
    if (problems.length > 0) return fail('invalid_blocks', describeBlockProblems(problems));
    content.blocks = blocks.value as unknown[];
  }
  const metadata = readJson(args, 'metadata');
  if (metadata.present) {
    const value = metadata.value;
    if (metadata.invalid || !isObject(value) || typeof value.event_type !== 'string' || !/^[a-zA-Z0-9_.-]{1,255}$/.test(value.event_type)) {
      return fail('invalid_metadata_format');
    }
    if (value.event_payload !== undefined && !isObject(value.event_payload)) return fail('invalid_metadata_schema');
    content.metadata = { event_type: value.event_type, event_payload: (value.event_payload) ?? {} };
  }
  return content;
}

function isFailure(value: MessageContent | SlackResponse): value is SlackResponse {
  return 'ok' in value;
}

function withoutMetadata(message: SlackMessage, includeMetadata: boolean): SlackMessage {
  if (includeMetadata || message.metadata === undefined) return { ...message };
  const { metadata: _metadata, ...rest } = message;
  return rest;
}

function encodeCursor(ts: string): string {
  return Buffer.from(`next_ts:${ts}`).toString('base64');
}

function decodeCursor(cursor: string | undefined): string | undefined | null {
  if (!cursor) return undefined;
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith('next_ts:')) return null;
  return decoded.slice('next_ts:'.length);
}

function readLimit(args: SlackArgs, fallback: number): number {
  const raw = Number(readString(args, 'limit') ?? fallback);
  if (!Number.isFinite(raw) || raw <= 0) return fallback;
  return Math.min(Math.floor(raw), 999);
}

/** One page of messages already in page order; the cursor names the first message of the next page. */
function paginate(
  messages: SlackMessage[],
  args: SlackArgs,
  fallbackLimit: number,
  beforeCursor: (message: SlackMessage, cursorTs: string) => boolean,
): SlackResponse {
  const cursorTs = decodeCursor(readString(args, 'cursor'));
  if (cursorTs === null) return fail('invalid_cursor');
  const start = cursorTs === undefined ? 0 : messages.findIndex((message) => !beforeCursor(message, cursorTs));
  const from = start < 0 ? messages.length : start;
  const limit = readLimit(args, fallbackLimit);
  const page = messages.slice(from, from + limit);
  const next = messages[from + limit];
  const includeMetadata = readBoolean(args, 'include_all_metadata');
  return {
    ok: true,
    messages: page.map((message) => withoutMetadata(message, includeMetadata)),
    has_more: next !== undefined,
    response_metadata: { next_cursor: next ? encodeCursor(next.ts) : '' },
  };
}

function filterByRange(messages: SlackMessage[], args: SlackArgs): SlackMessage[] {
  const oldest = readString(args, 'oldest');
  const latest = readString(args, 'latest');
  const inclusive = readBoolean(args, 'inclusive');
  return messages.filter((message) => {
    if (oldest && (inclusive ? compareTs(message.ts, oldest) < 0 : compareTs(message.ts, oldest) <= 0)) return false;
    if (latest && (inclusive ? compareTs(message.ts, latest) > 0 : compareTs(message.ts, latest) >= 0)) return false;
    return true;
  });
}

function renderUser(state: SlackState, userId: string): Record<string, unknown> | undefined {
  const user = state.workspace.users.find((candidate) => candidate.id === userId);
  if (!user) return undefined;
  const [firstName = '', ...rest] = user.realName.split(' ');
  return {
    id: user.id,
    team_id: state.workspace.teamId,
    name: user.name,
    deleted: false,
    real_name: user.realName,
    tz: user.tz,
    tz_label: user.tz,
    tz_offset: user.tzOffset,
    is_admin: user.isAdmin,
    is_owner: user.isAdmin,
    is_bot: user.isBot,
    is_app_user: false,
    updated: 1_700_000_000,
    profile: {
      real_name: user.realName,
      display_name: user.name,
      first_name: firstName,
      last_name: rest.join(' '),
      title: user.title,
      email: `${user.name}@example.com`,
      image_48: '',
      team: state.workspace.teamId,
    },
  };
}

function renderChannel(state: SlackState, channelId: string): Record<string, unknown> | undefined {
  const channel = state.channels.get(channelId);
  if (!channel) return undefined;
  return {
    id: channel.id,
    name: channel.name,
    is_channel: !channel.isIm,
    is_im: channel.isIm,
    is_private: false,
    is_archived: false,
    is_member: true,
    created: 1_700_000_000,
    topic: { value: channel.topic, creator: '', last_set: 0 },
    purpose: { value: channel.topic, creator: '', last_set: 0 },
  };
}

function authTest(state: SlackState): SlackResponse {
  const { workspace } = state;
  return {
    ok: true,
    url: `https://${workspace.domain}.slack.com/`,
    team: workspace.teamName,
    user: 'fleet',
    team_id: workspace.teamId,
    user_id: workspace.botUserId,
    bot_id: workspace.botId,
    is_enterprise_install: false,
  };
}

function postMessage(state: SlackState, args: SlackArgs): SlackResponse {
  const channelRef = readString(args, 'channel');
  if (!channelRef) return fail('channel_not_found');
  const channel = resolveChannel(state, channelRef);
  if (!channel) return fail('channel_not_found');
  const content = readMessageContent(args);
  if (isFailure(content)) return content;
  const threadTs = readString(args, 'thread_ts');
  if (threadTs !== undefined && threadTs !== '') {
    const parent = findMessage(state, channel.id, threadTs);
    if (!parent) return fail('thread_not_found');
    if (parent.thread_ts !== undefined && parent.thread_ts !== parent.ts) return fail('cannot_reply_to_message');
  }
  const { workspace } = state;
  const message: SlackMessage = {
    type: 'message',
    ts: createTs(state, channel.id),
    user: workspace.botUserId,
    bot_id: workspace.botId,
    app_id: workspace.appId,
    team: workspace.teamId,
    text: content.text,
  };
  if (content.blocks) message.blocks = content.blocks;
  if (content.metadata) message.metadata = content.metadata;
  if (threadTs) {
    message.thread_ts = threadTs;
    message.parent_user_id = findMessage(state, channel.id, threadTs)?.user ?? workspace.botUserId;
    if (readBoolean(args, 'reply_broadcast')) message.subtype = 'thread_broadcast';
  }
  insertMessage(state, channel.id, message);
  state.stats.posts += 1;
  return { ok: true, channel: channel.id, ts: message.ts, message: { ...message } };
}

function updateMessage(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = resolveChannel(state, readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const ts = readString(args, 'ts');
  if (!ts) return fail('message_not_found');
  const message = findMessage(state, channel.id, ts);
  if (!message) return fail('message_not_found');
  if (message.user !== state.workspace.botUserId) return fail('cant_update_message');
  const content = readMessageContent({ ...args, text: args.text ?? (args.blocks === undefined ? undefined : '') });
  if (isFailure(content)) return content;
  message.text = content.text;
  if (content.blocks) message.blocks = content.blocks;
  else if (args.blocks !== undefined) delete message.blocks;
  if (content.metadata) message.metadata = content.metadata;
  message.edited = { user: state.workspace.botUserId, ts: createTs(state, `edit:${channel.id}`) };
  state.stats.updates += 1;
  touchState(state);
  return { ok: true, channel: channel.id, ts, text: message.text, message: { ...message } };
}

function deleteMessage(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = resolveChannel(state, readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const ts = readString(args, 'ts') ?? '';
  const message = findMessage(state, channel.id, ts);
  if (!message) return fail('message_not_found');
  if (message.user !== state.workspace.botUserId) return fail('cant_delete_message');
  removeMessage(state, channel.id, ts);
  state.stats.deletes += 1;
  return { ok: true, channel: channel.id, ts };
}

function postEphemeral(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = resolveChannel(state, readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const userId = readString(args, 'user') ?? '';
  const user = state.workspace.users.find((candidate) => candidate.id === userId);
  if (!user) return fail('user_not_found');
  if (channel.isIm && channel.id !== `D${user.id.slice(1)}`) return fail('user_not_in_channel');
  const content = readMessageContent(args);
  if (isFailure(content)) return content;
  const threadTs = readString(args, 'thread_ts');
  const ephemeral = addEphemeral(state, {
    user: user.id,
    channel: channel.id,
    text: content.text,
    ...(content.blocks ? { blocks: content.blocks } : {}),
    ...(threadTs ? { threadTs } : {}),
    source: 'api',
  });
  return { ok: true, message_ts: ephemeral.ts };
}

function readView(args: SlackArgs, expectedType: 'modal' | 'home' | 'any'): { view: Record<string, unknown> } | SlackResponse {
  const raw = readJson(args, 'view');
  if (!raw.present || raw.invalid || !isObject(raw.value)) return fail('invalid_arguments', ['[ERROR] missing required field: view']);
  const view = raw.value;
  const messages: string[] = [];
  if (view.type !== 'modal' && view.type !== 'home') messages.push('[ERROR] must be modal or home [json-pointer:/view/type]');
  if (expectedType !== 'any' && view.type !== expectedType) messages.push(`[ERROR] must be ${expectedType} [json-pointer:/view/type]`);
  if (view.type === 'modal') {
    for (const field of ['title', 'submit', 'close'] as const) {
      const text = view[field];
      if (text === undefined && field !== 'title') continue;
      if (!isObject(text) || text.type !== 'plain_text' || typeof text.text !== 'string' || text.text.length === 0 || text.text.length > 24) {
        messages.push(`[ERROR] must be plain_text of 1 to 24 characters [json-pointer:/view/${field}]`);
      }
    }
    const hasInputs = Array.isArray(view.blocks) && view.blocks.some((block) => isObject(block) && block.type === 'input');
    if (hasInputs && view.submit === undefined) messages.push('[ERROR] a view with input blocks must have a submit button [json-pointer:/view/submit]');
  }
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3_000) {
    messages.push('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  }
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255) {
    messages.push('[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]');
  }
  const problems = checkBlocks(view.blocks ?? [], VIEW_BLOCK_LIMIT);
  messages.push(...describeBlockProblems(problems).map((line) => line.replace('json-pointer:/blocks', 'json-pointer:/view/blocks')));
  if (messages.length > 0) return fail(problems.length > 0 && messages.length === problems.length ? 'invalid_blocks' : 'invalid_arguments', messages);
  return { view };
}

function buildView(state: SlackState, user: string, view: Record<string, unknown>, previous?: FakeView): FakeView {
  const id = previous?.id ?? createId(state, 'V');
  const built: FakeView = {
    id,
    team_id: state.workspace.teamId,
    type: view.type === 'home' ? 'home' : 'modal',
    user,
    blocks: (view.blocks as unknown[] | undefined) ?? [],
    private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
    callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
    external_id: typeof view.external_id === 'string' ? view.external_id : '',
    hash: `${Math.floor(state.now() / 1_000)}.${createId(state, '')}`,
    root_view_id: previous?.root_view_id ?? id,
    previous_view_id: previous?.previous_view_id ?? null,
    state: { values: {} },
    notify_on_close: view.notify_on_close === true,
    clear_on_close: view.clear_on_close === true,
    app_id: state.workspace.appId,
    bot_id: state.workspace.botId,
  };
  if (view.title !== undefined) built.title = view.title;
  if (view.submit !== undefined) built.submit = view.submit;
  if (view.close !== undefined) built.close = view.close;
  return built;
}

function renderView(view: FakeView): Record<string, unknown> {
  const { user: _user, ...rest } = view;
  return rest;
}

function useTrigger(state: SlackState, args: SlackArgs): { user: string } | SlackResponse {
  const triggerId = readString(args, 'trigger_id');
  if (!triggerId) return fail('invalid_arguments', ['[ERROR] missing required field: trigger_id']);
  const trigger = state.triggers.get(triggerId);
  if (!trigger) return fail('invalid_trigger_id');
  // Slack lets an app use a trigger once, within three seconds of the user's action.
  if (state.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return fail('expired_trigger_id');
  if (trigger.used) return fail('exchanged_trigger_id');
  trigger.used = true;
  return { user: trigger.user };
}

function openView(state: SlackState, args: SlackArgs): SlackResponse {
  const read = readView(args, 'modal');
  if ('ok' in read) return read;
  const trigger = useTrigger(state, args);
  if ('ok' in trigger) return trigger;
  const view = buildView(state, trigger.user, read.view);
  state.modals.set(trigger.user, [view]);
  state.stats.views += 1;
  touchState(state);
  return { ok: true, view: renderView(view) };
}

function pushView(state: SlackState, args: SlackArgs): SlackResponse {
  const read = readView(args, 'modal');
  if ('ok' in read) return read;
  const trigger = useTrigger(state, args);
  if ('ok' in trigger) return trigger;
  const stack = state.modals.get(trigger.user) ?? [];
  if (stack.length === 0) return fail('not_found');
  if (stack.length >= MODAL_STACK_LIMIT) return fail('push_limit_reached');
  const view = buildView(state, trigger.user, read.view);
  view.root_view_id = stack[0].root_view_id;
  view.previous_view_id = stack[stack.length - 1].id;
  stack.push(view);
  state.stats.views += 1;
  touchState(state);
  return { ok: true, view: renderView(view) };
}

function findView(state: SlackState, viewId: string | undefined, externalId: string | undefined): FakeView | undefined {
  const all = [...[...state.modals.values()].flat(), ...state.homes.values()];
  if (viewId) return all.find((view) => view.id === viewId);
  if (externalId) return all.find((view) => view.external_id === externalId);
  return undefined;
}

/** Replace a view in place, wherever it lives (a modal stack or a Home tab). */
export function replaceView(state: SlackState, previous: FakeView, next: FakeView): void {
  const stack = state.modals.get(previous.user);
  const index = stack?.findIndex((view) => view.id === previous.id) ?? -1;
  if (stack && index >= 0) stack[index] = next;
  else if (state.homes.get(previous.user)?.id === previous.id) state.homes.set(previous.user, next);
  touchState(state);
}

function updateView(state: SlackState, args: SlackArgs): SlackResponse {
  const viewId = readString(args, 'view_id');
  const externalId = readString(args, 'external_id');
  if (!viewId && !externalId) return fail('invalid_arguments', ['[ERROR] either view_id or external_id is required']);
  const read = readView(args, 'any');
  if ('ok' in read) return read;
  const previous = findView(state, viewId, externalId);
  if (!previous) return fail('not_found');
  const hash = readString(args, 'hash');
  if (hash && hash !== previous.hash) return fail('hash_conflict');
  const next = buildView(state, previous.user, read.view, previous);
  replaceView(state, previous, next);
  state.stats.views += 1;
  return { ok: true, view: renderView(next) };
}

function publishView(state: SlackState, args: SlackArgs): SlackResponse {
  const userId = readString(args, 'user_id') ?? '';
  if (!state.workspace.users.some((user) => user.id === userId)) return fail('user_not_found');
  const read = readView(args, 'home');
  if ('ok' in read) return read;
  const previous = state.homes.get(userId);
  const hash = readString(args, 'hash');
  if (hash && previous && hash !== previous.hash) return fail('hash_conflict');
  const view = buildView(state, userId, read.view, previous);
  state.homes.set(userId, view);
  state.stats.views += 1;
  touchState(state);
  return { ok: true, view: renderView(view) };
}

function conversationsHistory(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = state.channels.get(readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const newestFirst = filterByRange(listChannelMessages(state, channel.id), args).reverse();
  const page = paginate(newestFirst, args, 100, (message, cursorTs) => compareTs(message.ts, cursorTs) > 0);
  return page.ok ? { ...page, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 } : page;
}

function conversationsReplies(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = state.channels.get(readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const ts = readString(args, 'ts');
  if (!ts) return fail('invalid_arguments', ['[ERROR] missing required field: ts']);
  const thread = listThread(state, channel.id, ts);
  if (thread.length === 0) return fail('thread_not_found');
  return paginate(filterByRange(thread, args), args, 1_000, (message, cursorTs) => compareTs(message.ts, cursorTs) < 0);
}

function conversationsInfo(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = renderChannel(state, readString(args, 'channel') ?? '');
  return channel ? { ok: true, channel } : fail('channel_not_found');
}

function conversationsList(state: SlackState): SlackResponse {
  const channels = [...state.channels.values()].filter((channel) => !channel.isIm).map((channel) => renderChannel(state, channel.id));
  return { ok: true, channels, response_metadata: { next_cursor: '' } };
}

function usersInfo(state: SlackState, args: SlackArgs): SlackResponse {
  const user = renderUser(state, readString(args, 'user') ?? '');
  return user ? { ok: true, user } : fail('user_not_found');
}

function usersList(state: SlackState): SlackResponse {
  return { ok: true, members: state.workspace.users.map((user) => renderUser(state, user.id)), response_metadata: { next_cursor: '' } };
}

function usergroupsUsersList(state: SlackState, args: SlackArgs): SlackResponse {
  const group = state.workspace.usergroups.find((candidate) => candidate.id === readString(args, 'usergroup'));
  return group ? { ok: true, users: [...group.users] } : fail('no_such_subteam');
}

function getPermalink(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = state.channels.get(readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const ts = readString(args, 'message_ts') ?? '';
  const message = findMessage(state, channel.id, ts);
  if (!message) return fail('message_not_found');
  const thread = message.thread_ts && message.thread_ts !== message.ts ? `?thread_ts=${message.thread_ts}&cid=${channel.id}` : '';
  return { ok: true, channel: channel.id, permalink: `https://${state.workspace.domain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}${thread}` };
}

function openConversation(state: SlackState, args: SlackArgs): SlackResponse {
  const users = (readString(args, 'users') ?? '').split(',').filter(Boolean);
  if (users.length !== 1) return fail(users.length === 0 ? 'users_list_not_supplied' : 'not_enough_users');
  const channel = resolveChannel(state, users[0] ?? '');
  if (!channel?.isIm) return fail('user_not_found');
  return { ok: true, channel: { id: channel.id } };
}

function addReaction(state: SlackState, args: SlackArgs): SlackResponse {
  const channel = state.channels.get(readString(args, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const message = findMessage(state, channel.id, readString(args, 'timestamp') ?? '');
  if (!message) return fail('message_not_found');
  const name = readString(args, 'name') ?? '';
  if (!/^[a-z0-9_+-]+$/.test(name)) return fail('invalid_name');
  const reactions = message.reactions ?? [];
  const existing = reactions.find((reaction) => reaction.name === name);
  if (existing?.users.includes(state.workspace.botUserId)) return fail('already_reacted');
  if (existing) {
    existing.users.push(state.workspace.botUserId);
    existing.count += 1;
  } else {
    reactions.push({ name, users: [state.workspace.botUserId], count: 1 });
  }
  message.reactions = reactions;
  touchState(state);
  return { ok: true };
}

function usergroupsList(state: SlackState): SlackResponse {
  return {
    ok: true,
    usergroups: state.workspace.usergroups.map((group) => ({
      id: group.id,
      team_id: state.workspace.teamId,
      handle: group.handle,
      name: group.name,
      is_usergroup: true,
      user_count: group.users.length,
    })),
  };
}

type Handler = (state: SlackState, args: SlackArgs) => SlackResponse;

const HANDLERS: Record<string, Handler> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'chat.update': updateMessage,
  'chat.delete': deleteMessage,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'conversations.open': openConversation,
  'reactions.add': addReaction,
  'usergroups.list': usergroupsList,
  'views.open': openView,
  'views.push': pushView,
  'views.update': updateView,
  'views.publish': publishView,
  'conversations.history': conversationsHistory,
  'conversations.replies': conversationsReplies,
  'conversations.info': conversationsInfo,
  'conversations.list': conversationsList,
  'users.info': usersInfo,
  'users.list': usersList,
  'usergroups.users.list': usergroupsUsersList,
};

/** The Web API methods the fake implements. */
export const SUPPORTED_METHODS = Object.keys(HANDLERS);

/**
 * Run one Web API method against the fake's state.
 *
 * @example
 * callMethod(state, 'chat.postMessage', { channel: 'C0FLEET001', text: 'hello' });
 * // { ok: true, channel: 'C0FLEET001', ts: '1700000000.000000', message: { … } }
 */
export function callMethod(state: SlackState, method: string, args: SlackArgs): SlackResponse {
  const handler = HANDLERS[method];
  if (!handler) return fail('unknown_method');
  return handler(state, args);
}
