import { z } from 'zod';
import { CAMPAIGN_STATES, TARGET_STATES } from './states.js';

/**
 * Notifications: what happened, as plain data. The engine and the campaign service write them to
 * the outbox in the same transaction as the state change; `slack/` renders them to Block Kit when
 * it delivers them. A record carries the facts its message shows (a snapshot taken when it
 * happened), never Block Kit, so a rendering fix also fixes what is already queued, and another
 * chat could render the same records.
 *
 * The root message is the exception: its record only names the campaign, and delivery builds the
 * view from the store as it is when the message is sent (`engine/notifications.ts` `readRootView`),
 * so the root shows the campaign as it stands, however long the update waited.
 */

const CampaignState = z.enum(CAMPAIGN_STATES);
const TargetState = z.enum(TARGET_STATES);
const Counts = z.partialRecord(TargetState, z.number());

/** The campaign's root message: posted once (`post`), then updated in place (`update`, coalesced). */
export const RootNotification = z.object({
  kind: z.literal('root'),
  campaignId: z.string(),
  action: z.enum(['post', 'update']),
});
export type RootNotification = z.infer<typeof RootNotification>;

export const WaveStartedNotification = z.object({
  kind: z.literal('wave-started'),
  campaignId: z.string(),
  wave: z.number().int(),
  waveCount: z.number().int(),
  repos: z.array(z.string()),
});

/** A target that failed or needs a person, with its reason: what the wave's end and the summary name. */
export const FailedTarget = z.object({
  repo: z.string(),
  state: z.enum(['failed', 'needs-attention']),
  reason: z.string(),
  prUrl: z.string().nullable(),
  score: z.number().nullable(),
});
export type FailedTarget = z.infer<typeof FailedTarget>;

/** One team's failed targets (the worst first), and how many it has in all. */
export const TeamFailures = z.object({
  /** "@acme/payments", "@alice", or "no code owner on record" (see `engine/failures.ts`). */
  team: z.string(),
  total: z.number().int(),
  failures: z.array(FailedTarget),
});
export type TeamFailures = z.infer<typeof TeamFailures>;

export const WaveFinishedNotification = z.object({
  kind: z.literal('wave-finished'),
  campaignId: z.string(),
  wave: z.number().int(),
  waveCount: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  needsAttention: z.number().int(),
  durationMs: z.number(),
  meanScore: z.number().nullable(),
  /** The wave's failed and needing-attention targets, worst first (up to ten); absent in records queued before. */
  failures: z.array(FailedTarget).optional(),
  /** How many more there are than `failures` shows. */
  moreFailures: z.number().int().optional(),
});

export const CanaryVerdict = z.enum(['pass', 'marginal', 'fail']);

export const WaveCanaryNotification = z.object({
  kind: z.literal('wave-canary'),
  campaignId: z.string(),
  wave: z.number().int(),
  waveCount: z.number().int(),
  /**
   * Every target of the wave the canary judged, with the judge's reason and the metrics that did
   * not pass (as the spec names them; absent in records queued before they were carried).
   */
  judged: z.array(
    z.object({
      repo: z.string(),
      verdict: CanaryVerdict,
      score: z.number(),
      reason: z.string(),
      metrics: z
        .array(z.object({ name: z.string(), classification: z.enum(['High', 'Low', 'NoData']), decidedBy: z.string().optional(), critical: z.boolean().optional() }))
        .optional(),
    }),
  ),
  /** Targets of the wave that never reached the canary. */
  notJudged: z.number().int(),
});

/**
 * How a gate's confidence was reached: each signal, its weight and contribution, the history
 * prior. The thread says it in words; the statistics (weights, the Beta prior and posterior, the
 * thresholds and the failure budget) are what the gate's Details button shows.
 */
