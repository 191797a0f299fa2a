import { z } from 'zod';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "90s", "30m", "2h", "1d", "1h30m" to milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[smhd])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNITS[unit];
  return total;
}

/** A duration written as "30m", "2h", "1d" or "1h30m"; parsed to milliseconds. */
export const Duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'a duration such as "90s", "30m", "2h" or "1d"' })
  .transform((s) => parseDuration(s)!)
  // Read by the spec reference (docs/spec.md), which shows such fields as durations.
  .meta({ format: 'duration' });

/**
 * A duration kept as written ("10m"), for options that are parsed more than once (a change's
 * options are checked when the spec loads and again when the change runs); read it with
 * parseDuration.
 */
export const DurationText = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'a duration such as "90s", "30m", "2h" or "1d"' })
  .meta({ format: 'duration' });
