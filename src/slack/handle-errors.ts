import { isFleetError } from '../errors.js';
import type { FleetLogger } from './logger.js';

export interface ErrorContext {
  /** What was being done, e.g. "command pause" or "action fleet.gate.approve". */
  what: string;
  user?: string;
  campaignId?: string;
}

/** Sends an ephemeral reply to the person who acted (respond() or chat.postEphemeral). */
export type EphemeralReply = (text: string) => Promise<unknown>;

/** Codes whose sentence is meant for the person as it is: their input or their rights. */
const EXPECTED = new Set(['forbidden', 'bad_input', 'not_found', 'transition_refused', 'conflict', 'frozen', 'spec_invalid', 'spec_not_found', 'budget_exhausted', 'slack_error']);

/** Fleet's settings by their environment names, and absolute paths on the server (not URLs, not `a/b`). */
const SETTING = /\bFLEET_[A-Z_]+\b/g;
const SERVER_PATH = /(?<![\w:/.~-])\/(?:[\w.@~-]+\/)+[\w.@~-]*/g;

/**
 * A sentence as a person may read it: Fleet's sentences name whom to ask, never a setting or a
 * server path, and this is the net for any that still would (a message from a library, a
 * sentence written later). The log line keeps the original.
 *
 * @example forPerson('Set FLEET_CAMPAIGNS to /srv/fleet/specs') // "Set Fleet's settings to a folder on the server"
 */
export function forPerson(message: string): string {
  return message.replace(SETTING, "Fleet's settings").replace(SERVER_PATH, 'a folder on the server');
}

/**
 * The one place that turns a thrown error into a reply and a log line. A FleetError the person
 * can act on (forbidden, bad input, not found, ...) is quoted as it is; anything else becomes a
 * short apology with a reference the logs carry, and the log line gets the code and message but
 * never the payload (which may hold tokens or response URLs).
 *
 * @example await replyWithError(error, { what: 'command pause', user: 'U1' }, (t) => respond({ text: t, response_type: 'ephemeral' }), logger)
 */
export async function replyWithError(error: unknown, context: ErrorContext, reply: EphemeralReply, logger: FleetLogger): Promise<void> {
  const expected = isFleetError(error) && EXPECTED.has(error.code);
  const reference = Math.random().toString(36).slice(2, 8);
  const code = isFleetError(error) ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  if (expected) {
    logger.info('slack request refused', { ...context, code, message, details: (error as { details?: unknown }).details });
  } else {
    logger.error('slack request failed', { ...context, code, message, reference, stack: error instanceof Error ? error.stack?.split('\n').slice(0, 5).join('\n') : undefined });
  }
  const icon = code === 'forbidden' ? ':no_entry: ' : ':warning: ';
  const text = expected
    ? `${icon}${forPerson(message)}`
    : `:warning: Something went wrong while handling ${context.what}. Check \`/fleet status\` before trying again; if it keeps failing, ask an admin to look for reference \`${reference}\` in Fleet's logs.`;
  try {
    await reply(text);
  } catch (replyError) {
    logger.error('could not send the error reply', { ...context, reference, message: replyError instanceof Error ? replyError.message : String(replyError) });
  }
}
