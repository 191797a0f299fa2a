import { z } from 'zod';
import { CHANGE_KINDS, CHANGE_OPTIONS, type ChangeKind } from '../changes/options.js';
import { DEFAULT_PATH, STEP_KINDS, STEP_OPTIONS, type StepKind } from '../steps/options.js';
import { Duration } from './duration.js';

const SlackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U024BE7LH');
const SlackUserGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S0614TZR7');
const SlackChannel = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id such as C024BE91L');
const RepoName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository as "owner/name"');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
export const TimeZone = z.string().refine(isTimeZone, { message: 'an IANA time zone such as "Europe/Berlin" or "UTC"' });

export const Approvers = z.strictObject({
  users: z.array(SlackUser).default([]),
  groups: z.array(SlackUserGroup).default([]),
});

export const Targets = z
  .strictObject({
    /** An explicit list of repositories. */
    repos: z.array(RepoName).optional(),
    /** Or a selector over an organisation. */
    org: z.string().regex(/^[A-Za-z0-9-]+$/, 'a GitHub organisation login').optional(),
    topics: z.array(z.string().min(1)).default([]),
    language: z.string().min(1).optional(),
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    includeArchived: z.boolean().default(false),
    /** Repositories to put in the canary wave first. */
    canary: z.array(RepoName).default([]),
    /** Criticality per repository or glob (higher is riskier), used by wave planning. */
    criticality: z.record(z.string(), z.number().int().min(0).max(5)).default({}),
  })
  .refine((t) => (t.repos !== undefined) !== (t.org !== undefined), {
    message: 'give either an explicit "repos" list or an "org" selector, not both and not neither',
  });

export const Change = z.discriminatedUnion(
  'kind',
  CHANGE_KINDS.map((kind) => z.strictObject({ kind: z.literal(kind), options: CHANGE_OPTIONS[kind] })) as unknown as [
    z.ZodObject<{ kind: z.ZodLiteral<ChangeKind>; options: z.ZodType }>,
    ...z.ZodObject<{ kind: z.ZodLiteral<ChangeKind>; options: z.ZodType }>[],
  ],
);

export const Pr = z.strictObject({
  title: z.string().min(1).max(256),
  /** Mustache-style placeholders: {{campaign}}, {{repo}}, {{description}}. */
  body: z.string().max(60_000).default('{{description}}'),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, 'a git branch name (letters, digits, ".", "_", "/" and "-")')
    .refine((b) => !b.includes('..') && !b.endsWith('/') && !b.startsWith('/') && !b.endsWith('.lock'), 'a valid git branch name')
    .optional(),
  labels: z.array(z.string().min(1).max(50)).default([]),
  draft: z.boolean().default(false),
  reviewersFromCodeowners: z.boolean().default(true),
});

const StepEntry = z.union([
  z.enum(STEP_KINDS as [StepKind, ...StepKind[]]),
  z.strictObject({ kind: z.enum(STEP_KINDS as [StepKind, ...StepKind[]]), options: z.record(z.string(), z.unknown()).default({}) }),
]);

/** A wave size: a count ("3") or a share of all targets ("10%"). */
export const WaveSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d{1,3}(\.\d+)?%$/, 'a count such as 5 or a percentage such as "10%"')
    .refine((s) => {
      const n = Number(s.slice(0, -1));
      return n > 0 && n <= 100;
    }, 'a percentage above 0% and at most 100%'),
]);

