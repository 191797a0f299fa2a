import type { StepDefinition } from '../domain/spec.js';
import { classifyFailure, isFleetError } from '../errors.js';
import type { StepResult } from '../steps/types.js';
import type { CampaignRecord, StepStatus, TargetRecord } from '../store/store.js';
import { readSpec } from './campaign-spec.js';
import { parseDuration } from '../changes/duration.js';
import type { TargetOutcome, TickInput, TickLimits } from './tick-types.js';

/** How long the lease taken on a target outlives the step's own time limit before another worker may take over. */
export const LEASE_GRACE_MS = 60_000;

/**
 * The time limit of one run of a step: the tick's `stepTimeoutMs`, and for open-pr with a `run`
 * change also the commands' own timeouts (default 5 minutes each), which the step waits for in
 * its workspace. Without them a command allowed 10 minutes would be cut off at the tick's limit
 * while it still runs.
 *
 * @example stepTimeLimit({ stepTimeoutMs: 60_000 }, { kind: 'open-pr' }, { kind: 'run', options: { commands: [{ run: 'make', timeout: '10m' }] } }) // 660_000
 */
export function stepTimeLimit(limits: Pick<TickLimits, 'stepTimeoutMs'>, step: Pick<StepDefinition, 'kind'>, change: { kind: string; options: unknown } | undefined): number {
  if (step.kind !== 'open-pr' || change?.kind !== 'run') return limits.stepTimeoutMs;
  const commands = (change.options as { commands?: unknown } | null)?.commands;
  if (!Array.isArray(commands)) return limits.stepTimeoutMs;
  const ms = commands.reduce((sum: number, c: unknown) => {
    const timeout = (c as { timeout?: unknown } | null)?.timeout;
    const parsed = typeof timeout === 'number' ? timeout : typeof timeout === 'string' ? parseDuration(timeout) : undefined;
    return sum + (parsed ?? DEFAULT_COMMAND_TIMEOUT_MS);
  }, 0);
  return limits.stepTimeoutMs + ms;
}

/** The run kind's default timeout per command. */
const DEFAULT_COMMAND_TIMEOUT_MS = 5 * 60_000;

/** A target leased for one step, by the step pass or the close pass. */
export interface Claimed {
  target: TargetRecord;
  /** The target's state before the lease, to tell whether the campaign's counts moved. */
  before: TargetRecord['state'];
  campaign: CampaignRecord;
  step: StepDefinition;
  stepIndex: number;
  pathLength: number;
}

export type RunResult = { kind: 'result'; result: StepResult } | { kind: 'budget'; retryAt: number; reason: string } | { kind: 'timeout' };

/** What running one leased job came to, for the tick's report. */
export interface LeasedOutcome {
  outcome: TargetOutcome;
  /** The target's counts changed: the campaign's root message should show it. */
  changed?: boolean;
  kind?: 'budget';
  retryAt?: number;
}

/**
 * Runs the leased job's step from the registry within the tick's step time limit. A step that throws
 * is classified (`classifyFailure`): a transient failure (5xx, 429, the network) is retried, a
 * permanent one (401, 403, 404, 410, 422, a malformed answer, a bad spec or change) needs a person
 * at once; one that finds the GitHub budget spent says when to try again.
 *
 * @example
 * const ran = await runStepWithLimit(input, job, previous?.data ?? {});
 * if (ran.kind === 'timeout') ...
 */
export async function runStepWithLimit<Deps>(input: Required<TickInput<Deps>>, job: Claimed, state: Record<string, unknown>): Promise<RunResult> {
  const step = input.registry.get(job.step.kind);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RunResult>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), stepTimeLimit(input.limits, job.step, readSpec(job.campaign).change));
  });
  const run = (async (): Promise<RunResult> => {
    try {
      const result = await step.run({
        campaign: job.campaign,
        spec: readSpec(job.campaign),
        target: job.target,
        step: job.step,
        stepIndex: job.stepIndex,
        options: job.step.options,
        state,
        deps: input.deps,
        now: input.now(),
      });
      return { kind: 'result', result };
    } catch (error) {
      if (isFleetError(error, 'budget_exhausted')) {
        const retryAt = typeof error.details.retryAt === 'number' ? error.details.retryAt : input.now() + 60_000;
        return { kind: 'budget', retryAt, reason: error.message };
      }
      const failure = classifyFailure(error);
      // A refusal retrying cannot change (a 422, a bad spec) goes to a person now, not after the retry cap.
      return { kind: 'result', result: failure.retryable ? { kind: 'failed', retryable: true, reason: failure.reason } : { kind: 'needs-human', reason: failure.reason } };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a leased job's step from the state its last run saved, for the step pass and the close pass.
 *
 * @example
 * const { state, previousStatus, ran, now } = await runLeasedStep(input, job);
 */
export async function runLeasedStep<Deps>(input: Required<TickInput<Deps>>, job: Claimed): Promise<{ state: Record<string, unknown>; previousStatus: StepStatus | undefined; ran: RunResult; now: number }> {
  const previous = input.store.steps.get(job.target.id, job.stepIndex);
  const state = previous?.data ?? {};
  const ran = await runStepWithLimit(input, job, state);
  return { state, previousStatus: previous?.status, ran, now: input.now() };
}

/**
 * The wait before a retryable failure's next attempt: doubling from the base, up to the cap.
 *
 * @example backoffDelay({ backoffBaseMs: 1_000 }, 3) // 4_000
 */
export function backoffDelay(limits: Pick<TickLimits, 'backoffBaseMs' | 'backoffCapMs'>, attempts: number): number {
  return Math.min((limits.backoffBaseMs ?? 30_000) * 2 ** (attempts - 1), limits.backoffCapMs ?? 30 * 60_000);
}
