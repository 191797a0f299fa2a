import { z } from 'zod';
import { CHANGE_OPTIONS, type ChangeKind } from '../changes/options.js';
import { DEFAULT_PATH, STEP_KINDS, STEP_OPTIONS, type StepKind } from './step-options.js';
import { Duration } from './duration.js';
import { scopeOwners } from './search-query.js';

/**
 * The campaign spec: the YAML a team writes to describe one fleet change. Parse with `loadSpec`
 * (load-spec.ts) to get errors with line numbers and hints; this module only holds the schema.
 */

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
export const TimeZone = z.string().refine(isTimeZone, { message: 'an IANA time zone such as "Europe/Berlin" or "UTC"', params: { suggest: 'time-zone' } });

export const Approvers = z.strictObject({
  users: z.array(SlackUser).default([]),
  groups: z.array(SlackUserGroup).default([]),
});
export type Approvers = z.infer<typeof Approvers>;

/** Code search for the files a change needs: a raw code-search string, or a file and the text it holds. */
export const Containing = z.union([
  z.string().min(1),
  z.strictObject({
    /** The file, e.g. "package.json" (at the root) or "services/api/package.json". */
    path: z.string().min(1).optional(),
    /** Text the file holds, e.g. "lodash". */
    text: z.string().min(1).optional(),
    /** More code-search qualifiers, e.g. "language:json". */
    query: z.string().min(1).optional(),
  }).refine((c) => c.text !== undefined || c.query !== undefined, {
    message: 'give the "text" the file holds (or a code-search "query")',
    params: { hint: 'GitHub\'s code search needs a search term, e.g. containing: { path: package.json, text: lodash }.' },
  }),
]);
export type Containing = z.infer<typeof Containing>;

export const Targets = z
  .strictObject({
    /** An explicit list of repositories. */
    repos: z.array(RepoName).min(1).optional(),
    /** Or a selector over an organisation. */
    org: z.string().regex(/^[A-Za-z0-9-]+$/, 'a GitHub organisation login').optional(),
    /** Or a GitHub repository search ("topic:node language:typescript"), scoped by org:/user: or by `org`. */
    query: z.string().min(1).max(256).optional(),
    /** Keep only repositories where code search finds this. */
    containing: Containing.optional(),
    topics: z.array(z.string().min(1)).default([]),
    language: z.string().min(1).optional(),
    /** Repository name globs to keep / to leave out, e.g. "svc-*". */
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    includeArchived: z.boolean().default(false),
    /** Forks are left out unless asked for. */
    includeForks: z.boolean().default(false),
    /** Repositories to put in the canary wave first. */
    canary: z.array(RepoName).default([]),
    /** Criticality per repository or glob (higher is riskier), used by wave planning. */
    criticality: z.record(z.string(), z.number().int().min(0).max(5)).default({}),
  })
  .refine((t) => (t.repos !== undefined) !== (t.org !== undefined || t.query !== undefined), {
    message: 'give either an explicit "repos" list or an "org" selector (or a search "query"), not both and not neither',
    params: { hint: 'Keep "org: <login>" (narrowed with topics, language, include or query) or a "repos:" list of "owner/name", and delete the other.' },
  })
  .superRefine((t, ctx) => {
    if (t.query !== undefined && t.org === undefined && scopeOwners(t.query).length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'the search "query" must be scoped to an organisation: add an "org:" (or "user:") qualifier, or set "org"',
        path: ['query'],
        params: { hint: `Write for example query: "org:acme ${t.query}", or add org: acme beside it.` },
      });
    }
    if (t.repos === undefined) return;
    const listed = new Set(t.repos);
    t.canary.forEach((repo, i) => {
      if (listed.has(repo)) return;
      ctx.addIssue({
        code: 'custom',
        message: `the canary ${repo} is not in "repos"`,
        path: ['canary', i],
        params: { hint: `Add ${repo} to "repos" or remove it from "canary".` },
      });
    });
  });
export type Targets = z.infer<typeof Targets>;

