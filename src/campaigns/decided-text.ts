import { clockText } from '../domain/clock.js';
import type { GateRecord, Store, TargetRecord } from '../store/store.js';

/**
 * The answers to a click on a button whose decision was already made (a second Approve, a Skip of
 * a target already skipped): what was decided, by whom and when, as sentences for a person.
 * Mentions stay `<@U…>` so Slack renders them; times are plain UTC (`clockText`).
 */

function who(actor: string | null): string {
  if (!actor || actor === 'engine') return 'Fleet';
  return `<@${actor}>`;
}

/**
 * Why a gate cannot be decided again.
 *
 * @example alreadyDecidedText(gate, now) // '<@U0APPROV1> already approved wave 2 at 14:05 UTC; nothing more to do.'
 */
export function alreadyDecidedText(gate: Pick<GateRecord, 'kind' | 'wave' | 'state' | 'decidedBy' | 'decidedAt'>, now: number): string {
  const what = gate.kind === 'wave' ? `wave ${gate.wave + 1}` : `the rollback offer for wave ${gate.wave + 1}`;
  const when = gate.decidedAt === null ? '' : ` at ${clockText(gate.decidedAt, now)}`;
  const request = gate.kind === 'wave' ? `The approval request for wave ${gate.wave + 1}` : `The rollback offer for wave ${gate.wave + 1}`;
  switch (gate.state) {
    case 'approved':
    case 'rejected':
      return `${who(gate.decidedBy)} already ${gate.state} ${what}${when}; nothing more to do.`;
    case 'expired':
      return gate.decidedBy === 'engine' || gate.decidedBy === null
        ? `${request} was set aside${when} without a decision; resuming the campaign asks again.`
        : `${request} was set aside${when} when ${who(gate.decidedBy)} paused the campaign; resuming it asks again.`;
    case 'cancelled':
      return `${request} was closed${when} by ${who(gate.decidedBy)}, who aborted or resumed the campaign; nothing more to do.`;
    default:
      return `${request} is still open; try again.`;
  }
}

/**
 * When a person already did `kind` to the target (a `target.skipped` or `target.retried` event)
 * and the target's state shows it, the sentence that says so; otherwise undefined.
 *
 * @example alreadyActedText(store, target, 'skipped', now) // '<@U0OWNER01> already skipped acme/api at 14:05 UTC; nothing more to do.'
 */
export function alreadyActedText(store: Pick<Store, 'events'>, target: Pick<TargetRecord, 'id' | 'campaignId' | 'repo' | 'state'>, action: 'skipped' | 'retried', now: number): string | undefined {
  const last = store.events.list({ targetId: target.id, kinds: [`target.${action}`] }).at(-1);
  if (!last) return undefined;
  const at = clockText(last.at, now);
  if (action === 'skipped') return target.state === 'skipped' ? `${who(last.actor)} already skipped ${target.repo} at ${at}; nothing more to do.` : undefined;
  if (target.state === 'needs-attention' || target.state === 'failed') return undefined;
  return `${who(last.actor)} already retried ${target.repo} at ${at}; it is ${target.state} now. Type \`/fleet status ${target.campaignId}\` to follow it.`;
}
