import { z } from 'zod';

/**
 * What the ack benchmark hands its load generator (`ack-load.ts`, on standard input) and what the
 * generator prints back: the requests to send, and for each the time it was sent and answered.
 */

const Command = z.strictObject({ kind: z.literal('command'), id: z.string(), text: z.string(), user: z.string(), channel: z.string(), responseUrl: z.url() });
const Approve = z.strictObject({
  kind: z.literal('approve'),
  id: z.string(),
  user: z.string(),
  channel: z.string(),
  campaignId: z.string(),
  gateId: z.number().int().positive(),
  /** The approval request's ts: the message the button sits on. */
  messageTs: z.string(),
  /** Its blocks, which Slack sends back in the payload. */
  blocks: z.array(z.unknown()),
  responseUrl: z.url(),
});

export const LoadPlan = z.strictObject({
  appUrl: z.url(),
  signingSecret: z.string().min(1),
  concurrency: z.number().int().positive(),
  requests: z.array(z.discriminatedUnion('kind', [Command, Approve])),
});
export type LoadPlan = z.infer<typeof LoadPlan>;
export type LoadRequest = LoadPlan['requests'][number];

export const LoadSample = z.strictObject({
  id: z.string(),
  kind: z.enum(['command', 'approve']),
  /** Epoch ms (sub-millisecond) when the request was handed to fetch. */
  sentAt: z.number(),
  /** Milliseconds until the whole HTTP answer was read: the ack as Slack sees it. */
  ackMs: z.number(),
  /** The HTTP status, 0 when the request failed without one. */
  status: z.number().int(),
});
export type LoadSample = z.infer<typeof LoadSample>;

/** A clock two processes on one machine agree on: epoch ms with sub-millisecond precision. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