export const ConfidenceBreakdown = z.object({
  score: z.number(),
  decision: z.enum(['auto', 'review', 'halt']).optional(),
  signals: z.array(
    z.object({
      name: z.string(),
      /** Which factor of the wave decision: `campaign` (the posterior) or `wave` (the mean target score). */
      key: z.string().optional(),
      value: z.number().nullable(),
      weight: z.number(),
      contribution: z.number(),
      /** The factor's own account of its number, for the details. */
      detail: z.string().optional(),
    }),
  ),
  /** The history prior Beta(a, b), the past campaigns it comes from and their target outcomes. */
  prior: z.object({ a: z.number(), b: z.number(), campaigns: z.number(), successes: z.number().optional(), failures: z.number().optional() }).nullable(),
  /** The change kind the history is of ("npm-dependency"). */
  changeKind: z.string().optional(),
  successes: z.number().optional(),
  failures: z.number().optional(),
  hardGates: z.array(z.string()).optional(),
  explanation: z.string().optional(),
  posterior: z.object({ a: z.number(), b: z.number() }).optional(),
  /** The posterior quantile taken as the campaign's confidence (0.1: its 10th percentile). */
  quantile: z.number().optional(),
  thresholds: z.object({ auto: z.number(), review: z.number() }).optional(),
  failureBudget: z.object({ allowed: z.number(), used: z.number(), projected: z.number(), remaining: z.number() }).optional(),
});
export type ConfidenceBreakdown = z.infer<typeof ConfidenceBreakdown>;

const GateFacts = {
  campaignId: z.string(),
  gateId: z.number().int(),
  /** The wave parked at its gate. */
  wave: z.number().int(),
  waveCount: z.number().int(),
  confidence: ConfidenceBreakdown,
  approvers: z.array(z.string()),
  expiresAt: z.number().nullable(),
};

/** An approval request; delivery records where it was posted so the decision can replace it. */
export const GateRequestNotification = z.object({ kind: z.literal('gate-request'), ...GateFacts });

/**
 * A gate's decision. A person's decision replaces the request in place (its buttons go); an
 * automatic one (`automatic`), which had no request, is a new message.
 */
export const GateDecidedNotification = z.object({
  kind: z.literal('gate-decided'),
  ...GateFacts,
  state: z.enum(['approved', 'rejected', 'expired', 'cancelled']),
  decidedBy: z.string().nullable(),
  automatic: z.boolean(),
});

export const NeedsAttentionNotification = z.object({
  kind: z.literal('needs-attention'),
  campaignId: z.string(),
  repo: z.string(),
  reason: z.string(),
  prUrl: z.string().nullable(),
  step: z.string().optional(),
  /** People to mention. */
  notify: z.array(z.string()),
});

export const RollbackOfferNotification = z.object({
  kind: z.literal('rollback-offer'),
  campaignId: z.string(),
  wave: z.number().int(),
  reason: z.string(),
  mergedCount: z.number().int(),
});

/**
 * A canary deployment's outcome, one line in the thread: deployed (with the environment's link) or
 * failed (with the CD system's description and log link). Posted for the canary wave only.
 */
export const DeploymentNotification = z.object({
  kind: z.literal('deployment'),
  campaignId: z.string(),
  repo: z.string(),
  wave: z.number().int(),
  outcome: z.enum(['succeeded', 'failed']),
  environment: z.string(),
  sha: z.string(),
  environmentUrl: z.string().nullable(),
  logUrl: z.string().nullable(),
  description: z.string().nullable(),
  prUrl: z.string().nullable(),
});

/** A plain line in the campaign's thread: halts, pauses, resumes, expiries, the freeze. */
export const StateNotification = z.object({
  kind: z.literal('state-notice'),
  campaignId: z.string(),
  /** Chat markup: mentions as `<@U…>`. */
  text: z.string(),
});

const AbortPr = z.object({ repo: z.string(), prNumber: z.number().int().nullable(), prUrl: z.string().nullable() });

export const FinalSummaryNotification = z.object({
  kind: z.literal('final-summary'),
  campaignId: z.string(),
  name: z.string(),
  state: z.enum(['completed', 'aborted']),
  reason: z.string().optional(),
  counts: Counts,
  durationMs: z.number(),
  humanTouched: z.number().int(),
  total: z.number().int(),
  approvals: z.number().int(),
  /** Targets Fleet finished with (`engine/abort-report.ts` `countDone`); absent on older records. */
  done: z.number().int().optional(),
  /** On an abort: who aborted, what had merged, which PRs it closes or leaves, what it stopped. */
  abort: z
    .object({
      by: z.string(),
      note: z.string().nullable(),
      /** The spec's `onAbort: leave`: the PRs in `closing` are left open, not closed. */
      leavePrs: z.boolean(),
      /** Targets the abort stopped (not done work). */
      stoppedCount: z.number().int(),
      merged: z.array(AbortPr),
      mergedCount: z.number().int(),
      /** Stopped targets with an open PR: closed by the tick's close pass after the abort (or left open). */
      closing: z.array(AbortPr),
      closingCount: z.number().int(),
      /** Stopped while a step ran, before a PR number was recorded: the close pass looks for one by branch. */
      openingCount: z.number().int(),
      /** Stopped before any step ran: no PR was opened. */
      beforePr: z.array(z.string()),
      beforePrCount: z.number().int(),
    })
    .optional(),
  /** The failed targets per team; absent in records queued before. */
  failedByTeam: z.array(TeamFailures).optional(),
  moreTeams: z.number().int().optional(),
});

