import type { Notification, NotificationOf, RootView } from '../domain/notifications.js';
import { ACTION } from './blocks/action-ids.js';
import { finalSummary, needsAttention, rollbackOffer, rootMessage, waveFinished, waveStarted } from './blocks/campaign.js';
import { digestMessage } from './blocks/digest.js';
import { deploymentMessage } from './blocks/deployment.js';
import { gateDecided, gateRequest, waveCanary } from './blocks/gate.js';
import type { SlackMessage } from './blocks/text.js';

/** How a notification goes to Slack: the Web API method, its arguments, and what delivery records. */
export interface RenderedNotification {
  method: 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'views.publish';
  /** The Web API arguments (`text`, `blocks`, ...) without channel, thread, ts or metadata. */
  args: Record<string, unknown>;
  /** A post that is the campaign's root message: delivery saves its ts as the campaign's root. */
  root?: boolean;
  /** On a post: the gate request whose ts delivery saves. On an update: edit that gate's message. */
  gateId?: number;
  /** On an update: the message to edit (otherwise the gate's message, or the root). */
  ts?: string;
  /** On an ephemeral message: who sees it. */
  user?: string;
}

/** What delivery reads from the store at send time for records that describe the present. */
export interface RenderContext {
  /** The campaign's root view (`engine/notifications.ts` `readRootView`), for a `root` record. */
  rootView?: RootView;
}

/** Thrown when a record cannot be rendered (a root record without its campaign); the message is dead. */
export class UnrenderableNotification extends Error {}

function post(message: SlackMessage, extra: Partial<RenderedNotification> = {}): RenderedNotification {
  return { method: 'chat.postMessage', args: { text: message.text, blocks: message.blocks }, ...extra };
}

/**
 * Turns a notification record into the Slack message that says it: pure, so what is queued is
 * rendered by the code of the day it is delivered.
 *
 * @example renderNotification({ kind: 'state-notice', campaignId: 'c-1', text: 'Paused by <@U1>.' })
 * // { method: 'chat.postMessage', args: { text: 'Paused by <@U1>.' } }
 */
export function renderNotification(record: Notification, context: RenderContext = {}): RenderedNotification {
  switch (record.kind) {
    case 'root': {
      if (!context.rootView) throw new UnrenderableNotification(`campaign ${record.campaignId} not found`);
      const message = rootMessage(context.rootView);
      return record.action === 'post' ? post(message, { root: true }) : { method: 'chat.update', args: { text: message.text, blocks: message.blocks } };
    }
    case 'wave-started':
      return post(waveStarted(record));
    case 'wave-finished':
      return post(waveFinished(record));
    case 'wave-canary':
      return post(waveCanary(record));
    case 'gate-request':
      return post(gateRequest(record), { gateId: record.gateId });
    case 'gate-decided': {
      const message = gateDecided(record);
      // A person's decision replaces the request's buttons in place; an automatic one had no request.
      if (record.automatic) return post(message);
      return { method: 'chat.update', args: { text: message.text, blocks: message.blocks }, gateId: record.gateId };
    }
    case 'needs-attention':
      return post(needsAttention(record));
    case 'rollback-offer':
      return post(rollbackOffer(record));
    case 'deployment':
      return post(deploymentMessage(record));
    case 'state-notice':
      return { method: 'chat.postMessage', args: { text: record.text } };
    case 'final-summary':
      return post(finalSummary(record));
    case 'digest':
      return post(digestMessage(record));
    case 'legacy-slack':
      return renderLegacy(record);
  }
}

/** Payload keys of the old outbox rows that steered delivery and were not sent to Slack. */
const LEGACY_INTERNAL_KEYS = new Set(['root', 'gateId', 'ts', 'user', 'actions']);

/** A row queued before notifications were records: sent as it was stored, steered by its old keys. */
function renderLegacy(record: NotificationOf<'legacy-slack'>): RenderedNotification {
  const { payload } = record;
  const args = Object.fromEntries(Object.entries(payload).filter(([k]) => !LEGACY_INTERNAL_KEYS.has(k)));
  const rendered: RenderedNotification = { method: record.method, args };
  if (record.method === 'chat.postMessage') {
    if (payload.root === true) rendered.root = true;
    const gateId = legacyGateIdOf(payload);
    if (gateId !== undefined) rendered.gateId = gateId;
  }
  if (record.method === 'chat.update') {
    if (typeof payload.gateId === 'number') rendered.gateId = payload.gateId;
    if (typeof payload.ts === 'string') rendered.ts = payload.ts;
  }
  if (record.method === 'chat.postEphemeral' && typeof payload.user === 'string') rendered.user = payload.user;
  return rendered;
}

function legacyGateIdOf(payload: Record<string, unknown>): number | undefined {
  if (typeof payload.gateId === 'number') return payload.gateId;
  // Old gate requests carry their gate in the first section's block id ("gate:<id>") and an Approve button.
  const blocks = Array.isArray(payload.blocks) ? (payload.blocks as Record<string, unknown>[]) : [];
  const hasApprove = blocks.some((b) => b.type === 'actions' && Array.isArray(b.elements) && (b.elements as Record<string, unknown>[]).some((e) => e.action_id === ACTION.approve));
  if (!hasApprove) return undefined;
  const id = blocks.map((b) => (typeof b.block_id === 'string' ? /^gate:(\d+)$/.exec(b.block_id)?.[1] : undefined)).find(Boolean);
  return id ? Number(id) : undefined;
}
