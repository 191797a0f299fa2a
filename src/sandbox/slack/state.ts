import { randomBytes } from 'node:crypto';
import type { FakeChannel, FakeWorkspace } from './workspace.js';

/**
 * The fake Slack's memory: messages per channel with their threads, ephemeral messages per user,
 * modal stacks and Home tabs per user, and the trigger ids and response URLs it handed out.
 * Everything here is plain data; the Web API handlers and the page read and change it.
 */

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A channel message as Slack returns it from conversations.history / replies. */
export interface SlackMessage {
  type: 'message';
  subtype?: 'thread_broadcast';
  ts: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  metadata?: MessageMetadata;
  edited?: { user: string; ts: string };
  reactions?: Array<{ name: string; users: string[]; count: number }>;
}

export interface StoredMessage {
  channel: string;
  message: SlackMessage;
}

export interface EphemeralMessage {
  id: string;
  user: string;
  channel: string;
  /** The `message_ts` Slack returns for it. */
  ts: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  source: 'api' | 'response_url';
  createdAt: number;
}

export interface FakeView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  user: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  hash: string;
  root_view_id: string;
  previous_view_id: string | null;
  state: { values: Record<string, Record<string, unknown>> };
  notify_on_close: boolean;
  clear_on_close: boolean;
  app_id: string;
  bot_id: string;
}

export interface IssuedTrigger {
  user: string;
  issuedAt: number;
  used: boolean;
}

export interface IssuedResponseUrl {
  user: string;
  channel: string;
  /** The channel message the action came from, if any (replace_original edits it). */
  messageTs?: string;
  /** The ephemeral message the action came from, or the last one this URL posted. */
  ephemeralId?: string;
  threadTs?: string;
  issuedAt: number;
  uses: number;
}

export interface FakeSlackStats {
  calls: Record<string, number>;
  posts: number;
  updates: number;
  ephemerals: number;
  deletes: number;
  views: number;
  responses: number;
  rateLimited: number;
  serverErrors: number;
}

export interface SlackState {
  workspace: FakeWorkspace;
  now: () => number;
  channels: Map<string, FakeChannel>;
  /** Every message of a channel (top level and replies), in ts order. */
  messagesByChannel: Map<string, SlackMessage[]>;
  ephemerals: EphemeralMessage[];
  modals: Map<string, FakeView[]>;
  homes: Map<string, FakeView>;
  triggers: Map<string, IssuedTrigger>;
  responseUrls: Map<string, IssuedResponseUrl>;
  lastTsByChannel: Map<string, number>;
  stats: FakeSlackStats;
  /** Bumped on every change so the page can poll cheaply. */
  version: number;
  sequence: number;
}

export function createSlackState(workspace: FakeWorkspace, now: () => number): SlackState {
  const channels = new Map(workspace.channels.map((channel) => [channel.id, channel]));
  return {
    workspace,
    now,
    channels,
    messagesByChannel: new Map(workspace.channels.map((channel) => [channel.id, []])),
    ephemerals: [],
    modals: new Map(),
    homes: new Map(),
    triggers: new Map(),
    responseUrls: new Map(),
    lastTsByChannel: new Map(),
    stats: { calls: {}, posts: 0, updates: 0, ephemerals: 0, deletes: 0, views: 0, responses: 0, rateLimited: 0, serverErrors: 0 },
    version: 0,
    sequence: 0,
  };
}

export function touchState(state: SlackState): void {
  state.version += 1;
}

/**
 * A ts like Slack's ("1700000000.000100"): seconds and microseconds from the fake's clock, made
 * unique and increasing per channel by stepping one microsecond past the channel's last one.
 */
