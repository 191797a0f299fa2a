import type { CampaignSpec, StepDefinition } from '../domain/spec.js';
import type { CampaignRecord, TargetRecord, NewEvent } from '../store/store.js';
import type { StepKind } from '../domain/step-options.js';
import type { DeploymentFact } from '../domain/deployment.js';

/**
 * The step contract (a brick). A step is run by the engine's tick for one target; it must be
 * idempotent: after a crash it runs again from its persisted `state` and must find what it
 * already created instead of creating it twice. Steps never talk to Slack: they return events.
 */
export type StepResult =
  /** The step is finished; `data` is kept as its final state, `patch` updates the target. */
  | { kind: 'done'; data?: Record<string, unknown>; patch?: TargetFacts; events?: StepEvent[]; skipTarget?: string }
  /** Not yet: look again at `until` (epoch ms) or when a webhook wakes the target. */
  | { kind: 'wait'; until: number; reason: string; data?: Record<string, unknown>; patch?: TargetFacts; events?: StepEvent[] }
  /** It failed; a retryable failure is tried again with backoff up to the engine's cap. */
  | { kind: 'failed'; reason: string; retryable: boolean; data?: Record<string, unknown>; patch?: TargetFacts; events?: StepEvent[] }
  /** A person must look (Retry / Skip buttons in the thread). */
  | { kind: 'needs-human'; reason: string; data?: Record<string, unknown>; patch?: TargetFacts; events?: StepEvent[] };

/** What a step learned about the target that the engine stores on the target row. */
export interface TargetFacts {
  prNumber?: number | null;
  prUrl?: string | null;
  branch?: string | null;
  headSha?: string | null;
  mergedSha?: string | null;
  /** The version the deploy brick deployed (replaced whole). */
  deployment?: DeploymentFact | null;
  /** Confidence signals in [0, 1] with their evidence, merged into the target's signals. */
  signals?: Record<string, unknown>;
}

/** An event a step reports; the engine adds campaign, target, time and actor. */
export type StepEvent = Pick<NewEvent, 'kind' | 'data'>;

export interface StepContext<Options = Record<string, unknown>, Deps = unknown> {
  campaign: CampaignRecord;
  spec: CampaignSpec;
  target: TargetRecord;
  step: StepDefinition;
  stepIndex: number;
  options: Options;
  /** This step's persisted state from its previous run ({} on the first run). */
  state: Record<string, unknown>;
  /** Clients the step needs (the GitHub gateway, the metrics provider, ...). */
  deps: Deps;
  now: number;
}

export interface Step<Options = Record<string, unknown>, Deps = unknown> {
  kind: StepKind;
  run(ctx: StepContext<Options, Deps>): Promise<StepResult>;
}