function changeVariant<K extends ChangeKind>(kind: K) {
  return z.strictObject({ kind: z.literal(kind), options: CHANGE_OPTIONS[kind] });
}

// Keyed by kind so that adding a change kind without a variant here fails to compile.
const CHANGE_VARIANTS = {
  dependency: changeVariant('dependency'),
  'npm-dependency': changeVariant('npm-dependency'),
  'json-set': changeVariant('json-set'),
  'yaml-set': changeVariant('yaml-set'),
  replace: changeVariant('replace'),
  'file-write': changeVariant('file-write'),
  'file-delete': changeVariant('file-delete'),
  codemod: changeVariant('codemod'),
  run: changeVariant('run'),
} satisfies Record<ChangeKind, z.ZodType>;

export const Change = z.discriminatedUnion('kind', [
  CHANGE_VARIANTS.dependency,
  CHANGE_VARIANTS['npm-dependency'],
  CHANGE_VARIANTS['json-set'],
  CHANGE_VARIANTS['yaml-set'],
  CHANGE_VARIANTS.replace,
  CHANGE_VARIANTS['file-write'],
  CHANGE_VARIANTS['file-delete'],
  CHANGE_VARIANTS.codemod,
  CHANGE_VARIANTS.run,
]);
export type Change = z.infer<typeof Change>;

export const Pr = z.strictObject({
  title: z.string().min(1).max(256),
  /** Mustache-style placeholders: {{campaign}}, {{repo}}, {{description}}. */
  body: z.string().max(60_000).default('{{description}}'),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, 'a git branch name (letters, digits, ".", "_", "/" and "-")')
    .refine((b) => !b.includes('..') && !b.endsWith('/') && !b.startsWith('/') && !b.endsWith('.lock'), {
      message: 'a valid git branch name',
      params: { hint: 'Remove "..", a leading or trailing "/" and a ".lock" ending, e.g. fleet/bump-lodash.' },
    })
    .optional(),
  labels: z.array(z.string().min(1).max(50)).default([]),
  draft: z.boolean().default(false),
  reviewersFromCodeowners: z.boolean().default(true),
});
export type Pr = z.infer<typeof Pr>;

const StepKindEnum = z.enum(STEP_KINDS as [StepKind, ...StepKind[]]);

/** One brick of the path: a bare kind ("merge") or `{ kind, options }`. Options are checked per kind. */
const StepEntry = z.preprocess(
  (value) => (typeof value === 'string' ? { kind: value } : value),
  z
    .strictObject({ kind: StepKindEnum, options: z.record(z.string(), z.unknown()).default({}) })
    .superRefine((entry, ctx) => {
      const result = STEP_OPTIONS[entry.kind].safeParse(entry.options);
      if (result.success) return;
      const validKeys = Object.keys(STEP_OPTIONS[entry.kind].shape);
      for (const issue of result.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          // Carried as custom issues so that the reader can offer the step's own option names.
          for (const key of issue.keys) {
            ctx.addIssue({ code: 'custom', message: `unknown option "${key}" for the "${entry.kind}" step`, path: ['options', ...issue.path, key], params: { unknownKey: key, validKeys } });
          }
          continue;
        }
        ctx.addIssue({ ...issue, path: ['options', ...issue.path] });
      }
    }),
);

const PERCENT = /^\d{1,3}(\.\d+)?%$/;

/** A wave size: a count (3) or the cumulative share of all targets reached by that wave ("10%"). */
export const WaveSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(PERCENT, 'a count such as 5 or a percentage such as "10%"')
    .refine(
      (s) => {
        // A malformed value already has its error from the pattern above.
        if (!PERCENT.test(s)) return true;
        const n = Number(s.slice(0, -1));
        return n > 0 && n <= 100;
      },
      { message: 'a percentage above 0% and at most 100%', params: { hint: 'Write a share between "1%" and "100%".' } },
    ),
]);
export type WaveSize = z.infer<typeof WaveSize>;