export function createTs(state: SlackState, channel: string): string {
  const micros = Math.max(Math.floor(state.now()) * 1_000, (state.lastTsByChannel.get(channel) ?? 0) + 1);
  state.lastTsByChannel.set(channel, micros);
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

export function compareTs(left: string, right: string): number {
  const [leftSeconds = '0', leftMicros = '0'] = left.split('.');
  const [rightSeconds = '0', rightMicros = '0'] = right.split('.');
  return Number(leftSeconds) - Number(rightSeconds) || Number(leftMicros.padEnd(6, '0')) - Number(rightMicros.padEnd(6, '0'));
}

export function createId(state: SlackState, prefix: string): string {
  state.sequence += 1;
  return `${prefix}${String(state.sequence).padStart(8, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
}

/** A channel by id, by name (with or without '#'), or a user's direct message channel by user id. */
export function resolveChannel(state: SlackState, reference: string): FakeChannel | undefined {
  const byId = state.channels.get(reference);
  if (byId) return byId;
  const name = reference.replace(/^#/, '');
  const byName = [...state.channels.values()].find((channel) => channel.name === name);
  if (byName) return byName;
  const user = state.workspace.users.find((candidate) => candidate.id === reference);
  if (!user) return undefined;
  const id = `D${user.id.slice(1)}`;
  const existing = state.channels.get(id);
  if (existing) return existing;
  const created: FakeChannel = { id, name: user.name, topic: `Direct messages with ${user.realName}`, isIm: true };
  state.channels.set(id, created);
  state.messagesByChannel.set(id, []);
  return created;
}

export function findMessage(state: SlackState, channel: string, ts: string): SlackMessage | undefined {
  return state.messagesByChannel.get(channel)?.find((message) => message.ts === ts);
}

/** Top-level messages (and thread broadcasts), oldest first. */
export function listChannelMessages(state: SlackState, channel: string): SlackMessage[] {
  return (state.messagesByChannel.get(channel) ?? []).filter(
    (message) => message.thread_ts === undefined || message.thread_ts === message.ts || message.subtype === 'thread_broadcast',
  );
}

/** A thread's parent followed by its replies, oldest first; just the message if it has none. */
export function listThread(state: SlackState, channel: string, ts: string): SlackMessage[] {
  const anchor = findMessage(state, channel, ts);
  if (!anchor) return [];
  const root = anchor.thread_ts ?? anchor.ts;
  return (state.messagesByChannel.get(channel) ?? []).filter((message) => message.ts === root || message.thread_ts === root);
}

export function insertMessage(state: SlackState, channel: string, message: SlackMessage): void {
  const list = state.messagesByChannel.get(channel) ?? [];
  list.push(message);
  list.sort((left, right) => compareTs(left.ts, right.ts));
  state.messagesByChannel.set(channel, list);
  if (message.thread_ts !== undefined && message.thread_ts !== message.ts) {
    const parent = findMessage(state, channel, message.thread_ts);
    if (parent) {
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      const replyUsers = new Set(parent.reply_users ?? []);
      replyUsers.add(message.user);
      parent.reply_users = [...replyUsers];
      parent.reply_users_count = replyUsers.size;
      parent.latest_reply = message.ts;
    }
  }
  touchState(state);
}

export function removeMessage(state: SlackState, channel: string, ts: string): boolean {
  const list = state.messagesByChannel.get(channel);
  if (!list) return false;
  const index = list.findIndex((message) => message.ts === ts);
  if (index < 0) return false;
  const [removed] = list.splice(index, 1);
  if (removed?.thread_ts !== undefined && removed.thread_ts !== removed.ts) {
    const parent = findMessage(state, channel, removed.thread_ts);
    if (parent?.reply_count !== undefined) parent.reply_count = Math.max(0, parent.reply_count - 1);
  }
  touchState(state);
  return true;
}

export function addEphemeral(state: SlackState, ephemeral: Omit<EphemeralMessage, 'id' | 'ts' | 'createdAt'>): EphemeralMessage {
  const created: EphemeralMessage = {
    ...ephemeral,
    id: createId(state, 'E'),
    ts: createTs(state, `ephemeral:${ephemeral.user}`),
    createdAt: state.now(),
  };
  state.ephemerals.push(created);
  state.stats.ephemerals += 1;
  touchState(state);
  return created;
}

export function issueTriggerId(state: SlackState, user: string): string {
  state.sequence += 1;
  const id = `${Math.floor(state.now() / 1_000)}.${state.sequence}.${randomBytes(16).toString('hex')}`;
  state.triggers.set(id, { user, issuedAt: state.now(), used: false });
  return id;
}

export function issueResponseUrlId(state: SlackState, target: Omit<IssuedResponseUrl, 'issuedAt' | 'uses'>): string {
  const id = `${state.workspace.teamId}/${createId(state, '')}/${randomBytes(12).toString('hex')}`;
  state.responseUrls.set(id, { ...target, issuedAt: state.now(), uses: 0 });
  return id;
}