export const DigestWait = z.object({
  kind: z.enum(['failing-checks', 'pr-review', 'gate', 'needs-attention']),
  who: z.array(z.string()),
  repo: z.string().optional(),
  detail: z.string(),
  url: z.string().nullable().optional(),
});
export type DigestWait = z.infer<typeof DigestWait>;

/** The PRs of a campaign waiting for a required review, per team asked (the CODEOWNERS owner named in the wait). */
export const ReviewsWaiting = z.object({
  /** "@acme/payments" or "@alice". */
  team: z.string(),
  prs: z.array(z.object({ repo: z.string(), url: z.string().nullable(), waitingMs: z.number() })),
  /** PRs of the team left out of `prs`. */
  more: z.number().int(),
});
export type ReviewsWaiting = z.infer<typeof ReviewsWaiting>;

export const DigestCampaign = z.object({
  id: z.string(),
  name: z.string(),
  state: CampaignState,
  owner: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  doneSinceYesterday: z.number().int(),
  failedSinceYesterday: z.number().int(),
  waits: z.array(DigestWait),
  /** The campaign's failed targets per team; absent in records queued before. */
  failedByTeam: z.array(TeamFailures).optional(),
  moreTeams: z.number().int().optional(),
  /** PRs waiting for a required review, per team asked, oldest first; absent when none (and in records queued before). */
  reviewsByTeam: z.array(ReviewsWaiting).optional(),
});
export type DigestCampaign = z.infer<typeof DigestCampaign>;

/** A channel's digest as of the moment it was queued. */
export const DigestNotification = z.object({
  kind: z.literal('digest'),
  channel: z.string(),
  /** The local day the digest covers, YYYY-MM-DD. */
  day: z.string(),
  campaigns: z.array(DigestCampaign),
  github: z.object({ used: z.number(), limit: z.number().nullable(), notModified: z.number() }).optional(),
});
export type DigestNotification = z.infer<typeof DigestNotification>;

/**
 * A message queued before notifications were records (migration 003): the Slack Web API method
 * and arguments exactly as they were stored, delivered as they would have been.
 */
export const LegacySlackNotification = z.object({
  kind: z.literal('legacy-slack'),
  method: z.enum(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.publish']),
  payload: z.record(z.string(), z.unknown()),
});

export const Notification = z.discriminatedUnion('kind', [
  RootNotification,
  WaveStartedNotification,
  WaveFinishedNotification,
  WaveCanaryNotification,
  GateRequestNotification,
  GateDecidedNotification,
  NeedsAttentionNotification,
  RollbackOfferNotification,
  DeploymentNotification,
  StateNotification,
  FinalSummaryNotification,
  DigestNotification,
  LegacySlackNotification,
]);
export type Notification = z.infer<typeof Notification>;
export type NotificationKind = Notification['kind'];
export type NotificationOf<K extends NotificationKind> = Extract<Notification, { kind: K }>;

/**
 * What the root message shows, built from the store when it is delivered: state, progress per
 * wave, counts per state, the last wave gate's confidence and the open gate.
 */
export interface RootView {
  campaignId: string;
  name: string;
  state: z.infer<typeof CampaignState>;
  stateReason?: string;
  owner: string;
  currentWave: number;
  /** `done`: work finished (an abort's stopped targets are not done); `stopped`: targets an abort stopped. */
  waves: { index: number; total: number; done: number; failed: number; stopped?: number }[];
  counts: Partial<Record<z.infer<typeof TargetState>, number>>;
  /** The open gate's confidence, or else the last wave gate's. */
  confidence: number | null;
  openGate: { id: number; wave: number; kind: 'wave' | 'rollback' } | null;
  /** The global freeze is on: no step runs anywhere. */
  frozen?: boolean;
  /** On an aborted campaign: who aborted, what had merged, how its closes stand. */
  abort?: {
    by: string;
    note: string | null;
    leavePrs: boolean;
    merged: number;
    stopped: number;
    closing: number;
    closed: number;
    closeFailed: number;
    closesPending: number;
  };
}