export const Waves = z
  .array(WaveSize)
  .min(1)
  .superRefine((waves, ctx) => {
    let previousPercent = 0;
    waves.forEach((w, i) => {
      if (typeof w !== 'string') return;
      const p = Number(w.slice(0, -1));
      if (p <= previousPercent) {
        ctx.addIssue({
          code: 'custom',
          message: `wave percentages must rise: ${w} does not exceed ${previousPercent}%`,
          path: [i],
          params: { hint: 'Make each percentage larger than the one before, e.g. [3, "10%", "50%", "100%"].' },
        });
      }
      previousPercent = p;
    });
    const last = waves[waves.length - 1];
    if (waves.length > 1 && typeof last === 'string' && last !== '100%') {
      ctx.addIssue({ code: 'custom', message: 'the last wave should be "100%" so every target is reached', path: [waves.length - 1], params: { hint: 'End the list with "100%".' } });
    }
  });

export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const Hours = z
  .string()
  .regex(/^([01]\d|2[0-3])(:[0-5]\d)?-([01]\d|2[0-4])(:[0-5]\d)?$/, 'an hour range such as "09-17" or "09:30-17:00"');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** When steps that touch repositories may run; outside it targets wait. */
export const Schedule = z.strictObject({
  timezone: TimeZone.default('UTC'),
  days: z.array(Weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  hours: Hours.default('00-24'),
  freeze: z.array(IsoDate).default([]),
});
export type Schedule = z.infer<typeof Schedule>;

export const Policy = z
  .strictObject({
    auto: z.number().min(0).max(100).default(90),
    review: z.number().min(0).max(100).default(60),
    /** Failures allowed before the campaign halts: a count, or a share of targets such as "5%". */
    failureBudget: WaveSize.default('5%'),
    maxOpenPrs: z.number().int().positive().max(10_000).default(50),
    schedule: Schedule.optional(),
    approvalTimeout: Duration.prefault('24h'),
    /** Whoever launched the campaign cannot approve its gates alone: another approver or an admin must. */
    fourEyes: z.boolean().default(true),
  })
  .refine((p) => p.review <= p.auto, {
    message: 'the review threshold must not be above the auto threshold',
    path: ['review'],
    params: { hint: 'Lower policy.review or raise policy.auto, e.g. review: 60 and auto: 90.' },
  });
export type Policy = z.infer<typeof Policy>;

export const CanaryMetric = z.strictObject({
  name: z.string().min(1).max(100),
  group: z.string().min(1).max(100).default('default'),
  /**
   * A PromQL query, rendered once per track: {{repo}}, {{track}} ("canary" or "baseline"), {{sha}}
   * (the version the track runs), {{baselineSha}}, {{environment}} (where the track runs),
   * {{deployment}} (the track's GitHub deployment id) and {{target}} are filled in.
   */
  query: z.string().min(1).max(4000).optional(),
  /** What the series is: the judge tests counts, rates, ratios, gauges and latencies each as suits them. */
  kind: z.enum(['count', 'rate', 'ratio', 'gauge', 'latency']).optional(),
  /** Which move is bad: "increase" (e.g. errors), "decrease" (e.g. throughput) or "either". */
  direction: z.enum(['increase', 'decrease', 'either']).default('either'),
  critical: z.boolean().default(false),
  /** Relative change tolerated before a move counts (0.1 = 10%). */
  effectSize: z.number().min(0).max(10).default(0.1),
  /** A critical metric fails the canary on its own only from this relative change on (default: effectSize). */
  criticalEffectSize: z.number().min(0).max(10).optional(),
  /** A metric without data fails its group when true. */
  mustHaveData: z.boolean().default(false),
});
export type CanaryMetric = z.infer<typeof CanaryMetric>;

export const Canary = z
  .strictObject({
    provider: z.enum(['prometheus', 'simulated']).default('prometheus'),
    lookback: Duration.prefault('30m'),
    step: Duration.prefault('1m'),
    thresholds: z
      .strictObject({ pass: z.number().min(0).max(100).default(95), marginal: z.number().min(0).max(100).default(75) })
      .refine((t) => t.marginal <= t.pass, {
        message: 'the marginal threshold must not be above the pass threshold',
        path: ['marginal'],
        params: { hint: 'Lower canary.thresholds.marginal or raise canary.thresholds.pass, e.g. pass: 95 and marginal: 75.' },
      })
      .prefault({}),
    groups: z.record(z.string(), z.number().positive()).default({}),
    metrics: z.array(CanaryMetric).min(1),
  })
  .refine((c) => Object.keys(c.groups).every((g) => c.metrics.some((m) => m.group === g)), {
    message: 'every weighted group must have at least one metric',
    path: ['groups'],
    params: { hint: 'Give a metric "group: <name>" for each group in canary.groups, or remove the group.' },
  });
export type Canary = z.infer<typeof Canary>;

function stepKindsOf(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((s: unknown) => {
    if (typeof s === 'string') return s;
    if (typeof s === 'object' && s !== null && 'kind' in s && typeof s.kind === 'string') return s.kind;
    return '';
  });
}

/**
 * Rules across sections. They run even when other parts of the spec are broken (so every error is
 * reported at once), hence they read the raw input defensively.
 */
function checkPath(input: unknown, ctx: z.RefinementCtx): void {
  if (typeof input !== 'object' || input === null) return;
  const raw = input as Record<string, unknown>;
  const kinds = 'steps' in raw && raw.steps !== undefined ? stepKindsOf(raw.steps) : [...DEFAULT_PATH];
  if (kinds === null) return;
  if (!kinds.includes('open-pr')) {
    ctx.addIssue({
      code: 'custom',
      message: 'the steps must include "open-pr": every other brick works on the PR it opens',
      path: ['steps'],
      params: { hint: 'Add "- open-pr" as the first step.' },
    });
  }
  if (kinds.includes('canary') && (raw.canary === undefined || raw.canary === null)) {
    ctx.addIssue({
      code: 'custom',
      message: 'the "canary" step needs a "canary" section with at least one metric',
      path: ['canary'],
      params: { hint: 'Add a "canary:" section with "metrics:", or list "steps:" without "canary" (the default path includes it).' },
    });
  }
  const merge = kinds.indexOf('merge');
  const open = kinds.indexOf('open-pr');
  if (merge !== -1 && open > merge) {
    ctx.addIssue({ code: 'custom', message: '"merge" must come after "open-pr"', path: ['steps', merge], params: { hint: 'Move "merge" below "open-pr".' } });
  }
}

export const CampaignSpec = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'a name of lowercase letters, digits and dashes (2 to 63 characters)'),
    description: z.string().max(3000).default(''),
    owner: SlackUser,
    approvers: Approvers.prefault({}),
    channel: SlackChannel,
    targets: Targets,
    change: Change,
    pr: Pr,
    steps: z.array(StepEntry).min(1).prefault([...DEFAULT_PATH]),
    waves: Waves.prefault([3, '10%', '50%', '100%']),
    policy: Policy.prefault({}),
    canary: Canary.optional(),
    /**
     * What an abort does to the targets' open PRs: `close` (comment why, close, delete the branch)
     * or `leave` them open for people to finish by hand. A skip always closes.
     */
    onAbort: z.enum(['close', 'leave']).default('close'),
  })
  .check(z.superRefine((spec, ctx) => checkPath(spec, ctx), { when: (payload) => typeof payload.value === 'object' && payload.value !== null }));
export type CampaignSpec = z.infer<typeof CampaignSpec>;

export interface StepDefinition {
  kind: StepKind;
  options: Record<string, unknown>;
}

/**
 * The campaign's step list with each step's options parsed (defaults filled in).
 *
 * @example
 * resolveSteps(spec) // [{ kind: 'open-pr', options: {} }, { kind: 'await-checks', options: { timeout: 7200000, ... } }, ...]
 */
export function resolveSteps(spec: CampaignSpec): StepDefinition[] {
  return spec.steps.map((entry) => ({ kind: entry.kind, options: STEP_OPTIONS[entry.kind].parse(entry.options) }));
}