const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const Hours = z
  .string()
  .regex(/^([01]\d|2[0-3]):?([0-5]\d)?-([01]\d|2[0-4]):?([0-5]\d)?$/, 'an hour range such as "09-17" or "09:30-17:00"');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const Schedule = z.strictObject({
  timezone: TimeZone.default('UTC'),
  days: z.array(Weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  hours: Hours.default('00-24'),
  freeze: z.array(IsoDate).default([]),
});

export const Policy = z
  .strictObject({
    auto: z.number().min(0).max(100).default(90),
    review: z.number().min(0).max(100).default(60),
    /** Failures allowed before the campaign halts: a count, or a share of targets such as "5%". */
    failureBudget: WaveSize.default('5%'),
    maxOpenPrs: z.number().int().positive().max(10_000).default(50),
    schedule: Schedule.optional(),
    approvalTimeout: Duration.prefault('24h'),
  })
  .refine((p) => p.review <= p.auto, { message: 'the review threshold must not be above the auto threshold', path: ['review'] });

export const CanaryMetric = z.strictObject({
  name: z.string().min(1).max(100),
  group: z.string().min(1).max(100).default('default'),
  /** A PromQL query; {{target}}, {{repo}} and {{track}} ("canary" or "baseline") are filled in. */
  query: z.string().min(1).max(4000).optional(),
  /** Which move is bad: "increase" (e.g. errors), "decrease" (e.g. throughput) or "either". */
  direction: z.enum(['increase', 'decrease', 'either']).default('either'),
  critical: z.boolean().default(false),
  /** Relative change tolerated before a move counts (0.1 = 10%). */
  effectSize: z.number().min(0).max(10).default(0.1),
  /** A metric without data fails its group when true. */
  mustHaveData: z.boolean().default(false),
});

export const Canary = z
  .strictObject({
    provider: z.enum(['prometheus', 'simulated']).default('prometheus'),
    lookback: Duration.prefault('30m'),
    step: Duration.prefault('1m'),
    thresholds: z
      .strictObject({ pass: z.number().min(0).max(100).default(95), marginal: z.number().min(0).max(100).default(75) })
      .refine((t) => t.marginal <= t.pass, { message: 'the marginal threshold must not be above the pass threshold', path: ['marginal'] })
      .default({ pass: 95, marginal: 75 }),
    groups: z.record(z.string(), z.number().positive()).default({}),
    metrics: z.array(CanaryMetric).min(1),
  })
  .refine((c) => Object.keys(c.groups).every((g) => c.metrics.some((m) => m.group === g)), {
    message: 'every weighted group must have at least one metric',
    path: ['groups'],
  });

export const CampaignSpec = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'a name of lowercase letters, digits and dashes (2 to 63 characters)'),
    description: z.string().max(3000).default(''),
    owner: SlackUser,
    approvers: Approvers.default({ users: [], groups: [] }),
    channel: SlackChannel,
    targets: Targets,
    change: Change,
    pr: Pr,
    steps: z.array(StepEntry).min(1).default([...DEFAULT_PATH]),
    waves: z.array(WaveSize).min(1).default([3, '10%', '50%', '100%']),
    policy: Policy.prefault({}),
    canary: Canary.optional(),
  })
  .superRefine((spec, ctx) => {
    const steps = spec.steps.map((s) => (typeof s === 'string' ? { kind: s, options: {} } : s));
    steps.forEach((s, i) => {
      const result = STEP_OPTIONS[s.kind].safeParse(s.options);
      if (!result.success) {
        for (const issue of result.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: ['steps', i, 'options', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))] });
        }
      }
    });
    const kinds = steps.map((s) => s.kind);
    if (kinds[0] !== 'open-pr' && !kinds.includes('open-pr')) {
      ctx.addIssue({ code: 'custom', message: 'the steps must include "open-pr": every other brick works on the PR it opens', path: ['steps'] });
    }
    if (kinds.includes('canary') && !spec.canary) {
      ctx.addIssue({ code: 'custom', message: 'the "canary" step needs a "canary" section with at least one metric', path: ['canary'] });
    }
    const merge = kinds.indexOf('merge');
    const open = kinds.indexOf('open-pr');
    if (merge !== -1 && open > merge) {
      ctx.addIssue({ code: 'custom', message: '"merge" must come after "open-pr"', path: ['steps'] });
    }
    // Wave sizes must grow (counts) or rise (percentages), and a percentage list should end at 100%.
    const last = spec.waves[spec.waves.length - 1];
    if (spec.waves.length > 1 && typeof last === 'string' && last !== '100%') {
      ctx.addIssue({ code: 'custom', message: 'the last wave should be "100%" so every target is reached', path: ['waves', spec.waves.length - 1] });
    }
    let previousPercent = 0;
    spec.waves.forEach((w, i) => {
      if (typeof w === 'string') {
        const p = Number(w.slice(0, -1));
        if (p <= previousPercent) ctx.addIssue({ code: 'custom', message: `wave percentages must rise: ${w} does not exceed ${previousPercent}%`, path: ['waves', i] });
        previousPercent = p;
      }
    });
  });
export type CampaignSpec = z.infer<typeof CampaignSpec>;

export interface StepDefinition {
  kind: StepKind;
  options: Record<string, unknown>;
}

/** The campaign's step list with each step's options parsed (defaults filled in). */
export function resolveSteps(spec: CampaignSpec): StepDefinition[] {
  return spec.steps.map((s) => {
    const entry = typeof s === 'string' ? { kind: s, options: {} } : s;
    return { kind: entry.kind, options: STEP_OPTIONS[entry.kind].parse(entry.options) };
  });
}
