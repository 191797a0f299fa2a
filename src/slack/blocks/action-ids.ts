import { z } from 'zod';

/**
 * Every interactive element's action_id, and the zod schema of the value it carries. Values are
 * compact JSON written by the builders and validated again when Slack sends them back, since a
 * click payload is input like any other.
 */
export const ACTION = {
  approve: 'fleet.gate.approve',
  reject: 'fleet.gate.reject',
  /** Shows the clicker the statistics behind a gate's confidence; decides nothing. */
  gateDetails: 'fleet.gate.details',
  pause: 'fleet.campaign.pause',
  resume: 'fleet.campaign.resume',
  abort: 'fleet.campaign.abort',
  abortConfirm: 'fleet.campaign.abort-confirm',
  retry: 'fleet.target.retry',
  skip: 'fleet.target.skip',
  revertWave: 'fleet.wave.revert',
  launch: 'fleet.launch',
  cancel: 'fleet.cancel',
  startForm: 'fleet.start.form',
} as const;
export type ActionId = (typeof ACTION)[keyof typeof ACTION];

const CampaignId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
const Repo = z.string().min(3).max(300).regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);

export const CampaignValue = z.strictObject({ c: CampaignId });
export type CampaignValue = z.infer<typeof CampaignValue>;

export const GateValue = z.strictObject({ c: CampaignId, g: z.number().int().positive() });
export type GateValue = z.infer<typeof GateValue>;

export const TargetValue = z.strictObject({ c: CampaignId, r: Repo });
export type TargetValue = z.infer<typeof TargetValue>;

export const WaveValue = z.strictObject({ c: CampaignId, w: z.number().int().min(0) });
export type WaveValue = z.infer<typeof WaveValue>;

/** The short form's fields, carried by a Launch button and validated again on click. */
export const LaunchFormValue = z.strictObject({
  kind: z.literal('npm-dependency'),
  name: z.string().max(63),
  package: z.string().max(214),
  version: z.string().max(100),
  org: z.string().max(39),
  topic: z.string().max(50),
  channel: z.string().max(20),
});
export type LaunchFormValue = z.infer<typeof LaunchFormValue>;

/**
 * What a preview's Launch button carries besides what to start: the preview's id `p` (so a second
 * Launch of the same preview is recognised), when it was made `at` (epoch ms: a preview older
 * than ten minutes is refused) and, for a catalog spec, a hash `h` of the spec it showed (a spec
 * changed since is refused). Well under Slack's 2,000-character limit for a value.
 */
const PreviewStamp = {
  p: z.string().regex(/^p-[0-9a-f]{6,32}$/),
  at: z.number().int().positive(),
};

/** A launch names a catalog spec, or carries the short form's fields (re-validated on click). */
export const LaunchValue = z.union([
  z.strictObject({ catalog: z.string().min(1).max(200), ...PreviewStamp, h: z.string().regex(/^[0-9a-f]{16}$/) }),
  z.strictObject({ form: LaunchFormValue, ...PreviewStamp }),
]);
export type LaunchValue = z.infer<typeof LaunchValue>;

/** Encodes a button value (JSON, well under Slack's 2,000-character limit for these shapes). */
export function encodeValue(value: CampaignValue | GateValue | TargetValue | WaveValue | LaunchValue): string {
  return JSON.stringify(value);
}

/**
 * Decodes and validates a button value; undefined when it is not what `schema` expects.
 *
 * @example decodeValue(GateValue, '{"c":"c-1","g":3}') // { c: 'c-1', g: 3 }
 */
export function decodeValue<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
